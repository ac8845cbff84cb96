"""Keeping the search indexes true, and rebuilding them after another tool changed the texts.

Every index follows ``articles`` through its triggers: ``articles_fts`` (m001_base), the
tone-mark index ``articles_fts_marks`` and the pair index ``articles_fts_pairs``
(m003_researchers, archive/researchers_schema.py). ``rebuild_search_index`` (``tinlanhdao
reindex``) indexes every article again, all three, exactly as the triggers do.
"""

from __future__ import annotations

import sqlite_utils

from archive.researchers_schema import MARKS_TABLE, PAIRS_TEXT_VIEW
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


def rebuild_search_index(db: sqlite_utils.Database) -> None:
    """Empty the three search indexes and index every article again, the way the triggers do,
    in one transaction.

    Use this instead of FTS5's 'rebuild' command on ``articles_fts``, which would index the
    plain content and lose the đ -> d copies that make "da nang" find "Đà Nẵng" (the tone-mark
    index has none, so 'rebuild' is right for it).
    """
    with write_transaction(db):
        db.execute(f"INSERT INTO {SEARCH_TABLE}({SEARCH_TABLE}) VALUES ('delete-all')")
        db.execute(
            f"INSERT INTO {SEARCH_TABLE}(rowid, {_NAMES}) SELECT id, {_INDEXED} FROM articles"
        )
        db.execute(f"INSERT INTO {MARKS_TABLE}({MARKS_TABLE}) VALUES ('rebuild')")
        db.execute(f"INSERT INTO {PAIRS_TABLE}({PAIRS_TABLE}) VALUES ('delete-all')")
        db.execute(
            f"INSERT INTO {PAIRS_TABLE}(rowid, {_NAMES}) "
            f"SELECT id, {_NAMES} FROM {PAIRS_TEXT_VIEW}"
        )
