"""The ``tinlanhdao`` spider: walks the section's listing pages and fetches each article once.

Navigation only. Which links are articles and which are pages comes from
``crawler.extraction.listing``; the articles come from ``crawler.extraction.extract_page``;
storing is the pipelines' job, and the run (lock, migrations, run record) is the
``crawler.run.CrawlRun`` extension's. The spider decides what stays inside the section, which
articles to fetch and when to stop, asking the archive (read-only) what it already holds.

Run modes (``-a mode=...``):
- ``incremental`` (default): fetch only articles the archive lacks, and stop paginating after
  INCREMENTAL_STOP_PAGES listing pages in a row whose articles are all archived. Until one run
  has walked the listing to its end, incremental runs walk it all (so an interrupted backfill
  is completed by the next run). ``-a recheck_days=N`` also re-fetches the archived articles
  published in the last N days.
- ``full``: walk every listing page and fetch every article, the archived ones off the listing
  included, so edits become revisions and removed articles get marked.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from datetime import date, datetime, timedelta, timezone
from typing import Any
from urllib.parse import parse_qs, urlparse

import scrapy
from scrapy.http import HtmlResponse, Response
from scrapy.utils.response import get_meta_refresh
from twisted.python.failure import Failure
from w3lib.url import canonicalize_url

from archive import Archive, ArchiveError, ArchiveOutdated, reading, runs
from crawler.extraction import NotAnArticle, extract_page
from crawler.extraction.listing import read_listing
from crawler.items import PageFailure, RemovedArticle

GONE_STATUSES = (404, 410)
REDIRECT_STATUSES = (301, 302, 303, 307, 308)


def _utc_now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def registered_domain(host: str) -> str:
    """The domain that the portal's hosts share: www.cantho.gov.vn and old.cantho.gov.vn ->
    cantho.gov.vn. An IP address or ``localhost`` is returned as it is."""
    parts = host.split(".")
    if host.replace(".", "").isdigit() or len(parts) <= 2:
        return host
    keep = 3 if parts[-2] in ("gov", "com", "org", "edu", "net", "ac") else 2
    return ".".join(parts[-keep:])


class SectionScope:
    """Which URLs belong to the section: listing pages and article pages, on the portal only."""

    def __init__(self, start_url: str, extra_paths: list[str]) -> None:
        parsed = urlparse(start_url)
        self.domain = registered_domain(parsed.hostname or "")
        self.listing_path = parsed.path.rstrip("/") or "/"
        self.article_prefixes = [self.listing_path + "/"] + [
            p.rstrip("/") + "/" for p in extra_paths
        ]

    def on_portal(self, url: str) -> bool:
        host = urlparse(url).hostname or ""
        return host == self.domain or host.endswith("." + self.domain)

    def is_listing(self, url: str) -> bool:
        """The section's listing itself, any page of it."""
        parsed = urlparse(url)
        if not self.on_portal(url) or (parsed.path.rstrip("/") or "/") != self.listing_path:
            return False
        return set(parse_qs(parsed.query)) <= {"page", "p", "trang"}

    def page_number(self, url: str) -> int:
        """The listing page number of ``url`` (1 when it has none)."""
        query = parse_qs(urlparse(url).query)
        for name in ("page", "p", "trang"):
            if query.get(name, [""])[0].isdigit():
                return int(query[name][0])
        return 1

    def is_article(self, url: str) -> bool:
        """An article page of the section (not a listing page, not a file)."""
        parsed = urlparse(url)
        if parsed.scheme not in ("http", "https") or not self.on_portal(url):
            return False
        path = parsed.path
        if path.lower().endswith((".pdf", ".doc", ".docx", ".jpg", ".png", ".xls", ".xlsx")):
            return False
        return any(path.startswith(p) and len(path) > len(p) for p in self.article_prefixes)


