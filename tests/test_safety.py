"""Safety: what the archive stores, where the spider goes, what `serve` can do, how SQL is built.

- Stored ``body_html`` (articles and revisions) has no script, style, iframe, object, form,
  event handler or javascript:/data: URL, after a real crawl of a page full of them.
- The spider never leaves the portal: every request of the crawl reached the sample portal,
  and a trap proxy set for everything else (``no_proxy=127.0.0.1``) saw nothing, although the
  pages link to chinhphu.vn and elsewhere and one article redirects off the portal.
- ``tinlanhdao serve`` cannot write: write SQL in every form is refused, and the archive file is
  byte for byte and mtime unchanged.
- No SQL is built by formatting: a static scan (ast) of archive/*.py and crawler/**/*.py finds
  every ``execute``/``query`` whose SQL interpolates a value; each must be on the reviewed list.
"""

from __future__ import annotations

import ast
import contextlib
import hashlib
import html
import json
import os
import re
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote, urlparse

import lxml.html
import pytest
from support.crawls import ROOT, SITE_DIR, crawl_command

from sample_portal.faults import FaultPlan, FaultyPortal, Redirect
from sample_portal.server import SECTION_PATH

MANIFEST = json.loads((SITE_DIR / "manifest.json").read_text("utf-8"))
HOSTILE_PATH = f"{SECTION_PATH}/bai-viet-co-ma-doc"
REFRESH_PATH = f"{SECTION_PATH}/bai-viet-chuyen-huong"  # a <meta http-equiv=refresh> off-site
REDIRECTED_PATH = FaultPlan.article("2022-07-27-vieng-nghia-trang-liet-si")  # a 302 off-site

HOSTILE_CONTENT = """
<p>Sáng 12/6, lãnh đạo thành phố làm việc với <a href="javascript:alert(1)">liên kết độc</a>,
<a href=" JaVaScRiPt:alert(2)">hoa thường</a> và <a href="jav&#x09;ascript:alert(3)">tab</a>.</p>
<script>alert("x")</script><style>p { color: red }</style>
<iframe src="https://evil.example/"></iframe>
<p onclick="alert(4)" style="background:url(javascript:alert(5))">Đoạn có sự kiện
<img src="/uploads/2025/06/anh.jpg" onerror="alert(6)"> <b onmouseover="alert(7)">chữ đậm</b>.</p>
<svg onload="alert(8)"><script>alert(9)</script></svg>
<object data="x.swf"></object><embed src="x.swf">
<form action="javascript:alert(10)"><button formaction="javascript:alert(11)">Gửi</button></form>
<p>Xem <a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">tệp</a> và
<a href="vbscript:msgbox(1)">cũ</a> cùng <b>chữ</b> &lt;script&gt;alert(14)&lt;/script&gt;.</p>
<math><mtext><table><mglyph><style><img src=x onerror=alert(12)></style></mglyph></table>
</mtext></math>
<noscript><p title="</noscript><img src=x onerror=alert(13)>">ẩn</p></noscript>
<p>Thông tin thêm tại <a href="https://chinhphu.vn/tin-tuc">Chính phủ</a> và
<a href="http://evil.example/x">trang ngoài</a>, <img src="https://evil.example/pixel.gif"></p>
<base href="https://evil.example/">
<p>Đoạn kết: thành phố tiếp tục đẩy mạnh cải cách hành chính và chuyển đổi số trong năm 2025.</p>
"""
FORBIDDEN_TAGS = {"script", "style", "iframe", "frame", "frameset", "object", "embed", "applet",
                  "base", "meta", "link", "form", "button", "input", "textarea", "select", "svg",
                  "math", "noscript", "template"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "srcset", "xlink:href", "background",
                  "poster", "cite", "data", "longdesc", "usemap"}


