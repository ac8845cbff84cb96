"""A small HTTP server that plays the Cần Thơ city portal for the demo and the tests.

It serves the bundled sample site (``sample_portal/site``): the leadership-news section listing
(generated from ``manifest.json`` on every request, ``page_size`` articles per page), the stored
article pages byte for byte with their declared charset, a few pages of other sections, a
``robots.txt`` and placeholder bytes for images and attachments. An optional *overlay* directory
with the same structure lets a test add or edit articles while the server runs.

Library use::

    with SamplePortal() as portal:
        urllib.request.urlopen(portal.base_url + "/hoat-dong-lanh-dao-thanh-pho")
        assert "/robots.txt" in portal.requests

Command line: ``python -m sample_portal.server [--host H] [--port P] [--site DIR] [--overlay DIR]``.
"""

from __future__ import annotations

import argparse
import html
import json
import math
import sys
import threading
import time
from collections.abc import Iterator
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

SITE_DIR = Path(__file__).resolve().parent / "site"
SECTION_PATH = "/hoat-dong-lanh-dao-thanh-pho"
SECTION_NAME = "Tin hoạt động của Lãnh đạo Thành phố"
SECTION_MENU_LABEL = "Hoạt động lãnh đạo thành phố"
SITE_NAME = "Cổng Thông tin điện tử thành phố Cần Thơ"

# Placeholder bytes served for any path with one of these extensions (query ignored).
_GIF_1PX = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00"
    b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)
_PNG_1PX = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63000100000500010d0a2db40000000049454e44ae426082"
)
_JPEG_STUB = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
_PDF_STUB = b"%PDF-1.4\n% sample portal placeholder\n%%EOF\n"
_DOC_STUB = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 24
_DOCX_STUB = b"PK\x05\x06" + b"\x00" * 18
PLACEHOLDERS: dict[str, tuple[str, bytes]] = {
    ".jpg": ("image/jpeg", _JPEG_STUB),
    ".jpeg": ("image/jpeg", _JPEG_STUB),
    ".png": ("image/png", _PNG_1PX),
    ".gif": ("image/gif", _GIF_1PX),
    ".pdf": ("application/pdf", _PDF_STUB),
    ".doc": ("application/msword", _DOC_STUB),
    ".docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        _DOCX_STUB,
    ),
}

MENU = (
    ("/", "Trang chủ"),
    ("/tin-tuc-su-kien", "Tin tức - Sự kiện"),
    (SECTION_PATH, SECTION_MENU_LABEL),
    ("/thong-bao", "Thông báo"),
    ("https://chinhphu.vn/", "Chính phủ"),
)

# Sidebar "most read" links: all point to other sections, on purpose (spider must ignore them).
MOST_READ = (
    (
        "/tin-tuc-su-kien/can-tho-don-nhan-danh-hieu-thanh-pho-dang-song",
        "Cần Thơ đón nhận danh hiệu thành phố đáng sống năm 2024",
    ),
    (
        "/tin-tuc-su-kien/le-hoi-banh-dan-gian-nam-bo-thu-12",
        "Khai mạc Lễ hội Bánh dân gian Nam Bộ lần thứ 12",
    ),
    (
        "/thong-bao/lich-tiep-cong-dan-dinh-ky-thang-6",
        "Thông báo lịch tiếp công dân định kỳ tháng 6",
    ),
)


class ManifestError(ValueError):
    """The manifest of the site or of the overlay is not a list of article entries."""


def esc(text: str) -> str:
    return html.escape(text, quote=True)


def menu_html() -> str:
    items = "".join(f'<li><a href="{href}">{esc(label)}</a></li>' for href, label in MENU)
    return f'<header class="SiteHeader"><nav class="MainMenu"><ul>{items}</ul></nav></header>'


def sidebar_html() -> str:
    links = "".join(f'<h2><a href="{href}">{esc(title)}</a></h2>' for href, title in MOST_READ)
    return (
        '<aside class="Sidebar"><div class="Box"><h3>Tin xem nhiều</h3>'
        f"{links}</div>\n"
        '<div class="VisitCounter"><h3>THỐNG KÊ TRUY CẬP</h3>'
        '<p>Đang truy cập: <span id="online"></span></p><p>Hôm nay: <span id="today"></span></p>'
        '<p>Tháng hiện tại: <span id="month"></span></p><p>Tổng: <span id="total"></span></p>'
        "</div></aside>"
    )


