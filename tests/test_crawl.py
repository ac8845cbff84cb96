"""A full crawl of the sample portal over real HTTP, run the way an operator runs it."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlparse

import pytest
from support.crawls import SITE_DIR, run_crawl

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
    assert "'tinlanhdao/not_article/no_title': 1" in log
    assert len([i for i in items if "title" in i]) == len(manifest_paths())
