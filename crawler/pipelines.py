"""Item pipelines: validate what the spider yields, then hand it to the archive.

``ValidatePipeline`` (100) drops an Article without url, title or body, or whose ``published``
is not ISO 8601. ``StorePipeline`` (300) stores Articles, records PageFailures and marks
RemovedArticles through ``archive.Archive``, each item all or nothing (Articles in the writer
process, ``crawler.writer``, unless ARCHIVE_WRITER_PROCESS is off). It records the crawl run:
its counts, what the crawler's stats say it fetched (listing pages, requests, bytes, layouts,
whether it reached the listing's end) and its verdict (``crawler.runhealth.assess``: exit
status and problems). The pipelines never write SQL themselves.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime
from pathlib import Path
from typing import Any

from itemadapter import ItemAdapter
from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.utils.defer import maybe_deferred_to_future

from archive import Archive, InvalidArticle, changeguard, default_archive_path
from crawler.items import Article, PageFailure, RemovedArticle
from crawler.runhealth import assess, layout_counts
from crawler.writer import ArchiveWriter, WriterLost, shared_writer

logger = logging.getLogger(__name__)

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?")
# Crawler stats copied into the run's counts (with every ``tinlanhdao/...`` stat).
RUN_STATS = (
    "downloader/request_count",
    "downloader/response_bytes",
    "downloader/response_count",
    "item_scraped_count",
    "item_dropped_count",
    "log_count/ERROR",
    "retry/count",
    "elapsed_time_seconds",
)


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
    """Store every Article and PageFailure in the archive at the ARCHIVE_PATH setting.

    Opens the archive (creating it and its folder) and starts a crawl run when the spider
    opens; finishes the run with its counts and the crawler's stats when the spider closes
    (on the spider_closed signal, which is the first moment Scrapy knows the finish reason).
    """

    def __init__(self, archive_path: str | Path, crawler: Crawler | None = None) -> None:
        self.archive_path = Path(archive_path)
        self.crawler = crawler
        self.archive: Archive | None = None
        self.writer: ArchiveWriter | None = None
        self.run_id: int | None = None
        self.counts = {"new": 0, "changed": 0, "unchanged": 0, "failed": 0, "removed": 0}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        """Read ARCHIVE_PATH (default: $TINLANHDAO_ARCHIVE or data/tinlanhdao.db)."""
        path = crawler.settings.get("ARCHIVE_PATH") or default_archive_path()
        pipeline = cls(path, crawler)
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    def open_spider(self, spider: Spider | None = None) -> None:
        """Open the archive and record the start of the run."""
        spider = spider or getattr(self.crawler, "spider", None)
        self.archive = Archive(self.archive_path)
        if self.crawler is not None and self.crawler.settings.getbool("RUN_LOCK_HELD"):
            abandoned = self.archive.close_abandoned_runs()
            if abandoned:
                logger.warning("Archive %s: %d earlier run(s) had died unfinished; marked killed",
                               self.archive_path, abandoned)
        start_urls = list(getattr(spider, "start_urls", None) or [""])
        start_url = getattr(spider, "start_url", "") or start_urls[0]
        self.run_id = self.archive.start_run(
            spider=getattr(spider, "name", "") or "",
            mode=str(getattr(spider, "mode", "") or ""),
            start_url=str(start_url),
        )
        logger.info("Archive %s: crawl run %s started", self.archive_path, self.run_id)
        changeguard.begin_run(self.archive, self.run_id)  # changes wait for the run's end
        accept = str(getattr(spider, "accept_mass_change", "")).lower() in ("1", "true", "yes")
        if self.crawler is not None and accept:  # -a accept_mass_change=1
            self.crawler.stats.set_value("tinlanhdao/accept_mass_change", 1)
        if self.crawler is not None:
            self.writer = shared_writer(self.crawler, self.run_id)

    def process_item(self, item: Any, spider: Spider | None = None) -> Any:
        """Store an Article, record a PageFailure or mark a RemovedArticle; return the item
        unchanged (for an Article stored by the writer process: a coroutine that returns it
        once it is committed)."""
        if self.archive is None:
            raise RuntimeError("StorePipeline.process_item called before open_spider")
        if isinstance(item, RemovedArticle):
            self._mark_removed(item)
            return item
        if isinstance(item, PageFailure):
            self.archive.record_failure(
                item.url,
                item.reason,
                http_status=item.http_status,
                run_id=self.run_id,
                detail=item.detail,
                failed_at=item.fetched_at,
            )
            self.counts["failed"] += 1
            return item
        record = item if isinstance(item, Article) else ItemAdapter(item).asdict()
        if self.writer is not None:
            return self._store_in_writer(record, item)
        try:
            outcome = self.archive.store_article(record, run_id=self.run_id)
        except InvalidArticle as error:
            raise DropItem(str(error)) from error
        return self._stored(outcome, item)

    async def _store_in_writer(self, record: Any, item: Any) -> Any:
        assert self.writer is not None
        try:
            outcome = await maybe_deferred_to_future(
                self.writer.call("store", record, self.run_id)
            )
        except InvalidArticle as error:
            raise DropItem(str(error)) from error
        except WriterLost as error:  # the crawl is stopping (see crawler.writer)
            raise DropItem(f"not stored: {error}: {getattr(item, 'url', '?')}") from error
        return self._stored(outcome, item)

    def _stored(self, outcome: str, item: Any) -> Any:
        self.counts[outcome] = self.counts.get(outcome, 0) + 1  # (+ held, refused: changeguard)
        self.counts["failed"] += outcome == "refused"  # in failures (archive.changeguard)
        if self.crawler is not None and self.crawler.stats is not None:
            self.crawler.stats.inc_value(f"tinlanhdao/stored/{outcome}")  # for the run summary
            if outcome == "refused":  # not the article: counted as a page that is not one
                self.crawler.stats.inc_value("tinlanhdao/articles", -1)
                self.crawler.stats.inc_value(f"tinlanhdao/layout/{getattr(item, 'layout', '')}", -1)
                self.crawler.stats.inc_value("tinlanhdao/not_article/not_the_article")
        if outcome == "refused":  # dropped: nothing may name it as the article's source
            raise DropItem(f"Not the article (a notice page; see failures): {item.url}")
        return item

    def _mark_removed(self, item: RemovedArticle) -> None:
        """Mark an archived article removed (once); a URL the archive lacks is only logged."""
        assert self.archive is not None
        if not self.archive.has_article(item.url):
            logger.info("Gone but never archived (%s): %s", item.reason, item.url)
            return
        if self.archive.mark_removed(item.url, item.fetched_at, item.reason):
            self.counts["removed"] += 1
            logger.warning("Archived article marked removed (%s): %s", item.reason, item.url)

    def close_spider(self, spider: Spider | None = None) -> None:
        """Nothing to do yet: the run is finished on spider_closed, which comes right after."""

    def spider_closed(self, spider: Spider | None = None, reason: str = "finished") -> None:
        """Finish the run with its counts, the crawler stats, the verdict and the reason; close
        the archive."""
        if self.archive is None or self.run_id is None:
            return
        stats: dict[str, Any] = (
            dict(self.crawler.stats.get_stats()) if self.crawler and self.crawler.stats else {}
        )
        stats["finish_reason"] = reason
        settings = self.crawler.settings if self.crawler else None
        verdict = assess(stats, settings)
        keep_out = "mass_change" in verdict.problems
        settled = changeguard.settle_run(self.archive, self.run_id, store=not keep_out)
        self.counts["changed"] += settled.stored
        counts: dict[str, Any] = dict(self.counts)
        counts.update(
            {k: v for k, v in stats.items() if k in RUN_STATS or k.startswith("tinlanhdao/")}
        )
        counts["listing_pages"] = int(stats.get("tinlanhdao/listing_pages", 0))
        counts["reached_end"] = int(bool(stats.get("tinlanhdao/reached_end")))
        counts["finish_reason"] = reason
        self.archive.finish_run(
            self.run_id,
            status=run_status(reason),
            finish_reason=reason,
            counts=counts,
            exit_status=verdict.exit_status,
            problems=verdict.problems,
            layouts=layout_counts(stats),
        )
        logger.info(
            "Archive %s: run %s %s (%s): %d new, %d changed, %d unchanged, %d failed, "
            "%d removed, %s requests; exit status %d%s",
            self.archive_path,
            self.run_id,
            run_status(reason),
            reason,
            self.counts["new"],
            self.counts["changed"],
            self.counts["unchanged"],
            self.counts["failed"],
            self.counts["removed"],
            stats.get("downloader/request_count", 0),
            verdict.exit_status,
            f" ({', '.join(verdict.problems)})" if verdict.problems else "",
        )
        self.archive.close()
        self.archive = None


def run_status(reason: str) -> str:
    """The crawl_runs status for a Scrapy finish reason."""
    if reason == "finished" or reason.startswith("closespider_"):
        return "finished"
    if reason == "shutdown":
        return "interrupted"
    return "failed"