FOOTER_HTML = (
    '<footer class="SiteFooter"><p>Cơ quan chủ quản: Ủy ban nhân dân thành phố Cần Thơ</p>'
    '<img src="/images/ipv6.png" alt="ipv6 ready"> '
    '<img src="/images/tinnhiem.png" alt="Chung nhan Tin Nhiem Mang"></footer>'
)


def _page(title: str, breadcrumb: str, main: str) -> str:
    """A whole page of the current site around ``main``."""
    return (
        '<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8">'
        f"<title>{esc(title)}</title></head>\n<body>\n{menu_html()}\n"
        f'<div class="Breadcrumb"><a href="/">Trang chủ</a> / {breadcrumb}</div>\n'
        f"{main}\n{sidebar_html()}\n{FOOTER_HTML}\n</body></html>\n"
    )


class SiteContent:
    """Reads the site (and overlay) from disk; nothing is cached, so edits show at once."""

    def __init__(self, site_dir: Path, overlay_dir: Path | None = None) -> None:
        self.site_dir = site_dir
        self.overlay_dir = overlay_dir

    def _roots(self) -> Iterator[Path]:
        if self.overlay_dir is not None:
            yield self.overlay_dir
        yield self.site_dir

    def find_file(self, relative: str) -> Path | None:
        """The overlay's copy of ``relative`` if there is one, else the site's, else None."""
        rel = Path(relative)
        if rel.is_absolute() or ".." in rel.parts:
            return None
        for root in self._roots():
            candidate = root / rel
            if candidate.is_file():
                return candidate
        return None

    @staticmethod
    def _read_manifest(directory: Path) -> list[dict[str, Any]]:
        path = directory / "manifest.json"
        if not path.is_file():
            return []
        data = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(data, dict):
            data = data.get("articles", [])
        if not isinstance(data, list) or not all(isinstance(e, dict) for e in data):
            raise ManifestError(f"{path}: expected a list of article objects")
        return data

    def articles(self) -> list[dict[str, Any]]:
        """Manifest entries, newest first, overlay applied.

        Overlay entries whose ``path`` is already in the base manifest replace that entry where
        it stands (an edit does not move an article); the other overlay entries go on top.
        """
        base = self._read_manifest(self.site_dir)
        overlay = self._read_manifest(self.overlay_dir) if self.overlay_dir else []
        by_path = {entry["path"]: entry for entry in overlay}
        base_paths = {entry["path"] for entry in base}
        merged = [entry for entry in overlay if entry["path"] not in base_paths]
        merged += [by_path.get(entry["path"], entry) for entry in base]
        return merged


