"""A bad day of the portal, as cron runs the crawl: pages that are not the article never change
the archive, and a run that would change too much at once changes nothing.

Each test copies one archive of the plain sample portal (built once, WARC capture on), then
runs `scrapy crawl tinlanhdao -a mode=full` in a subprocess against a FaultyPortal serving the
bad-day pages of sample_portal/faults.py (written by us): a soft 404, a maintenance notice, an
error page, a login wall or a JavaScript challenge for every article, with status 200.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from support.captures import capture_settings
from support.crawls import SITE_DIR, run_crawl
from support.fixture_pages import load_fixtures

from archive import Archive
from archive.reprocess import reprocess
from crawler.runhealth import EXIT_CODES
from sample_portal.faults import NOTICE_KINDS, Edit, FaultPlan, FaultyPortal

MANIFEST = json.loads((SITE_DIR / "manifest.json").read_text("utf-8"))
TRUTHS = {f.name: f.expected for f in load_fixtures() if f.group == "sample_portal"}
FULL = ("-a", "mode=full", *capture_settings())
EDITED = ("2024-03-08-tiep-tong-lanh-su-nhat-ban",
          "vào cuối năm 2024", "vào tháng 11 năm 2024")  # a paragraph of that article changed
KEPT = ("url", "title", "published", "author", "lead", "body", "content_hash", "capture_id",
        "removed_at")


PORT: list[int] = []  # the portal's port: the archive's URLs name it, so every run uses it


@pytest.fixture(scope="module")
def archived(tmp_path_factory) -> Path:
    """The folder of an archive (and its WARC files) of the whole, plain sample portal."""
    folder = tmp_path_factory.mktemp("bad-day-base")
    with FaultyPortal() as portal:
        result = run_crawl(portal, folder / "archive.db", *FULL)
        PORT[:] = [portal.port]
    assert result.returncode == 0, result.stderr[-3000:]
    return folder


def copy_of(archived: Path, tmp_path: Path) -> Path:
    shutil.copytree(archived, tmp_path / "copy")
    archive = tmp_path / "copy" / "archive.db"
    assert len(articles(archive)) == 28
    return archive


def query(archive: Path, sql: str, *params) -> list[tuple]:
    connection = sqlite3.connect(archive)
    try:
        return connection.execute(sql, params).fetchall()
    finally:
        connection.close()


def articles(archive: Path) -> dict[str, tuple]:
    return {row[0]: row for row in query(archive, f"select {', '.join(KEPT)} from articles")}


def revisions(archive: Path) -> int:
    return query(archive, "select count(*) from revisions")[0][0]


def crawl(plan: FaultPlan, archive: Path, *extra: str):
    with FaultyPortal(plan, port=PORT[0]) as portal:
        return run_crawl(portal, archive, *FULL, *extra)


def summary(log: str) -> str:
    """The end-of-run summary: the last thing the run prints."""
    return log[log.rindex("tinlanhdao run "):]


@pytest.mark.parametrize("kind", sorted(NOTICE_KINDS))
def test_a_notice_for_every_article_changes_nothing_and_exits_non_zero(archived, tmp_path, kind):
    archive = copy_of(archived, tmp_path)
    before, revisions_before = articles(archive), revisions(archive)
    plan = FaultPlan.bad_day(kind)
    result = crawl(plan, archive)
    assert plan.injected == {kind: 28}
    assert articles(archive) == before  # every current title and body as it was
    assert revisions(archive) == revisions_before
    assert result.returncode == EXIT_CODES["not_the_article"], result.stderr[-3000:]
    text = summary(result.stderr)
    assert "problem: not_the_article: 28 page(s) were notices" in text
    assert "28 failed (28 not the article)" in text and "0 changed" in text
    assert "Traceback" not in result.stderr
    (run_id,) = query(archive, "select max(id) from crawl_runs")[0]
    reasons = query(archive, "select reason from failures where run_id = ?", run_id)
    label = "suspected_removal:notice:removed" if kind == "soft404" else "not_the_article:notice:"
    assert len(reasons) == 28 and all(r.startswith(label) for (r,) in reasons), reasons[:3]
    # captured as every response is, and named as no article's source
    captured = query(archive, "select count(*), count(article_id) from captures where run_id = ? "
                              "and url in (select url from articles)", run_id)
    assert captured == [(28, 0)]
    (exit_status, problems) = query(
        archive, "select exit_status, problems from crawl_runs where id = ?", run_id)[0]
    assert exit_status == result.returncode and "not_the_article" in json.loads(problems)


def test_a_soft_404_in_two_runs_marks_the_articles_removed_until_they_come_back(
        archived, tmp_path):
    archive = copy_of(archived, tmp_path)
    before = articles(archive)
    crawl(FaultPlan.bad_day("soft404"), archive)
    assert query(archive, "select count(removed_at) from articles") == [(0,)]  # suspected
    crawl(FaultPlan.bad_day("soft404"), archive)
    removed = query(archive, "select removed_reason from articles where removed_at is not null")
    assert len(removed) == 28
    assert all(reason.startswith("soft_404:notice:removed") for (reason,) in removed)
    assert {url: row[:-1] for url, row in articles(archive).items()} == {
        url: row[:-1] for url, row in before.items()}  # kept, only marked
    result = crawl(FaultPlan(), archive)  # the portal is back
    assert result.returncode == 0, result.stderr[-3000:]
    assert query(archive, "select count(removed_at) from articles") == [(0,)]


def test_a_real_edit_among_notices_still_becomes_a_revision(archived, tmp_path):
    archive = copy_of(archived, tmp_path)
    before, revisions_before = articles(archive), revisions(archive)
    plan = FaultPlan.bad_day("maintenance", edited=EDITED)
    result = crawl(plan, archive)
    assert plan.injected == {"maintenance": 27, "edit": 1}
    edited_url = next(url for url in before if url.endswith(FaultPlan.article(EDITED[0])))
    after = articles(archive)
    assert "vào tháng 11 năm 2024" in after[edited_url][KEPT.index("body")]
    assert after[edited_url][KEPT.index("title")] == before[edited_url][KEPT.index("title")]
    assert revisions(archive) == revisions_before + 1
    assert {u: r for u, r in after.items() if u != edited_url} == {
        u: r for u, r in before.items() if u != edited_url}
    (revision_capture,) = query(
        archive, "select capture_id from revisions order by id desc limit 1")[0]
    assert revision_capture == after[edited_url][KEPT.index("capture_id")] is not None
    assert "1 changed" in summary(result.stderr)
    assert result.returncode == EXIT_CODES["not_the_article"]  # 27 of 28 were notices


def without_capture(row: tuple) -> tuple:
    """An unchanged article seen again names its latest capture: all else must stay."""
    return row[:KEPT.index("capture_id")] + row[KEPT.index("capture_id") + 1:]


def body_edits(count: int) -> dict[str, Edit]:
    """Real edits of ``count`` sample articles: a few words of the first paragraph changed."""
    edits = {}
    for entry in MANIFEST:
        truth = TRUTHS[entry["name"]]
        words = "<p>" + " ".join(truth["body"].split("\n\n")[0].split()[:4])
        page = (SITE_DIR / entry["file"]).read_bytes()  # (not the <meta> description's copy)
        if entry.get("charset", "utf-8") == "utf-8" and words.encode() in page:
            edits[entry["path"]] = Edit(words, words + " (đính chính)")
        if len(edits) == count:
            return edits
    raise AssertionError("not enough sample articles to edit")


def test_a_mass_change_stores_nothing_until_the_operator_accepts_it(archived, tmp_path):
    archive = copy_of(archived, tmp_path)
    before, revisions_before = articles(archive), revisions(archive)
    result = crawl(FaultPlan(body_edits(8)), archive)  # 8 of 28: over the 20% share
    assert result.returncode == EXIT_CODES["mass_change"], result.stderr[-3000:]
    text = summary(result.stderr)
    assert "problem: mass_change: 8 of 28 archived articles fetched would change at once" in text
    assert "-a accept_mass_change=1" in text
    assert revisions(archive) == revisions_before
    after = articles(archive)
    assert {url: without_capture(row) for url, row in after.items()} == {
        url: without_capture(row) for url, row in before.items()}
    kept_out = [url for (url,) in query(archive, "select url from held_changes")]
    assert query(archive, "select status, count(*) from held_changes group by status") == [
        ("mass_change", 8)]
    for url in kept_out:  # the text is the archived one, and so is the capture it names
        assert after[url] == before[url]
    with Archive(archive) as opened:  # nor does reprocessing read the kept-out pages in
        assert reprocess(opened).changed == 0
    assert articles(archive) == after

    accepted = crawl(FaultPlan(body_edits(8)), archive, "-a", "accept_mass_change=1")
    assert accepted.returncode == 0, accepted.stderr[-3000:]
    assert "8 changed" in summary(accepted.stderr)
    assert revisions(archive) == revisions_before + 8
    changed = [url for url, row in articles(archive).items()
               if without_capture(row) != without_capture(before[url])]
    assert len(changed) == 8
    assert all("(đính chính)" in articles(archive)[url][KEPT.index("body")] for url in changed)
    (stored,) = query(archive, "select articles_changed from crawl_runs order by id desc")[0]
    assert stored == 8


def test_a_few_edits_are_not_a_mass_change(archived, tmp_path):
    archive = copy_of(archived, tmp_path)
    revisions_before = revisions(archive)
    result = crawl(FaultPlan(body_edits(5)), archive)  # 5 of 28: under the share
    assert result.returncode == 0, result.stderr[-3000:]
    assert revisions(archive) == revisions_before + 5


# --- the bad-day faults themselves ------------------------------------------------------------


def test_each_bad_day_page_is_served_with_status_200_in_the_portals_chrome():
    from datetime import datetime, timedelta, timezone
    from urllib.request import urlopen

    today = datetime.now(timezone(timedelta(hours=7))).strftime("%d/%m/%Y")
    path = FaultPlan.article(EDITED[0])
    for kind in sorted(NOTICE_KINDS):
        with FaultyPortal(FaultPlan.bad_day(kind)) as portal:
            with urlopen(portal.base_url + path) as answer:
                status, page = answer.status, answer.read().decode("utf-8")
        assert status == 200, kind
        if kind == "challenge":  # a firewall's page, not the portal's
            assert "SiteHeader" not in page and "JavaScript" in page
        else:
            assert 'class="SiteHeader"' in page and 'class="SiteFooter"' in page, kind
            assert today in page, kind
    soft = NOTICE_KINDS["soft404"]().page()
    assert "<h1 class=\"ArticleHeader\">Thông báo</h1>" in soft
    assert "Bài viết không tồn tại hoặc đã bị gỡ bỏ khỏi hệ thống…" in soft


def test_faults_are_selected_on_the_command_line_like_the_others():
    from sample_portal.faults import SoftNotFound, parse_fault

    assert parse_fault("/x=soft404") == ("/x", SoftNotFound())
    assert parse_fault("/x=edit:năm 2024=>năm 2025") == ("/x", Edit("năm 2024", "năm 2025"))
    with pytest.raises(ValueError):
        parse_fault("/x=soft404:3")
    plan = FaultPlan.bad_day("login", edited=EDITED)
    assert len(plan.paths) == 28
    assert plan.paths[FaultPlan.article(EDITED[0])] == Edit(*EDITED[1:])
