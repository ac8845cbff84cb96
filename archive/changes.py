"""Judging a change: is a newly extracted page a new version of the article, or not the article?

A government portal on a bad day answers an article's URL with status 200 and a page in its own
chrome that extracts like an article: a soft 404 ("Bài viết không tồn tại hoặc đã bị gỡ bỏ khỏi
hệ thống…"), a maintenance notice, an error page, a login wall, a bot check. Stored as an edit,
it would become the article's current title and body. ``judge`` looks at the archived current
version, the new one and the run's context, and names the signals it found:

==================  ===============================================================  ========
signal              what it is                                                       weight
==================  ===============================================================  ========
``notice:<kind>``   the new title, lead or body holds a text of ``NOTICE_TEXTS``     decides
                    (crawler/text.py), the new body is short (NOTICE_MAX_CHARS), it
                    replaced the archived body (under NOTICE_BODY_KEPT of its word
                    pairs kept) and the archived version does not hold that text
``same_text:<n>``   the same title and body came from ``n`` >= SAME_TEXT_MIN_URLS    decides
                    different URLs in this run
``replaced``        the title, the date and nearly all of the body changed at once   decides
                    (under REPLACED_BODY_KEPT of the archived body's word pairs kept)
``shrunk``          the body is under SHRUNK_SHARE of the archived one's length      with
                    (an archived body of at least SHRUNK_MIN_CHARS)                  another
``dated_today``     the date moved to the day of the crawl (Vietnam time)            with
                                                                                     another
==================  ===============================================================  ========

The page is "not the article" when one deciding signal is found, or two of the others.

Why these cannot hide a real edit. Every signal is about what a notice page is, not about what
an edit does. An edited paragraph keeps the title, the date and most of the body's word pairs:
no ``replaced``, no ``shrunk``, no ``dated_today``. A corrected title changes the title alone,
and a changed author or lead changes neither title, date nor body length: at most one weak
signal, never two. An article's own text is its own: a real edit is not served identically
under two other URLs in the same run (``same_text`` needs three). A notice text counts only
when the new body is short enough to be a notice, replaced the archived body rather than
edited it, and the archived version did not already contain that text: an edit that adds
a sentence quoting "lỗi hệ thống" keeps the rest of the body, and an article about a
website's maintenance already held the words, so both are judged like any article. The two
weak signals together (the body cut to a quarter *and* dated today) describe a stub page,
which an editor does not produce by correcting an article. What the judgement refuses is
never lost: its capture is in the WARC files and its reason in ``failures``.

Pure: the standard library and crawler.text only; archive.changeguard does the storing.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from crawler.text import NOTICE_TEXTS, clean_inline

NOTICE_MAX_CHARS = 1000  # a notice is short; a longer body is judged as an article
NOTICE_BODY_KEPT = 0.5  # ... and it replaces the archived body: under half its word pairs kept
SAME_TEXT_MIN_URLS = 3  # one text under this many URLs in a run is no article's own text
REPLACED_BODY_KEPT = 0.2  # "nearly all of the body changed": under 20% of its word pairs kept
SHRUNK_SHARE = 0.25  # "far shorter": under a quarter of the archived body's length
SHRUNK_MIN_CHARS = 400  # ... of an archived body at least this long
DECIDING = ("notice", "same_text", "replaced")
VIETNAM = timezone(timedelta(hours=7))

# (kind, the pattern's leading plain phrase, the pattern): the phrase is looked for first (a
# plain substring search, much faster than the regular expression over a whole page).
_NOTICES = tuple((kind, re.split(r"[\\(\[.?*+|]", pattern)[0], re.compile(pattern))
                 for kind, pattern in NOTICE_TEXTS)
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Version:
    """The fields of an article version that judging reads."""

    title: str
    body: str
    published: str = ""
    author: str = ""
    lead: str = ""

    @classmethod
    def of(cls, record: Any) -> Version:
        """The version held by an Article, an articles row (a dict) or any object with these
        fields; missing fields are empty."""
        get = record.get if isinstance(record, dict) else (lambda k, d: getattr(record, k, d))
        return cls(*(str(get(name, "") or "") for name in
                     ("title", "body", "published", "author", "lead")))  # fmt: skip


@dataclass(frozen=True)
class RunContext:
    """What the run knows beside the page: the crawl's day and the URLs sharing this text."""

    crawl_day: str = ""  # ISO date in Vietnam time ('2026-12-02'); see ``crawl_day``
    same_text_urls: int = 1  # distinct URLs that served this page's text_key in this run


