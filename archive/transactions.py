"""Write transactions that take SQLite's write lock when they begin.

More than one connection may write one archive at once: a crawl, ``tinlanhdao reprocess`` or
another command. A transaction begun with a plain ``BEGIN`` reads from a snapshot taken at its
first statement and asks for the write lock only at its first write; if another connection
committed in between, SQLite refuses that write at once ("database
is locked", without waiting the busy timeout), because the snapshot is stale. ``BEGIN
IMMEDIATE`` asks for the write lock first, waiting for it up to the busy timeout, so a
transaction never writes from a stale snapshot.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager, suppress

import sqlite_utils


@contextmanager
def write_transaction(db: sqlite_utils.Database) -> Iterator[None]:
    """Run the block as one write transaction (``BEGIN IMMEDIATE`` ... ``COMMIT``), rolled back
    if it raises; inside a transaction already open, as a savepoint of that one."""
    if db.conn.in_transaction:
        with db.atomic():
            yield
        return
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        yield
        db.conn.execute("COMMIT")
    except BaseException:
        if db.conn.in_transaction:
            with suppress(sqlite3.Error):  # the error that got here is the one to report
                db.conn.execute("ROLLBACK")
        raise