def hostile_overlay(overlay: Path) -> None:
    """Two articles of the current layout: one whose body holds every kind of active content,
    one whose head holds a meta refresh to another site."""
    base = next(e for e in MANIFEST if e["generation"] == "current")
    page = (SITE_DIR / base["file"]).read_text("utf-8")
    marker = '<div class="ArticleContent">'
    assert marker in page and "</head>" in page
    refresh = '<meta http-equiv="refresh" content="0;url=https://evil.example/">'
    (overlay / "articles").mkdir(parents=True)
    (overlay / "articles" / "ma-doc.html").write_text(
        page.replace(marker, marker + HOSTILE_CONTENT, 1), "utf-8")
    (overlay / "articles" / "chuyen-huong.html").write_text(
        page.replace("</head>", refresh + "</head>", 1), "utf-8")
    entries = [
        dict(base, name="ma-doc", path=HOSTILE_PATH, file="articles/ma-doc.html",
             title="Bài viết có mã độc", date="12/06/2025"),
        dict(base, name="chuyen-huong", path=REFRESH_PATH, file="articles/chuyen-huong.html",
             title="Bài viết chuyển hướng", date="11/06/2025"),
    ]
    (overlay / "manifest.json").write_text(json.dumps(entries, ensure_ascii=False), "utf-8")


class _Trap(BaseHTTPRequestHandler):
    """A proxy that lets nothing through and remembers every request made to it."""

    def _refuse(self) -> None:
        self.server.seen.append(f"{self.command} {self.path}")  # type: ignore[attr-defined]
        self.send_error(403, "trap proxy: the crawl must not leave 127.0.0.1")

    do_GET = do_HEAD = do_POST = do_CONNECT = _refuse  # noqa: N815

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.fixture(scope="module")
def trap():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Trap)
    server.seen = []  # type: ignore[attr-defined]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def trapped_env(trap, archive: Path) -> dict[str, str]:
    proxy = f"http://127.0.0.1:{trap.server_address[1]}"
    return dict(os.environ, TINLANHDAO_ARCHIVE=str(archive), http_proxy=proxy,
                https_proxy=proxy, HTTP_PROXY=proxy, HTTPS_PROXY=proxy,
                no_proxy="127.0.0.1", NO_PROXY="127.0.0.1")


