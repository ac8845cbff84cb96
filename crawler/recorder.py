"""The crawl's one write path: every capture, article, failure and removal of a run, in order,
committed in batches in the crawl's own process.

``Recorder`` queues what the crawl hands it and writes the queue out in batches (whatever
arrived while the previous batch was being written, up to BATCH):

- a capture's WARC records are written and flushed at once, when the response arrives
  (``crawler.capture.WarcCapture.write``); before the batch that indexes them is committed,
  one fsync in a thread covers every record written so far (group commit), so the crawl never
  stops for the disk and the ``captures`` index never points past the data;
- the batch is one transaction (``Archive.batch``): the captures' rows first, then each
  article, failure or removal in its own savepoint, so each succeeds or fails alone; an error
  that ends the transaction fails the whole batch;
- an article is stored together with its provenance, the capture of its URL and the extractor
  version, in one savepoint (this is the only place provenance is set); a page the archive
  refuses as not the article (archive.changeguard) is not linked to it. An article whose
  page could not be captured is refused: nothing is archived without its original.

Every call returns a Deferred that fires once its batch is committed, so a stored article is
on disk when the pipeline hands it on. A write that fails because of the storage itself (an
I/O error, a full disk, a database locked past its timeout) is reported once to ``on_failure``,
which stops the crawl; nothing after it is written.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from scrapy.utils.defer import deferred_from_coro, maybe_deferred_to_future
from twisted.internet import task, threads
from twisted.internet.defer import Deferred

from archive import Archive, ArchiveError, InvalidArticle, reading, storing
from archive.captures import Captures
from archive.storing import as_article
from archive.transactions import write_transaction
from crawler.capture import CaptureResult, PendingCapture, WarcCapture
from crawler.extraction import extractor_version

logger = logging.getLogger(__name__)

BATCH = 64  # writes committed together at most


class NotCaptured(ArchiveError):
    """The article's page could not be captured, so the article is not stored."""


@dataclass
class _Write:
    """One queued write: a capture written to WARC and waiting for its row (nobody waits for
    it), or a call whose answer the caller waits for."""

    url: str = ""
    pending: PendingCapture | None = None
    call: Callable[[], Any] | None = None
    answer: Deferred | None = None

    def settle(self, ok: bool, value: Any) -> None:
        if self.answer is not None and not self.answer.called:
            (self.answer.callback if ok else self.answer.errback)(value)


