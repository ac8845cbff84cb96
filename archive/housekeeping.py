"""Housekeeping: opening the database with the archive's settings, and keeping its WAL bounded.

The archive runs in WAL mode with ``synchronous = NORMAL``: readers (Datasette, the CLI) and the
crawl never block each other, each commit survives a crash of the crawl, and only a power loss
can lose the last commits before a checkpoint. Readers that never pause keep SQLite's automatic
(passive) checkpoints from restarting the WAL, which then grows with everything written; so the
writer restarts it itself once it has grown past a limit (``restart_wal_if_over``).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import sqlite_utils

from archive.folding import fold_for_search

BUSY_TIMEOUT_MS = 10_000
_CHECKPOINT_BUSY_MS = 200  # how long a WAL restart waits for readers


def open_database(path: Path, readonly: bool) -> sqlite_utils.Database:
    """A connection to the archive file ``path``: read-only (``mode=ro``, never creates or
    writes the file), or writable in WAL mode with foreign keys on. Both wait up to
    ``BUSY_TIMEOUT_MS`` for a lock and have the SQL function ``fold`` (``fold_for_search``)."""
    if readonly:
        uri = f"{path.resolve().as_uri()}?mode=ro"
        db = sqlite_utils.Database(sqlite3.connect(uri, uri=True, check_same_thread=False))
    else:
        db = sqlite_utils.Database(path)
    db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    db.register_function(fold_for_search, deterministic=True, name="fold")
    return db


def use_wal(db: sqlite_utils.Database) -> None:
    """WAL mode, ``synchronous = NORMAL`` and foreign keys, for a writable connection."""
    db.enable_wal()
    db.execute("PRAGMA synchronous = NORMAL")
    db.execute("PRAGMA foreign_keys = ON")


def restart_wal_if_over(db: sqlite_utils.Database, path: Path, limit: int) -> None:
    """Restart the WAL of the archive at ``path`` if it has grown past ``limit`` bytes; if
    readers hold it, leave it for a later call."""
    wal = path.with_name(path.name + "-wal")
    try:
        if wal.stat().st_size <= limit:
            return
    except OSError:
        return  # no WAL yet
    # A pending RESTART blocks other writers while it waits for readers; a reader that
    # wants to write (the crawl finishing its run while another connection checkpoints)
    # would wait for it, and it for that reader. So it waits briefly and tries later.
    db.execute(f"PRAGMA busy_timeout = {_CHECKPOINT_BUSY_MS}")
    try:
        db.execute("PRAGMA wal_checkpoint(RESTART)")
    except sqlite3.OperationalError:
        pass  # readers held the WAL: try again after the next articles
    finally:
        db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
