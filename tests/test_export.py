"""Issue 13, data that drops into tools: the NULL rule (storing and migrating), `tinlanhdao
export` in csv (Excel), jsonl and Parquet with its selection and its refusals, `tinlanhdao list`.

The articles are written by us for these tests (support.articles' seed, Đà Nẵng and fillers).
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from support.articles import build_archive, da_nang_article, other_article, seed_article

from archive import Archive, migrations
from archive.cli import main
from archive.search import search_articles
from crawler.article import Attachment, Image

NO_BYLINE = other_article(3, published="2024-02-10", author="")
NO_BYLINE.images = [Image(src="https://example.org/no-credit.jpg", caption="Toàn cảnh")]
NO_BYLINE.attachments = [Attachment(url="https://example.org/x.pdf")]


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return build_archive(
        tmp_path / "tinlanhdao.db",
        [seed_article(), da_nang_article(), other_article(1), other_article(2, "2023-11-20"),
         NO_BYLINE],
    )  # fmt: skip


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


def rows(path: Path, sql: str) -> list[dict]:
    connection = sqlite3.connect(path)
    connection.row_factory = sqlite3.Row
    try:
        return [dict(row) for row in connection.execute(sql)]
    finally:
        connection.close()


def assert_one_line_error(result: Result, text: str, code: int = 1) -> None:
    assert result.exit_code == code, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert text in result.output and len(result.output.strip().splitlines()) == 1


# --- the NULL rule ------------------------------------------------------------------------------


def test_absent_text_is_stored_as_null(db_path: Path) -> None:
    [article] = rows(db_path, f"select * from articles where url = '{NO_BYLINE.url}'")
    assert article["author"] is None and article["lead"] is None and article["layout"] is None
    [revision] = rows(db_path, f"select * from revisions where article_id = {article['id']}")
    assert revision["author"] is None and revision["lead"] is None
    [image] = rows(db_path, f"select * from images where article_id = {article['id']}")
    assert (image["caption"], image["credit"]) == ("Toàn cảnh", None)
    [attachment] = rows(db_path, f"select * from attachments where article_id = {article['id']}")
    assert attachment["title"] is None
    for table, column in (("articles", "author"), ("articles", "lead"), ("images", "credit"),
                          ("revisions", "lead"), ("attachments", "title")):  # fmt: skip
        assert rows(db_path, f"select count(*) as n from {table} where {column} = ''")[0]["n"] == 0


def test_storing_again_unchanged_keeps_the_images(db_path: Path) -> None:
    with Archive(db_path) as archive:
        assert archive.store_article(NO_BYLINE) == "unchanged"
    images = rows(db_path, "select * from images where src like '%no-credit%'")
    assert len(images) == 1 and images[0]["replaced_at"] is None


def test_migration_turns_empty_strings_of_older_archives_into_null(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "old.db"
    # an archive without m003 (later migrations make tables of their own, which storing needs)
    without_m003 = [m for m in migrations.MIGRATIONS if m is not migrations.m003_researchers]
    monkeypatch.setattr(migrations, "MIGRATIONS", without_m003)
    build_archive(path, [seed_article(), NO_BYLINE])
    with sqlite3.connect(path) as old:  # what the older code stored for absent text
        old.execute("UPDATE articles SET author = '', lead = '' WHERE author IS NULL")
        old.execute("UPDATE revisions SET author = '', lead = '' WHERE author IS NULL")
        old.execute("UPDATE images SET credit = '' WHERE credit IS NULL")
        old.execute("UPDATE crawl_runs SET finish_reason = ''")
    old.close()
    assert rows(path, "select count(*) as n from articles where author = ''")[0]["n"] == 1
    monkeypatch.undo()
    Archive(path).close()  # migrates
    for table, column in (("articles", "author"), ("articles", "lead"), ("revisions", "author"),
                          ("images", "credit"), ("crawl_runs", "finish_reason")):  # fmt: skip
        counts = rows(path, f"select total({column} = '') as empty, "
                            f"total({column} is null) as nulls from {table}")[0]  # fmt: skip
        assert counts["empty"] == 0 and counts["nulls"] >= 1, (table, column)
    with Archive(path, readonly=True) as archive:  # the search index followed the update
        hits = search_articles(archive.db, '"so ket lan thu 3"')
        assert {hit.title for hit in hits} == {NO_BYLINE.title}


# --- export ----------------------------------------------------------------------------------


def test_csv_for_excel_starts_with_a_byte_order_mark(db_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "articles.csv"
    result = run("export", "--excel", "-o", out, "--db", db_path)
    assert result.exit_code == 0, result.output
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbfid,url,") and b"\r\n" in data
    table = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert len(table) == 5 and seed_article().title in {row["title"] for row in table}
    plain = run("export", "--db", db_path).stdout
    assert plain.startswith("id,url,") and "\r\n" not in plain
    assert "published_date" in plain.splitlines()[0]


def test_export_selects_by_query_author_and_dates(db_path: Path) -> None:
    def urls(*options: str) -> list[str]:
        result = run("export", "--format", "jsonl", *options, "--db", db_path)
        assert result.exit_code == 0, result.output
        return [json.loads(line)["url"] for line in result.stdout.splitlines()]

    assert urls("--query", "Đà Nẵng") == [da_nang_article().url]
    assert urls("--query", "dieu phoi") == [seed_article().url]
    assert urls("--author", "thanh tam") == [other_article(1).url, other_article(2).url]
    assert urls("--since", "2023-06", "--until", "2024-02") == [other_article(2).url,
                                                                NO_BYLINE.url]  # fmt: skip
    assert urls("--query", "hoi nghi", "--author", "Thanh Tâm", "--since", "2023") == [
        other_article(2).url
    ]
    assert urls("--query", "không có chữ này") == []


def test_jsonl_keeps_nulls_and_media(db_path: Path) -> None:
    result = run("export", "--format", "jsonl", "--since", "2024-02", "--until", "2024-02",
                 "--db", db_path)  # fmt: skip
    [article] = [json.loads(line) for line in result.stdout.splitlines()]
    assert article["author"] is None and article["published_date"] == "2024-02-10"
    assert article["images"] == [
        {"src": "https://example.org/no-credit.jpg", "caption": "Toàn cảnh", "credit": None}
    ]


def test_parquet_has_typed_columns_and_nulls(db_path: Path, tmp_path: Path) -> None:
    duckdb = pytest.importorskip("duckdb")
    out = tmp_path / "articles.parquet"
    result = run("export", "--format", "parquet", "--query", "hoi nghi", "-o", out,
                 "--db", db_path)  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Wrote 4 articles" in result.output
    described = duckdb.sql(f"DESCRIBE SELECT * FROM '{out}'").fetchall()
    types = {name: kind for name, kind, *_ in described}
    assert types["id"] == "BIGINT" and types["published_date"] == "DATE"
    assert types["title"] == "VARCHAR" and types["word_count"] == "BIGINT"
    found = duckdb.sql(
        f"SELECT title, author, CAST(published_date AS VARCHAR) FROM '{out}' ORDER BY id"
    ).fetchall()
    assert (seed_article().title, "Kim Xuyến", "2023-05-19") in found
    assert (NO_BYLINE.title, None, "2024-02-10") in found


def test_existing_output_is_kept_unless_force(db_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "mine.csv"
    out.write_text("my own notes\n", encoding="utf-8")
    result = run("export", "-o", out, "--db", db_path)
    assert_one_line_error(result, "exists: pass --force")
    assert out.read_text(encoding="utf-8") == "my own notes\n"
    assert run("export", "-o", out, "--force", "--db", db_path).exit_code == 0
    assert out.read_text(encoding="utf-8").startswith("id,url,")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["-o", "{tmp}/missing/a.csv"], "does not exist"),
        (["-o", "{tmp}"], "is a folder"),
        (["-o", "{db}", "--force"], "is the archive itself"),
        (["--format", "jsonl", "--excel"], "--excel is for csv only"),
        (["--format", "parquet"], "give a file with -o"),
        (["--query", "-x"], "only excludes words"),
        (["--since", "2025", "--until", "2024"], "since comes after until"),
    ],
)
def test_refusals_are_one_line(
    db_path: Path, tmp_path: Path, options: list[str], message: str
) -> None:
    filled = [o.format(tmp=tmp_path, db=db_path) for o in options]
    result = run("export", *filled, "--db", db_path)
    assert_one_line_error(result, message, code=2 if message.startswith(("only", "since")) else 1)
    assert rows(db_path, "select count(*) as n from articles")[0]["n"] == 5  # archive intact


def test_a_failed_export_leaves_no_file(
    db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import archive.export

    real = archive.export.iter_articles

    def breaks_midway(*args, **kwargs):
        for n, row in enumerate(real(*args, **kwargs)):
            if n == 2:
                raise OSError(28, "No space left on device")
            yield row

    monkeypatch.setattr(archive.export, "iter_articles", breaks_midway)
    result = run("export", "-o", tmp_path / "a.csv", "--db", db_path)
    assert_one_line_error(result, "No space left on device")
    assert [p.name for p in tmp_path.iterdir() if "a.csv" in p.name] == []  # nor a partial one


# --- list ------------------------------------------------------------------------------------


def test_list_shows_the_latest_first_with_filters(db_path: Path) -> None:
    def titles(*options: str) -> list[str]:
        result = run("list", "--json", *options, "--db", db_path)
        assert result.exit_code == 0, result.output
        return [row["title"] for row in json.loads(result.stdout)]

    assert titles() == [a.title for a in (da_nang_article(), NO_BYLINE, other_article(2),
                                          seed_article(), other_article(1))]  # fmt: skip
    assert titles("--limit", "2") == [da_nang_article().title, NO_BYLINE.title]
    assert titles("--author", "KIM XUYEN") == [seed_article().title]
    assert titles("--since", "2023", "--until", "2023-12") == [other_article(2).title,
                                                               seed_article().title]  # fmt: skip
    text = run("list", "--limit", "1", "--db", db_path).output
    assert da_nang_article().title in text and "2024-06-05 · Minh Huyền" in text


def test_list_refuses_an_empty_range_and_says_when_nothing_matches(db_path: Path) -> None:
    assert_one_line_error(
        run("list", "--since", "2025", "--until", "2024", "--db", db_path), "empty", code=2
    )
    result = run("list", "--author", "Không Ai", "--db", db_path)
    assert result.exit_code == 0 and result.output.strip() == "No articles match."
