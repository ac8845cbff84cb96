"""Finding the city's leaders in an article's text: rules over the lists of ``vocabulary``.

A mention is an office of the city (a head such as "Phó Chủ tịch" and an organization such as
"UBND thành phố") together with the person holding it, found four ways:

- ``title_first``: the name right after the office, "Phó Chủ tịch UBND thành phố Nguyễn Ngọc Hè";
- ``name_first``: the name right before it and a comma, "ông Nguyễn Ngọc Hè, Phó Chủ tịch UBND
  TP Cần Thơ" (also "đồng chí Lê Quang Tuấn, Bí thư Thành ủy"). Two offices joined by a comma or
  "kiêm" are one title: "Phó Bí thư Thành ủy, Chủ tịch UBND thành phố Trần Việt Trường" gives
  one mention per office. A new office after a former one is the person's too: "Ông Tạ Ngọc
  Bích, nguyên Phó Chủ tịch UBND thành phố, vừa được bầu giữ chức Chủ tịch UBND thành phố";
- ``name_again``: a name already given with an office, written again alone ("Ông Nguyễn Ngọc
  Hè đề nghị ..."), with the role it had there;
- ``office_only``: the office alone ("Chủ tịch UBND thành phố yêu cầu ..."). It is linked to the
  person named with the same role in the article (the nearest before it, else after it); when
  nobody is, the person stays empty here and :mod:`archive.leaders.people` may link it by date.

What is never a leader: a name after a place word ("đường Nguyễn Văn Cừ", "cầu Trần Hoàng Na",
"phường Châu Văn Liêm"), a name that is not Vietnamese-shaped (a foreign guest, an organization),
an office of another place ("UBND tỉnh", "UBND các quận", "UBND thành phố Đà Nẵng"), a former
holder ("nguyên Chủ tịch"), and anything outside the texts given (bylines and photo credits are
separate fields and never read).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass
from typing import Any

from archive.leaders import vocabulary as v

# --- Offices --------------------------------------------------------------------------------

_HEAD_PATTERNS = {head: re.compile(head) for head in v.HEADS}
_ORG_GROUPS = {f"org{i}": org for i, org in enumerate(v.ORGANIZATIONS)}
_OFFICE = re.compile(
    r"(?<![\w])(?P<head>" + "|".join(f"(?:{head})" for head in v.HEADS) + r")\s+(?:"
    + "|".join(f"(?P<{group}>{v.ORGANIZATIONS[org]})" for group, org in _ORG_GROUPS.items())
    + r")(?![\w])"
)
# What may join two offices of one person's title.
_TITLE_JOINER = re.compile(r"\s*(?:,|kiêm)\s*")
_NAME_SEPARATOR = re.compile(r"\s*[,–-]\s*$")  # between a name and its title
_FORMER = re.compile(r"(?:nguyên|cố|cựu|Nguyên|Cố|Cựu)\s+$")
# Between a former office and the new one of the same person: "Ông Tạ Ngọc Bích, nguyên Phó Chủ
# tịch UBND thành phố, vừa được bầu giữ chức Chủ tịch UBND thành phố, ...".
_NOW_HOLDS = re.compile(
    r",\s*(?:nay là|hiện là|(?:vừa |mới )?được bầu (?:giữ chức|làm)|(?:vừa |mới )?được "
    r"(?:bổ nhiệm|phân công) (?:giữ chức|làm))\s+$"
)

# --- Names ----------------------------------------------------------------------------------

_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
# Old-style tone placement on open syllables ("Hoà", "Thuỷ") -> the new style ("Hòa", "Thủy").
_OLD_TONES = {
    "oà": "òa", "oá": "óa", "oả": "ỏa", "oã": "õa", "oạ": "ọa",
    "oè": "òe", "oé": "óe", "oẻ": "ỏe", "oẽ": "õe", "oẹ": "ọe",
    "uỳ": "ùy", "uý": "úy", "uỷ": "ủy", "uỹ": "ũy", "uỵ": "ụy",
}
_OLD_TONE_END = re.compile("(" + "|".join(_OLD_TONES) + r")$")


def normalize_name(name: str) -> str:
    """A person's name in one form: NFC, single spaces, each syllable capitalized, tone marks
    placed the new way ("NGUYỄN  văn hoà" -> "Nguyễn Văn Hòa")."""
    words = []
    for word in unicodedata.normalize("NFC", name).split():
        word = "-".join(part[:1].upper() + part[1:].lower() for part in word.split("-"))
        words.append(_OLD_TONE_END.sub(lambda m: _OLD_TONES[m.group(1)], word))
    return " ".join(words)


def _is_capitalized(word: str) -> bool:
    """A syllable of a name: "Nguyễn", "Hè", "A"; not "UBND" or "TP"."""
    return word[0].isupper() and not (len(word) > 1 and word[1].isupper())


def _name_after(text: str, start: int) -> tuple[int, int] | None:
    """The span of the capitalized run starting at ``start`` (after one space), if any."""
    if start >= len(text) or text[start] != " ":
        return None
    position, end, count = start + 1, None, 0
    while count < v.MAX_NAME_WORDS + 1:
        match = _WORD.match(text, position)
        if not match or not _is_capitalized(match.group()):
            break
        end, count = match.end(), count + 1
        if text[end : end + 1] != " ":
            break
        position = end + 1
    if end is None:
        return None
    return start + 1, end


def _name_before(text: str, end: int) -> tuple[int, int] | None:
    """The span of the capitalized run ending at ``end``, if any."""
    words = list(_WORD.finditer(text[max(0, end - 80) : end]))
    offset = max(0, end - 80)
    start = None
    expected_end = end
    for match in reversed(words):
        if offset + match.end() != expected_end or not _is_capitalized(match.group()):
            break
        start = offset + match.start()
        if start == 0 or text[start - 1] != " ":
            break
        expected_end = start - 1
    if start is None:
        return None
    return start, end


def _trim_name(
    text: str, span: tuple[int, int], after_office: bool = False
) -> tuple[int, int] | None:
    """The span of a leader-shaped name in ``span``: a leading "Ông"/"Bà"/"Đồng" (a sentence's
    honorific) dropped, starting with a family name, 2 to 5 words, not a place."""
    start, end = span
    words = text[start:end].split(" ")
    while words and words[0] in ("Ông", "Bà", "Đồng", "Chí") and len(words) > v.MIN_NAME_WORDS:
        if words[0] == "Đồng" and words[1:2] != ["chí"] and words[1:2] != ["Chí"]:
            break
        start += len(words[0]) + 1
        words = words[1:]
    if not (v.MIN_NAME_WORDS <= len(words) <= v.MAX_NAME_WORDS):
        return None
    if words[0] not in v.SURNAMES or " ".join(words) in v.PLACES:
        return None
    if not after_office and _after_place_word(text, start):
        return None
    return start, end


def _after_place_word(text: str, start: int) -> bool:
    """Whether the words before ``start`` make what follows a place or a thing named after a
    person ("đường", "cầu", "Trường THPT", "thành phố")."""
    before = text[max(0, start - 30) : start].lower().split()
    return bool(before) and (
        before[-1] in v.NAMED_AFTER_WORDS or " ".join(before[-2:]) in v.NAMED_AFTER_WORDS
    )


def _place_follows(text: str, end: int) -> bool:
    """Whether a known place ("Đà Nẵng", "Hồ Chí Minh") follows ``end``: another city's office."""
    span = _name_after(text, end)
    if span is None:
        return False
    words = text[span[0] : span[1]].split(" ")
    return any(" ".join(words[:n]) in v.PLACES for n in range(1, len(words) + 1))