@dataclass(frozen=True)
class Judgement:
    """The signals found; ``not_the_article`` says what they add up to."""

    signals: tuple[str, ...] = ()

    @property
    def not_the_article(self) -> bool:
        deciding = [s for s in self.signals if s.split(":")[0] in DECIDING]
        return bool(deciding) or len(self.signals) >= 2

    @property
    def suspected_removal(self) -> bool:
        """A soft 404: the page says the article is gone (a later run confirms or clears it)."""
        return "notice:removed" in self.signals

    @property
    def reason(self) -> str:
        """'notice:removed', 'same_text:9+replaced', ...; empty for a real edit."""
        return "+".join(self.signals) if self.not_the_article else ""


def notice_kind(version: Version) -> str | None:
    """The kind of the first NOTICE_TEXTS entry found in the title, lead or body, or None."""
    text = _folded_case(" ".join((version.title, version.lead, version.body)))
    return next((kind for kind, phrase, pattern in _NOTICES
                 if phrase in text and pattern.search(text)), None)


def judge(archived: Version | None, new: Version, context: RunContext | None = None) -> Judgement:
    """The signals that say ``new`` is not a version of the article archived as ``archived``
    (None: the URL is not archived yet; then only the page's own signals count)."""
    context = context or RunContext()
    signals = []
    kind = notice_kind(new) if len(new.body) <= NOTICE_MAX_CHARS else None  # (articles: none)
    if kind and (
        archived is None
        or (notice_kind(archived) != kind and body_kept(archived.body, new.body) < NOTICE_BODY_KEPT)
    ):
        signals.append(f"notice:{kind}")
    if context.same_text_urls >= SAME_TEXT_MIN_URLS:
        signals.append(f"same_text:{context.same_text_urls}")
    if archived is not None:
        signals += _change_signals(archived, new, context.crawl_day)
    return Judgement(tuple(signals))


def _change_signals(archived: Version, new: Version, day: str) -> list[str]:
    found = []
    title_changed = clean_inline(archived.title) != clean_inline(new.title)
    date_changed = archived.published[:10] != new.published[:10]
    if title_changed and date_changed and body_kept(archived.body, new.body) < REPLACED_BODY_KEPT:
        found.append("replaced")
    old_length, new_length = len(archived.body), len(new.body)
    if old_length >= SHRUNK_MIN_CHARS and new_length < SHRUNK_SHARE * old_length:
        found.append("shrunk")
    if day and new.published[:10] == day and archived.published[:10] != day:
        found.append("dated_today")
    return found


def body_kept(old: str, new: str) -> float:
    """The share of ``old``'s adjacent word pairs that ``new`` still has (1.0 for an old body
    without any pair that is unchanged, 0.0 if it changed)."""
    old_pairs = _pairs(old)
    if not old_pairs:
        return 1.0 if _folded_case(old) == _folded_case(new) else 0.0
    return len(old_pairs & _pairs(new)) / len(old_pairs)


def _pairs(text: str) -> set[tuple[str, str]]:
    words = _WORD.findall(_folded_case(text))
    return set(zip(words, words[1:], strict=False))


def _folded_case(text: str) -> str:
    return unicodedata.normalize("NFC", text).lower()


def text_key(version: Version) -> str:
    """A digest of the page's title and body: equal for the same text under any URL."""
    text = clean_inline(version.title) + "\n" + clean_inline(version.body)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def crawl_day(fetched_at: str) -> str:
    """The day (Vietnam time, ISO) of a UTC fetch time such as '2026-12-02T20:30:00Z'; empty
    if it cannot be read."""
    try:
        moment = datetime.fromisoformat(fetched_at.replace("Z", "+00:00"))
    except (ValueError, AttributeError):
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(VIETNAM).date().isoformat()
