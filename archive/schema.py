"""The archive's schema: tables, columns and their meaning, and the migrations that build them.

``TABLES`` is the one source of truth for the public interface: each column's name, type and
description. The migrations create the tables from it (through sqlite-utils), the Datasette
metadata takes its descriptions from it, and docs/archive.md documents it.

Migrations are small functions applied in order and recorded in the ``migrations`` table, so a
later version upgrades an existing archive in place by appending a function to ``MIGRATIONS``
(never by editing an applied one).

The search index is the one piece written in SQL: ``articles_fts`` is an FTS5 table over
``articles`` (title, lead, body) with the ``unicode61 remove_diacritics 2`` tokenizer, which
folds tone and vowel marks but never folds đ to d. The triggers therefore index each column's
text followed, when it contains đ or Đ, by a copy with đ -> d, so "da nang" and "Đà Nẵng" both
match through the plain tokenizer, in any tool. Because the index differs from the content
table, FTS5's own 'rebuild' command would lose the d-copies: use ``rebuild_search_index``.

Beside it, ``articles_fts_pairs`` (m005, rebuilt compact by m006) indexes each text's folded
words as adjacent pairs, one token each ("Đà Nẵng" -> ``da_nang``), so the CLI's phrase and
pieces passes look up a few rare pair tokens instead of intersecting the long lists of common
syllables ("da", "nang"). Pairs need code, not SQL: ``Archive.store_article`` and
``rebuild_search_index`` keep this table in sync; other writers must run ``tinlanhdao reindex``
afterwards. It is contentless (no copy of the text), keeps no row sizes (its bm25 has no length
normalization, see PAIRS_WEIGHTS) and no other tool reads it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone

import sqlite_utils

from archive.captures import m004_captures  # defined beside the captures it creates
from archive.researchers_schema import m013_researchers, rebuild_researcher_indexes
from crawler.text import folded_words

SEARCH_TABLE = "articles_fts"
SEARCH_COLUMNS = ("title", "lead", "body")
SEARCH_TOKENIZER = "unicode61 remove_diacritics 2"
# bm25 weights for (title, lead, body): a word in the title counts most.
SEARCH_WEIGHTS = "10.0, 4.0, 1.0"
SEARCH_RANK = f"bm25({SEARCH_WEIGHTS})"  # the index's default `rank`, for tools that use it
# The pair index (m005, rebuilt compact by m006): each text's folded words as adjacent pairs,
# one token each ("da_nang"). Body first: FTS5 writes a column marker (2 bytes) before the
# positions of every column but the first, and nearly all pairs are in the body.
PAIRS_TABLE = "articles_fts_pairs"
PAIRS_COLUMNS = ("body", "lead", "title")
PAIRS_TOKENIZER = "unicode61 remove_diacritics 0 tokenchars '_'"
# bm25 weights for the pair index's (body, lead, title): SEARCH_WEIGHTS' 1 : 4 : 10, times 1/4.
# The index stores no row lengths (columnsize=0), so bm25 sees every row as 3 tokens short
# (-1 per column) and its length factor 1 - b + b * D / avgdl about 1/4 (b = 0.75; exactly
# 0.25 - 2.25 / avgdl, and avgdl is hundreds of pairs in an article): the frequencies
# times 1/4 give back BM25's own k1 = 1.2 saturation, without length normalization (b = 0).
PAIRS_WEIGHTS = "0.25, 1.0, 2.5"
PAIRS_AUTOMERGE = 16  # FTS5's default is 4; see m006_compact_pairs


@dataclass(frozen=True)
class Column:
    """One column of the public schema: its name, SQLite-facing Python type and meaning."""

    name: str
    type: type
    description: str


@dataclass(frozen=True)
class TableSpec:
    """One table of the public schema."""

    name: str
    description: str
    columns: tuple[Column, ...]

    def column_types(self) -> dict[str, type]:
        """The ``{name: type}`` mapping sqlite-utils' ``create`` takes, in column order."""
        return {c.name: c.type for c in self.columns}