@pytest.fixture(scope="module")
def crawled(tmp_path_factory, trap):
    """The sample portal plus the hostile article, one article redirecting to chinhphu.vn,
    crawled in full behind the trap proxy."""
    tmp = tmp_path_factory.mktemp("safety")
    hostile_overlay(tmp / "overlay")
    plan = FaultPlan({REDIRECTED_PATH: Redirect("https://chinhphu.vn/bai-viet/da-chuyen")})
    archive = tmp / "archive.db"
    with FaultyPortal(plan, overlay_dir=tmp / "overlay") as portal:
        result = subprocess.run(crawl_command(portal, "-a", "mode=full"), cwd=ROOT,
                                env=trapped_env(trap, archive), capture_output=True, text=True,
                                timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    return portal, archive, result.stderr


# --- stored HTML ---------------------------------------------------------------------------


def active_content(fragment: str) -> list[str]:
    """Everything in ``fragment`` that could run or load: tags, handlers, dangerous URLs."""
    found = []
    if not fragment.strip():
        return found
    for element in lxml.html.fragments_fromstring(f"<div>{fragment}</div>")[0].iter():
        if not isinstance(element.tag, str):
            continue
        if element.tag.lower() in FORBIDDEN_TAGS:
            found.append(f"<{element.tag}>")
        for name, value in element.attrib.items():
            lowered = name.lower()
            if lowered.startswith("on") or lowered == "style":
                found.append(f"{element.tag}@{name}")
            if lowered in URL_ATTRIBUTES:
                plain = re.sub(r"[\x00-\x20]+", "", html.unescape(value)).lower()
                if plain.startswith(("javascript:", "vbscript:", "data:")):
                    found.append(f"{element.tag}@{name}={value[:40]}")
    return found


def test_stored_body_html_has_no_active_content(crawled):
    _, archive, _ = crawled
    with sqlite3.connect(archive) as connection:
        rows = connection.execute("select url, body_html from articles union all "
                                  "select 'revision ' || id, body_html from revisions").fetchall()
    assert len(rows) >= 2 * (len(MANIFEST) - 1)  # the articles and their first revisions
    problems = {url: active_content(body or "") for url, body in rows}
    assert {url: p for url, p in problems.items() if p} == {}
    hostile = next(body for url, body in rows if url.endswith(HOSTILE_PATH))  # it was stored
    assert "lãnh đạo thành phố làm việc với" in hostile  # the article itself was kept
    # 'jav&#x09;ascript:' comes out as the relative URL 'jav%09ascript:...': harmless, since
    # browsers strip a literal tab from URLs but not an encoded one.


def test_the_scanner_finds_what_it_looks_for():
    assert active_content(HOSTILE_CONTENT)  # the test above is not vacuous
    assert active_content('<a href="jav&#x09;ascript:x">a</a>') == ["a@href=jav\tascript:x"]


# Found here (fixed in crawler/extraction/document.py): libxml2 does not know <embed> is a void
# element, so the paragraphs after it became its children and were dropped with it.
def test_paragraphs_after_an_embed_are_kept():
    from crawler.extraction import extract_page

    base = next(e for e in MANIFEST if e["generation"] == "current")
    page = (SITE_DIR / base["file"]).read_text("utf-8")
    marker = '<div class="ArticleContent">'
    tail = "<p>Đoạn sau đoạn phim: thành phố tiếp tục đẩy mạnh chuyển đổi số năm 2025.</p>"
    page = page.replace(marker, marker + '<embed src="/uploads/phim.swf">' + tail, 1)
    article = extract_page(page, "http://127.0.0.1:8000" + base["path"])
    assert "thành phố tiếp tục đẩy mạnh chuyển đổi số" in article.body


# --- the spider stays on the portal --------------------------------------------------------


def test_every_request_of_the_crawl_went_to_the_portal_or_the_trap(crawled, trap):
    portal, archive, _ = crawled
    with sqlite3.connect(archive) as connection:  # the crawler's request count, as recorded
        (requested,) = connection.execute("select requests from crawl_runs").fetchone()
    assert requested == len(portal.requests) + len(trap.seen)
    allowed = {e["path"] for e in MANIFEST} | {HOSTILE_PATH, REFRESH_PATH, "/robots.txt",
                                              SECTION_PATH}
    assert {urlparse(p).path for p in portal.requests} <= allowed  # no menu, sidebar, search
    assert not any(p.startswith(("/tin-tuc-su-kien", "/thong-bao", "/tim-kiem"))
                   for p in portal.requests)


# A bug found here, fixed in crawler/middlewares.py (PortalOnlyOffsiteMiddleware): article
# requests carry dont_filter=True (so redirect loops are recorded), RedirectMiddleware copies it
# to redirects, and Scrapy's own OffsiteMiddleware lets dont_filter requests through, so a 302
# or a <meta http-equiv=refresh> on an article page led the crawl to any host.


def test_no_request_leaves_the_portal(crawled, trap):
    assert trap.seen == []  # nothing was even attempted elsewhere


def test_a_redirect_off_the_portal_is_not_followed_and_is_recorded(crawled, trap):
    _, archive, _ = crawled
    with sqlite3.connect(archive) as connection:
        rows = connection.execute("select url, reason from failures union all "
                                  "select url, removed_reason from articles "
                                  "where removed_reason is not null").fetchall()
    reasons = {urlparse(url).path: reason for url, reason in rows}
    assert reasons.get(REDIRECTED_PATH, "").startswith("redirected_out:https://chinhphu.vn/")
    assert reasons.get(REFRESH_PATH, "").startswith("redirected_out:https://evil.example/")


def test_the_trap_proxy_catches_what_leaves(trap):
    proxy = trapped_env(trap, Path("x"))["http_proxy"]
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": proxy}))
    before = len(trap.seen)
    with pytest.raises(urllib.error.HTTPError):
        opener.open("http://chinhphu.vn/", timeout=5)  # goes to the trap only
    assert trap.seen[before:] == ["GET http://chinhphu.vn/"]
    del trap.seen[before:]


# --- serve is read-only ----------------------------------------------------------------------

WRITES = [
    "insert into articles (url, title, body) values ('x', 'x', 'x')",
    "update articles set title = 'hacked'",
    "delete from articles",
    "drop table articles",
    "create table pwned (x)",
    "replace into failures (url, reason) values ('x', 'x')",
    "with t as (select 1) delete from articles",
    "select 1; delete from articles",
    "pragma journal_mode = delete",
    "pragma writable_schema = 1",
    "attach database '/tmp/pwned.db' as pwned",
    "vacuum into '/tmp/pwned.db'",
    "insert into articles_fts(articles_fts) values ('delete-all')",
    "select load_extension('/tmp/x.so')",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fingerprint(path: Path) -> tuple:
    """Name, mtime and hash of the archive and of its WAL if that holds anything (a reader of a
    WAL-mode file may create an empty -wal and the -shm index; neither is a write)."""
    files = sorted(path.parent.glob(path.name + "*"))
    return tuple((f.name, f.stat().st_mtime_ns, hashlib.sha256(f.read_bytes()).hexdigest())
                 for f in files if not f.name.endswith("-shm")
                 and not (f.name.endswith("-wal") and f.stat().st_size == 0))


@contextlib.contextmanager
def serving(path: Path):
    """`tinlanhdao serve` on ``path`` in a subprocess: (base URL, process)."""
    port = free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "tinlanhdao"), "serve", "--db", str(path),
         "--port", str(port)], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        text=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            LOCAL.open(base + "/-/versions.json", timeout=2)
            break
        except OSError:
            time.sleep(0.2)
    else:
        server.kill()
        pytest.fail("tinlanhdao serve did not start")
    try:
        yield base, server
    finally:
        if server.poll() is None:
            server.terminate()
            server.communicate(timeout=10)


