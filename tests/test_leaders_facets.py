"""Facets by leader and by activity on Datasette's articles table (archive/leaders/web/facets.py):
the counts, and that following a facet's link filters the table to exactly those articles;
and the person page's month chart.

Served in process through Datasette's own ASGI client, built as `tinlanhdao serve` builds it
(archive.web.build_datasette); the articles are written by us, the people invented.
"""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from archive import Archive
from archive.leaders.web import month_chart
from archive.web import build_datasette
from crawler.article import Article

PEOPLE = {"people": [{"name": "Mai Văn Chủ", "terms": [
    {"role": "Chủ tịch UBND", "from": "2020-01-01", "to": "2020-12-31",
     "source": "written by us for this test"}]}]}

ARTICLES = [
    ("2020-03-05", "Chủ tịch UBND thành phố tiếp đoàn công tác",
     "Chủ tịch UBND thành phố tiếp đoàn công tác tỉnh bạn."),
    ("2023-01-12", "Phó Chủ tịch UBND thành phố kiểm tra chợ Tết",
     "Phó Chủ tịch UBND thành phố Hồ Thị Năm kiểm tra chợ Tân An."),
    ("2023-04-02", "Phó Chủ tịch UBND thành phố tiếp đoàn doanh nghiệp",
     "Phó Chủ tịch UBND thành phố Hồ Thị Năm và Bí thư Thành ủy Trần Văn Chín tiếp đoàn."),
    ("2023-04-05", "Bí thư Thành ủy dự lễ khánh thành cầu",
     "Bí thư Thành ủy Trần Văn Chín dự lễ khánh thành cầu Trần Hoàng Na."),
    ("2023-05-01", "Thành phố triển khai kế hoạch", "Các sở triển khai kế hoạch năm."),
]


