"""Fetching one page politely, outside a crawl (``tinlanhdao extract URL``).

The same manners as the crawl: the project's User-Agent, timeout and size limit (from
``crawler.settings``), and robots.txt obeyed, read with Protego (the parser Scrapy's robots.txt
middleware uses, so the answer is the crawl's). It makes exactly one request for the page, plus
one for robots.txt: a redirect is reported, not followed, and nothing is retried.

Every way it can fail is a ``FetchError`` with a ``kind`` and a one-line message.
"""

from __future__ import annotations

import gzip
import http.client
import urllib.error
import urllib.request
import zlib
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from protego import Protego

from crawler import settings

HTML_TYPES = ("text/html", "application/xhtml+xml")


class FetchError(Exception):
    """The page could not be fetched. ``kind``: "unreachable" (network, timeout, HTTP error,
    redirect, too large), "robots" (robots.txt forbids it) or "not_html"."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


@dataclass
class FetchedPage:
    """A page as fetched: its URL, the Content-Type header and the (decompressed) body."""

    url: str
    content_type: str
    body: bytes


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # a 3xx answer is returned as an HTTPError
        return None


def fetch_page(url: str, user_agent: str = settings.USER_AGENT,
               timeout: float = settings.DOWNLOAD_TIMEOUT,
               max_bytes: int = settings.DOWNLOAD_MAXSIZE) -> FetchedPage:
    """Fetch ``url`` once, if its site's robots.txt allows ``user_agent`` to; see the module."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError("unreachable", f"not an http(s) URL: {url}")
    robots_url = urlunsplit((parts.scheme, parts.netloc, "/robots.txt", "", ""))
    if not _robots_allow(robots_url, url, user_agent, timeout):
        raise FetchError("robots", f"robots.txt of {parts.netloc} forbids fetching {url}")
    opener = urllib.request.build_opener(_NoRedirects)
    status, headers, body = _get(opener, url, user_agent, timeout, max_bytes)
    if 300 <= status < 400:
        location = headers.get("Location", "")
        raise FetchError("unreachable", f"{url} redirects (HTTP {status}) to {location}; "
                                        "run it again on that URL if it is the page")
    if status != 200:
        raise FetchError("unreachable", f"{url} answered HTTP {status}")
    content_type = headers.get("Content-Type", "")
    media_type = content_type.split(";")[0].strip().lower()
    if media_type and media_type not in HTML_TYPES:
        raise FetchError("not_html", f"{url} is {media_type}, not an HTML page")
    return FetchedPage(url, content_type, _decoded(body, headers.get("Content-Encoding", "")))


def _robots_allow(robots_url: str, url: str, user_agent: str, timeout: float) -> bool:
    """Whether robots.txt lets ``user_agent`` fetch ``url``, as RFC 9309 reads its answer:
    a 4xx means no rules; a server error means nothing may be fetched."""
    opener = urllib.request.build_opener()  # robots.txt redirects are followed (RFC 9309)
    status, _, body = _get(opener, robots_url, user_agent, timeout, 500 * 1024)
    if 400 <= status < 500:
        return True
    if status != 200:
        raise FetchError("robots", f"{robots_url} answered HTTP {status}: robots.txt cannot be "
                                   "read, so nothing on the site may be fetched")
    rules = Protego.parse(body.decode("utf-8", errors="replace"))
    return rules.can_fetch(url, user_agent)


def _get(opener: urllib.request.OpenerDirector, url: str, user_agent: str, timeout: float,
         max_bytes: int) -> tuple[int, http.client.HTTPMessage, bytes]:
    """One GET: (status, headers, body), for error statuses too. Raises FetchError for network
    failures and bodies over ``max_bytes``."""
    request = urllib.request.Request(url, headers={"User-Agent": user_agent,
                                                   "Accept-Encoding": "gzip, deflate"})
    try:
        try:
            response = opener.open(request, timeout=timeout)
        except urllib.error.HTTPError as error:  # an answer with an error or redirect status
            response = error
        with response:
            body = response.read(max_bytes + 1)
            status, headers = response.getcode(), response.headers
    except (urllib.error.URLError, OSError, http.client.HTTPException) as error:
        reason = getattr(error, "reason", None) or error
        raise FetchError("unreachable", f"cannot fetch {url}: {reason}") from None
    if len(body) > max_bytes:
        raise FetchError("unreachable", f"{url} is larger than {max_bytes:,} bytes")
    return status, headers, body


def _decoded(body: bytes, encoding: str) -> bytes:
    """The body without its Content-Encoding (gzip or deflate)."""
    encoding = encoding.strip().lower()
    try:
        if encoding in ("gzip", "x-gzip"):
            return gzip.decompress(body)
        if encoding == "deflate":
            return zlib.decompress(body)
    except (OSError, EOFError, zlib.error) as error:
        raise FetchError("unreachable", f"the page's {encoding} body is corrupt: {error}") from None
    return body
