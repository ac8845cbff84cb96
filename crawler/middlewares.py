"""Downloader middlewares: exponential backoff before retried requests, an offsite filter that
nothing gets around, and the WARC capture of every response."""

from __future__ import annotations

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.offsite import OffsiteMiddleware
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Response
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet import reactor
from twisted.internet.task import deferLater

from crawler.capture import scrapy_headers
from crawler.run import CrawlRun


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


class WarcCaptureMiddleware:
    """Hands every response, as it came off the wire, to the run's recorder for WARC capture.

    Placed next to the downloader (order 950), it sees robots.txt, redirects, errors and
    retried responses, with the body before decompression. Off when WARC_ENABLED is.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcCaptureMiddleware:
        if not crawler.settings.getbool("WARC_ENABLED", True):
            raise NotConfigured("WARC_ENABLED is off")
        return cls(crawler)

    def process_response(self, request: Request, response: Response, spider=None) -> Response:
        run = self.crawler.get_extension(CrawlRun)
        if run is not None and run.recorder is not None:
            run.recorder.capture(
                url=response.url,
                status=response.status,
                response_headers=scrapy_headers(response.headers),
                payload=response.body,
                method=request.method,
                request_headers=scrapy_headers(request.headers),
                request_body=request.body or b"",
                protocol=getattr(response, "protocol", None) or "HTTP/1.1",
            )
        return response
