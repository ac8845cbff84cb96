"""WARC capture of every response the crawl receives, and the articles' provenance.

``WarcCapture`` (no Scrapy) writes one fetch as a WARC/1.1 request record followed by a
``response`` record, or by a ``revisit`` record (profile identical-payload-digest) when the body
is byte-identical to the URL's previous capture, into gzip WARC files in the WARC folder
(``<archive folder>/warc/``), one gzip member per record so any record can be read back by its
offset. Each run starts a new file, named ``tinlanhdao-YYYYMMDDHHMMSS-NNNNN.warc.gz`` and opened
by a ``warcinfo`` record; a file that reaches WARC_MAX_BYTES is closed and the next one opened.
The pair is written, flushed and fsync'ed before its row goes into the ``captures`` table, so a
crash loses at most the fetches in hand and the index never points past the data. ``capture``
does the three steps at once; the middleware writes, waits for a ``GroupSync`` (one fsync in a
thread for every record written meanwhile, so the crawl never stops for the disk), then indexes.

``WarcCaptureMiddleware`` is the Scrapy side: a downloader middleware placed next to the
downloader (order 950), so it sees every response as it came off the wire (robots.txt,
redirects, errors and retried responses included, the body before decompression), captures it
and puts the capture id in ``request.meta["capture_id"]``. On the ``item_scraped`` signal,
when the pipelines have stored an article, it records the article's provenance: the capture it
came from and the extractor version (``archive.captures.Captures.set_provenance``); with the
writer process (``crawler.writer``) the child does both.

Settings: WARC_ENABLED (default True), WARC_DIR (default: ``warc`` beside ARCHIVE_PATH),
WARC_MAX_BYTES (default 100 MB).
"""

from __future__ import annotations

import io
import logging
import os
import sqlite3
from collections.abc import Coroutine
from dataclasses import dataclass
from datetime import datetime, timezone
from http import HTTPStatus
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urlsplit

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import threads
from twisted.internet.defer import Deferred
from twisted.python.failure import Failure
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archive import Archive, ArchiveError
from archive.captures import RESPONSE, REVISIT, Captures, payload_digest
from crawler.items import Article
from crawler.version import extractor_version, package_version
from crawler.writer import ArchiveWriter, WriterConfig, WriterLost, shared_writer, stop_crawl

logger = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 100 * 1024 * 1024
FILE_PREFIX = "tinlanhdao"
# Hop-by-hop framing the downloader already undid: kept under another name, so that readers
# do not try to undo it a second time.
_UNDONE_HEADERS = {"transfer-encoding"}
_RENAMED_PREFIX = "X-Archive-Orig-"

Headers = list[tuple[str, str]]


def warc_date(moment: datetime | None = None) -> str:
    """A WARC-Date (UTC, to the second, 'Z'), the same format as the archive's times."""
    return (moment or datetime.now(timezone.utc)).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class CaptureResult:
    """What one ``WarcCapture.capture`` call wrote."""

    capture_id: int
    record_type: str  # "response" or "revisit"
    bytes_written: int  # request + response/revisit records, compressed


@dataclass
class PendingCapture:
    """Records written and flushed, not yet known to be on disk, not yet indexed."""

    row: dict[str, Any]  # its future ``captures`` row
    record_type: str
    bytes_written: int
    sequence: int  # the writer's count of writes, this one included