class Recorder:
    """Writes one run into ``archive`` (writable) and its WARC files (``warc``, or None when
    capture is off). ``on_failure(error)`` is called once, with the first storage error."""

    def __init__(self, archive: Archive, warc: WarcCapture | None, run_id: int,
                 on_failure: Callable[[Exception], Any]) -> None:  # fmt: skip
        self.archive = archive
        self.warc = warc
        self.run_id = run_id
        self.on_failure = on_failure
        self.captures = Captures.of(archive)
        self.extractor = extractor_version()
        self.captured: dict[str, int | None] = {}  # URL -> its latest capture (None: failed)
        self.failed: Exception | None = None
        self._queue: list[_Write] = []
        self._draining: Deferred | None = None

    # --- what the crawl hands over ------------------------------------------------------------

    def capture(self, **fetch: Any) -> None:
        """Write one fetch's WARC records now (``WarcCapture.write``'s arguments); index them
        with the next batch. A capture that fails stops the crawl (``on_failure``)."""
        url = fetch["url"]
        self.captured[url] = None  # until its row is committed
        if self.failed is not None or self.warc is None:
            return
        try:
            pending = self.warc.write(**fetch)
        except OSError as error:
            self._fail(error)
            return
        self._enqueue(_Write(url=url, pending=pending))

    def store(self, article: Any) -> Deferred:
        """Store an article (an Article or a dict) with its provenance; fires with "new",
        "changed" or "unchanged", or with archive.changeguard's "held" (a change that waits
        for the run's end) or "refused" (not the article: no provenance is set)."""
        return self._ask(lambda: self._store(as_article(article)))

    def record_failure(self, url: str, reason: str, **details: Any) -> Deferred:
        """Record a page that yielded no article (``archive.storing.record_failure``)."""
        return self._ask(lambda: storing.record_failure(
            self.archive.db, url, reason, run_id=self.run_id, **details))

    def mark_removed(self, url: str, when: str, reason: str) -> Deferred:
        """Mark an archived article removed; fires with True if it was marked now, False if it
        was already marked, None if the archive never held it."""
        def mark() -> bool | None:
            if not reading.has_article(self.archive.db, url):
                return None
            return storing.mark_removed(self.archive.db, url, when, reason)

        return self._ask(mark)

    async def close(self) -> None:
        """Write out everything queued, then close the WARC file."""
        while self._draining is not None:
            await maybe_deferred_to_future(self._draining)
        if self.warc is not None:
            try:
                self.warc.close()
            except OSError as error:
                self._fail(error)

    # --- writing the queue out ----------------------------------------------------------------

    def _ask(self, call: Callable[[], Any]) -> Deferred:
        answer: Deferred = Deferred()
        self._enqueue(_Write(call=call, answer=answer))
        return answer

    def _enqueue(self, write: _Write) -> None:
        if self.failed is not None:
            write.settle(False, self.failed)
            return
        self._queue.append(write)
        if self._draining is None:
            self._draining = deferred_from_coro(self._drain())

    async def _drain(self) -> None:
        """Write out batches until the queue is empty, starting at the reactor's next turn, so
        that what arrives meanwhile joins the first batch."""
        from twisted.internet import reactor  # the one Scrapy installed

        try:
            await maybe_deferred_to_future(task.deferLater(reactor, 0, lambda: None))
            while self._queue:
                batch, self._queue = self._queue[:BATCH], self._queue[BATCH:]
                try:
                    if any(write.pending is not None for write in batch):
                        await self._sync()
                    self._commit(batch)
                except Exception as error:  # noqa: BLE001 - reported by on_failure
                    self._fail(error)
                    for write in batch + self._queue:
                        if write.pending is not None:
                            self.captured[write.url] = None
                        write.settle(False, error)
                    self._queue = []
        finally:
            self._draining = None

    async def _sync(self) -> None:
        """One fsync, in a thread, of every WARC record written so far."""
        assert self.warc is not None
        fd = self.warc.duplicate_fd()  # a descriptor the closing of the file cannot race
        if fd is not None:
            await maybe_deferred_to_future(threads.deferToThread(_fsync_and_close, fd))

    def _commit(self, batch: list[_Write]) -> None:
        """One transaction: the captures' rows, then each call in its own savepoint. The
        answers fire after the commit."""
        results: list[tuple[_Write, bool, Any]] = []
        with self.archive.batch():
            for write in batch:
                if write.pending is not None:
                    results.append((write, True, self._index(write)))
            for write in batch:
                if write.call is not None:
                    results.append(self._run(write))
        for write, ok, value in results:
            write.settle(ok, value)

    def _index(self, write: _Write) -> CaptureResult:
        assert self.warc is not None and write.pending is not None
        result = self.warc.index(write.pending)
        self.captured[write.url] = result.capture_id
        return result

    def _run(self, write: _Write) -> tuple[_Write, bool, Any]:
        """Run one call in its own savepoint; an error that ended the transaction (an I/O
        error, a full disk) is raised, so the whole batch fails."""
        assert write.call is not None
        try:
            return write, True, write.call()
        except (InvalidArticle, NotCaptured) as error:
            return write, False, error
        except (sqlite3.Error, ArchiveError) as error:
            if not self.archive.db.conn.in_transaction:
                raise
            return write, False, error

    def _store(self, record: Any) -> str:
        """Store an article and link it to its page's capture, or neither."""
        captured = record.url in self.captured
        capture_id = self.captured.pop(record.url, None)
        if captured and capture_id is None:
            raise NotCaptured(f"not stored: the page could not be captured: {record.url}")
        with write_transaction(self.archive.db):
            outcome = self.archive.store_article(record, self.run_id)
            if captured and outcome != "refused":  # a page that is not the article is no source
                self.captures.set_provenance(record.url, capture_id, self.extractor,
                                             record.fetched_at)  # fmt: skip
        return outcome

    def _fail(self, error: Exception) -> None:
        if self.failed is None:
            self.failed = error
            self.on_failure(error)


def _fsync_and_close(fd: int) -> None:
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
