"""Extraction never raises anything but NotAnArticle, whatever the input."""

from __future__ import annotations

import pytest
from conftest import SITE_DIR
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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
