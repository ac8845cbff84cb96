"""The archive's storage contract: idempotent storing, revisions, no deletes, WAL, migrations."""

from __future__ import annotations

import re
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest
from support.articles import build_archive, da_nang_article, seed_article

from archive import (
    Archive,
    ArchiveEmpty,
    ArchiveNotFound,
    ArticleNotFound,
    InvalidArticle,
    default_archive_path,
    index,
    reading,
    runs,
    schema,
    storing,
)
from archive.search import search_articles
from crawler.article import Article, Attachment, Image

DOCS = Path(__file__).resolve().parents[1] / "docs" / "archive.md"


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "tinlanhdao.db"


@pytest.fixture
def archive(db_path: Path):
    with Archive(db_path) as opened:
        yield opened


def rows(archive: Archive, sql: str, params: list | None = None) -> list[dict]:
    return list(archive.db.query(sql, params or []))


def test_creates_file_and_folder_in_wal_mode(db_path: Path, archive: Archive) -> None:
    assert db_path.is_file()
    assert archive.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert archive.db.journal_mode == "wal"


def test_tables_and_columns_are_the_documented_ones(archive: Archive) -> None:
    # The migrations' literal SQL and the documented TABLES: same columns, order and types.
    for spec in schema.TABLES.values():
        columns = archive.db.table(spec.name).columns_dict
        assert list(columns.items()) == list(spec.column_types().items()), spec.name
    assert archive.db.table("articles").detect_fts() == "articles_fts"


def test_every_table_and_column_is_documented(archive: Archive) -> None:
    docs = DOCS.read_text(encoding="utf-8")
    for spec in schema.TABLES.values():
        assert f"### {spec.name}" in docs
        section = docs.split(f"### {spec.name}", 1)[1].split("\n### ", 1)[0]
        for column in spec.columns:
            assert re.search(rf"^\| `{column.name}` \|", section, re.M), (spec.name, column.name)


def test_new_article_gets_row_first_revision_images(archive: Archive) -> None:
    run_id = runs.start_run(archive.db, "tinlanhdao", "full", "https://x/")
    assert archive.store_article(seed_article(), run_id) == "new"
    [article] = rows(archive, "select * from articles")
    assert article["title"] == seed_article().title
    assert article["year"] == 2023
    assert article["first_seen"] == article["last_seen"] == "2024-01-10T03:00:00Z"
    assert article["content_hash"] == seed_article().compute_hash()
    [revision] = rows(archive, "select * from revisions")
    assert (revision["article_id"], revision["run_id"]) == (article["id"], run_id)
    assert revision["body"] == article["body"]
    [image] = rows(archive, "select * from images")
    assert image["position"] == 1 and image["revision_id"] == revision["id"]
    assert image["replaced_at"] is None


def test_storing_unchanged_article_only_moves_last_seen(archive: Archive) -> None:
    archive.store_article(seed_article())
    before = {t: rows(archive, f"select * from {t}") for t in schema.TABLES if t != "migrations"}
    later = seed_article(fetched_at="2024-02-01T00:00:00Z")
    assert archive.store_article(later) == "unchanged"
    after = {t: rows(archive, f"select * from {t}") for t in schema.TABLES if t != "migrations"}
    assert after["articles"][0]["last_seen"] == "2024-02-01T00:00:00Z"
    after["articles"][0]["last_seen"] = before["articles"][0]["last_seen"]
    assert after == before


def test_changed_article_adds_exactly_one_revision(archive: Archive) -> None:
    archive.store_article(seed_article())
    changed = seed_article(
        body=seed_article().body + "\n\nĐoạn bổ sung.", fetched_at="2024-03-01T00:00:00Z"
    )  # replace() keeps the old content_hash: the archive must recompute it
    assert archive.store_article(changed) == "changed"
    assert archive.store_article(changed) == "unchanged"
    [article] = rows(archive, "select * from articles")
    assert article["body"].endswith("Đoạn bổ sung.")
    assert article["first_seen"] == "2024-01-10T03:00:00Z"
    assert article["last_seen"] == "2024-03-01T00:00:00Z"
    revisions = rows(archive, "select * from revisions order by id")
    assert len(revisions) == 2
    assert revisions[0]["body"] == seed_article().body  # the first version counts
    assert revisions[1]["content_hash"] == article["content_hash"]
    # Images did not change: the same single row still stands.
    assert len(rows(archive, "select * from images")) == 1