class TinLanhDaoSpider(scrapy.Spider):
    """Crawl the leadership-news section: every listing page, every article once."""

    name = "tinlanhdao"

    def __init__(
        self,
        start_url: str | None = None,
        mode: str = "incremental",
        recheck_days: str | int | None = None,
        *args: Any,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if mode not in ("incremental", "full"):
            raise ValueError(f"mode must be incremental or full, not {mode!r}")
        self.start_url_arg = start_url
        self.mode = mode
        self.recheck_days = int(recheck_days) if recheck_days not in (None, "") else None

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any):  # type: ignore[override]
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        spider.start_url = spider.start_url_arg or settings.get("SECTION_URL")
        spider.scope = SectionScope(spider.start_url, settings.getlist("SECTION_EXTRA_PATHS"))
        spider.allowed_domains = [spider.scope.domain]
        spider.seen_articles: set[str] = set()  # requested in this run (canonical URLs)
        spider.listed_articles: set[str] = set()  # found on listing pages in this run
        spider.listing_pages_requested = {spider.scope.page_number(spider.start_url)}
        spider.stop_pages = max(1, settings.getint("INCREMENTAL_STOP_PAGES", 1))
        spider.known_pages_in_a_row = 0
        spider.archive = None
        spider.walk_completed = False
        return spider

    def closed(self, reason: str) -> None:
        if self.archive is not None:
            self.archive.close()

    async def start(self) -> AsyncIterator[scrapy.Request]:
        # The run has opened (created, migrated) the archive by now.
        self.archive = _open_archive(self.settings.get("ARCHIVE_PATH"))
        self.walk_completed = bool(self.archive and runs.walk_completed(self.archive.db))
        self.logger.info("Run mode %s; archive %s", self.mode,
                         "walked to its end before" if self.walk_completed else "not yet complete")
        yield scrapy.Request(self.start_url, callback=self.parse_listing, errback=self.failed)
        for url in self._archived_urls_to_recheck():
            yield self._article_request(url, priority=-1)

    def _archived_urls_to_recheck(self) -> list[str]:
        """Archived articles to fetch again: all of them in full mode, recent ones on request."""
        if self.archive is None:
            return []
        if self.mode == "full":
            return reading.archived_urls(self.archive.db)
        if self.recheck_days is not None:
            since = (date.today() - timedelta(days=self.recheck_days)).isoformat()
            return reading.urls_published_since(self.archive.db, since)
        return []

    def _article_request(self, url: str, priority: int = 0) -> scrapy.Request | None:
        key = canonicalize_url(url)
        if key in self.seen_articles:
            return None
        self.seen_articles.add(key)
        return self._article_fetch(url, origin=url, hops=0, priority=priority)

    def _article_fetch(self, url: str, origin: str, hops: int, priority: int = 0) -> scrapy.Request:
        """A request for an article page whose redirects the spider follows itself (see
        ``_follow_redirect``): that is how a redirect out of the section is noticed and a loop
        is recorded, not dropped by the duplicate filter (seen_articles keeps articles unique)."""
        meta = {"article": True, "origin_url": origin, "redirect_hops": hops,
                "dont_redirect": True, "handle_httpstatus_list": list(REDIRECT_STATUSES)}
        return scrapy.Request(url, callback=self.parse_article, errback=self.failed,
                              priority=priority, meta=meta, dont_filter=True)

    def parse_listing(self, response: Response) -> Iterator[Any]:
        """Follow the articles and the other pages of one listing page.

        @url https://www.cantho.gov.vn/hoat-dong-lanh-dao-thanh-pho
        @returns requests 1
        """
        self.crawler.stats.inc_value("tinlanhdao/listing_pages")
        listing = read_listing(response.body, response.url, _content_type(response))
        articles = [url for url, _ in listing.article_links if self.scope.is_article(url)]
        if not articles:  # no known listing markup: any link into the section will do
            articles = [url for url in listing.all_links if self.scope.is_article(url)]
        articles = list(dict.fromkeys(articles))
        adds_nothing_new = bool(articles) and self.listed_articles.issuperset(articles)
        self.listed_articles.update(articles)
        if not articles:
            self.logger.warning("Listing page without article links: %s", response.url)
            self.crawler.stats.inc_value("tinlanhdao/listing_without_articles")
            yield PageFailure(response.url, "listing_without_articles", response.status,
                              fetched_at=_utc_now())
        known = self._known(articles) if self.mode == "incremental" else set()
        for url in articles:
            if url not in known:
                request = self._article_request(url)
                if request is not None:
                    yield request
        all_known = bool(articles) and known.issuperset(articles)
        self.known_pages_in_a_row = self.known_pages_in_a_row + 1 if all_known else 0
        if adds_nothing_new:  # pagination that wrapped around to pages seen in this run
            self.logger.warning("Listing page %s repeats articles seen in this run: the walk "
                                "ends here", response.url)
            self.crawler.stats.set_value("tinlanhdao/reached_end", 1)
            return
        yield from self._next_listing_pages(response.url, listing.page_links + listing.all_links)

    def _known(self, urls: list[str]) -> set[str]:
        return reading.known_urls(self.archive.db, urls) if self.archive is not None else set()

    def _next_listing_pages(self, url: str, links: list[str]) -> Iterator[scrapy.Request]:
        """Full mode follows every page; incremental mode walks one page at a time and stops
        after INCREMENTAL_STOP_PAGES fully archived pages (once a walk has reached the end)."""
        current = self.scope.page_number(url)
        listing_links = [link for link in links if self.scope.is_listing(link)]
        pages = {self.scope.page_number(link): link for link in listing_links}
        if not any(number > current for number in pages):
            self.crawler.stats.set_value("tinlanhdao/reached_end", 1)
        if self.mode == "full":
            targets = [link for number, link in pages.items()
                       if number not in self.listing_pages_requested]
        elif self.walk_completed and self.known_pages_in_a_row >= self.stop_pages:
            self.logger.info("Page %d and the %d before it are archived already: stopping",
                             current, self.stop_pages - 1)
            self.crawler.stats.set_value("tinlanhdao/stopped_at_known_page", current)
            targets = []
        else:
            targets = [pages[current + 1]] if current + 1 in pages else []
        for target in targets:
            self.listing_pages_requested.add(self.scope.page_number(target))
            yield scrapy.Request(target, callback=self.parse_listing, errback=self.failed)

    def parse_article(self, response: Response) -> Iterator[Any]:
        """Extract one article page (no contract: no live article URL is known from here;
        check one with ``tinlanhdao extract``)."""
        target = _redirect_target(response)
        if target:
            yield from self._follow_redirect(response, target)
            return
        try:
            article = extract_page(
                response.body, response.url, content_type=_content_type(response)
            )
        except NotAnArticle as error:
            self.logger.warning("Not an article (%s): %s", error.reason, response.url)
            self.crawler.stats.inc_value(f"tinlanhdao/not_article/{error.reason}")
            yield PageFailure(response.url, f"not_article:{error.reason}", response.status,
                              fetched_at=_utc_now())
            return
        except Exception as error:  # noqa: BLE001 - a bug: logged, counted, and the run fails
            self.logger.exception("Extracting %s failed", response.url)
            self.crawler.stats.inc_value("tinlanhdao/extraction_error")
            yield PageFailure(response.url, "extraction_error", response.status,
                              detail=f"{type(error).__name__}: {error}"[:500],
                              fetched_at=_utc_now())
            return
        self.crawler.stats.inc_value("tinlanhdao/articles")
        self.crawler.stats.inc_value(f"tinlanhdao/layout/{article.layout}")
        yield article

    def failed(self, failure: Failure) -> Iterator[PageFailure]:
        """A request that failed for good (after retries): record it and go on."""
        request = failure.request
        response = getattr(failure.value, "response", None)
        status = response.status if response is not None else None
        # Record the URL that was asked for; where redirects led goes into the detail.
        redirected_from = request.meta.get("redirect_urls") or []
        url = request.meta.get("origin_url") or (redirected_from or [request.url])[0]
        if status in GONE_STATUSES and request.meta.get("article"):
            yield from self._gone(url, status, f"http_{status}")
            return
        reason = f"http_{status}" if status else type(failure.value).__name__
        if "larger than download max size" in str(failure.value):
            reason = "too_large"
        elif str(failure.value).startswith("Forbidden by robots.txt"):
            reason = "robots_forbidden"  # the rule that matched: crawler.robots
        detail = str(failure.value)[:500]
        if url != request.url:
            detail = f"{detail} (redirected to {request.url})"
        self.logger.warning("Failed %s: %s", url, reason)
        kind = "failed" if request.meta.get("article") else "listing_failed"
        self.crawler.stats.inc_value(f"tinlanhdao/{kind}/{reason}")
        yield PageFailure(url, reason, status, detail=detail, fetched_at=_utc_now())

    def _follow_redirect(self, response: Response, target: str) -> Iterator[Any]:
        """Follow an article's redirect inside the section; leaving it means the article is
        gone; more than REDIRECT_MAX_TIMES hops is a failure."""
        origin = response.meta.get("origin_url", response.url)
        hops = response.meta.get("redirect_hops", 0) + 1
        if not self.scope.is_article(target):
            yield from self._gone(origin, response.status, f"redirected_out:{target}")
        elif hops > self.settings.getint("REDIRECT_MAX_TIMES", 5):
            self.logger.warning("Failed %s: too many redirects", origin)
            self.crawler.stats.inc_value("tinlanhdao/failed/too_many_redirects")
            yield PageFailure(origin, "too_many_redirects", response.status,
                              detail=f"{hops} redirects, the last to {target}",
                              fetched_at=_utc_now())
        else:
            yield self._article_fetch(target, origin=origin, hops=hops)

    def _gone(self, url: str, status: int | None, reason: str) -> Iterator[Any]:
        """An article that is gone: a RemovedArticle if archived, else a plain failure."""
        if url in self._known([url]):
            self.logger.warning("Archived article removed (%s): %s", reason, url)
            self.crawler.stats.inc_value("tinlanhdao/removed")
            yield RemovedArticle(url, status, reason, fetched_at=_utc_now())
        else:
            self.crawler.stats.inc_value(f"tinlanhdao/failed/{reason.split(':')[0]}")
            yield PageFailure(url, reason, status, fetched_at=_utc_now())