# --- Mentions -------------------------------------------------------------------------------


@dataclass
class Mention:
    """One leader mention in one of an article's texts."""

    part: str  # "title", "lead", "body" or "caption"
    index: int  # which caption (images in page order); 0 for the other parts
    start: int  # character offsets in that text (NFC)
    end: int
    name: str  # the name as written; "" when only the office is named
    person: str  # normalized name; "" when nobody is known
    title: str  # the title as written; "" for a name written again alone
    role: str  # one of vocabulary.ROLES or vocabulary.OTHER
    organization: str  # "Thành ủy", "UBND", "HĐND" or "UBMTTQ"
    kind: str  # "title_first", "name_first", "name_again" or "office_only"
    inferred: bool = False  # linked to a person by the article's date, not by its text

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class _Office:
    start: int
    end: int
    title: str
    role: str
    organization: str


def _offices(text: str) -> list[_Office]:
    """The city's offices written in ``text``, in order."""
    found = []
    for match in _OFFICE.finditer(text):
        group = next(g for g in _ORG_GROUPS if match.group(g))
        organization = _ORG_GROUPS[group]
        head = next(h for h, p in _HEAD_PATTERNS.items() if p.fullmatch(match.group("head")))
        role = v.HEADS[head].get(organization)
        if role is None or _FORMER.search(text[max(0, match.start() - 8) : match.start()]):
            continue
        if _place_follows(text, match.end()):
            continue
        found.append(_Office(match.start(), match.end(), match.group(), role, organization))
    return found