def test_changed_images_keep_old_rows_marked_replaced(archive: Archive) -> None:
    archive.store_article(da_nang_article())
    new_images = [Image(src="https://example.org/b.jpg", caption="Ảnh mới")]
    archive.store_article(da_nang_article(images=new_images, fetched_at="2024-07-01T00:00:00Z"))
    images = rows(archive, "select * from images order by id")
    assert [(i["src"], i["replaced_at"]) for i in images] == [
        ("https://example.org/a.jpg", "2024-07-01T00:00:00Z"),
        ("https://example.org/b.jpg", None),
    ]
    assert images[1]["revision_id"] == 2
    assert len(rows(archive, "select * from attachments")) == 1  # unchanged: kept as is
    current = reading.get_article(archive.db, da_nang_article().url)
    assert [i["src"] for i in current["images"]] == ["https://example.org/b.jpg"]
    assert [a["url"] for a in current["attachments"]] == ["https://example.org/bien-ban.pdf"]


def test_attachments_are_stored_in_page_order(archive: Archive) -> None:
    files = [Attachment(url=f"https://x/{n}.pdf", title=f"Tệp {n}") for n in (3, 1, 2)]
    archive.store_article(da_nang_article(attachments=files))
    got = rows(archive, "select position, url from attachments order by position")
    assert [r["url"] for r in got] == ["https://x/3.pdf", "https://x/1.pdf", "https://x/2.pdf"]


def test_rows_are_never_deleted(archive: Archive) -> None:
    counts = []
    for n in range(4):
        archive.store_article(seed_article(title=f"Tiêu đề {n % 2}"))
        archive.store_article(da_nang_article())
        counts.append({t: archive.db.table(t).count for t in ("articles", "revisions", "images")})
    for before, after in zip(counts, counts[1:], strict=False):
        assert all(after[t] >= before[t] for t in before)
    assert counts[-1]["articles"] == 2
    assert counts[-1]["revisions"] == 1 + 4  # Đà Nẵng once, the seed once per title change


def test_each_article_is_committed_when_stored(db_path: Path, archive: Archive) -> None:
    archive.store_article(seed_article())
    other = sqlite3.connect(db_path)
    assert other.execute("select count(*) from articles").fetchone()[0] == 1
    assert not archive.db.conn.in_transaction
    other.close()


def test_a_failed_store_leaves_nothing_half_written(archive: Archive) -> None:
    archive.db.execute(
        "CREATE TRIGGER refuse AFTER INSERT ON images BEGIN SELECT RAISE(ABORT, 'boom'); END"
    )
    with pytest.raises(sqlite3.IntegrityError):
        archive.store_article(seed_article())
    assert archive.db.table("articles").count == 0
    assert archive.db.table("revisions").count == 0


def test_a_batch_commits_once_and_each_article_succeeds_or_fails_alone(
    db_path: Path, archive: Archive
) -> None:
    other = sqlite3.connect(db_path)
    with archive.batch():
        assert archive.store_article(seed_article()) == "new"
        with pytest.raises(InvalidArticle):
            archive.store_article(seed_article(url="http://x.test/b", body=""))
        assert archive.store_article(da_nang_article()) == "new"
        assert other.execute("select count(*) from articles").fetchone()[0] == 0  # not yet
    assert other.execute("select count(*) from articles").fetchone()[0] == 2
    other.close()
    with pytest.raises(RuntimeError), archive.batch(), archive.batch():
        pass


def test_an_error_leaving_a_batch_undoes_all_of_it(archive: Archive) -> None:
    with pytest.raises(KeyError), archive.batch():
        archive.store_article(seed_article())
        archive.store_article(da_nang_article())
        raise KeyError("the block failed")
    assert archive.db.table("articles").count == 0
    assert archive.store_article(seed_article()) == "new"  # the archive is usable afterwards


def test_dict_articles_are_accepted(archive: Archive) -> None:
    assert archive.store_article(seed_article().to_dict() | {"extra": 1}) == "new"
    assert archive.store_article(seed_article()) == "unchanged"


@pytest.mark.parametrize("missing", ["url", "title", "body"])
def test_invalid_articles_are_refused(archive: Archive, missing: str) -> None:
    with pytest.raises(InvalidArticle):
        archive.store_article(seed_article(**{missing: ""}))


def test_runs_record_start_end_status_counts(archive: Archive) -> None:
    run_id = runs.start_run(archive.db, "tinlanhdao", "incremental", "https://x/")
    runs.finish_run(
        archive.db,
        run_id,
        "finished",
        "finished",
        {"new": 3, "changed": 1, "unchanged": 7, "failed": 2, "downloader/request_count": 20},
    )
    [run] = rows(archive, "select * from crawl_runs")
    assert run["status"] == "finished" and run["finished_at"] >= run["started_at"]
    assert (run["articles_new"], run["articles_changed"], run["articles_unchanged"]) == (3, 1, 7)
    assert (run["failures"], run["requests"]) == (2, 20)
    assert '"downloader/request_count": 20' in run["counts"]