def _table(name: str, description: str, *columns: tuple[str, type, str]) -> TableSpec:
    return TableSpec(name, description, tuple(Column(*c) for c in columns))


TABLES: dict[str, TableSpec] = {
    spec.name: spec
    for spec in (
        _table(
            "articles",
            "One row per article URL: its current version. Older versions are in revisions.",
            ("id", int, "Archive id of the article (stable; used by revisions, images, ...)."),
            ("url", str, "Canonical URL of the article on the portal (unique)."),
            ("portal_id", str, "The portal CMS's own id of the article (a UUID), if found."),
            ("section", str, "Portal section the article was listed in."),
            ("title", str, "Headline, normalized (NFC, single spaces)."),
            (
                "published",
                str,
                "Publication date as ISO 8601 in Vietnam time: '2023-05-19' or "
                "'2023-05-19T08:15:00+07:00'; null if the page gave none.",
            ),
            ("year", int, "Year of publication (from published), for facets; null if unknown."),
            ("author", str, "Byline (journalist or office), null if none."),
            ("lead", str, "The lead paragraph (sapo); null if the page separates none."),
            ("body", str, "Article text, paragraphs separated by one blank line."),
            (
                "body_html",
                str,
                "Sanitized HTML of the article body (images and links kept); shown as text, "
                "never rendered.",
            ),
            ("word_count", int, "Number of words in body."),
            ("language", str, "Language code of the text ('vi')."),
            ("content_hash", str, "SHA-256 of the normalized content; changes when text changes."),
            ("layout", str, "Which page layout extracted the article, or 'fallback'."),
            ("first_seen", str, "UTC time (ISO 8601, 'Z') the article was first stored."),
            ("last_seen", str, "UTC time the article was last fetched (changed or not)."),
            (
                "removed_at",
                str,
                "UTC time the portal was found to no longer serve the article (404/410, or a "
                "redirect out of the section); null while it is online. Storing the article "
                "again (it came back) clears it.",
            ),
            (
                "removed_reason",
                str,
                "Why the article was marked removed ('http_404', 'http_410', or "
                "'redirected_out:' and the URL it went to); null while it is online.",
            ),
            (
                "capture_id",
                int,
                "The capture (captures.id) the current text was extracted from: the latest "
                "fetch, or the capture `tinlanhdao reprocess` read; null for articles stored "
                "before captures were kept.",
            ),
            (
                "extractor_version",
                str,
                "The extractor that produced the current text: package version + digest of "
                "the extraction rules ('0.1.0+3f2a9c1b7d4e').",
            ),
        ),
        _table(
            "revisions",
            "Every distinct version of every article, oldest first; the first version counts. "
            "A new row is added only when an article's content_hash changes.",
            ("id", int, "Revision id."),
            ("article_id", int, "The article (articles.id)."),
            ("run_id", int, "The crawl run that saw this version (crawl_runs.id), if any."),
            ("content_hash", str, "SHA-256 of this version's normalized content."),
            ("title", str, "Title in this version."),
            ("published", str, "Publication date in this version."),
            ("author", str, "Byline in this version."),
            ("lead", str, "Lead paragraph in this version."),
            ("body", str, "Article text in this version."),
            ("body_html", str, "Sanitized body HTML in this version (shown as text)."),
            ("fetched_at", str, "UTC time this version was fetched."),
            ("capture_id", int, "The capture (captures.id) this version was extracted from."),
            ("extractor_version", str, "The extractor that produced this version."),
        ),
        _table(
            "images",
            "Images of each article in page order. When an article changes and its images "
            "differ, the old rows stay and get replaced_at; current images have replaced_at null.",
            ("id", int, "Image row id."),
            ("article_id", int, "The article (articles.id)."),
            ("revision_id", int, "The version the image first appeared in (revisions.id)."),
            ("position", int, "Order in the page, from 1."),
            ("src", str, "Absolute URL of the image."),
            ("caption", str, "Caption, without the photo credit."),
            ("credit", str, "Photo credit ('Ảnh: ...'), if any."),
            (
                "replaced_at",
                str,
                "UTC time a newer version of the article replaced this set.",
            ),
        ),
        _table(
            "attachments",
            "Files linked from each article (PDF, DOC, ...) in page order; kept like images.",
            ("id", int, "Attachment row id."),
            ("article_id", int, "The article (articles.id)."),
            ("revision_id", int, "The version the attachment first appeared in (revisions.id)."),
            ("position", int, "Order in the page, from 1."),
            ("url", str, "Absolute URL of the file."),
            ("title", str, "Link text of the file."),
            ("replaced_at", str, "UTC time a newer version of the article replaced this set."),
        ),
        _table(
            "crawl_runs",
            "One row per crawl: when, how it ended, and what it found.",
            ("id", int, "Run id."),
            ("spider", str, "Spider name."),
            ("mode", str, "Crawl mode (e.g. 'full' or 'incremental')."),
            ("start_url", str, "Where the crawl started."),
            ("started_at", str, "UTC start time."),
            ("finished_at", str, "UTC end time; null while running or if the crawl died."),
            ("status", str, "'running', 'finished', 'interrupted', 'failed', or 'killed' "
             "(it died unfinished; the next run marks it)."),
            ("finish_reason", str, "Scrapy's finish reason ('finished', 'shutdown', ...)."),
            ("articles_new", int, "Articles stored for the first time."),
            ("articles_changed", int, "Articles whose content changed (one revision each)."),
            ("articles_unchanged", int, "Articles seen again unchanged (last_seen updated)."),
            (
                "failures",
                int,
                "Pages recorded in failures (kept for compatibility: the same number as "
                "articles_failed).",
            ),
            ("requests", int, "HTTP requests made (robots.txt and retries included)."),
            ("response_bytes", int, "Bytes downloaded."),
            (
                "counts",
                str,
                "All counts and crawler stats of the run (the tinlanhdao/* stats included), "
                "as JSON.",
            ),
            (
                "exit_status",
                int,
                "The run's exit status as cron saw it: 0 ok, 3 failures over threshold, "
                "4 layout drift, 5 a listing page without article links, 6 portal unreachable, "
                "7 interrupted; null while running or if the crawl died.",
            ),
            (
                "problems",
                str,
                "The problems behind a non-zero exit status, as a JSON list "
                "('[\"layout_drift\", \"failures_over_threshold\"]'); '[]' when none.",
            ),
            ("listing_pages", int, "Listing pages fetched."),
            (
                "articles_failed",
                int,
                "Pages recorded in failures in this run: failed requests and pages that are "
                "not articles.",
            ),
            ("articles_removed", int, "Archived articles newly marked removed in this run."),
            (
                "layouts",
                str,
                "Articles extracted per page layout, as a JSON object "
                '(\'{"cantho-current": 12, "fallback": 1}\').',
            ),
            ("fallback_used", int, "Articles only the layout-independent fallback could read."),
            (
                "reached_end",
                int,
                "1 if the run walked the listing to its last page, else 0; null for runs "
                "recorded before this column existed. Incremental runs stop early only once a "
                "finished run has reached the end.",
            ),
        ),
        _table(
            "failures",
            "Pages that yielded no article: failed requests and pages that are not articles.",
            ("id", int, "Failure id."),
            ("url", str, "The page's URL."),
            ("reason", str, "Short machine-readable reason ('http_404', 'timeout', 'no_body')."),
            ("http_status", int, "HTTP status, if a response came."),
            ("detail", str, "Human-readable detail."),
            ("run_id", int, "The crawl run (crawl_runs.id)."),
            ("failed_at", str, "UTC time of the failure."),
        ),
        _table(
            "captures",
            "Every HTTP response the crawl received (robots.txt, listing and article pages, "
            "redirects, errors), as stored in the WARC files beside the archive: a CDX index "
            "inside SQLite. See docs/captures.md.",
            ("id", int, "Capture id."),
            ("url", str, "The URL fetched (WARC-Target-URI)."),
            ("fetched_at", str, "UTC time of the fetch (the record's WARC-Date)."),
            ("http_status", int, "HTTP status of the response."),
            ("mime", str, "Media type of the response (Content-Type without parameters)."),
            (
                "payload_digest",
                str,
                "WARC-Payload-Digest of the body as received ('sha1:' + base32); equal for "
                "byte-identical bodies.",
            ),
            ("payload_length", int, "Bytes of the body as received."),
            (
                "record_type",
                str,
                "'response' (the WARC record holds the body) or 'revisit' (the body was "
                "byte-identical to the URL's previous capture and is not stored again).",
            ),
            (
                "refers_to_id",
                int,
                "For a revisit, the capture whose response record holds the body; else null.",
            ),
            (
                "warc_file",
                str,
                "The WARC file of the record, relative to the archive's folder "
                "('warc/tinlanhdao-20250610083000-00000.warc.gz').",
            ),
            ("offset", int, "Byte offset of the record (one gzip member) in warc_file."),
            ("length", int, "Bytes of the record in warc_file (compressed)."),
            ("record_id", str, "WARC-Record-ID of the response or revisit record."),
            ("run_id", int, "The crawl run (crawl_runs.id)."),
            ("article_id", int, "The article extracted from this capture (articles.id), if any."),
        ),
        _table(
            "migrations",
            "Schema migrations applied to this archive, in order.",
            ("id", int, "Order of application."),
            ("name", str, "Migration name."),
            ("applied_at", str, "UTC time it was applied."),
        ),
    )
}

