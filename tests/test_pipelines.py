"""The item pipelines and the run that owns them, started the way a library user or a job
runner starts a spider: ``CrawlerProcess`` with the project's settings (not `scrapy crawl`).

Each crawl runs in a subprocess (the reactor cannot restart): a spider yields the items a test
gives it and sets the stats it gives, and the script prints the crawl's final stats as JSON.
"""

from __future__ import annotations

import json
import os
import pickle
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlite_utils
from scrapy.exceptions import DropItem
from support.articles import da_nang_article, seed_article

from crawler.items import PageFailure, RemovedArticle
from crawler.pipelines import ValidatePipeline, is_iso_date
from crawler.run import run_status

ROOT = Path(__file__).resolve().parents[1]

CRAWL_SCRIPT = """
import asyncio, json, os, pickle, sys
from scrapy import Spider
from scrapy.crawler import CrawlerProcess
from scrapy.utils.project import get_project_settings

class ItemsSpider(Spider):
    name = "tinlanhdao"
    start_url = "https://www.cantho.gov.vn/hoat-dong-lanh-dao-thanh-pho"
    mode = "full"

    async def start(self):
        with open(sys.argv[1], "rb") as given:
            items, stats, hold = pickle.load(given)
        for key, value in stats.items():
            self.crawler.stats.set_value(key, value)
        while hold and not os.path.exists(hold):  # a run that lasts until the test releases it
            await asyncio.sleep(0.05)
        for item in items:
            yield item

settings = get_project_settings()
settings.set("ARCHIVE_PATH", sys.argv[2])
process = CrawlerProcess(settings)
crawler = process.create_crawler(ItemsSpider)
process.crawl(crawler)
process.start()
print(json.dumps(crawler.stats.get_stats(), default=str))
"""


def start_crawl(tmp_path: Path, items: list, stats: dict | None = None,
                archive: str = "tinlanhdao.db", hold: str = "") -> subprocess.Popen:
    """Start crawling ``items`` into ``tmp_path / archive`` with CrawlerProcess; with ``hold``,
    the spider yields nothing until that file exists."""
    given = tmp_path / f"items-{len(list(tmp_path.glob('items-*')))}.pickle"
    given.write_bytes(pickle.dumps((items, stats or {}, hold)))
    script = tmp_path / "crawl.py"
    script.write_text(CRAWL_SCRIPT, encoding="utf-8")
    env = os.environ | {"PYTHONPATH": str(ROOT), "SCRAPY_SETTINGS_MODULE": "crawler.settings"}
    return subprocess.Popen([sys.executable, str(script), str(given), str(tmp_path / archive)],
                            cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)  # fmt: skip


def finished(process: subprocess.Popen) -> tuple[dict, str]:
    """The final stats and the log of a crawl started by ``start_crawl``."""
    out, log = process.communicate(timeout=300)
    assert process.returncode == 0, log[-3000:]
    assert "Traceback" not in log, log[-3000:]
    return json.loads(out.strip().splitlines()[-1]), log


def crawl(tmp_path: Path, items: list, stats: dict | None = None,
          archive: str = "tinlanhdao.db") -> tuple[dict, str]:  # fmt: skip
    """Crawl ``items`` into ``tmp_path / archive``; return the final stats and the log."""
    return finished(start_crawl(tmp_path, items, stats, archive))


def runs(db_path: Path) -> list[dict]:
    return list(sqlite_utils.Database(db_path).query("select * from crawl_runs order by id"))


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


# --- StorePipeline and the run (crawler.run.CrawlRun) ------------------------------------------


