"""WARC capture of every response the crawl receives (no Scrapy here).

``WarcCapture`` writes one fetch as a WARC/1.1 request record followed by a ``response``
record, or by a ``revisit`` record (profile identical-payload-digest) when the body is
byte-identical to the URL's previous capture, into gzip WARC files in the WARC folder
(``<archive folder>/warc/``), one gzip member per record so any record can be read back by its
offset. Each run starts a new file, named ``tinlanhdao-YYYYMMDDHHMMSS-NNNNN.warc.gz`` and opened
by a ``warcinfo`` record; a file that reaches WARC_MAX_BYTES is closed and the next one opened.
The records are written, flushed and fsync'ed before their row goes into the ``captures``
table, so a crash loses at most the fetches in hand and the index never points past the data.
``capture`` does the three steps at once; the crawl (``crawler.recorder``) writes at once and
indexes after one fsync for many records.

Settings: WARC_ENABLED (default True), WARC_DIR (default: ``warc`` beside ARCHIVE_PATH),
WARC_MAX_BYTES (default 100 MB).
"""

from __future__ import annotations

import io
import logging
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from http import HTTPStatus
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urlsplit

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from archive.captures import RESPONSE, REVISIT, Captures, payload_digest
from crawler.extraction import package_version

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
        )


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
