"""The project runs under a real Scrapyd: deployed with scrapyd-deploy through scrapy.cfg,
scheduled against the sample portal, with the same lock, run record and verdict as cron's runs.

The project's files (crawler/, archive/, sample_portal/, pyproject.toml, scrapy.cfg) are copied
to a temporary folder, because scrapyd-deploy writes a setup.py and build files beside
scrapy.cfg. Scrapyd runs on 127.0.0.1 from its own folder (eggs, logs, queue databases there).
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PROJECT_FILES = ("crawler", "archive", "sample_portal", "pyproject.toml", "scrapy.cfg",
                 "README.md")
LOCAL_SETTINGS = {"DOWNLOAD_DELAY": "0", "AUTOTHROTTLE_ENABLED": "False",
                  "RETRY_BACKOFF_BASE": "0"}  # politeness off for the local sample only


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _api(base: str, endpoint: str, data: list[tuple[str, str]] | None = None) -> dict:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    with urllib.request.urlopen(f"{base}/{endpoint}", data=body, timeout=20) as answer:
        return json.loads(answer.read())


def _wait_finished(base: str, job: str, seconds: float = 180) -> dict:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        jobs = _api(base, "listjobs.json?project=tinlanhdao")
        for entry in jobs["finished"]:
            if entry["id"] == job:
                return entry
        time.sleep(0.5)
    raise AssertionError(f"job {job} did not finish")


def _schedule(base: str, portal_url: str, archive: Path) -> str:
    settings = {**LOCAL_SETTINGS, "ARCHIVE_PATH": str(archive)}
    data = [("project", "tinlanhdao"), ("spider", "tinlanhdao"),
            ("start_url", f"{portal_url}/hoat-dong-lanh-dao-thanh-pho"),
            *(("setting", f"{k}={v}") for k, v in settings.items())]
    answer = _api(base, "schedule.json", data)
    assert answer["status"] == "ok", answer
    return answer["jobid"]


@pytest.mark.slow
def test_scrapyd_deploys_schedules_and_archives(sample_portal, tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    for name in PROJECT_FILES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, project / name,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(source, project / name)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    config = (project / "scrapy.cfg").read_text("utf-8")
    assert "[deploy]" in config and "project = tinlanhdao" in config
    (project / "scrapy.cfg").write_text(
        re.sub(r"url = http://\S+", f"url = {base}/", config), encoding="utf-8")

    server = tmp_path / "scrapyd"
    server.mkdir()
    (server / "scrapyd.conf").write_text(
        "[scrapyd]\nbind_address = 127.0.0.1\n"
        f"http_port = {port}\npoll_interval = 0.5\nmax_proc = 1\n"
        "eggs_dir = eggs\nlogs_dir = logs\ndbs_dir = dbs\nitems_dir =\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "TINLANHDAO_ARCHIVE"}
    log = open(server / "scrapyd.log", "w")  # noqa: SIM115 (closed below)
    scrapyd = subprocess.Popen([str(BIN / "scrapyd")], cwd=server, env=env, stdout=log,
                               stderr=subprocess.STDOUT)
    archive = tmp_path / "data" / "tinlanhdao.db"
    archive.parent.mkdir()
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                assert _api(base, "daemonstatus.json")["status"] == "ok"
                break
            except OSError:
                assert scrapyd.poll() is None and time.monotonic() < deadline, "no Scrapyd"
                time.sleep(0.3)
        deploy = subprocess.run([str(BIN / "scrapyd-deploy")], cwd=project, env=env,
                                capture_output=True, text=True, timeout=180)
        assert deploy.returncode == 0, deploy.stderr[-3000:]
        assert '"status": "ok"' in deploy.stdout
        assert _api(base, "listspiders.json?project=tinlanhdao")["spiders"] == ["tinlanhdao"]

        job = _schedule(base, sample_portal.base_url, archive)
        _wait_finished(base, job)
        with sqlite3.connect(archive) as db:
            articles = db.execute("SELECT count(*) FROM articles").fetchone()[0]
            runs = db.execute("SELECT status, exit_status, problems FROM crawl_runs").fetchall()
        assert articles == 28  # every article of the sample portal's section
        assert runs == [("finished", 0, "[]")]
        job_log = next((server / "logs" / "tinlanhdao" / "tinlanhdao").glob(f"{job}.log"))
        assert "tinlanhdao" in job_log.read_text("utf-8")

        # The same run lock: while another run holds it, a Scrapyd job exits 75 at once,
        # records no run, and Scrapyd's log says so.
        lock = open(f"{archive}.lock", "a")  # noqa: SIM115 (closed below)
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        try:
            locked_job = _schedule(base, sample_portal.base_url, archive)
            _wait_finished(base, locked_job)
        finally:
            lock.close()
        with sqlite3.connect(archive) as db:
            assert db.execute("SELECT count(*) FROM crawl_runs").fetchone()[0] == 1
        time.sleep(0.5)
        server_log = (server / "scrapyd.log").read_text("utf-8")
        assert re.search(rf"Process died: exitstatus=75 .*job='{locked_job}'", server_log)
        assert not re.search(rf"Process died: .*job='{job}'", server_log)
    finally:
        scrapyd.terminate()
        scrapyd.wait(timeout=30)
        log.close()