_FOREIGN_KEYS: dict[str, list[tuple[str, str, str]]] = {
    "revisions": [("article_id", "articles", "id"), ("run_id", "crawl_runs", "id")],
    "images": [("article_id", "articles", "id"), ("revision_id", "revisions", "id")],
    "attachments": [("article_id", "articles", "id"), ("revision_id", "revisions", "id")],
    "failures": [("run_id", "crawl_runs", "id")],
}


def utc_now() -> str:
    """The current UTC time as ISO 8601 with 'Z', to the second."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- Migrations ---------------------------------------------------------------------------------


def m001_tables(db: sqlite_utils.Database) -> None:
    """Create the tables and their indexes."""
    for name in ("crawl_runs", "articles", "revisions", "images", "attachments", "failures"):
        spec = TABLES[name]
        db[name].create(
            spec.column_types(),
            pk="id",
            foreign_keys=_FOREIGN_KEYS.get(name, []),
            not_null={"url"} & set(spec.column_types()),
        )
    articles = db.table("articles")
    articles.create_index(["url"], unique=True)
    for column in ("published", "year", "author", "section", "portal_id"):
        articles.create_index([column])
    for name in ("revisions", "images", "attachments"):
        db.table(name).create_index(["article_id"])
    db.table("failures").create_index(["url"])
    db.table("failures").create_index(["run_id"])


def _with_d_copy(value: str) -> str:
    """SQL for ``value`` followed by a copy with đ/Đ -> d/D, when it contains đ or Đ."""
    d_copy = f"replace(replace({value}, 'đ', 'd'), 'Đ', 'D')"
    return f"CASE WHEN {value} GLOB '*[đĐ]*' THEN {value} || ' ' || {d_copy} ELSE {value} END"


def search_index_values(row: str) -> str:
    """SQL for the indexed (title, lead, body) values of ``row`` ('new', 'old' or a table)."""
    return ", ".join(_with_d_copy(f"coalesce({row}.{c}, '')") for c in SEARCH_COLUMNS)


def m002_search_index(db: sqlite_utils.Database) -> None:
    """Create the FTS5 index ``articles_fts``, its rank function and its sync triggers."""
    columns = ", ".join(SEARCH_COLUMNS)
    db.execute(
        f"CREATE VIRTUAL TABLE {SEARCH_TABLE} USING fts5({columns}, "
        f'content="articles", content_rowid="id", tokenize=\'{SEARCH_TOKENIZER}\')'
    )
    db.execute(
        f"INSERT INTO {SEARCH_TABLE}({SEARCH_TABLE}, rank) VALUES ('rank', ?)", [SEARCH_RANK]
    )
    insert_new = (
        f"INSERT INTO {SEARCH_TABLE}(rowid, {columns}) "
        f"VALUES (new.id, {search_index_values('new')});"
    )
    delete_old = (
        f"INSERT INTO {SEARCH_TABLE}({SEARCH_TABLE}, rowid, {columns}) "
        f"VALUES ('delete', old.id, {search_index_values('old')});"
    )
    triggers = {
        "articles_fts_insert": ("AFTER INSERT", insert_new),
        "articles_fts_delete": ("AFTER DELETE", delete_old),
        "articles_fts_update": (f"AFTER UPDATE OF {columns}", delete_old + " " + insert_new),
    }
    for name, (event, action) in triggers.items():
        db.execute(f"CREATE TRIGGER {name} {event} ON articles BEGIN {action} END")
    rebuild_search_index(db)


def _add_missing_columns(db: sqlite_utils.Database, table: str, names: tuple[str, ...]) -> None:
    """Add the named columns of ``TABLES[table]`` that ``table`` lacks (an archive created by
    m001 from the current ``TABLES`` already has them all)."""
    present = db.table(table).columns_dict
    types = TABLES[table].column_types()
    for name in names:
        if name not in present:
            db.table(table).add_column(name, types[name])


def m003_run_details(db: sqlite_utils.Database) -> None:
    """Scheduled runs: what each run fetched and found, its exit status and problems, whether
    it walked the listing to its end; why an article was marked removed."""
    _add_missing_columns(
        db,
        "crawl_runs",
        ("exit_status", "problems", "listing_pages", "articles_failed", "articles_removed",
         "layouts", "fallback_used", "reached_end"),
    )  # fmt: skip
    _add_missing_columns(db, "articles", ("removed_reason",))
    # Earlier runs counted their failed pages in `failures` only; reached_end stays null for
    # them (unknown), so the first incremental run after the upgrade walks the whole listing.
    db.execute(
        "UPDATE crawl_runs SET articles_failed = failures "
        "WHERE articles_failed IS NULL AND failures IS NOT NULL"
    )
    db.table("articles").create_index(["removed_at"], if_not_exists=True)


def pair_text(text: str | None) -> str:
    """The pair index's text for ``text``: its folded words as adjacent pairs joined by '_'.

    ``pair_text("Đà Nẵng mới")`` is ``"da_nang nang_moi"``; a one-word text has no pairs.
    """
    words = folded_words(text)
    return " ".join(map("_".join, zip(words, words[1:], strict=False)))


def pair_phrase(words: tuple[str, ...] | list[str]) -> str:
    """The pair index's FTS5 phrase for two or more folded words: ``"da_nang nang_moi"``."""
    return '"' + " ".join(f"{a}_{b}" for a, b in zip(words, words[1:], strict=False)) + '"'


