"""Pages we wrote for issue 11 in the styles of common CMS families (tests/fixtures/pages/written):
each is extracted and compared with its expected JSON, and the failure mode it imitates is
asserted on its own."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest

from crawler.extraction import NotAnArticle, extract_page

WRITTEN = Path(__file__).resolve().parent / "fixtures" / "pages" / "written"
NAMES = sorted(p.name[: -len(".meta.json")] for p in WRITTEN.glob("*.meta.json"))
FIELDS = ("title", "published", "author", "lead", "body", "images", "attachments")


def _load(name: str) -> tuple[bytes, dict, dict]:
    meta = json.loads((WRITTEN / f"{name}.meta.json").read_text("utf-8"))
    expected = json.loads((WRITTEN / f"{name}.json").read_text("utf-8"))
    return (WRITTEN / f"{name}.html").read_bytes(), expected, meta


def _extract(name: str):
    page, _, meta = _load(name)
    return extract_page(page, meta["url"])


def test_every_written_page_says_it_is_ours():
    assert len(NAMES) >= 3
    for name in NAMES:
        _, _, meta = _load(name)
        assert meta["origin"] == "synthetic"
        assert meta["source"].startswith("written by us for issue 11")


@pytest.mark.parametrize("name", NAMES)
def test_fields_match_the_expected_json(name):
    page, expected, meta = _load(name)
    if "not_an_article" in expected:
        with pytest.raises(NotAnArticle) as caught:
            extract_page(page, meta["url"])
        assert caught.value.reason == expected["not_an_article"]
        return
    article = extract_page(page, meta["url"]).to_dict()
    assert article["layout"] == meta["layout"]
    for field in FIELDS:
        assert article[field] == expected[field], f"{name}: {field}"


def test_a_portlet_header_h1_is_not_the_title_and_a_dash_in_the_headline_stays():
    article = _extract("liferay_portlet_headline")
    assert article.title == ("Chủ tịch UBND tỉnh làm việc với huyện Cù Lao Dung - Long Phú về "
                             "phòng chống sạt lở")
    assert "Tin tức nổi bật" not in article.title and "LIÊN KẾT" not in article.title


def test_a_closing_right_aligned_byline_is_the_author_and_leaves_the_body():
    article = _extract("liferay_portlet_headline")
    assert article.author == "Thanh Tâm"
    assert "Thanh Tâm" not in article.body


def test_a_photo_credit_on_its_own_line_goes_to_the_image_not_the_body():
    article = _extract("liferay_portlet_headline")
    assert "Ảnh" not in article.body and "Minh Khôi" not in article.body
    assert article.images[0].credit == "Minh Khôi"


def test_a_date_sharing_its_line_with_the_view_counter_is_read():
    assert _extract("liferay_portlet_headline").published == "2024-03-12T08:30:00+07:00"


def test_a_portal_name_title_gives_way_to_a_div_headline_in_nfd_text():
    page, _, _ = _load("portal_name_title_nfd")
    assert unicodedata.is_normalized("NFD", page.decode("utf-8"))
    article = _extract("portal_name_title_nfd")
    assert article.title == "Phó Chủ tịch UBND thành phố kiểm tra công trình kè sông Cái Răng"
    assert article.published == "2024-05-21T14:20:00+07:00"
    assert unicodedata.is_normalized("NFC", article.body)


def test_a_theo_line_is_the_author_and_a_cms_account_is_left_out():
    article = _extract("portal_name_title_nfd")
    assert article.author == "Báo Hòa Bình"
    assert "admin" not in article.author and "admin" not in article.body
    assert not article.body.endswith("Báo Hòa Bình")


def test_a_section_front_page_is_not_an_article():
    with pytest.raises(NotAnArticle) as caught:
        _extract("section_listing")
    assert caught.value.reason == "listing"


@pytest.mark.parametrize("section", ["tin-tuc-su-kien", "thong-bao"])
def test_the_sample_portals_other_section_listings_are_not_articles(section):
    # thong-bao lists a single teaser: its headline and summary are nearly all of its text
    page = (Path(__file__).resolve().parent.parent / "sample_portal" / "site" / "other"
            / f"{section}.html").read_bytes()
    with pytest.raises(NotAnArticle) as caught:
        extract_page(page, f"http://sample.portal/{section}")
    assert caught.value.reason == "listing"
