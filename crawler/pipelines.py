"""Item pipelines: validate what the spider yields, then hand it to the archive.

``ValidatePipeline`` (100) drops an Article without url, title or body, or whose ``published``
is not ISO 8601. ``StorePipeline`` (300) stores Articles, records PageFailures and marks
RemovedArticles through the run's write path (``crawler.run.CrawlRun``'s recorder), each item
all or nothing, and counts what it stored in the stats (``tinlanhdao/stored/<outcome>``). An
item is handed on once it is committed; a page the archive refused as not the article
(archive.changeguard) is dropped. The pipelines never write SQL themselves.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime
from typing import Any

from itemadapter import ItemAdapter
from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.utils.defer import maybe_deferred_to_future

from archive import InvalidArticle
from crawler.items import Article, PageFailure, RemovedArticle
from crawler.recorder import Recorder
from crawler.run import STORAGE_ERRORS, CrawlRun

logger = logging.getLogger(__name__)

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?")
def is_iso_date(value: str) -> bool:
    """True for '2023-05-19' or '2023-05-19T08:15:00+07:00' (a real date and time)."""
    if not _ISO_DATE.fullmatch(value):
        return False
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


class ValidatePipeline:
    """Drop Articles the archive must not store; pass everything else through."""

    def process_item(self, item: Any, spider: Spider | None = None) -> Any:
        """Return ``item``, or raise ``DropItem`` saying what is wrong with it."""
        if isinstance(item, (PageFailure, RemovedArticle)):
            return item
        adapter = ItemAdapter(item)
        missing = [name for name in ("url", "title", "body") if not adapter.get(name)]
        if missing:
            raise DropItem(f"Article without {', '.join(missing)}: {adapter.get('url') or '?'}")
        published = adapter.get("published") or ""
        if published and not is_iso_date(published):
            raise DropItem(f"Article with a non-ISO published date {published!r}: {item.url}")
        return item


class StorePipeline:
    """Store every Article, PageFailure and RemovedArticle through the run's recorder."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        """Needs the CrawlRun extension (EXTENSIONS), the owner of the run."""
        if crawler.get_extension(CrawlRun) is None:  # nothing would be stored
            raise ValueError("StorePipeline needs the crawler.run.CrawlRun extension")
        return cls(crawler)

    @property
    def recorder(self) -> Recorder:
        run = self.crawler.get_extension(CrawlRun)
        if run is None or run.recorder is None:
            raise RuntimeError("the crawl run has not started")
        return run.recorder

    async def process_item(self, item: Any, spider: Spider | None = None) -> Any:
        """Store an Article, record a PageFailure or mark a RemovedArticle; return the item
        once it is committed, or drop it with the reason it could not be stored."""
        try:
            if isinstance(item, RemovedArticle):
                marked = await maybe_deferred_to_future(
                    self.recorder.mark_removed(item.url, item.fetched_at, item.reason))
                self._removed(item, marked)
            elif isinstance(item, PageFailure):
                await maybe_deferred_to_future(self.recorder.record_failure(
                    item.url, item.reason, http_status=item.http_status, detail=item.detail,
                    failed_at=item.fetched_at))  # fmt: skip
                self._count("failed")
            else:
                record = item if isinstance(item, Article) else ItemAdapter(item).asdict()
                outcome = await maybe_deferred_to_future(self.recorder.store(record))
                self._count(outcome)
                if outcome == "refused":
                    self._refused(item)
        except InvalidArticle as error:
            raise DropItem(f"not stored: {error}: {ItemAdapter(item).get('url')}") from error
        except STORAGE_ERRORS as error:
            # When the archive failed, the run has said why in one line and is stopping.
            level = "DEBUG" if self.recorder.failed is not None else "WARNING"
            raise DropItem(f"not stored: {error}: {ItemAdapter(item).get('url')}",
                           log_level=level) from error
        return item

    def _count(self, outcome: str) -> None:
        self.crawler.stats.inc_value(f"tinlanhdao/stored/{outcome}")

    def _refused(self, item: Any) -> None:
        """A page that is not the article (archive.changeguard, which recorded it in failures):
        counted as a page that is not an article, and dropped, so nothing names it as the
        article's source."""
        stats = self.crawler.stats
        stats.inc_value("tinlanhdao/stored/failed")
        stats.inc_value("tinlanhdao/articles", -1)
        stats.inc_value(f"tinlanhdao/layout/{ItemAdapter(item).get('layout') or ''}", -1)
        stats.inc_value("tinlanhdao/not_article/not_the_article")
        raise DropItem(f"Not the article (a notice page; see failures): {item.url}")

    def _removed(self, item: RemovedArticle, marked: bool | None) -> None:
        if marked is None:
            logger.info("Gone but never archived (%s): %s", item.reason, item.url)
        elif marked:
            self._count("removed")
            logger.warning("Archived article marked removed (%s): %s", item.reason, item.url)
