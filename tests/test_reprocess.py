"""`tinlanhdao reprocess`: today's rules over the stored captures, offline (the sample portal is
stopped before any of these tests run): a changed rule updates exactly the articles it touches
with one revision each, changing it back restores them, and nothing pretends to be a fetch."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from support.captures import crawled, query

import crawler.extraction
from archive import Archive, storing
from archive.cli import main
from archive.reprocess import reprocess
from crawler.extraction import NotAnArticle

REAL_EXTRACT = crawler.extraction.extract_page


@pytest.fixture
def archive_path(tmp_path) -> Path:
    """A copy of the three-run archive and its WARC files (the portal is not running)."""
    return crawled().copy(tmp_path / "copy")


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def snapshot(archive: Path) -> dict[int, dict]:
    return {r["id"]: dict(r) for r in query(archive, "select * from articles")}


def revision_count(archive: Path) -> dict[int, int]:
    rows = query(archive, "select article_id, count(*) from revisions group by article_id")
    return {article_id: count for article_id, count in rows}


def drop_the_author(monkeypatch, version: str = "test+no-author") -> None:
    """A changed rule: the extractor no longer reports bylines (and has a new version)."""

    def extract(*args, **kwargs):
        return dataclasses.replace(REAL_EXTRACT(*args, **kwargs), author="", content_hash="")

    monkeypatch.setattr(crawler.extraction, "extract_page", extract)
    monkeypatch.setattr(crawler.extraction, "extractor_version", lambda layout="": version)


def test_reprocessing_with_the_same_rules_changes_nothing(archive_path):
    before = snapshot(archive_path)
    result = run("reprocess", "--db", str(archive_path))
    assert result.exit_code == 0, result.output
    assert "Reprocessed 28 articles" in result.output
    assert "0 changed, 28 unchanged, 0 failed" in result.output
    after = snapshot(archive_path)
    for article_id, row in before.items():  # provenance may name the current extractor
        row.pop("extractor_version"), after[article_id].pop("extractor_version")
    assert after == before
    assert sum(revision_count(archive_path).values()) == 28


def test_dropping_the_author_then_restoring_the_rule(archive_path, monkeypatch):
    before = snapshot(archive_path)
    with_author = {i for i, row in before.items() if row["author"]}
    assert 0 < len(with_author) < 28  # some sample articles have no byline

    drop_the_author(monkeypatch)
    result = run("reprocess", "--db", str(archive_path), "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["changed"] == len(with_author) and set(report["changed_ids"]) == with_author
    assert report["unchanged"] == 28 - len(with_author) and report["failed"] == 0
    dropped = snapshot(archive_path)
    counts = revision_count(archive_path)
    for article_id, row in dropped.items():
        old = before[article_id]
        assert row["author"] is None  # absent is NULL (m003_researchers)
        assert counts[article_id] == (2 if article_id in with_author else 1)
        assert row["extractor_version"] == "test+no-author"
        # Not a fetch: last_seen and first_seen stay; the capture is the one read.
        assert (row["last_seen"], row["first_seen"]) == (old["last_seen"], old["first_seen"])
        assert row["capture_id"] == old["capture_id"]
    newest = query(archive_path, "select * from revisions where id in "
                   "(select max(id) from revisions group by article_id)")
    for revision in newest:
        if revision["article_id"] in with_author:
            article = dropped[revision["article_id"]]
            assert revision["run_id"] is None and revision["author"] is None
            assert revision["capture_id"] == article["capture_id"]
            assert revision["extractor_version"] == "test+no-author"
            [capture] = query(archive_path, "select fetched_at from captures where id = ?",
                              article["capture_id"])
            assert revision["fetched_at"] == capture["fetched_at"]

    monkeypatch.setattr(crawler.extraction, "extract_page", REAL_EXTRACT)
    monkeypatch.setattr(crawler.extraction, "extractor_version", lambda layout="": "test+restored")
    result = run("reprocess", "--db", str(archive_path))
    assert result.exit_code == 0, result.output
    assert f"{len(with_author)} changed, {28 - len(with_author)} unchanged" in result.output
    restored = snapshot(archive_path)
    counts = revision_count(archive_path)
    for article_id, row in restored.items():
        assert row["author"] == before[article_id]["author"]
        assert row["content_hash"] == before[article_id]["content_hash"]
        assert counts[article_id] == (3 if article_id in with_author else 1)


def test_a_capture_that_no_longer_parses_is_reported_and_its_article_left_alone(
    archive_path, monkeypatch
):
    victim = query(archive_path, "select * from articles where author != '' order by id")[0]

    def extract(body, url, **kwargs):
        if url.endswith(victim["url"].rsplit("/", 1)[-1]):
            raise NotAnArticle("no_body", url)
        return dataclasses.replace(REAL_EXTRACT(body, url, **kwargs), author="", content_hash="")

    monkeypatch.setattr(crawler.extraction, "extract_page", extract)
    result = run("reprocess", "--db", str(archive_path))
    assert result.exit_code == 1
    assert f"#{victim['id']} {victim['url']}: capture #{victim['capture_id']} " \
           "not_article:no_body; article left as it was" in result.output
    assert "Traceback" not in result.output
    [after] = query(archive_path, "select * from articles where id = ?", victim["id"])
    assert dict(after) == dict(victim)
    assert revision_count(archive_path)[victim["id"]] == 1


def test_selection_by_date_and_by_url(archive_path, monkeypatch):
    drop_the_author(monkeypatch)
    in_2024 = {r["id"] for r in query(archive_path, "select id from articles where "
                                      "published like '2024%' and author != ''")}
    result = run("reprocess", "--since", "2024", "--until", "2024-12", "--json",
                 "--db", str(archive_path))
    assert result.exit_code == 0, result.output
    assert set(json.loads(result.stdout)["changed_ids"]) == in_2024
    [one] = query(archive_path, "select * from articles where author != '' and published "
                  "not like '2024%' limit 1")
    result = run("reprocess", "--url", one["url"], "--json", "--db", str(archive_path))
    report = json.loads(result.stdout)
    assert (report["selected"], report["changed_ids"]) == (1, [one["id"]])
    result = run("reprocess", "--url", "http://nowhere.test/x", "--db", str(archive_path))
    assert result.exit_code == 1 and "No article with URL" in result.output


def test_one_process_and_several_workers_agree(archive_path, tmp_path, monkeypatch):
    drop_the_author(monkeypatch)
    other = crawled().copy(tmp_path / "other")
    reports = [json.loads(run("reprocess", "--workers", workers, "--json", "--db", str(db)).stdout)
               for workers, db in (("1", archive_path), ("3", other))]
    assert reports[0] == reports[1] and reports[0]["changed"] > 0
    assert snapshot(archive_path) == snapshot(other)


def test_reprocessing_keeps_removal_marks(archive_path, monkeypatch):
    [article] = query(archive_path, "select * from articles where author != '' limit 1")
    with Archive(archive_path) as archive:
        storing.mark_removed(archive.db, article["url"], "2026-01-01T00:00:00Z", "http_404")
    drop_the_author(monkeypatch)
    assert run("reprocess", "--url", article["url"], "--db", str(archive_path)).exit_code == 0
    [after] = query(archive_path, "select * from articles where id = ?", article["id"])
    assert (after["removed_at"], after["removed_reason"]) == ("2026-01-01T00:00:00Z", "http_404")
    assert after["author"] is None


def test_missing_warc_files_are_reported_not_a_traceback(archive_path):
    shutil.rmtree(archive_path.parent / "warc")
    result = run("reprocess", "--db", str(archive_path))
    assert result.exit_code == 1
    assert "unreadable: cannot read" in result.output and "Traceback" not in result.output
    assert "0 changed, 0 unchanged, 28 failed" in result.output


def test_articles_without_captures_are_counted(tmp_path):
    from support.articles import seed_article

    path = tmp_path / "old.db"
    with Archive(path) as archive:
        archive.store_article(seed_article())
        report = reprocess(archive)
    assert (report.selected, report.without_capture, report.changed) == (0, 1, 0)
    result = run("reprocess", "--db", str(path))
    assert result.exit_code == 0 and "1 selected articles have no capture" in result.output


def test_reprocess_has_help_with_an_example():
    result = run("reprocess", "-h")
    assert result.exit_code == 0 and "Example:" in result.output