class WarcCapture:
    """Writes fetches into rotating gzip WARC files and indexes them in ``captures``.

    ``captures`` is the archive's index (writable); ``warc_dir`` the folder of the WARC files;
    ``max_bytes`` the size at which a file is closed and the next one started; ``run_id`` the
    crawl run the captures belong to. Files are created lazily, at the first capture.
    """

    def __init__(
        self,
        captures: Captures,
        warc_dir: str | Path,
        max_bytes: int = DEFAULT_MAX_BYTES,
        run_id: int | None = None,
        info: dict[str, str] | None = None,
    ) -> None:
        self.captures = captures
        self.warc_dir = Path(warc_dir)
        self.max_bytes = max(1, int(max_bytes))
        self.run_id = run_id
        self.info = info or {}
        self._file: BinaryIO | None = None
        self._path: Path | None = None
        self._writer: WARCWriter | None = None
        self._serial = 0
        self.written = 0  # writes so far (``PendingCapture.sequence``)
        self.files: list[Path] = []
        self._warc_file = ""  # the current file as ``captures.warc_file`` names it

    # --- files ------------------------------------------------------------------------------

    def _open_next(self) -> None:
        self.close()
        self.warc_dir.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(timezone.utc).strftime("%Y%m%d%H%M%S")
        while True:
            path = self.warc_dir / f"{FILE_PREFIX}-{stamp}-{self._serial:05d}.warc.gz"
            self._serial += 1
            try:
                self._file = open(path, "xb")  # never append to an existing file
                break
            except FileExistsError:
                continue
        self._path = path
        self._warc_file = self.captures.relative_name(path)
        self._writer = WARCWriter(self._file, gzip=True, warc_version="1.1")
        info = {
            "software": f"tinlanhdao/{package_version()} (warcio)",
            "format": "WARC File Format 1.1",
            "conformsTo": "https://iipc.github.io/warc-specifications/specifications/"
            "warc-format/warc-1.1/",
            **self.info,
        }
        self._writer.write_record(self._writer.create_warcinfo_record(path.name, info))
        self._sync()
        self.files.append(path)
        logger.info("Writing WARC file %s", path)

    def sync(self) -> None:
        """Flush and fsync the current WARC file: every record written so far is on disk."""
        if self._file is not None:
            self._sync()

    def _sync(self) -> None:
        assert self._file is not None
        self._file.flush()
        os.fsync(self._file.fileno())

    def duplicate_fd(self) -> int | None:
        """A new descriptor of the current file (for an fsync in another thread that must not
        race its closing), or None when no file is open."""
        return os.dup(self._file.fileno()) if self._file is not None else None

    def close(self) -> None:
        """Close the current WARC file (the next capture opens a new one)."""
        if self._file is not None:
            self._sync()
            self._file.close()
        self._file = self._writer = self._path = None

    # --- capturing --------------------------------------------------------------------------

    def capture(self, *fetch: Any, **named: Any) -> CaptureResult:
        """Write one fetch (``write``'s arguments), make it durable and index it. Returns the
        capture id, the record type and the bytes written. Raises OSError when the file cannot
        be written, in which case the capture is not indexed."""
        pending = self.write(*fetch, **named)
        self._sync()
        return self.index(pending)

    def index(self, pending: PendingCapture) -> CaptureResult:
        """Add the ``captures`` row of a write that is on disk; return what was captured."""
        capture_id = self.captures.add(pending.row)
        return CaptureResult(capture_id, pending.record_type, pending.bytes_written)

    def write(
        self,
        url: str,
        status: int,
        response_headers: Headers,
        payload: bytes,
        method: str = "GET",
        request_headers: Headers | None = None,
        request_body: bytes = b"",
        protocol: str = "HTTP/1.1",
        fetched_at: str = "",
    ) -> PendingCapture:
        """Write and flush one fetch's records, without waiting for the disk.

        ``payload`` is the body as received (Content-Encoding kept, transfer framing undone);
        ``fetched_at`` the WARC-Date (default: now). Raises OSError when the file cannot be
        written.
        """
        if self._file is None or self._file.tell() >= self.max_bytes:
            self._open_next()
        assert self._file is not None and self._writer is not None and self._path is not None
        writer = self._writer
        date = fetched_at or warc_date()
        digest = payload_digest(payload)
        http_response = StatusAndHeaders(
            f"{status} {_reason(status)}".strip(),
            _archivable(response_headers),
            protocol=protocol or "HTTP/1.1",
        )
        previous = self.captures.last_of(url) if payload else None
        if previous is not None and previous["payload_digest"] == digest:
            original = self.captures.payload_row(previous)
            record = writer.create_revisit_record(
                url,
                digest,
                original["url"],
                original["fetched_at"],
                http_headers=http_response,
                warc_headers_dict={"WARC-Date": date, "WARC-Refers-To": original["record_id"]},
            )
            record_type, refers_to = REVISIT, original["id"]
        else:
            record = writer.create_warc_record(
                url,
                "response",
                payload=io.BytesIO(payload),
                length=len(payload),
                http_headers=http_response,
                warc_headers_dict={"WARC-Date": date, "WARC-Payload-Digest": digest},
            )
            record_type, refers_to = RESPONSE, None
        record_id = record.rec_headers.get_header("WARC-Record-ID")
        request = writer.create_warc_record(
            url,
            "request",
            payload=io.BytesIO(request_body),
            length=len(request_body),
            http_headers=_request_headers(method, url, request_headers or []),
            warc_headers_dict={"WARC-Date": date, "WARC-Concurrent-To": record_id},
        )
        start = self._file.tell()
        writer.write_record(request)
        offset = self._file.tell()
        writer.write_record(record)
        end = self._file.tell()
        self._file.flush()
        self.written += 1
        return PendingCapture(
            {
                "url": url,
                "fetched_at": date,
                "http_status": status,
                "mime": _mime(response_headers),
                "payload_digest": digest,
                "payload_length": len(payload),
                "record_type": record_type,
                "refers_to_id": refers_to,
                "warc_file": self._warc_file,
                "offset": offset,
                "length": end - offset,
                "record_id": record_id,
                "run_id": self.run_id,
            },
            record_type,
            end - start,
            self.written,
        )


