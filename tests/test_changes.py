"""Judging a change (archive/changes.py) and the storing path's guard (archive/changeguard.py).

Both sides: every bad-day page the sample portal serves (sample_portal/faults.py, written by
us), extracted by the real extractor, is "not the article" against every sample article's
truth (tests/fixtures/pages/sample_portal/*.json, the authored truth); and real edits of those
same articles (a paragraph changed, a paragraph removed, a corrected title, a changed author
or lead, a corrected date) are edits. Then the archive: a refused page changes nothing and is
recorded with its reason; a soft 404 seen by two runs marks the article removed, and the
article coming back clears it; a holding run stores its changes at its end, or keeps them
out; reprocessing a notice capture leaves the article as it was.
"""

from __future__ import annotations

import dataclasses
import sqlite3
from datetime import datetime
from pathlib import Path

import pytest
from support.articles import SEED_PARAGRAPHS, seed_article
from support.fixture_pages import load_fixtures

from archive import Archive, changeguard, reading, runs
from archive.changes import (
    VIETNAM,
    RunContext,
    Version,
    body_kept,
    crawl_day,
    judge,
    notice_kind,
    text_key,
)
from crawler.extraction import extract_page
from sample_portal.faults import NOTICE_KINDS, Notice

TRUTHS = {f.name: f.expected for f in load_fixtures() if f.group == "sample_portal"}
TODAY = datetime.now(VIETNAM).date().isoformat()
CONTEXT = RunContext(crawl_day=TODAY)


def notice_html(kind: str) -> str:
    fault = NOTICE_KINDS[kind]()
    return fault.page() if isinstance(fault, Notice) else fault.text


def notice_article(kind: str, url: str = "http://sample.portal/hoat-dong-lanh-dao-thanh-pho/a"):
    """The bad-day page of ``kind`` as the crawl extracts it (it does: that is the harm)."""
    return extract_page(notice_html(kind).encode(), url, content_type="text/html; charset=utf-8")


def truth(name: str) -> Version:
    return Version.of(TRUTHS[name])


def test_the_truths_and_notices_are_there():
    assert len(TRUTHS) == 28
    assert set(NOTICE_KINDS) == {"soft404", "maintenance", "error_page", "login", "challenge"}
    soft = notice_article("soft404")
    assert soft.title == "Thông báo" and soft.published.startswith(TODAY)
    assert soft.body.startswith("Bài viết không tồn tại hoặc đã bị gỡ bỏ khỏi hệ thống…")


# --- the judgement, both sides ----------------------------------------------------------------


@pytest.mark.parametrize("kind", sorted(NOTICE_KINDS))
def test_every_notice_kind_is_not_the_article_for_every_sample_article(kind):
    page = Version.of(notice_article(kind))
    assert notice_kind(page) is not None
    for name in TRUTHS:
        judgement = judge(truth(name), page, CONTEXT)
        assert judgement.not_the_article, (name, judgement)
        assert judgement.reason.startswith("notice:"), (name, judgement)
    assert judge(None, page, CONTEXT).not_the_article  # a new URL answering a notice


def test_only_the_soft_404_is_a_suspected_removal():
    for kind in NOTICE_KINDS:
        judgement = judge(truth("2023-05-19-nong-thon-moi"), Version.of(notice_article(kind)))
        assert judgement.suspected_removal == (kind == "soft404"), kind


def _paragraphs(version: Version) -> list[str]:
    return version.body.split("\n\n")


