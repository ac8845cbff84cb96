"""A full crawl of the sample portal over real HTTP, run the way an operator runs it."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

import pytest
from support.crawls import ROOT, SITE_DIR, run_crawl

from crawler.runhealth import EXIT_CODES
from sample_portal.server import SamplePortal


def crawl(portal: SamplePortal, tmp_path: Path, *extra: str) -> tuple[list[dict], str]:
    """Run `scrapy crawl tinlanhdao` against ``portal``; return the items and the log."""
    feed = tmp_path / "items.jsonl"
    result = run_crawl(portal, tmp_path / "archive.db", "-O", str(feed), *extra)
    assert result.returncode == 0, result.stderr[-3000:]
    items = [json.loads(line) for line in feed.read_text("utf-8").splitlines() if line]
    return items, result.stderr


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("crawl")
    with SamplePortal() as portal:
        items, log = crawl(portal, tmp_path)
        yield portal, items, log, tmp_path


def manifest_paths() -> set[str]:
    manifest = json.loads((SITE_DIR / "manifest.json").read_text("utf-8"))
    return {entry["path"] for entry in manifest}


def test_crawl_yields_exactly_the_sample_articles(crawled):
    portal, items, _, _ = crawled
    articles = [i for i in items if "title" in i]
    paths = [urlparse(a["url"]).path for a in articles]
    assert sorted(paths) == sorted(manifest_paths())
    assert len(paths) == len(set(paths)), "an article was yielded twice"


def test_crawl_fetches_each_article_once_and_stays_in_the_section(crawled):
    portal, _, _, _ = crawled
    requested = [urlparse(p).path for p in portal.requests]
    for path in manifest_paths():
        assert requested.count(path) == 1, path
    allowed = manifest_paths() | {"/robots.txt", "/hoat-dong-lanh-dao-thanh-pho"}
    assert set(requested) <= allowed, set(requested) - allowed
    assert not any(p.startswith(("/tin-tuc-su-kien", "/thong-bao", "/tim-kiem")) for p in requested)


def test_crawl_follows_pagination_to_the_end(crawled):
    portal, _, _, _ = crawled
    pages = {p for p in portal.requests if p.startswith("/hoat-dong-lanh-dao-thanh-pho?")}
    per_page = 10
    last = -(-len(manifest_paths()) // per_page)
    assert {f"/hoat-dong-lanh-dao-thanh-pho?page={n}" for n in range(2, last + 1)} <= pages


def test_crawl_items_carry_every_field(crawled):
    _, items, _, _ = crawled
    fields = {"url", "portal_id", "section", "title", "published", "author", "lead", "body",
              "body_html", "images", "attachments", "language", "word_count", "content_hash",
              "fetched_at", "layout"}
    for item in (i for i in items if "title" in i):
        assert fields <= set(item), item["url"]
        assert item["fetched_at"].endswith("Z")
        assert item["layout"]


def test_robots_txt_is_fetched_first(crawled):
    portal, _, _, _ = crawled
    assert portal.requests[0] == "/robots.txt"


def test_a_page_that_is_not_an_article_is_counted_and_the_crawl_goes_on(tmp_path):
    overlay = tmp_path / "overlay"
    (overlay / "articles").mkdir(parents=True)
    (overlay / "articles" / "bao-tri.html").write_text(
        "<html><head><title>Bảo trì</title></head><body><div class='ArticleDetail'>"
        "<div class='ArticleContent'></div></div></body></html>", "utf-8")
    (overlay / "manifest.json").write_text(json.dumps([{
        "name": "bao-tri", "path": "/hoat-dong-lanh-dao-thanh-pho/trang-bao-tri",
        "title": "Trang bảo trì", "date": "01/07/2025", "summary": "", "file":
        "articles/bao-tri.html", "charset": "utf-8", "generation": "current"}]), "utf-8")
    with SamplePortal(overlay_dir=overlay) as portal:
        items, log = crawl(portal, tmp_path)
    failures = [i for i in items if "reason" in i]
    assert [(urlparse(f["url"]).path, f["reason"]) for f in failures] == [
        ("/hoat-dong-lanh-dao-thanh-pho/trang-bao-tri", "not_article:no_title")
    ]
    (counts,) = sqlite3.connect(tmp_path / "archive.db").execute(
        "select counts from crawl_runs").fetchone()
    assert json.loads(counts)["tinlanhdao/not_article/no_title"] == 1
    assert "  articles: 28 new, 0 changed, 0 unchanged, 1 failed, 0 removed" in log.splitlines()
    assert len([i for i in items if "title" in i]) == len(manifest_paths())


BUGGY_EXTRACTION = """
import sys
from scrapy.crawler import CrawlerProcess
from scrapy.utils.project import get_project_settings
from crawler.spiders import tinlanhdao

real_extract_page = tinlanhdao.extract_page

def extract_page(body, url, **named):  # a bug in one page's extraction, written by this test
    if url.endswith(sys.argv[2]):
        raise TypeError("unsupported operand type(s) for +: 'NoneType' and 'str'")
    return real_extract_page(body, url, **named)

tinlanhdao.extract_page = extract_page
settings = get_project_settings()
settings.setdict({"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "ARCHIVE_PATH": sys.argv[3]})
process = CrawlerProcess(settings)
crawler = process.create_crawler("tinlanhdao")
process.crawl(crawler, start_url=sys.argv[1])
process.start()
sys.exit(crawler.stats.get_value("tinlanhdao/exit_status"))
"""


def test_an_extraction_bug_is_logged_counted_and_fails_the_run(tmp_path):
    manifest = json.loads((SITE_DIR / "manifest.json").read_text("utf-8"))
    buggy = manifest[3]["path"]
    archive = tmp_path / "archive.db"
    env = dict(os.environ, PYTHONPATH=str(ROOT), SCRAPY_SETTINGS_MODULE="crawler.settings")
    with SamplePortal() as portal:
        done = subprocess.run([sys.executable, "-c", BUGGY_EXTRACTION, portal.section_url, buggy,
                               str(archive)], cwd=tmp_path, env=env, capture_output=True,
                              text=True, timeout=300)  # fmt: skip
    assert done.returncode == EXIT_CODES["extraction_error"], done.stderr[-3000:]
    assert "TypeError: unsupported operand" in done.stderr  # with its traceback
    assert "Traceback" in done.stderr
    assert "problem: extraction_error: 1 page(s)" in done.stderr
    rows = sqlite3.connect(archive).execute("select url, reason, detail from failures").fetchall()
    assert [(urlparse(url).path, reason) for url, reason, _ in rows] == [(buggy,
                                                                          "extraction_error")]
    assert rows[0][2].startswith("TypeError: unsupported operand")
    (articles,) = sqlite3.connect(archive).execute("select count(*) from articles").fetchone()
    assert articles == len(manifest) - 1  # the crawl went on
