"""The sample portal on a bad day: a variant of ``sample_portal.server`` that injects faults.

A government web server fails in every way at once; the reliability tests (tests/test_faults.py,
scripts/crash_test.py) need each of those ways on demand. ``FaultyPortal`` is a ``SamplePortal``
whose request handler first looks the request up in a ``FaultPlan``; anything the plan does not
name is served exactly as the sample portal serves it (overlays included).

Faults are keyed by path+query (``/x?page=2``) or by path alone (``/x``, all queries), and each
may be limited to its first ``times`` requests, after which the path answers normally (a 503
burst that then succeeds). ``FaultPlan.article(name)`` gives the path of a manifest article by
its name.

=====================  ======================================================================
fault                  what the client sees
=====================  ======================================================================
``Status(503)``        that status with a small HTML body (``Retry-After`` optional)
``Reset()``            half a status line, then the connection reset (RST)
``Hang(60)``           nothing at all until ``seconds`` pass or the portal stops
``Truncate(0.5)``      the full ``Content-Length`` header but only part of the body, then EOF
``Charset("utf-8")``   the stored page with another declared charset (``None``: no charset)
``Redirect(to)``       a 302 to ``to`` (absolute, or a path on the portal)
``RedirectLoop()``     ``/x`` -> ``/x?vong=1`` -> ``/x`` -> ...
``Huge(50 MB)``        a streamed body of that size (``declare_length=False``: no length)
``Nested(10_000)``     the stored page with its body wrapped in that many nested ``<div>``
``Edit(find, repl)``   the stored page with one text changed: a genuine edit of the article
=====================  ======================================================================

Bad-day pages (status 200, the same page for every URL; ``NOTICE_KINDS``): ``SoftNotFound``
(``soft404``: title "Thông báo", today's date, "Bài viết không tồn tại hoặc đã bị gỡ bỏ khỏi hệ
thống…"), ``Maintenance``, ``ErrorPage``, ``LoginWall`` (all four in the portal's chrome, with
today's date) and ``JsChallenge`` (a bare bot-check page). ``FaultPlan.bad_day(kind, edited=...)``
answers every article with one of them, except one article served with a paragraph changed.

Listing faults: ``duplicate_links`` (every listing item twice), ``pagination="wrap"`` (the
last page's "Trang sau" goes back to page 1), ``pagination="endless"`` (page numbers past the
end serve page 1's articles again, each with a "Trang sau" to the next number, up to
``endless_limit``) and ``empty_pages`` (listing pages answered with no items).

Library use::

    plan = FaultPlan({FaultPlan.article("2023-05-19-nong-thon-moi"): Status(503, times=2)})
    with FaultyPortal(plan) as portal:
        ...  # crawl portal.section_url; plan.injected counts the faults served

Command line: ``python -m sample_portal.faults --fault PATH=KIND[:ARG]...`` (``edit:OLD=>NEW``)
or ``--bad-day soft404`` (see ``--help``).
"""

from __future__ import annotations

import argparse
import json
import math
import socket
import struct
import sys
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

from sample_portal.server import (
    SECTION_PATH,
    SITE_DIR,
    SITE_NAME,
    PortalHandler,
    SamplePortal,
    SiteContent,
    _page,
    _PortalHTTPServer,
    esc,
    render_listing,
    wait_for_ctrl_c,
)

MB = 1024 * 1024


# --- faults --------------------------------------------------------------------------------


@dataclass
class Fault:
    """One way a path can fail. ``times``: only the first N requests fail (None: all)."""

    times: int | None = field(default=None, kw_only=True)
    kind: ClassVar[str] = "fault"

    def respond(self, handler: FaultyHandler, send_body: bool) -> None:
        raise NotImplementedError


@dataclass
class Status(Fault):
    """Answer ``status`` (503, 404, 410, 500...) with a small HTML body."""

    status: int = 503
    retry_after: int | None = None
    kind: ClassVar[str] = "status"

    def respond(self, handler: FaultyHandler, send_body: bool) -> None:
        body = f"<!DOCTYPE html><html><body><h1>{self.status}</h1></body></html>".encode()
        headers = {"Retry-After": str(self.retry_after)} if self.retry_after is not None else {}
        handler.send_bytes(self.status, "text/html; charset=utf-8", body, send_body, headers)


