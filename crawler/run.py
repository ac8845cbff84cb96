"""The owner of a crawl run: the ``CrawlRun`` extension.

However the spider is started (``scrapy crawl``, ``CrawlerProcess``, Scrapyd), this extension:

- takes the archive's run lock (``crawler.runlock``) when the spider opens; if another run
  holds it, the spider closes at once with the finish reason ``run_locked`` and exit status 75,
  before any request, and nothing is written;
- opens the archive writable, which creates and migrates it, marks runs that died unfinished
  as killed, starts the run record and puts its id in the stats (``tinlanhdao/run_id``);
- opens the run's one write path, ``crawler.recorder.Recorder``, which the store pipeline and
  the capture middleware reach with ``crawler.get_extension(CrawlRun)``;
- makes the run hold its changes until its end (``archive.changeguard.begin_run``); an
  operator accepts a mass change with ``-a accept_mass_change=1``;
- when the spider closes: writes out what is queued, judges the run once
  (``crawler.runhealth.assess``), stores the held changes or, for a mass change, keeps them
  out (``changeguard.settle_run``), records the verdict and the counts in the run record, puts
  the exit status in the stats (``tinlanhdao/exit_status``, which ``scrapy crawl`` exits with)
  and logs the summary, the last thing the run prints.
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path
from typing import IO, Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import CloseSpider
from scrapy.utils.defer import deferred_from_coro

from archive import Archive, ArchiveError, changeguard, default_archive_path, guard, runs
from archive.captures import Captures, default_warc_dir
from crawler.capture import DEFAULT_MAX_BYTES, WarcCapture
from crawler.extraction import extractor_version
from crawler.recorder import Recorder
from crawler.runhealth import (
    EXIT_CODES,
    EXIT_LOCKED,
    STORAGE_ERROR,
    Verdict,
    assess,
    layout_counts,
    summary_lines,
)
from crawler.runlock import RunLocked, acquire_run_lock, lock_path

logger = logging.getLogger(__name__)

RUN_ID = "tinlanhdao/run_id"
EXIT_STATUS = "tinlanhdao/exit_status"
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
STORAGE_ERRORS = (OSError, sqlite3.Error, ArchiveError)


class CrawlRun:
    """Extension: one crawl run, from the lock to the verdict (see the module docstring)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.archive_path = Path(crawler.settings.get("ARCHIVE_PATH") or default_archive_path())
        self.lock: IO[str] | None = None
        self.archive: Archive | None = None
        self.recorder: Recorder | None = None
        self.run_id: int | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlRun:
        run = cls(crawler)
        crawler.signals.connect(run.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(run.spider_closed, signal=signals.spider_closed)
        return run

    def spider_opened(self, spider: Spider) -> None:
        """Take the lock, open (migrate) the archive, start the run and its write path."""
        stats = self.crawler.stats
        try:  # before the lock: not even a lock file beside a file that is not ours
            guard.require_archive_or_new(self.archive_path)
        except ArchiveError as error:
            self.storage_failed(error)
            raise CloseSpider("storage_failed") from error
        try:
            self.lock = acquire_run_lock(self.archive_path)
        except RunLocked as error:
            logger.error("Another run is using the archive %s (lock %s); not starting a second "
                         "one. Exit status 75: try again later.", self.archive_path,
                         lock_path(self.archive_path))  # fmt: skip
            stats.set_value(EXIT_STATUS, EXIT_LOCKED)
            raise CloseSpider("run_locked") from error
        except OSError as error:  # a read-only folder, say
            self.storage_failed(error)
            raise CloseSpider("storage_failed") from error
        try:
            self.archive = Archive(self.archive_path)
            abandoned = runs.close_abandoned_runs(self.archive.db)
            self.run_id = runs.start_run(
                self.archive.db, spider=spider.name, mode=str(getattr(spider, "mode", "") or ""),
                start_url=str(getattr(spider, "start_url", "") or ""),
            )  # fmt: skip
            changeguard.begin_run(self.archive, self.run_id)  # changes wait for the run's end
        except STORAGE_ERRORS as error:
            self.storage_failed(error)
            raise CloseSpider("storage_failed") from error
        if abandoned:
            logger.warning("Archive %s: %d earlier run(s) had died unfinished; marked killed",
                           self.archive_path, abandoned)  # fmt: skip
        stats.set_value(RUN_ID, self.run_id)
        if str(getattr(spider, "accept_mass_change", "")).lower() in ("1", "true", "yes"):
            stats.set_value("tinlanhdao/accept_mass_change", 1)  # -a accept_mass_change=1
        self.recorder = Recorder(self.archive, self._warc(), self.run_id, self.storage_failed)

    def _warc(self) -> WarcCapture | None:
        """The run's WARC writer (WARC_ENABLED, WARC_DIR, WARC_MAX_BYTES), or None."""
        settings = self.crawler.settings
        if not settings.getbool("WARC_ENABLED", True):
            return None
        assert self.archive is not None
        info = {"isPartOf": "tinlanhdao", "extractor": extractor_version()}
        if settings.get("USER_AGENT"):
            info["http-header-user-agent"] = settings.get("USER_AGENT")
        if settings.getbool("ROBOTSTXT_OBEY"):
            info["robots"] = "obey"
        return WarcCapture(
            Captures.of(self.archive),
            settings.get("WARC_DIR") or default_warc_dir(self.archive_path),
            settings.getint("WARC_MAX_BYTES", DEFAULT_MAX_BYTES),
            self.run_id,
            info,
        )

    def storage_failed(self, error: Exception) -> None:
        """A write failed: nothing more can be archived, so the crawl stops. A storage error is
        one line naming the file and the cause; anything else is a bug, with its traceback."""
        if isinstance(error, STORAGE_ERRORS):
            where = getattr(error, "filename", None) or self._failed_file(error)
            logger.error("Cannot write %s: %s; stopping the crawl", where, error)
        else:
            logger.error("Archiving failed; stopping the crawl", exc_info=error)
        self.crawler.stats.set_value(STORAGE_ERROR, f"{type(error).__name__}: {error}"[:500])
        if self.recorder is not None:  # the run had started
            stop_crawl(self.crawler, "storage_failed")

    def _failed_file(self, error: Exception) -> Path:
        warc = self.recorder.warc if self.recorder is not None else None
        if isinstance(error, OSError) and warc is not None and warc.files:
            return warc.files[-1]
        return self.archive_path

    async def spider_closed(self, spider: Spider, reason: str) -> None:
        """Write out what is queued, judge the run, record it, log the summary."""
        stats = self.crawler.stats
        if self.recorder is None:  # refused (locked) or the archive could not be opened
            if stats.get_value(STORAGE_ERROR):
                stats.set_value(EXIT_STATUS, EXIT_CODES["storage_failed"])
            self._close()
            return
        try:
            await self.recorder.close()
            if self.recorder.warc is not None:
                stats.set_value("tinlanhdao/warc/files", len(self.recorder.warc.files))
            values = dict(stats.get_stats(), finish_reason=reason)
            verdict = assess(values, self.crawler.settings)
            self._settle(values, verdict)
            stats.set_value(EXIT_STATUS, verdict.exit_status)
            stats.set_value("tinlanhdao/problems", list(verdict.problems))
            self._finish(values, verdict.exit_status, verdict.problems)
            block = "\n".join(summary_lines(values, verdict, getattr(spider, "mode", "?")))
            (logger.warning if verdict.problems else logger.info)("%s", block)
        finally:
            self._close()

    def _settle(self, values: dict[str, Any], verdict: Verdict) -> None:
        """Store the run's held changes as revisions, or keep them out when the verdict is a
        mass change (archive.changeguard); count the stored ones as changed. If the archive
        cannot be written, say so in one line; the verdict gains storage_failed."""
        assert self.archive is not None and self.run_id is not None
        keep_out = "mass_change" in verdict.problems
        try:
            settled = changeguard.settle_run(self.archive, self.run_id, store=not keep_out)
        except STORAGE_ERRORS as error:
            logger.error("Cannot store the held changes of run %s in %s: %s", self.run_id,
                         self.archive_path, error)  # fmt: skip
            values[STORAGE_ERROR] = f"{type(error).__name__}: {error}"[:500]
            self.crawler.stats.set_value(STORAGE_ERROR, values[STORAGE_ERROR])
            if "storage_failed" not in verdict.problems:
                verdict.problems.insert(0, "storage_failed")
            verdict.exit_status = max(verdict.exit_status, EXIT_CODES["storage_failed"])
            return
        if settled.stored:
            self.crawler.stats.inc_value("tinlanhdao/stored/changed", settled.stored)
            values["tinlanhdao/stored/changed"] = self.crawler.stats.get_value(
                "tinlanhdao/stored/changed")

    def _close(self) -> None:
        if self.archive is not None:
            self.archive.close()
        if self.lock is not None:
            self.lock.close()

    def _finish(self, values: dict[str, Any], exit_status: int, problems: list[str]) -> None:
        """Record the end of the run; if the archive cannot be written, say so in one line
        (the next run marks this one killed)."""
        assert self.archive is not None and self.run_id is not None
        reason = values["finish_reason"]
        counts = {k: v for k, v in values.items() if k in RUN_STATS or k.startswith("tinlanhdao/")}
        counts.update(
            {key: int(values.get(f"tinlanhdao/stored/{key}", 0))
             for key in ("new", "changed", "unchanged", "failed", "removed")},
            listing_pages=int(values.get("tinlanhdao/listing_pages", 0)),
            reached_end=int(bool(values.get("tinlanhdao/reached_end"))),
            finish_reason=reason,
        )  # fmt: skip
        try:
            runs.finish_run(self.archive.db, self.run_id, status=run_status(reason),
                            finish_reason=reason, counts=counts, exit_status=exit_status,
                            problems=problems, layouts=layout_counts(values))  # fmt: skip
        except STORAGE_ERRORS as error:
            logger.error("Cannot record the end of run %s in %s: %s", self.run_id,
                         self.archive_path, error)  # fmt: skip


def run_status(reason: str) -> str:
    """The crawl_runs status for a Scrapy finish reason."""
    if reason == "finished" or reason.startswith("closespider_"):
        return "finished"
    if reason == "shutdown":
        return "interrupted"
    return "failed"


def stop_crawl(crawler: Crawler, reason: str) -> None:
    """Close the spider with ``reason``; the run then ends with that finish reason."""
    if crawler.engine is not None:
        closing = deferred_from_coro(crawler.engine.close_spider_async(reason=reason))
        closing.addErrback(lambda _: None)  # the spider was closed already