class PortalHandler(BaseHTTPRequestHandler):
    """Routes one request; the server object carries the content and the request log."""

    server: _PortalHTTPServer
    server_version = "IBM_HTTP_Server"
    sys_version = ""

    def do_GET(self) -> None:  # noqa: N802 (http.server naming)
        self._handle(send_body=True)

    def do_HEAD(self) -> None:  # noqa: N802
        self._handle(send_body=False)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        if self.server.verbose:
            sys.stderr.write(f"{self.address_string()} {format % args}\n")

    # --- routing -----------------------------------------------------------------------------

    def _handle(self, send_body: bool) -> None:
        self.server.record(self.path)
        url = urlsplit(self.path)
        path = url.path
        query = parse_qs(url.query)
        content = self.server.content
        try:
            if path == "/robots.txt":
                found = content.find_file("robots.txt")
                body = found.read_bytes() if found else b"User-agent: *\n"
                self._send(200, "text/plain; charset=utf-8", body, send_body)
                return
            if path == "/":
                self._send_html(200, self._home_page(content), send_body)
                return
            if path.rstrip("/") == SECTION_PATH:
                self._listing(content, query, send_body)
                return
            suffix = Path(path).suffix.lower()
            if suffix in PLACEHOLDERS:
                ctype, body = PLACEHOLDERS[suffix]
                self._send(200, ctype, body, send_body)
                return
            for entry in content.articles():
                if entry["path"] == path:
                    self._article(content, entry, send_body)
                    return
            if path.startswith("/tim-kiem"):
                self._send_html(200, self._search_page(query), send_body)
                return
            other = self._other_page(content, path)
            if other is not None:
                self._send(200, "text/html; charset=utf-8", other, send_body)
                return
            self._not_found(send_body)
        except (ManifestError, json.JSONDecodeError, KeyError) as exc:
            self.log_error("broken site content: %s", exc)
            body = "<!DOCTYPE html><html><body><h1>500</h1></body></html>"
            self._send_html(500, body, send_body)

    def _listing(self, content: SiteContent, query: dict[str, list[str]], send_body: bool) -> None:
        raw_page = query.get("page", ["1"])[-1]
        page = int(raw_page) if raw_page.isdigit() else 0
        articles = content.articles()
        page_size = self.server.page_size
        pages = max(1, math.ceil(len(articles) / page_size))
        if not 1 <= page <= pages:
            self._not_found(send_body)
            return
        chunk = articles[(page - 1) * page_size : page * page_size]
        self._send_html(200, render_listing(chunk, page, pages, articles[:1]), send_body)

    def _article(self, content: SiteContent, entry: dict[str, Any], send_body: bool) -> None:
        found = content.find_file(entry["file"])
        if found is None:
            self._not_found(send_body)
            return
        charset = entry.get("charset") or "utf-8"
        self._send(200, f"text/html; charset={charset}", found.read_bytes(), send_body)

    @staticmethod
    def _other_page(content: SiteContent, path: str) -> bytes | None:
        """Other sections' pages: ``/thong-bao/x`` is stored as ``other/thong-bao/x.html``."""
        clean = path.strip("/")
        if not clean or not all(part.isascii() for part in clean.split("/")):
            return None
        found = content.find_file(f"other/{clean}.html")
        return found.read_bytes() if found else None

    @staticmethod
    def _home_page(content: SiteContent) -> str:
        latest = "".join(
            f'<li><a href="{esc(e["path"])}">{esc(e["title"])}</a></li>'
            for e in content.articles()[:5]
        )
        main = (
            '<main class="HomePage"><h1 class="SiteTitle">' + esc(SITE_NAME) + "</h1>"
            f'<section class="HomeBox"><h2><a href="{SECTION_PATH}">{SECTION_NAME}</a></h2>'
            f"<ul>{latest}</ul></section>"
            '<section class="HomeBox"><h2><a href="/tin-tuc-su-kien">Tin tức - Sự kiện</a></h2>'
            '</section><section class="HomeBox"><h2><a href="/thong-bao">Thông báo</a></h2>'
            '</section><form action="/tim-kiem" method="get"><input name="q">'
            "<button>Tìm kiếm</button></form></main>"
        )
        return _page(SITE_NAME, "<span>Trang chủ</span>", main)

    @staticmethod
    def _search_page(query: dict[str, list[str]]) -> str:
        words = query.get("q", [""])[-1]
        main = (
            '<main class="SearchPage"><h1>Tìm kiếm</h1>'
            f'<p>Không tìm thấy kết quả nào cho từ khóa "{esc(words)}".</p></main>'
        )
        return _page(f"Tìm kiếm - {SITE_NAME}", "<span>Tìm kiếm</span>", main)

    # --- responses ---------------------------------------------------------------------------

    def _not_found(self, send_body: bool) -> None:
        body = (
            '<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>404</title></head>'
            "<body><h1>404 - Không tìm thấy trang</h1>"
            '<p><a href="/">Về trang chủ</a></p></body></html>\n'
        )
        self._send_html(404, body, send_body)

    def _send_html(self, status: int, text: str, send_body: bool) -> None:
        self._send(status, "text/html; charset=utf-8", text.encode("utf-8"), send_body)

    def _send(self, status: int, ctype: str, body: bytes, send_body: bool) -> None:
        self.send_response(HTTPStatus(status))
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if send_body:
            self.wfile.write(body)