@dataclass
class Reset(Fault):
    """Start the status line, then reset the connection (an RST, not a clean close)."""

    kind: ClassVar[str] = "reset"

    def respond(self, handler: FaultyHandler, send_body: bool) -> None:
        handler.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Ty")
        handler.wfile.flush()
        handler.reset_connection()


@dataclass
class Hang(Fault):
    """Say nothing for ``seconds`` (or until the portal stops), then close the connection."""

    seconds: float = 60.0
    kind: ClassVar[str] = "hang"

    def respond(self, handler: FaultyHandler, send_body: bool) -> None:
        handler.server.stopping.wait(self.seconds)
        handler.close_connection = True


@dataclass
class Truncate(Fault):
    """Send the page's real Content-Length but only ``fraction`` of its bytes, then close."""

    fraction: float = 0.5
    kind: ClassVar[str] = "truncate"

    def respond(self, handler: FaultyHandler, send_body: bool) -> None:
        found = handler.stored_page()
        if found is None:
            handler.pass_through(send_body)
            return
        body, ctype = found
        handler.send_response(200)
        handler.send_header("Content-Type", ctype)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        if send_body:
            handler.wfile.write(body[: int(len(body) * self.fraction)])
        handler.close_connection = True


@dataclass
class Charset(Fault):
    """Serve the stored page declaring ``declared`` as its charset (None: no charset at all)."""

    declared: str | None = "utf-8"
    kind: ClassVar[str] = "charset"

    def respond(self, handler: FaultyHandler, send_body: bool) -> None:
        found = handler.stored_page()
        if found is None:
            handler.pass_through(send_body)
            return
        ctype = "text/html" + (f"; charset={self.declared}" if self.declared else "")
        handler.send_bytes(200, ctype, found[0], send_body)


@dataclass
class Redirect(Fault):
    """Redirect (302 by default) to ``to``: an absolute URL or a path on the portal."""

    to: str = "/"
    status: int = 302
    kind: ClassVar[str] = "redirect"

    def respond(self, handler: FaultyHandler, send_body: bool) -> None:
        handler.send_bytes(self.status, "text/html; charset=utf-8", b"", send_body,
                           {"Location": self.to})


@dataclass
class RedirectLoop(Fault):
    """``/x`` redirects to ``/x?vong=1``, which redirects back to ``/x``: a loop of two."""

    kind: ClassVar[str] = "redirect_loop"

    def respond(self, handler: FaultyHandler, send_body: bool) -> None:
        url = urlsplit(handler.path)
        target = url.path if "vong" in parse_qs(url.query) else f"{url.path}?vong=1"
        handler.send_bytes(302, "text/html; charset=utf-8", b"", send_body, {"Location": target})


@dataclass
class Huge(Fault):
    """Stream ``size`` bytes of HTML in 64 KB chunks, never holding more than one chunk.

    ``declare_length``: send Content-Length (a client can refuse at once) or not (it must count
    while reading). Stops when the client hangs up or the portal stops.
    """

    size: int = 50 * MB
    declare_length: bool = True
    kind: ClassVar[str] = "huge"

    def respond(self, handler: FaultyHandler, send_body: bool) -> None:
        head = b"<!DOCTYPE html><html><head><meta charset='utf-8'></head><body><p>"
        chunk = b"Tin l\xc3\xa3nh \xc4\x91\xe1\xba\xa1o " * 4096  # about 64 KB
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html; charset=utf-8")
        if self.declare_length:
            handler.send_header("Content-Length", str(self.size))
        handler.end_headers()
        handler.close_connection = True
        if not send_body:
            return
        sent = 0
        try:
            handler.wfile.write(head)
            sent = len(head)
            while sent < self.size and not handler.server.stopping.is_set():
                piece = chunk[: self.size - sent]
                handler.wfile.write(piece)
                sent += len(piece)
        except (BrokenPipeError, ConnectionResetError, TimeoutError, OSError):
            pass  # the client refused the rest: that is the point
        handler.server.note_bytes(sent)


