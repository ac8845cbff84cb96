"""Full-text search over the archive: turning any text into a valid FTS5 query, ranking, snippets.

Query syntax (everything else is just words, so any text is a valid query):

* words are ANDed: ``dieu phoi`` finds articles containing both words;
* ``"nông thôn mới"`` in double quotes is a phrase; an unbalanced quote is ignored;
* ``nong*`` matches words starting with "nong";
* ``OR`` in capitals between two terms means either;
* ``-word``, ``-"a phrase"`` or ``NOT word`` excludes;
* ``title:``, ``lead:`` or ``body:`` before a term searches that column only; any other
  ``name:`` is text;
* words joined by punctuation (``Cần-Thơ``, ``a_b``) are a phrase, as FTS5 itself reads them.

A query with nothing to find (only exclusions, or no words) and a date range whose start comes
after its end raise ``QueryError``, never a silent empty result.

The tone-mark rule: a word typed without marks matches every spelling (``nam`` finds "năm"
and "Nam"); a word typed with marks matches that spelling only, in either tone placement
(``hòa`` = ``hoà``): ``năm`` is not "Nam", ``Đà Nẵng`` is not "đã nâng". Chosen over ranking
the marked spelling first because in Vietnamese a mark makes a different word, and a researcher
who types it means that word. Every word is first folded with ``archive.folding.fold_for_search``
(no marks, đ -> d, lowercase) and quoted, so FTS5 operators, parentheses, ``-``, ``:`` and
stray quotes never reach the FTS5 parser; ``articles_fts`` (folded; its index holds each text
plus its đ -> d copy, see ``archive.schema``) finds the candidates. A marked term adds the
condition that the article also matches it, as typed, in ``articles_fts_marks`` (which keeps
every mark; see ``archive.researchers_schema``).

Ranking: for a query of plain words, texts with the words side by side (as a phrase) come
first, then (three words or more) texts with them side by side in pieces, then the texts with
all the words anywhere: Vietnamese words are several syllables, and "da nang" should put
"Đà Nẵng" before texts that merely contain "đã" and "nâng". The side-by-side groups read the
pair index ``articles_fts_pairs`` (or the mark index, for a query marked on every word).
Each group is ranked by bm25 among its ``RANKED_AT_MOST`` most recently stored matches (highest
ids; all of them when it has no more, or when the page asks for more): bm25 reads one row size
per article it scores, so a phrase in most of the archive ("thanh pho") would otherwise cost a
lookup per article (the pair and mark indexes keep their row sizes so that every tool can scan
them).

Snippets are built here in Python, not with FTS5's snippet(): that re-tokenizes the content
column, which has no đ -> d copy, so a folded match would go unmarked. They highlight only
the spellings a marked word accepts.
"""

from __future__ import annotations

import functools
import itertools
import json
import re
import sqlite3
import unicodedata
from dataclasses import asdict, dataclass
from datetime import date
from itertools import islice
from typing import Any

import sqlite_utils

from archive.errors import QueryError
from archive.folding import WORD_PATTERN, fold_in_place, folded_words, pair_phrase
from archive.researchers_schema import MARKS_TABLE
from archive.schema import PAIRS_TABLE, SEARCH_COLUMNS, SEARCH_TABLE, SEARCH_WEIGHTS
from crawler.text import clean_inline

MAX_TERMS = 64
MAX_VARIANTS = 16  # tone-placement spellings looked up for one marked term
# A group of more matches than this ranks its newest this many (highest ids): bm25 reads one
# row size per article it scores, about 1 µs each (bench/RESULTS.md, search).
RANKED_AT_MOST = 5000
# bm25 weights of the pair index's (body, lead, title) and the mark index's (title, lead, body):
# SEARCH_WEIGHTS' 10 : 4 : 1, in each index's column order.
PAIRS_WEIGHTS = "1.0, 4.0, 10.0"
MARKS_WEIGHTS = SEARCH_WEIGHTS
# A chunk of the query: an optional '-' (NOT), an optional column ('title:'), then a quoted
# phrase or a bare run of text without spaces.
_CHUNK = re.compile(
    r'(?P<neg>-(?=[^\s-]))?(?:(?P<column>[A-Za-z]+):(?=[^\s]))?'
    r'(?:"(?P<phrase>[^"]*)"?|(?P<bare>[^\s"]+))'
)
TONE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}  # huyền sắc ngã hỏi nặng
_VOWELS = set("aeiouy")
_DATE_PREFIX = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?")


