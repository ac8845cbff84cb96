"""`tinlanhdao extract`: a URL fetched politely from the sample portal over real HTTP, or a
saved file; what every layout found; and one clear line with a documented exit status for each
way a page can fail."""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from click.testing import CliRunner
from support.fixture_pages import FIXTURES_DIR

from archive.cli import main
from crawler import settings
from crawler.extraction.layouts import WebSphereLayout
from sample_portal.server import PortalHandler, SamplePortal

SAMPLES = FIXTURES_DIR / "sample_portal"


def run(*args: str):
    return CliRunner().invoke(main, ["extract", *map(str, args)])


@pytest.fixture(scope="module")
def portal():
    with SamplePortal() as running:
        yield running


@pytest.fixture
def user_agents(monkeypatch):
    """The User-Agent of every request the sample portal receives, in order."""
    seen = []
    handle = PortalHandler._handle

    def recording(self, send_body):
        seen.append(self.headers.get("User-Agent"))
        return handle(self, send_body)

    monkeypatch.setattr(PortalHandler, "_handle", recording)
    return seen


def sample(name: str) -> tuple[dict, dict]:
    return (json.loads((SAMPLES / f"{name}.meta.json").read_text("utf-8")),
            json.loads((SAMPLES / f"{name}.json").read_text("utf-8")))


@pytest.mark.parametrize("name", ["2023-07-05-lam-viec-so-giao-duc",  # cantho-current
                                  "2014-03-26-tiep-doan-kien-giang",  # cantho-websphere
                                  "2025-06-10-tiep-doanh-nghiep-han-quoc"])  # fallback
def test_a_url_is_fetched_once_politely_and_every_layout_is_shown(portal, user_agents, name):
    meta, expected = sample(name)
    path = meta["url"].removeprefix("http://sample.portal")
    portal.requests.clear()
    result = run(portal.base_url + path)
    assert result.exit_code == 0, result.output
    assert portal.requests == ["/robots.txt", path]  # robots.txt, then the page, once
    assert user_agents == [settings.USER_AGENT] * 2
    article = json.loads(result.stdout)
    for field in ("title", "published", "author", "lead", "body", "images", "portal_id"):
        assert article[field] == json.loads(
            json.dumps(expected[field]).replace("http://sample.portal", portal.base_url)), field
    assert article["layout"] == meta["layout"]
    assert article["url"] == portal.base_url + path
    lines = result.stderr.splitlines()
    assert lines[0] == "What each layout finds on this page:"
    shown = {line.split(":")[0].strip(): line for line in lines if line.startswith("  c")
             or line.startswith("  f")}
    assert list(shown) == ["cantho-current", "cantho-websphere", "fallback"]
    assert [name for name, line in shown.items() if line.endswith("<- used")] == [meta["layout"]]
    for known in ("cantho-current", "cantho-websphere"):
        found = "markers found" if known == meta["layout"] else "markers absent"
        assert found in shown[known]
    assert "no markers (reads any page)" in shown["fallback"]
    if meta["layout"] != "fallback":  # the fallback's article, compared with the used one
        assert "differs from" in result.stderr or "same fields as" in result.stderr


def test_robots_txt_refusal_is_one_line_and_the_page_is_not_fetched(portal):
    portal.requests.clear()
    result = run(portal.base_url + "/tim-kiem?q=can+tho")  # Disallow: /tim-kiem
    assert result.exit_code == 4
    assert result.stderr.strip().count("\n") == 0 and "robots.txt" in result.stderr
    assert "Traceback" not in result.output
    assert portal.requests == ["/robots.txt"]


def test_a_robots_txt_that_forbids_the_section(tmp_path):
    (tmp_path / "robots.txt").write_text("User-agent: tinlanhdao-archiver\nDisallow: /\n")
    meta, _ = sample("2025-06-10-tiep-doanh-nghiep-han-quoc")
    with SamplePortal(overlay_dir=tmp_path) as portal:
        result = run(portal.base_url + meta["url"].removeprefix("http://sample.portal"))
        assert result.exit_code == 4, result.output
        assert portal.requests == ["/robots.txt"]


