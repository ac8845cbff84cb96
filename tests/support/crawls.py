"""The repository's paths and the operator's command, `scrapy crawl tinlanhdao`, run against a
portal served on 127.0.0.1."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SITE_DIR = ROOT / "sample_portal" / "site"
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
