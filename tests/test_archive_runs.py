"""The archive's side of scheduled runs: the questions the spider asks (read-only), removed
articles, the run details of migration m003 (and upgrading an older archive in place), `stats`,
and an archive that survives its writer being killed with SIGKILL part-way through a batch."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from support.articles import build_archive, da_nang_article, other_article, seed_article

from archive import Archive, ArchiveNotFound, reading, runs, storing
from archive.cli import main
from archive.search import search_articles
from crawler.article import Article, Attachment, Image

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "tinlanhdao.db"


@pytest.fixture
def archive(db_path: Path):
    with Archive(db_path) as opened:
        yield opened


def plan(archive: Archive, sql: str, params: list) -> str:
    return " ".join(row[3] for row in archive.db.execute(f"EXPLAIN QUERY PLAN {sql}", params))


# --- the spider's questions -------------------------------------------------------------------


def test_known_urls_includes_removed_and_ignores_unknown(archive: Archive) -> None:
    for n in range(1, 4):
        archive.store_article(other_article(n))
    storing.mark_removed(archive.db, other_article(2).url, reason="http_404")
    urls = [other_article(n).url for n in range(1, 6)]
    assert reading.known_urls(archive.db, urls) == set(urls[:3])
    assert reading.known_urls(archive.db, iter(urls[3:])) == set()
    assert reading.known_urls(archive.db, []) == set()


def test_known_urls_many_at_once_and_by_the_url_index(archive: Archive) -> None:
    with archive.db.conn:  # plain rows are enough here; 1,200 URLs need three lookups
        archive.db.conn.executemany(
            "INSERT INTO articles (url, title, body) VALUES (?, 't', 'b')",
            [(f"https://x/a/{n}",) for n in range(1200)],
        )
    asked = [f"https://x/a/{n}" for n in range(0, 2400, 2)]
    assert reading.known_urls(archive.db, asked) == {f"https://x/a/{n}" for n in range(0, 1200, 2)}
    sql = "SELECT url FROM articles WHERE url IN (?, ?)"
    assert "USING COVERING INDEX idx_articles_url (url=?)" in plan(archive, sql, ["a", "b"])


def test_urls_published_since_newest_first_without_removed_or_undated(archive: Archive) -> None:
    dates = {1: "2024-05-01", 2: "2024-05-20T09:00:00+07:00", 3: "2024-04-30", 4: "", 5: "2024-06"}
    for n, published in dates.items():
        archive.store_article(other_article(n, published) if published else other_article(n, ""))
    archive.store_article(other_article(6, "2024-06-02"))
    storing.mark_removed(archive.db, other_article(6).url)
    assert reading.urls_published_since(archive.db, "2024-05-01") == [
        other_article(n).url for n in (5, 2, 1)
    ]
    assert reading.urls_published_since(archive.db, "2030-01-01") == []
    sql = (
        "SELECT url FROM articles WHERE published >= ? AND +removed_at IS NULL "
        "ORDER BY published DESC, id DESC"
    )
    assert "USING INDEX idx_articles_published (published>?)" in plan(archive, sql, ["2024"])


def test_archived_urls_with_and_without_removed(archive: Archive) -> None:
    for n in (1, 2, 3):
        archive.store_article(other_article(n))
    storing.mark_removed(archive.db, other_article(2).url)
    assert reading.archived_urls(archive.db) == [other_article(1).url, other_article(3).url]
    everything = reading.archived_urls(archive.db, include_removed=True)
    assert everything == [other_article(n).url for n in (1, 2, 3)]


def finish(archive: Archive, reason: str, reached_end: int | None) -> int:
    run_id = runs.start_run(archive.db, "tinlanhdao", "incremental")
    counts = {} if reached_end is None else {"tinlanhdao/reached_end": reached_end}
    status = "finished" if reason == "finished" else "interrupted"
    runs.finish_run(archive.db, run_id, status, reason, counts)
    return run_id


def test_walk_completed_needs_a_finished_run_that_reached_the_end(archive: Archive) -> None:
    assert not runs.walk_completed(archive.db)
    finish(archive, "finished", 0)  # stopped early, or a listing page failed
    finish(archive, "shutdown", 1)  # reached the last page, then Ctrl-C: articles may be missing
    runs.start_run(archive.db, "tinlanhdao", "incremental", "")  # running, or killed with -9
    assert not runs.walk_completed(archive.db)
    finish(archive, "finished", 1)
    assert runs.walk_completed(archive.db)


def test_readonly_answers_on_an_archive_just_created_and_while_written(db_path: Path) -> None:
    with pytest.raises(ArchiveNotFound):
        Archive(db_path, readonly=True)
    with Archive(db_path) as writer:
        with Archive(db_path, readonly=True) as reader:  # the writer holds the -wal and -shm
            assert reading.known_urls(reader.db, [seed_article().url]) == set()
            assert not runs.walk_completed(reader.db)
            writer.store_article(seed_article())
            finish(writer, "finished", 1)
            assert reading.known_urls(reader.db, [seed_article().url]) == {seed_article().url}
            assert runs.walk_completed(reader.db)
    assert not Path(f"{db_path}-wal").exists()  # the last connection removed them
    with Archive(db_path, readonly=True) as reader:
        assert reading.archived_urls(reader.db) == [seed_article().url]
        assert reading.urls_published_since(reader.db, "2023-01-01") == [seed_article().url]


# --- removed articles -------------------------------------------------------------------------


def test_mark_removed_once_with_reason_and_storing_again_clears_it(archive: Archive) -> None:
    archive.store_article(seed_article())
    url = seed_article().url
    assert not storing.mark_removed(archive.db, "https://www.cantho.gov.vn/never", "2025-01-01Z")
    assert storing.mark_removed(archive.db, url, "2025-02-01T00:00:00Z", "redirected_out:/")
    assert not storing.mark_removed(archive.db, url, "2025-03-01T00:00:00Z", "http_404")
    row = reading.get_article(archive.db, 1)
    assert row["removed_at"] == "2025-02-01T00:00:00Z"
    assert row["removed_reason"] == "redirected_out:/"
    assert reading.known_urls(archive.db, [seed_article().url]) == {seed_article().url}
    edited = seed_article(title="Tiêu đề sửa", fetched_at="2025-04-01T00:00:00Z")
    assert archive.store_article(edited) == "changed"  # came back, edited
    row = reading.get_article(archive.db, 1)
    assert (row["removed_at"], row["removed_reason"]) == (None, None)
    assert len(row["revisions"]) == 2


def test_stats_lists_removed_articles_and_run_details(db_path: Path) -> None:
    build_archive(db_path, [seed_article(), da_nang_article()])
    with Archive(db_path) as archive:
        storing.mark_removed(archive.db, da_nang_article().url, "2025-02-01T00:00:00Z", "http_410")
        run_id = runs.start_run(archive.db, "tinlanhdao", "full", "https://www.cantho.gov.vn/")
        runs.finish_run(
            archive.db,
            run_id, "finished", "finished",
            {"new": 0, "unchanged": 1, "failed": 1, "removed": 1, "tinlanhdao/listing_pages": 2,
             "downloader/request_count": 5, "tinlanhdao/reached_end": 1},
            exit_status=4, problems=["layout_drift"], layouts={"fallback": 3},
        )  # fmt: skip
        numbers = reading.stats(archive.db)
    assert numbers["removed_count"] == 1
    assert numbers["removed_articles"] == [
        {"id": 2, "title": da_nang_article().title, "url": da_nang_article().url,
         "removed_at": "2025-02-01T00:00:00Z", "removed_reason": "http_410"}]  # fmt: skip
    last = numbers["last_runs"][0]
    assert (last["exit_status"], last["problems"], last["layouts"]) == (
        4, ["layout_drift"], {"fallback": 3})  # fmt: skip
    assert (last["listing_pages"], last["requests"], last["articles_failed"]) == (2, 5, 1)
    assert (last["articles_removed"], last["fallback_used"], last["reached_end"]) == (1, 3, 1)

    result = CliRunner().invoke(main, ["stats", "--db", str(db_path)])
    assert result.exit_code == 0, result.output
    for text in ("exit 4", "listing pages 2, requests 5, fallback used 3",  # fmt: skip
                 "failed 1, removed 1", "problems: layout_drift", "Removed articles: 1",
                 "#2 removed 2025-02-01T00:00:00Z (http_410)", da_nang_article().title):
        assert text in result.output
    as_json = json.loads(CliRunner().invoke(main, ["stats", "--json", "--db", str(db_path)]).output)
    assert as_json["removed_articles"][0]["id"] == 2


# --- SIGKILL part-way through a batch ---------------------------------------------------------



def numbered_article(n: int) -> Article:
    """Article number ``n`` of the killed writer's batch: three images and one attachment."""
    return Article(
        url=f"https://www.cantho.gov.vn/hoat-dong-lanh-dao-thanh-pho/bai-{n}",
        title=f"Bài số {n}: lãnh đạo thành phố làm việc",
        body=("Đoạn văn về công tác của thành phố Cần Thơ. " * 40 + "\n\n") * 3,
        published="2024-05-19",
        images=[Image(src=f"https://x/{n}/{i}.jpg", caption=f"Ảnh {i}") for i in range(3)],
        attachments=[Attachment(url=f"https://x/{n}.pdf", title="Văn bản")],
        fetched_at="2024-06-01T00:00:00Z",
    )


