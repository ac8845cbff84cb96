"""Full-text search over the archive: turning any text into a valid FTS5 query, ranking, snippets.

Query language (everything else is just words, so any text is a valid query):

* words are ANDed: ``dieu phoi`` finds articles containing both words;
* ``"nông thôn mới"`` in double quotes is a phrase; an unbalanced quote is ignored;
* ``nong*`` matches words starting with "nong";
* ``OR`` in capitals between two terms means either;
* for a query of plain words, texts with the words side by side (as a phrase) come first,
  then (three words or more) texts with them side by side in pieces, then the texts with all
  the words anywhere: Vietnamese words are several syllables, and "da nang" should put
  "Đà Nẵng" before texts that merely contain "đã" and "nâng";
* words joined by punctuation (``Cần-Thơ``, ``a_b``) are a phrase, as FTS5 itself reads them.

Every word is folded with ``archive.folding.fold_for_search`` (no marks, đ -> d, lowercase) and
quoted, so FTS5 operators, parentheses, ``-``, ``:`` and stray quotes in the text never reach the
FTS5 parser. The index holds each text plus its đ -> d copy (see ``archive.schema``), so the
folded query matches accented and unaccented text alike.

Snippets are built here in Python, not with FTS5's snippet(): that re-tokenizes the content
column, which has no đ -> d copy, so a folded match would go unmarked.
"""

from __future__ import annotations

import functools
import json
import re
import sqlite3
from dataclasses import asdict, dataclass
from datetime import date
from itertools import islice
from typing import Any

import sqlite_utils

from archive.errors import QueryError
from archive.folding import WORD_PATTERN, fold_in_place, folded_words, pair_phrase
from archive.schema import PAIRS_TABLE, PAIRS_WEIGHTS, SEARCH_TABLE, SEARCH_WEIGHTS
from crawler.text import clean_inline

MAX_TERMS = 64
# A double-quoted phrase, a bare chunk of text without spaces.
_CHUNK = re.compile(r'"(?P<phrase>[^"]*)"|(?P<bare>[^\s"]+)')
_DATE_PREFIX = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?")


@dataclass(frozen=True)
class Term:
    """One searched word or phrase: folded words, and whether the last word is a prefix."""

    words: tuple[str, ...]
    prefix: bool = False

    def to_fts(self) -> str:
        """This term as a quoted FTS5 string: ``"dieu phoi"`` or ``"nong"*``."""
        return f'"{" ".join(self.words)}"' + ("*" if self.prefix else "")


@dataclass(frozen=True)
class ParsedQuery:
    """A user's query, parsed: the FTS5 MATCH expression and the words to highlight."""

    text: str
    match: str
    terms: tuple[Term, ...]
    phrase: str = ""  # plain multi-word queries: all the words (phrase_pairs searches them)

    @property
    def phrase_pairs(self) -> str:
        """The phrase searched first as a phrase of the pair index (``"da_nang nang_moi"``):
        for a plain multi-word query, or a query that is one quoted phrase; else ''."""
        if self.phrase:
            return pair_phrase([word for term in self.terms for word in term.words])
        if len(self.terms) == 1 and not self.terms[0].prefix and len(self.terms[0].words) > 1:
            return pair_phrase(self.terms[0].words)
        return ""

    @property
    def pieces_pairs(self) -> str:
        """For a plain query of three words or more, the articles with every word side by side
        with the word before or after it in the query, as an expression of the pair index: its
        first and last pairs, and one of the two pairs of each inner word they leave out
        (``"giai_ngan" AND "dau_tu" AND ("ngan_von" OR "von_dau")``); else ''."""
        words = [word for term in self.terms for word in term.words]
        if not self.phrase or len(words) < 3:
            return ""
        pairs = [f'"{a}_{b}"' for a, b in zip(words, words[1:], strict=False)]
        inner = [f"({pairs[n - 1]} OR {pairs[n]})" for n in range(2, len(words) - 2)]
        return " AND ".join([pairs[0], pairs[-1], *inner])

    def hits_in(self, folded: str) -> list[tuple[int, int]]:
        """The (start, end) of every word the query matches in ``folded`` (text folded by
        ``archive.folding.fold_in_place``, so the spans are those of the original text)."""
        return [match.span() for match in self._hit_pattern.finditer(folded)]

    @functools.cached_property
    def _hit_pattern(self) -> re.Pattern[str]:
        """A regular expression finding, in folded text, the whole words the query matches: its
        words, and the words starting with a prefix term's last word. Each alternative starts
        with its first letter, the start-of-word test right after it, so the regular expression
        engine can skip ahead to the letters that can start a match."""
        exact = {w for t in self.terms for w in (t.words[:-1] if t.prefix else t.words)}
        prefixes = {t.words[-1] for t in self.terms if t.prefix}

        def starting(word: str) -> str:
            return re.escape(word[0]) + r"(?<![^\W_][\s\S])" + re.escape(word[1:])

        def ordered(words: set[str]) -> list[str]:  # longest first, then alphabetical
            return sorted(words, key=lambda w: (-len(w), w))

        choices = [starting(w) + r"(?![^\W_])" for w in ordered(exact)]
        choices += [starting(w) + r"[^\W_]*" for w in ordered(prefixes)]
        return re.compile("|".join(choices))