@pytest.fixture(scope="module")
def archive_copy(crawled, tmp_path_factory) -> Path:
    """A copy of the crawled archive, named so that Datasette calls it tinlanhdao."""
    _, archive, _ = crawled
    copy = tmp_path_factory.mktemp("served") / "tinlanhdao.db"
    with sqlite3.connect(archive) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    return copy


@pytest.fixture(scope="module")
def served(archive_copy):
    before = fingerprint(archive_copy)
    with serving(archive_copy) as (base, server):
        yield base, archive_copy, before, server


LOCAL = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never a proxy


def get(url: str, data: bytes | None = None) -> tuple[int, str]:
    try:
        with LOCAL.open(urllib.request.Request(url, data=data), timeout=10) as answer:
            return answer.status, answer.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace")


def test_serve_refuses_every_write_and_leaves_the_file_untouched(served):
    base, copy, before, _ = served
    count = sqlite3.connect(copy).execute("select count(*) from articles").fetchone()[0]
    answers = {}
    for sql in WRITES:
        answers[sql] = get(f"{base}/tinlanhdao.json?sql={quote(sql)}")[0]
        answers["POST " + sql] = get(f"{base}/tinlanhdao", data=f"sql={quote(sql)}".encode())[0]
    assert {sql: status for sql, status in answers.items() if not 400 <= status < 500} == {}
    # Datasette 0.65 answers a POST to a table with a 500 (an assertion: "You may only POST to
    # a canned query"): refused all the same, but not cleanly; upstream behaviour.
    assert get(f"{base}/tinlanhdao/articles", data=b"title=x")[0] >= 400
    time.sleep(0.5)
    assert fingerprint(copy) == before
    assert sqlite3.connect(copy).execute("select count(*) from articles").fetchone()[0] == count


def test_datasette_reads_through_read_only_connections(crawled, tmp_path):
    import asyncio

    from archive.web import build_datasette

    _, archive, _ = crawled
    datasette = build_datasette(archive)
    database = next(iter(datasette.databases.values()))
    if database.name == "_internal":
        database = list(datasette.databases.values())[-1]

    async def attempt() -> str:
        try:
            await database.execute("insert into failures (url, reason) values ('x', 'x')")
        except Exception as error:  # the read connection is mode=ro
            return str(error)
        return "written"

    assert "readonly" in asyncio.run(attempt()).replace(" ", "").lower()
    from datasette.plugins import get_plugins

    # No plugin that could ask Datasette to write: only the project's own two (the archive's
    # pages, archive/datasette_plugin, and the leader pages, archive/leaders/web), whose hooks
    # read (they run no execute_write and register no write route; the leader facets and the
    # filters their clicks set only read and add read-only WHERE clauses).
    hooks: dict[str, set[str]] = {}
    for plugin in get_plugins():
        if not plugin["name"].startswith("datasette."):
            hooks.setdefault(plugin["name"], set()).update(plugin["hooks"])
    assert set(hooks) <= {"tinlanhdao", "archive.datasette_plugin", "archive.leaders.web"}
    assert set().union(*hooks.values()) <= {
        "get_metadata", "extra_template_vars", "register_routes", "register_facet_classes",
        "filters_from_request",
    }
    root = Path(__file__).resolve().parents[1]
    plugin_source = "".join(
        path.read_text(encoding="utf-8")
        for folder in ("archive/datasette_plugin", "archive/leaders/web")
        for path in (root / folder).glob("*.py")
    )
    assert "execute_write" not in plugin_source


