"""Raw captures: the WARC files beside the archive and their index, the ``captures`` table.

Every response the crawl receives (robots.txt, listing pages, article pages, redirects, errors)
is written as a WARC request/response pair into gzip WARC files in ``<archive folder>/warc/``
(``crawler.capture`` writes them). The WARC files are the record; the ``captures`` table is a
CDX index of them inside SQLite: one row per capture with the URL, the time, the HTTP status, the
payload digest and where the record lies (file, offset, length), so one record is read back
directly by seeking to its offset. A body byte-identical to the URL's previous capture is written
as a ``revisit`` record; its row points (``refers_to_id``) to the capture whose ``response``
record holds the body.

Provenance: ``articles`` and ``revisions`` name the capture their text was extracted from and
the extractor version that did it (``set_provenance``).

This module reads and indexes; it never writes WARC files. It uses no Scrapy.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlite_utils
from warcio.archiveiterator import ArchiveIterator
from warcio.bufferedreaders import BufferedReader
from warcio.utils import Digester

from archive.errors import ArchiveError
from archive.search import date_range_sql
from archive.transactions import write_transaction

WARC_FOLDER = "warc"  # beside the archive file: data/tinlanhdao.db -> data/warc/
RESPONSE = "response"
REVISIT = "revisit"
# Columns of `captures` a writer supplies (id is assigned, article_id is linked later).
CAPTURE_FIELDS = (
    "url", "fetched_at", "http_status", "mime", "payload_digest", "payload_length",
    "record_type", "refers_to_id", "warc_file", "offset", "length", "record_id", "run_id",
)  # fmt: skip


class CaptureError(ArchiveError):
    """A capture that cannot be found or read back (missing WARC file, bad offset)."""


def payload_digest(payload: bytes) -> str:
    """The WARC-Payload-Digest of a body, as warcio writes it: 'sha1:' and base32."""
    digester = Digester("sha1")
    digester.update(payload)
    return str(digester)


def default_warc_dir(archive_path: str | Path) -> Path:
    """Where the WARC files of the archive at ``archive_path`` go: ``<its folder>/warc``."""
    return Path(archive_path).parent / WARC_FOLDER


# --- Reading records back -----------------------------------------------------------------------


@dataclass
class CapturedResponse:
    """A capture read back from its WARC record(s).

    ``payload`` is the HTTP body exactly as received (any Content-Encoding kept; its digest is
    the row's ``payload_digest``); ``body`` is the same decoded for reading (Content-Encoding
    removed), what the crawl's parser saw. ``headers`` and ``http_status`` are this capture's
    own (for a revisit, the revisit record's), ``payload`` comes from the record that holds it.
    """

    row: dict[str, Any]
    http_status: int
    headers: list[tuple[str, str]]
    payload: bytes
    body: bytes
    warc_headers: dict[str, str] = field(default_factory=dict)

    def header(self, name: str) -> str | None:
        """The first HTTP header called ``name`` (any case), or None."""
        wanted = name.lower()
        return next((value for key, value in self.headers if key.lower() == wanted), None)

    @property
    def content_type(self) -> str | None:
        return self.header("Content-Type")


@dataclass
class _Record:
    rec_type: str
    warc_headers: dict[str, str]
    http_status: int
    headers: list[tuple[str, str]]
    payload: bytes
    body: bytes


def read_record(path: Path, offset: int, length: int) -> _Record:
    """Read the one WARC record at ``offset`` (``length`` bytes, one gzip member) of ``path``."""
    try:
        with open(path, "rb") as stream:
            stream.seek(offset)
            data = stream.read(length)
    except OSError as error:
        raise CaptureError(f"cannot read {path}: {error.strerror or error}") from error
    if len(data) != length:
        raise CaptureError(f"{path} ends before offset {offset} + {length}")
    try:
        record = next(iter(ArchiveIterator(io.BytesIO(data))))
        payload = record.raw_stream.read()
        http = record.http_headers
        headers = list(http.headers) if http else []
        return _Record(
            rec_type=record.rec_type,
            warc_headers=dict(record.rec_headers.headers),
            http_status=int(http.get_statuscode() or 0) if http else 0,
            headers=headers,
            payload=payload,
            body=_decode_body(headers, payload) if record.rec_type == RESPONSE else b"",
        )
    except (StopIteration, ValueError, OSError, EOFError) as error:
        raise CaptureError(f"no WARC record at {path}@{offset}: {error}") from error


def _decode_body(headers: list[tuple[str, str]], payload: bytes) -> bytes:
    """``payload`` without its Content-Encoding (gzip, deflate, br when brotli is installed)."""
    encoding = next((v for k, v in headers if k.lower() == "content-encoding"), "").strip()
    if encoding.lower() not in BufferedReader.get_supported_decompressors():
        return payload  # identity, or an encoding warcio cannot undo: as received
    try:
        return BufferedReader(io.BytesIO(payload), decomp_type=encoding.lower()).read()
    except Exception:  # a body that lies about its encoding is kept as received
        return payload


# --- The index ----------------------------------------------------------------------------------


class Captures:
    """The captures of one archive: rows in its ``captures`` table, records in its WARC files.

    ``root`` is the archive's folder: ``warc_file`` values are relative to it
    (``warc/tinlanhdao-20250610083000-00000.warc.gz``), absolute when the WARC folder is
    elsewhere. ``db`` is the archive's database (``Archive(path).db``); writing methods need a
    writable one; None makes a reader of ``latest_for_articles`` rows that never queries.
    """

    def __init__(self, db: sqlite_utils.Database | None, root: str | Path) -> None:
        self.db = db
        self.root = Path(root)

    @classmethod
    def of(cls, archive: Any) -> Captures:
        """The captures of an ``archive.Archive``."""
        return cls(archive.db, Path(archive.path).parent)

    # --- writing (the crawl's capture middleware) ---------------------------------------------

    def relative_name(self, path: Path) -> str:
        """How ``path`` (a WARC file) is named in ``warc_file``."""
        try:
            return Path(path).resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return str(Path(path).resolve())

    def path_of(self, warc_file: str) -> Path:
        """The file a ``warc_file`` value names."""
        return self.root / warc_file

    def add(self, row: dict[str, Any]) -> int:
        """Index one capture whose records are written (and flushed) already; return its id."""
        with write_transaction(self.db):
            return int(self.db.table("captures").insert(
                {name: row.get(name) for name in CAPTURE_FIELDS}).last_pk)

    def last_of(self, url: str) -> dict[str, Any] | None:
        """The URL's most recent capture, or None."""
        rows = list(
            self.db.query("SELECT * FROM captures WHERE url = ? ORDER BY id DESC LIMIT 1", [url])
        )
        return rows[0] if rows else None

    def set_provenance(
        self,
        article_url: str,
        capture_id: int | None,
        extractor_version: str,
        fetched_at: str = "",
    ) -> int | None:
        """Record that the article at ``article_url`` was extracted from capture ``capture_id``
        by ``extractor_version``; return the article id (None if the URL is not archived).

        Sets the article's ``capture_id`` and ``extractor_version``, the capture's
        ``article_id``, and the provenance of the article's revision fetched at ``fetched_at``
        if that revision has none yet (the revision this capture created, if it created one).
        """
        with write_transaction(self.db):
            found = self.db.execute("SELECT id FROM articles WHERE url = ?", [article_url])
            row = found.fetchone()
            if row is None:
                return None
            article_id = int(row[0])
            self.db.execute(
                "UPDATE articles SET capture_id = ?, extractor_version = ? WHERE id = ?",
                [capture_id, extractor_version, article_id],
            )
            if capture_id is not None:
                self.db.execute(
                    "UPDATE captures SET article_id = ? WHERE id = ?", [article_id, capture_id]
                )
            if fetched_at:
                self.db.execute(
                    "UPDATE revisions SET capture_id = ?, extractor_version = ? "
                    "WHERE article_id = ? AND fetched_at = ? AND capture_id IS NULL",
                    [capture_id, extractor_version, article_id, fetched_at],
                )
            return article_id

    def set_latest_revision_provenance(
        self, article_id: int, capture_id: int, extractor_version: str
    ) -> None:
        """Name the capture and extractor of the article's latest revision (reprocessing)."""
        with write_transaction(self.db):
            self.db.execute(
                "UPDATE revisions SET capture_id = ?, extractor_version = ? WHERE id = "
                "(SELECT max(id) FROM revisions WHERE article_id = ?)",
                [capture_id, extractor_version, article_id],
            )

    # --- reading ----------------------------------------------------------------------------

    def get(self, capture_id: int) -> dict[str, Any]:
        """One capture row; raises ``CaptureError`` if there is none."""
        rows = list(self.db.query("SELECT * FROM captures WHERE id = ?", [capture_id]))
        if not rows:
            raise CaptureError(f"no capture with id {capture_id}")
        return rows[0]

    def payload_row(self, row: dict[str, Any]) -> dict[str, Any]:
        """The capture whose ``response`` record holds ``row``'s body (itself, or for a revisit
        the capture it refers to; from the row's ``source_*`` columns when it has them, as
        ``latest_for_articles`` rows do, else from the table)."""
        if row["record_type"] != REVISIT or row["refers_to_id"] is None:
            return row
        if row.get("source_warc_file"):
            return {
                "id": row["refers_to_id"],
                "warc_file": row["source_warc_file"],
                "offset": row["source_offset"],
                "length": row["source_length"],
            }
        return self.get(row["refers_to_id"])

    def read(self, capture: int | dict[str, Any]) -> CapturedResponse:
        """Read a capture back from its WARC record(s) by offset; see ``CapturedResponse``."""
        row = self.get(capture) if isinstance(capture, int) else capture
        own = read_record(self.path_of(row["warc_file"]), row["offset"], row["length"])
        if own.rec_type == REVISIT:
            source = self.payload_row(row)
            original = read_record(
                self.path_of(source["warc_file"]), source["offset"], source["length"]
            )
            payload, body = original.payload, original.body
        else:
            payload, body = own.payload, own.body
        return CapturedResponse(
            row=row,
            http_status=own.http_status,
            headers=own.headers,
            payload=payload,
            body=body,
            warc_headers=own.warc_headers,
        )

    def latest_for_articles(
        self, since: str = "", until: str = "", url: str = ""
    ) -> list[dict[str, Any]]:
        """For each archived article (published within ``since``..``until``, ISO prefixes, or
        the one at ``url``), its latest capture: rows with the capture's columns plus
        ``article_id`` and ``article_url``, and for a revisit where its body lies
        (``source_warc_file``, ``source_offset``, ``source_length``), so that ``read`` needs no
        database. In article order; articles without a capture are left out (see
        ``articles_without_capture``)."""
        where, params = self._article_filter(since, until, url)
        return list(
            self.db.query(
                "SELECT captures.*, articles.id AS article_id, articles.url AS article_url, "
                "source.warc_file AS source_warc_file, source.offset AS source_offset, "
                "source.length AS source_length "
                "FROM articles JOIN captures ON captures.id = "
                "(SELECT max(id) FROM captures WHERE captures.article_id = articles.id) "
                "LEFT JOIN captures AS source ON source.id = captures.refers_to_id "
                f"{where} ORDER BY articles.id",
                params,
            )
        )

    def articles_without_capture(self, since: str = "", until: str = "", url: str = "") -> int:
        """How many of the selected articles have no capture (archived before captures)."""
        where, params = self._article_filter(since, until, url)
        where = (where + " AND" if where else "WHERE") + (
            " NOT EXISTS (SELECT 1 FROM captures WHERE captures.article_id = articles.id)"
        )
        return int(self.db.execute(f"SELECT count(*) FROM articles {where}", params).fetchone()[0])

    @staticmethod
    def _article_filter(since: str, until: str, url: str) -> tuple[str, list[Any]]:
        clause, params = date_range_sql("articles.published", since, until)
        clauses = [clause] if clause else []
        if url:
            clauses.append("articles.url = ?")
            params = [*params, url]
        return ("WHERE " + " AND ".join(clauses)) if clauses else "", list(params)

    def iter_all(self) -> Iterator[dict[str, Any]]:
        """Every capture, in capture order."""
        yield from self.db.query("SELECT * FROM captures ORDER BY id")

    def file_extents(self) -> dict[str, int]:
        """For each WARC file, where its last indexed record ends: the bytes a copy needs
        (a crawl writing the file may have added records not yet indexed)."""
        return {
            row["warc_file"]: int(row["end"])
            for row in self.db.query(
                "SELECT warc_file, max(offset + length) AS end FROM captures GROUP BY warc_file "
                "ORDER BY min(id)"
            )
        }

    def summary(self, run_id: int | None = None) -> dict[str, Any]:
        """Counts and bytes of the captures (of one run, if given): records by type, WARC bytes
        of the response/revisit records (the request records come on top)."""
        where, params = ("WHERE run_id = ?", [run_id]) if run_id is not None else ("", [])
        row = self.db.execute(
            "SELECT count(*), coalesce(sum(record_type = 'response'), 0), "
            "coalesce(sum(record_type = 'revisit'), 0), coalesce(sum(length), 0), "
            f"count(DISTINCT warc_file) FROM captures {where}",
            params,
        ).fetchone()
        return {
            "captures": row[0],
            "responses": row[1],
            "revisits": row[2],
            "record_bytes": row[3],
            "warc_files": row[4],
        }
