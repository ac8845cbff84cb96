"""Issue 13: search that respects tone marks, query errors that are never silent, and an archive
every tool can read (sqlite-utils tables --counts, sqlite-utils search, every Datasette page).

The articles are written by us for these tests.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import sqlite_utils
from click.testing import CliRunner
from sqlite_utils.cli import cli as sqlite_utils_cli
from support.articles import build_archive, other_article

from archive import Archive, QueryError
from archive.search import search_articles
from archive.web import build_datasette


def article(n: int, title: str, body: str):
    made = other_article(n)
    made.title, made.body = title, body
    return made


NAM = article(1, "Tổng kết năm 2024", "Thành phố tổng kết công tác năm 2024.")
MIEN_NAM = article(2, "Hội nghị các tỉnh miền Nam", "Các tỉnh miền Nam họp bàn hợp tác.")
HAN = article(3, "Đoàn doanh nghiệp Hàn Quốc", "Doanh nghiệp Hàn Quốc tìm hiểu đầu tư.")
HAN_CHE = article(4, "Chống hạn mùa khô", "Các huyện chủ động chống hạn, xâm nhập mặn.")
DA_NANG = article(5, "Làm việc với Đà Nẵng", "Đoàn công tác thành phố Đà Nẵng đến thăm.")
DECOY = article(6, "Đã nâng cấp đường", "Thành phố đã nâng cấp tuyến đường tỉnh.")
HOA = article(7, "Hoà nhập cộng đồng", "Chương trình hòa nhập cho người khuyết tật.")


@pytest.fixture(scope="module")
def db_path(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("marks") / "tinlanhdao.db"
    return build_archive(path, [NAM, MIEN_NAM, HAN, HAN_CHE, DA_NANG, DECOY, HOA])


def found(db_path: Path, query: str, **options) -> set[str]:
    with Archive(db_path, readonly=True) as archive:
        return {hit.title for hit in search_articles(archive.db, query, **options)}


@pytest.mark.parametrize(
    ("query", "titles"),
    [
        ("năm", {NAM.title}),
        ("Nam", {NAM.title, MIEN_NAM.title}),  # no marks typed: every spelling
        ("nam", {NAM.title, MIEN_NAM.title}),
        ("hàn", {HAN.title}),
        ("hạn", {HAN_CHE.title}),
        ("han", {HAN.title, HAN_CHE.title}),
        ("Đà Nẵng", {DA_NANG.title}),
        ('"Đà Nẵng"', {DA_NANG.title}),
        ("da nang", {DA_NANG.title, DECOY.title}),
        ("hòa nhập", {HOA.title}),  # either tone placement: hoà / hòa
        ("hoà", {HOA.title}),
        ("title:hoa", {HOA.title}),
        ("title:cong", {HOA.title}),  # "công" is in other bodies, not titles
    ],
)
def test_marked_words_match_that_spelling_only(db_path: Path, query: str, titles) -> None:
    assert found(db_path, query) == titles


def test_not_and_minus_exclude(db_path: Path) -> None:
    assert found(db_path, "thanh pho") >= {NAM.title, DA_NANG.title, DECOY.title}
    assert DECOY.title not in found(db_path, "thanh pho -nang")
    assert DECOY.title not in found(db_path, "thanh pho NOT nâng")
    assert DA_NANG.title in found(db_path, "thanh pho NOT nâng")


@pytest.mark.parametrize("query", ["NOT nam", "-nam", "-"])
def test_a_query_without_words_to_find_is_an_error(db_path: Path, query: str) -> None:
    with pytest.raises(QueryError):
        found(db_path, query)


def test_an_impossible_date_range_is_an_error(db_path: Path) -> None:
    with pytest.raises(QueryError, match="since comes after until"):
        found(db_path, "nam", since="2025", until="2024")
    assert found(db_path, "nam", since="2022-03", until="2022")  # same year: fine


def test_sqlite_utils_reads_every_table(db_path: Path) -> None:
    result = CliRunner().invoke(sqlite_utils_cli, ["tables", str(db_path), "--counts"])
    assert result.exit_code == 0, result.output
    assert '"table": "articles_fts_pairs", "count": 7' in result.output
    result = CliRunner().invoke(sqlite_utils_cli, ["search", str(db_path), "articles", "han"])
    assert result.exit_code == 0, result.output
    assert HAN.title in result.output and HAN_CHE.title in result.output


def test_every_datasette_page_answers(db_path: Path) -> None:
    datasette = build_datasette(db_path)
    db = sqlite_utils.Database(db_path)
    names = db.table_names() + db.view_names()

    async def statuses() -> dict[str, int]:
        return {
            name: (await datasette.client.get(f"/tinlanhdao/{name}")).status_code
            for name in names
        }

    assert {name: status for name, status in asyncio.run(statuses()).items() if status != 200} == {}


def test_index_stays_true_after_a_write_outside_the_archive(db_path: Path, tmp_path) -> None:
    copy = tmp_path / "tinlanhdao.db"
    copy.write_bytes(db_path.read_bytes())
    db = sqlite_utils.Database(copy)
    db["articles"].insert(
        {"url": "https://example.org/pandas", "title": "Năm mới", "body": "Ở Đà Nẵng."}
    )
    assert "Năm mới" in found(copy, "năm") and "Năm mới" in found(copy, "Đà Nẵng")
    db.execute("UPDATE articles SET title = 'Nam bộ' WHERE url = 'https://example.org/pandas'")
    assert "Nam bộ" not in found(copy, "năm") and "Nam bộ" in found(copy, "Nam")