def test_the_run_stores_articles_and_failures_and_records_itself(tmp_path: Path) -> None:
    db_path = tmp_path / "new" / "folder" / "tinlanhdao.db"
    failure = PageFailure("https://x/404", "http_404", 404, "Not Found", "2024-01-01T00:00:00Z")
    stats, log = crawl(tmp_path, [seed_article(), da_nang_article(), seed_article(title=""),
                                  failure], archive="new/folder/tinlanhdao.db")  # fmt: skip
    assert stats["tinlanhdao/run_id"] == 1 and stats["tinlanhdao/exit_status"] == 6
    db = sqlite_utils.Database(db_path)
    assert db.table("articles").count == 2
    assert list(db.query("select url, reason, http_status, run_id from failures")) == [
        {"url": "https://x/404", "reason": "http_404", "http_status": 404, "run_id": 1}
    ]
    [run] = runs(db_path)
    assert (run["spider"], run["mode"], run["start_url"]) == ("tinlanhdao", "full",
                                                              ITEMS_START_URL)  # fmt: skip
    assert (run["status"], run["finish_reason"], run["articles_new"], run["failures"]) == (
        "finished", "finished", 2, 1)  # fmt: skip
    # No listing page was fetched: the verdict says so, once, in the record and the stats.
    assert (run["exit_status"], json.loads(run["problems"])) == (6, ["portal_unreachable"])
    assert json.loads(run["counts"])["item_dropped_count"] == 1
    assert log.strip().splitlines()[-1] == "  problem: portal_unreachable: the portal could " \
                                           "not be reached"


ITEMS_START_URL = "https://www.cantho.gov.vn/hoat-dong-lanh-dao-thanh-pho"
LISTED = {"tinlanhdao/listing_pages": 3, "tinlanhdao/reached_end": 1, "tinlanhdao/articles": 4,
          "tinlanhdao/layout/cantho-current": 3, "tinlanhdao/layout/fallback": 1}  # fmt: skip


def test_the_run_records_listing_layouts_reached_end_and_verdict(tmp_path: Path) -> None:
    stats, _ = crawl(tmp_path, [seed_article()], LISTED)
    [run] = runs(tmp_path / "tinlanhdao.db")
    assert (run["listing_pages"], run["reached_end"], run["fallback_used"]) == (3, 1, 1)
    assert json.loads(run["layouts"]) == {"cantho-current": 3, "fallback": 1}
    assert (run["exit_status"], json.loads(run["problems"])) == (0, []) == (
        stats["tinlanhdao/exit_status"], stats["tinlanhdao/problems"])
    assert (run["articles_new"], run["articles_failed"], run["articles_removed"]) == (1, 0, 0)
    assert json.loads(run["counts"])["tinlanhdao/stored/new"] == 1


def test_the_run_records_problems_and_exit_status(tmp_path: Path) -> None:
    stats, log = crawl(tmp_path, [], {"tinlanhdao/listing_pages": 1, "tinlanhdao/articles": 4,
                                      "tinlanhdao/layout/fallback": 4,
                                      "tinlanhdao/failed/TimeoutError": 3})  # fmt: skip
    [run] = runs(tmp_path / "tinlanhdao.db")
    assert set(json.loads(run["problems"])) == {"failures_over_threshold", "layout_drift"}
    assert run["exit_status"] == stats["tinlanhdao/exit_status"] == 4
    assert "exit status 4 (PROBLEM)" in log


def test_crawling_twice_changes_only_last_seen_and_an_edit_adds_one_revision(tmp_path):
    crawl(tmp_path, [seed_article(), da_nang_article()], LISTED)
    db = sqlite_utils.Database(tmp_path / "tinlanhdao.db")
    before = list(db.query("select * from articles order by id"))
    again = [seed_article(fetched_at="2025-01-01T00:00:00Z"),
             da_nang_article(fetched_at="2025-01-01T00:00:00Z")]  # fmt: skip
    stats, _ = crawl(tmp_path, again, LISTED)
    assert stats["tinlanhdao/stored/unchanged"] == 2 and "tinlanhdao/stored/new" not in stats
    after = list(db.query("select * from articles order by id"))
    assert len(after) == 2 and db.table("revisions").count == 2
    for old, new in zip(before, after, strict=True):
        assert new["last_seen"] == "2025-01-01T00:00:00Z"
        assert {k: v for k, v in new.items() if k != "last_seen"} == {
            k: v for k, v in old.items() if k != "last_seen"
        }
    crawl(tmp_path, [seed_article(title="Tiêu đề đã sửa", fetched_at="2025-02-01T00:00:00Z")],
          LISTED)  # fmt: skip
    assert db.table("revisions").count == 3
    assert [(r["articles_new"], r["articles_changed"], r["articles_unchanged"])
            for r in runs(tmp_path / "tinlanhdao.db")] == [(2, 0, 0), (0, 0, 2), (0, 1, 0)]