@dataclass(frozen=True)
class Term:
    """One searched word or phrase: folded words, whether the last word is a prefix, and the
    words as typed (lowercase) when at least one carries a mark (else empty); a column filter
    ('title', 'lead', 'body' or '') and whether the term excludes (NOT, '-')."""

    words: tuple[str, ...]
    prefix: bool = False
    marked: tuple[str, ...] = ()
    column: str = ""
    negated: bool = False

    def to_fts(self) -> str:
        """This term as a quoted FTS5 string of the folded index: ``"dieu phoi"``, ``"nong"*``,
        ``title : "da nang"``."""
        phrase = f'"{" ".join(self.words)}"' + ("*" if self.prefix else "")
        return f"{self.column} : {phrase}" if self.column else phrase

    def to_marked_fts(self) -> str:
        """This term as an FTS5 expression of the mark index: the words as typed, in every
        placement of their tone marks (``hoà`` and ``hòa``), ORed."""
        spellings = itertools.islice(
            itertools.product(*(sorted(tone_variants(w)) for w in self.marked)), MAX_VARIANTS
        )
        star = "*" if self.prefix else ""
        column = f"{self.column} : " if self.column else ""
        phrases = [f'{column}"{" ".join(words)}"{star}' for words in spellings]
        return phrases[0] if len(phrases) == 1 else "(" + " OR ".join(phrases) + ")"


@dataclass(frozen=True)
class ParsedQuery:
    """A user's query, parsed: the FTS5 MATCH expression of the folded index, the words to
    highlight, and the conditions the marked words and exclusions add (``restrictions``)."""

    text: str
    match: str
    terms: tuple[Term, ...]
    phrase: str = ""  # plain multi-word queries: all the words (phrase_pairs searches them)
    groups: tuple[tuple[Term, ...], ...] = ()  # the ANDed groups of ORed positive terms

    @property
    def phrase_pairs(self) -> str:
        """The phrase searched first as a phrase of the pair index (``"da_nang nang_moi"``):
        for a plain multi-word query, or a query that is one quoted phrase; else ''."""
        if self.phrase:
            return pair_phrase([word for term in self.terms for word in term.words])
        positive = [t for t in self.terms if not t.negated]
        if (
            len(positive) == 1
            and not positive[0].prefix
            and not positive[0].column
            and len(positive[0].words) > 1
        ):
            return pair_phrase(positive[0].words)
        return ""

    @property
    def phrase_marks(self) -> str:
        """For a plain multi-word query typed with marks on every word, the whole query as a
        phrase of the mark index (faster and exact, where the pair index folds); else ''."""
        if self.phrase and all(t.marked for t in self.terms):
            return Term(
                tuple(w for t in self.terms for w in t.words),
                marked=tuple(w for t in self.terms for w in t.marked),
            ).to_marked_fts()
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

    @property
    def restrictions(self) -> list[tuple[str, list[str]]]:
        """(SQL condition on ``{rowid}``, MATCH parameters) pairs every result must meet: each
        group with a marked term matches it in the mark index (its unmarked alternatives in
        the folded index), each marked exclusion is looked up in the mark index."""
        found = []
        for group in self.groups:
            if not any(t.marked for t in group):
                continue
            lookups = [
                (_in_index(MARKS_TABLE if t.marked else SEARCH_TABLE),
                 t.to_marked_fts() if t.marked else t.to_fts())
                for t in group
            ]  # fmt: skip
            found.append(
                ("(" + " OR ".join(sql for sql, _ in lookups) + ")", [m for _, m in lookups])
            )
        for t in self.terms:
            if t.negated and t.marked:
                found.append(("NOT " + _in_index(MARKS_TABLE), [t.to_marked_fts()]))
        return found

    def hits_in(self, folded: str, original: str | None = None) -> list[tuple[int, int]]:
        """The (start, end) of every word the query matches in ``folded`` (text folded by
        ``archive.folding.fold_in_place``, so the spans are those of the original text). Given the
        ``original`` text, a word the query only has with marks is a hit only if spelled so."""
        spans = [match.span() for match in self._hit_pattern.finditer(folded)]
        if original is None or not self._marked_only:
            return spans
        kept = []
        for start, end in spans:
            spellings = self._marked_only.get(folded[start:end])
            word = unicodedata.normalize("NFC", original[start:end].lower())
            if spellings is None or word in spellings:
                kept.append((start, end))
        return kept

    @functools.cached_property
    def _marked_only(self) -> dict[str, set[str]]:
        """Folded word -> its accepted spellings, for the words the query only has marked."""
        positive = [t for t in self.terms if not t.negated]
        unmarked = {w for t in positive if not t.marked for w in t.words}
        spellings: dict[str, set[str]] = {}
        for t in positive:
            for folded, typed in zip(t.words, t.marked, strict=False):
                if folded not in unmarked:
                    spellings.setdefault(folded, set()).update(tone_variants(typed))
        return spellings

    @functools.cached_property
    def _hit_pattern(self) -> re.Pattern[str]:
        """A regular expression finding, in folded text, the whole words the query matches: its
        words, and the words starting with a prefix term's last word. Each alternative starts
        with its first letter, the start-of-word test right after it, so the regular expression
        engine can skip ahead to the letters that can start a match."""
        positive = [t for t in self.terms if not t.negated]
        exact = {w for t in positive for w in (t.words[:-1] if t.prefix else t.words)}
        prefixes = {t.words[-1] for t in positive if t.prefix}

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