class GroupSync:
    """Makes a ``WarcCapture``'s writes durable without blocking the crawl: one fsync, in a
    thread, covers every record written before it started (group commit).

    ``durable(sequence)`` returns a Deferred that fires once the write numbered ``sequence``
    is on disk, or fails with the fsync's error.
    """

    def __init__(self, writer: WarcCapture) -> None:
        self.writer = writer
        self.synced = 0  # every write up to this number is on disk
        self._waiting: list[tuple[int, Deferred]] = []
        self._busy = False

    def durable(self, sequence: int) -> Deferred:
        waiter: Deferred = Deferred()
        if sequence <= self.synced:
            waiter.callback(None)
            return waiter
        self._waiting.append((sequence, waiter))
        self._start()
        return waiter

    def _start(self) -> None:
        if self._busy or not self._waiting:
            return
        covers = self.writer.written
        try:
            fd = self.writer.duplicate_fd()
        except OSError as error:
            self._finish(Failure(error), covers)
            return
        self._busy = True
        threads.deferToThread(_fsync_and_close, fd).addBoth(self._finish, covers)

    def _finish(self, result: Any, covers: int) -> None:
        self._busy = False
        failed = isinstance(result, Failure)
        if not failed:
            self.synced = max(self.synced, covers)
        still_waiting = []
        for sequence, waiter in self._waiting:
            if failed:
                waiter.errback(result)
            elif sequence <= self.synced:
                waiter.callback(None)
            else:
                still_waiting.append((sequence, waiter))
        self._waiting = still_waiting
        self._start()  # writes that came after this fsync started


def _fsync_and_close(fd: int | None) -> None:
    """fsync ``fd`` and close it (a file already closed was synced when it was closed)."""
    if fd is None:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _archivable(headers: Headers) -> Headers:
    """Response headers as stored: framing the downloader undid is renamed, not repeated."""
    return [
        (f"{_RENAMED_PREFIX}{name}" if name.lower() in _UNDONE_HEADERS else name, value)
        for name, value in headers
    ]


def _mime(headers: Headers) -> str:
    value = next((v for k, v in headers if k.lower() == "content-type"), "")
    return value.split(";", 1)[0].strip().lower()


def _request_headers(method: str, url: str, headers: Headers) -> StatusAndHeaders:
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    if not any(name.lower() == "host" for name, _ in headers):
        headers = [("Host", parts.netloc), *headers]
    return StatusAndHeaders(f"{method} {target} HTTP/1.1", headers, is_http_request=True)


def scrapy_headers(headers: Any) -> Headers:
    """Scrapy ``Headers`` (bytes, lists of values) as (name, value) text pairs, in order."""
    pairs: Headers = []
    for name, values in headers.items():
        for value in values or []:
            pairs.append((name.decode("latin-1"), value.decode("latin-1")))
    return pairs