def normalize_query(text: str) -> str:
    """NFC, single-spaced text; characters that are not valid Unicode become '?'."""
    text = text.encode("utf-8", "replace").decode("utf-8")
    return clean_inline(text)  # NFC included


def parse_query(text: str) -> ParsedQuery:
    """Parse any user text into a safe FTS5 query (see the module docstring).

    Raises ``QueryError`` if the text contains no words, or more than ``MAX_TERMS`` terms.
    """
    text = normalize_query(text or "")
    parts: list[str] = []
    terms: list[Term] = []
    pending_or = False
    plain = True  # only bare words: no OR, no quoted phrase, no prefix
    for chunk in _CHUNK.finditer(text):
        if chunk.group("bare") == "OR":
            pending_or = bool(parts)
            plain = False
            continue
        raw = chunk.group("phrase") if chunk.group("phrase") is not None else chunk.group("bare")
        words = tuple(folded_words(raw))
        if not words:
            continue
        prefix = chunk.group("bare") is not None and raw.endswith("*")
        plain = plain and chunk.group("bare") is not None and not prefix
        term = Term(words, prefix)
        if pending_or:
            parts.append("OR")
            pending_or = False
        parts.append(term.to_fts())
        terms.append(term)
    if not terms:
        raise QueryError(f"Nothing to search for in {text!r}: the query needs at least one word.")
    if len(terms) > MAX_TERMS:
        raise QueryError(f"The query has {len(terms)} terms; at most {MAX_TERMS} are allowed.")
    phrase = ""
    if plain and len(terms) > 1:
        phrase = Term(tuple(word for term in terms for word in term.words)).to_fts()
    return ParsedQuery(text=text, match=" ".join(parts), terms=tuple(terms), phrase=phrase)


# --- Dates ---------------------------------------------------------------------------------------


def check_date_prefix(value: str) -> str:
    """Return ``value`` if it is 'YYYY', 'YYYY-MM' or 'YYYY-MM-DD' and a real date; else raise
    ``ValueError`` with a readable message."""
    value = (value or "").strip()
    if not _DATE_PREFIX.fullmatch(value):
        raise ValueError(f"{value!r} is not a date: use YYYY, YYYY-MM or YYYY-MM-DD")
    year, month, day = (value.split("-") + ["01", "01"])[:3]
    try:
        date(int(year), int(month), int(day))
    except ValueError as error:
        raise ValueError(f"{value!r} is not a valid date ({error})") from None
    return value


def date_range_sql(column: str, since: str = "", until: str = "") -> tuple[str, list[str]]:
    """SQL condition and parameters keeping rows whose ISO date ``column`` is in the range.

    Both bounds are inclusive ISO prefixes: until '2023-05' keeps all of May 2023.
    Raises ``ValueError`` for a malformed bound.
    """
    conditions, params = [], []
    if since:
        conditions.append(f"{column} >= ?")
        params.append(check_date_prefix(since))
    if until:
        until = check_date_prefix(until)
        conditions.append(f"{column} != '' AND substr({column}, 1, {len(until)}) <= ?")
        params.append(until)
    return " AND ".join(conditions), params


# --- Highlighting ------------------------------------------------------------------------------


def hit_spans(text: str, query: ParsedQuery) -> list[tuple[int, int]]:
    """The (start, end) of every word of ``text`` that the query matches (a word as
    ``WORD_PATTERN`` finds one, folded like the query): one folding and one regular-expression
    pass that stops only at the query's words."""
    return query.hits_in(fold_in_place(text))