def test_failures_are_recorded_and_404_marks_removed(archive: Archive) -> None:
    run_id = runs.start_run(archive.db, "tinlanhdao")
    archive.store_article(seed_article())
    storing.record_failure(archive.db, "https://x/broken", "timeout", None, run_id, detail="30 s")
    storing.record_failure(archive.db, seed_article().url, "http_404", 404, run_id)
    failures = rows(archive, "select url, reason, http_status, run_id from failures order by id")
    assert failures == [
        {"url": "https://x/broken", "reason": "timeout", "http_status": None, "run_id": run_id},
        {"url": seed_article().url, "reason": "http_404", "http_status": 404, "run_id": run_id},
    ]
    [article] = rows(archive, "select removed_at from articles")
    assert article["removed_at"] is not None
    archive.store_article(seed_article(fetched_at="2025-01-01T00:00:00Z"))  # it came back
    assert rows(archive, "select removed_at from articles")[0]["removed_at"] is None


def test_has_article_and_get_article(archive: Archive) -> None:
    assert not reading.has_article(archive.db, seed_article().url)
    archive.store_article(seed_article())
    assert reading.has_article(archive.db, seed_article().url)
    by_id = reading.get_article(archive.db, 1)
    assert by_id == reading.get_article(archive.db, seed_article().url)
    assert by_id == reading.get_article(archive.db, "1")
    assert len(by_id["revisions"]) == 1
    with pytest.raises(ArticleNotFound):
        reading.get_article(archive.db, 99)


def test_readonly_missing_empty_and_not_sqlite(tmp_path: Path) -> None:
    with pytest.raises(ArchiveNotFound, match="scrapy crawl tinlanhdao"):
        Archive(tmp_path / "nothing.db", readonly=True)
    (tmp_path / "empty.db").touch()
    with pytest.raises(ArchiveEmpty):
        Archive(tmp_path / "empty.db", readonly=True)
    Archive(tmp_path / "fresh.db").close()
    with Archive(tmp_path / "fresh.db", readonly=True) as fresh, pytest.raises(ArchiveEmpty):
        fresh.require_articles()


def test_readonly_archive_cannot_write(db_path: Path) -> None:
    build_archive(db_path)
    with Archive(db_path, readonly=True) as reader, pytest.raises(sqlite3.OperationalError):
        reader.store_article(seed_article(title="Khác"))


def test_reader_sees_rows_stored_after_it_opened(db_path: Path) -> None:
    build_archive(db_path, [seed_article()])
    with Archive(db_path, readonly=True) as reader, Archive(db_path) as writer:
        assert reading.article_count(reader.db) == 1
        writer.store_article(da_nang_article())
        assert reading.article_count(reader.db) == 2


def test_rebuild_search_index_keeps_d_folding(archive: Archive) -> None:
    archive.store_article(da_nang_article())
    index.rebuild_search_index(archive.db)
    assert [hit.id for hit in search_articles(archive.db, "da nang")] == [1]
    assert [hit.id for hit in search_articles(archive.db, "Đà Nẵng")] == [1]


def test_default_archive_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TINLANHDAO_ARCHIVE", raising=False)
    assert default_archive_path() == Path("data/tinlanhdao.db")
    monkeypatch.setenv("TINLANHDAO_ARCHIVE", "/srv/archive.db")
    assert default_archive_path() == Path("/srv/archive.db")


def test_unchanged_content_takes_the_latest_derived_fields(tmp_path):
    """Same text, new rendering (a fixed extractor): no revision, but the row follows it."""
    with Archive(tmp_path / "a.db") as archive:
        first = _derived_case_article()
        assert archive.store_article(first) == "new"
        redone = replace(first, body_html="<p>Đoạn một.</p>\n<p>Đoạn hai, <b>đậm</b>.</p>",
                         layout="cantho-current-v2", content_hash="")
        assert archive.store_article(redone) == "unchanged"
        row = archive.db.execute(
            "select body_html, layout from articles where url = ?", [first.url]).fetchone()
        assert row == (redone.body_html, "cantho-current-v2")
        assert archive.db.execute("select count(*) from revisions").fetchone() == (1,)


def _derived_case_article():
    return Article(url="http://sample.portal/hoat-dong-lanh-dao-thanh-pho/x", title="Tiêu đề",
                   body="Đoạn một.\n\nĐoạn hai, đậm.", published="2024-01-02",
                   body_html="<p>Đoạn một.</p>\n<p>Đoạn hai, đậm.</p>", layout="cantho-current")
