"""A synthetic leadership-news section of any size, served over HTTP on 127.0.0.1 (for benches).

The sample portal (``sample_portal``) holds 28 hand-written articles; this one generates as many
as asked (10,000 by default) in the current site's markup, the same conventions as
``sample_portal.server``: listing pages ``?page=N`` of 20 links in
``.ArticleList .ArticleItem h2.ArticleHeader a`` with ``ul.Pagination`` (``li.active``,
``a.prev``, ``a.next``), and article pages in ``div.ArticleDetail`` (``h1.ArticleHeader``,
``.ArticleDate``, ``.ArticleSapo``, ``.ArticleContent`` with figures and a byline). Pagination
shows a window of page numbers around the current one plus the first and last, as portals do.

Articles are numbered 1..N, newest highest; each page is generated from its number, so the
same number always gives the same bytes. ``add_articles(5)`` puts five new articles on top of
page 1 (the rest shift down), the way the portal publishes.

    with SyntheticPortal(articles=10_000) as portal:
        portal.section_url          # http://127.0.0.1:PORT/hoat-dong-lanh-dao-thanh-pho
        portal.add_articles(5)
        portal.request_count        # requests served so far (robots.txt included)

``python -m bench.synthetic_portal --articles 1000 --port 8010`` serves one until Ctrl-C.
"""

from __future__ import annotations

import argparse
import random
import re
import threading
from collections import Counter
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sample_portal.server import (
    FOOTER_HTML,
    SECTION_MENU_LABEL,
    SECTION_NAME,
    SECTION_PATH,
    SITE_NAME,
    esc,
    menu_html,
    sidebar_html,
    wait_for_ctrl_c,
)

PAGE_SIZE = 20
PAGE_WINDOW = 2  # page numbers shown either side of the current page
_ARTICLE_PATH = re.compile(re.escape(SECTION_PATH) + r"/bai-(\d+)-[a-z0-9-]+$")
_FIRST_DAY = datetime(2019, 1, 2, 7, 30)  # article 1; each later one 6 hours after

_LEADERS = (
    ("Chủ tịch UBND thành phố", "Trần Văn Lâm"),
    ("Bí thư Thành ủy", "Lê Quang Tuấn"),
    ("Phó Chủ tịch UBND thành phố", "Nguyễn Ngọc Hè"),
    ("Phó Chủ tịch UBND thành phố", "Dương Tấn Hiển"),
)
_ACTIONS = (
    ("làm việc với", "lam-viec-voi"), ("kiểm tra tiến độ tại", "kiem-tra-tien-do-tai"),
    ("tiếp xúc cử tri", "tiep-xuc-cu-tri"), ("thăm và tặng quà tại", "tham-va-tang-qua-tai"),
    ("dự hội nghị sơ kết tại", "du-hoi-nghi-so-ket-tai"), ("đối thoại doanh nghiệp", "doi-thoai"),
)  # fmt: skip
_PLACES = (
    ("quận Ninh Kiều", "quan-ninh-kieu"), ("quận Cái Răng", "quan-cai-rang"),
    ("quận Bình Thủy", "quan-binh-thuy"), ("quận Ô Môn", "quan-o-mon"),
    ("quận Thốt Nốt", "quan-thot-not"), ("huyện Phong Điền", "huyen-phong-dien"),
    ("huyện Cờ Đỏ", "huyen-co-do"), ("huyện Thới Lai", "huyen-thoi-lai"),
    ("huyện Vĩnh Thạnh", "huyen-vinh-thanh"), ("Sở Giáo dục và Đào tạo", "so-giao-duc"),
)  # fmt: skip
_SENTENCES = (
    "Đoàn công tác đã nghe báo cáo tình hình thực hiện nhiệm vụ phát triển kinh tế - xã hội "
    "trong thời gian qua và các khó khăn, vướng mắc của địa phương.",
    "Theo báo cáo, tổng vốn đầu tư công được giao năm nay tăng so với cùng kỳ; tỷ lệ giải ngân "
    "đến nay đạt khá so với bình quân chung của thành phố.",
    "Lãnh đạo địa phương kiến nghị thành phố quan tâm hỗ trợ kinh phí nâng cấp các tuyến đường "
    "giao thông nông thôn, kè chống sạt lở bờ sông và hệ thống thoát nước.",
    "Phát biểu chỉ đạo, lãnh đạo thành phố ghi nhận và biểu dương những kết quả mà địa phương đạt "
    "được, nhất là trong công tác cải cách hành chính và chuyển đổi số.",
    "Các sở, ngành được giao phối hợp chặt chẽ với địa phương, tháo gỡ kịp thời những khó khăn "
    "trong bồi thường, giải phóng mặt bằng các dự án trọng điểm.",
    "Ngành nông nghiệp tiếp tục hướng dẫn nông dân xuống giống đúng lịch thời vụ, mở rộng diện "
    "tích lúa chất lượng cao gắn với liên kết tiêu thụ theo chuỗi.",
    "Công tác chăm lo cho gia đình chính sách, hộ nghèo, hộ cận nghèo được thực hiện đầy đủ, "
    "đúng đối tượng, không để ai bị bỏ lại phía sau.",
    "Thành phố đề nghị đẩy mạnh ứng dụng công nghệ thông tin, cung cấp dịch vụ công trực tuyến "
    "toàn trình để người dân, doanh nghiệp thuận tiện khi giải quyết thủ tục.",
    "Tình hình an ninh chính trị, trật tự an toàn xã hội trên địa bàn cơ bản ổn định; lực lượng "
    "chức năng tăng cường tuần tra, kiểm soát trong dịp cao điểm.",
    "Đoàn đã đi thực tế tại một số công trình, mô hình sản xuất hiệu quả và trao đổi trực tiếp "
    "với người dân về những vấn đề cần quan tâm.",
)
_AUTHORS = ("Kim Xuyến", "Minh Huyền", "Đăng Khoa", "Thanh Tâm", "Hoàng Yến")
_CAPTIONS = ("Quang cảnh buổi làm việc", "Đoàn công tác thăm mô hình sản xuất",
             "Lãnh đạo thành phố phát biểu chỉ đạo")  # fmt: skip


