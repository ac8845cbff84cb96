"""Tests of the bundled sample portal server and of its hand-written ground truth.

Everything goes over real HTTP on 127.0.0.1 with urllib, as the spider will see it.
"""

from __future__ import annotations

import json
import re
import shutil
import signal
import subprocess
import sys
import unicodedata
import urllib.error
import urllib.request
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest

from sample_portal.server import SITE_DIR, SamplePortal

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures" / "pages"
EXPECTED = FIXTURES / "sample_portal"  # the sample articles' expected fields, with meta files
LAYOUT_OF_GENERATION = {"current": "cantho-current", "websphere": "cantho-websphere",
                        "unknown": "fallback"}
SEED = REPO.parent / "shared" / "seeds" / "000_a6301915980d8912.txt"  # ../shared beside the clone
SECTION = "/hoat-dong-lanh-dao-thanh-pho"
MANIFEST: list[dict[str, str]] = json.loads((SITE_DIR / "manifest.json").read_text("utf-8"))


def fetch(url: str) -> tuple[int, dict[str, str], bytes]:
    """GET ``url``; returns status, headers and body, also for error statuses."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def listing_paths(html: str) -> list[str]:
    return re.findall(r'<div class="ArticleItem"><h2 class="ArticleHeader"><a href="([^"]+)"', html)


class _TextLines(HTMLParser):
    """Visible text, one line per block element; image alt texts count as text."""

    BLOCKS = {"p", "div", "h1", "h2", "h3", "li", "ul", "br", "figure", "figcaption", "section"}
    BLOCKS |= {"header", "footer", "nav", "aside", "article", "main", "table", "tr", "time"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "title"):
            self._skip += 1
        if tag in self.BLOCKS:
            self.parts.append("\n")
        if tag == "img":
            self.parts.append("\n" + (dict(attrs).get("alt") or "") + "\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "title"):
            self._skip -= 1
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)

    @classmethod
    def lines(cls, html: str) -> list[str]:
        parser = cls()
        parser.feed(html)
        text = "".join(parser.parts)
        return [line.strip(" \t\r") for line in text.split("\n") if line.strip()]


def normalize(text: str) -> str:
    """NFC, no-break spaces as spaces, zero-width spaces removed, whitespace collapsed."""
    text = unicodedata.normalize("NFC", text).replace("\u00a0", " ").replace("\u200b", "")
    return " ".join(text.split())


def page_text(entry: dict[str, str]) -> str:
    raw = (SITE_DIR / entry["file"]).read_bytes()
    return normalize(" ".join(_TextLines.lines(raw.decode(entry.get("charset") or "utf-8"))))


@pytest.fixture(scope="module")
def portal() -> Iterator[SamplePortal]:
    with SamplePortal() as running:
        yield running


def test_robots_txt(portal: SamplePortal) -> None:
    status, headers, body = fetch(portal.base_url + "/robots.txt")
    assert status == 200
    assert headers["Content-Type"].startswith("text/plain")
    lines = body.decode().splitlines()
    assert "User-agent: *" in lines
    assert "Disallow: /tim-kiem" in lines
    assert "Disallow: /wps/myportal/" in lines
    assert any(line.startswith("#") for line in lines)


def test_listing_pages_hold_ten_ten_and_the_rest(portal: SamplePortal) -> None:
    assert len(MANIFEST) >= 28
    seen: list[str] = []
    for page, url in enumerate([SECTION, f"{SECTION}?page=2", f"{SECTION}?page=3"], start=1):
        status, headers, body = fetch(portal.base_url + url)
        assert status == 200, url
        assert headers["Content-Type"] == "text/html; charset=utf-8"
        paths = listing_paths(body.decode("utf-8"))
        assert len(paths) == (10 if page < 3 else len(MANIFEST) - 20)
        seen += paths
    assert seen == [entry["path"] for entry in MANIFEST]
    status, _, page_one_again = fetch(f"{portal.base_url}{SECTION}?page=1")
    assert status == 200 and listing_paths(page_one_again.decode()) == seen[:10]


@pytest.mark.parametrize("query", ["?page=4", "?page=0", "?page=-1", "?page=abc", "?page=99"])
def test_listing_pages_out_of_range_are_404(portal: SamplePortal, query: str) -> None:
    status, headers, body = fetch(portal.base_url + SECTION + query)
    assert status == 404
    assert headers["Content-Type"].startswith("text/html")
    assert b"404" in body


def test_listing_markup_pagination_and_featured_box(portal: SamplePortal) -> None:
    first = fetch(portal.base_url + SECTION)[2].decode()
    second = fetch(f"{portal.base_url}{SECTION}?page=2")[2].decode()
    last = fetch(f"{portal.base_url}{SECTION}?page=3")[2].decode()
    newest = MANIFEST[0]["path"]
    featured = f'<div class="FeaturedArticle"><h2 class="ArticleHeader"><a href="{newest}">'
    assert featured in first and featured not in second
    assert first.index("FeaturedArticle") < first.index('class="ArticleList"')
    assert first.count(f'href="{newest}"') == 2  # featured box + list item
    assert '<li class="active"><span>1</span></li>' in first
    assert f'<a class="next" href="{SECTION}?page=2">Trang sau</a>' in first
    assert 'class="prev"' not in first
    assert f'<a class="prev" href="{SECTION}?page=1">Trang trước</a>' in second
    assert f'<a class="next" href="{SECTION}?page=3">Trang sau</a>' in second
    assert 'class="next"' not in last and '<li class="active"><span>3</span></li>' in last
    for page in (first, second, last):
        assert f'<li><a href="{SECTION}?page=' in page
        assert '<h1 class="SectionTitle">Tin hoạt động của Lãnh đạo Thành phố</h1>' in page
        assert '<aside class="Sidebar">' in page and "THỐNG KÊ TRUY CẬP" in page
        assert '<h2><a href="/tin-tuc-su-kien/' in page  # sidebar decoy
        assert 'alt="ipv6 ready"' in page


def test_every_article_is_served_unchanged_with_its_charset(portal: SamplePortal) -> None:
    for entry in MANIFEST:
        status, headers, body = fetch(portal.base_url + entry["path"])
        assert status == 200, entry["path"]
        charset = entry.get("charset") or "utf-8"
        assert headers["Content-Type"] == f"text/html; charset={charset}"
        assert body == (SITE_DIR / entry["file"]).read_bytes()
        assert entry["generation"] in ("current", "websphere", "unknown")


def test_windows_1258_page(portal: SamplePortal) -> None:
    entries = [e for e in MANIFEST if e.get("charset") == "windows-1258"]
    assert len(entries) == 1
    entry = entries[0]
    status, headers, body = fetch(portal.base_url + entry["path"])
    assert status == 200
    assert headers["Content-Type"] == "text/html; charset=windows-1258"
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    text = body.decode("cp1258")
    assert '<meta http-equiv="Content-Type" content="text/html; charset=windows-1258">' in text
    assert not unicodedata.is_normalized("NFC", text)  # legacy encoding decodes decomposed
    assert entry["title"] in unicodedata.normalize("NFC", text)


def test_other_sections_search_home_placeholders_and_404(portal: SamplePortal) -> None:
    base = portal.base_url
    for path in ("/", "/tin-tuc-su-kien", "/thong-bao", "/tim-kiem?q=abc"):
        status, headers, _ = fetch(base + path)
        assert status == 200, path
        assert headers["Content-Type"] == "text/html; charset=utf-8"
    home = fetch(base + "/")[2].decode()
    assert f'href="{SECTION}"' in home and 'href="/tin-tuc-su-kien"' in home
    news = fetch(base + "/tin-tuc-su-kien")[2].decode()
    for path in listing_paths(news):
        assert path.startswith("/tin-tuc-su-kien/")
        assert fetch(base + path)[0] == 200
    status, headers, body = fetch(base + "/uploads/2025/03/lam-viec-da-nang-1.jpg")
    assert (status, headers["Content-Type"]) == (200, "image/jpeg") and body
    wcm = "/wps/wcm/connect/9d1e4c7a-52b3-4f08-a6e1-7c2b9f3d0a45/x.pdf?MOD=AJPERES"
    assert fetch(base + wcm)[1]["Content-Type"] == "application/pdf"
    assert fetch(base + "/uploads/files/2025/a.doc")[1]["Content-Type"] == "application/msword"
    for missing in ("/khong-co", f"{SECTION}/khong-co-bai-nay", "/wps/portal/home/x"):
        status, headers, body = fetch(base + missing)
        assert status == 404 and body.startswith(b"<!DOCTYPE html>"), missing


def test_requests_are_recorded_with_query() -> None:
    with SamplePortal() as portal:
        fetch(portal.base_url + "/robots.txt")
        fetch(f"{portal.base_url}{SECTION}?page=2")
        fetch(portal.base_url + "/khong-co")
        assert portal.requests == ["/robots.txt", f"{SECTION}?page=2", "/khong-co"]
        portal.requests.clear()
        fetch(portal.base_url + MANIFEST[3]["path"])
        assert portal.requests == [MANIFEST[3]["path"]]
    assert portal.base_url.startswith("http://127.0.0.1:")


def test_overlay_adds_on_top_and_replaces_by_path(tmp_path: Path) -> None:
    overlay = tmp_path / "overlay"
    (overlay / "articles").mkdir(parents=True)
    new_page = "<html><body><h1>Bài mới</h1></body></html>".encode()
    edited_page = "<html><body><h1>Bài đã sửa</h1></body></html>".encode()
    (overlay / "articles" / "moi.html").write_bytes(new_page)
    (overlay / "articles" / "sua.html").write_bytes(edited_page)
    edited = dict(MANIFEST[12], file="articles/sua.html", title="Tiêu đề đã sửa")
    new = {
        "name": "moi",
        "path": f"{SECTION}/bai-moi-dang",
        "title": "Bài mới đăng",
        "date": "01/07/2025",
        "summary": "Tóm tắt",
        "file": "articles/moi.html",
        "charset": "utf-8",
        "generation": "current",
    }
    (overlay / "manifest.json").write_text(json.dumps([new, edited]), encoding="utf-8")
    with SamplePortal(overlay_dir=overlay) as portal:
        base = portal.base_url
        page_one = fetch(base + SECTION)[2].decode()
        assert listing_paths(page_one)[0] == new["path"]
        featured = f'<div class="FeaturedArticle"><h2 class="ArticleHeader"><a href="{new["path"]}"'
        assert featured in page_one
        assert fetch(base + new["path"])[2] == new_page
        # the edited article keeps its place (one lower, under the new one) and serves new bytes
        page_two = fetch(f"{base}{SECTION}?page=2")[2].decode()
        assert listing_paths(page_two)[3] == edited["path"]
        assert "Tiêu đề đã sửa" in page_two
        assert fetch(base + edited["path"])[2] == edited_page
        page_three = fetch(f"{base}{SECTION}?page=3")[2].decode()
        assert len(listing_paths(page_three)) == len(MANIFEST) - 19
        # the manifest is re-read on every request: drop the overlay while the server runs
        shutil.rmtree(overlay)
        assert listing_paths(fetch(base + SECTION)[2].decode())[0] == MANIFEST[0]["path"]
        assert fetch(base + new["path"])[0] == 404


def test_every_manifest_entry_has_truth_and_its_title_is_on_the_page() -> None:
    truth_names = {path.stem for path in EXPECTED.glob("*.html")}
    assert truth_names == {entry["name"] for entry in MANIFEST}
    titles = set()
    for entry in MANIFEST:
        truth = json.loads((EXPECTED / f"{entry['name']}.json").read_text("utf-8"))
        meta = json.loads((EXPECTED / f"{entry['name']}.meta.json").read_text("utf-8"))
        assert meta["url"] == "http://sample.portal" + entry["path"]
        assert meta["layout"] == LAYOUT_OF_GENERATION[entry["generation"]]
        assert meta["source"].startswith(f"sample_portal/site/{entry['file']} ")
        assert truth["title"] == normalize(truth["title"]) == entry["title"]
        titles.add(truth["title"])
        assert truth["title"] in page_text(entry), entry["name"]
    assert len(titles) == len(MANIFEST)


def test_truth_texts_appear_on_their_pages() -> None:
    for entry in MANIFEST:
        truth = json.loads((EXPECTED / f"{entry['name']}.json").read_text("utf-8"))
        text = page_text(entry)
        raw = (SITE_DIR / entry["file"]).read_bytes().decode(entry.get("charset") or "utf-8")
        for paragraph in truth["body"].split("\n\n"):
            assert paragraph and paragraph == normalize(paragraph)
            assert paragraph in text, (entry["name"], paragraph[:60])
        for field in ("lead", "author", "section"):
            assert truth[field] in text, (entry["name"], field)
        assert truth["portal_id"] in raw  # visible (WebSphere) or data-article-id (current)
        for image in truth["images"]:
            assert image["caption"] in text and image["credit"] in text
            src = image["src"].removeprefix("http://sample.portal")
            assert f'src="{src}"' in raw
        for attachment in truth["attachments"]:
            href = attachment["url"].removeprefix("http://sample.portal")
            assert f'href="{href}"' in raw and attachment["title"] in text
        assert re.fullmatch(r"\d{4}-\d\d-\d\d(T\d\d:\d\d:00\+07:00)?", truth["published"])


def test_seed_article_reproduces_the_real_page_text() -> None:
    entry = next(e for e in MANIFEST if e["name"] == "2023-05-19-nong-thon-moi")
    seed = [line for line in SEED.read_text("utf-8").split("\n") if line.strip()]
    lines = _TextLines.lines((SITE_DIR / entry["file"]).read_text("utf-8"))
    start = lines.index(seed[0])
    assert lines[start:] == seed
    assert "Cỡ chữ: +A | -A |\u00a0Bản in" in lines
    assert any(line.endswith("năm 2023.\u00a0") for line in lines)


def _start_command_line() -> subprocess.Popen:
    """``python -m sample_portal.server`` on a free port, with SIGINT at its default even when
    the tests were started in the background (a shell's ``&`` makes its commands ignore SIGINT,
    and their children inherit that)."""
    return subprocess.Popen(
        [sys.executable, "-m", "sample_portal.server", "--port", "0"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )


def test_command_line_serves_and_stops_cleanly_on_ctrl_c() -> None:
    process = _start_command_line()
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        base = re.search(r"http://127\.0\.0\.1:\d+", first)
        assert base, first
        assert fetch(base.group(0) + "/robots.txt")[0] == 200
        assert SECTION in process.stdout.readline()
    finally:
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=10)
    assert process.returncode == 0
    assert "Traceback" not in stderr


def _send_to_thread(pid: int, tid: int, signum: int) -> None:
    """Deliver ``signum`` to one thread of another process (Linux ``tgkill``)."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    if not hasattr(libc, "tgkill") or libc.tgkill(pid, tid, signum) != 0:
        pytest.skip("tgkill is not available here")


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs Linux /proc")
def test_command_line_stops_on_ctrl_c_that_reaches_its_serving_thread() -> None:
    """The kernel gives a process's SIGINT to any of its threads; the main thread must still
    notice it (it once waited forever, uninterruptibly, when the serving thread got it)."""
    process = _start_command_line()
    try:
        assert process.stdout is not None
        process.stdout.readline()
        process.stdout.readline()
        threads = sorted(int(t.name) for t in Path(f"/proc/{process.pid}/task").iterdir()
                         if int(t.name) != process.pid)  # fmt: skip
        assert threads, "the server runs in a thread of its own"
        _send_to_thread(process.pid, threads[0], signal.SIGINT)
        _, stderr = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0
    assert "stopped" in stderr and "Traceback" not in stderr


OTHER_PORTALS = FIXTURES / "other_portals"


@pytest.mark.parametrize("page", sorted(OTHER_PORTALS.glob("*.html")), ids=lambda p: p.stem)
def test_other_portal_truth_matches_its_page(page: Path) -> None:
    truth = json.loads((page.with_suffix(".json")).read_text("utf-8"))
    html = page.read_text("utf-8")
    text = normalize(" ".join(_TextLines.lines(html)))
    for value in (truth["title"], truth["lead"], truth["author"], *truth["body"].split("\n\n")):
        assert value == normalize(value) and value in text, value[:60]
    for image in truth["images"]:
        assert image["caption"] in text and image["credit"] in text
        assert f'src="{image["src"].removeprefix("http://sample.portal")}"' in html
    for attachment in truth["attachments"]:
        assert f'href="{attachment["url"].removeprefix("http://sample.portal")}"' in html
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:00\+07:00", truth["published"])
