"""The Archive: open, store, look up. Every change to the database goes through this class.

Storing is idempotent and loses nothing: an unchanged article moves ``last_seen`` and takes the
latest extraction's derived fields (``_DERIVED_FIELDS``), no revision; a changed one updates the
article row and adds one revision; no row is ever deleted. Each article is stored
in its own transaction (or its own savepoint of a ``batch``), and the database runs in WAL mode
so readers (Datasette, the CLI) and the crawl never block each other.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import fields
from pathlib import Path
from typing import Any, Literal

import sqlite_utils

from archive import schema, search
from archive.errors import (
    ArchiveEmpty,
    ArchiveError,
    ArchiveNotFound,
    ArchiveOutdated,
    ArticleNotFound,
    InvalidArticle,
)
from archive.transactions import write_transaction
from crawler.article import Article, Attachment, Image
from crawler.text import fold_for_search

logger = logging.getLogger(__name__)

StoreOutcome = Literal["new", "changed", "unchanged"]

# Columns of `articles` that come straight from the Article record.
_ARTICLE_FIELDS = (
    "url", "portal_id", "section", "title", "published", "author", "lead", "body", "body_html",
    "word_count", "language", "content_hash", "layout",
)  # fmt: skip
# Fields the extractor derives from the same content (the hash leaves them out): an unchanged
# article gets them from its latest extraction, so its row always matches its provenance.
_DERIVED_FIELDS = ("body_html", "portal_id", "section", "word_count", "language", "layout")
_UNCHANGED_UPDATE = (  # built from the constant above, never from input
    "UPDATE articles SET last_seen = ?, removed_at = NULL, removed_reason = NULL, "
    + ", ".join(name + " = ?" for name in _DERIVED_FIELDS)
    + " WHERE id = ?"
)
_REVISION_FIELDS = ("content_hash", "title", "published", "author", "lead", "body", "body_html")
# The rows storing inserts, and their statements (built from these constants, never from input).
_INSERT_COLUMNS = {
    "articles": (*_ARTICLE_FIELDS, "year", "first_seen", "last_seen"),
    "revisions": ("article_id", "run_id", *_REVISION_FIELDS, "fetched_at"),
    "images": ("article_id", "revision_id", "position", "src", "caption", "credit"),
    "attachments": ("article_id", "revision_id", "position", "url", "title"),
}
_INSERT_SQL = {
    table: f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    for table, columns in _INSERT_COLUMNS.items()
}
# crawl_runs count columns and the keys of finish_run's counts dict that fill them (the first
# key present wins).
_RUN_COUNT_COLUMNS = {
    "articles_new": ("new",),
    "articles_changed": ("changed",),
    "articles_unchanged": ("unchanged",),
    "articles_failed": ("failed", "failures"),
    "failures": ("failed", "failures"),
    "articles_removed": ("removed",),
    "listing_pages": ("tinlanhdao/listing_pages", "listing_pages"),
    "requests": ("downloader/request_count", "requests"),
    "response_bytes": ("downloader/response_bytes", "response_bytes"),
    "reached_end": ("tinlanhdao/reached_end", "reached_end"),
}
# How many URLs one `IN (...)` lookup binds (SQLite allows at least 999 parameters).
_LOOKUP_CHUNK = 500
_BUSY_TIMEOUT_MS = 10_000
_CHECKPOINT_BUSY_MS = 200  # how long a WAL restart waits for readers (see bound_wal)
# Readers that never pause keep SQLite's automatic (passive) checkpoints from restarting the
# WAL, which then grows with everything written. Past this size the writer checkpoints with
# RESTART, waiting (busy timeout) for the readers of the moment to finish.
WAL_RESTART_BYTES = 16 * 1024 * 1024


def _or_null(value: Any) -> Any:
    """Absent text is stored as NULL, never '' (the archive's NULL rule, docs/archive.md)."""
    return None if value == "" else value


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def as_article(article: Article | dict[str, Any]) -> Article:
    """Return ``article`` as an Article; a dict is read by field name (unknown keys ignored)."""
    if isinstance(article, Article):
        return article
    known = {f.name for f in fields(Article)}
    try:
        return Article(**{k: v for k, v in article.items() if k in known})
    except TypeError as error:
        raise InvalidArticle(f"not an article record: {error}") from error


def year_of(published: str | None) -> int | None:
    """The year of an ISO date ('2023-05-19...' -> 2023), or None."""
    if published and len(published) >= 4 and published[:4].isdigit():
        return int(published[:4])
    return None


class Archive:
    """An archive file, opened for writing (created and migrated if needed) or read-only.

    ``Archive(path)`` creates the file and its folders on first use, enables WAL and applies
    pending migrations. ``Archive(path, readonly=True)`` never writes: it raises
    ``ArchiveNotFound`` if there is no file, ``ArchiveEmpty`` if it has no archive tables, and
    ``ArchiveOutdated`` if it needs migrations. Use it as a context manager or call ``close()``.
    """

    def __init__(self, path: str | Path, readonly: bool = False) -> None:
        self.path = Path(path)
        self.readonly = readonly
        self._stored_since_check = 0  # articles stored since the WAL size was last checked
        if readonly:
            if not self.path.is_file():
                raise ArchiveNotFound(str(self.path))
            uri = f"{self.path.resolve().as_uri()}?mode=ro"
            connection = sqlite3.connect(uri, uri=True, check_same_thread=False)
            self.db = sqlite_utils.Database(connection)
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite_utils.Database(self.path)
        self.db.execute(f"PRAGMA busy_timeout = {_BUSY_TIMEOUT_MS}")
        self.db.register_function(fold_for_search, deterministic=True, name="fold")
        if readonly:
            self._check_readable()
        else:
            self.db.enable_wal()
            # WAL + synchronous=NORMAL: each commit survives a crash of the crawl; only a power
            # loss can lose the last commits before a checkpoint.
            self.db.execute("PRAGMA synchronous = NORMAL")
            self.db.execute("PRAGMA foreign_keys = ON")
            schema.migrate(self.db)

    def _check_readable(self) -> None:
        try:
            if not self.db.table("articles").exists():
                raise ArchiveEmpty(str(self.path))
            pending = schema.pending_migrations(self.db)
        except sqlite3.DatabaseError as error:  # not a SQLite file at all
            raise ArchiveError(f"{self.path} is not a SQLite archive ({error}).") from error
        if pending:
            raise ArchiveOutdated(str(self.path), pending)

    # --- lifecycle -----------------------------------------------------------------------------

    def close(self) -> None:
        """Close the database connection."""
        self.db.close()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- crawl runs ----------------------------------------------------------------------------

    def close_abandoned_runs(self) -> int:
        """Mark runs still 'running' as 'killed' (they died without finishing: kill -9, power
        loss); return how many. Call it only while holding the run lock, when no other run can
        be going."""
        with write_transaction(self.db):
            cursor = self.db.execute(
                "update crawl_runs set status = 'killed', finish_reason = ? "
                "where status = 'running'",
                ["killed: still running when a later run started"],
            )
            return cursor.rowcount

    def start_run(self, spider: str, mode: str = "", start_url: str = "") -> int:
        """Record the start of a crawl; return its run id."""
        with write_transaction(self.db):
            table = self.db.table("crawl_runs")
            table.insert(
                {
                    "spider": spider,
                    "mode": _or_null(mode),
                    "start_url": _or_null(start_url),
                    "started_at": schema.utc_now(),
                    "status": "running",
                }
            )
            return int(table.last_pk)

    def finish_run(
        self,
        run_id: int,
        status: str = "finished",
        finish_reason: str = "",
        counts: dict[str, Any] | None = None,
        exit_status: int | None = None,
        problems: list[str] | None = None,
        layouts: dict[str, int] | None = None,
    ) -> None:
        """Record the end of run ``run_id``: its status, finish reason, counts and verdict.

        ``counts`` may hold new/changed/unchanged/failed/removed and crawler stats such as
        ``downloader/request_count``, ``tinlanhdao/listing_pages`` or
        ``tinlanhdao/reached_end``; known keys fill their columns, all go to ``counts`` (JSON).
        ``exit_status`` and ``problems`` are the run's verdict; ``layouts`` maps layout names to
        articles extracted (its ``fallback`` entry fills ``fallback_used``).
        """
        counts = dict(counts or {})
        updates: dict[str, Any] = {
            "finished_at": schema.utc_now(),
            "status": status,
            "finish_reason": _or_null(finish_reason),
            "counts": _json(counts),
            "exit_status": exit_status,
            "problems": _json(list(problems or [])),
        }
        for column, keys in _RUN_COUNT_COLUMNS.items():
            value = next((counts[k] for k in keys if counts.get(k) is not None), None)
            if value is not None:
                updates[column] = int(value)
        if layouts is not None:
            updates["layouts"] = _json({name: int(n) for name, n in layouts.items()})
            updates["fallback_used"] = int(layouts.get("fallback", 0))
        with write_transaction(self.db):
            self.db.table("crawl_runs").update(run_id, updates)

    # --- articles ------------------------------------------------------------------------------

    def store_article(
        self, article: Article | dict[str, Any], run_id: int | None = None
    ) -> StoreOutcome:
        """Store one article (see ``_store_article``), then keep the WAL bounded."""
        outcome = self._store_article(article, run_id)
        self._stored_since_check += 1
        if not self.db.conn.in_transaction:  # a checkpoint waits for the enclosing one's end
            self._check_wal()
        return outcome

    @contextmanager
    def batch(self) -> Iterator[Archive]:
        """Make every write inside the block one transaction (``BEGIN IMMEDIATE``): one commit
        for many articles (the writer process stores a pipe's worth at once).

        Each ``store_article`` inside still succeeds or fails alone (its own savepoint). Nothing
        inside is on disk until the block ends; an exception leaving the block undoes all of it.
        """
        if self.db.conn.in_transaction:
            raise RuntimeError("Archive.batch() must not run inside another transaction")
        with write_transaction(self.db):
            yield self
        try:
            self._check_wal()
        except sqlite3.Error as error:  # housekeeping: the batch is committed all the same
            logger.warning("Archive %s: could not check the WAL's size: %s", self.path, error)

    def _check_wal(self) -> None:
        if self._stored_since_check >= 50:
            self._stored_since_check = 0
            self.bound_wal()

    def bound_wal(self) -> None:
        """Restart the WAL when it has grown past WAL_RESTART_BYTES (see that constant)."""
        wal = self.path.with_name(self.path.name + "-wal")
        try:
            if wal.stat().st_size <= WAL_RESTART_BYTES:
                return
        except OSError:
            return  # no WAL yet
        # A pending RESTART blocks other writers while it waits for readers; a reader that
        # wants to write (the crawl finishing its run while the writer process checkpoints)
        # would wait for it, and it for that reader. So it waits briefly and tries later.
        self.db.execute(f"PRAGMA busy_timeout = {_CHECKPOINT_BUSY_MS}")
        try:
            self.db.execute("PRAGMA wal_checkpoint(RESTART)")
        except sqlite3.OperationalError:
            pass  # readers held the WAL: try again after the next articles
        finally:
            self.db.execute(f"PRAGMA busy_timeout = {_BUSY_TIMEOUT_MS}")

    def _store_article(
        self, article: Article | dict[str, Any], run_id: int | None = None
    ) -> StoreOutcome:
        """Store one article in its own transaction (a savepoint inside ``batch``); return
        "new", "changed" or "unchanged".

        New: one articles row, its first revision, its images and attachments. Unchanged (same
        content hash): ``last_seen`` moves, and the fields derived from that same content
        (``_DERIVED_FIELDS``: body_html, layout, ...) take the latest extraction's values.
        Changed: the article row is updated and exactly one revision added; images/attachments
        are replaced (old rows kept, ``replaced_at`` set) only if they differ. Raises
        ``InvalidArticle`` without url, title or body.
        """
        record = as_article(article)
        if not (record.url and record.title and record.body):
            raise InvalidArticle(f"article needs url, title and body: {record.url!r}")
        content_hash = record.compute_hash()  # of the content as it is now, never stale
        seen_at = record.fetched_at or schema.utc_now()
        row = {name: _or_null(getattr(record, name)) for name in _ARTICLE_FIELDS}
        row.update(content_hash=content_hash, year=year_of(record.published))
        with write_transaction(self.db):
            current = self._article_row(record.url)
            if current is None:
                article_id = self._insert_article(row, seen_at)
                revision_id = self._add_revision(article_id, row, seen_at, run_id)
                self._add_images(article_id, revision_id, record.images, record.attachments)
                return "new"
            article_id = current["id"]
            last_seen = max(current["last_seen"] or "", seen_at)
            if current["content_hash"] == content_hash:
                self.db.execute(
                    _UNCHANGED_UPDATE,
                    [last_seen, *(row[name] for name in _DERIVED_FIELDS), article_id],
                )
                return "unchanged"
            row.update(last_seen=last_seen, removed_at=None, removed_reason=None)
            self.db.table("articles").update(article_id, row)  # triggers index it (m013)
            revision_id = self._add_revision(article_id, row, seen_at, run_id)
            self._replace_images_if_changed(article_id, revision_id, record, seen_at)
            return "changed"

    def _article_row(self, url: str) -> dict[str, Any] | None:
        rows = self.db.execute(
            "SELECT id, content_hash, last_seen FROM articles WHERE url = ?", [url]
        ).fetchall()
        return (
            {"id": rows[0][0], "content_hash": rows[0][1], "last_seen": rows[0][2]}
            if rows
            else None
        )

    def _insert_row(self, table: str, row: dict[str, Any]) -> int:
        """Insert one row of ``table`` (a key of _INSERT_COLUMNS) with its constant prepared
        INSERT (the hot path of storing: sqlite-utils' ``insert`` inspects the table on every
        call); return its rowid. ``row`` must hold every column of the statement."""
        values = [row[column] for column in _INSERT_COLUMNS[table]]
        return int(self.db.conn.execute(_INSERT_SQL[table], values).lastrowid)

    def _insert_article(self, row: dict[str, Any], seen_at: str) -> int:
        return self._insert_row("articles", {**row, "first_seen": seen_at, "last_seen": seen_at})

    def _add_revision(
        self, article_id: int, row: dict[str, Any], fetched_at: str, run_id: int | None
    ) -> int:
        revision = {name: row[name] for name in _REVISION_FIELDS}
        return self._insert_row(
            "revisions",
            {"article_id": article_id, "run_id": run_id, **revision, "fetched_at": fetched_at},
        )

    def _add_images(
        self, article_id: int, revision_id: int, images: list[Image], attachments: list[Attachment]
    ) -> None:
        link = {"article_id": article_id, "revision_id": revision_id}
        for n, i in enumerate(images, start=1):
            self._insert_row(
                "images",
                {**link, "position": n, "src": i.src, "caption": _or_null(i.caption),
                 "credit": _or_null(i.credit)},
            )  # fmt: skip
        for n, a in enumerate(attachments, start=1):
            self._insert_row(
                "attachments", {**link, "position": n, "url": a.url, "title": _or_null(a.title)}
            )

    def _replace_images_if_changed(
        self, article_id: int, revision_id: int, record: Article, replaced_at: str
    ) -> None:
        """Keep the current image/attachment rows if identical; else mark them replaced and
        add the new ones under ``revision_id``."""
        changed: dict[str, bool] = {}
        for table, new_rows, columns in (
            (
                "images",
                [(i.src, _or_null(i.caption), _or_null(i.credit)) for i in record.images],
                "src, caption, credit",
            ),
            (
                "attachments",
                [(a.url, _or_null(a.title)) for a in record.attachments],
                "url, title",
            ),
        ):
            current = self.db.execute(
                f"SELECT {columns} FROM {table} WHERE article_id = ? AND replaced_at IS NULL "
                "ORDER BY position",
                [article_id],
            ).fetchall()
            changed[table] = current != new_rows
            if changed[table]:
                self.db.execute(
                    f"UPDATE {table} SET replaced_at = ? "
                    "WHERE article_id = ? AND replaced_at IS NULL",
                    [replaced_at, article_id],
                )
        self._add_images(
            article_id,
            revision_id,
            record.images if changed["images"] else [],
            record.attachments if changed["attachments"] else [],
        )

    def record_failure(
        self,
        url: str,
        reason: str,
        http_status: int | None = None,
        run_id: int | None = None,
        detail: str = "",
        failed_at: str = "",
    ) -> int:
        """Record a page that yielded no article; return the failure id.

        A 404 or 410 for an archived article also sets its ``removed_at`` (see ``mark_removed``).
        """
        failed_at = failed_at or schema.utc_now()
        with write_transaction(self.db):
            table = self.db.table("failures")
            table.insert(
                {
                    "url": url,
                    "reason": reason,
                    "http_status": http_status,
                    "detail": _or_null(detail),
                    "run_id": run_id,
                    "failed_at": failed_at,
                }
            )
            failure_id = int(table.last_pk)
            if http_status in (404, 410):
                self.mark_removed(url, failed_at, reason)
            return failure_id

    def mark_removed(self, url: str, when: str = "", reason: str = "") -> bool:
        """Set ``removed_at`` (and ``removed_reason``) on the archived article at ``url`` unless
        it is already set; return True if this call marked it.

        An unknown URL is left alone (False). Nothing is deleted, and a mark is never cleared
        silently: only storing the article again (it came back) clears it.
        """
        with write_transaction(self.db):
            cursor = self.db.execute(
                "UPDATE articles SET removed_at = ?, removed_reason = ? "
                "WHERE url = ? AND removed_at IS NULL",
                [when or schema.utc_now(), reason or None, url],
            )
            return cursor.rowcount > 0

    # --- questions the spider asks (all read-only) -----------------------------------------

    def has_article(self, url: str) -> bool:
        """True if an article with this URL is archived."""
        return self._article_row(url) is not None

    def known_urls(self, urls: Iterable[str]) -> set[str]:
        """The URLs among ``urls`` that are archived, removed ones included (exact match on
        ``articles.url``; one indexed lookup per 500 URLs)."""
        wanted = list(dict.fromkeys(urls))
        known: set[str] = set()
        for start in range(0, len(wanted), _LOOKUP_CHUNK):
            chunk = wanted[start : start + _LOOKUP_CHUNK]
            marks = ", ".join("?" * len(chunk))  # placeholders only; the URLs are bound
            known.update(
                row[0]
                for row in self.db.execute(
                    f"SELECT url FROM articles WHERE url IN ({marks})", chunk
                ).fetchall()
            )
        return known

    def urls_published_since(self, day: str) -> list[str]:
        """URLs of the archived, not removed articles published on or after ``day`` (an ISO date
        such as '2024-05-01'), newest first. Articles without a date are not included."""
        return [
            row[0]
            for row in self.db.execute(
                # `+removed_at`: walk the published index, not the (mostly null) removed_at one
                "SELECT url FROM articles WHERE published >= ? AND +removed_at IS NULL "
                "ORDER BY published DESC, id DESC",
                [day],
            ).fetchall()
        ]

    def archived_urls(self, include_removed: bool = False) -> list[str]:
        """URLs of every archived article in archive order, removed ones only on request."""
        where = "" if include_removed else " WHERE removed_at IS NULL"
        return [row[0] for row in self.db.execute(f"SELECT url FROM articles{where} ORDER BY id")]

    def walk_completed(self) -> bool:
        """True when an earlier run finished (not interrupted, not failed) after walking the
        listing to its last page. Until then incremental runs walk the whole listing, so an
        interrupted first backfill is completed by the next run."""
        row = self.db.execute(
            "SELECT 1 FROM crawl_runs WHERE reached_end = 1 AND status = 'finished' "
            "AND finished_at IS NOT NULL LIMIT 1"
        ).fetchone()
        return row is not None

    def article_count(self) -> int:
        """Number of articles in the archive."""
        return int(self.db.execute("SELECT count(*) FROM articles").fetchone()[0])

    def require_articles(self) -> Archive:
        """Return self, or raise ``ArchiveEmpty`` if the archive holds no articles."""
        if self.article_count() == 0:
            raise ArchiveEmpty(str(self.path))
        return self

    def get_article(self, key: int | str) -> dict[str, Any]:
        """One article by id (an int or digits) or URL, as a dict with its current images and
        attachments and all its revisions (oldest first, without body_html).

        Raises ``ArticleNotFound``.
        """
        key_text = str(key).strip()
        column = "id" if key_text.isdigit() else "url"
        rows = list(self.db.query(f"SELECT * FROM articles WHERE {column} = ?", [key_text]))
        if not rows:
            raise ArticleNotFound(key)
        article = rows[0]
        article_id = article["id"]
        article["images"] = list(
            self.db.query(
                "SELECT position, src, caption, credit FROM images "
                "WHERE article_id = ? AND replaced_at IS NULL ORDER BY position",
                [article_id],
            )
        )
        article["attachments"] = list(
            self.db.query(
                "SELECT position, url, title FROM attachments "
                "WHERE article_id = ? AND replaced_at IS NULL ORDER BY position",
                [article_id],
            )
        )
        article["revisions"] = list(
            self.db.query(
                "SELECT id, run_id, content_hash, title, published, author, fetched_at, "
                "length(body) AS body_length FROM revisions WHERE article_id = ? ORDER BY id",
                [article_id],
            )
        )
        return article

    def iter_articles(self, since: str = "", until: str = "") -> Iterator[dict[str, Any]]:
        """Yield article rows (all columns), oldest publication first, within the date range.

        ``since`` / ``until`` are ISO prefixes ('2023', '2023-05', '2023-05-19'), both inclusive.
        """
        where, params = search.date_range_sql("articles.published", since, until)
        sql = f"SELECT * FROM articles {('WHERE ' + where) if where else ''} ORDER BY published, id"
        yield from self.db.query(sql, params)

    def images_of(self, article_id: int) -> list[dict[str, Any]]:
        """Current images of an article, in page order."""
        return list(
            self.db.query(
                "SELECT src, caption, credit FROM images "
                "WHERE article_id = ? AND replaced_at IS NULL ORDER BY position",
                [article_id],
            )
        )

    def attachments_of(self, article_id: int) -> list[dict[str, Any]]:
        """Current attachments of an article, in page order."""
        return list(
            self.db.query(
                "SELECT url, title FROM attachments "
                "WHERE article_id = ? AND replaced_at IS NULL ORDER BY position",
                [article_id],
            )
        )

    # --- search and statistics -------------------------------------------------------------

    def search(
        self,
        query: str,
        since: str = "",
        until: str = "",
        author: str = "",
        limit: int = 20,
        marks: tuple[str, str] = ("[", "]"),
    ) -> list[search.SearchHit]:
        """Full-text search, best bm25 first; see ``archive.search.search_articles``."""
        return search.search_articles(
            self.db, query, since=since, until=until, author=author, limit=limit, marks=marks
        )

    def stats(self, top_authors: int = 10, last_runs: int = 5, removed: int = 20) -> dict[str, Any]:
        """Totals, articles per year and per month, top authors, the last crawl runs (with
        their exit status, problems as a list, and counts) and the articles marked removed
        (``removed_count`` of them; the ``removed`` most recently marked listed)."""
        one = self.db.execute
        runs = list(
            self.db.query(
                "SELECT id, spider, mode, started_at, finished_at, status, finish_reason, "
                "exit_status, problems, listing_pages, requests, response_bytes, articles_new, "
                "articles_changed, articles_unchanged, articles_failed, articles_removed, "
                "failures, layouts, fallback_used, reached_end FROM crawl_runs "
                "ORDER BY id DESC LIMIT ?",
                [last_runs],
            )
        )
        for run in runs:
            run["problems"] = json.loads(run["problems"]) if run["problems"] else []
            run["layouts"] = json.loads(run["layouts"]) if run["layouts"] else {}
        return {
            "totals": {
                table: one(f"SELECT count(*) FROM {table}").fetchone()[0]
                for table in (
                    "articles",
                    "revisions",
                    "images",
                    "attachments",
                    "failures",
                    "crawl_runs",
                )
            },  # fmt: skip
            "per_year": list(
                self.db.query(
                    "SELECT year, count(*) AS articles FROM articles GROUP BY year ORDER BY year"
                )
            ),
            "per_month": list(
                self.db.query(
                    "SELECT substr(published, 1, 7) AS month, count(*) AS articles FROM articles "
                    "WHERE published != '' GROUP BY month ORDER BY month"
                )
            ),
            "top_authors": list(
                self.db.query(
                    "SELECT author, count(*) AS articles FROM articles WHERE author != '' "
                    "GROUP BY author ORDER BY articles DESC, author LIMIT ?",
                    [top_authors],
                )
            ),
            "last_runs": runs,
            "removed_count": one(
                "SELECT count(*) FROM articles WHERE removed_at IS NOT NULL"
            ).fetchone()[0],
            "removed_articles": list(
                self.db.query(
                    "SELECT id, title, url, removed_at, removed_reason FROM articles "
                    "WHERE removed_at IS NOT NULL ORDER BY removed_at DESC, id DESC LIMIT ?",
                    [removed],
                )
            ),
        }

    # --- maintenance ---------------------------------------------------------------------------

    def rebuild_search_index(self) -> None:
        """Re-index every article (never use FTS5's 'rebuild': it loses the đ -> d copies)."""
        schema.rebuild_search_index(self.db)
