"""Every sample article and other-portal page, extracted and compared field by field with its
hand-written truth (tests/fixtures/expected, tests/fixtures/other_portals)."""

from __future__ import annotations

import re

import pytest
from support.fixtures import FIXTURE_BASE, load_truths

from crawler import text as textnorm
from crawler.extraction import extract_page

CASES = load_truths()
LAYOUT_OF_GENERATION = {
    "current": "cantho-current",
    "websphere": "cantho-websphere",
    "unknown": "fallback",
    "other": "fallback",
}
COMPARED_FIELDS = ("title", "published", "author", "lead", "body", "portal_id", "section")
# Markers that never belong in a body, whatever the sentence around them.
BOILERPLATE_MARKERS = ("Cỡ chữ", "Lượt xem", "THỐNG KÊ TRUY CẬP", "Tiêu đề bài viết:",
                       "Nội dung như sau", "ipv6 ready", "Chung nhan Tin Nhiem Mang", "+A | -A",
                       "Đang truy cập", "Tháng hiện tại")


def _extract(truth: dict, page):
    return extract_page(page.read_bytes(), FIXTURE_BASE + truth["path"],
                        encoding=truth.get("charset"))


def test_there_are_fixtures_for_every_case_listed_in_the_issue():
    generations = {truth["generation"] for _, truth, _ in CASES}
    assert {"current", "websphere", "unknown", "other"} <= generations
    assert len([c for c in CASES if c[1]["generation"] != "other"]) >= 25


@pytest.mark.parametrize(("name", "truth", "page"), CASES, ids=[c[0] for c in CASES])
def test_fields_match_the_truth(name, truth, page):
    article = _extract(truth, page)
    got = article.to_dict()
    for field in COMPARED_FIELDS:
        assert got[field] == truth[field], f"{name}: {field}"
    assert got["images"] == truth["images"], f"{name}: images"
    assert got["attachments"] == truth["attachments"], f"{name}: attachments"
    assert got["url"] == FIXTURE_BASE + truth["path"]
    assert got["layout"] == LAYOUT_OF_GENERATION[truth["generation"]]
    assert got["language"] == "vi"
    assert got["word_count"] == textnorm.word_count(" ".join([truth["title"], truth["lead"],
                                                              truth["body"]]))


@pytest.mark.parametrize(("name", "truth", "page"), CASES, ids=[c[0] for c in CASES])
def test_no_boilerplate_survives_in_the_body(name, truth, page):
    article = _extract(truth, page)
    for paragraph in article.body.split("\n\n"):
        assert not textnorm.is_boilerplate(paragraph), paragraph
        assert not textnorm.is_cms_id(paragraph)
    for marker in BOILERPLATE_MARKERS:
        assert marker not in article.body
        assert marker not in article.body_html
    assert not textnorm.CMS_UUID.search(article.body)


@pytest.mark.parametrize(("name", "truth", "page"), CASES, ids=[c[0] for c in CASES])
def test_body_html_is_safe(name, truth, page):
    body_html = _extract(truth, page).body_html
    assert not re.search(r"<\s*(script|style|iframe|object|embed|form)\b", body_html, re.I)
    assert not re.search(r"\son\w+\s*=", body_html, re.I)
    assert "javascript:" not in body_html.lower()

