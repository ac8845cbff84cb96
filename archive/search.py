"""Full-text search over the archive: turning any text into a valid FTS5 query, ranking, snippets.

Query language (everything else is just words, so any text is a valid query):

* words are ANDed: ``dieu phoi`` finds articles containing both words;
* ``"nông thôn mới"`` in double quotes is a phrase; an unbalanced quote is ignored;
* ``nong*`` matches words starting with "nong";
* ``OR`` in capitals between two terms means either;
* for a query of plain words, texts with the words side by side (as a phrase) come first,
  then the texts with all the words anywhere: Vietnamese words are several syllables, and
  "da nang" should put "Đà Nẵng" before texts that merely contain "đã" and "nâng";
* words joined by punctuation (``Cần-Thơ``, ``a_b``) are a phrase, as FTS5 itself reads them.

Every word is folded with ``crawler.text.fold_for_search`` (no marks, đ -> d, lowercase) and
quoted, so FTS5 operators, parentheses, ``-``, ``:`` and stray quotes in the text never reach the
FTS5 parser. The index holds each text plus its đ -> d copy (see ``archive.schema``), so the
folded query matches accented and unaccented text alike.

Snippets are built here in Python, not with FTS5's snippet(): that re-tokenizes the content
column, which has no đ -> d copy, so a folded match would go unmarked.
"""

from __future__ import annotations

import bisect
import functools
import re
import sqlite3
import unicodedata
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

import sqlite_utils

from archive.errors import QueryError
from archive.schema import SEARCH_TABLE, SEARCH_WEIGHTS
from crawler.text import clean_inline, fold_for_search

MAX_TERMS = 64
# A word as unicode61 sees one: letters and digits (the underscore is a separator).
_WORD = re.compile(r"[^\W_]+")
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
    phrase: str = ""  # for plain multi-word queries: all the words as one phrase, searched first

    def matches_word(self, folded_word: str) -> bool:
        """True if a (folded) word of a text should be highlighted for this query."""
        exact, prefixes = self._highlight_sets
        return folded_word in exact or (bool(prefixes) and folded_word.startswith(prefixes))

    @functools.cached_property
    def highlight_regex(self) -> re.Pattern[str]:
        """Finds the words to highlight in text folded with ``fold_in_place``."""
        exact, prefixes = self._highlight_sets
        alternatives = [re.escape(w) + r"(?![^\W_])" for w in sorted(exact, key=len, reverse=True)]
        alternatives += [re.escape(w) for w in sorted(prefixes, key=len, reverse=True)]
        return re.compile(r"(?<![^\W_])(?:" + "|".join(alternatives) + ")")

    @functools.cached_property
    def _highlight_sets(self) -> tuple[frozenset[str], tuple[str, ...]]:
        exact = {w for t in self.terms for w in (t.words[:-1] if t.prefix else t.words)}
        prefixes = tuple(t.words[-1] for t in self.terms if t.prefix)
        return frozenset(exact), prefixes


def normalize_query(text: str) -> str:
    """NFC, single-spaced text; characters that are not valid Unicode become '?'."""
    text = text.encode("utf-8", "replace").decode("utf-8")
    return clean_inline(unicodedata.normalize("NFC", text))


def folded_words(text: str) -> list[str]:
    """The words of ``text`` as unicode61 would tokenize them, folded for search."""
    return _WORD.findall(fold_for_search(text))


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


class _FoldTable(dict):
    """str.translate table folding one character at a time like ``fold_for_search``, filled on
    first use; a character whose folding is not exactly one character is only lowercased, so the
    folded text keeps the original's length and every match maps back to the original."""

    def __missing__(self, code: int) -> str:
        char = chr(code)
        folded = char if char.isspace() else fold_for_search(char)
        if len(folded) != 1:
            folded = char.lower() if len(char.lower()) == 1 else char
        self[code] = folded
        return folded


_FOLD_TABLE = _FoldTable()


def fold_in_place(text: str) -> str:
    """``text`` folded for search character by character, same length as ``text``."""
    return text.translate(_FOLD_TABLE)


def _marked_words(text: str, query: ParsedQuery) -> list[tuple[int, int, bool]]:
    """(start, end, matched) for every word of ``text``."""
    hits = {m.start() for m in query.highlight_regex.finditer(fold_in_place(text))}
    return [(m.start(), m.end(), m.start() in hits) for m in _WORD.finditer(text)]


