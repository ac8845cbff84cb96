"""A log an operator can read: network failures in one line, the run summary last.

Some Scrapy components (the robots.txt middleware, for one) log a full traceback when the
portal cannot be reached. For an operator reading a cron mail that is noise that hides the
one line that matters, so ``NetworkTracebackFilter`` strips the traceback from log records
whose exception is an ordinary network failure. Every other traceback (a real bug) is left as
it is.

``quiet_scrapy_banner`` drops Scrapy's own INFO lines about itself (the start-up banner:
versions, overridden settings, enabled components; "spider opened/closed"; the stats dump),
about 120 lines of a run, so that the run summary (``crawler.run``) is the last thing a run
prints. LOG_SCRAPY_BANNER = True or LOG_LEVEL = DEBUG keeps them. The ``QuietLog`` extension
does both; ``scrapy crawl`` drops the banner before Scrapy prints its first line.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    ResponseDataLossError,
)
from twisted.internet import error as twisted_errors
from twisted.web._newclient import ResponseFailed, ResponseNeverReceived

NETWORK_ERRORS: tuple[type[BaseException], ...] = (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    ResponseDataLossError,
    twisted_errors.ConnectError,
    twisted_errors.ConnectionLost,
    twisted_errors.DNSLookupError,
    twisted_errors.TimeoutError,
    ResponseFailed,
    ResponseNeverReceived,
)


class NetworkTracebackFilter(logging.Filter):
    """Drops the traceback of a record whose exception is a network failure."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], NETWORK_ERRORS):
            record.exc_info = None
            record.exc_text = None
        return True


# Scrapy's loggers that print its banner and end-of-run lines, and how those lines begin.
BANNER_LOGGERS = ("scrapy.utils.log", "scrapy.crawler", "scrapy.middleware", "scrapy.addons",
                  "scrapy.core.engine", "scrapy.statscollectors")  # fmt: skip
BANNER_LINES = ("Scrapy ", "Versions:", "Enabled ", "Overridden settings", "Spider opened",
                "Closing spider", "Spider closed", "Dumping Scrapy stats")  # fmt: skip


class BannerFilter(logging.Filter):
    """Drops Scrapy's INFO lines about itself (BANNER_LINES); keeps its warnings and errors."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.levelno == logging.INFO and str(record.msg).startswith(BANNER_LINES))


_BANNER_FILTER = BannerFilter()


def quiet_scrapy_banner(settings: Any) -> None:
    """Drop Scrapy's banner from the log, unless LOG_SCRAPY_BANNER or LOG_LEVEL=DEBUG."""
    if settings.getbool("LOG_SCRAPY_BANNER") or settings.get("LOG_LEVEL") == "DEBUG":
        return
    for name in BANNER_LOGGERS:
        logger = logging.getLogger(name)
        if _BANNER_FILTER not in logger.filters:
            logger.addFilter(_BANNER_FILTER)


class QuietLog:
    """Extension: drops Scrapy's banner now, and installs NetworkTracebackFilter on the root
    logger's handlers once the engine starts (Scrapy replaces its root handler while the
    crawler is being set up)."""

    def __init__(self) -> None:
        self.filter = NetworkTracebackFilter()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> QuietLog:
        quiet_scrapy_banner(crawler.settings)
        extension = cls()
        crawler.signals.connect(extension.install, signal=signals.engine_started)
        return extension

    def install(self) -> None:
        for handler in logging.getLogger().handlers:
            if self.filter not in handler.filters:
                handler.addFilter(self.filter)