@dataclass
class Nested(Fault):
    """Serve the stored page with everything inside ``<body>`` wrapped in ``depth`` divs."""

    depth: int = 10_000
    kind: ClassVar[str] = "nested"

    def respond(self, handler: FaultyHandler, send_body: bool) -> None:
        found = handler.stored_page()
        if found is None:
            handler.pass_through(send_body)
            return
        body, ctype = found
        start = body.find(b">", body.lower().find(b"<body")) + 1
        end = body.lower().rfind(b"</body>")
        if start <= 0 or end < start:
            start, end = 0, len(body)
        wrapped = (body[:start] + b"<div class='wrap'>" * self.depth + body[start:end]
                   + b"</div>" * self.depth + body[end:])
        handler.send_bytes(200, ctype, wrapped, send_body)


# --- bad-day pages: what the portal serves instead of an article -----------------------------

VIETNAM = timezone(timedelta(hours=7))
SOFT_404_TEXT = "Bài viết không tồn tại hoặc đã bị gỡ bỏ khỏi hệ thống…"


def _today_text() -> str:
    """Today's date as the portal prints it (Vietnam time): '02/12/2026 08:30'."""
    return datetime.now(VIETNAM).strftime("%d/%m/%Y %H:%M")


def notice_page(title: str, paragraphs: tuple[str, ...], extra: str = "") -> str:
    """A page in the portal's own chrome (menu, breadcrumb, sidebar, footer) whose article
    box holds ``title``, today's date and ``paragraphs``: what a soft 404, a maintenance
    notice or an error page of a CMS looks like. Written by us, after how such pages look."""
    body = "".join(f"<p>{esc(p)}</p>" for p in paragraphs)
    main = (
        '<main class="ArticlePage">\n<div class="ArticleDetail">\n'
        f'  <h1 class="ArticleHeader">{esc(title)}</h1>\n'
        f'  <div class="ArticleDate">{_today_text()}</div>\n'
        f'  <div class="ArticleContent">{body}{extra}</div>\n</div>\n</main>'
    )
    return _page(f"{title} - {SITE_NAME}", f"<span>{esc(title)}</span>", main)


@dataclass
class Notice(Fault):
    """Status 200 and a notice page in the portal's chrome instead of the article (a "bad day"
    page: the subclasses below are the kinds). Every URL gets the same page."""

    kind: ClassVar[str] = "notice"
    title: ClassVar[str] = "Thông báo"
    paragraphs: ClassVar[tuple[str, ...]] = ()
    extra: ClassVar[str] = ""

    def page(self) -> str:
        return notice_page(self.title, self.paragraphs, self.extra)

    def respond(self, handler: FaultyHandler, send_body: bool) -> None:
        handler.send_bytes(200, "text/html; charset=utf-8", self.page().encode(), send_body)


@dataclass
class SoftNotFound(Notice):
    """A soft 404: "the article does not exist or was removed", with status 200."""

    kind: ClassVar[str] = "soft404"
    paragraphs: ClassVar[tuple[str, ...]] = (
        SOFT_404_TEXT, "Quý bạn đọc vui lòng quay lại trang chủ để xem các tin bài khác.")


@dataclass
class Maintenance(Notice):
    """A maintenance notice, status 200."""

    kind: ClassVar[str] = "maintenance"
    title: ClassVar[str] = "Thông báo bảo trì hệ thống"
    paragraphs: ClassVar[tuple[str, ...]] = (
        "Hệ thống đang bảo trì, nâng cấp để phục vụ bạn đọc tốt hơn.",
        "Mong quý bạn đọc thông cảm và vui lòng quay lại sau.")


@dataclass
class ErrorPage(Notice):
    """An application error shown inside the portal's chrome, status 200."""

    kind: ClassVar[str] = "error_page"
    title: ClassVar[str] = "Lỗi"
    paragraphs: ClassVar[tuple[str, ...]] = (
        "Đã xảy ra lỗi trong quá trình xử lý yêu cầu của bạn.",
        "Vui lòng thử lại sau hoặc liên hệ quản trị hệ thống.")


@dataclass
class LoginWall(Notice):
    """A login form instead of the article, status 200."""

    kind: ClassVar[str] = "login"
    title: ClassVar[str] = "Đăng nhập"
    paragraphs: ClassVar[tuple[str, ...]] = (
        "Bạn cần đăng nhập để xem nội dung này.",
        "Vui lòng nhập tên đăng nhập và mật khẩu của bạn.")
    extra: ClassVar[str] = (
        '<form method="post" action="/dang-nhap"><input name="username">'
        '<input name="password" type="password"><button>Đăng nhập</button></form>')


