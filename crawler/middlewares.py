"""Downloader middlewares: exponential backoff before retried requests."""

from __future__ import annotations

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.utils.defer import maybe_deferred_to_future
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