def article_parts(number: int) -> dict[str, Any]:
    """Title, slug, date, lead, paragraphs, images and author of article ``number``."""
    pick = random.Random(number)
    role, leader = _LEADERS[number % len(_LEADERS)]
    action, action_slug = _ACTIONS[number % len(_ACTIONS)]
    place, place_slug = _PLACES[(number // len(_ACTIONS)) % len(_PLACES)]
    when = _FIRST_DAY + timedelta(hours=6 * (number - 1))
    paragraphs = [pick.choice(_SENTENCES) + " " + pick.choice(_SENTENCES)
                  for _ in range(pick.randint(8, 14))]  # fmt: skip
    images = [
        (f"/uploads/{when:%Y/%m}/bai-{number}-{i}.jpg", f"{pick.choice(_CAPTIONS)} (Ảnh: "
         f"{pick.choice(_AUTHORS)})")
        for i in range(1, pick.randint(1, 3) + 1)
    ]  # fmt: skip
    return {
        "title": f"{role} {leader} {action} {place} (bài số {number})",
        "path": f"{SECTION_PATH}/bai-{number}-lanh-dao-{action_slug}-{place_slug}",
        "date": when,
        "lead": f"Ngày {when.day}/{when.month}, {role} {leader} {action} {place}.",
        "paragraphs": paragraphs,
        "images": images,
        "author": _AUTHORS[number % len(_AUTHORS)],
    }


def _page(title: str, breadcrumb: str, main: str) -> str:
    return (
        '<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8">'
        f"<title>{esc(title)}</title></head>\n<body>\n{menu_html()}\n"
        f'<div class="Breadcrumb"><a href="/">Trang chủ</a> / {breadcrumb}</div>\n'
        f"{main}\n{sidebar_html()}\n{FOOTER_HTML}\n</body></html>\n"
    )


def render_article(number: int) -> str:
    """The page of article ``number`` in the current site's layout."""
    a = article_parts(number)
    body = [f"    <p>{esc(p)}</p>" for p in a["paragraphs"]]
    for position, (src, caption) in enumerate(a["images"]):
        figure = (f'    <figure class="ArticleImage"><img src="{src}" alt="">'
                  f"<figcaption>{esc(caption)}</figcaption></figure>")  # fmt: skip
        body.insert(2 + 3 * position, figure)
    body.append(f'    <p style="text-align:right"><strong>{esc(a["author"])}</strong></p>')
    section_link = f'<a href="{SECTION_PATH}">{esc(SECTION_MENU_LABEL)}</a>'
    main = (
        '<main class="ArticlePage">\n'
        f'<div class="ArticleDetail" data-article-id="{100000 + number}">\n'
        f'  <div class="PostCategory"><a href="{SECTION_PATH}">{esc(SECTION_NAME)}</a></div>\n'
        f'  <h1 class="ArticleHeader">{esc(a["title"])}</h1>\n'
        f'  <div class="ArticleDate">{a["date"]:%d/%m/%Y %H:%M}</div>\n'
        f'  <div class="ArticleSapo">{esc(a["lead"])}</div>\n'
        '  <div class="ArticleContent">\n' + "\n".join(body) + "\n  </div>\n"
        f'  <div class="RelatedNews"><h3>Tin liên quan</h3><ul>{_related(number)}</ul></div>\n'
        "</div>\n</main>"
    )
    return _page(f"{a['title']} - {SITE_NAME}", section_link, main)


def _related(number: int) -> str:
    older = [n for n in (number - 1, number - 2) if n >= 1]
    return "".join(
        f'<li><a href="{article_parts(n)["path"]}">{esc(article_parts(n)["title"])}</a></li>'
        for n in older
    )


def render_listing(count: int, page: int) -> str:
    """Listing page ``page`` of a section of ``count`` articles, newest first."""
    pages = max(1, -(-count // PAGE_SIZE))
    newest = count - (page - 1) * PAGE_SIZE
    items = []
    for number in range(newest, max(0, newest - PAGE_SIZE), -1):
        a = article_parts(number)
        items.append(
            '    <div class="ArticleItem"><h2 class="ArticleHeader">'
            f'<a href="{a["path"]}">{esc(a["title"])}</a></h2>'
            f'<span class="PostDate">{a["date"]:%d/%m/%Y}</span>'
            f'<p class="ArticleSummary">{esc(a["lead"])}</p></div>'
        )
    href = f"{SECTION_PATH}?page="
    links = []
    if page > 1:
        links.append(f'<li><a class="prev" href="{href}{page - 1}">Trang trước</a></li>')
    window = range(max(1, page - PAGE_WINDOW), min(pages, page + PAGE_WINDOW) + 1)
    for number in sorted({1, pages, *window}):
        if number == page:
            links.append(f'<li class="active"><span>{number}</span></li>')
        else:
            links.append(f'<li><a href="{href}{number}">{number}</a></li>')
    if page < pages:
        links.append(f'<li><a class="next" href="{href}{page + 1}">Trang sau</a></li>')
    main = (
        '<main class="SectionPage">\n'
        f'  <h1 class="SectionTitle">{esc(SECTION_NAME)}</h1>\n'
        '  <div class="ArticleList">\n' + "\n".join(items) + "\n  </div>\n"
        f'  <ul class="Pagination">{"".join(links)}</ul>\n</main>'
    )
    return _page(f"{SECTION_MENU_LABEL} - {SITE_NAME}", f"<span>{SECTION_MENU_LABEL}</span>", main)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as a real server
    disable_nagle_algorithm = True  # headers and body leave at once (no 40 ms delayed-ACK stalls)
    server: _Server

    def do_GET(self) -> None:  # noqa: N802 (http.server naming)
        parts = urlsplit(self.path)
        portal = self.server.portal
        portal.count_request(parts.path)
        if parts.path == "/robots.txt":
            return self._send(200, "text/plain", b"User-agent: *\nDisallow: /tim-kiem\n")
        if parts.path == SECTION_PATH:
            page_arg = parse_qs(parts.query).get("page", ["1"])[0]
            page = int(page_arg) if page_arg.isdigit() else 0
            count = portal.articles
            if 1 <= page <= max(1, -(-count // PAGE_SIZE)):
                return self._html(render_listing(count, page))
        match = _ARTICLE_PATH.match(parts.path)
        if match and 1 <= int(match[1]) <= portal.articles:
            number = int(match[1])
            if article_parts(number)["path"] == parts.path:
                return self._html(render_article(number))
        return self._send(404, "text/html; charset=utf-8", b"<html><body>404</body></html>")

    def _html(self, text: str) -> None:
        self._send(200, "text/html; charset=utf-8", text.encode("utf-8"))

    def _send(self, status: int, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        """Quiet."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    portal: SyntheticPortal


class SyntheticPortal:
    """A synthetic section of ``articles`` articles on 127.0.0.1 (port 0: a free port)."""

    def __init__(self, articles: int = 10_000, host: str = "127.0.0.1", port: int = 0) -> None:
        self.articles = articles
        self.host, self.port = host, port
        self.requests: Counter[str] = Counter()  # "robots", "listing", "article", "other"
        self._lock = threading.Lock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def section_url(self) -> str:
        return self.base_url + SECTION_PATH

    @property
    def request_count(self) -> int:
        return sum(self.requests.values())

    def count_request(self, path: str) -> None:
        kind = ("robots" if path == "/robots.txt" else "listing" if path == SECTION_PATH
                else "article" if path.startswith(SECTION_PATH + "/") else "other")  # fmt: skip
        with self._lock:
            self.requests[kind] += 1

    def add_articles(self, n: int) -> list[str]:
        """Publish ``n`` new articles on top of page 1; return their paths."""
        with self._lock:
            first = self.articles + 1
            self.articles += n
        return [article_parts(number)["path"] for number in range(first, first + n)]

    def start(self) -> str:
        self._server = _Server((self.host, self.port), _Handler)
        self._server.portal = self
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self.base_url

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> SyntheticPortal:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--port", type=int, default=8010)
    args = parser.parse_args()
    with SyntheticPortal(args.articles, port=args.port) as portal:
        print(f"{portal.section_url} ({args.articles} articles); Ctrl-C to stop", flush=True)
        try:
            wait_for_ctrl_c()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