def _open_archive(path: str | None) -> Archive | None:
    """The archive, read-only, or None when there is none (the spider without its run). An
    archive that needs migrations is an error: the run migrates it before the spider starts, so
    the spider never takes an outdated archive for an empty one and fetches everything again."""
    if not path:
        return None
    try:
        return Archive(path, readonly=True)
    except ArchiveOutdated:
        raise
    except ArchiveError:
        return None


def _redirect_target(response: Response) -> str:
    """Where an article response sends the reader: a 3xx Location or an immediate meta refresh."""
    if response.status in REDIRECT_STATUSES:
        location = response.headers.get("Location")
        return response.urljoin(location.decode("latin-1")) if location else ""
    if isinstance(response, HtmlResponse) and _may_refresh(response.body):
        interval, url = get_meta_refresh(response)
        if url and interval is not None and interval < 30:
            return url
    return ""


_REFRESH = re.compile(rb"refresh", re.IGNORECASE)
_REFRESH_SCAN_BYTES = 4 * 4096  # Scrapy reads the first 4,096 characters, up to 4 bytes each


def _may_refresh(body: bytes) -> bool:
    """False when the start of ``body`` (where Scrapy looks for a meta refresh) cannot hold
    one, which spares decoding the whole page; pages with NUL bytes (UTF-16) are always read."""
    head = body[:_REFRESH_SCAN_BYTES]
    return b"\x00" in head or _REFRESH.search(head) is not None


def _content_type(response: Response) -> str | None:
    value = response.headers.get("Content-Type")
    return value.decode("latin-1") if value else None