WRITER = """
import sys
sys.path.insert(0, sys.argv[2])
from archive import Archive, runs
from test_archive_runs import numbered_article

archive = Archive(sys.argv[1])
run_id = runs.start_run(archive.db, "tinlanhdao", "full")
for n in range(100_000):
    archive.store_article(numbered_article(n), run_id)
    print(n, flush=True)
"""


def test_sigkill_mid_batch_leaves_a_sound_archive_of_complete_articles(
    db_path: Path, tmp_path: Path
) -> None:
    script = tmp_path / "writer.py"
    script.write_text(WRITER, encoding="utf-8")
    env = os.environ | {"PYTHONPATH": str(ROOT)}
    writer = subprocess.Popen(
        [sys.executable, str(script), str(db_path), str(ROOT / "tests")],
        stdout=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    try:
        assert writer.stdout is not None
        stored = [writer.stdout.readline() for _ in range(150)]  # 150 committed, more in flight
        assert stored[-1].strip() == "149"
        time.sleep(0.05)
        writer.send_signal(signal.SIGKILL)
    finally:
        writer.kill()
        writer.wait()
    assert writer.returncode == -signal.SIGKILL

    connection = sqlite3.connect(db_path)  # recovers from the WAL like the next run would
    assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
    count = connection.execute("select count(*) from articles").fetchone()[0]
    assert count >= 150
    incomplete = connection.execute(
        "select a.id from articles a where "
        "(select count(*) from revisions r where r.article_id = a.id) != 1 or "
        "(select count(*) from images i where i.article_id = a.id) != 3 or "
        "(select count(*) from attachments t where t.article_id = a.id) != 1"
    ).fetchall()
    assert incomplete == []
    assert connection.execute("select count(*) from revisions").fetchone()[0] == count
    urls = {row[0] for row in connection.execute("select url from articles")}
    assert urls == {numbered_article(n).url for n in range(count)}  # no gap, nothing half-done
    connection.close()

    with Archive(db_path) as archive:  # the next run stores what is missing, each article once
        outcomes = [archive.store_article(numbered_article(n)) for n in range(count + 10)]
        assert outcomes == ["unchanged"] * count + ["new"] * 10
        assert reading.article_count(archive.db) == count + 10
        assert archive.db.execute("select count(*) from revisions").fetchone()[0] == count + 10
        hits = search_articles(archive.db, f'"bai so {count}"', limit=1)
        assert [hit.id for hit in hits] == [count + 1]
        [(status,)] = archive.db.execute("select status from crawl_runs").fetchall()
        assert status == "running"  # the killed run shows that it never finished
