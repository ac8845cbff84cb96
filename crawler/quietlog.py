"""Network failures are facts about the portal, not bugs: log them in one line, no traceback.

Some Scrapy components (the robots.txt middleware, for one) log a full traceback when the
portal cannot be reached. For an operator reading a cron mail that is noise that hides the
one line that matters, so this extension strips the traceback from log records whose exception
is an ordinary network failure. Every other traceback (a real bug) is left as it is.
"""

from __future__ import annotations

import logging

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


class QuietNetworkErrors:
    """Extension: installs NetworkTracebackFilter on the root logger's handlers once the
    engine starts (Scrapy replaces its root handler while the crawler is being set up)."""

    def __init__(self) -> None:
        self.filter = NetworkTracebackFilter()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> QuietNetworkErrors:
        extension = cls()
        crawler.signals.connect(extension.install, signal=signals.engine_started)
        return extension

    def install(self) -> None:
        for handler in logging.getLogger().handlers:
            if self.filter not in handler.filters:
                handler.addFilter(self.filter)
