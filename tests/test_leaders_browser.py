"""The leader pages in a real browser: `tinlanhdao serve` as a user starts it, headless
Chromium (Debian's package) driven by Playwright, on an archive of articles written by us.
The list of leaders and a leader's page are saved as screenshots (see support.browser).

Skipped with the reason when Playwright or Chromium is missing.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from support.browser import screenshot, serving

from archive import Archive
from crawler.article import Article

CHROMIUM = Path("/usr/bin/chromium")
playwright_api = pytest.importorskip(
    "playwright.sync_api", reason="Playwright is not installed: pip install playwright"
)
pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Chromium is not installed: apt-get install -y chromium"
)

ARTICLES = [
    ("2023-01-12", "Phó Chủ tịch UBND thành phố kiểm tra chợ Tết",
     "Phó Chủ tịch UBND thành phố Hồ Thị Năm kiểm tra chợ Tân An."),
    ("2023-01-30", "Phó Chủ tịch UBND thành phố thăm gia đình chính sách",
     "Bà Hồ Thị Năm, Phó Chủ tịch UBND thành phố, thăm gia đình chính sách."),
    ("2023-04-02", "Phó Chủ tịch UBND thành phố tiếp đoàn doanh nghiệp",
     "Phó Chủ tịch UBND thành phố Hồ Thị Năm tiếp đoàn doanh nghiệp Nhật Bản."),
    ("2023-04-05", "Bí thư Thành ủy dự lễ khánh thành cầu",
     "Bí thư Thành ủy Trần Văn Chín dự lễ khánh thành cầu Trần Hoàng Na."),
]


@pytest.fixture
def served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    people = tmp_path / "people.json"
    people.write_text('{"people": []}', encoding="utf-8")
    monkeypatch.setenv("TINLANHDAO_PEOPLE", str(people))
    db_path = tmp_path / "tinlanhdao.db"
    with Archive(db_path) as archive:
        for n, (published, title, body) in enumerate(ARTICLES):
            archive.store_article(Article(url=f"http://example.test/{n}", title=title, body=body,
                                          published=published))
    with serving(db_path) as base:
        yield base


def test_a_leaders_page_shows_the_timeline_chart_and_links_to_articles(
    served: str, tmp_path: Path
) -> None:
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(f"{served}/tinlanhdao/-/leaders")
            screenshot(page, "leaders", tmp_path)
            rows = page.locator("table.leaders tbody tr")
            assert rows.count() == 2
            assert rows.nth(0).inner_text().split("\t")[:2] == ["Hồ Thị Năm", "3"]
            with page.expect_navigation():
                page.click("text=Hồ Thị Năm")
            assert page.locator("h1").inner_text() == "Hồ Thị Năm"
            chart = page.locator("svg.leader-timeline")
            assert chart.is_visible()
            assert chart.bounding_box()["height"] > 100
            bars = chart.locator("rect.month")
            assert [bars.nth(i).get_attribute("data-month") for i in range(bars.count())] == [
                "2023-01", "2023-04"]
            assert bars.nth(0).get_attribute("data-articles") == "2"
            # January's bar is twice as tall as April's, as drawn on the screen.
            assert bars.nth(0).bounding_box()["height"] == pytest.approx(
                2 * bars.nth(1).bounding_box()["height"], rel=0.05)
            screenshot(page, "leader-page", tmp_path)
            listed = page.locator("table.leader-articles tbody tr")
            assert listed.count() == 3
            assert "inspects" in listed.nth(0).inner_text()
            with page.expect_navigation():
                page.click("text=Phó Chủ tịch UBND thành phố tiếp đoàn doanh nghiệp")
            assert "/tinlanhdao/articles/3" in page.url
            assert "tiếp đoàn doanh nghiệp Nhật Bản" in page.content()
            page.goto(f"{served}/tinlanhdao/article_leaders")
            assert "Hồ Thị Năm" in " ".join(page.locator(".facet-info").all_inner_texts())
        finally:
            browser.close()