def test_a_page_that_is_not_an_article_gives_its_reason(tmp_path):
    (tmp_path / "articles").mkdir()
    (tmp_path / "articles" / "trong.html").write_text(
        "<html><head><title>Cổng thông tin</title></head><body></body></html>")  # nothing to read
    entry = {"name": "trong", "path": "/hoat-dong-lanh-dao-thanh-pho/trang-trong",
             "title": "Trang trống", "date": "01/07/2025", "summary": "", "charset": "utf-8",
             "file": "articles/trong.html", "generation": "current"}
    (tmp_path / "manifest.json").write_text(json.dumps([entry]), "utf-8")
    with SamplePortal(overlay_dir=tmp_path) as portal:
        result = run(portal.base_url + entry["path"])
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    assert result.stderr.splitlines()[-1].endswith(": not an article: no_content")
    assert "What each layout finds" in result.stderr


def test_not_html_and_http_errors(portal):
    image = run(portal.base_url + "/images/ipv6.png")
    assert image.exit_code == 5 and "image/png, not an HTML page" in image.stderr
    missing = run(portal.base_url + "/hoat-dong-lanh-dao-thanh-pho/khong-co-bai-nay")
    assert missing.exit_code == 3 and "HTTP 404" in missing.stderr
    for result in (image, missing):
        assert result.stdout == "" and "Traceback" not in result.output


def test_an_unreachable_host_is_one_line():
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = run(f"http://127.0.0.1:{port}/hoat-dong-lanh-dao-thanh-pho/bai")
    assert result.exit_code == 3
    assert "cannot fetch" in result.stderr and result.stderr.count("\n") == 1
    assert "Traceback" not in result.output


def test_saved_files_work_as_before():
    meta, expected = sample("2023-05-19-nong-thon-moi")
    page = SAMPLES / "2023-05-19-nong-thon-moi.html"
    one = run(page, "--url", meta["url"])
    assert one.exit_code == 0
    assert json.loads(one.stdout)["body"] == expected["body"]
    several = run(page, SAMPLES / "2014-03-26-tiep-doan-kien-giang.html")
    assert several.exit_code == 0
    assert [json.loads(line)["layout"] for line in several.stdout.splitlines()] == [
        "cantho-websphere", "cantho-websphere"]
    assert several.stderr == ""  # the layouts' comparison is for one page only


def test_a_missing_file_and_a_bug_are_one_line_each(monkeypatch, tmp_path):
    missing = run(tmp_path / "nowhere.html")
    assert missing.exit_code == 1 and "cannot read" in missing.stderr

    def broken(self):
        raise TypeError("a bug")

    monkeypatch.setattr(WebSphereLayout, "title", broken)
    bug = run(SAMPLES / "2023-05-19-nong-thon-moi.html")
    assert bug.exit_code == 70
    assert "a bug, please report it): TypeError: a bug at" in bug.stderr
    assert "Traceback" not in bug.output


class _Odd(BaseHTTPRequestHandler):
    """A server whose robots.txt is missing (404) or failing (503), and which redirects."""

    def do_GET(self):  # noqa: N802
        self.server.seen.append(self.path)
        if self.path == "/robots.txt":
            self.send_response(503 if self.server.robots_down else 404)
            self.end_headers()
        elif self.path == "/old":
            self.send_response(301)
            self.send_header("Location", "/new")
            self.end_headers()
        else:
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def odd_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Odd)
    server.seen, server.robots_down = [], False
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def test_a_redirect_is_reported_not_followed(odd_server):
    base = f"http://127.0.0.1:{odd_server.server_address[1]}"
    result = run(base + "/old")
    assert result.exit_code == 3
    assert "redirects (HTTP 301) to /new" in result.stderr
    assert odd_server.seen == ["/robots.txt", "/old"]  # a 404 robots.txt: no rules


def test_a_robots_txt_that_fails_forbids_everything(odd_server):
    odd_server.robots_down = True
    base = f"http://127.0.0.1:{odd_server.server_address[1]}"
    result = run(base + "/new")
    assert result.exit_code == 4 and "HTTP 503" in result.stderr
    assert odd_server.seen == ["/robots.txt"]