def render_listing(
    articles: list[dict[str, Any]], page: int, pages: int, featured: list[dict[str, Any]]
) -> str:
    """The HTML of listing page ``page`` of ``pages`` showing ``articles``.

    ``featured`` (the newest article) is shown a second time above the list on page 1.
    """
    items = "\n".join(
        '    <div class="ArticleItem"><h2 class="ArticleHeader">'
        f'<a href="{esc(e["path"])}">{esc(e["title"])}</a></h2>'
        f'<span class="PostDate">{esc(e.get("date", ""))}</span>'
        f'<p class="ArticleSummary">{esc(e.get("summary", ""))}</p></div>'
        for e in articles
    )
    box = ""
    if page == 1 and featured:
        top = featured[0]
        box = (
            '  <div class="FeaturedArticle"><h2 class="ArticleHeader">'
            f'<a href="{esc(top["path"])}">{esc(top["title"])}</a></h2>'
            f'<p class="ArticleSummary">{esc(top.get("summary", ""))}</p></div>\n'
        )
    links = []
    if page > 1:
        prev_href = f"{SECTION_PATH}?page={page - 1}"
        links.append(f'<li><a class="prev" href="{prev_href}">Trang trước</a></li>')
    for number in range(1, pages + 1):
        if number == page:
            links.append(f'<li class="active"><span>{number}</span></li>')
        else:
            links.append(f'<li><a href="{SECTION_PATH}?page={number}">{number}</a></li>')
    if page < pages:
        next_href = f"{SECTION_PATH}?page={page + 1}"
        links.append(f'<li><a class="next" href="{next_href}">Trang sau</a></li>')
    main = (
        '<main class="SectionPage">\n'
        f'  <h1 class="SectionTitle">{SECTION_NAME}</h1>\n{box}'
        f'  <div class="ArticleList">\n{items}\n  </div>\n'
        f'  <ul class="Pagination">{"".join(links)}</ul>\n</main>'
    )
    return _page(f"{SECTION_MENU_LABEL} - {SITE_NAME}", f"<span>{SECTION_MENU_LABEL}</span>", main)


class _PortalHTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self, address: tuple[str, int], content: SiteContent, page_size: int, verbose: bool
    ) -> None:
        super().__init__(address, PortalHandler)
        self.content = content
        self.page_size = page_size
        self.verbose = verbose
        self.requests: list[str] = []
        self._lock = threading.Lock()

    def record(self, path: str) -> None:
        with self._lock:
            self.requests.append(path)


class SamplePortal:
    """The sample portal on a local port, served from a daemon thread.

    ``requests`` lists the path and query of every request received, in order; tests may read
    it or ``clear()`` it.
    """

    def __init__(
        self,
        site_dir: Path | None = None,
        overlay_dir: Path | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        page_size: int = 10,
        verbose: bool = False,
    ) -> None:
        overlay = Path(overlay_dir) if overlay_dir else None
        self.content = SiteContent(Path(site_dir or SITE_DIR), overlay)
        self.host = host
        self.port = port
        self.page_size = page_size
        self.verbose = verbose
        self.base_url = ""
        self.requests: list[str] = []
        self._server: _PortalHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def section_url(self) -> str:
        """The URL of the leadership-news listing (page 1)."""
        return self.base_url + SECTION_PATH

    def start(self) -> str:
        """Bind, start serving in a daemon thread, and return the base URL (no trailing slash)."""
        if self._server is not None:
            return self.base_url
        address = (self.host, self.port)
        server = _PortalHTTPServer(address, self.content, self.page_size, self.verbose)
        server.requests = self.requests
        host, port = server.server_address[:2]
        self.port = int(port)
        self.base_url = f"http://{host}:{port}"
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, name="sample-portal", daemon=True
        )
        self._thread.start()
        return self.base_url

    def stop(self) -> None:
        """Stop serving and close the socket; safe to call twice."""
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> SamplePortal:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def wait_for_ctrl_c() -> None:
    """Return never; Ctrl-C raises KeyboardInterrupt here. The kernel may give the SIGINT to
    any thread (a serving one), and Python raises it in the main thread only when that thread
    runs again: so this one wakes up often instead of waiting on a lock forever."""
    while True:
        time.sleep(0.2)


def main(argv: list[str] | None = None) -> int:
    """Serve the sample portal until Ctrl-C."""
    parser = argparse.ArgumentParser(
        prog="python -m sample_portal.server",
        description="Serve the bundled sample of the Cần Thơ portal on a local port.",
        epilog="Example: python -m sample_portal.server --port 8000",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--site", type=Path, default=None, help="site folder (default: bundled)")
    parser.add_argument("--overlay", type=Path, default=None, help="overlay folder")
    parser.add_argument("--page-size", type=int, default=10)
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    args = parser.parse_args(argv)
    portal = SamplePortal(
        args.site, args.overlay, args.host, args.port, args.page_size, verbose=args.verbose
    )
    try:
        portal.start()
    except OSError as exc:
        print(f"cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    try:  # Ctrl-C may come as soon as the first line is out: everything below is covered
        print(f"Sample portal: {portal.base_url}/", flush=True)
        print(f"Section:       {portal.section_url}", flush=True)
        print("Press Ctrl-C to stop.", file=sys.stderr, flush=True)
        wait_for_ctrl_c()
    except KeyboardInterrupt:
        print("\nstopped", file=sys.stderr)
    finally:
        portal.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
