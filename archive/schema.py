"""The archive's schema described: tables, columns and their meaning, and the search indexes.

``TABLES`` documents the public interface: each column's name, type and description, in the
order the migrations (archive.migrations, literal SQL) create them; a test checks the two agree.
The Datasette metadata takes its descriptions from it, and docs/archive.md documents it.

The search index: ``articles_fts`` is an FTS5 table over ``articles`` (title, lead, body)
with the ``unicode61 remove_diacritics 2`` tokenizer, which folds tone and vowel marks but never
folds đ to d. The triggers therefore index each column's text followed, when it contains đ or
Đ, by a copy with đ -> d, so "da nang" and "Đà Nẵng" both match through the plain tokenizer, in
any tool. Because the index differs from the content table, FTS5's own 'rebuild' command would
lose the d-copies: use ``archive.index.rebuild_search_index``.

Beside it, ``articles_fts_pairs`` indexes each text's folded words as adjacent pairs, one token
each ("Đà Nẵng" -> ``da_nang``), so the CLI's phrase and pieces passes look up a few rare pair
tokens instead of intersecting the long lists of common syllables ("da", "nang"), and
``articles_fts_marks`` keeps every tone mark, for query words typed with marks. Since
m003_researchers both are kept by triggers, the pairs computed in SQL by the view
``articles_pair_text``, so any writer (sqlite-utils, pandas, the sqlite3 shell) leaves them true;
see archive/researchers_schema.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from archive.leaders.tables import LEADER_TABLES  # beside the rules filling them

# The search indexes as m001_base creates them (archive/migrations.py): the tables, and their
# columns in the order their bm25 weights follow.
SEARCH_TABLE = "articles_fts"  # tokenizer: unicode61 remove_diacritics 2
SEARCH_COLUMNS = ("title", "lead", "body")
# bm25 weights for (title, lead, body): a word in the title counts most. m001_base also makes
# bm25(10.0, 4.0, 1.0) the index's default `rank`, for the tools that use it.
SEARCH_WEIGHTS = "10.0, 4.0, 1.0"
# The pair index (as m003_researchers rebuilt it): each text's folded words as adjacent pairs,
# one token each ("da_nang"), in columns (body, lead, title), row sizes kept. Body first: FTS5
# writes a column marker (2 bytes) before the positions of every column but the first, and
# nearly all pairs are in the body. Its segments are merged 16 at a time (FTS5's 'automerge',
# default 4): each stored article is one transaction and so one small segment. Its bm25
# weights are archive.search.PAIRS_WEIGHTS.
PAIRS_TABLE = "articles_fts_pairs"


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
        """The ``{name: type}`` mapping of the columns, in column order."""
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

TABLES.update((n, _table(n, d, *c)) for n, (d, c) in LEADER_TABLES.items())  # m002_leaders

# Issue 16's tables (archive.changeguard; created by migrations.m004_held_changes).
TABLES.update({spec.name: spec for spec in (
    _table(
        "held_runs",
        "Crawl runs that hold their changes until their end (archive/changeguard.py).",
        ("run_id", int, "The crawl run (crawl_runs.id)."),
        ("started_at", str, "UTC time the run began holding."),
        ("settled_at", str, "UTC time its held changes were settled; null while running (or if "
                            "it died)."),
    ),
    _table(
        "held_changes",
        "Pages judged not the article, and changes a crawl run held until its end "
        "(archive/changeguard.py, archive/changes.py).",
        ("id", int, "Row id."),
        ("run_id", int, "The crawl run (crawl_runs.id); null for tinlanhdao reprocess."),
        ("article_id", int, "The archived article (articles.id); null for a URL not archived."),
        ("url", str, "The article's URL."),
        ("text_key", str, "Digest of the page's title and body: equal for the same text under "
                          "any URL."),
        ("status", str, "'held', 'stored', 'mass_change', 'abandoned', 'refused', "
                        "'suspected_removal' or 'removal_confirmed'."),
        ("reason", str, "The signals that refused the page ('notice:removed+replaced')."),
        ("article", str, "The extracted page as JSON (the record the crawl would have stored)."),
        ("fetched_at", str, "UTC time the page was fetched."),
        ("decided_at", str, "UTC time of the status; null while held."),
        ("kept_capture_id", int, "The article's capture_id when the change was held (given back "
                                 "if the change is kept out)."),
        ("kept_extractor_version", str, "The article's extractor_version then."),
    ),
)})  # fmt: skip


def utc_now() -> str:
    """The current UTC time as ISO 8601 with 'Z', to the second."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
