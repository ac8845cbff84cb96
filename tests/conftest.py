"""Shared test fixtures: the sample portal over real HTTP, and the extraction fixtures."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXPECTED_DIR = ROOT / "tests" / "fixtures" / "expected"
OTHER_PORTALS_DIR = ROOT / "tests" / "fixtures" / "other_portals"
SITE_DIR = ROOT / "sample_portal" / "site"
FIXTURE_BASE = "http://sample.portal"  # the base URL the truth files use
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
    """(name, truth JSON, stored page) for every sample article and other-portal page."""
    manifest = {e["name"]: e for e in json.loads((SITE_DIR / "manifest.json").read_text("utf-8"))}
    cases = []
    for path in sorted(EXPECTED_DIR.glob("*.json")):
        truth = json.loads(path.read_text("utf-8"))
        entry = manifest.get(path.stem)
        page = SITE_DIR / entry["file"] if entry else None
        truth.setdefault("charset", entry.get("charset") if entry else None)
        cases.append((path.stem, truth, page))
    for path in sorted(OTHER_PORTALS_DIR.glob("*.json")):
        cases.append((path.stem, json.loads(path.read_text("utf-8")), path.with_suffix(".html")))
    return cases


@pytest.fixture(scope="session")
def sample_portal():
    """The bundled sample portal, served on 127.0.0.1 for the whole session."""
    from sample_portal.server import SamplePortal

    with SamplePortal() as portal:
        yield portal
