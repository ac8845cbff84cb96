"""Our WACZ replays in a real replayer (pywb), from loopback, without ever reaching the portal.

A crawl of the bundled sample portal (served by this test on its own port) is packed with
``tinlanhdao export-wacz``; pywb's ``wb-manager`` adds that WACZ to a collection (it reads our
index and WARC files), and pywb's ``wayback`` server replays it on 127.0.0.1. Before the
replay, the sample portal is stopped and a trap server takes its port: any request the
replayer sent to the archived site would land there. pywb runs with no live collection and no
proxy (its config.yaml names only the archived collection). The article's page in Datasette,
with the replayer configured, links to that replay, and following the link brings the text.

The other tests check the links without a replayer: present with the capture's URL and time
when one is configured (by $TINLANHDAO_REPLAY_URL or Datasette's plugin configuration),
absent otherwise, and never active content.
"""

from __future__ import annotations

import asyncio
import shutil
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from support.articles import build_archive, da_nang_article, seed_article
from support.crawls import run_crawl

from archive.replay import replay_template, replay_url, timestamp14
from archive.web import build_datasette

BIN = Path(sys.executable).parent
COLLECTION = "tinlanhdao"


class Trap(BaseHTTPRequestHandler):
    """Answers every request 503 and records it: the replay must send none."""

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        self.server.seen.append(self.path)  # type: ignore[attr-defined]
        self.send_error(503)

    do_POST = do_HEAD = do_GET

    def log_message(self, *args: object) -> None:
        pass


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=20) as answer:
            return answer.status, answer.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace")


def _wait_for(url: str, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"pywb exited with {process.returncode}")
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            time.sleep(0.2)
    raise AssertionError("pywb did not start")