def test_removed_articles_are_marked_once_and_unknown_ones_ignored(tmp_path: Path) -> None:
    db_path = tmp_path / "tinlanhdao.db"
    crawl(tmp_path, [seed_article()], LISTED)
    gone = RemovedArticle(seed_article().url, 410, "http_410", "2025-02-01T00:00:00Z")
    never = RemovedArticle("https://www.cantho.gov.vn/x/never-archived", 404, "http_404")
    stats, _ = crawl(tmp_path, [gone, never, gone], LISTED)
    assert stats["tinlanhdao/stored/removed"] == 1
    db = sqlite_utils.Database(db_path)
    assert list(db.query("select url, removed_at, removed_reason from articles")) == [
        {"url": seed_article().url, "removed_at": "2025-02-01T00:00:00Z",
         "removed_reason": "http_410"}]  # fmt: skip
    assert db.table("articles").count == 1 and db.table("failures").count == 0
    assert [r["articles_removed"] for r in runs(db_path)] == [0, 1]
    # A later run does not move the mark; the article coming back clears it.
    later = RemovedArticle(seed_article().url, 404, "http_404", "2025-03-01T00:00:00Z")
    assert "tinlanhdao/stored/removed" not in crawl(tmp_path, [later], LISTED)[0]
    assert db.execute("select removed_at from articles").fetchone()[0] == "2025-02-01T00:00:00Z"
    back, _ = crawl(tmp_path, [seed_article(fetched_at="2025-04-01T00:00:00Z")], LISTED)
    assert back["tinlanhdao/stored/unchanged"] == 1
    assert list(db.query("select removed_at, removed_reason from articles")) == [
        {"removed_at": None, "removed_reason": None}]  # fmt: skip


def test_a_second_concurrent_run_is_refused_and_writes_nothing(tmp_path: Path):
    release = tmp_path / "release"
    first = start_crawl(tmp_path, [seed_article()], LISTED, hold=str(release))
    try:
        deadline = time.monotonic() + 120  # waiting for the first run to start, not a bound
        while not runs_if_any(tmp_path / "tinlanhdao.db") and time.monotonic() < deadline:
            time.sleep(0.1)
        assert runs_if_any(tmp_path / "tinlanhdao.db"), "the first run never started"
        second, log = crawl(tmp_path, [da_nang_article()], LISTED)
    finally:
        release.touch()
        stats, _ = finished(first)
    assert second["tinlanhdao/exit_status"] == 75 and second["finish_reason"] == "run_locked"
    assert "Another run is using the archive" in log
    assert "tinlanhdao/run_id" not in second and "item_scraped_count" not in second
    # The first run went on: one run record, its article, its verdict.
    assert stats["tinlanhdao/exit_status"] == 0 and stats["tinlanhdao/run_id"] == 1
    assert [(r["status"], r["articles_new"]) for r in runs(tmp_path / "tinlanhdao.db")] == [
        ("finished", 1)]  # fmt: skip
    urls = sqlite_utils.Database(tmp_path / "tinlanhdao.db").execute("select url from articles")
    assert urls.fetchall() == [(seed_article().url,)]


def runs_if_any(db_path: Path) -> list[dict]:
    try:
        return runs(db_path) if db_path.exists() else []
    except sqlite3.OperationalError:  # the schema is being created
        return []


def test_run_status() -> None:
    assert run_status("finished") == run_status("closespider_itemcount") == "finished"
    assert run_status("shutdown") == "interrupted"
    assert run_status("cancelled") == run_status("storage_failed") == "failed"
