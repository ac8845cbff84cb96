"""The schema of an archive as text, and archives written by earlier versions.

``schema_of`` lists an archive's tables, indexes and triggers (sqlite_master) with their SQL.
tests/support/schema.sql is that text for a fresh archive: what the committed migrations
produce. After adding a migration (and only then), write it again with
``.venv/bin/python tests/support/schema.py``.

tests/support/archive-d63b05a.db.gz is a real archive written by main at d63b05a, before the
migrations were squashed into m001_base: tests/conftest_archive.py's build_archive (the seed
and Đà Nẵng articles, one finished run), checkpointed and vacuumed, then gzip'ed.
"""

from __future__ import annotations

import gzip
import shutil
import sqlite3
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCHEMA_SQL = HERE / "schema.sql"
PRE_SQUASH_ARCHIVE = HERE / "archive-d63b05a.db.gz"


def schema_of(path: Path) -> str:
    """Every table, index and trigger of the archive at ``path`` with its SQL, by name."""
    connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        rows = connection.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name"
        ).fetchall()
    finally:
        connection.close()
    return "".join(f"-- {kind} {name}\n{sql};\n\n" for kind, name, sql in rows)


def pre_squash_archive(target: Path) -> Path:
    """A copy of the archive written by main at d63b05a, at ``target``."""
    with gzip.open(PRE_SQUASH_ARCHIVE, "rb") as source, open(target, "wb") as out:
        shutil.copyfileobj(source, out)
    return target


if __name__ == "__main__":
    sys.path.insert(0, str(HERE.parents[1]))
    from archive import Archive

    with tempfile.TemporaryDirectory() as folder:
        fresh = Path(folder) / "fresh.db"
        Archive(fresh).close()
        SCHEMA_SQL.write_text(schema_of(fresh), encoding="utf-8")
    print(f"wrote {SCHEMA_SQL}")