@dataclass
class JsChallenge(Fault):
    """A bot check that needs JavaScript: a bare page (no portal chrome), status 200, the same
    for every URL, as a web application firewall serves it."""

    kind: ClassVar[str] = "challenge"
    text: ClassVar[str] = (
        '<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8">'
        "<title>Đang kiểm tra trình duyệt</title></head><body><main><article>"
        "<h1>Đang kiểm tra trình duyệt của bạn…</h1>"
        "<p>Vui lòng bật JavaScript và cookie để tiếp tục truy cập trang này.</p>"
        "<p>Quá trình kiểm tra tự động sẽ hoàn tất trong vài giây.</p>"
        "</article></main><script>setTimeout(function(){location.reload()},5000)</script>"
        "</body></html>")

    def respond(self, handler: FaultyHandler, send_body: bool) -> None:
        handler.send_bytes(200, "text/html; charset=utf-8", self.text.encode(), send_body)


@dataclass
class Edit(Fault):
    """The stored page with its first ``find`` replaced by ``replace`` (encoded in the page's
    charset): a genuine edit of the article, such as a changed paragraph."""

    find: str = ""
    replace: str = ""
    kind: ClassVar[str] = "edit"

    def respond(self, handler: FaultyHandler, send_body: bool) -> None:
        found = handler.stored_page()
        if found is None:
            handler.pass_through(send_body)
            return
        body, ctype = found
        charset = ctype.rpartition("charset=")[2] or "utf-8"
        old, new = self.find.encode(charset), self.replace.encode(charset)
        if not old or old not in body:
            raise ValueError(f"Edit: {self.find!r} is not in the page {handler.path}")
        handler.send_bytes(200, ctype, body.replace(old, new, 1), send_body)


NOTICE_KINDS: dict[str, type[Fault]] = {
    cls.kind: cls for cls in (SoftNotFound, Maintenance, ErrorPage, LoginWall, JsChallenge)
}


FAULT_KINDS: dict[str, type[Fault]] = {
    cls.kind: cls
    for cls in (Status, Reset, Hang, Truncate, Charset, Redirect, RedirectLoop, Huge, Nested,
                Edit, *NOTICE_KINDS.values())
}


# --- the plan ------------------------------------------------------------------------------


@dataclass
class FaultPlan:
    """Which requests fail and how, plus listing faults; counts every fault it serves.

    ``paths`` maps a path+query or a path to a Fault. ``injected`` counts faults served per
    kind; ``served`` lists (path, kind) in order. Thread-safe.
    """

    paths: dict[str, Fault] = field(default_factory=dict)
    duplicate_links: bool = False
    pagination: str = "normal"  # "normal", "wrap" or "endless"
    endless_limit: int = 1000
    empty_pages: set[int] = field(default_factory=set)
    injected: dict[str, int] = field(default_factory=dict)
    served: list[tuple[str, str]] = field(default_factory=list)
    _uses: dict[str, int] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        if self.pagination not in ("normal", "wrap", "endless"):
            raise ValueError(f"pagination must be normal, wrap or endless: {self.pagination!r}")

    @staticmethod
    def article(name: str, site_dir: Path = SITE_DIR) -> str:
        """The path of the bundled manifest article called ``name``."""
        manifest = json.loads((site_dir / "manifest.json").read_text("utf-8"))
        for entry in manifest:
            if entry["name"] == name:
                return entry["path"]
        raise KeyError(f"no sample article named {name!r}")

    @classmethod
    def bad_day(cls, kind: str, edited: tuple[str, str, str] | None = None,
                site_dir: Path = SITE_DIR, **options: Any) -> FaultPlan:
        """Every manifest article answers with the notice ``kind`` (a key of NOTICE_KINDS),
        except ``edited``, (name, find, replace), whose page is served with that change."""
        manifest = json.loads((site_dir / "manifest.json").read_text("utf-8"))
        notice = NOTICE_KINDS[kind]
        paths: dict[str, Fault] = {entry["path"]: notice() for entry in manifest}
        if edited is not None:
            name, find, replace = edited
            paths[cls.article(name, site_dir)] = Edit(find, replace)
        return cls(paths, **options)

    def fault_for(self, path_and_query: str) -> Fault | None:
        """The fault to serve for this request now, or None (and count it if one is served)."""
        path = urlsplit(path_and_query).path
        key = path_and_query if path_and_query in self.paths else path
        fault = self.paths.get(key)
        if fault is None:
            return None
        with self._lock:
            used = self._uses.get(key, 0)
            if fault.times is not None and used >= fault.times:
                return None
            self._uses[key] = used + 1
            self.injected[fault.kind] = self.injected.get(fault.kind, 0) + 1
            self.served.append((path_and_query, fault.kind))
        return fault

    def note_listing_fault(self, kind: str, path_and_query: str) -> None:
        with self._lock:
            self.injected[kind] = self.injected.get(kind, 0) + 1
            self.served.append((path_and_query, kind))

    @property
    def total_injected(self) -> int:
        """How many faulty responses were served in all."""
        with self._lock:
            return sum(self.injected.values())


