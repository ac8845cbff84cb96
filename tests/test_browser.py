"""The archive in a real browser: ``tinlanhdao serve`` as a user starts it, headless Chromium
(Debian's package) driven by Playwright types "nong thon moi" into the articles search box and
sees the seed article.

Needs ``pip install playwright`` (its wheel ships the driver; no ``playwright install``) and
``apt-get install -y chromium``; skipped with the reason if either is missing.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from support.articles import build_archive, da_nang_article, other_article, seed_article

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]

playwright_api = pytest.importorskip(
    "playwright.sync_api", reason="Playwright is not installed: pip install playwright"
)
pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Chromium is not installed: apt-get install -y chromium"
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def tinlanhdao_command() -> list[str]:
    script = Path(sys.executable).with_name("tinlanhdao")
    if script.exists():
        return [str(script)]
    found = shutil.which("tinlanhdao")
    return [found] if found else [sys.executable, "-m", "archive.cli"]


@pytest.fixture
def served_archive(tmp_path: Path):
    """`tinlanhdao serve` on an archive holding the seed article; yields the base URL."""
    db_path = build_archive(
        tmp_path / "tinlanhdao.db", [seed_article(), da_nang_article(), other_article(1)]
    )
    port = free_port()
    server = subprocess.Popen(
        [*tinlanhdao_command(), "serve", "--db", str(db_path), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=os.environ | {"PYTHONUNBUFFERED": "1"},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{base}/-/versions.json", timeout=2):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    output = server.stdout.read() if server.stdout else ""
                    pytest.fail(f"tinlanhdao serve did not start:\n{output}")
                time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()


def test_search_box_finds_the_seed_article(served_archive: str) -> None:
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(f"{served_archive}/tinlanhdao/articles")
            assert page.locator("#_search").is_visible()
            page.fill("#_search", "nong thon moi")
            with page.expect_navigation():
                page.press("#_search", "Enter")
            assert "_search=nong+thon+moi" in page.url
            results = page.locator("table.rows-and-columns").inner_text()
            assert seed_article().title in results
            assert da_nang_article().title not in results
            assert "1 row" in page.content()
        finally:
            browser.close()