def highlight(text: str, query: ParsedQuery, marks: tuple[str, str] = ("[", "]")) -> str:
    """``text`` with every word the query matches wrapped in ``marks``."""
    return _marked(text, hit_spans(text, query), 0, len(text), marks)


def _marked(
    text: str, hits: list[tuple[int, int]], begin: int, finish: int, marks: tuple[str, str]
) -> str:
    """``text[begin:finish]`` with the ``hits`` inside it wrapped in ``marks``."""
    out, cursor = [], begin
    for start, end in hits:
        if start >= begin and end <= finish:
            out += [text[cursor:start], marks[0], text[start:end], marks[1]]
            cursor = end
    out.append(text[cursor:finish])
    return "".join(out)


def snippet(
    text: str, query: ParsedQuery, marks: tuple[str, str] = ("[", "]"), width: int = 30
) -> str:
    """About ``width`` words of ``text`` around the densest run of matched words, highlighted,
    with '…' where text was cut. The start of ``text`` if nothing matches."""
    folded = fold_in_place(text)
    hits = query.hits_in(folded)
    return _snippet(text, folded, hits, marks, width)


def _snippet(
    text: str,
    folded: str,
    hits: list[tuple[int, int]],
    marks: tuple[str, str] = ("[", "]"),
    width: int = 30,
) -> str:
    """``snippet`` for a text whose folded form and matched words (``hit_spans``) are known.

    The window is ``width`` words starting three words before the hit that starts the most
    hits within ``width`` words (the first such hit on a tie). Words are counted between the
    hits and read around the window only, not listed for the whole text.
    """
    if folded.isspace() or not folded:
        return " ".join(text.split())
    begin = 0
    if hits:
        # Each hit's position in words, relative to the first hit.
        position = [0]
        for (_, end), (start, _) in zip(hits, hits[1:], strict=False):
            position.append(position[-1] + 1 + len(folded[end:start].split()))
        best, best_count, last = 0, 0, 0
        for n, first in enumerate(position):  # the window starting at the hit with most hits
            while last < len(position) and position[last] < first + width:
                last += 1
            if last - n > best_count:
                best, best_count = n, last - n
        begin = _context_start(folded, hits[best][0], 3)
    window = list(islice(WORD_PATTERN.finditer(folded, begin), width))
    begin = window[0].start() if begin else 0
    more = WORD_PATTERN.search(folded, window[-1].end()) is not None
    finish = window[-1].end() if more else len(text)
    marked = " ".join(_marked(text, hits, begin, finish, marks).split())
    return ("… " if begin else "") + marked + (" …" if finish < len(text) else "")


def _context_start(folded: str, position: int, words: int) -> int:
    """Where the word ``words`` words before ``position`` starts; 0 if there are no more than
    ``words`` words before it (the window then starts at the text's start)."""
    size = 64
    while True:
        start = max(0, position - size)
        found = [match.start() for match in WORD_PATTERN.finditer(folded, start, position)]
        if start and found and found[0] == start and WORD_PATTERN.match(folded, start - 1):
            found = found[1:]  # the chunk starts inside a word: not a whole word
        if len(found) > words:
            return found[-words]
        if not start:
            return 0
        size *= 4


# --- Searching -----------------------------------------------------------------------------------


@dataclass
class SearchHit:
    """One search result: the article's key fields, its bm25 score (lower is better), the title
    and a snippet with the matched words marked."""

    id: int
    url: str
    title: str
    published: str
    author: str
    score: float
    title_marked: str
    snippet: str

    def to_dict(self) -> dict[str, Any]:
        """A plain dict, for JSON."""
        return asdict(self)