class WarcCaptureMiddleware:
    """Downloader middleware: capture every response into WARC; link articles to captures."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler  # where and how to write: WriterConfig.from_settings
        self.archive: Archive | None = None
        self.writer: WarcCapture | None = None  # in this process
        self.syncer: GroupSync | None = None
        self.process: ArchiveWriter | None = None  # or in the writer process
        self.opened = False
        self.failed = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcCaptureMiddleware:
        """Off when WARC_ENABLED is; the other settings are read by WriterConfig."""
        if not crawler.settings.getbool("WARC_ENABLED", True):
            raise NotConfigured("WARC_ENABLED is off")
        middleware = cls(crawler)
        crawler.signals.connect(middleware.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    def _open(self) -> None:
        """Start capturing: in the writer process (``crawler.writer``) or in this one."""
        self.opened = True
        self.process = shared_writer(self.crawler)
        if self.process is None:
            config = WriterConfig.from_settings(self.crawler.settings, self._run_id())
            self.archive = Archive(config.archive_path)
            self.writer = WarcCapture(
                Captures.of(self.archive), config.warc_dir, config.warc_max_bytes,
                config.run_id, config.warc_info,
            )  # fmt: skip
            self.syncer = GroupSync(self.writer)

    def _run_id(self) -> int | None:
        """The run the store pipeline started (any pipeline with an integer ``run_id``)."""
        engine = getattr(self.crawler, "engine", None)
        itemproc = getattr(getattr(engine, "scraper", None), "itemproc", None)
        for component in getattr(itemproc, "middlewares", ()):
            run_id = getattr(component, "run_id", None)
            if isinstance(run_id, int):
                return run_id
        return None

    def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Response | Coroutine[Any, Any, Response]:
        """Capture ``response`` (as received). In the writer process: send it and go on (the
        child links the article to it; an error stops the crawl). Here: write the records, wait
        until they are on disk, index them, and note the capture id in the request's meta."""
        if self.failed:
            return response
        if not self.opened:
            self._open()
        fetch = {
            "url": response.url,
            "status": response.status,
            "response_headers": scrapy_headers(response.headers),
            "payload": response.body,
            "method": request.method,
            "request_headers": scrapy_headers(request.headers),
            "request_body": request.body or b"",
            "protocol": getattr(response, "protocol", None) or "HTTP/1.1",
        }
        if self.process is not None:
            captured = self.process.capture(**fetch)
            captured.addCallbacks(self._count, self._capture_failed)
            return response
        return self._capture_here(request, response, fetch)

    def _count(self, result: CaptureResult) -> None:
        stats = self.crawler.stats
        if stats is not None:
            stats.inc_value(f"tinlanhdao/warc/{result.record_type}s")
            stats.inc_value("tinlanhdao/warc/bytes", result.bytes_written)

    def _capture_failed(self, failure: Failure) -> None:
        """The child could not capture (it answers OSError or ArchiveError); a lost writer has
        stopped the crawl already, with its own message."""
        if not failure.check(WriterLost):
            self._give_up(failure.value)

    async def _capture_here(
        self, request: Request, response: Response, fetch: dict[str, Any]
    ) -> Response:
        """Capture in this process: write, wait for a group fsync in a thread, index."""
        writer, syncer = self.writer, self.syncer
        assert writer is not None and syncer is not None
        try:
            pending = writer.write(**fetch)
            await maybe_deferred_to_future(syncer.durable(pending.sequence))
            if self.failed or self.writer is not writer:  # failed or closed meanwhile
                return response
            result = writer.index(pending)
        except (OSError, ArchiveError, sqlite3.Error) as error:
            self._give_up(error)
            return response
        request.meta["capture_id"] = result.capture_id
        self._count(result)
        return response

    def _give_up(self, error: Exception) -> None:
        """A capture that cannot be written stops the crawl: pages must not be archived
        without their originals."""
        if self.failed:
            return
        self.failed = True
        logger.error("Cannot write the WARC capture (%s); stopping the crawl", error)
        if self.crawler.stats is not None:
            self.crawler.stats.set_value("tinlanhdao/warc/error", str(error)[:500])
        stop_crawl(self.crawler, "warc_write_failed")

    def item_scraped(self, item: Any, response: Response, spider: Spider | None = None) -> None:
        """An article was stored: record the capture it came from and the extractor version."""
        # Only in-process capturing: the writer process links each article itself.
        if not isinstance(item, Article) or self.writer is None or self.failed:
            return
        request = getattr(response, "request", None)
        capture_id = request.meta.get("capture_id") if request is not None else None
        try:
            self.writer.captures.set_provenance(
                item.url, capture_id, extractor_version(), fetched_at=item.fetched_at
            )
        except (ArchiveError, sqlite3.Error) as error:
            logger.error("Cannot record the provenance of %s: %s", item.url, error)

    def spider_closed(self, spider: Spider | None = None, reason: str = "") -> None:
        """Close the WARC file and the archive."""
        if self.writer is not None:
            stats = self.crawler.stats
            if stats is not None:
                stats.set_value("tinlanhdao/warc/files", len(self.writer.files))
            self.writer.close()
        if self.archive is not None:
            self.archive.close()
        self.writer = self.archive = None