def test_malformed_searches_answer_400_through_serve(served):
    base, _, _, _ = served
    for query in ("%00", "%22x&_searchmode=raw", "NEAR(&_searchmode=raw", "*&_searchmode=raw"):
        assert get(f"{base}/tinlanhdao/articles.json?_search={query}")[0] == 400, query


# Found here (fixed in archive/web.py): Datasette printed a rich traceback with every local
# variable for each malformed search, ~40 KB of log and ~0.45 s of CPU per request.
def test_malformed_searches_leave_no_traceback_in_the_server_log(archive_copy):
    with serving(archive_copy) as (base, server):
        for query in ("%00", "%22x&_searchmode=raw", "NEAR(&_searchmode=raw"):
            assert get(f"{base}/tinlanhdao/articles.json?_search={query}")[0] == 400
        server.terminate()
        _, log = server.communicate(timeout=10)
    assert "Traceback" not in log and "locals" not in log


# --- no SQL by string formatting -------------------------------------------------------------

SQL_METHODS = {"execute", "executemany", "executescript", "query"}
# Interpolations into SQL that the scan cannot prove constant, reviewed by hand: (file, the
# interpolated source) and why it cannot carry user input. Constants (UPPER_CASE names, literal
# strings, locals assigned only from those, calls with constant arguments) pass on their own.
# A new interpolation fails the test until someone reads it and lists it here.
REVIEWED = {
    ("archive/storing.py", "', '.join(columns)"): "_MEDIA_COLUMNS[table], literal column names",
    ("archive/storing.py", "table"): "loop variable over the literal table names of a dict",
    ("archive/reading.py", "marks"): "only '?' placeholders, one per URL; the URLs are bound",
    ("archive/reading.py", "table"): "_current's table: a literal in each of its callers",
    ("archive/reading.py", "columns"): "_current's columns: a literal in each of its callers",
    ("archive/search.py", "column"): "date_range_sql's column: a literal from every caller",
    ("archive/search.py", "len(until)"): "an int, after check_date_prefix",
    ("archive/search.py", "' AND '.join(conditions)"):
        "literal conditions with '?' placeholders; the values are bound",
    ("archive/search.py", "filters"): "the same literal conditions, passed to _best_ids",
    ("archive/search.py", "where"): "'AND ' + those conditions",
    ("archive/search.py", "join"): "a literal JOIN clause or ''",
    ("archive/search.py", "table"): "one of the three index names (SEARCH/PAIRS/MARKS_TABLE)",
    ("archive/search.py", "score"): "bm25() of that index with its literal weights",
    ("archive/export.py", "where"):
        "Selection.where: filter_sql's literal conditions and 'a.id IN (json_each(?))', bound",
    ("archive/export.py", "types"): "column names and types from PRAGMA table_xinfo(articles)",
    ("archive/export.py", "target"):
        "the output path, quoted ('' doubled) for DuckDB's COPY, which takes no parameter",
    ("archive/captures.py", "where"):
        "_article_filter: date_range_sql and 'articles.url = ?', or 'WHERE run_id = ?'",
}


