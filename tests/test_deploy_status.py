"""`tinlanhdao status`: a monitor's health check (exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN).

The runs are recorded through the archive's own run API (archive.runs), as a crawl
records them; their times are then moved back by SQL on these test archives to make them old.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive import Archive, runs
from archive.cli import main
from archive.health import check


def _iso(hours_ago: float) -> str:
    when = datetime.now(timezone.utc) - timedelta(hours=hours_ago)
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def _run(path: Path, exit_status: int | None, hours_ago: float, problems=(),
         status: str = "finished") -> int:
    with Archive(path) as archive:
        run_id = runs.start_run(archive.db, "tinlanhdao", mode="incremental", start_url="http://x/")
        if status != "running":
            runs.finish_run(archive.db, run_id, status=status, exit_status=exit_status,
                               problems=list(problems), counts={"new": 1})  # fmt: skip
        archive.db.execute("UPDATE crawl_runs SET started_at = ?, finished_at = "
                           "CASE WHEN finished_at IS NULL THEN NULL ELSE ? END WHERE id = ?",
                           [_iso(hours_ago + 0.1), _iso(hours_ago), run_id])  # fmt: skip
        archive.db.conn.commit()
    return run_id


def _status(path: Path, *extra: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["status", "--db", str(path), *extra])
    return result.exit_code, result.output


@pytest.fixture
def archive_path(tmp_path: Path) -> Path:
    path = tmp_path / "tinlanhdao.db"
    Archive(path).close()
    return path


def test_a_recent_success_is_ok_in_a_few_lines(archive_path: Path) -> None:
    _run(archive_path, 0, hours_ago=2)
    code, output = _status(archive_path)
    assert code == 0
    lines = output.splitlines()
    assert lines[0].startswith("OK: ") and "last success 2.0 h ago (run #1)" in lines[0]
    assert lines[-1] == "problems: none"
    assert len(lines) <= 5


def test_no_run_at_all_is_critical(archive_path: Path) -> None:
    code, output = _status(archive_path)
    assert code == 2 and output.startswith("CRITICAL: ")
    assert "no successful crawl run recorded" in output


def test_a_failed_last_run_is_a_warning_naming_its_problems(archive_path: Path) -> None:
    _run(archive_path, 0, hours_ago=25)
    _run(archive_path, 4, hours_ago=1, problems=["layout_drift"])
    code, output = _status(archive_path)
    assert code == 1 and output.startswith("WARNING: ")
    assert "last success 25.0 h ago (run #1)" in output
    assert "last run #2 failed: exit 4 (layout_drift)" in output
    assert "last run: #2 incremental" in output


@pytest.mark.parametrize(("hours", "code"), [(20, 0), (30, 1), (60, 2)])
def test_the_age_of_the_last_success_sets_the_state(archive_path: Path, hours: float,
                                                    code: int) -> None:
    _run(archive_path, 0, hours_ago=hours)
    assert _status(archive_path)[0] == code
    assert _status(archive_path, "--warn-hours", "100", "--critical-hours", "200")[0] == 0


def test_only_failures_since_forever_is_critical(archive_path: Path) -> None:
    _run(archive_path, 6, hours_ago=1, problems=["portal_unreachable"])
    code, output = _status(archive_path)
    assert code == 2
    assert "portal_unreachable" in output


def test_a_run_that_hangs_or_was_killed_is_a_warning(archive_path: Path) -> None:
    _run(archive_path, 0, hours_ago=3)
    _run(archive_path, None, hours_ago=8, status="running")
    code, output = _status(archive_path)
    assert code == 1 and "running for 8.1 h" in output
    with Archive(archive_path) as archive:  # what the next crawl does to a run that died
        assert runs.close_abandoned_runs(archive.db) == 1
    code, output = _status(archive_path)
    assert code == 1 and "last run #2 failed: exit ? (killed" in output


def test_json_gives_the_figures(archive_path: Path) -> None:
    _run(archive_path, 0, hours_ago=5)
    _run(archive_path, 3, hours_ago=1, problems=["failures_over_threshold"])
    code, output = _status(archive_path, "--json")
    health = json.loads(output)
    assert code == 1 and health["state"] == "WARNING" and health["exit_status"] == 1
    assert health["last_success_id"] == 1 and health["last_success_hours_ago"] == 5.0
    assert health["last_run_id"] == 2 and health["last_run_exit_status"] == 3


def test_unknown_for_what_is_not_an_archive_and_nothing_is_written(tmp_path: Path,
                                                                   archive_path: Path) -> None:
    assert _status(tmp_path / "none.db")[0] == 3
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE t (x)")
    before = other.read_bytes(), other.stat().st_mtime_ns
    code, output = _status(other)
    assert code == 3 and "not a tinlanhdao archive" in output
    assert (other.read_bytes(), other.stat().st_mtime_ns) == before
    _run(archive_path, 0, hours_ago=1)
    before = archive_path.read_bytes(), archive_path.stat().st_mtime_ns
    assert check(archive_path).state == 0
    assert (archive_path.read_bytes(), archive_path.stat().st_mtime_ns) == before
