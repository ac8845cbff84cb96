"""Crawl runs: the ``crawl_runs`` rows a crawl starts and finishes, and what they tell later runs.

A run starts as 'running' (``start_run``) and is finished with its counts and verdict
(``finish_run``); one that died unfinished is marked 'killed' by the next run
(``close_abandoned_runs``). ``walk_completed`` tells incremental runs whether a finished run has
walked the listing to its end.
"""

from __future__ import annotations

import json
from typing import Any

import sqlite_utils

from archive.schema import utc_now
from archive.storing import or_null  # the NULL rule: absent text is NULL, never ''
from archive.transactions import write_transaction

# crawl_runs count columns and the keys of finish_run's counts dict that fill them (the first
# key present wins).
_RUN_COUNT_COLUMNS = {
    "articles_new": ("new",),
    "articles_changed": ("changed",),
    "articles_unchanged": ("unchanged",),
    "articles_failed": ("failed", "failures"),
    "failures": ("failed", "failures"),
    "articles_removed": ("removed",),
    "listing_pages": ("tinlanhdao/listing_pages", "listing_pages"),
    "requests": ("downloader/request_count", "requests"),
    "response_bytes": ("downloader/response_bytes", "response_bytes"),
    "reached_end": ("tinlanhdao/reached_end", "reached_end"),
}


def as_json(value: Any) -> str:
    """``value`` as the JSON the archive stores: sorted keys, text as is."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def close_abandoned_runs(db: sqlite_utils.Database) -> int:
    """Mark runs still 'running' as 'killed' (they died without finishing: kill -9, power loss);
    return how many. Call it only while holding the run lock, when no other run can be going."""
    with write_transaction(db):
        cursor = db.execute(
            "UPDATE crawl_runs SET status = 'killed', finish_reason = ? WHERE status = 'running'",
            ["killed: still running when a later run started"],
        )
        return cursor.rowcount


def start_run(db: sqlite_utils.Database, spider: str, mode: str = "", start_url: str = "") -> int:
    """Record the start of a crawl (a 'running' row); return its run id."""
    with write_transaction(db):
        cursor = db.execute(
            "INSERT INTO crawl_runs (spider, mode, start_url, started_at, status) "
            "VALUES (?, ?, ?, ?, 'running')",
            [spider, or_null(mode), or_null(start_url), utc_now()],
        )
        return int(cursor.lastrowid)


def finish_run(
    db: sqlite_utils.Database,
    run_id: int,
    status: str = "finished",
    finish_reason: str = "",
    counts: dict[str, Any] | None = None,
    exit_status: int | None = None,
    problems: list[str] | None = None,
    layouts: dict[str, int] | None = None,
) -> None:
    """Record the end of run ``run_id``: its status, finish reason, counts and verdict.

    ``counts`` may hold new/changed/unchanged/failed/removed and crawler stats such as
    ``downloader/request_count``, ``tinlanhdao/listing_pages`` or ``tinlanhdao/reached_end``;
    known keys fill their columns, all go to ``counts`` (JSON). ``exit_status`` and
    ``problems`` are the run's verdict; ``layouts`` maps layout names to articles extracted
    (its ``fallback`` entry fills ``fallback_used``).
    """
    counts = counts or {}
    updates: dict[str, Any] = {
        "finished_at": utc_now(),
        "status": status,
        "finish_reason": or_null(finish_reason),
        "counts": as_json(counts),
        "exit_status": exit_status,
        "problems": as_json(list(problems or [])),
    }
    for column, keys in _RUN_COUNT_COLUMNS.items():
        value = next((counts[k] for k in keys if counts.get(k) is not None), None)
        if value is not None:
            updates[column] = int(value)
    if layouts is not None:
        updates["layouts"] = as_json({name: int(n) for name, n in layouts.items()})
        updates["fallback_used"] = int(layouts.get("fallback", 0))
    with write_transaction(db):
        db.table("crawl_runs").update(run_id, updates)


def walk_completed(db: sqlite_utils.Database) -> bool:
    """True when an earlier run finished (not interrupted, not failed) after walking the
    listing to its last page. Until then incremental runs walk the whole listing, so an
    interrupted first backfill is completed by the next run."""
    row = db.execute(
        "SELECT 1 FROM crawl_runs WHERE reached_end = 1 AND status = 'finished' "
        "AND finished_at IS NOT NULL LIMIT 1"
    ).fetchone()
    return row is not None