def _is_constant(node: ast.expr, assignments: dict[str, list[ast.expr]], depth: int = 0) -> bool:
    """True if ``node`` can only be built from literals and UPPER_CASE constants."""
    if depth > 8:
        return False
    again = lambda n: _is_constant(n, assignments, depth + 1)  # noqa: E731
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.Name):
        if node.id.isupper() or node.id.lstrip("_").isupper():
            return True
        values = assignments.get(node.id)
        return bool(values) and all(again(v) for v in values)
    if isinstance(node, ast.Attribute):
        return node.attr.isupper()
    if isinstance(node, ast.JoinedStr):
        return all(again(v.value) for v in node.values if isinstance(v, ast.FormattedValue))
    if isinstance(node, ast.BinOp):
        return again(node.left) and again(node.right)
    if isinstance(node, ast.IfExp):
        return again(node.body) and again(node.orelse)
    if isinstance(node, (ast.Tuple, ast.List)):
        return all(again(e) for e in node.elts)
    if isinstance(node, ast.Call):  # a function of constants: ", ".join(COLUMNS), f('new')
        func_ok = not isinstance(node.func, ast.Attribute) or again(node.func.value)
        return func_ok and all(again(a) for a in [*node.args, *(k.value for k in node.keywords)])
    return False


def _sql_argument(call: ast.Call) -> ast.expr | None:
    if call.args:
        return call.args[0]
    return next((k.value for k in call.keywords if k.arg in ("sql", "query")), None)


def interpolations(node: ast.expr, assignments: dict[str, list[ast.expr]],
                   depth: int = 0) -> list[str]:
    """Source of every non-constant value formatted into the SQL expression ``node``."""
    if depth > 5:
        return []
    if isinstance(node, ast.Constant):
        return []
    if isinstance(node, ast.JoinedStr):
        return [ast.unparse(v.value) for v in node.values if isinstance(v, ast.FormattedValue)
                and not _is_constant(v.value, assignments)]
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Mod, ast.Add)):
        parts = []
        for side in (node.left, node.right):
            if isinstance(side, (ast.JoinedStr, ast.BinOp)):
                parts += interpolations(side, assignments, depth + 1)
            elif not _is_constant(side, assignments):
                parts.append(ast.unparse(side))
        return parts
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr == "format"):
        return [ast.unparse(a) for a in [*node.args, *(k.value for k in node.keywords)]
                if not _is_constant(a, assignments)]
    if isinstance(node, ast.Name) and node.id in assignments:
        return [p for value in assignments[node.id]
                for p in interpolations(value, assignments, depth + 1)]
    return []


def formatted_sql(path: Path) -> list[tuple[str, str, str, int]]:
    """(file, function, interpolated source, line) for every SQL call in ``path`` whose SQL is
    built by formatting."""
    tree = ast.parse(path.read_text("utf-8"))
    found = []
    for function in ast.walk(tree):
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        assignments: dict[str, list[ast.expr]] = {}
        for node in ast.walk(function):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        assignments.setdefault(target.id, []).append(node.value)
        for node in ast.walk(function):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in SQL_METHODS):
                argument = _sql_argument(node)
                if argument is None:
                    continue
                relative = path.relative_to(ROOT).as_posix()
                for source in interpolations(argument, assignments):
                    found.append((relative, function.name, source, node.lineno))
    return found


def code_files() -> list[Path]:
    return sorted([*(ROOT / "archive").glob("*.py"), *(ROOT / "crawler").rglob("*.py")])


def test_sql_is_never_built_by_formatting_user_input():
    found = [hit for path in code_files() for hit in formatted_sql(path)]
    unreviewed = sorted({(f, fn, src, line) for f, fn, src, line in found
                         if (f, src) not in REVIEWED})
    assert unreviewed == [], "SQL built by formatting, not yet reviewed: " + "\n".join(
        f"{f}:{line} in {fn}(): {{{src}}}" for f, fn, src, line in unreviewed)


def test_the_sql_scanner_sees_formatting():
    sample = ROOT / "tests" / "_sql_scan_sample.py"
    source = ('def f(db, name, n):\n    db.execute(f"select * from t where a = {name}")\n'
              '    sql = "select %s" % n\n    db.query(sql)\n'
              '    db.execute("select {}".format(name))\n    db.execute("select ?", [name])\n')
    sample.write_text(source, "utf-8")
    try:
        assert [s for _, _, s, _ in formatted_sql(sample)] == ["name", "n", "name"]
    finally:
        sample.unlink()