def _in_index(table: str) -> str:
    # '+' keeps SQLite from handing the IN list to the outer FTS5 table as rowid = ? lookups,
    # which run its MATCH once per listed row (0.6 s for "Điều phối" at 2,000 articles).
    return f"+{{rowid}} IN (SELECT rowid FROM {table} WHERE {table} MATCH ?)"


def tone_variants(word: str) -> set[str]:
    """``word`` (lowercase NFC) with its tone mark on each of its vowels in turn: the old and
    new placements (``hoà``, ``hòa``) are one word. A word without one tone mark as is."""
    decomposed = unicodedata.normalize("NFD", word)
    tones = [c for c in decomposed if c in TONE_MARKS]
    if len(tones) != 1:
        return {word}
    bare = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in TONE_MARKS))
    vowels = [
        n for n, c in enumerate(bare) if unicodedata.normalize("NFD", c)[0] in _VOWELS
    ]
    return {word} | {
        unicodedata.normalize("NFC", bare[: n + 1] + tones[0] + bare[n + 1 :]) for n in vowels
    }


def _typed_words(raw: str) -> tuple[str, ...]:
    """The words of ``raw`` as typed (lowercase NFC) if any carries a mark or đ, else ()."""
    typed = tuple(m.group() for m in WORD_PATTERN.finditer(raw.lower()))
    if tuple(folded_words(raw)) == typed:
        return ()
    return typed if len(typed) == len(folded_words(raw)) else ()


