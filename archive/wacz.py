"""Export the captures as a WACZ package (Web Archive Collection Zipped, WACZ 1.1.1).

The package replays in ReplayWeb.page and pywb:

- ``archive/*.warc.gz``: the WARC files beside the archive, stored (not deflated), each copied
  up to the end of its last indexed record (a crawl still writing a file may have added more);
- ``indexes/index.cdx``: a CDXJ line per response and revisit record, written from the
  ``captures`` table (which is that index, in SQLite): SURT key, 14-digit timestamp, then url,
  mime (``warc/revisit`` for revisits), status, digest, length, offset, filename, sorted;
- ``pages/pages.jsonl``: the pages, by title: each article at the capture its current text came
  from, and the listing page each run started from;
- ``datapackage.json`` (every file with its sha256 and size) and ``datapackage-digest.json``.

The package is built with ``zipfile`` per the WACZ specification; ``wacz validate`` (py-wacz)
accepts it and ``cdxj-indexer`` indexes its WARC files to the same lines (tests check both).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path, PurePosixPath
from typing import Any

import surt

from archive.captures import REVISIT, CaptureError, Captures
from archive.store import Archive

WACZ_VERSION = "1.1.1"
INDEX_PATH = "indexes/index.cdx"
PAGES_PATH = "pages/pages.jsonl"
LISTING_TITLE = "Tin hoạt động của Lãnh đạo Thành phố (danh sách)"
_CHUNK = 1024 * 1024


@dataclass
class WaczReport:
    """What ``export_wacz`` wrote."""

    path: Path
    warc_files: int
    captures: int
    pages: int
    bytes: int


def timestamp14(fetched_at: str) -> str:
    """'2025-06-10T08:30:00Z' -> '20250610083000' (the CDX timestamp)."""
    return "".join(ch for ch in fetched_at if ch.isdigit())[:14]


def cdxj_lines(captures: Captures) -> list[str]:
    """The CDXJ index of every response and revisit record, sorted, one line each."""
    lines = []
    for row in captures.iter_all():
        fields = {
            "url": row["url"],
            "mime": "warc/revisit" if row["record_type"] == REVISIT else (row["mime"] or ""),
            "status": str(row["http_status"]),
            "digest": row["payload_digest"],
            "length": str(row["length"]),
            "offset": str(row["offset"]),
            "filename": PurePosixPath(row["warc_file"]).name,
        }
        key = surt.surt(row["url"])
        lines.append(f"{key} {timestamp14(row['fetched_at'])} {json.dumps(fields)}\n")
    lines.sort()
    return lines


def page_entries(archive: Archive) -> list[dict[str, Any]]:
    """pages.jsonl entries: the listing pages the runs started from, then every article (newest
    first) at the capture its current text was extracted from."""
    db = archive.db
    pages: list[dict[str, Any]] = []
    for row in db.query(
        "SELECT captures.url, max(captures.fetched_at) AS fetched_at FROM captures "
        "WHERE captures.url IN (SELECT start_url FROM crawl_runs) AND captures.http_status = 200 "
        "GROUP BY captures.url ORDER BY captures.url"
    ):
        pages.append(
            {"id": f"listing-{len(pages) + 1}", "url": row["url"], "title": LISTING_TITLE,
             "ts": row["fetched_at"]}
        )  # fmt: skip
    for row in db.query(
        "SELECT articles.id, articles.title, articles.published, captures.url, "
        "captures.fetched_at FROM articles JOIN captures ON captures.id = articles.capture_id "
        "ORDER BY articles.published DESC, articles.id DESC"
    ):
        page = {"id": f"article-{row['id']}", "url": row["url"], "title": row["title"],
                "ts": row["fetched_at"]}  # fmt: skip
        pages.append(page)
    return pages


def _hash_entry(package: zipfile.ZipFile, name: str) -> dict[str, Any]:
    digest, size = hashlib.sha256(), 0
    with package.open(name) as stream:
        for chunk in iter(lambda: stream.read(_CHUNK), b""):
            digest.update(chunk)
            size += len(chunk)
    return {
        "name": PurePosixPath(name).name.lower(),
        "path": name,
        "hash": f"sha256:{digest.hexdigest()}",
        "bytes": size,
    }


def _copy_prefix(source: Path, target: Any, length: int) -> None:
    with open(source, "rb") as stream:
        remaining = length
        while remaining > 0:
            chunk = stream.read(min(_CHUNK, remaining))
            if not chunk:
                raise CaptureError(f"{source} is shorter than its indexed records")
            target.write(chunk)
            remaining -= len(chunk)


def export_wacz(
    archive: Archive,
    path: str | Path,
    title: str = "tinlanhdao: Cần Thơ leadership news captures",
    progress: Callable[[int], None] | None = None,
) -> WaczReport:
    """Write the WACZ package of every capture of ``archive`` to ``path``; return a report.

    ``progress(n)`` is called with the bytes of WARC data copied. Raises ``CaptureError`` when
    the archive has no captures or a WARC file is missing or short. The package is written to
    a temporary name beside ``path`` and renamed at the end, so ``path`` is never half-written.
    """
    captures = Captures.of(archive)
    extents = captures.file_extents()
    if not extents:
        raise CaptureError(
            f"The archive at {archive.path} has no captures yet: crawl with WARC capture on."
        )
    names = [PurePosixPath(f).name for f in extents]
    if len(set(names)) != len(names):
        raise CaptureError("two WARC files share a name; a WACZ needs distinct names")
    for warc_file, end in extents.items():
        source = captures.path_of(warc_file)
        if not source.is_file() or source.stat().st_size < end:
            raise CaptureError(f"WARC file {source} is missing or shorter than its index")
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    lines = cdxj_lines(captures)
    pages = page_entries(archive)
    created = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    with zipfile.ZipFile(partial, "w", allowZip64=True) as package:
        for warc_file, end in extents.items():
            info = zipfile.ZipInfo(f"archive/{PurePosixPath(warc_file).name}", _now_tuple())
            info.compress_type = zipfile.ZIP_STORED  # replay tools seek into WARCs
            with package.open(info, "w", force_zip64=end > 2**31) as out:
                _copy_prefix(captures.path_of(warc_file), out, end)
            if progress is not None:
                progress(end)
        package.writestr(_deflated(INDEX_PATH), "".join(lines).encode("utf-8"))
        header = {"format": "json-pages-1.0", "id": "pages", "title": "Pages"}
        jsonl = "".join(json.dumps(p, ensure_ascii=False) + "\n" for p in [header, *pages])
        package.writestr(_deflated(PAGES_PATH), jsonl.encode("utf-8"))
        resources = [_hash_entry(package, info.filename) for info in package.infolist()]
        datapackage: dict[str, Any] = {
            "profile": "data-package",
            "resources": resources,
            "title": title,
            "created": created,
            "wacz_version": WACZ_VERSION,
            "software": _software(),
        }
        if pages:
            datapackage["mainPageURL"] = pages[0]["url"]
            datapackage["mainPageDate"] = pages[0]["ts"]
        data = json.dumps(datapackage, indent=2, ensure_ascii=False).encode("utf-8")
        package.writestr(_deflated("datapackage.json"), data)
        digest = {"path": "datapackage.json", "hash": f"sha256:{hashlib.sha256(data).hexdigest()}"}
        package.writestr(_deflated("datapackage-digest.json"), json.dumps(digest, indent=2))
    shutil.move(partial, target)
    return WaczReport(
        path=target,
        warc_files=len(extents),
        captures=len(lines),
        pages=len(pages),
        bytes=target.stat().st_size,
    )


def _deflated(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, _now_tuple())
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def _now_tuple() -> tuple[int, int, int, int, int, int]:
    now = datetime.now(timezone.utc)
    return (now.year, now.month, now.day, now.hour, now.minute, now.second)


def _software() -> str:
    """The package and its installed version, as the WACZ names its maker."""
    try:
        return f"tinlanhdao {metadata.version('tinlanhdao')}"
    except metadata.PackageNotFoundError:  # running from an uninstalled tree
        return "tinlanhdao"