@pytest.mark.slow
def test_an_archived_article_replays_in_pywb_without_the_portal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sample_portal.server import SamplePortal

    archive = tmp_path / "data" / "tinlanhdao.db"
    with SamplePortal() as portal:
        crawl = run_crawl(portal, archive)
        assert crawl.returncode == 0, crawl.stderr[-2000:]
        portal_port = portal.port
    wacz = tmp_path / "tinlanhdao.wacz"
    export = subprocess.run([str(BIN / "tinlanhdao"), "export-wacz", str(wacz), "--db",
                             str(archive)], capture_output=True, text=True, timeout=120)
    assert export.returncode == 0, export.stderr
    with sqlite3.connect(archive) as db:
        article_id, url, title, body, fetched_at = db.execute(
            "SELECT articles.id, articles.url, articles.title, articles.body, captures.fetched_at "
            "FROM articles JOIN captures ON captures.id = articles.capture_id "
            "WHERE articles.layout = 'cantho-current' ORDER BY articles.id LIMIT 1"
        ).fetchone()

    root = tmp_path / "pywb"
    root.mkdir()
    (root / "config.yaml").write_text(
        "# Only the archived collection: no live collection, no proxy, no recording.\n"
        f"collections:\n  {COLLECTION}:\n    index_paths: ./collections/{COLLECTION}/indexes/\n"
        f"    archive_paths: ./collections/{COLLECTION}/archive/\n"
        "framed_replay: false\n", encoding="utf-8")
    for step in (["init", COLLECTION], ["add", "--unpack-wacz", COLLECTION, str(wacz)]):
        done = subprocess.run([str(BIN / "wb-manager"), *step], cwd=root, capture_output=True,
                              text=True, timeout=120)
        assert done.returncode == 0, done.stderr
    assert list((root / "collections" / COLLECTION / "archive").glob("*.warc.gz"))

    trap = ThreadingHTTPServer(("127.0.0.1", portal_port), Trap)
    trap.seen = []  # type: ignore[attr-defined]
    threading.Thread(target=trap.serve_forever, daemon=True).start()
    port = _free_port()
    pywb = subprocess.Popen([str(BIN / "wayback"), "-b", "127.0.0.1", "-p", str(port),
                             "-t", "2"], cwd=root, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_for(base + "/", pywb)
        link = replay_url(url, fetched_at, template=f"{base}/{COLLECTION}/")
        assert link == f"{base}/{COLLECTION}/{timestamp14(fetched_at)}/{url}"
        status, page = _get(link)
        assert status == 200
        assert title in page
        first_paragraph = body.split("\n\n")[0]
        assert first_paragraph[:80] in page
        # The original bytes, unrewritten (pywb's id_ mode), hold the same text.
        status, original = _get(f"{base}/{COLLECTION}/{timestamp14(fetched_at)}id_/{url}")
        assert status == 200 and title in original
        # A page that was never archived is not fetched from the site: it is not found.
        status, _ = _get(f"{base}/{COLLECTION}/{url}-never-archived")
        assert status == 404
        status, _ = _get(f"{base}/live/{url}")
        assert status == 404
        # The article's page in Datasette links to that replay, and the link brings the text.
        monkeypatch.setenv("TINLANHDAO_REPLAY_URL", f"{base}/{COLLECTION}/")
        [article_page] = datasette_pages(build_datasette(archive),
                                         f"/tinlanhdao/articles/{article_id}")
        [from_datasette, *_] = replay_links(article_page)
        assert from_datasette == link
        status, page = _get(from_datasette)
        assert status == 200 and title in page and first_paragraph[:80] in page
        assert trap.seen == []  # type: ignore[attr-defined]
    finally:
        pywb.terminate()
        pywb.wait(timeout=20)
        trap.shutdown()
        trap.server_close()
    shutil.rmtree(root)


def test_replay_url_templates() -> None:
    url = "https://www.cantho.gov.vn/hoat-dong-lanh-dao-thanh-pho/a?b=1"
    assert replay_url(url, "2025-06-10T08:30:00Z", template="") == ""
    assert (replay_url(url, "2025-06-10T08:30:00Z", template="http://h:8080/tinlanhdao")
            == "http://h:8080/tinlanhdao/20250610083000/" + url)
    rwp = "http://h/?source=x.wacz#view=pages&url={url_quoted}&ts={timestamp}"
    assert replay_url(url, "2025-06-10T08:30:00Z", template=rwp) == (
        "http://h/?source=x.wacz#view=pages&url=https%3A%2F%2Fwww.cantho.gov.vn%2F"
        "hoat-dong-lanh-dao-thanh-pho%2Fa%3Fb%3D1&ts=20250610083000")
    with pytest.raises(ValueError, match="only"):
        replay_url(url, "2025-06-10T08:30:00Z", template="http://h/{when}/{url}")


def test_replay_template_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TINLANHDAO_REPLAY_URL", raising=False)
    assert replay_template() == ""
    monkeypatch.setenv("TINLANHDAO_REPLAY_URL", "http://127.0.0.1:8080/tinlanhdao/")
    assert replay_template() == "http://127.0.0.1:8080/tinlanhdao/{timestamp}/{url}"


class ReplayLinks(HTMLParser):
    """The href of every replay link (``a.tld-replay``) of a page, as a browser reads it."""

    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "a" and found.get("class") == "tld-replay":
            self.hrefs.append(found.get("href") or "")


def replay_links(html: str) -> list[str]:
    parser = ReplayLinks()
    parser.feed(html)
    return parser.hrefs


def datasette_pages(datasette, *paths: str) -> list[str]:
    async def fetch() -> list[str]:
        pages = []
        for path in paths:
            answer = await datasette.client.get(path)
            assert answer.status_code == 200, path
            pages.append(answer.text)
        return pages

    return asyncio.run(fetch())


# Written by us: the capture the seed article's current version came from, at a URL that is
# not the article's (the portal redirected) and that carries markup, which must stay text.
CAPTURED_URL = seed_article().url + '?r=1&x="><script>window.__pwned=1</script>'
CAPTURED_AT = "2024-01-10T03:00:07Z"


@pytest.fixture
def archive_with_capture(tmp_path: Path) -> Path:
    path = build_archive(tmp_path / "tinlanhdao.db", [seed_article(), da_nang_article()])
    with sqlite3.connect(path) as db:  # as the crawl's recorder writes it
        article_id = db.execute("SELECT id FROM articles WHERE url = ?",
                                [seed_article().url]).fetchone()[0]
        capture_id = db.execute(
            "INSERT INTO captures (url, fetched_at, http_status, mime, record_type, warc_file, "
            "offset, length, article_id) VALUES (?, ?, 200, 'text/html', 'response', "
            "'tinlanhdao-1.warc.gz', 0, 100, ?)", [CAPTURED_URL, CAPTURED_AT, article_id]
        ).lastrowid
        db.execute("UPDATE articles SET capture_id = ? WHERE id = ?", [capture_id, article_id])
    db.close()
    return path


def test_datasette_links_articles_to_their_replay_only_when_configured(
    archive_with_capture: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pages = ("/tinlanhdao/articles", "/tinlanhdao/articles/1",
             "/tinlanhdao/articles?_search=nong+thon+moi")
    monkeypatch.delenv("TINLANHDAO_REPLAY_URL", raising=False)
    for html in datasette_pages(build_datasette(archive_with_capture), *pages):
        assert replay_links(html) == []
        assert "replay" not in html.lower()

    monkeypatch.setenv("TINLANHDAO_REPLAY_URL", "http://127.0.0.1:8080/tinlanhdao/")
    expected = f"http://127.0.0.1:8080/tinlanhdao/20240110030007/{CAPTURED_URL}"
    table, article, search = datasette_pages(build_datasette(archive_with_capture), *pages)
    assert replay_links(table) == [expected]  # the seed row; the Đà Nẵng one has no capture
    assert replay_links(search) == [expected]
    assert replay_links(article) == [expected, expected]  # the page's, then its capture's
    for html in (table, article, search):
        assert "<script>window.__pwned" not in html
        assert "&lt;script&gt;window.__pwned" in html or "&#34;&gt;&lt;script" in html


def test_plain_datasette_takes_the_replayer_from_its_plugin_configuration(
    archive_with_capture: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datasette.app import Datasette

    monkeypatch.delenv("TINLANHDAO_REPLAY_URL", raising=False)
    plain = Datasette([str(archive_with_capture)])  # `datasette tinlanhdao.db`: no link
    assert replay_links(datasette_pages(plain, "/tinlanhdao/articles/1")[0]) == []
    rwp = "https://replay.example/?source=tinlanhdao.wacz#view=pages&url={url_quoted}&ts={timestamp}"
    configured = Datasette([str(archive_with_capture)],
                           metadata={"plugins": {"tinlanhdao": {"replay_url": rwp}}})
    [link] = replay_links(datasette_pages(configured, "/tinlanhdao/articles")[0])
    assert link == replay_url(CAPTURED_URL, CAPTURED_AT, template=rwp)
    assert link.endswith("&ts=20240110030007") and "%3Cscript%3E" in link
    # A template that could make active content makes no link at all.
    hostile = Datasette([str(archive_with_capture)],
                        metadata={"plugins": {"tinlanhdao": {"replay_url": "javascript:{url}"}}})
    assert replay_links(datasette_pages(hostile, "/tinlanhdao/articles/1")[0]) == []
    # A template the links cannot use says so on the article page, and makes none.
    broken = Datasette([str(archive_with_capture)],
                       metadata={"plugins": {"tinlanhdao": {"replay_url": "http://h/{when}/{url}"}}})
    [page] = datasette_pages(broken, "/tinlanhdao/articles/1")
    assert replay_links(page) == [] and "No replay links: " in page and "{when}" in page
