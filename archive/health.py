"""The archive's health for a monitor: how old the last successful crawl is, how the last run
ended, and what went wrong, judged into the four states monitoring checks use.

``check(path)`` reads ``crawl_runs`` through a read-only connection (it never writes, and
needs no migration) and returns a ``Health``:

=======  ====  ===============================================================================
state    exit  when
=======  ====  ===============================================================================
OK       0     the last successful run is recent enough and the last run succeeded
WARNING  1     the last run failed (exit 3-7), a run was killed, or one has been running for
               too long, or the last success is older than ``warn_hours``
CRITICAL 2     no successful run at all, or the last one is older than ``critical_hours``
UNKNOWN  3     no archive there, not a tinlanhdao archive, or it cannot be read
=======  ====  ===============================================================================

These are the exit statuses of Nagios-style plugins (Icinga, Naemon, Zabbix, Sensu, ...). A
run that ended with 75 (another run held the lock) recorded no row and changes nothing.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from archive import guard

OK, WARNING, CRITICAL, UNKNOWN = 0, 1, 2, 3
STATE_NAMES = {OK: "OK", WARNING: "WARNING", CRITICAL: "CRITICAL", UNKNOWN: "UNKNOWN"}
WARN_HOURS = 26.0  # a daily run, with room for its random delay and a slow day
CRITICAL_HOURS = 50.0  # two daily runs missed
RUNNING_HOURS = 6.0  # the systemd unit's TimeoutStartSec


@dataclass
class Health:
    """What ``check`` found: the state, one line per fact, and the figures behind them."""

    state: int
    lines: list[str] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return STATE_NAMES[self.state]

    def to_dict(self) -> dict[str, Any]:
        return {"state": self.name, "exit_status": self.state, "lines": self.lines, **self.facts}


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.strptime(value[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc)
    except ValueError:
        return None


def _hours(since: datetime | None, now: datetime) -> float | None:
    return None if since is None else round((now - since).total_seconds() / 3600, 1)


def _succeeded(run: dict[str, Any]) -> bool:
    """Exit 0, or (runs recorded before exit statuses were) finished without a status."""
    if run.get("exit_status") is not None:
        return run["exit_status"] == 0
    return run.get("status") == "finished"


def _problems(run: dict[str, Any]) -> list[str]:
    try:
        problems = json.loads(run.get("problems") or "[]")
    except ValueError:
        return [str(run["problems"])]
    return [str(p) for p in problems] if isinstance(problems, list) else [str(problems)]


def _describe(run: dict[str, Any], now: datetime) -> str:
    ended = run.get("finished_at") or run.get("started_at")
    age = _hours(_parse_time(ended), now)
    exit_status = "exit ?" if run.get("exit_status") is None else f"exit {run['exit_status']}"
    return (f"#{run['id']} {run.get('mode') or run.get('spider') or ''} ended {ended} "
            f"({age} h ago), {run.get('status')}, {exit_status}").replace("  ", " ")  # fmt: skip


def read_runs(path: Path, limit: int = 50) -> list[dict[str, Any]]:
    """The newest ``limit`` crawl runs, newest first, read without writing anything."""
    connection = guard.read_only_connection(path)
    try:
        rows = connection.execute("SELECT * FROM crawl_runs ORDER BY id DESC LIMIT ?", [limit])
        return [dict(row) for row in rows]
    finally:
        connection.close()


def check(
    path: str | Path,
    now: datetime | None = None,
    warn_hours: float = WARN_HOURS,
    critical_hours: float = CRITICAL_HOURS,
    running_hours: float = RUNNING_HOURS,
) -> Health:
    """Judge the archive at ``path`` (see the module docstring)."""
    path = Path(path)
    now = now or datetime.now(timezone.utc)
    kind, why = guard.what_is(path)
    if kind == "missing":
        return Health(UNKNOWN, [f"UNKNOWN: no archive at {path}"])
    if kind != "archive":
        return Health(UNKNOWN, [f"UNKNOWN: {path} is {why}, not a tinlanhdao archive"])
    try:
        runs = read_runs(path)
    except sqlite3.Error as error:
        return Health(UNKNOWN, [f"UNKNOWN: cannot read {path}: {error}"])
    finished = [r for r in runs if r.get("status") != "running"]
    success = next((r for r in finished if _succeeded(r)), None)
    last = finished[0] if finished else None
    success_age = _hours(_parse_time(success and (success.get("finished_at")
                                                  or success.get("started_at"))), now)  # fmt: skip
    facts: dict[str, Any] = {
        "archive": str(path),
        "last_success_id": success and success["id"],
        "last_success_hours_ago": success_age,
        "last_run_id": last and last["id"],
        "last_run_exit_status": last and last.get("exit_status"),
        "problems": [],
    }
    state, problems = OK, []
    if success is None:
        state = CRITICAL
        problems.append("no successful crawl run recorded")
    elif success_age is not None and success_age > critical_hours:
        state = CRITICAL
        problems.append(f"last success {success_age} h ago (critical past {critical_hours:g} h)")
    elif success_age is not None and success_age > warn_hours:
        state = WARNING
        problems.append(f"last success {success_age} h ago (warning past {warn_hours:g} h)")
    if last is not None and not _succeeded(last):
        state = max(state, WARNING)
        named = ", ".join(_problems(last)) or last.get("finish_reason") or last.get("status")
        code = "?" if last.get("exit_status") is None else last["exit_status"]
        problems.append(f"last run #{last['id']} failed: exit {code} ({named})")
    for run in runs:
        if run.get("status") == "running":
            age = _hours(_parse_time(run.get("started_at")), now)
            if age is not None and age > running_hours:
                state = max(state, WARNING)
                problems.append(f"run #{run['id']} running for {age} h")
    facts["problems"] = problems
    summary = (f"last success {success_age} h ago (run #{success['id']})" if success
               else "no successful run")  # fmt: skip
    lines = [f"{STATE_NAMES[state]}: tinlanhdao archive {path}: {summary}"]
    if success is not None:
        lines.append(f"last success: {_describe(success, now)}")
    if last is not None and last is not success:
        lines.append(f"last run: {_describe(last, now)}")
    if problems:
        lines.append("problems: " + "; ".join(problems))
    else:
        lines.append("problems: none")
    return Health(state, lines, facts)