def _chains(text: str, offices: list[_Office]) -> list[list[_Office]]:
    """Offices joined by a comma or "kiêm" with nothing else between them: one title."""
    chains: list[list[_Office]] = []
    for office in offices:
        if chains and _TITLE_JOINER.fullmatch(text[chains[-1][-1].end : office.start]):
            chains[-1].append(office)
        else:
            chains.append([office])
    return chains


def _name_before_former_office(text: str, start: int) -> tuple[int, int] | None:
    """The name of a person given a former office and then the one starting at ``start``:
    "Ông Tạ Ngọc Bích, nguyên Phó Chủ tịch UBND thành phố, vừa được bầu giữ chức <office>"."""
    window_start = max(0, start - 48)
    bridge = _NOW_HOLDS.search(text[window_start:start])
    if not bridge:
        return None
    former_end = window_start + bridge.start()
    former = [m for m in _OFFICE.finditer(text, max(0, former_end - 120), former_end)
              if m.end() == former_end or text[m.end() : former_end].strip() in v.PLACES]
    if not former:
        return None
    prefix = _FORMER.search(text[max(0, former[-1].start() - 8) : former[-1].start()])
    if not prefix:
        return None
    former_start = former[-1].start() - len(prefix.group())
    separator = _NAME_SEPARATOR.search(text[max(0, former_start - 4) : former_start])
    if not separator:
        return None
    before = _name_before(text, former_start - len(separator.group()))
    return _trim_name(text, before) if before else None


def find_in_text(text: str, part: str = "body", index: int = 0) -> list[Mention]:
    """The mentions with an office in one text: title_first, name_first and office_only (the
    latter not yet linked to anyone)."""
    text = unicodedata.normalize("NFC", text or "")
    mentions: list[Mention] = []
    for chain in _chains(text, _offices(text)):
        name_span = None
        kind = "office_only"
        after = _name_after(text, chain[-1].end)
        if after:
            name_span = _trim_name(text, after, after_office=True)
            kind = "title_first" if name_span else kind
        if name_span is None:
            window = text[max(0, chain[0].start - 4) : chain[0].start]
            separator = _NAME_SEPARATOR.search(window)
            if separator:
                before = _name_before(text, chain[0].start - len(separator.group()))
                name_span = _trim_name(text, before) if before else None
                kind = "name_first" if name_span else kind
        if name_span is None:
            name_span = _name_before_former_office(text, chain[0].start)
            kind = "name_first" if name_span else kind
        name = text[name_span[0] : name_span[1]] if name_span else ""
        title = text[chain[0].start : chain[-1].end]
        for office in chain:
            if kind == "office_only" and office.role == v.OTHER:
                continue  # "Ủy viên Ban Thường vụ Thành ủy" alone says nothing about a person
            start = min(office.start, name_span[0]) if name_span else office.start
            end = max(office.end, name_span[1]) if name_span else office.end
            mentions.append(
                Mention(
                    part, index, start, end, name, normalize_name(name) if name else "",
                    title if name else office.title, office.role, office.organization, kind,
                )
            )
    return mentions


