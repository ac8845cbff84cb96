"""Downloader middlewares: exponential backoff before retried requests, and an offsite filter
that nothing gets around."""

from __future__ import annotations

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.offsite import OffsiteMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet import reactor
from twisted.internet.task import deferLater


class RetryBackoffMiddleware:
    """Waits before a retried request: RETRY_BACKOFF_BASE * 2**(n-1) seconds, capped.

    Scrapy's RetryMiddleware re-schedules failed requests at once; a struggling government
    server deserves a pause. The retry count comes from the ``retry_times`` meta key that
    RetryMiddleware sets. A ``Retry-After`` hint is not visible here and is left to AutoThrottle.
    """

    def __init__(self, base: float, maximum: float) -> None:
        self.base = base
        self.maximum = maximum

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RetryBackoffMiddleware:
        settings = crawler.settings
        return cls(settings.getfloat("RETRY_BACKOFF_BASE"), settings.getfloat("RETRY_BACKOFF_MAX"))

    def delay_for(self, retry_times: int) -> float:
        """Seconds to wait before the ``retry_times``-th retry."""
        if retry_times <= 0 or self.base <= 0:
            return 0.0
        return min(self.base * 2 ** (retry_times - 1), self.maximum)

    async def process_request(self, request: Request, spider=None) -> None:
        delay = self.delay_for(request.meta.get("retry_times", 0))
        if delay:
            await maybe_deferred_to_future(deferLater(reactor, delay, lambda: None))
        return None


class PortalOnlyOffsiteMiddleware(OffsiteMiddleware):
    """Scrapy's offsite filter, except that ``dont_filter`` does not open the way off-site.

    Article requests carry ``dont_filter`` (a redirect loop must reach REDIRECT_MAX_TIMES and
    be recorded, not vanish in the duplicate filter), and Scrapy copies it to redirects; with
    the stock filter a redirect on an article page could then lead the crawl to any host.
    """

    def process_request(self, request: Request, spider=None) -> None:
        assert self.crawler.spider
        if request.meta.get("allow_offsite") or self.should_follow(request, self.crawler.spider):
            return
        self.stats.inc_value("offsite/filtered")
        raise IgnoreRequest(f"Filtered offsite request to {urlparse_cached(request).hostname!r}")
