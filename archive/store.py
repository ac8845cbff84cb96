"""The Archive: one archive file, opened for writing or reading; every change goes through it.

A small façade over the modules that do the work, in the order the data flows:
``archive.runs`` (the crawl runs), ``archive.storing`` (articles with their revisions, failures,
removals), ``archive.changeguard`` (its hook: pages that are not the article, changes held until a
run's end), ``archive.reading`` and ``archive.search`` (lookups, articles, statistics, search),
and ``archive.housekeeping`` (the connection's settings, the WAL). Opening it writable applies
the pending migrations (``archive.migrations``).
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from archive import changeguard, housekeeping, index, migrations, reading, runs, storing
from archive.errors import (
    ArchiveEmpty,
    ArchiveError,
    ArchiveNotFound,
    ArchiveOutdated,
    ArchiveUnsupported,
)
from archive.search import SearchHit, search_articles
from archive.storing import StoreOutcome
from archive.transactions import write_transaction
from crawler.article import Article

logger = logging.getLogger(__name__)

# Readers that never pause keep SQLite's automatic (passive) checkpoints from restarting the
# WAL, which then grows with everything written. Past this size the writer restarts it
# (checked every WAL_CHECK_ARTICLES articles stored), waiting briefly for the readers.
WAL_RESTART_BYTES = 16 * 1024 * 1024
WAL_CHECK_ARTICLES = 50


class Archive:
    """An archive file, opened for writing (created and migrated if needed) or read-only.

    ``Archive(path)`` creates the file and its folders on first use, enables WAL and applies
    pending migrations. ``Archive(path, readonly=True)`` never writes: it raises
    ``ArchiveNotFound`` if there is no file, ``ArchiveEmpty`` if it has no archive tables, and
    ``ArchiveOutdated`` if it needs migrations. Either way, a file that is not an archive, or
    one whose schema this version does not know (``ArchiveUnsupported``), is refused untouched.
    Use it as a context manager or call ``close()``.
    """

    def __init__(self, path: str | Path, readonly: bool = False) -> None:
        self.path = Path(path)
        self.readonly = readonly
        self._stored_since_check = 0  # articles stored since the WAL size was last checked
        if readonly and not self.path.is_file():
            raise ArchiveNotFound(str(self.path))
        if not readonly:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = housekeeping.open_database(self.path, readonly)
        try:
            self._check_schema()
            if not readonly:
                housekeeping.use_wal(self.db)
                migrations.migrate(self.db)
        except sqlite3.DatabaseError as error:  # not a SQLite file at all
            self.db.close()
            raise ArchiveError(f"{self.path} is not a SQLite archive ({error}).") from error
        except ArchiveError:
            self.db.close()
            raise

    def _check_schema(self) -> None:
        """Refuse a file this version must not read or write (see the class docstring)."""
        applied = migrations.applied_migrations(self.db)
        if not applied and self.db.table_names():
            raise ArchiveError(f"{self.path} is not a tinlanhdao archive: it has other tables.")
        unknown = migrations.unknown_migrations(self.db)
        if unknown:
            raise ArchiveUnsupported(str(self.path), unknown, migrations.SQUASHED)
        if self.readonly:
            if not self.db.table("articles").exists():
                raise ArchiveEmpty(str(self.path))
            pending = migrations.pending_migrations(self.db)
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

    # --- crawl runs (archive.runs) -------------------------------------------------------------

    def close_abandoned_runs(self) -> int:
        """Mark runs still 'running' as 'killed' (they died without finishing: kill -9, power
        loss); return how many. Call it only while holding the run lock, when no other run can
        be going."""
        return runs.close_abandoned_runs(self.db)

    def start_run(self, spider: str, mode: str = "", start_url: str = "") -> int:
        """Record the start of a crawl; return its run id."""
        return runs.start_run(self.db, spider, mode, start_url)

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
        runs.finish_run(
            self.db, run_id, status, finish_reason, dict(counts or {}), exit_status,
            list(problems or []), layouts,
        )  # fmt: skip

    def walk_completed(self) -> bool:
        """True when an earlier run finished (not interrupted, not failed) after walking the
        listing to its last page. Until then incremental runs walk the whole listing, so an
        interrupted first backfill is completed by the next run."""
        return runs.walk_completed(self.db)

    # --- storing (archive.storing) -------------------------------------------------------------

    def store_article(
        self, article: Article | dict[str, Any], run_id: int | None = None
    ) -> StoreOutcome | changeguard.GuardOutcome:
        """Store one article in its own transaction (a savepoint inside ``batch``); return
        "new", "changed" or "unchanged" (see ``archive.storing.store_article``), or the guard's
        "refused" or "held", which change nothing of the article (``archive.changeguard``: a page
        that is not the article; a change a crawl run holds until its end). Then, outside a
        transaction, keep the WAL bounded."""
        with write_transaction(self.db):  # the guard's judgement and the store, as one
            outcome = changeguard.intercept(self.db, article, run_id) or storing.store_article(
                self.db, article, run_id)
        self._stored_since_check += 1
        if not self.db.conn.in_transaction:  # a checkpoint waits for the enclosing one's end
            self._check_wal()
        return outcome

    @contextmanager
    def batch(self) -> Iterator[Archive]:
        """Make every write inside the block one transaction (``BEGIN IMMEDIATE``): one commit
        for many articles.

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

    def record_failure(
        self,
        url: str,
        reason: str,
        http_status: int | None = None,
        run_id: int | None = None,
        detail: str = "",
        failed_at: str = "",
    ) -> int:
        """Record a page that yielded no article; return the failure id. A 404 or 410 for an
        archived article also marks it removed (see ``mark_removed``)."""
        return storing.record_failure(
            self.db, url, reason, http_status, run_id, detail, failed_at
        )

    def mark_removed(self, url: str, when: str = "", reason: str = "") -> bool:
        """Set ``removed_at`` (and ``removed_reason``) on the archived article at ``url`` unless
        it is already set; return True if this call marked it. An unknown URL is left alone;
        only storing the article again (it came back) clears the mark."""
        return storing.mark_removed(self.db, url, when, reason)

    # --- reading (archive.reading, archive.search) ---------------------------------------------

    def has_article(self, url: str) -> bool:
        """True if an article with this URL is archived."""
        return reading.has_article(self.db, url)

    def known_urls(self, urls: Iterable[str]) -> set[str]:
        """The URLs among ``urls`` that are archived, removed ones included (exact match on
        ``articles.url``; one indexed lookup per 500 URLs)."""
        return reading.known_urls(self.db, urls)

    def urls_published_since(self, day: str) -> list[str]:
        """URLs of the archived, not removed articles published on or after ``day`` (an ISO date
        such as '2024-05-01'), newest first. Articles without a date are not included."""
        return reading.urls_published_since(self.db, day)

    def archived_urls(self, include_removed: bool = False) -> list[str]:
        """URLs of every archived article in archive order, removed ones only on request."""
        return reading.archived_urls(self.db, include_removed)

    def article_count(self) -> int:
        """Number of articles in the archive."""
        return reading.article_count(self.db)

    def require_articles(self) -> Archive:
        """Return self, or raise ``ArchiveEmpty`` if the archive holds no articles."""
        if self.article_count() == 0:
            raise ArchiveEmpty(str(self.path))
        return self

    def get_article(self, key: int | str) -> dict[str, Any]:
        """One article by id (an int or digits) or URL, with its current images and
        attachments and all its revisions; raises ``ArticleNotFound``."""
        return reading.get_article(self.db, key)

    def iter_articles(self, since: str = "", until: str = "") -> Iterator[dict[str, Any]]:
        """Article rows (all columns), oldest publication first; ``since`` / ``until`` are
        inclusive ISO prefixes ('2023', '2023-05', '2023-05-19')."""
        return reading.iter_articles(self.db, since, until)

    def images_of(self, article_id: int) -> list[dict[str, Any]]:
        """Current images of an article, in page order."""
        return reading.images_of(self.db, article_id)

    def attachments_of(self, article_id: int) -> list[dict[str, Any]]:
        """Current attachments of an article, in page order."""
        return reading.attachments_of(self.db, article_id)

    def search(
        self,
        query: str,
        since: str = "",
        until: str = "",
        author: str = "",
        limit: int = 20,
        marks: tuple[str, str] = ("[", "]"),
    ) -> list[SearchHit]:
        """Full-text search, best bm25 first; see ``archive.search.search_articles``."""
        return search_articles(
            self.db, query, since=since, until=until, author=author, limit=limit, marks=marks
        )

    def stats(self, top_authors: int = 10, last_runs: int = 5, removed: int = 20) -> dict[str, Any]:
        """Totals, articles per year and per month, top authors, the last crawl runs and the
        articles marked removed (see ``archive.reading.stats``)."""
        return reading.stats(self.db, top_authors, last_runs, removed)

    # --- housekeeping (archive.housekeeping, archive.index) ------------------------------------

    def _check_wal(self) -> None:
        if self._stored_since_check >= WAL_CHECK_ARTICLES:
            self._stored_since_check = 0
            self.bound_wal()

    def bound_wal(self) -> None:
        """Restart the WAL when it has grown past WAL_RESTART_BYTES (see that constant)."""
        housekeeping.restart_wal_if_over(self.db, self.path, WAL_RESTART_BYTES)

    def rebuild_search_index(self) -> None:
        """Re-index every article (never use FTS5's 'rebuild': it loses the đ -> d copies)."""
        index.rebuild_search_index(self.db)