def search_articles(
    db: sqlite_utils.Database,
    query: str,
    since: str = "",
    until: str = "",
    author: str = "",
    limit: int = 20,
    marks: tuple[str, str] = ("[", "]"),
) -> list[SearchHit]:
    """Search title, lead and body; return up to ``limit`` hits, best bm25 rank first.

    ``since``/``until`` are inclusive ISO date prefixes; ``author`` keeps articles whose byline
    contains it (diacritics and case ignored). Raises ``QueryError`` for a query without words,
    ``ValueError`` for a malformed date.
    """
    parsed = parse_query(query)
    limit = max(0, int(limit))
    filters, params = date_range_sql("a.published", since, until)
    author_words = folded_words(author)
    if author_words:
        filters = " AND ".join(f for f in (filters, "instr(fold(a.author), ?) > 0") if f)
        params.append(" ".join(author_words))
    ranked: list[tuple[int, float]] = []
    # Phrase matches first (when the query has one), then the articles with the words side by
    # side in pieces (queries of three words or more), then the others with all the words; a
    # pass only runs when the passes before it do not fill the page. The first two look up
    # the pair index: a few rare pair tokens instead of common syllables side by side.
    passes = [(True, parsed.phrase_pairs), (True, parsed.pieces_pairs), (False, parsed.match)]
    if parsed.phrase_pairs and not parsed.phrase:  # one quoted phrase: the pair pass is all
        passes = passes[:1]
    for pairs, match in ((p, m) for p, m in passes if m):
        if len(ranked) >= limit:
            break
        seen = {id_ for id_, _ in ranked}
        found = _best_ids(db, match, filters, params, limit + len(ranked), pairs)
        ranked += [hit for hit in found if hit[0] not in seen][: limit - len(ranked)]
    return [_hit(row, score, parsed, marks) for row, score in _with_texts(db, ranked)]


def _best_ids(
    db: sqlite_utils.Database,
    match: str,
    filters: str,
    params: list[str],
    limit: int,
    pairs: bool = False,
) -> list[tuple[int, float]]:
    """(id, bm25 score) of the best ``limit`` articles matching ``match`` in ``articles_fts``,
    or in the pair index ``articles_fts_pairs`` if ``pairs``, best first (equal scores by id).

    Only the index is read, plus the articles table when there are filters. bm25() with
    explicit weights and SQLite's ORDER BY ... LIMIT is faster than FTS5's ``ORDER BY rank``,
    which (SQLite 3.40) sorts every match in a nested query of its own.
    """
    table = PAIRS_TABLE if pairs else SEARCH_TABLE
    weights = PAIRS_WEIGHTS if pairs else SEARCH_WEIGHTS
    score = f"bm25({table}, {weights})"
    join, where = "", ""
    if filters:
        join = f"JOIN articles a ON a.id = {table}.rowid"
        where = f"AND {filters}"
    sql = (
        f"SELECT {table}.rowid, {score} AS score FROM {table} {join} "
        f"WHERE {table} MATCH ? {where} ORDER BY score LIMIT ?"
    )
    try:
        found = db.execute(sql, [match, *params, limit]).fetchall()
    except sqlite3.OperationalError as error:  # should not happen with quoted terms
        raise QueryError(f"SQLite could not run the search {match!r}: {error}") from error
    return sorted(found, key=lambda hit: (hit[1], hit[0]))


def _with_texts(
    db: sqlite_utils.Database, ranked: list[tuple[int, float]]
) -> list[tuple[tuple, float]]:
    """The article rows (id, url, title, published, author, lead, body) of the ``ranked`` hits,
    in the same order, with their scores: the texts are read for these rows only."""
    if not ranked:
        return []
    rows = {
        row[0]: row
        for row in db.execute(
            "SELECT id, url, title, published, author, lead, body FROM articles "
            "WHERE id IN (SELECT value FROM json_each(?))",
            [json.dumps([id_ for id_, _ in ranked])],
        )
    }
    return [(rows[id_], score) for id_, score in ranked if id_ in rows]


def _hit(row: tuple, score: float, parsed: ParsedQuery, marks: tuple[str, str]) -> SearchHit:
    """A SearchHit for one article row: the title marked, and a snippet of the body, or of the
    lead when only the lead has matched words."""
    id_, url, title, published, author, lead, body = row
    text = body or ""
    folded = fold_in_place(text)
    hits = parsed.hits_in(folded)
    if lead and not hits:
        lead_folded = fold_in_place(lead)
        lead_hits = parsed.hits_in(lead_folded)
        if lead_hits:
            text, folded, hits = lead, lead_folded, lead_hits
    return SearchHit(
        id=id_,
        url=url,
        title=title,
        published=published or "",
        author=author or "",
        score=round(score, 4),
        title_marked=highlight(title, parsed, marks),
        snippet=_snippet(text, folded, hits, marks),
    )
