"""Frozen migrations: a fresh archive has the committed schema, every archive goes through the same
steps, and an archive this version must not touch (made before the squash, by a newer version,
or not ours) is refused with a clear message and left byte for byte as it was."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner
from support.articles import build_archive, da_nang_article, seed_article
from support.schema import SCHEMA_SQL, pre_squash_archive, schema_of

from archive import (
    Archive,
    ArchiveError,
    ArchiveOutdated,
    ArchiveUnsupported,
    index,
    migrations,
    reading,
)
from archive.cli import main
from archive.search import search_articles


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "tinlanhdao.db"


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def m002_example(db) -> None:
    """A later migration as the others will be written: literal SQL."""
    db.execute("ALTER TABLE articles ADD COLUMN example TEXT")
    db.execute("CREATE INDEX idx_articles_example ON articles (example)")


def test_a_fresh_archive_has_the_committed_schema(db_path: Path) -> None:
    Archive(db_path).close()
    assert schema_of(db_path) == SCHEMA_SQL.read_text("utf-8"), (
        "The schema differs from tests/support/schema.sql: a committed migration was edited? "
        "Add a new migration instead (and then rewrite schema.sql: see tests/support/schema.py)."
    )


def test_migrations_are_recorded_in_order_and_run_once(db_path: Path) -> None:
    Archive(db_path).close()
    Archive(db_path).close()
    connection = sqlite3.connect(db_path)
    names = [row[0] for row in connection.execute("SELECT name FROM migrations ORDER BY id")]
    connection.close()
    assert names == [m.__name__ for m in migrations.MIGRATIONS] == [
        "m001_base", "m002_leaders", "m003_researchers", "m004_held_changes"
    ]


def test_a_later_migration_upgrades_an_archive_to_what_a_new_one_gets(
    db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    build_archive(db_path)  # made by this version
    monkeypatch.setattr(migrations, "MIGRATIONS", [*migrations.MIGRATIONS, m002_example])
    with pytest.raises(ArchiveOutdated, match="m002_example.*tinlanhdao migrate"):
        Archive(db_path, readonly=True)
    with Archive(db_path) as archive:  # a crawl or `tinlanhdao migrate` upgrades it in place
        assert migrations.pending_migrations(archive.db) == []
        assert reading.get_article(archive.db, seed_article().url)["example"] is None
        hits = search_articles(archive.db, '"da nang"')
        assert [hit.url for hit in hits] == [da_nang_article().url]
    fresh = tmp_path / "fresh.db"
    Archive(fresh).close()
    assert schema_of(db_path) == schema_of(fresh)  # the same steps, the same schema


def test_the_search_index_rebuilt_is_the_index_the_triggers_wrote(db_path: Path) -> None:
    def postings(archive: Archive) -> list[tuple]:
        return archive.db.execute("SELECT * FROM temp.postings ORDER BY 1, 2, 3, 4").fetchall()

    build_archive(db_path)
    with Archive(db_path) as archive:
        archive.db.execute(
            "CREATE VIRTUAL TABLE temp.postings USING fts5vocab(main, articles_fts, instance)"
        )
        written = postings(archive)
        assert ("da", 2) in {(term, doc) for term, doc, *_ in written}  # the đ -> d copy
        index.rebuild_search_index(archive.db)
        assert postings(archive) == written


def test_an_archive_made_before_the_squash_is_refused_untouched(tmp_path: Path) -> None:
    path = pre_squash_archive(tmp_path / "old.db")
    before = digest(path)
    for readonly in (True, False):
        with pytest.raises(ArchiveUnsupported, match="development version.*Crawl again"):
            Archive(path, readonly=readonly)
    for command in (["stats"], ["migrate"], ["search", "da nang"]):
        result = CliRunner().invoke(main, [*command, "--db", str(path)])
        assert result.exit_code == 1 and "development version" in result.output, result.output
        assert "Traceback" not in result.output
    assert digest(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.db"]  # no WAL, nothing beside


def test_an_archive_of_a_newer_version_is_refused(db_path: Path) -> None:
    build_archive(db_path)
    with sqlite3.connect(db_path) as connection:
        connection.execute("INSERT INTO migrations (name) VALUES ('m099_future')")
    connection.close()
    for readonly in (True, False):
        with pytest.raises(ArchiveUnsupported, match="m099_future.*newer version"):
            Archive(db_path, readonly=readonly)


def test_a_database_that_is_not_ours_is_refused_untouched(db_path: Path) -> None:
    with sqlite3.connect(db_path) as connection:
        connection.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)")
    connection.close()
    before = digest(db_path)
    with pytest.raises(ArchiveError, match="not a tinlanhdao archive"):
        Archive(db_path)
    assert digest(db_path) == before
    text = db_path.with_name("notes.txt")
    text.write_text("not a database\n" * 100, encoding="utf-8")
    for readonly in (True, False):
        with pytest.raises(ArchiveError, match="not a SQLite database"):
            Archive(text, readonly=readonly)
    assert text.read_text(encoding="utf-8") == "not a database\n" * 100


def test_opening_an_up_to_date_archive_takes_no_write_lock(db_path: Path) -> None:
    build_archive(db_path)
    writer = sqlite3.connect(db_path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # another process is writing (the crawl storing)
    try:
        with Archive(db_path) as archive:  # it waited 10 s, then failed, while it took the lock
            assert reading.article_count(archive.db) == 2
    finally:
        writer.execute("ROLLBACK")
        writer.close()