def parse_query(text: str) -> ParsedQuery:
    """Parse any user text into a safe FTS5 query (see the module docstring).

    Raises ``QueryError`` if the text contains no words to find (only exclusions, or none),
    or more than ``MAX_TERMS`` terms.
    """
    text = normalize_query(text or "")
    terms: list[Term] = []
    groups: list[list[Term]] = []
    pending_or = pending_not = False
    plain = True  # only bare words: no OR, NOT, column, quoted phrase or prefix
    for chunk in _CHUNK.finditer(text):
        bare = chunk.group("bare")
        if bare in ("OR", "NOT", "AND") and not chunk.group("neg") and not chunk.group("column"):
            plain = False
            if bare == "OR":
                pending_or = bool(groups)
            elif bare == "NOT":
                pending_not = True
            continue
        raw = chunk.group("phrase") if chunk.group("phrase") is not None else bare
        column = (chunk.group("column") or "").lower()
        if column and column not in SEARCH_COLUMNS:  # "gian:" in "Thời gian:14:30" is text
            raw, column = chunk.group(0).lstrip("-"), ""
        words = tuple(folded_words(raw))
        if not words:
            continue
        prefix = bare is not None and raw.endswith("*")
        negated = bool(chunk.group("neg")) or pending_not
        term = Term(words, prefix, _typed_words(raw), column, negated)
        plain = plain and bare is not None and not prefix and not negated and not column
        terms.append(term)
        if negated:
            pending_not = pending_or = False
        elif pending_or:
            groups[-1].append(term)
            pending_or = False
        else:
            groups.append([term])
    if not groups:
        if terms:
            raise QueryError(
                f"{text!r} only excludes words: the query needs at least one word to find."
            )
        raise QueryError(f"Nothing to search for in {text!r}: the query needs at least one word.")
    if len(terms) > MAX_TERMS:
        raise QueryError(f"The query has {len(terms)} terms; at most {MAX_TERMS} are allowed.")
    positive = " ".join(
        group[0].to_fts() if len(group) == 1 else "(" + " OR ".join(t.to_fts() for t in group) + ")"
        for group in groups
    )
    excluded = [t.to_fts() for t in terms if t.negated and not t.marked]
    match = f"({positive})" + "".join(f" NOT {e}" for e in excluded) if excluded else positive
    phrase = ""
    if plain and len(terms) > 1:
        phrase = Term(tuple(word for term in terms for word in term.words)).to_fts()
    return ParsedQuery(
        text=text,
        match=match,
        terms=tuple(terms),
        phrase=phrase,
        groups=tuple(tuple(g) for g in groups),
    )


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
    if since and until:
        first, last = check_date_prefix(since), check_date_prefix(until)
        shared = min(len(first), len(last))
        if first[:shared] > last[:shared]:
            raise QueryError(
                f"The range since {first} until {last} is empty: since comes after until."
            )
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
    return query.hits_in(fold_in_place(text), text)


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
    hits = query.hits_in(folded, text)
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
    only: tuple[str, list[Any]] | None = None,
) -> list[SearchHit]:
    """Search title, lead and body; return up to ``limit`` hits, best bm25 rank first.

    ``since``/``until`` are inclusive ISO date prefixes; ``author`` keeps articles whose byline
    contains it (diacritics and case ignored). ``only`` is a further SQL condition on the
    articles (alias ``a``) and its parameters, such as ``archive.leaders.report.leader_filter``.
    Raises ``QueryError`` for a query without words, ``ValueError`` for a malformed date.
    """
    parsed = parse_query(query)
    limit = max(0, int(limit))
    filters, params = filter_sql("a", since=since, until=until, author=author)
    if only:
        filters = " AND ".join(f for f in (filters, f"({only[0]})") if f)
        params = [*params, *only[1]]
    ranked: list[tuple[int, float]] = []
    # Phrase matches first (when the query has one), then the articles with the words side by
    # side in pieces (queries of three words or more), then the others with all the words; a
    # pass only runs when the passes before it do not fill the page. The first two look up
    # the pair index (a few rare pair tokens instead of common syllables side by side), or the
    # mark index for a query typed with marks on every word.
    if parsed.phrase_marks:
        passes = [(MARKS_TABLE, parsed.phrase_marks), (SEARCH_TABLE, parsed.match)]
    else:
        passes = [
            (PAIRS_TABLE, parsed.phrase_pairs),
            (PAIRS_TABLE, parsed.pieces_pairs),
            (SEARCH_TABLE, parsed.match),
        ]
        if parsed.phrase_pairs and not parsed.phrase:  # one quoted phrase: the pair pass is all
            passes = passes[:1]
    for table, match in ((t, m) for t, m in passes if m):
        if len(ranked) >= limit:
            break
        seen = {id_ for id_, _ in ranked}
        # The marked phrase holds every word as typed: the marked-word conditions are implied.
        restrictions = [] if match == parsed.phrase_marks else parsed.restrictions
        found = _best_ids(db, match, filters, params, limit + len(ranked), table, restrictions)
        ranked += [hit for hit in found if hit[0] not in seen][: limit - len(ranked)]
    return [_hit(row, score, parsed, marks) for row, score in _with_texts(db, ranked)]


