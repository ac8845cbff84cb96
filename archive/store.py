"""The Archive: one archive file, opened for writing or reading; every article goes in through it.

A small façade: it opens the file (refusing one that is not ours, applying the pending
migrations), stores articles in its write transactions and keeps the WAL bounded. The jobs live
in their modules, called with ``archive.db``: ``archive.runs`` (the crawl runs),
``archive.storing`` (failures, removals; articles through ``store_article`` here),
``archive.changeguard`` (its hook: pages that are not the article, changes held until a run's
end), ``archive.reading`` and ``archive.search`` (lookups, articles, statistics, search),
``archive.index`` (rebuilding the search indexes) and ``archive.housekeeping`` (the
connection's settings, the WAL).
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from archive import changeguard, guard, housekeeping, migrations, reading, storing
from archive.errors import ArchiveEmpty, ArchiveError, ArchiveOutdated, ArchiveUnsupported
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
    ``ArchiveOutdated`` if it needs migrations. Either way, a file that is not an archive
    (``guard.NotOurs``), or one whose schema this version does not know
    (``ArchiveUnsupported``), is refused untouched. Use it as a context manager or call
    ``close()``.
    """

    def __init__(self, path: str | Path, readonly: bool = False) -> None:
        self.path = Path(path)
        self.readonly = readonly
        self._stored_since_check = 0  # articles stored since the WAL size was last checked
        kind = guard.what_is(self.path)[0]
        if kind == "foreign" or (readonly and kind == "missing"):
            guard.require_archive(self.path)  # NotOurs with its reason, or ArchiveNotFound
        if readonly and kind == "empty":
            raise ArchiveEmpty(str(self.path))
        if not readonly:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = housekeeping.open_database(self.path, readonly)
        try:
            unknown = migrations.unknown_migrations(self.db)
            if unknown:
                raise ArchiveUnsupported(str(self.path), unknown, migrations.SQUASHED)
            if readonly and (pending := migrations.pending_migrations(self.db)):
                raise ArchiveOutdated(str(self.path), pending)
            if not readonly:
                housekeeping.use_wal(self.db)
                migrations.migrate(self.db)
        except sqlite3.DatabaseError as error:  # a damaged file: SQLite's header, then junk
            self.db.close()
            raise ArchiveError(f"{self.path} is not a SQLite archive ({error}).") from error
        except ArchiveError:
            self.db.close()
            raise

    def close(self) -> None:
        """Close the database connection."""
        self.db.close()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def require_articles(self) -> Archive:
        """Return self, or raise ``ArchiveEmpty`` if the archive holds no articles."""
        if reading.article_count(self.db) == 0:
            raise ArchiveEmpty(str(self.path))
        return self

    def store_article(
        self, article: Article | dict[str, Any], run_id: int | None = None
    ) -> storing.StoreOutcome | changeguard.GuardOutcome:
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

    def _check_wal(self) -> None:
        if self._stored_since_check >= WAL_CHECK_ARTICLES:
            self._stored_since_check = 0
            self.bound_wal()

    def bound_wal(self) -> None:
        """Restart the WAL when it has grown past WAL_RESTART_BYTES (see that constant)."""
        housekeeping.restart_wal_if_over(self.db, self.path, WAL_RESTART_BYTES)
