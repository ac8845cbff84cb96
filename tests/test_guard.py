"""Commands that write refuse files that are not ours, and leave them exactly as they were.

Every bad file here is made by the test itself: an unrelated SQLite database, a 0-byte file,
a SQLite database without tables, a text file. "Unchanged" means the same bytes and the same
mtime (nanoseconds), and no -wal or -shm file made beside it.
"""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive import Archive, guard
from archive.cli import main

WRITING_COMMANDS = [["migrate"], ["reindex"], ["reprocess"]]


def _foreign_sqlite(path: Path) -> Path:
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT)")
    connection.execute("INSERT INTO people (name) VALUES ('Nguyễn Văn A')")
    connection.commit()
    connection.close()
    return path


def _tableless_sqlite(path: Path) -> Path:
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA user_version = 7")  # writes the header: a real, empty database
    connection.commit()
    connection.close()
    return path


def _bad_files(folder: Path) -> dict[str, Path]:
    text = folder / "notes.db"
    text.write_text("these are someone's notes, not a database\n", encoding="utf-8")
    empty = folder / "empty.db"
    empty.touch()
    return {
        "foreign": _foreign_sqlite(folder / "other.db"),
        "tableless": _tableless_sqlite(folder / "tableless.db"),
        "empty": empty,
        "text": text,
    }


def _fingerprint(path: Path) -> tuple[bytes, int, list[str]]:
    siblings = sorted(p.name for p in path.parent.iterdir() if p.name.startswith(path.name))
    return path.read_bytes(), path.stat().st_mtime_ns, siblings


@pytest.fixture
def bad_files(tmp_path: Path) -> dict[str, Path]:
    files = _bad_files(tmp_path)
    old = time.time() - 3600  # an mtime any write would move
    for path in files.values():
        os.utime(path, (old, old))
    return files


def test_what_is_names_each_kind(tmp_path: Path, bad_files: dict[str, Path]) -> None:
    archive_path = tmp_path / "archive.db"
    Archive(archive_path).close()
    assert guard.what_is(archive_path)[0] == "archive"
    assert guard.what_is(tmp_path / "none.db")[0] == "missing"
    assert guard.what_is(bad_files["empty"])[0] == "empty"
    assert guard.what_is(bad_files["tableless"])[0] == "empty"
    assert guard.what_is(bad_files["foreign"])[0] == "foreign"
    assert guard.what_is(bad_files["text"]) == ("foreign", "not a SQLite database")
    assert guard.what_is(tmp_path)[0] == "foreign"
    fake = tmp_path / "fake.db"  # SQLite's header, then someone's text
    fake.write_bytes(b"SQLite format 3\x00" + b"not really a database\n" * 300)
    assert guard.what_is(fake)[0] == "foreign"


def test_a_file_this_user_may_not_read_is_refused_with_the_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive_path = tmp_path / "archive.db"
    Archive(archive_path).close()
    monkeypatch.setattr(guard.os, "access", lambda path, mode: False)  # root reads anything
    assert guard.what_is(archive_path) == ("foreign", "a file this user may not read")


@pytest.mark.parametrize("command", WRITING_COMMANDS, ids=lambda c: c[0])
@pytest.mark.parametrize("kind", ["foreign", "tableless", "empty", "text"])
def test_writing_commands_refuse_and_change_nothing(
    bad_files: dict[str, Path], command: list[str], kind: str
) -> None:
    path = bad_files[kind]
    before = _fingerprint(path)
    result = CliRunner().invoke(main, [*command, "--db", str(path)])
    assert result.exit_code == 1, result.output
    message = result.output.strip()
    assert "not a tinlanhdao archive" in message and "refusing" in message
    assert len(message.splitlines()) == 1 and "Traceback" not in message
    assert _fingerprint(path) == before


def test_a_foreign_database_is_not_an_archive_without_articles(bad_files: dict[str, Path]) -> None:
    for command in (["stats"], ["search", "dieu phoi"], ["export-wacz", "x.wacz"]):
        before = _fingerprint(bad_files["foreign"])
        result = CliRunner().invoke(main, [*command, "--db", str(bad_files["foreign"])])
        assert result.exit_code == 1
        assert "not a tinlanhdao archive" in result.output
        assert "holds no articles" not in result.output
        assert _fingerprint(bad_files["foreign"]) == before


def test_migrate_and_reindex_still_work_on_an_archive(tmp_path: Path) -> None:
    path = tmp_path / "archive.db"
    Archive(path).close()
    assert CliRunner().invoke(main, ["migrate", "--db", str(path)]).exit_code == 0
    result = CliRunner().invoke(main, ["reindex", "--db", str(path)])
    assert result.exit_code == 0 and "Re-indexed 0 articles" in result.output


def test_export_wacz_does_not_make_missing_folders(tmp_path: Path) -> None:
    path = tmp_path / "archive.db"
    Archive(path).close()
    target = tmp_path / "nonexistent" / "deeper" / "x.wacz"
    result = CliRunner().invoke(main, ["export-wacz", str(target), "--db", str(path)])
    assert result.exit_code == 1
    assert "does not exist" in result.output
    assert not (tmp_path / "nonexistent").exists()


def test_export_wacz_does_not_replace_a_file_it_did_not_write(tmp_path: Path) -> None:
    path = tmp_path / "archive.db"
    Archive(path).close()
    target = tmp_path / "thesis.wacz"
    target.write_bytes(b"PK\x03\x04 not ours")
    before = _fingerprint(target)
    result = CliRunner().invoke(main, ["export-wacz", str(target), "--db", str(path)])
    assert result.exit_code == 1 and "not a WACZ tinlanhdao wrote" in result.output
    assert _fingerprint(target) == before


def test_crawl_target_check_accepts_new_and_refuses_foreign(
    tmp_path: Path, bad_files: dict[str, Path]
) -> None:
    assert guard.require_archive_or_new(tmp_path / "new.db")
    assert guard.require_archive_or_new(bad_files["empty"])
    assert guard.require_archive_or_new(bad_files["tableless"])
    for kind in ("foreign", "text"):
        with pytest.raises(guard.NotOurs, match="not a tinlanhdao archive"):
            guard.require_archive_or_new(bad_files[kind])


def test_release_folder_must_be_new_or_empty(tmp_path: Path) -> None:
    assert guard.require_empty_folder(tmp_path / "new")
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").touch()
    with pytest.raises(guard.NotOurs, match="not empty"):
        guard.require_empty_folder(tmp_path / "full")
    with pytest.raises(guard.NotOurs, match="does not exist"):
        guard.require_empty_folder(tmp_path / "missing" / "release")


def test_the_crawl_refuses_a_database_that_is_not_an_archive(sample_portal,
                                                             bad_files: dict[str, Path]) -> None:
    from support.crawls import run_crawl

    path = bad_files["foreign"]
    before = _fingerprint(path)
    result = run_crawl(sample_portal, path)
    assert result.returncode != 0
    assert "not a tinlanhdao archive" in result.stderr
    assert _fingerprint(path) == before