@pytest.fixture()
def datasette(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    people = tmp_path / "people.json"
    people.write_text(json.dumps(PEOPLE, ensure_ascii=False), encoding="utf-8")
    monkeypatch.setenv("TINLANHDAO_PEOPLE", str(people))
    path = tmp_path / "tinlanhdao.db"
    with Archive(path) as archive:
        for n, (published, title, body) in enumerate(ARTICLES, start=1):
            archive.store_article(Article(url=f"http://example.test/{n}", title=title, body=body,
                                          published=published))
    return build_datasette(path)


def get_json(datasette, path: str) -> dict:
    async def fetch():
        await datasette.invoke_startup()
        return await datasette.client.get(path)

    response = asyncio.run(fetch())
    assert response.status_code == 200, response.text
    return response.json()


def titles(page: dict) -> list[str]:
    return sorted(row["title"] for row in page["rows"])


def facet(page: dict, name: str) -> dict[str, dict]:
    return {str(v["label"]): v for v in page["facet_results"][name]["results"]}


def local(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}.json?{parts.query}" if not parts.path.endswith(".json") else \
        f"{parts.path}?{parts.query}"


def test_the_articles_table_has_leader_and_activity_facets(datasette):
    page = get_json(datasette, "/tinlanhdao/articles.json?_shape=objects")
    leaders = facet(page, "leader")
    # Mai Văn Chủ: article 1 names only the office, linked by the people file (inferred).
    assert {name: v["count"] for name, v in leaders.items()} == {
        "Hồ Thị Năm": 2, "Trần Văn Chín": 2, "Mai Văn Chủ": 1}
    activities = facet(page, "activity")
    assert {name: v["count"] for name, v in activities.items()} == {
        "receives a delegation": 2, "inspects": 1, "attends a ceremony": 1, "other": 1}
    assert "section" in page["facet_results"]  # the metadata file's own facet stays


def test_a_leader_facet_click_filters_the_articles_to_the_ones_counted(datasette):
    page = get_json(datasette, "/tinlanhdao/articles.json?_shape=objects")
    for name, value in facet(page, "leader").items():
        filtered = get_json(datasette, local(value["toggle_url"]) + "&_shape=objects")
        assert len(filtered["rows"]) == value["count"] == filtered["filtered_table_rows_count"]
        assert facet(filtered, "leader")[name]["selected"] is True
    chin = facet(page, "leader")["Trần Văn Chín"]
    filtered = get_json(datasette, local(chin["toggle_url"]) + "&_shape=objects")
    assert titles(filtered) == ["Bí thư Thành ủy dự lễ khánh thành cầu",
                                "Phó Chủ tịch UBND thành phố tiếp đoàn doanh nghiệp"]
    # Within Trần Văn Chín's articles, Hồ Thị Năm appears in one: both selected, one article.
    nam = facet(filtered, "leader")["Hồ Thị Năm"]
    assert nam["count"] == 1
    both = get_json(datasette, local(nam["toggle_url"]) + "&_shape=objects")
    assert titles(both) == ["Phó Chủ tịch UBND thành phố tiếp đoàn doanh nghiệp"]
    # Clicking a selected value removes it again.
    again = facet(both, "leader")["Hồ Thị Năm"]
    assert again["selected"] and "_leader" in again["toggle_url"]
    assert len(get_json(datasette, local(again["toggle_url"]) + "&_shape=objects")["rows"]) == 2


def test_an_activity_facet_click_filters_and_combines_with_a_leader(datasette):
    page = get_json(datasette, "/tinlanhdao/articles.json?_shape=objects")
    receives = facet(page, "activity")["receives a delegation"]
    filtered = get_json(datasette, local(receives["toggle_url"]) + "&_shape=objects")
    assert titles(filtered) == ["Chủ tịch UBND thành phố tiếp đoàn công tác",
                                "Phó Chủ tịch UBND thành phố tiếp đoàn doanh nghiệp"]
    assert {n: v["count"] for n, v in facet(filtered, "leader").items()} == {
        "Mai Văn Chủ": 1, "Hồ Thị Năm": 1, "Trần Văn Chín": 1}
    mai = facet(filtered, "leader")["Mai Văn Chủ"]
    assert titles(get_json(datasette, local(mai["toggle_url"]) + "&_shape=objects")) == [
        "Chủ tịch UBND thành phố tiếp đoàn công tác"]


def test_an_unknown_leader_id_filters_everything_out_and_says_so(datasette):
    async def fetch():
        await datasette.invoke_startup()
        return await datasette.client.get("/tinlanhdao/articles?_leader=999")

    response = asyncio.run(fetch())
    assert response.status_code == 200
    assert "mentions person 999 (unknown)" in response.text
    assert "0 rows" in response.text


def test_a_facet_over_its_time_limit_is_reported_as_timed_out(datasette, monkeypatch):
    from datasette.database import QueryInterrupted

    execute = datasette.execute

    async def slow_on_mentions(database, sql, *args, **kwargs):
        if "FROM mentions m" in sql:
            raise QueryInterrupted(None, sql, None)
        return await execute(database, sql, *args, **kwargs)

    monkeypatch.setattr(datasette, "execute", slow_on_mentions)
    page = get_json(datasette, "/tinlanhdao/articles.json?_shape=objects")
    assert "leader" not in page["facet_results"] and "activity" in page["facet_results"]
    assert len(page["rows"]) == len(ARTICLES)

    async def fetch():
        return await datasette.client.get("/tinlanhdao/articles")

    html = asyncio.run(fetch())
    assert html.status_code == 200 and "These facets timed out: leader" in html.text


def test_the_month_chart_shows_every_month_its_count_and_its_name() -> None:
    """The person page's chart (archive.leaders.web.month_chart): empty months are there as
    gaps, each bar says its count, and up to two years every month is named; a longer span
    names each January and its two ends."""
    short = str(month_chart([{"month": "2023-01", "articles": 2},
                             {"month": "2023-04", "articles": 1}]))  # fmt: skip
    assert re.findall(r'data-month="([\d-]+)" data-articles="(\d+)"', short) == [
        ("2023-01", "2"), ("2023-04", "1")]
    labels = re.findall(r">(\d{4}-\d{2})</text>", short)
    assert labels == ["2023-01", "2023-02", "2023-03", "2023-04"]
    assert re.findall(r'text-anchor="middle">(\d+)</text>', short) == ["2", "1"]
    long = str(month_chart([{"month": "2019-11", "articles": 1},
                            {"month": "2023-02", "articles": 4}]))  # fmt: skip
    assert re.findall(r">(\d{4}-\d{2})</text>", long) == [
        "2019-11", "2020-01", "2021-01", "2022-01", "2023-01", "2023-02"]
    assert month_chart([]) == ""
