"""Extraction never raises anything but NotAnArticle, whatever the input.

``extract_page`` turns only undecodable or unparseable bytes into NotAnArticle; any other
exception escapes (it is a bug), so these tests fail on it instead of counting it a page.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.crawls import SITE_DIR

from crawler.extraction import Article, NotAnArticle, extract_page

TAGS = ["p", "div", "br", "img", "a", "font", "em", "strong", "figure", "figcaption", "table",
        "td", "h1", "h2", "script", "style", "span", "ul", "li"]
CLASSES = ["ArticleContent", "ArticleDetail", "wcm-noidung", "wcm-chitiet", "ShareBox", "x"]


def _extract_or_reason(body, url="http://sample.portal/x"):
    try:
        result = extract_page(body, url)
    except NotAnArticle as error:
        return error.reason
    assert isinstance(result, Article)
    assert result.title and result.body
    return result


@pytest.mark.parametrize(
    "body",
    [b"", b"   ", b"\x00\x00\x00", b"%PDF-1.4 binary \xff\xfe\x00", "<html>", "<p>only</p>",
     "<html><body><h1>Tiêu đề</h1></body></html>", "<" * 5000, "<div>" * 3000,
     "<html><head><title>x</title></head><body>" + "<b>" * 500 + "Nội dung" + "</b>" * 500,
     b"\xef\xbb\xbf<html><body><p>BOM</p></body></html>", '{"json": true}', "plain text only"],
)
def test_degenerate_inputs(body):
    _extract_or_reason(body)


def test_truncated_real_pages():
    pages = sorted((SITE_DIR / "articles").glob("*.html"))[:6]
    assert pages
    for page in pages:
        data = page.read_bytes()
        for cut in (10, len(data) // 3, len(data) // 2, len(data) - 7):
            _extract_or_reason(data[:cut])


@st.composite
def html_soup(draw):
    parts = []
    for _ in range(draw(st.integers(0, 40))):
        tag = draw(st.sampled_from(TAGS))
        kind = draw(st.integers(0, 3))
        text = draw(st.text(max_size=40))
        if kind == 0:
            css_class = draw(st.sampled_from(CLASSES))
            parts.append(f"<{tag} class='{css_class}'>")
        elif kind == 1:
            parts.append(f"</{tag}>")
        else:
            parts.append(text)
    return "".join(parts)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(html_soup())
def test_random_tag_soup(soup):
    _extract_or_reason(soup)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_random_bytes(data):
    _extract_or_reason(data)


def test_a_saved_page_takes_its_url_from_its_canonical_link():
    page = (SITE_DIR / "articles" / "2023-07-05-lam-viec-so-giao-duc.html").read_text("utf-8")
    canonical = "https://www.cantho.gov.vn/hoat-dong-lanh-dao-thanh-pho/lam-viec-so-giao-duc"
    page = page.replace('<link rel="canonical" href="/hoat-dong-lanh-dao-thanh-pho/chu-tich-ubnd-'
                        'thanh-pho-lam-viec-voi-so-giao-duc-va-dao-tao">',
                        f'<link rel="canonical" href="{canonical}">')  # fmt: skip
    assert canonical in page
    assert extract_page(page.encode(), "").url == canonical
    assert extract_page(page.encode(), "http://127.0.0.1:8642/a").url == "http://127.0.0.1:8642/a"


def test_the_byline_removed_is_the_one_taken_not_an_equal_line_before_it():
    paragraph = "<p>Đây là một đoạn văn bản dài về công tác của thành phố trong năm nay.</p>"
    page = ('<html><body><div class="ArticleDetail"><h1 class="ArticleHeader">Tin tức thành phố '
            f'Cần Thơ hôm nay</h1><div class="ArticleContent">{paragraph}<p>Trần Văn Bình</p>'
            f"{paragraph}<p>Trần Văn Bình</p></div></div></body></html>")  # fmt: skip
    article = extract_page(page, "https://x.gov.vn/a")
    assert article.author == "Trần Văn Bình"
    assert article.body.split("\n\n")[1] == "Trần Văn Bình"  # the line in the middle stays
    assert not article.body.endswith("Trần Văn Bình")  # the byline at the end went


def test_control_characters_that_libxml2_keeps_do_not_break_the_tree():
    # Found by test_random_tag_soup once extract_page stopped catching ValueError: libxml2 kept
    # U+001F in a text node, and moving that text (dropping a <script>) raised ValueError.
    soup = "<p class='ArticleContent'><script class='x'></p><p class='ArticleContent'></script>\x1f"
    _extract_or_reason(soup)
    page = ("<html><head><title>Tin tức \x01 thành phố Cần Thơ hôm nay</title></head><body><h1>"
            "Tin tức \x0b thành phố Cần Thơ hôm nay</h1><div><script>x</script>\x1fĐây là một đoạn"
            " văn bản dài về công tác của thành phố \ud800 trong năm nay.</div></body></html>")
    article = extract_page(page, "https://x.gov.vn/a")
    assert article.title == "Tin tức thành phố Cần Thơ hôm nay"
    assert "\x1f" not in article.body and "\ud800" not in article.body


def test_a_bug_in_a_layout_is_not_turned_into_not_an_article(monkeypatch):
    from crawler.extraction.layouts import CanThoCurrentLayout

    def broken(self):
        raise TypeError("a bug")

    monkeypatch.setattr(CanThoCurrentLayout, "title", broken)
    page = (SITE_DIR / "articles" / "2023-07-05-lam-viec-so-giao-duc.html").read_bytes()
    with pytest.raises(TypeError, match="a bug"):
        extract_page(page, "http://sample.portal/a")


@pytest.mark.parametrize("charset", ["x-no-such-charset", "utf-32"])
def test_a_charset_that_does_not_exist_or_fit_is_a_clean_answer(charset):
    page = "<html><body><h1>Tiêu đề bài viết khá dài</h1><p>Nội dung.</p></body></html>"
    content_type = f"text/html; charset={charset}"
    try:
        article = extract_page(page.encode(), "http://sample.portal/x", content_type=content_type)
    except NotAnArticle as error:
        assert error.reason
    else:
        assert article.title == "Tiêu đề bài viết khá dài"