# --- the server ----------------------------------------------------------------------------


class FaultyHandler(PortalHandler):
    """The sample portal's handler, consulting the fault plan before routing."""

    server: _FaultyHTTPServer

    def _handle(self, send_body: bool) -> None:
        fault = self.server.plan.fault_for(self.path)
        if fault is None:
            super()._handle(send_body)
            return
        self.server.record(self.path)
        try:
            fault.respond(self, send_body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def pass_through(self, send_body: bool) -> None:
        """Serve this request as the plain sample portal would (already recorded)."""
        requests = self.server.requests
        super()._handle(send_body)
        with self.server._lock:  # the plain handler recorded it a second time
            if requests and requests[-1] == self.path:
                requests.pop()

    def stored_page(self) -> tuple[bytes, str] | None:
        """The stored bytes and the normal Content-Type of the article at this path."""
        path = urlsplit(self.path).path
        for entry in self.server.content.articles():
            if entry["path"] == path:
                found = self.server.content.find_file(entry["file"])
                if found is None:
                    return None
                return found.read_bytes(), f"text/html; charset={entry.get('charset') or 'utf-8'}"
        return None

    def send_bytes(self, status: int, ctype: str, body: bytes, send_body: bool,
                   headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if send_body:
            self.wfile.write(body)

    def reset_connection(self) -> None:
        """Close the socket with SO_LINGER 0, so the peer gets a TCP reset."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
        except OSError:
            pass

    # --- listing faults ----------------------------------------------------------------------

    def _listing(self, content: SiteContent, query: dict[str, list[str]], send_body: bool) -> None:
        plan = self.server.plan
        raw_page = query.get("page", ["1"])[-1]
        page = int(raw_page) if raw_page.isdigit() else 0
        articles = content.articles()
        page_size = self.server.page_size
        pages = max(1, math.ceil(len(articles) / page_size))
        if page in plan.empty_pages:
            plan.note_listing_fault("empty_listing", self.path)
            self._send_html(200, render_listing([], page, pages, []), send_body)
            return
        shown_pages = pages
        if not 1 <= page <= max(pages, plan.endless_limit if plan.pagination == "endless" else 0):
            self._not_found(send_body)
            return
        page_content = (page - 1) % pages + 1
        if plan.pagination == "endless" and page >= pages:  # the end links to one page more
            plan.note_listing_fault("endless_pagination", self.path)
            shown_pages = min(page + 1, plan.endless_limit)
        chunk = articles[(page_content - 1) * page_size : page_content * page_size]
        if plan.duplicate_links:
            plan.note_listing_fault("duplicate_links", self.path)
            chunk = [entry for entry in chunk for _ in (0, 1)]
        text = render_listing(chunk, page, shown_pages, articles[:1])
        if plan.pagination == "wrap" and page == pages:
            plan.note_listing_fault("wrapped_pagination", self.path)
            back = f'<li><a class="next" href="{SECTION_PATH}?page=1">Trang sau</a></li></ul>'
            text = text.replace("</ul>\n</main>", back + "\n</main>", 1)
        self._send_html(200, text, send_body)


class _FaultyHTTPServer(_PortalHTTPServer):
    def __init__(self, address: tuple[str, int], content: SiteContent, page_size: int,
                 verbose: bool, plan: FaultPlan) -> None:
        super().__init__(address, content, page_size, verbose)
        self.RequestHandlerClass = FaultyHandler
        self.plan = plan
        self.stopping = threading.Event()
        self.bytes_streamed = 0

    def note_bytes(self, count: int) -> None:
        with self._lock:
            self.bytes_streamed += count


class FaultyPortal(SamplePortal):
    """The sample portal serving the faults of ``plan``; otherwise exactly a SamplePortal.

    ``stop()`` first releases every hanging or streaming response, so a test never waits for
    a fault to run its course.
    """

    def __init__(self, plan: FaultPlan | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.plan = plan if plan is not None else FaultPlan()
        self._streamed = 0

    @property
    def bytes_streamed(self) -> int:
        """Bytes of ``Huge`` bodies actually written before the clients hung up."""
        return self._server.bytes_streamed if self._server is not None else self._streamed

    def start(self) -> str:
        if self._server is not None:
            return self.base_url
        server = _FaultyHTTPServer((self.host, self.port), self.content, self.page_size,
                                   self.verbose, self.plan)
        server.requests = self.requests
        host, port = server.server_address[:2]
        self.port = int(port)
        self.base_url = f"http://{host}:{port}"
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, name="faulty-portal",
                                        daemon=True)
        self._thread.start()
        return self.base_url

    def stop(self) -> None:
        if self._server is not None:
            self._server.stopping.set()
            self._streamed = self._server.bytes_streamed
        super().stop()


def parse_fault(text: str) -> tuple[str, Fault]:
    """``PATH=KIND[:ARG]`` -> (path, fault): ``/x=status:503``, ``/y=hang:30``, ``/z=reset``."""
    path, _, spec = text.partition("=")
    kind, _, arg = spec.partition(":")
    if kind not in FAULT_KINDS or not path.startswith("/"):
        raise ValueError(f"{text!r}: use PATH=KIND[:ARG], KIND one of {', '.join(FAULT_KINDS)}")
    cls = FAULT_KINDS[kind]
    if not arg:
        return path, cls()
    converters = {"status": int, "hang": float, "truncate": float, "charset": str,
                  "redirect": str, "huge": int, "nested": int}
    if kind == "edit" and "=>" in arg:
        return path, Edit(*arg.split("=>", 1))
    if kind not in converters:
        raise ValueError(f"{text!r}: {kind} takes no argument")
    value = converters[kind](arg)
    if kind == "charset" and value == "none":
        value = None
    return path, cls(value)  # type: ignore[call-arg]


def main(argv: list[str] | None = None) -> int:
    """Serve the faulty portal until Ctrl-C."""
    parser = argparse.ArgumentParser(
        prog="python -m sample_portal.faults",
        description="Serve the sample portal with injected faults on a local port.",
        epilog="Example: python -m sample_portal.faults --fault /robots.txt=status:503 "
               "--pagination endless",
    )
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--fault", action="append", default=[], metavar="PATH=KIND[:ARG]")
    parser.add_argument("--pagination", choices=("normal", "wrap", "endless"), default="normal")
    parser.add_argument("--duplicate-links", action="store_true")
    parser.add_argument("--bad-day", choices=sorted(NOTICE_KINDS), default=None,
                        help="answer every article with this notice page (status 200)")
    args = parser.parse_args(argv)
    try:
        paths = dict(parse_fault(text) for text in args.fault)
    except ValueError as error:
        parser.error(str(error))
    if args.bad_day:
        paths = {**FaultPlan.bad_day(args.bad_day).paths, **paths}
    plan = FaultPlan(paths, duplicate_links=args.duplicate_links, pagination=args.pagination)
    portal = FaultyPortal(plan, port=args.port)
    try:
        portal.start()
    except OSError as exc:
        print(f"cannot listen on port {args.port}: {exc}", file=sys.stderr)
        return 1
    print(f"Faulty sample portal: {portal.section_url}", flush=True)
    try:
        wait_for_ctrl_c()
    except KeyboardInterrupt:
        print(f"\nstopped; faults served: {plan.injected}", file=sys.stderr)
    finally:
        portal.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
