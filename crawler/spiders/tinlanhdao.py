"""The ``tinlanhdao`` spider: walks the section's listing pages and fetches each article once.

Navigation only. Which links are articles and which are pages comes from
``crawler.extraction.listing``; the articles come from ``crawler.extraction.extract_page``;
storing is the pipelines' job. The spider decides what stays inside the section.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timezone
from typing import Any
from urllib.parse import parse_qs, urlparse

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure
from w3lib.url import canonicalize_url

from crawler.extraction import NotAnArticle, extract_page
from crawler.extraction.listing import read_listing
from crawler.items import PageFailure


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

    def __init__(self, start_url: str | None = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.start_url_arg = start_url

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any):  # type: ignore[override]
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        spider.start_url = spider.start_url_arg or settings.get("SECTION_URL")
        spider.scope = SectionScope(spider.start_url, settings.getlist("SECTION_EXTRA_PATHS"))
        spider.allowed_domains = [spider.scope.domain]
        spider.seen_articles: set[str] = set()
        return spider

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield scrapy.Request(self.start_url, callback=self.parse_listing, errback=self.failed)

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
        if not articles:
            self.logger.warning("Listing page without article links: %s", response.url)
            self.crawler.stats.inc_value("tinlanhdao/listing_without_articles")
            yield PageFailure(response.url, "listing_without_articles", response.status,
                              fetched_at=_utc_now())
        for url in articles:
            key = canonicalize_url(url)
            if key in self.seen_articles:
                continue
            self.seen_articles.add(key)
            yield response.follow(url, callback=self.parse_article, errback=self.failed)
        for url in listing.page_links + listing.all_links:
            if self.scope.is_listing(url):
                yield response.follow(url, callback=self.parse_listing, errback=self.failed)

    def parse_article(self, response: Response) -> Iterator[Any]:
        """Extract one article page.

        @url https://www.cantho.gov.vn/hoat-dong-lanh-dao-thanh-pho
        @returns items 0 1
        """
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
        self.crawler.stats.inc_value("tinlanhdao/articles")
        self.crawler.stats.inc_value(f"tinlanhdao/layout/{article.layout}")
        yield article

    def failed(self, failure: Failure) -> Iterator[PageFailure]:
        """A request that failed for good (after retries): record it and go on."""
        request = failure.request
        response = getattr(failure.value, "response", None)
        status = response.status if response is not None else None
        reason = f"http_{status}" if status else type(failure.value).__name__
        self.logger.warning("Failed %s: %s", request.url, reason)
        self.crawler.stats.inc_value(f"tinlanhdao/failed/{reason}")
        yield PageFailure(request.url, reason, status, detail=str(failure.value)[:500],
                          fetched_at=_utc_now())


def _content_type(response: Response) -> str | None:
    value = response.headers.get("Content-Type")
    return value.decode("latin-1") if value else None