def index_pairs(
    db: sqlite_utils.Database, article_id: int, new: tuple, old: tuple | None = None
) -> None:
    """Index the pairs of the article ``article_id``, whose (title, lead, body) is now ``new``;
    ``old`` is its (title, lead, body) as last indexed, removed first (a contentless index
    needs them)."""
    names = ", ".join(SEARCH_COLUMNS)  # by name: the pair index's own order is PAIRS_COLUMNS
    if old is not None:
        db.execute(
            f"INSERT INTO {PAIRS_TABLE}({PAIRS_TABLE}, rowid, {names}) "
            "VALUES ('delete', ?, ?, ?, ?)",
            [article_id, *(pair_text(value) for value in old)],
        )
    db.execute(
        f"INSERT INTO {PAIRS_TABLE}(rowid, {names}) VALUES (?, ?, ?, ?)",
        [article_id, *(pair_text(value) for value in new)],
    )


def rebuild_pairs_index(db: sqlite_utils.Database) -> None:
    """Empty ``articles_fts_pairs`` and index the pairs of every article again."""
    names = ", ".join(SEARCH_COLUMNS)
    db.execute(f"INSERT INTO {PAIRS_TABLE}({PAIRS_TABLE}) VALUES ('delete-all')")
    rows = db.execute(f"SELECT id, {names} FROM articles ORDER BY id")
    db.conn.executemany(
        f"INSERT INTO {PAIRS_TABLE}(rowid, {names}) VALUES (?, ?, ?, ?)",
        ((row[0], *(pair_text(value) for value in row[1:])) for row in rows),
    )


