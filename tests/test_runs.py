"""Scheduled runs against the sample portal: incremental and full modes, removed articles,
one run at a time, exit statuses, and a crawl killed part-way."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest
from support.crawls import ROOT, SITE_DIR, crawl_command, run_crawl

from crawler.runhealth import EXIT_CODES, assess
from sample_portal.server import SamplePortal

MANIFEST = json.loads((SITE_DIR / "manifest.json").read_text("utf-8"))
SECTION = "/hoat-dong-lanh-dao-thanh-pho"


def query(archive: Path, sql: str, *params) -> list[tuple]:
    with sqlite3.connect(archive) as connection:
        return connection.execute(sql, params).fetchall()


def article_paths(archive: Path) -> list[str]:
    return sorted(urlparse(url).path for (url,) in query(archive, "select url from articles"))


def pages_since(portal: SamplePortal, start: int) -> list[str]:
    return [p for p in portal.requests[start:] if p != "/robots.txt"]


def write_overlay(overlay: Path, entries: list[dict], files: dict[str, bytes]) -> None:
    (overlay / "articles").mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (overlay / "articles" / name).write_bytes(data)
    (overlay / "manifest.json").write_text(json.dumps(entries, ensure_ascii=False), "utf-8")


def new_article(number: int) -> tuple[dict, bytes]:
    """A new current-site article made from an existing page, with its own path and title."""
    base = next(e for e in MANIFEST if e["generation"] == "current")
    page = (SITE_DIR / base["file"]).read_text("utf-8")
    title = f"Bài mới số {number}: lãnh đạo thành phố làm việc với quận Ninh Kiều"
    page = page.replace(base["title"], title, 1)
    entry = dict(base, name=f"moi-{number}", path=f"{SECTION}/bai-moi-so-{number}", title=title,
                 file=f"articles/moi-{number}.html", date="01/12/2026")
    return entry, page.encode("utf-8")


@pytest.fixture
def portal(tmp_path):
    with SamplePortal(overlay_dir=tmp_path / "overlay") as served:
        yield served


@pytest.fixture
def archived(portal, tmp_path):
    """The sample portal crawled once into a fresh archive."""
    archive = tmp_path / "archive.db"
    result = run_crawl(portal, archive)
    assert result.returncode == 0, result.stderr[-3000:]
    assert len(article_paths(archive)) == len(MANIFEST)
    return archive


def test_second_run_adds_nothing_and_fetches_at_most_two_pages(portal, archived):
    before = query(archived, "select id, content_hash, first_seen from articles order by id")
    revisions = query(archived, "select count(*) from revisions")
    start = len(portal.requests)
    result = run_crawl(portal, archived)
    assert result.returncode == 0, result.stderr[-3000:]
    assert len(pages_since(portal, start)) <= 2
    after = query(archived, "select id, content_hash, first_seen from articles order by id")
    assert after == before
    assert query(archived, "select count(*) from revisions") == revisions


def test_new_articles_on_top_are_the_only_ones_fetched(portal, archived, tmp_path):
    entries, files = zip(*(new_article(n) for n in (1, 2, 3)), strict=True)
    write_overlay(tmp_path / "overlay", list(entries),
                  {Path(e["file"]).name: f for e, f in zip(entries, files, strict=True)})
    start = len(portal.requests)
    result = run_crawl(portal, archived)
    assert result.returncode == 0, result.stderr[-3000:]
    fetched = pages_since(portal, start)
    articles_fetched = [p for p in fetched if not p.startswith(SECTION + "?") and p != SECTION]
    assert sorted(articles_fetched) == sorted(e["path"] for e in entries)
    assert set(fetched) - set(articles_fetched) <= {SECTION, f"{SECTION}?page=2"}
    assert len(article_paths(archived)) == len(MANIFEST) + 3


def test_full_run_after_an_edit_adds_exactly_one_revision(portal, archived, tmp_path):
    edited = next(e for e in MANIFEST if e["generation"] == "current")
    page = (SITE_DIR / edited["file"]).read_text("utf-8")
    marker = "<div class=\"ArticleContent\">"
    assert marker in page
    page = page.replace(marker, marker + "<p>Đoạn văn được bổ sung sau khi đăng bài.</p>", 1)
    write_overlay(tmp_path / "overlay", [edited], {Path(edited["file"]).name: page.encode()})
    revisions_before = dict(query(archived, "select article_id, count(*) from revisions "
                                            "group by article_id"))
    result = run_crawl(portal, archived, "-a", "mode=full")
    assert result.returncode == 0, result.stderr[-3000:]
    revisions_after = dict(query(archived, "select article_id, count(*) from revisions "
                                           "group by article_id"))
    changed = {a for a, n in revisions_after.items() if n != revisions_before.get(a)}
    (edited_id,) = query(archived, "select id from articles where url like ?",
                         f"%{edited['path']}")[0]
    assert changed == {edited_id}
    assert revisions_after[edited_id] == revisions_before[edited_id] + 1


def test_full_run_marks_a_vanished_article_removed_and_keeps_it(portal, archived, tmp_path):
    gone = next(e for e in MANIFEST if e["generation"] == "websphere")
    write_overlay(tmp_path / "overlay", [dict(gone, file="articles/khong-con.html")], {})
    result = run_crawl(portal, archived, "-a", "mode=full")
    assert result.returncode == 0, result.stderr[-3000:]
    rows = query(archived, "select url, removed_at from articles where removed_at is not null")
    assert [urlparse(url).path for url, _ in rows] == [gone["path"]]
    assert len(article_paths(archived)) == len(MANIFEST)


def test_a_second_crawl_while_one_runs_exits_75_at_once(portal, tmp_path):
    archive = tmp_path / "archive.db"
    env = dict(os.environ, TINLANHDAO_ARCHIVE=str(archive))
    slow = crawl_command(portal, "-s", "DOWNLOAD_DELAY=0.5", "-s", "AUTOTHROTTLE_ENABLED=False",
                         local=False)
    first = subprocess.Popen(slow, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while len(portal.requests) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        runs_before = query(archive, "select id from crawl_runs")
        second = subprocess.run(crawl_command(portal), cwd=ROOT, env=env,
                                capture_output=True, text=True, timeout=300)
        assert second.returncode == 75
        assert "Another run is using the archive" in second.stderr
        # Refused before anything: no run record, nothing of its own fetched.
        assert query(archive, "select id from crawl_runs") == runs_before
        assert "Traceback" not in second.stderr
        assert first.poll() is None, "the first run must still be going"
    finally:
        first.kill()
        first.wait()


def test_kill_9_part_way_then_rerun_archives_every_article_once(portal, tmp_path):
    archive = tmp_path / "archive.db"
    env = dict(os.environ, TINLANHDAO_ARCHIVE=str(archive))
    slow = crawl_command(portal, "-s", "DOWNLOAD_DELAY=0.2", "-s", "AUTOTHROTTLE_ENABLED=False",
                         local=False)
    victim = subprocess.Popen(slow, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if archive.exists() and query(archive, "select count(*) from articles")[0][0] >= 5:
                    break
            except sqlite3.OperationalError:  # the first run is still creating the schema
                pass
            time.sleep(0.1)
        victim.send_signal(signal.SIGKILL)
    finally:
        victim.wait()
    stored = query(archive, "select count(*) from articles")[0][0]
    assert 5 <= stored < len(MANIFEST)
    result = run_crawl(portal, archive)  # the lock died with the killed run
    assert result.returncode == 0, result.stderr[-3000:]
    assert query(archive, "pragma integrity_check") == [("ok",)]
    assert query(archive, "select status from crawl_runs order by id") == [("killed",),
                                                                          ("finished",)]
    paths = article_paths(archive)
    assert paths == sorted(e["path"] for e in MANIFEST)
    assert len(paths) == len(set(paths))


def test_an_unreachable_portal_exits_non_zero_with_a_summary(tmp_path):
    with SamplePortal() as portal:
        pass  # started and stopped: its port now refuses connections
    result = run_crawl(portal, tmp_path / "archive.db", "-s", "RETRY_TIMES=0")
    assert result.returncode == EXIT_CODES["portal_unreachable"]
    assert "portal_unreachable" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_bad_mode_is_a_usage_error(tmp_path):
    with SamplePortal() as portal:
        result = run_crawl(portal, tmp_path / "archive.db", "-a", "mode=everything")
    assert result.returncode == 2
    assert "mode" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("stats", "status", "problems"),
    [
        ({"tinlanhdao/listing_pages": 3, "tinlanhdao/articles": 28,
          "tinlanhdao/layout/cantho-current": 26, "tinlanhdao/layout/fallback": 2}, 0, []),
        ({}, 6, ["portal_unreachable"]),
        ({"tinlanhdao/listing_failed/http_503": 1, "tinlanhdao/articles": 2,
          "tinlanhdao/layout/cantho-current": 2}, 6, ["portal_unreachable"]),
        ({"tinlanhdao/articles": 19, "tinlanhdao/layout/cantho-current": 19}, 0, []),
        ({"tinlanhdao/listing_pages": 1, "tinlanhdao/listing_without_articles": 1}, 5,
         ["listing_without_articles"]),
        ({"tinlanhdao/listing_pages": 2, "tinlanhdao/articles": 5,
          "tinlanhdao/layout/fallback": 5}, 4, ["layout_drift"]),
        ({"tinlanhdao/listing_pages": 2, "tinlanhdao/articles": 2,
          "tinlanhdao/layout/fallback": 2}, 0, []),
        ({"tinlanhdao/listing_pages": 2, "tinlanhdao/articles": 6,
          "tinlanhdao/layout/cantho-current": 6, "tinlanhdao/failed/http_503": 4}, 3,
         ["failures_over_threshold"]),
        ({"tinlanhdao/listing_pages": 2, "tinlanhdao/articles": 6,
          "tinlanhdao/layout/cantho-current": 6, "finish_reason": "shutdown"}, 7,
         ["interrupted"]),
    ],
)
def test_verdicts(stats, status, problems):
    verdict = assess(stats)
    assert (verdict.exit_status, verdict.problems) == (status, problems)


def test_deploy_units_exist_and_verify(tmp_path):
    deploy = ROOT / "deploy"
    cron = (deploy / "tinlanhdao.cron").read_text()
    line = next(x for x in cron.splitlines() if x.strip() and not x.startswith(("#", "CRON_TZ")))
    assert len(line.split()) >= 7 and "scrapy crawl tinlanhdao" in line
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed")
    # Verify copies whose program and paths exist on this machine; the syntax is what's checked.
    for name in ("tinlanhdao.service", "tinlanhdao.timer"):
        text = (deploy / name).read_text()
        text = text.replace("/opt/tinlanhdao/.venv/bin/scrapy", "/bin/true")
        text = text.replace("/opt/tinlanhdao", str(tmp_path)).replace("/var/lib/tinlanhdao",
                                                                        str(tmp_path))
        text = text.replace("User=tinlanhdao", "User=root").replace("Group=tinlanhdao",
                                                                   "Group=root")
        (tmp_path / name).write_text(text)
    result = subprocess.run(["systemd-analyze", "verify", str(tmp_path / "tinlanhdao.service"),
                             str(tmp_path / "tinlanhdao.timer")], capture_output=True, text=True)
    problems = [x for x in result.stderr.splitlines() if "tinlanhdao" in x]
    assert result.returncode == 0 and not problems, result.stderr


def test_a_backfill_paused_with_ctrl_c_resumes_from_its_jobdir(portal, tmp_path):
    archive, jobdir = tmp_path / "archive.db", tmp_path / "job"
    env = dict(os.environ, TINLANHDAO_ARCHIVE=str(archive))
    paused = subprocess.Popen(
        crawl_command(portal, "-a", "mode=full", "-s", f"JOBDIR={jobdir}", "-s",
                      "DOWNLOAD_DELAY=0.2", "-s", "AUTOTHROTTLE_ENABLED=False", local=False),
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if archive.exists() and query(archive, "select count(*) from articles")[0][0] >= 5:
                break
        except sqlite3.OperationalError:
            pass
        time.sleep(0.1)
    paused.send_signal(signal.SIGINT)  # one Ctrl-C: Scrapy finishes what is in flight and stops
    assert paused.wait(timeout=60) == EXIT_CODES["interrupted"]
    assert len(article_paths(archive)) < len(MANIFEST)
    resumed = run_crawl(portal, archive, "-a", "mode=full", "-s", f"JOBDIR={jobdir}")
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert article_paths(archive) == sorted(e["path"] for e in MANIFEST)


def test_robots_txt_forbidding_the_section_is_said_as_such(tmp_path):
    overlay = tmp_path / "overlay"
    overlay.mkdir()
    (overlay / "robots.txt").write_text("User-agent: *\nDisallow: /tim-kiem\n\n"
                                        "User-agent: tinlanhdao-archiver\nDisallow: /hoat-dong\n")
    with SamplePortal(overlay_dir=overlay) as portal:
        result = run_crawl(portal, tmp_path / "archive.db")
        fetched = list(portal.requests)
    assert result.returncode == EXIT_CODES["robots_forbidden"], result.stderr[-3000:]
    assert fetched == ["/robots.txt"]
    summary = result.stderr.splitlines()[-1]
    assert summary.startswith("  problem: robots_forbidden: robots.txt: User-agent: "
                              "tinlanhdao-archiver / Disallow: /hoat-dong forbids http://")
    assert "to our User-Agent 'tinlanhdao-archiver/0.1 (+" in summary
    assert "portal_unreachable" not in result.stderr and "Traceback" not in result.stderr
    assert query(tmp_path / "archive.db", "select reason from failures") == [("robots_forbidden",)]


def test_the_summary_is_the_last_thing_a_run_prints(portal, tmp_path):
    quiet = run_crawl(portal, tmp_path / "archive.db")
    lines = quiet.stderr.splitlines()
    assert quiet.returncode == 0, quiet.stderr[-3000:]
    assert lines[-5].endswith("tinlanhdao run 1 (incremental): finished, exit status 0 (ok)")
    assert lines[-1] == "  problems: none"
    assert len(lines) <= 12, quiet.stderr  # no banner, no stats dump, no per-page noise
    for scrapy_line in ("Overridden settings", "Enabled extensions", "Dumping Scrapy stats",
                        "Spider closed", "Telnet", "Remote control"):
        assert scrapy_line not in quiet.stderr
    # Asked for, Scrapy's banner and stats dump are there (before and after the summary).
    loud = run_crawl(portal, tmp_path / "archive.db", "-s", "LOG_SCRAPY_BANNER=True")
    assert "Overridden settings" in loud.stderr and "Dumping Scrapy stats" in loud.stderr
