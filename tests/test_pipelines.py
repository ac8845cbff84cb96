"""The item pipelines: validation, and storing through the archive during a crawl.

Most tests drive the pipelines by hand with ``scrapy.utils.test.get_crawler``; one runs real
Scrapy crawls (in a subprocess, since the reactor cannot restart) to check that crawling twice
leaves one row per article and that a changed article adds exactly one revision.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import sqlite_utils
from scrapy import Spider
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler
from support.articles import da_nang_article, seed_article

from crawler.items import PageFailure, RemovedArticle
from crawler.pipelines import StorePipeline, ValidatePipeline, is_iso_date, run_status

ROOT = Path(__file__).resolve().parents[1]


class FakeSpider(Spider):
    name = "tinlanhdao"
    start_urls = ["https://www.cantho.gov.vn/hoat-dong-lanh-dao-thanh-pho"]
    mode = "full"


def make_pipeline(db_path: Path) -> tuple[StorePipeline, Spider]:
    # In-process storing: the writer process (crawler/writer.py, tests/test_writer.py) needs a
    # running engine, and every crawl test goes through it.
    settings = {"ARCHIVE_PATH": str(db_path), "ARCHIVE_WRITER_PROCESS": False}
    crawler = get_crawler(FakeSpider, settings)
    crawler.spider = FakeSpider.from_crawler(crawler)
    return StorePipeline.from_crawler(crawler), crawler.spider


def crawl(db_path: Path, items: list, reason: str = "finished") -> StorePipeline:
    pipeline, spider = make_pipeline(db_path)
    pipeline.crawler.stats.set_value("downloader/request_count", len(items) + 1)
    pipeline.open_spider(spider)
    for item in items:
        assert pipeline.process_item(item, spider) is item
    pipeline.close_spider(spider)
    pipeline.spider_closed(spider, reason)
    return pipeline


# --- ValidatePipeline ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "published", ["", "2023-05-19", "2023-05-19T08:15:00+07:00", "2023-05-19T08:15"]
)
def test_valid_articles_pass(published: str) -> None:
    article = seed_article(published=published)
    assert ValidatePipeline().process_item(article) is article


@pytest.mark.parametrize(
    "changes",
    [{"url": ""}, {"title": ""}, {"body": ""}, {"published": "19/05/2023"},
     {"published": "2023-02-30"}, {"published": "hôm qua"}],
)  # fmt: skip
def test_invalid_articles_are_dropped(changes: dict) -> None:
    with pytest.raises(DropItem):
        ValidatePipeline().process_item(seed_article(**changes))


def test_failures_pass_validation() -> None:
    failure = PageFailure(url="https://x/", reason="timeout")
    assert ValidatePipeline().process_item(failure) is failure


def test_removed_articles_pass_validation() -> None:
    removed = RemovedArticle("https://x/gone", 404, "http_404")
    assert ValidatePipeline().process_item(removed) is removed


def test_iso_dates() -> None:
    assert is_iso_date("2023-05-19T08:15:00Z")
    assert not is_iso_date("2023-5-19")


# --- StorePipeline --------------------------------------------------------------------------


def test_archive_path_setting_and_default(tmp_path: Path, monkeypatch) -> None:
    pipeline, _ = make_pipeline(tmp_path / "a.db")
    assert pipeline.archive_path == tmp_path / "a.db"
    monkeypatch.setenv("TINLANHDAO_ARCHIVE", str(tmp_path / "env.db"))
    assert StorePipeline.from_crawler(get_crawler(FakeSpider)).archive_path == Path(
        tmp_path / "env.db"
    )


def test_pipeline_stores_articles_and_failures_and_records_the_run(tmp_path: Path) -> None:
    db_path = tmp_path / "new" / "folder" / "tinlanhdao.db"
    failure = PageFailure("https://x/404", "http_404", 404, "Not Found", "2024-01-01T00:00:00Z")
    pipeline = crawl(db_path, [seed_article(), da_nang_article(), failure])
    assert pipeline.counts == {"new": 2, "changed": 0, "unchanged": 0, "failed": 1, "removed": 0}
    assert pipeline.archive is None  # closed
    db = sqlite_utils.Database(db_path)
    assert db.table("articles").count == 2
    assert list(db.query("select url, reason, http_status, run_id from failures")) == [
        {"url": "https://x/404", "reason": "http_404", "http_status": 404, "run_id": 1}
    ]
    [run] = db.query("select * from crawl_runs")
    assert (run["spider"], run["mode"], run["start_url"]) == ("tinlanhdao", "full",
                                                              FakeSpider.start_urls[0])  # fmt: skip
    assert (run["status"], run["finish_reason"], run["articles_new"], run["failures"]) == (
        "finished", "finished", 2, 1)  # fmt: skip
    assert run["requests"] == 4 and json.loads(run["counts"])["downloader/request_count"] == 4


def test_crawling_twice_changes_only_last_seen(tmp_path: Path) -> None:
    db_path = tmp_path / "tinlanhdao.db"
    crawl(db_path, [seed_article(), da_nang_article()])
    db = sqlite_utils.Database(db_path)
    before = list(db.query("select * from articles order by id"))
    again = [seed_article(fetched_at="2025-01-01T00:00:00Z"),
             da_nang_article(fetched_at="2025-01-01T00:00:00Z")]  # fmt: skip
    second = crawl(db_path, again)
    assert second.counts == {"new": 0, "changed": 0, "unchanged": 2, "failed": 0, "removed": 0}
    after = list(db.query("select * from articles order by id"))
    assert len(after) == 2 and db.table("revisions").count == 2
    for old, new in zip(before, after, strict=True):
        assert new["last_seen"] == "2025-01-01T00:00:00Z"
        assert {k: v for k, v in new.items() if k != "last_seen"} == {
            k: v for k, v in old.items() if k != "last_seen"
        }


def test_changed_article_adds_one_revision(tmp_path: Path) -> None:
    db_path = tmp_path / "tinlanhdao.db"
    crawl(db_path, [seed_article()])
    third = crawl(db_path, [seed_article(title="Tiêu đề đã sửa")], reason="shutdown")
    assert third.counts["changed"] == 1
    db = sqlite_utils.Database(db_path)
    assert db.table("revisions").count == 2
    assert [r["status"] for r in db.query("select status from crawl_runs order by id")] == [
        "finished", "interrupted"]  # fmt: skip


def test_run_records_listing_requests_layouts_reached_end_and_verdict(tmp_path: Path) -> None:
    pipeline, spider = make_pipeline(tmp_path / "a.db")
    stats = pipeline.crawler.stats
    for key, value in {
        "tinlanhdao/listing_pages": 3, "tinlanhdao/reached_end": 1, "tinlanhdao/articles": 4,
        "tinlanhdao/layout/cantho-current": 3, "tinlanhdao/layout/fallback": 1,
        "downloader/request_count": 9, "downloader/response_bytes": 12345,
    }.items():  # fmt: skip
        stats.set_value(key, value)
    pipeline.open_spider(spider)
    pipeline.process_item(seed_article(), spider)
    pipeline.spider_closed(spider, "finished")
    [run] = sqlite_utils.Database(tmp_path / "a.db").query("select * from crawl_runs")
    assert (run["listing_pages"], run["requests"], run["response_bytes"]) == (3, 9, 12345)
    assert (run["reached_end"], run["fallback_used"]) == (1, 1)
    assert json.loads(run["layouts"]) == {"cantho-current": 3, "fallback": 1}
    assert (run["exit_status"], json.loads(run["problems"])) == (0, [])
    assert (run["articles_new"], run["articles_failed"], run["articles_removed"]) == (1, 0, 0)
    assert json.loads(run["counts"])["tinlanhdao/stored/new"] == 1
    assert stats.get_value("tinlanhdao/stored/new") == 1  # for the end-of-run summary


def test_run_records_problems_and_exit_status(tmp_path: Path) -> None:
    pipeline, spider = make_pipeline(tmp_path / "a.db")
    stats = pipeline.crawler.stats
    stats.set_value("tinlanhdao/listing_pages", 1)
    stats.set_value("tinlanhdao/articles", 4)
    stats.set_value("tinlanhdao/layout/fallback", 4)
    stats.set_value("tinlanhdao/failed/TimeoutError", 3)
    pipeline.open_spider(spider)
    pipeline.spider_closed(spider, "shutdown")
    [run] = sqlite_utils.Database(tmp_path / "a.db").query("select * from crawl_runs")
    problems = json.loads(run["problems"])
    assert set(problems) == {"interrupted", "failures_over_threshold", "layout_drift"}
    assert run["exit_status"] == 7 and run["status"] == "interrupted"
    assert (run["reached_end"], run["fallback_used"]) == (0, 4)


def test_removed_articles_are_marked_once_and_unknown_ones_ignored(tmp_path: Path) -> None:
    db_path = tmp_path / "a.db"
    crawl(db_path, [seed_article()])
    gone = RemovedArticle(seed_article().url, 410, "http_410", "2025-02-01T00:00:00Z")
    never = RemovedArticle("https://www.cantho.gov.vn/x/never-archived", 404, "http_404")
    pipeline = crawl(db_path, [gone, never, gone])
    assert pipeline.counts["removed"] == 1
    db = sqlite_utils.Database(db_path)
    assert list(db.query("select url, removed_at, removed_reason from articles")) == [
        {"url": seed_article().url, "removed_at": "2025-02-01T00:00:00Z",
         "removed_reason": "http_410"}]  # fmt: skip
    assert db.table("articles").count == 1 and db.table("failures").count == 0
    runs = list(db.query("select articles_removed from crawl_runs order by id"))
    assert [r["articles_removed"] for r in runs] == [0, 1]
    # A later run does not move the mark; the article coming back clears it.
    later = RemovedArticle(seed_article().url, 404, "http_404", "2025-03-01T00:00:00Z")
    assert crawl(db_path, [later]).counts["removed"] == 0
    assert db.execute("select removed_at from articles").fetchone()[0] == "2025-02-01T00:00:00Z"
    back = crawl(db_path, [seed_article(fetched_at="2025-04-01T00:00:00Z")])
    assert back.counts["unchanged"] == 1
    assert list(db.query("select removed_at, removed_reason from articles")) == [
        {"removed_at": None, "removed_reason": None}]  # fmt: skip


def test_run_status() -> None:
    assert run_status("finished") == run_status("closespider_itemcount") == "finished"
    assert run_status("shutdown") == "interrupted"
    assert run_status("cancelled") == "failed"


# --- a real Scrapy crawl ----------------------------------------------------------------------

CRAWL_SCRIPT = """
import os, sys
from scrapy import Spider
from scrapy.crawler import CrawlerProcess
sys.path.insert(0, os.environ["TESTS_DIR"])
from support.articles import da_nang_article, seed_article
from crawler.items import PageFailure

