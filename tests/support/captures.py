"""Shared helpers for the capture, reprocess and WACZ tests: crawls of the sample portal with WARC
capture on, built once per test session and copied for each test that changes them.
"""

from __future__ import annotations

import atexit
import json
import shutil
import sqlite3
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from crawler import settings as project_settings
from sample_portal.server import SamplePortal
from support.crawls import run_crawl

CAPTURE_MIDDLEWARE = "crawler.middlewares.WarcCaptureMiddleware"


def capture_settings() -> tuple[str, ...]:
    """``-s`` options that switch WARC capture on (none once crawler/settings.py does)."""
    middlewares = dict(project_settings.DOWNLOADER_MIDDLEWARES)
    if CAPTURE_MIDDLEWARE in middlewares:
        return ()
    middlewares[CAPTURE_MIDDLEWARE] = 950
    return ("-s", f"DOWNLOADER_MIDDLEWARES={json.dumps(middlewares)}")


def crawl(portal: SamplePortal, archive: Path, *extra: str) -> str:
    """Crawl ``portal`` into ``archive`` with capture on; return the log (stderr)."""
    result = run_crawl(portal, archive, *capture_settings(), *extra)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stderr


def query(archive: Path, sql: str, *params: object) -> list[sqlite3.Row]:
    connection = sqlite3.connect(archive)
    connection.row_factory = sqlite3.Row
    try:
        return connection.execute(sql, params).fetchall()
    finally:
        connection.close()


@dataclass(frozen=True)
class Crawled:
    """An archive made by three crawls of the unchanged sample portal (server now stopped):
    run 1 the first crawl, run 2 ``-a mode=full`` (every page again), run 3 incremental."""

    folder: Path
    base_url: str
    requests: tuple[tuple[str, ...], ...]  # the portal's request paths, per run

    @property
    def archive(self) -> Path:
        return self.folder / "archive.db"

    def copy(self, target: Path) -> Path:
        """A copy of the archive and its WARC folder in ``target``; returns the archive."""
        shutil.copytree(self.folder, target, dirs_exist_ok=True)
        return target / "archive.db"


@lru_cache(maxsize=1)
def crawled() -> Crawled:
    """The three-run archive, built once per session."""
    folder = Path(tempfile.mkdtemp(prefix="tinlanhdao-captures-"))
    atexit.register(shutil.rmtree, folder, True)
    requests = []
    with SamplePortal() as portal:
        for extra in ((), ("-a", "mode=full"), ()):
            start = len(portal.requests)
            crawl(portal, folder / "archive.db", *extra)
            requests.append(tuple(portal.requests[start:]))
        base_url = portal.base_url
    return Crawled(folder, base_url, tuple(requests))
