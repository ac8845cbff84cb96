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

import functools
import json
import re
import sqlite3
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

import sqlite_utils

from archive.errors import QueryError
from archive.schema import (
    PAIRS_TABLE,
    SEARCH_TABLE,
    SEARCH_WEIGHTS,
    WORD_PATTERN,
    folded_words,
    pair_phrase,
)
from crawler.text import clean_inline, fold_for_search

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
    phrase: str = ""  # for plain multi-word queries: all the words as one phrase, searched first

    @property
    def phrase_pairs(self) -> str:
        """The phrase searched first as a phrase of the pair index (``"da_nang nang_moi"``):
        for a plain multi-word query, or a query that is one quoted phrase; else ''."""
        if self.phrase:
            return pair_phrase([word for term in self.terms for word in term.words])
        if len(self.terms) == 1 and not self.terms[0].prefix and len(self.terms[0].words) > 1:
            return pair_phrase(self.terms[0].words)
        return ""

    @functools.cached_property
    def _highlight_sets(self) -> tuple[frozenset[str], tuple[str, ...]]:
        exact = {w for t in self.terms for w in (t.words[:-1] if t.prefix else t.words)}
        prefixes = tuple(t.words[-1] for t in self.terms if t.prefix)
        return frozenset(exact), prefixes


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


def word_hits(text: str, query: ParsedQuery) -> tuple[list[tuple[int, int]], list[int]]:
    """The (start, end) of every word of ``text``, and the indexes of the words the query
    matches: one folding and one pass over the text."""
    exact, prefixes = query._highlight_sets
    spans, hits = [], []
    for n, match in enumerate(WORD_PATTERN.finditer(fold_in_place(text))):
        spans.append(match.span())
        word = match.group()
        if word in exact or (prefixes and word.startswith(prefixes)):
            hits.append(n)
    return spans, hits


def highlight(text: str, query: ParsedQuery, marks: tuple[str, str] = ("[", "]")) -> str:
    """``text`` with every word the query matches wrapped in ``marks``."""
    spans, hits = word_hits(text, query)
    out, cursor = [], 0
    for start, end in (spans[n] for n in hits):
        out += [text[cursor:start], marks[0], text[start:end], marks[1]]
        cursor = end
    out.append(text[cursor:])
    return "".join(out)


def snippet(
    text: str, query: ParsedQuery, marks: tuple[str, str] = ("[", "]"), width: int = 30
) -> str:
    """About ``width`` words of ``text`` around the densest run of matched words, highlighted,
    with '…' where text was cut. The start of ``text`` if nothing matches."""
    return _snippet(text, *word_hits(text, query), marks=marks, width=width)


def _snippet(
    text: str,
    spans: list[tuple[int, int]],
    hit_words: list[int],
    marks: tuple[str, str] = ("[", "]"),
    width: int = 30,
) -> str:
    """``snippet`` for a text whose word spans and matched words (``word_hits``) are known."""
    if not spans:
        return " ".join(text.split())
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
    author_words = folded_words(author) if author else []
    if author_words:
        filters = " AND ".join(f for f in (filters, "instr(fold(a.author), ?) > 0") if f)
        params.append(" ".join(author_words))
    ranked: list[tuple[int, float]] = []
    # Phrase matches first (when the query has one), then the others with all the words; the
    # second pass only runs when the phrase matches do not fill the page. The phrase is looked
    # up in the pair index: a few rare pair tokens instead of common syllables side by side.
    passes = [(True, parsed.phrase_pairs), (False, parsed.match)]
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
    score = f"bm25({table}, {SEARCH_WEIGHTS})"
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
    spans, hits = word_hits(text, parsed)
    if lead and not hits:
        lead_spans, lead_hits = word_hits(lead, parsed)
        if lead_hits:
            text, spans, hits = lead, lead_spans, lead_hits
    return SearchHit(
        id=id_,
        url=url,
        title=title,
        published=published or "",
        author=author or "",
        score=round(score, 4),
        title_marked=highlight(title, parsed, marks),
        snippet=_snippet(text, spans, hits, marks),
    )