def real_edits(version: Version) -> dict[str, Version]:
    """What an editor does to an article: none of it may be refused."""
    paragraphs = _paragraphs(version)
    middle = len(paragraphs) // 2
    edited = [*paragraphs]
    words = edited[middle].split()
    words[len(words) // 2] = "(đã đính chính)"
    edited[middle] = " ".join(words) + " Số liệu được cập nhật đến ngày 15/3."
    edits = {
        "edited paragraph": dataclasses.replace(version, body="\n\n".join(edited)),
        "corrected title": dataclasses.replace(version, title=version.title + " (cập nhật)"),
        "changed author": dataclasses.replace(version, author=version.author + " và Hoàng Yến"),
        "changed lead": dataclasses.replace(version, lead="Sáng nay, lãnh đạo thành phố đã dự."),
        "corrected date": dataclasses.replace(version, published="2001-01-01"),
        "title and date corrected": dataclasses.replace(
            version, title=version.title + " năm 2024", published="2001-01-01"),
        "edited paragraph dated today": dataclasses.replace(
            version, body="\n\n".join(edited), published=TODAY),
    }
    if len(paragraphs) >= 3:
        edits["paragraph removed"] = dataclasses.replace(
            version, body="\n\n".join(paragraphs[:middle] + paragraphs[middle + 1:]))
    return edits


@pytest.mark.parametrize("name", sorted(TRUTHS))
def test_real_edits_of_every_sample_article_are_edits(name):
    archived = truth(name)
    for what, edited in real_edits(archived).items():
        assert edited != archived
        judgement = judge(archived, edited, CONTEXT)
        assert not judgement.not_the_article, (what, judgement)


def test_each_signal_alone_and_together():
    archived = truth("2025-04-22-hoi-nghi-thanh-uy-quy-i")  # the long article
    stub = dataclasses.replace(archived, body=_paragraphs(archived)[0])
    assert judge(archived, stub, CONTEXT).signals == ("shrunk",)
    assert not judge(archived, stub, CONTEXT).not_the_article  # a cut article stays an edit
    stub_today = dataclasses.replace(stub, published=TODAY + "T08:00:00+07:00")
    assert judge(archived, stub_today, CONTEXT).reason == "shrunk+dated_today"
    dated_today = dataclasses.replace(archived, published=TODAY)
    assert judge(archived, dated_today, CONTEXT).signals == ("dated_today",)
    assert not judge(archived, dated_today, CONTEXT).not_the_article
    other = truth("2023-05-19-nong-thon-moi")
    assert judge(archived, other, CONTEXT).reason == "replaced"  # another article's page
    assert judge(archived, archived, RunContext(TODAY, same_text_urls=2)).signals == ()
    assert judge(archived, archived, RunContext(TODAY, same_text_urls=3)).reason == "same_text:3"


def test_notice_words_inside_real_articles_do_not_refuse_them():
    archived = truth("2024-10-18-chuc-mung-hoi-lien-hiep-phu-nu")  # a one-paragraph article
    quoted = dataclasses.replace(
        archived, body=archived.body + " Trước đó, trang web của hội đã xảy ra lỗi khi xử lý "
                                       "đăng ký và đang bảo trì để nâng cấp.")
    assert notice_kind(quoted) is not None
    assert not judge(archived, quoted, CONTEXT).not_the_article
    # an article that held the words already is judged like any other
    about = dataclasses.replace(archived, title="Hệ thống đang bảo trì, nâng cấp",
                                body="Hệ thống đang bảo trì, nâng cấp theo kế hoạch.")
    corrected = dataclasses.replace(about, body="Hệ thống tạm ngừng hoạt động để bảo trì, "
                                                "nâng cấp theo kế hoạch của Sở.")
    assert not judge(about, corrected, CONTEXT).not_the_article
    new_short = Version("Kiểm tra công tác bảo trì cầu Cần Thơ", "Sáng 5/6, Phó Chủ tịch UBND "
                        "thành phố kiểm tra công tác bảo trì, nâng cấp cầu; yêu cầu khắc phục "
                        "lỗi hệ thống chiếu sáng và không để người dân phải đăng nhập nhiều lần "
                        "trên cổng dịch vụ công.", TODAY)
    assert notice_kind(new_short) is None  # a new URL's short article, dated today: stored
    assert not judge(None, new_short, CONTEXT).not_the_article
    long_page = dataclasses.replace(archived, body="Vui lòng đăng nhập. " + "Nội dung dài. " * 90)
    assert "notice:login" not in judge(archived, long_page, CONTEXT).signals


def test_helpers():
    assert body_kept("a b c d", "a b c d") == 1.0 and body_kept("a b c d", "x y z") == 0.0
    assert body_kept("một", "một") == 1.0 and body_kept("một", "hai") == 0.0
    assert crawl_day("2026-12-02T18:30:00Z") == "2026-12-03"  # 01:30 in Vietnam
    assert crawl_day("not a date") == ""
    assert text_key(Version("Thông báo", "x")) == text_key(Version(" Thông  báo", "x", "2020"))
    assert text_key(Version("Thông báo", "x")) != text_key(Version("Thông báo", "y"))


# --- the archive ------------------------------------------------------------------------------


def notice_for(url: str, kind: str = "soft404", fetched_at: str = "2026-12-02T03:00:00Z"):
    page = notice_article(kind, url)
    return dataclasses.replace(page, fetched_at=fetched_at, content_hash="")


def current(archive: Archive, url: str) -> dict:
    row = reading.get_article(archive.db, url)
    return {k: row[k] for k in ("title", "body", "published", "author", "content_hash",
                                "removed_at", "removed_reason")}


def rows(archive: Archive, sql: str, *params) -> list[tuple]:
    return archive.db.execute(sql, params).fetchall()


def test_a_refused_page_changes_nothing_and_is_recorded(tmp_path):
    with Archive(tmp_path / "a.db") as archive:
        archive.store_article(seed_article())
        before = current(archive, seed_article().url)
        run_id = runs.start_run(archive.db, "tinlanhdao", "full")
        for kind in sorted(NOTICE_KINDS):
            assert archive.store_article(notice_for(seed_article().url, kind), run_id) == "refused"
        assert current(archive, seed_article().url) == before
        assert rows(archive, "select count(*) from revisions") == [(1,)]
        reasons = sorted(r for (r,) in rows(archive, "select reason from failures"))
        assert [r.split("+")[0] for r in reasons] == [
            "not_the_article:notice:challenge", "not_the_article:notice:error",
            "not_the_article:notice:login", "not_the_article:notice:maintenance",
            "suspected_removal:notice:removed"]
        assert all("+replaced" in r for r in reasons)  # another signal agrees each time
        # a new URL answering a notice is not archived either
        assert archive.store_article(notice_for("http://x.test/new"), run_id) == "refused"
        assert not reading.has_article(archive.db, "http://x.test/new")


def test_a_soft_404_in_two_runs_marks_the_article_removed_and_its_return_clears_it(tmp_path):
    url = seed_article().url
    with Archive(tmp_path / "a.db") as archive:
        archive.store_article(seed_article())
        first = runs.start_run(archive.db, "tinlanhdao", "full")
        assert archive.store_article(notice_for(url), first) == "refused"
        assert current(archive, url)["removed_at"] is None  # suspected only
        second = runs.start_run(archive.db, "tinlanhdao", "full")
        assert archive.store_article(
            notice_for(url, fetched_at="2026-12-03T03:00:00Z"), second) == "refused"
        marked = current(archive, url)
        assert marked["removed_at"] == "2026-12-03T03:00:00Z"
        assert marked["removed_reason"].startswith("soft_404:notice:removed+replaced")
        assert marked["title"] == seed_article().title
        statuses = [s for (s,) in rows(archive, "select status from held_changes order by id")]
        assert statuses == ["suspected_removal", "removal_confirmed"]
        third = runs.start_run(archive.db, "tinlanhdao", "full")
        back = seed_article(fetched_at="2026-12-04T03:00:00Z")
        assert archive.store_article(back, third) == "unchanged"
        assert current(archive, url)["removed_at"] is None


def test_a_soft_404_after_the_article_was_seen_again_is_only_suspected(tmp_path):
    url = seed_article().url
    with Archive(tmp_path / "a.db") as archive:
        archive.store_article(seed_article())
        archive.store_article(notice_for(url), runs.start_run(archive.db, "tinlanhdao"))
        archive.store_article(seed_article(fetched_at="2026-12-02T09:00:00Z"),
                              runs.start_run(archive.db, "tinlanhdao"))
        archive.store_article(notice_for(url, fetched_at="2026-12-03T03:00:00Z"),
                              runs.start_run(archive.db, "tinlanhdao"))
        assert current(archive, url)["removed_at"] is None


def edited_seed(**changes):
    paragraphs = [*SEED_PARAGRAPHS]
    paragraphs[1] = paragraphs[1].replace("60 sản phẩm", "62 sản phẩm")
    return seed_article(body="\n\n".join(paragraphs), fetched_at="2026-12-02T03:00:00Z",
                        **changes)


@pytest.mark.parametrize("store", [True, False])
def test_a_holding_run_stores_its_changes_at_its_end_or_keeps_them_out(tmp_path, store):
    with Archive(tmp_path / "a.db") as archive:
        archive.store_article(seed_article())
        before = current(archive, seed_article().url)
        run_id = runs.start_run(archive.db, "tinlanhdao", "full")
        assert changeguard.begin_run(archive, run_id) == 0
        assert archive.store_article(edited_seed(), run_id) == "held"
        assert current(archive, seed_article().url) == before  # nothing yet
        settlement = changeguard.settle_run(archive, run_id, store=store)
        after = current(archive, seed_article().url)
        revisions = rows(archive, "select count(*) from revisions")[0][0]
        status = rows(archive, "select status from held_changes")[0][0]
        if store:
            assert (settlement.stored, settlement.kept_out) == (1, 0)
            assert "62 sản phẩm" in after["body"] and revisions == 2 and status == "stored"
        else:
            assert (settlement.stored, settlement.kept_out) == (0, 1)
            assert after == before and revisions == 1 and status == "mass_change"
        # a later store is not held: the run is settled
        assert archive.store_article(edited_seed(author="Khác"), run_id) == "changed"


def test_the_same_text_under_many_urls_is_refused_at_the_runs_end(tmp_path):
    """A page no notice text knows, served for three articles: the first two are held (the
    run has not seen the third yet) and refused at the end with the whole run in view."""
    urls = [f"http://x.test/hoat-dong-lanh-dao-thanh-pho/{n}" for n in range(3)]
    with Archive(tmp_path / "a.db") as archive:
        for url in urls:
            archive.store_article(seed_article(url=url, title=f"Bài {url[-1]}"))
        run_id = runs.start_run(archive.db, "tinlanhdao", "full")
        changeguard.begin_run(archive, run_id)
        same = [seed_article(url=url, title="Trang đang được cập nhật",
                             fetched_at="2026-12-02T03:00:00Z") for url in urls]
        assert [archive.store_article(a, run_id) for a in same] == ["held", "held", "refused"]
        settlement = changeguard.settle_run(archive, run_id, store=True)
        assert (settlement.stored, settlement.refused) == (0, 2)
        titles = {reading.get_article(archive.db, url)["title"] for url in urls}
        assert titles == {"Bài 0", "Bài 1", "Bài 2"}
        assert len(rows(archive, "select * from failures where reason like "
                                 "'not_the_article:same_text:3%'")) == 3


def test_changes_held_by_a_run_that_died_are_abandoned_by_the_next(tmp_path):
    with Archive(tmp_path / "a.db") as archive:
        archive.store_article(seed_article())
        died = runs.start_run(archive.db, "tinlanhdao", "full")
        changeguard.begin_run(archive, died)
        assert archive.store_article(edited_seed(), died) == "held"
        runs.close_abandoned_runs(archive.db)
        assert changeguard.begin_run(archive, runs.start_run(archive.db, "tinlanhdao", "full")) == 1
        assert rows(archive, "select status from held_changes") == [("abandoned",)]
        assert "60 sản phẩm" in reading.get_article(archive.db, seed_article().url)["body"]


def test_the_migration_is_recorded(tmp_path):
    with Archive(tmp_path / "a.db") as archive:
        names = [r for (r,) in rows(archive, "select name from migrations")]
    assert names[-1] == "m004_held_changes"
    connection = sqlite3.connect(tmp_path / "a.db")
    tables = {r for (r,) in connection.execute("select name from sqlite_master")}
    assert {"held_runs", "held_changes"} <= tables


# --- reprocessing -----------------------------------------------------------------------------


def test_reprocessing_a_notice_capture_leaves_the_article_and_reports_it(tmp_path, monkeypatch):
    """The latest capture of one article is (as reprocessing reads it) a soft 404."""
    from support.captures import crawled

    import crawler.extraction
    from archive.reprocess import reprocess

    path: Path = crawled().copy(tmp_path / "copy")
    real = crawler.extraction.extract_page
    target = {}

    def extract(body, url, **kwargs):
        if not target:
            target["url"] = url
            return notice_article("soft404", url)
        return real(body, url, **kwargs)

    monkeypatch.setattr(crawler.extraction, "extract_page", extract)
    with Archive(path) as archive:
        hashes = "SELECT url, content_hash FROM articles"
        before = dict(archive.db.execute(hashes).fetchall())
        report = reprocess(archive)
        after = dict(archive.db.execute(hashes).fetchall())
    assert after == before
    assert report.changed == 0 and len(report.problems) == 1
    assert report.problems[0].reason.startswith("not_the_article:notice:removed+replaced")
