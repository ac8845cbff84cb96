"""Every extraction fixture of every group (tests/fixtures/pages/<group>/), extracted and compared
field by field with its stored expected JSON; the layout with its meta file.

The pages are stored copies and the expected JSON is reviewed data, refreshed by hand with
``scripts/refresh_fixtures.py`` after a reviewed change; nothing here is generated at test time.
"""

from __future__ import annotations

import re

import pytest
from support.fixture_pages import META_KEYS, ORIGINS, dump_json, load_fixtures

from crawler import text as textnorm
from crawler.extraction import FALLBACK, LAYOUTS

FIXTURES = load_fixtures()
ARTICLES = [f for f in FIXTURES if "not_an_article" not in f.expected]
# Markers that never belong in a body, whatever the sentence around them.
BOILERPLATE_MARKERS = ("Cỡ chữ", "Lượt xem", "THỐNG KÊ TRUY CẬP", "Tiêu đề bài viết:",
                       "Nội dung như sau", "ipv6 ready", "Chung nhan Tin Nhiem Mang", "+A | -A",
                       "Đang truy cập", "Tháng hiện tại")


def by_id(fixtures):
    return pytest.mark.parametrize("fixture", fixtures, ids=[f.id for f in fixtures])


def test_the_fixtures_cover_both_portal_generations_the_fallback_and_other_portals():
    groups = {f.group for f in FIXTURES}
    assert {"sample_portal", "other_portals"} <= groups
    layouts = {f.meta["layout"] for f in ARTICLES}
    assert {layout.name for layout in (*LAYOUTS, FALLBACK)} <= layouts
    assert len([f for f in FIXTURES if f.group == "sample_portal"]) >= 25


@by_id(FIXTURES)
def test_every_field_matches_the_expected_json(fixture):
    fields, layout = fixture.extract()
    expected = fixture.expected
    assert sorted(fields) == sorted(expected), f"{fixture.id}: fields"
    for name in sorted(expected):
        assert fields[name] == expected[name], f"{fixture.id}: {name}"
    if "not_an_article" not in expected:
        assert layout == fixture.meta["layout"], f"{fixture.id}: layout"


@by_id(FIXTURES)
def test_the_fixture_files_are_complete_and_canonical(fixture):
    meta = fixture.meta
    assert set(meta) == META_KEYS and meta["origin"] in ORIGINS
    assert meta["source"].strip() and meta["url"].startswith(("http://", "https://"))
    known = {layout.name for layout in (*LAYOUTS, FALLBACK)}
    assert meta["layout"] in known, f"{fixture.id}: unknown layout {meta['layout']!r}"
    for path, value in ((fixture.meta_path, meta), (fixture.expected_path, fixture.expected)):
        assert path.read_text("utf-8") == dump_json(value), f"{path.name} is not canonical JSON"
    if "not_an_article" in fixture.expected:
        assert set(fixture.expected) == {"not_an_article"} and fixture.expected["not_an_article"]


def test_no_file_in_a_fixture_group_is_left_over():
    named = {path for f in FIXTURES for path in (f.page_path, f.expected_path, f.meta_path)}
    folders = {f.page_path.parent for f in FIXTURES}
    stray = [path for folder in folders for path in folder.iterdir() if path not in named]
    assert not stray


@by_id(ARTICLES)
def test_no_boilerplate_survives_in_the_body(fixture):
    fields, _ = fixture.extract()
    for paragraph in fields["body"].split("\n\n"):
        assert not textnorm.is_boilerplate(paragraph), paragraph
        assert not textnorm.is_cms_id(paragraph)
    for marker in BOILERPLATE_MARKERS:
        assert marker not in fields["body"]
        assert marker not in fields["body_html"]
    assert not textnorm.CMS_UUID.search(fields["body"])


@by_id(ARTICLES)
def test_body_html_is_safe(fixture):
    body_html = fixture.extract()[0]["body_html"]
    assert not re.search(r"<\s*(script|style|iframe|object|embed|form)\b", body_html, re.I)
    assert not re.search(r"\son\w+\s*=", body_html, re.I)
    assert "javascript:" not in body_html.lower()