def article_texts(article: Any) -> list[tuple[str, int, str]]:
    """(part, index, text) of an article's title, lead, body and image captions, in that order.
    ``article`` is an Article or a dict with the same fields."""
    get = article.get if isinstance(article, dict) else lambda key: getattr(article, key, None)
    texts = [("title", 0, get("title") or ""), ("lead", 0, get("lead") or ""),
             ("body", 0, get("body") or "")]
    for number, image in enumerate(get("images") or []):
        caption = image.get("caption") if isinstance(image, dict) else image.caption
        texts.append(("caption", number, caption or ""))
    return [(part, index, unicodedata.normalize("NFC", t)) for part, index, t in texts if t]


_ORDER = {"title": 0, "lead": 1, "body": 2, "caption": 3}


def _order(mention: Mention) -> tuple[int, int, int]:
    return (_ORDER[mention.part], mention.index, mention.start)


def find_mentions(article: Any) -> list[Mention]:
    """Every leader mention of an article (title, lead, body, captions), in document order, with
    office-only mentions linked to the person the article names in that role when it does."""
    texts = article_texts(article)
    mentions = [m for part, index, text in texts for m in find_in_text(text, part, index)]
    mentions += _names_again(texts, mentions)
    mentions.sort(key=_order)
    _link_offices(mentions)
    return mentions


def _names_again(texts: list[tuple[str, int, str]], found: list[Mention]) -> list[Mention]:
    """Names already given with an office, written again without one."""
    named = sorted((m for m in found if m.person), key=_order)
    if not named:
        return []
    covered = {(m.part, m.index): [] for m in found}
    for m in found:
        covered[(m.part, m.index)].append((m.start, m.end))
    written = {}
    for mention in named:
        written.setdefault(mention.name, mention)
        written.setdefault(mention.person, mention)
    pattern = re.compile(
        r"(?<![\w])(" + "|".join(re.escape(n) for n in sorted(written, key=len, reverse=True))
        + r")(?![\w])"
    )
    again = []
    for part, index, text in texts:
        spans = covered.get((part, index), [])
        for match in pattern.finditer(text):
            inside = any(s <= match.start() < e for s, e in spans)
            if inside or _after_place_word(text, match.start()):
                continue
            first = written[match.group()]
            role_here = _role_at(named, first.person, (_ORDER[part], index, match.start()))
            again.append(
                Mention(part, index, match.start(), match.end(), match.group(), first.person, "",
                        role_here.role, role_here.organization, "name_again")
            )
    return again


def _role_at(named: list[Mention], person: str, position: tuple[int, int, int]) -> Mention:
    """The person's titled mention nearest before ``position``, else their first one."""
    theirs = [m for m in named if m.person == person]
    before = [m for m in theirs if _order(m) <= position]
    return before[-1] if before else theirs[0]


def _link_offices(mentions: list[Mention]) -> None:
    """Link office-only mentions to the person named in that role in the same article: the
    nearest such mention before, else the first after."""
    for position, mention in enumerate(mentions):
        if mention.kind != "office_only":
            continue
        same_role = [(i, m) for i, m in enumerate(mentions) if m.person and m.role == mention.role]
        if not same_role:
            continue
        before = [m for i, m in same_role if i < position]
        holder = before[-1] if before else same_role[0][1]
        mention.person = holder.person
