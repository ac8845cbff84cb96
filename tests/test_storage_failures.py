"""Storage that fails under the crawl: a full disk, a read-only file system, a database locked
past its timeout (issue 16).

The first two run `scrapy crawl tinlanhdao` against the sample portal with the archive on a
small tmpfs, mounted in a user and mount namespace of its own (``unshare -r -m``, no root
needed), so the disk is really full (ENOSPC, SQLITE_FULL) or really read-only (EROFS). The steps
run inside the namespace (the mount is gone once it ends) and report back as JSON; they are
skipped where the machine allows no user namespaces. The third holds the archive's write lock
from another connection while a crawl runs.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time

import pytest
from support.crawls import LOCAL_SETTINGS, ROOT, SCRAPY, crawl_command

from crawler.runhealth import EXIT_CODES
from sample_portal.server import SamplePortal

# Runs inside the namespace: argv = folder, section URL, then steps ("mount:1m",
# "remount:ro", "crawl", "state"); prints one JSON list of the crawls' and states' results.
STEPS = """
import json, os, sqlite3, subprocess, sys
folder, section_url, scrapy, root, settings, *steps = sys.argv[1:]
results = []
for step in steps:
    kind, _, value = step.partition(":")
    if kind == "mount":
        subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={value}", "tmpfs", folder], check=True)
    elif kind == "remount":
        subprocess.run(["mount", "-o", f"remount,{value}", folder], check=True)
    elif kind == "crawl":
        env = dict(os.environ, TINLANHDAO_ARCHIVE=f"{folder}/archive.db")
        done = subprocess.run([scrapy, "crawl", "tinlanhdao", "-a", f"start_url={section_url}",
                               *json.loads(settings)], cwd=root, env=env, capture_output=True,
                              text=True, timeout=600)
        results.append({"exit": done.returncode, "log": done.stderr})
    elif kind == "state":
        db = sqlite3.connect(f"file:{folder}/archive.db?mode=ro", uri=True)
        one = lambda sql: db.execute(sql).fetchone()[0]
        results.append({
            "integrity": one("pragma integrity_check"),
            "articles": one("select count(*) from articles"),
            "without_capture": one("select count(*) from articles where capture_id is null"),
            "runs": db.execute("select status from crawl_runs order by id").fetchall()})
        db.close()
print(json.dumps(results))
"""


def namespaces_allowed() -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(["unshare", "-r", "-m", "true"], capture_output=True)
    return probe.returncode == 0


needs_namespaces = pytest.mark.skipif(not namespaces_allowed(),
                                      reason="no user namespaces here (unshare -r -m)")


def run_steps(tmp_path, *steps: str) -> list[dict]:
    folder = tmp_path / "mnt"
    folder.mkdir()
    with SamplePortal() as portal:
        done = subprocess.run(
            ["unshare", "-r", "-m", sys.executable, "-c", STEPS, str(folder), portal.section_url,
             SCRAPY, str(ROOT), json.dumps(LOCAL_SETTINGS), *steps],
            capture_output=True, text=True, timeout=1200)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


@needs_namespaces
def test_a_full_disk_ends_the_run_in_one_line_and_the_next_run_completes(tmp_path):
    # 1 MB: SQLite hits the full disk after a few articles. At 600k, since m003_researchers'
    # indexes made each stored article bigger, the WARC file was the first write refused.
    full, state, again, after = run_steps(tmp_path, "mount:1m", "crawl", "state",
                                          "remount:size=50m", "crawl", "state")  # fmt: skip
    assert full["exit"] == EXIT_CODES["storage_failed"], full["log"][-3000:]
    assert "Traceback" not in full["log"]
    archive = tmp_path / "mnt" / "archive.db"
    assert f"Cannot write {archive}: database or disk is full" in full["log"]
    assert "problem: storage_failed" in full["log"].splitlines()[-1]
    # Nothing half-written: the archive is sound and every stored article has its capture.
    assert state["integrity"] == "ok" and state["without_capture"] == 0
    assert 0 < state["articles"] < 28
    assert again["exit"] == 0, again["log"][-3000:]
    assert after["integrity"] == "ok" and after["articles"] == 28
    assert after["without_capture"] == 0


@needs_namespaces
def test_a_read_only_archive_ends_the_run_in_one_line_and_changes_nothing(tmp_path):
    first, before, read_only, after = run_steps(tmp_path, "mount:50m", "crawl", "state",
                                                "remount:ro", "crawl", "state")  # fmt: skip
    assert first["exit"] == 0, first["log"][-3000:]
    assert read_only["exit"] == EXIT_CODES["storage_failed"], read_only["log"][-3000:]
    assert "Traceback" not in read_only["log"]
    assert "Cannot write" in read_only["log"] and "Read-only file system" in read_only["log"]
    assert after == before


def test_a_database_locked_past_its_timeout_ends_the_run_in_one_line(tmp_path):
    """Another program holds the archive's write lock longer than the busy timeout (10 s)."""
    archive = tmp_path / "archive.db"
    env = dict(os.environ, TINLANHDAO_ARCHIVE=str(archive))
    with SamplePortal() as portal:
        crawl = subprocess.Popen(crawl_command(portal, "-s", "DOWNLOAD_DELAY=0.2", local=False),
                                 cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.PIPE, text=True)  # fmt: skip
        holder = None
        try:
            while holder is None and crawl.poll() is None:  # until the run has started
                try:
                    holder = sqlite3.connect(archive, timeout=60)
                    if not holder.execute("select count(*) from crawl_runs").fetchone()[0]:
                        holder.close()
                        holder = None
                except sqlite3.OperationalError:  # the schema is being created
                    holder = None
                time.sleep(0.05)
            assert holder is not None, "the crawl ended before its run started"
            holder.execute("BEGIN IMMEDIATE")  # held until the crawl has ended
            log = crawl.communicate(timeout=300)[1]
        finally:
            if holder is not None:
                holder.rollback()
                holder.close()
            if crawl.poll() is None:
                crawl.kill()
    assert crawl.returncode == EXIT_CODES["storage_failed"], log[-3000:]
    assert f"Cannot write {archive}: database is locked" in log
    assert "Traceback" not in log
    with sqlite3.connect(archive) as db:
        assert db.execute("pragma integrity_check").fetchone() == ("ok",)
        assert db.execute("select count(*) from articles where capture_id is null").fetchone() \
            == (0,)