class ItemsSpider(Spider):
    name = "tinlanhdao"
    start_urls = ["https://www.cantho.gov.vn/hoat-dong-lanh-dao-thanh-pho"]

    async def start(self):
        body = seed_article().body + os.environ.get("EXTRA", "")
        yield seed_article(body=body, fetched_at=os.environ["FETCHED_AT"])
        yield da_nang_article(fetched_at=os.environ["FETCHED_AT"])
        yield seed_article(title="")  # dropped by ValidatePipeline
        yield PageFailure("https://x/gone", "http_410", 410)

process = CrawlerProcess({
    "ARCHIVE_PATH": os.environ["ARCHIVE"],
    "ITEM_PIPELINES": {"crawler.pipelines.ValidatePipeline": 100,
                       "crawler.pipelines.StorePipeline": 300},
    "TELNETCONSOLE_ENABLED": False, "LOG_LEVEL": "INFO",
})
process.crawl(ItemsSpider)
process.start()
"""


def run_crawl(tmp_path: Path, fetched_at: str, extra: str = "") -> str:
    script = tmp_path / "crawl.py"
    script.write_text(textwrap.dedent(CRAWL_SCRIPT), encoding="utf-8")
    env = os.environ | {
        "ARCHIVE": str(tmp_path / "tinlanhdao.db"),
        "FETCHED_AT": fetched_at,
        "EXTRA": extra,
        "TESTS_DIR": str(ROOT / "tests"),
        "PYTHONPATH": str(ROOT),
    }
    done = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stderr


def test_real_crawls_twice_then_changed(tmp_path: Path) -> None:
    log = run_crawl(tmp_path, "2024-01-01T00:00:00Z")
    assert "run 1 finished (finished): 2 new, 0 changed, 0 unchanged, 1 failed" in log
    db = sqlite_utils.Database(tmp_path / "tinlanhdao.db")
    first = list(db.query("select * from articles order by id"))

    run_crawl(tmp_path, "2024-02-01T00:00:00Z")
    second = list(db.query("select * from articles order by id"))
    assert len(second) == 2 and db.table("revisions").count == 2
    for old, new in zip(first, second, strict=True):
        assert new["last_seen"] == "2024-02-01T00:00:00Z"
        assert {k: v for k, v in new.items() if k != "last_seen"} == {
            k: v for k, v in old.items() if k != "last_seen"
        }

    run_crawl(tmp_path, "2024-03-01T00:00:00Z", extra="\n\nĐoạn mới.")
    assert db.table("articles").count == 2
    assert db.table("revisions").count == 3
    runs = list(db.query("select * from crawl_runs order by id"))
    assert [(r["status"], r["finish_reason"]) for r in runs] == [("finished", "finished")] * 3
    assert [(r["articles_new"], r["articles_changed"], r["articles_unchanged"]) for r in runs] == [
        (2, 0, 0), (0, 0, 2), (0, 1, 1)]  # fmt: skip
    assert all(r["requests"] is None or r["requests"] >= 0 for r in runs)
