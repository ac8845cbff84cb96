"""`tinlanhdao layout draft`: a layout class and a fixture drafted from one page of a layout we
do not know, which then reads a second page of that layout as the fallback read the first.

The two pages (tests/fixtures/layout_draft/page-1.html, page-2.html) were written by us for
this test: an invented district portal with portlet boxes whose headers are <h1>s and
ASP.NET-style generated ids.
"""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner
from support.fixture_pages import FIXTURES_DIR, dump_json, load_fixtures

from archive.cli import main
from crawler.extraction import LAYOUTS, extract_page
from crawler.extraction.draft import load_layout, stable_name

PAGES = FIXTURES_DIR.parent / "layout_draft"
SITE = "https://phongdien.example.gov.vn"
# Page 2's fields, as written into it by hand.
SECOND_PAGE = {
    "url": f"{SITE}/tin-tuc/pho-chu-tich-ubnd-huyen-du-le-khanh-thanh-cau-my-phuoc-1880.html",
    "title": "Phó Chủ tịch UBND huyện dự lễ khánh thành cầu Mỹ Phước",
    "published": "2025-03-28T15:10:00+07:00",
    "author": "Thu Hà",
    "section": "Hoạt động lãnh đạo huyện",
    "lead": "Chiều 28/3, bà Nguyễn Thị Kiều Oanh, Phó Chủ tịch UBND huyện Phong Điền, dự lễ "
            "khánh thành và đưa vào sử dụng cầu Mỹ Phước trên tuyến đường liên xã Mỹ Khánh - "
            "Nhơn Ái.",
    "images": [{"src": f"{SITE}/Uploads/2025/03/28/cau-my-phuoc.jpg",
                "caption": "Các đại biểu cắt băng khánh thành cầu Mỹ Phước", "credit": "Thu Hà"}],
    "attachments": [],
}
SECOND_PAGE_PARAGRAPHS = ("Cầu Mỹ Phước dài 42 m", "Công trình khởi công tháng 9/2024",
                          "Phát biểu tại buổi lễ", "Phó Chủ tịch UBND huyện đề nghị",
                          "Dịp này, UBND huyện trao giấy khen")


def draft(into, *extra):
    return CliRunner().invoke(main, [
        "layout", "draft", str(PAGES / "page-1.html"), "--name", "phong-dien",
        "--into", str(into), "--group", "written_layouts", "--origin", "synthetic",
        "--source", "written by us: tests/fixtures/layout_draft/page-1.html", *extra])


@pytest.fixture
def project(tmp_path):
    """An empty project tree to draft into."""
    (tmp_path / "crawler" / "extraction").mkdir(parents=True)
    return tmp_path


def test_a_drafted_layout_reads_a_second_page_of_its_layout(project):
    result = draft(project)
    assert result.exit_code == 0, result.output
    module = project / "crawler" / "extraction" / "layout_phong_dien.py"
    assert f"wrote {module}" in result.output
    layout = load_layout(module, "PhongDienLayout")
    assert layout.name == "phong-dien" and layout.version == "1" and layout.MARKER_CLASSES
    # Registered before the known layouts, it takes the second page and reads every field.
    article = extract_page((PAGES / "page-2.html").read_bytes(), "", layouts=(layout, *LAYOUTS))
    assert article.layout == "phong-dien"
    got = article.to_dict()
    for field, value in SECOND_PAGE.items():
        assert got[field] == value, field
    paragraphs = article.body.split("\n\n")
    assert len(paragraphs) == len(SECOND_PAGE_PARAGRAPHS)
    for paragraph, start in zip(paragraphs, SECOND_PAGE_PARAGRAPHS, strict=True):
        assert paragraph.startswith(start)
    assert "Lượt xem" not in article.body and "Chia sẻ" not in article.body


def test_the_selectors_are_declarative_and_avoid_generated_names(project):
    assert draft(project).exit_code == 0
    source = (project / "crawler" / "extraction" / "layout_phong_dien.py").read_text("utf-8")
    compile(source, "layout_phong_dien.py", "exec")
    selectors = dict(re.findall(r'^    ([A-Z_]+) = CSSSelector\("([^"]+)"\)$', source, re.M))
    assert {"ARTICLE", "TITLE", "DATE", "AUTHOR", "LEAD", "SECTION", "CONTENT"} <= set(selectors)
    for css in selectors.values():
        names = re.findall(r"[.#]([\w-]+)", css)
        assert all(stable_name(name) for name in names), css
        assert "INSTANCE" not in css and "ctl00" not in css and "nth-of-type" not in css
    markers = re.search(r"MARKER_CLASSES = frozenset\(\{(.*)\}\)", source).group(1)
    assert markers and "portlet" not in markers


def test_the_fixture_is_written_and_would_pass_once_the_layout_is_registered(project):
    assert draft(project).exit_code == 0
    folder = project / "tests" / "fixtures" / "pages" / "written_layouts"
    [fixture] = load_fixtures(folder.parent)
    assert fixture.id == "written_layouts/phong-dien"
    assert fixture.page() == (PAGES / "page-1.html").read_bytes()
    assert fixture.meta == {
        "origin": "synthetic", "source": "written by us: tests/fixtures/layout_draft/page-1.html",
        "url": f"{SITE}/tin-tuc/chu-tich-ubnd-huyen-kiem-tra-nao-vet-kenh-truong-thanh-1872.html",
        "charset": None, "layout": "phong-dien"}
    for path in (fixture.expected_path, fixture.meta_path):
        assert path.read_text("utf-8") == dump_json(json.loads(path.read_text("utf-8")))
    layout = load_layout(project / "crawler" / "extraction" / "layout_phong_dien.py",
                         "PhongDienLayout")
    article = extract_page(fixture.page(), fixture.meta["url"], layouts=(layout, *LAYOUTS))
    fields = article.to_dict()
    fields.pop("fetched_at"), fields.pop("layout")
    assert fields == fixture.expected
    assert fixture.expected["author"] == "Minh Khang"


def test_the_drafted_layout_leaves_the_known_layouts_pages_alone(project):
    assert draft(project).exit_code == 0
    layout = load_layout(project / "crawler" / "extraction" / "layout_phong_dien.py",
                         "PhongDienLayout")
    for fixture in load_fixtures():
        if "not_an_article" in fixture.expected:
            continue
        article = extract_page(fixture.page(), fixture.meta["url"],
                               encoding=fixture.meta["charset"], layouts=(layout, *LAYOUTS))
        assert article.layout == fixture.meta["layout"], fixture.id


def test_nothing_is_overwritten_and_bad_names_are_refused(project):
    assert draft(project).exit_code == 0
    module = project / "crawler" / "extraction" / "layout_phong_dien.py"
    module.write_text("# reviewed by hand\n")
    again = draft(project)
    assert again.exit_code == 1 and "not overwriting" in again.output
    assert module.read_text() == "# reviewed by hand\n"
    for name in ("fallback", "cantho-current", "Bad Name"):
        result = CliRunner().invoke(main, ["layout", "draft", str(PAGES / "page-1.html"),
                                           "--name", name, "--into", str(project)])
        assert result.exit_code == 1 and "Traceback" not in result.output


@pytest.mark.parametrize("command", [["layout"], ["layout", "draft"]])
def test_the_layout_commands_have_help_with_an_example(command):
    result = CliRunner().invoke(main, [*command, "-h"])
    assert result.exit_code == 0
    assert "Example:" in result.output and "tinlanhdao layout draft" in result.output
