"""Shared test fixtures: the sample portal over real HTTP, and the extraction fixtures."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SITE_DIR = ROOT / "sample_portal" / "site"
FIXTURE_BASE = "http://sample.portal"  # the base URL of the sample fixtures' "url"
SCRAPY = str(Path(sys.executable).parent / "scrapy")
# Politeness off for the local sample portal only.
LOCAL_SETTINGS = ("-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False",
                  "-s", "RETRY_BACKOFF_BASE=0")


def crawl_command(portal, *extra: str, local: bool = True) -> list[str]:
    """The operator's command, pointed at ``portal``'s section."""
    return [SCRAPY, "crawl", "tinlanhdao", "-a",
            f"start_url={portal.base_url}/hoat-dong-lanh-dao-thanh-pho",
            *(LOCAL_SETTINGS if local else ()), *extra]


def run_crawl(portal, archive: Path, *extra: str, timeout: int = 300,
              local: bool = True) -> subprocess.CompletedProcess:
    """Run `scrapy crawl tinlanhdao` against ``portal`` into ``archive``; return the process."""
    env = dict(os.environ, TINLANHDAO_ARCHIVE=str(archive))
    return subprocess.run(crawl_command(portal, *extra, local=local), cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


def load_truths() -> list[tuple[str, dict, Path]]:
    """(name, expected fields plus "path" and "charset", stored page) for every article fixture
    of tests/fixtures/pages (see tests/support/fixture_pages.py, which the tests use directly)."""
    from support.fixture_pages import load_fixtures

    cases = []
    for fixture in load_fixtures():
        if "not_an_article" in fixture.expected or fixture.page_path.name.endswith(".gz"):
            continue
        truth = dict(fixture.expected, charset=fixture.meta["charset"],
                     path=fixture.meta["url"].removeprefix(FIXTURE_BASE))
        cases.append((fixture.name, truth, fixture.page_path))
    return cases


@pytest.fixture(scope="session")
def sample_portal():
    """The bundled sample portal, served on 127.0.0.1 for the whole session."""
    from sample_portal.server import SamplePortal

    with SamplePortal() as portal:
        yield portal