def filter_sql(
    alias: str, since: str = "", until: str = "", author: str = ""
) -> tuple[str, list[str]]:
    """SQL condition (or '') and parameters keeping the articles (table alias ``alias``)
    published within ``since``..``until`` (inclusive ISO prefixes) whose byline contains
    ``author`` with marks and case ignored (the ``fold`` function ``Archive`` registers)."""
    filters, params = date_range_sql(f"{alias}.published", since, until)
    author_words = folded_words(author)
    if author_words:
        filters = " AND ".join(f for f in (filters, f"instr(fold({alias}.author), ?) > 0") if f)
        params.append(" ".join(author_words))
    return filters, params


def matching_ids(db: sqlite_utils.Database, query: str) -> list[int]:
    """The ids of every article ``query`` finds (what ``search_articles`` would rank with no
    limit), in id order. Raises ``QueryError`` like ``parse_query``."""
    parsed = parse_query(query)
    where, params = "", []
    for condition, values in parsed.restrictions:
        where += " AND " + condition.format(rowid=f"{SEARCH_TABLE}.rowid")
        params += values
    sql = (
        f"SELECT {SEARCH_TABLE}.rowid FROM {SEARCH_TABLE} "
        f"WHERE {SEARCH_TABLE} MATCH ? {where} ORDER BY {SEARCH_TABLE}.rowid"
    )
    try:
        return [row[0] for row in db.execute(sql, [parsed.match, *params])]
    except sqlite3.OperationalError as error:  # should not happen with quoted terms
        raise QueryError(f"SQLite could not run the search {parsed.match!r}: {error}") from error


_WEIGHTS = {SEARCH_TABLE: SEARCH_WEIGHTS, PAIRS_TABLE: PAIRS_WEIGHTS, MARKS_TABLE: MARKS_WEIGHTS}


def _best_ids(
    db: sqlite_utils.Database,
    match: str,
    filters: str,
    params: list[str],
    limit: int,
    table: str = SEARCH_TABLE,
    restrictions: list[tuple[str, list[str]]] | None = None,
) -> list[tuple[int, float]]:
    """(id, bm25 score) of the best ``limit`` articles matching ``match`` in the FTS5 index
    ``table`` and meeting the query's ``restrictions``, best first (equal scores by id).

    Only the indexes are read, plus the articles table when there are filters. bm25() with
    explicit weights and SQLite's ORDER BY ... LIMIT is faster than FTS5's ``ORDER BY rank``,
    which (SQLite 3.40) sorts every match in a nested query of its own. Only the newest
    ``RANKED_AT_MOST`` matches (or ``limit``, if more) are scored.
    """
    score = f"bm25({table}, {_WEIGHTS[table]})"
    join, where, extra = "", "", []
    for condition, values in restrictions or []:
        where += " AND " + condition.format(rowid=f"{table}.rowid")
        extra += values
    if filters:
        join = f"JOIN articles a ON a.id = {table}.rowid"
        where += f" AND {filters}"
    # The newest RANKED_AT_MOST matches in rowid order (FTS5 walks its lists backwards and
    # stops there), then the best of them: bm25 reads a row size per article it scores.
    sql = (
        f"SELECT rowid, score FROM (SELECT {table}.rowid AS rowid, {score} AS score "
        f"FROM {table} {join} WHERE {table} MATCH ? {where} "
        f"ORDER BY {table}.rowid DESC LIMIT ?) ORDER BY score LIMIT ?"
    )
    ranked = max(RANKED_AT_MOST, limit)
    try:
        found = db.execute(sql, [match, *extra, *params, ranked, limit]).fetchall()
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
    hits = parsed.hits_in(folded, text)
    if lead and not hits:
        lead_folded = fold_in_place(lead)
        lead_hits = parsed.hits_in(lead_folded, lead)
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
