"""The archive in a real browser: ``tinlanhdao serve`` as a user starts it, headless Chromium
(Debian's package) driven by Playwright: the articles reading list, an article page, searches
typed into the box, and the charts of the database page. Each test saves a screenshot
(1400x1000) in $TINLANHDAO_SCREENSHOTS if set, else in the test's temporary folder, for a person
to look at.

Needs ``pip install playwright`` (its wheel ships the driver; no ``playwright install``) and
``apt-get install -y chromium``; skipped with the reason if either is missing.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from support.articles import build_archive, da_nang_article, other_article, seed_article
from support.browser import screenshot, serving

from crawler.article import Article

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]

playwright_api = pytest.importorskip(
    "playwright.sync_api", reason="Playwright is not installed: pip install playwright"
)
pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Chromium is not installed: apt-get install -y chromium"
)


# Written by us: an article where "đã" and "nâng" stand side by side, which an unmarked
# "da nang" matches and a marked "Đà Nẵng" must not.
DECOY = Article(
    url="https://www.cantho.gov.vn/hoat-dong-lanh-dao-thanh-pho/nang-cap-duong",
    title="Thành phố đã nâng cấp tuyến đường tỉnh 923",
    body="Sở Giao thông vận tải đã nâng cấp tuyến đường, phục vụ người dân đi lại.",
    published="2024-07-01",
    author="Lan Anh",
    fetched_at="2024-07-02T00:00:00Z",
)
# Written by us: active content a row written by another tool could carry; the article page
# must render none of it.
HOSTILE_HTML = (
    "<p>Đoạn thứ nhất của bài.</p>"
    "<script>window.__pwned = 'script'</script>"
    '<img src="x" onerror="window.__pwned = \'onerror\'">'
    '<p><a href="javascript:window.__pwned = \'link\'">liên kết</a></p>'
    '<iframe src="data:text/html,<script>parent.__pwned=1</script>"></iframe>'
    "<style>body { display: none }</style>"
    "<p>Đoạn thứ hai của bài.</p>"
)


@pytest.fixture
def served_archive(tmp_path: Path):
    """`tinlanhdao serve` on an archive holding the seed article; yields the base URL."""
    db_path = build_archive(
        tmp_path / "tinlanhdao.db",
        [seed_article(), da_nang_article(), other_article(1), DECOY],
    )
    with sqlite3.connect(db_path) as conn:  # as another tool would write it
        conn.execute(
            "UPDATE articles SET body_html = ? WHERE url = ?", [HOSTILE_HTML, other_article(1).url]
        )
    conn.close()
    with serving(db_path) as base:
        yield base


def test_search_box_finds_the_seed_article(served_archive: str) -> None:
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(f"{served_archive}/tinlanhdao/articles")
            assert page.locator("#_search").is_visible()
            page.fill("#_search", "nong thon moi")
            with page.expect_navigation():
                page.press("#_search", "Enter")
            assert "_search=nong+thon+moi" in page.url
            results = page.locator("table.rows-and-columns").inner_text()
            assert seed_article().title in results
            assert da_nang_article().title not in results
            assert "1 article for" in page.content()
        finally:
            browser.close()


@pytest.fixture
def browser_page():
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser.new_page(viewport={"width": 1400, "height": 1000})
        finally:
            browser.close()


def test_articles_table_is_a_reading_list(served_archive: str, browser_page, tmp_path) -> None:
    page = browser_page
    page.goto(f"{served_archive}/tinlanhdao/articles")
    rows = page.locator("table.tld-list tbody tr")
    assert rows.count() == 4
    first = rows.nth(0)
    # Newest first: date, title (a link to the article page), author, excerpt, portal link.
    assert first.locator("td.tld-date").inner_text() == "2024-07-01"
    assert first.locator("td.tld-title a").inner_text() == DECOY.title
    assert "đã nâng cấp tuyến đường" in first.locator(".tld-excerpt").inner_text()
    assert first.locator("td.tld-author").inner_text() == "Lan Anh"
    assert first.locator("td.tld-link a").get_attribute("href") == DECOY.url
    # The rows start on the first screen; column descriptions are folded away.
    assert first.bounding_box()["y"] < 1000
    assert not page.locator("dl.column-descriptions").is_visible()
    assert page.locator("details.tld-columns summary").is_visible()
    assert "body_html" not in page.locator("table.tld-list").inner_text()
    assert "Suggested facets" not in page.content()  # off: they cost most of a large page
    screenshot(page, "articles-table", tmp_path)
    # On a phone the rows stack; no cell carries a label of Datasette's columns ("id", "url").
    page.set_viewport_size({"width": 400, "height": 900})
    labels = page.evaluate(
        "[...document.querySelectorAll('table.tld-list td')]"
        ".map(td => getComputedStyle(td, '::before').content)"
    )
    assert labels and set(labels) <= {"none", "normal"}
    screenshot(page, "articles-table-narrow", tmp_path)
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.click("text=Show every column")
    page.wait_for_url("**_view=columns**")
    page.locator("table.rows-and-columns th").first.wait_for()  # the new page has its table
    headers = page.locator("table.rows-and-columns th").all_inner_texts()
    assert {"body_html", "content_hash", "published_date"} <= {h.strip() for h in headers}


def test_article_page_reads_like_the_article(served_archive: str, browser_page, tmp_path) -> None:
    page = browser_page
    page.goto(f"{served_archive}/tinlanhdao/articles")
    page.click(f"text={da_nang_article().title}")
    article = page.locator("article.tld-article")
    assert article.locator("h1").inner_text() == da_nang_article().title
    assert article.locator(".tld-meta").inner_text() == (
        "2024-06-05 · Minh Huyền · Tin hoạt động của Lãnh đạo Thành phố"
    )
    paragraphs = article.locator(".tld-body p").all_inner_texts()
    assert paragraphs == da_nang_article().body.split("\n\n")
    assert article.locator("figcaption").inner_text() == "Quang cảnh buổi làm việc (Xuân Giang)"
    aside = page.locator(".tld-aside")
    assert aside.locator("a", has_text="Biên bản").get_attribute("href") == (
        "https://example.org/bien-ban.pdf"
    )
    assert "Revisions (1)" in aside.inner_text()
    assert "2024-06-06T01:00:00Z" in aside.inner_text()
    assert aside.locator(f'a[href="{da_nang_article().url}"]').count() == 1
    screenshot(page, "article-page", tmp_path)


def test_article_page_runs_nothing_from_the_body(served_archive: str, browser_page) -> None:
    page = browser_page
    page.goto(f"{served_archive}/tinlanhdao/articles")
    page.click(f"text={other_article(1).title}")
    body = page.locator(".tld-body")
    paragraphs = body.locator("p").all_inner_texts()
    assert paragraphs[0] == "Đoạn thứ nhất của bài." and paragraphs[-1] == "Đoạn thứ hai của bài."
    for link in body.locator("a").all():
        link.click()
    assert page.evaluate("window.__pwned") is None
    html = body.inner_html()
    for active in ("<script", "onerror", "javascript:", "<iframe", "<style"):
        assert active not in html
    assert page.locator("body").is_visible()


def test_search_is_ranked_and_respects_tone_marks(
    served_archive: str, browser_page, tmp_path
) -> None:
    page = browser_page
    page.goto(f"{served_archive}/tinlanhdao/articles")
    page.fill("#_search", "Đà Nẵng")
    with page.expect_navigation():
        page.press("#_search", "Enter")
    titles = page.locator("table.tld-list td.tld-title > a").all_inner_texts()
    assert titles == [da_nang_article().title]  # not "đã nâng cấp"
    assert page.locator("table.tld-list mark").first.inner_text() == "Đà"
    screenshot(page, "search-marked", tmp_path)
    page.fill("#_search", "da nang")
    with page.expect_navigation():
        page.press("#_search", "Enter")
    titles = page.locator("table.tld-list td.tld-title > a").all_inner_texts()
    # Unmarked, every spelling: "đã nâng" side by side (in the decoy's title) counts too.
    assert set(titles[:2]) == {da_nang_article().title, DECOY.title}
    screenshot(page, "search-unmarked", tmp_path)
    page.fill("#_search", "NOT nong")
    with page.expect_navigation():
        page.press("#_search", "Enter")
    assert "needs at least one word" in page.locator(".tld-error").inner_text()


def test_home_page_charts_have_drawn_marks(served_archive: str, browser_page, tmp_path) -> None:
    page = browser_page
    page.goto(f"{served_archive}/tinlanhdao")
    charts = page.locator("svg.tld-chart")
    assert charts.count() == 3
    monthly = charts.nth(0).locator("rect.tld-bar")
    heights = [float(bar.get_attribute("height")) for bar in monthly.all()]
    # 2022-03 .. 2024-07: 29 months, four of them with an article.
    assert len(heights) == 29 and sum(1 for h in heights if h > 0) == 4
    box = monthly.nth(0).bounding_box()
    assert box["width"] > 0 and box["height"] > 0
    # Every month label is drawn whole inside the chart, the newest month's included.
    labels = charts.nth(0).locator("text[transform]")  # the slanted month labels
    assert [label.text_content() for label in labels.all()][-1] == "2024-07"
    frame = charts.nth(0).bounding_box()
    for box in (label.bounding_box() for label in labels.all()):
        assert frame["x"] <= box["x"] and box["x"] + box["width"] <= frame["x"] + frame["width"]
        assert box["y"] + box["height"] <= frame["y"] + frame["height"]
    authors = [t.text_content() for t in charts.nth(1).locator("title").all()]
    assert "Kim Xuyến: 1" in authors
    screenshot(page, "charts", tmp_path)
