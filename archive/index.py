"""Keeping the search indexes true: the pair index of each stored article, and rebuilding both.

``articles_fts`` is kept by the triggers of m001_base; ``articles_fts_pairs`` needs the folding
code, so storing calls ``index_pairs`` for each article it adds or changes. After texts were
changed by another tool, ``rebuild_search_index`` (``tinlanhdao reindex``) indexes every
article again, both indexes, as the triggers and storing do (see archive.schema).
"""

from __future__ import annotations

import sqlite_utils

from archive.folding import pair_text
from archive.schema import PAIRS_TABLE, SEARCH_COLUMNS, SEARCH_TABLE
from archive.transactions import write_transaction

_NAMES = ", ".join(SEARCH_COLUMNS)  # by name: the pair index's own column order differs
# The indexed text of each column as the triggers write it: the text, then, when it holds đ or
# Đ, a copy with đ -> d.
_INDEXED = ", ".join(
    f"CASE WHEN coalesce({c}, '') GLOB '*[đĐ]*' THEN coalesce({c}, '') || ' ' || "
    f"replace(replace(coalesce({c}, ''), 'đ', 'd'), 'Đ', 'D') ELSE coalesce({c}, '') END"
    for c in SEARCH_COLUMNS
)


def index_pairs(
    db: sqlite_utils.Database, article_id: int, new: tuple, old: tuple | None = None
) -> None:
    """Index the pairs of the article ``article_id``, whose (title, lead, body) is now ``new``;
    ``old`` is its (title, lead, body) as last indexed, removed first (a contentless index
    needs them)."""
    if old is not None:
        db.execute(
            f"INSERT INTO {PAIRS_TABLE}({PAIRS_TABLE}, rowid, {_NAMES}) "
            "VALUES ('delete', ?, ?, ?, ?)",
            [article_id, *(pair_text(value) for value in old)],
        )
    db.execute(
        f"INSERT INTO {PAIRS_TABLE}(rowid, {_NAMES}) VALUES (?, ?, ?, ?)",
        [article_id, *(pair_text(value) for value in new)],
    )


def rebuild_search_index(db: sqlite_utils.Database) -> None:
    """Empty ``articles_fts`` and ``articles_fts_pairs`` and index every article again, the
    way the triggers and storing do, in one transaction.

    Use this instead of FTS5's 'rebuild' command, which would index the plain content and lose
    the đ -> d copies that make "da nang" find "Đà Nẵng".
    """
    with write_transaction(db):
        db.execute(f"INSERT INTO {SEARCH_TABLE}({SEARCH_TABLE}) VALUES ('delete-all')")
        db.execute(
            f"INSERT INTO {SEARCH_TABLE}(rowid, {_NAMES}) SELECT id, {_INDEXED} FROM articles"
        )
        db.execute(f"INSERT INTO {PAIRS_TABLE}({PAIRS_TABLE}) VALUES ('delete-all')")
        rows = db.execute(f"SELECT id, {_NAMES} FROM articles ORDER BY id")
        db.conn.executemany(
            f"INSERT INTO {PAIRS_TABLE}(rowid, {_NAMES}) VALUES (?, ?, ?, ?)",
            ((row[0], *(pair_text(value) for value in row[1:])) for row in rows),
        )