def highlight(text: str, query: ParsedQuery, marks: tuple[str, str] = ("[", "]")) -> str:
    """``text`` with every word the query matches wrapped in ``marks``."""
    out, cursor = [], 0
    for start, end, hit in _marked_words(text, query):
        if hit:
            out += [text[cursor:start], marks[0], text[start:end], marks[1]]
            cursor = end
    out.append(text[cursor:])
    return "".join(out)


def snippet(
    text: str, query: ParsedQuery, marks: tuple[str, str] = ("[", "]"), width: int = 30
) -> str:
    """About ``width`` words of ``text`` around the densest run of matched words, highlighted,
    with '…' where text was cut. The start of ``text`` if nothing matches."""
    spans = [m.span() for m in _WORD.finditer(text)]
    if not spans:
        return " ".join(text.split())
    starts = [start for start, _ in spans]
    hit_words = sorted(
        bisect.bisect_left(starts, m.start())
        for m in query.highlight_regex.finditer(fold_in_place(text))
    )
    best_first, best_count, last = 0, 0, 0
    for n, first in enumerate(hit_words):  # the window starting at a hit with the most hits
        while last < len(hit_words) and hit_words[last] < first + width:
            last += 1
        if last - n > best_count:
            best_first, best_count = first, last - n
    first = max(0, best_first - 3)  # a few words of context before the first hit
    window = spans[first : first + width]
    begin = window[0][0] if first else 0
    finish = window[-1][1] if first + width < len(spans) else len(text)
    hits = set(hit_words)
    out, cursor = [], begin
    for n, (start, end) in enumerate(window, start=first):
        if n in hits:
            out += [text[cursor:start], marks[0], text[start:end], marks[1]]
            cursor = end
    out.append(text[cursor:finish])
    marked = " ".join("".join(out).split())
    return ("… " if begin else "") + marked + (" …" if finish < len(text) else "")


def has_match(text: str, query: ParsedQuery) -> bool:
    """True if any word of ``text`` is matched by the query."""
    return bool(query.highlight_regex.search(fold_in_place(text or "")))


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
    conditions, params = [f"{SEARCH_TABLE} MATCH ?"], []
    dates, date_params = date_range_sql("a.published", since, until)
    if dates:
        conditions.append(dates)
        params += date_params
    if author and folded_words(author):
        conditions.append("instr(fold(a.author), ?) > 0")
        params.append(" ".join(folded_words(author)))
    # Rank and limit on narrow columns first; fetch the texts only for the hits. bm25() with
    # explicit weights is faster than the configured `rank` column.
    sql = f"""
        WITH hits AS (
            SELECT {SEARCH_TABLE}.rowid AS id, bm25({SEARCH_TABLE}, {SEARCH_WEIGHTS}) AS score
            FROM {SEARCH_TABLE} JOIN articles a ON a.id = {SEARCH_TABLE}.rowid
            WHERE {" AND ".join(conditions)}
            ORDER BY score LIMIT ?
        )
        SELECT a.id, a.url, a.title, a.published, a.author, a.lead, a.body, hits.score
        FROM hits JOIN articles a ON a.id = hits.id ORDER BY hits.score, a.id
    """
    rows: list[tuple] = []
    # Phrase matches first (when the query has one), then the others with all the words.
    for match in (m for m in (parsed.phrase, parsed.match) if m):
        if len(rows) >= limit:
            break
        try:
            found = db.execute(sql, [match, *params, limit + len(rows)]).fetchall()
        except sqlite3.OperationalError as error:  # should not happen with quoted terms
            raise QueryError(f"SQLite could not run the search {match!r}: {error}") from error
        seen = {row[0] for row in rows}
        rows += [row for row in found if row[0] not in seen][: limit - len(rows)]
    hits = []
    for id_, url, title, published, author_, lead, body, score in rows:
        text = lead if lead and not has_match(body, parsed) and has_match(lead, parsed) else body
        hits.append(
            SearchHit(
                id=id_,
                url=url,
                title=title,
                published=published or "",
                author=author_ or "",
                score=round(score, 4),
                title_marked=highlight(title, parsed, marks),
                snippet=snippet(text or "", parsed, marks),
            )
        )
    return hits