def m005_search_pairs(db: sqlite_utils.Database) -> None:
    """Create the pair index ``articles_fts_pairs`` (see the module docstring) and fill it."""
    columns = ", ".join(SEARCH_COLUMNS)
    db.execute(
        f"CREATE VIRTUAL TABLE {PAIRS_TABLE} USING fts5({columns}, content='', "
        f'tokenize="{PAIRS_TOKENIZER}")'
    )  # m006 rebuilds it compact and fills it


def m006_compact_pairs(db: sqlite_utils.Database) -> None:
    """Rebuild the pair index compact: body first (no column marker before most positions)
    and no row lengths (columnsize=0: no docsize row to write per article, none for bm25 to
    look up per match); see PAIRS_COLUMNS and PAIRS_WEIGHTS. Its segments are merged 16 at a
    time instead of 4 (FTS5's 'automerge'): each article is one transaction and so one small
    segment, and merging fewer times cuts the storing cost (the segment count, which queries
    pay for, stayed about the same in bench_search.py's archives: 25 against 22 at 100,000)."""
    db.execute(f"DROP TABLE IF EXISTS {PAIRS_TABLE}")
    db.execute(
        f"CREATE VIRTUAL TABLE {PAIRS_TABLE} USING fts5({', '.join(PAIRS_COLUMNS)}, "
        f"content='', columnsize=0, tokenize=\"{PAIRS_TOKENIZER}\")"
    )
    db.execute(
        f"INSERT INTO {PAIRS_TABLE}({PAIRS_TABLE}, rank) VALUES ('automerge', {PAIRS_AUTOMERGE})"
    )
    rebuild_pairs_index(db)


MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [
    m001_tables,
    m002_search_index,
    m003_run_details,
    m004_captures,
    m005_search_pairs,
    m006_compact_pairs,
    m013_researchers,  # issue 13: published_date, tone-mark index, pairs kept by triggers
]


def applied_migrations(db: sqlite_utils.Database) -> list[str]:
    """Names of the migrations already applied to ``db``, in order."""
    if not db.table("migrations").exists():
        return []
    return [row["name"] for row in db.query("select name from migrations order by id")]


def pending_migrations(db: sqlite_utils.Database) -> list[str]:
    """Names of the migrations ``db`` still needs."""
    done = set(applied_migrations(db))
    return [m.__name__ for m in MIGRATIONS if m.__name__ not in done]


def migrate(db: sqlite_utils.Database) -> list[str]:
    """Apply every pending migration, each in its own transaction; return the names applied."""
    if not db.table("migrations").exists():
        db.table("migrations").create(TABLES["migrations"].column_types(), pk="id")
    applied = []
    for migration in MIGRATIONS:
        if migration.__name__ in applied_migrations(db):
            continue
        with db.atomic():
            migration(db)
            db.table("migrations").insert({"name": migration.__name__, "applied_at": utc_now()})
        applied.append(migration.__name__)
    return applied


def rebuild_search_index(db: sqlite_utils.Database) -> None:
    """Empty ``articles_fts`` and index every article again, the way the triggers do; the
    same for the pair index ``articles_fts_pairs`` when it exists (from m005 on).

    Use this instead of FTS5's 'rebuild' command, which would index the plain content and lose
    the đ -> d copies that make "da nang" find "Đà Nẵng".
    """
    columns = ", ".join(SEARCH_COLUMNS)
    with db.atomic():
        db.execute(f"INSERT INTO {SEARCH_TABLE}({SEARCH_TABLE}) VALUES ('delete-all')")
        db.execute(
            f"INSERT INTO {SEARCH_TABLE}(rowid, {columns}) "
            f"SELECT articles.id, {search_index_values('articles')} FROM articles"
        )
        if "m013_researchers" in applied_migrations(db):
            rebuild_researcher_indexes(db)  # the pairs come from SQL now
        elif db.table(PAIRS_TABLE).exists():
            rebuild_pairs_index(db)
