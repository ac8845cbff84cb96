"""A citable release of the archive: one folder that can be published, checked and cited.

``make_release(archive, folder)`` writes into a new (or empty) folder:

- ``tinlanhdao.db``: a consistent snapshot of the database (``VACUUM INTO`` from a read-only
  connection, so a crawl may go on writing meanwhile);
- ``data/<table>.csv`` and ``data/<table>.parquet`` for the articles and the tables that
  describe them (revisions, images, attachments, crawl runs, failures, captures), read from
  the snapshot, ordered by id;
- ``tinlanhdao.wacz``: every capture, for replay (``archive.wacz``), its zip times and
  ``created`` pinned to the newest capture so that it depends on the archive only;
- ``datapackage.json``: a Frictionless Data Package; every file is a resource with its bytes
  and sha256, every table resource with its schema (``frictionless validate`` accepts it);
- ``CITATION.cff`` and ``README.md``: how to cite it, counts, date range, extractor versions,
  licence and source (from ``archive/datasette_metadata.json``).

The same archive gives the same bytes in every file but the two that record when the release
was made: ``README.md`` and ``CITATION.cff`` (``date-released``).

Parquet is written by DuckDB (one dependency, no NumPy or pandas, 25 MB wheel against
pyarrow's 55 MB): the rows go through a JSON-lines file, which keeps nulls apart from empty
strings, into a typed ``COPY ... (FORMAT parquet)`` on one thread, so the bytes are stable.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from archive import guard

SNAPSHOT = "tinlanhdao.db"
WACZ = "tinlanhdao.wacz"
DATA = "data"
# The tables a release publishes as CSV and Parquet, in this order, when the archive has them.
TABLES = ("articles", "revisions", "images", "attachments", "crawl_runs", "failures", "captures")
# Each table's statements, built once from the constant above (never from input).
_COUNT_SQL = {table: f"SELECT count(*) FROM [{table}]" for table in TABLES}
_ROWS_SQL = {table: f"SELECT * FROM [{table}] ORDER BY rowid" for table in TABLES}
# Files whose bytes record the release time; every other file depends on the archive only.
TIMED_FILES = ("README.md", "CITATION.cff")
_CHUNK = 1024 * 1024
# SQLite declared type -> (Frictionless type, DuckDB type)
_TYPES = {"INTEGER": ("integer", "BIGINT"), "REAL": ("number", "DOUBLE"),
          "FLOAT": ("number", "DOUBLE"), "TEXT": ("string", "VARCHAR"),
          "DATE": ("date", "DATE")}  # fmt: skip
# Columns typed closer than their declared type: articles.published_date (m003_researchers, a
# generated TEXT column) holds 'YYYY-MM-DD' or null, a date.
_TYPED_AS = {"published_date": "DATE"}


@dataclass
class ReleaseReport:
    """What ``make_release`` wrote: the folder, the files (path -> bytes) and the counts."""

    folder: Path
    files: dict[str, int] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    version: str = ""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for chunk in iter(lambda: stream.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def snapshot(source: Path, target: Path) -> None:
    """``VACUUM INTO`` a consistent copy of ``source`` at ``target``, in rollback-journal mode
    (a reader needs no -wal or -shm file beside it)."""
    connection = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
    try:
        connection.execute("VACUUM INTO ?", [str(target)])
    finally:
        connection.close()
    copy = sqlite3.connect(target)
    try:
        copy.execute("PRAGMA journal_mode = DELETE")
    finally:
        copy.close()


def columns_of(db: sqlite3.Connection, table: str) -> list[tuple[str, str]]:
    """(name, declared SQLite type) of each column of ``table`` as ``SELECT *`` gives them,
    generated columns included (``_TYPED_AS`` overrides the declared type)."""
    rows = db.execute(
        "SELECT name, type FROM pragma_table_xinfo(?) WHERE hidden IN (0, 2, 3)", [table]
    )
    return [(name, _TYPED_AS.get(name, (declared or "TEXT").upper())) for name, declared in rows]


def parquet_types(db: sqlite3.Connection, table: str) -> dict[str, str]:
    """Column name -> DuckDB type, for ``write_parquet_rows``, in ``SELECT *`` order."""
    columns = columns_of(db, table)
    return {name: _TYPES.get(declared, ("", "VARCHAR"))[1] for name, declared in columns}


def _descriptions() -> dict[str, tuple[str, dict[str, str]]]:
    """Each table's and column's description from the schema (empty if it has none)."""
    try:
        from archive.schema import TABLES as SPECS
    except ImportError:
        return {}
    return {name: (spec.description, {c.name: c.description for c in spec.columns})
            for name, spec in SPECS.items()}  # fmt: skip


def table_schema(db: sqlite3.Connection, table: str) -> dict[str, Any]:
    """The Frictionless Table Schema of ``table``: its columns typed from their declared SQLite
    types, described from the archive's schema, and its primary and foreign keys."""
    described = _descriptions().get(table, ("", {}))[1]
    fields = []
    for name, declared in columns_of(db, table):
        entry: dict[str, Any] = {"name": name, "type": _TYPES.get(declared, ("string",))[0]}
        if described.get(name):
            entry["description"] = described[name]
        fields.append(entry)
    schema: dict[str, Any] = {"fields": fields, "missingValues": [""]}
    if any(f["name"] == "id" for f in fields):
        schema["primaryKey"] = ["id"]
    references = [
        {"fields": row["from"], "reference": {"resource": row["table"], "fields": row["to"]}}
        for row in db.execute("SELECT * FROM pragma_foreign_key_list(?) ORDER BY id, seq",
                              [table])
        if row["table"] in TABLES and row["to"]
    ]  # fmt: skip
    if references:
        schema["foreignKeys"] = references
    return schema


def _rows(db: sqlite3.Connection, table: str) -> Iterator[sqlite3.Row]:
    """The rows of ``table`` (one of TABLES) in rowid order, which is id order."""
    yield from db.execute(_ROWS_SQL[table])


def write_csv(db: sqlite3.Connection, table: str, path: Path) -> int:
    """``table`` as UTF-8 CSV (header, LF line ends, null as an empty field); rows written."""
    import csv

    names = [name for name, _ in columns_of(db, table)]
    count = 0
    with open(path, "w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(names)
        for row in _rows(db, table):
            writer.writerow(["" if value is None else value for value in row])
            count += 1
    return count


def write_parquet(db: sqlite3.Connection, table: str, path: Path, scratch: Path) -> None:
    """``table`` as Parquet (zstd), typed from the SQLite declared types, nulls kept."""
    rows = (dict(row) for row in _rows(db, table))
    write_parquet_rows(rows, parquet_types(db, table), path, scratch / f"{table}.jsonl")


def write_parquet_rows(
    rows: Iterable[dict[str, Any]], types: dict[str, str], path: Path, staged: Path
) -> int:
    """Write ``rows`` (dicts) as Parquet (zstd) at ``path`` with the DuckDB column ``types``,
    nulls kept; return how many. The rows go through the JSON-lines file ``staged`` (removed
    afterwards), converted on one thread so the bytes are stable. Raises ``duckdb.Error``."""
    import duckdb

    count = 0
    try:
        with open(staged, "w", encoding="utf-8") as stream:
            for row in rows:
                stream.write(json.dumps(row, ensure_ascii=False) + "\n")
                count += 1
        connection = duckdb.connect()
        try:
            connection.execute("SET threads = 1")  # one writer: the same bytes every time
            connection.execute("SET enable_progress_bar = false")
            relation = connection.read_json(
                str(staged), format="newline_delimited", columns=types
            )
            relation.write_parquet(str(path), compression="zstd")
        finally:
            connection.close()
    finally:
        staged.unlink(missing_ok=True)
    return count


def pin_wacz(path: Path, when: str) -> None:
    """Make the WACZ at ``path`` depend on its content only: every zip entry dated ``when``
    (the newest capture's time) and the package's ``created`` set to it, digest redone."""
    stamp = datetime.strptime(when, "%Y-%m-%dT%H:%M:%SZ").timetuple()[:6]
    pinned = path.with_name(path.name + ".pinned")
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(pinned, "w", allowZip64=True) as out:
        for info in source.infolist():
            data_info = zipfile.ZipInfo(info.filename, stamp)
            data_info.compress_type = info.compress_type
            if info.filename == "datapackage.json":
                package = json.loads(source.read(info))
                package["created"] = when
                data = json.dumps(package, indent=2, ensure_ascii=False).encode("utf-8")
                out.writestr(data_info, data)
            elif info.filename == "datapackage-digest.json":
                digest = {"path": "datapackage.json",
                          "hash": f"sha256:{hashlib.sha256(data).hexdigest()}"}  # fmt: skip
                out.writestr(data_info, json.dumps(digest, indent=2))
            else:
                with source.open(info) as stream, out.open(data_info, "w",
                                                          force_zip64=info.file_size > 2**31) as w:
                    shutil.copyfileobj(stream, w, _CHUNK)
    pinned.replace(path)


def _facts(db: sqlite3.Connection) -> dict[str, Any]:
    """Counts, date range, extractor versions and the newest crawl and capture of a snapshot."""

    def one(sql: str) -> Any:
        return db.execute(sql).fetchone()[0]

    tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    facts: dict[str, Any] = {
        "counts": {t: one(_COUNT_SQL[t]) for t in TABLES if t in tables},
        "first_published": one("SELECT min(published) FROM articles WHERE published != ''"),
        "last_published": one("SELECT max(published) FROM articles WHERE published != ''"),
        "last_run": one("SELECT max(coalesce(finished_at, started_at)) FROM crawl_runs"),
        "extractors": {},
        "last_capture": None,
    }
    if "extractor_version" in {n for n, _ in columns_of(db, "articles")}:
        facts["extractors"] = {
            (row[0] or "unknown"): row[1]
            for row in db.execute("SELECT extractor_version, count(*) FROM articles "
                                  "GROUP BY extractor_version ORDER BY extractor_version")
        }  # fmt: skip
    if "captures" in tables:
        facts["last_capture"] = one("SELECT max(fetched_at) FROM captures")
    return facts


def make_release(
    archive_path: str | Path,
    folder: str | Path,
    *,
    authors: tuple[str, ...] = (),
    released_at: datetime | None = None,
    progress: Callable[[str], None] | None = None,
) -> ReleaseReport:
    """Write a release of the archive at ``archive_path`` into ``folder`` (new or empty; its
    parent must exist). Raises ``ArchiveError`` (``guard.NotOurs`` among them) for a path that
    is not an archive or a folder that cannot take the release."""
    from archive.web import static_metadata

    source = guard.require_archive(archive_path)
    target = guard.require_empty_folder(folder)
    say = progress or (lambda _message: None)
    released = (released_at or datetime.now(timezone.utc)).astimezone(timezone.utc)
    target.mkdir(exist_ok=True)
    (target / DATA).mkdir()
    say("snapshot")
    snapshot(source, target / SNAPSHOT)
    db = guard.read_only_connection(target / SNAPSHOT)
    report = ReleaseReport(folder=target)
    try:
        facts = _facts(db)
        report.counts = facts["counts"]
        report.version = release_version(facts["last_run"], target / SNAPSHOT)
        resources = []
        with tempfile.TemporaryDirectory(prefix="tinlanhdao-release-") as scratch:
            for table in facts["counts"]:
                say(table)
                schema = table_schema(db, table)
                csv_path = target / DATA / f"{table}.csv"
                write_csv(db, table, csv_path)
                parquet_path = target / DATA / f"{table}.parquet"
                write_parquet(db, table, parquet_path, Path(scratch))
                description = _descriptions().get(table, ("", {}))[0]
                resources.append(_table_resource(target, csv_path, table, schema, description))
                resources.append(
                    _file_resource(target, parquet_path, f"{table}-parquet", "parquet",
                                   "application/vnd.apache.parquet",
                                   f"{description} (Parquet, same rows and schema)".strip(),
                                   schema, kind="file")
                )  # fmt: skip
        if facts["last_capture"]:
            say("wacz")
            _write_wacz(source, target / WACZ, facts["last_capture"])
            resources.append(_file_resource(
                target, target / WACZ, "captures-wacz", "wacz", "application/wacz+zip",
                "Every page as fetched (WARC records, CDXJ index, pages), for ReplayWeb.page "
                "or pywb."))  # fmt: skip
        resources.insert(0, _file_resource(
            target, target / SNAPSHOT, "database", "sqlite", "application/vnd.sqlite3",
            "The archive database (SQLite), a consistent snapshot: every table, the full-text "
            "index included."))  # fmt: skip
    finally:
        db.close()
    metadata = static_metadata()
    package = _datapackage(metadata, facts, report.version, resources)
    (target / "datapackage.json").write_text(
        json.dumps(package, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    (target / "CITATION.cff").write_text(
        citation_cff(metadata, facts, report.version, released, authors), encoding="utf-8")
    (target / "README.md").write_text(
        readme(metadata, facts, report.version, released, resources), encoding="utf-8")
    report.files = {str(p.relative_to(target)): p.stat().st_size
                    for p in sorted(target.rglob("*")) if p.is_file()}  # fmt: skip
    return report


def release_version(last_run: str | None, snapshot_path: Path) -> str:
    """The release's version: the UTC date of the newest crawl run and the first 8 hex digits
    of the snapshot's sha256 (``2026-12-01.3f2a9c1b``): one archive state, one version; two
    releases made the same day from different states differ."""
    date = (last_run or "0000-00-00")[:10]
    return f"{date}.{sha256_of(snapshot_path)[:8]}"


def _write_wacz(source: Path, path: Path, last_capture: str) -> None:
    from archive import Archive
    from archive.wacz import export_wacz

    with Archive(source, readonly=True) as archive:
        export_wacz(archive, path)
    pin_wacz(path, last_capture)


def _file_resource(root: Path, path: Path, name: str, fmt: str, mediatype: str,
                   description: str, schema: dict[str, Any] | None = None,
                   kind: str = "") -> dict[str, Any]:
    """A Data Package resource for the file at ``path``: where, what, bytes and sha256.
    ``kind="file"`` has validators check the bytes and hash only (Parquet: reading it would
    need pandas; the schema is there for the reader, and the CSV twin is checked row by row)."""
    resource: dict[str, Any] = {
        "name": name, "path": path.relative_to(root).as_posix(), "format": fmt,
        "mediatype": mediatype, "description": description,
        "bytes": path.stat().st_size, "hash": f"sha256:{sha256_of(path)}",
    }  # fmt: skip
    if kind:
        resource["type"] = kind
    if schema is not None:
        resource["schema"] = schema
    return resource


def _table_resource(root: Path, path: Path, table: str, schema: dict[str, Any],
                    description: str) -> dict[str, Any]:
    resource = _file_resource(root, path, table, "csv", "text/csv", description, schema)
    resource.update(profile="tabular-data-resource", encoding="utf-8",
                    dialect={"delimiter": ",", "header": True})  # fmt: skip
    return resource


def _datapackage(metadata: dict[str, Any], facts: dict[str, Any], version: str,
                 resources: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "profile": "data-package",
        "name": "tinlanhdao",
        "title": metadata["title"],
        "description": metadata["description"],
        "version": version,
        "licenses": [{"name": "other-at", "title": metadata["license"],
                      "path": metadata["license_url"]}],
        "sources": [{"title": metadata["source"], "path": metadata["source_url"]}],
        "keywords": ["Cần Thơ", "Vietnam", "government news", "web archive"],
        "temporal": {"start": facts["first_published"], "end": facts["last_published"]},
        "resources": resources,
    }  # fmt: skip


def _yaml_string(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid YAML scalar


def citation_cff(metadata: dict[str, Any], facts: dict[str, Any], version: str,
                 released: datetime, authors: tuple[str, ...] = ()) -> str:
    """CITATION.cff (CFF 1.2.0) for the release: a dataset; authors are the operators given,
    else the project as an entity."""
    names = authors or ("tinlanhdao archive",)
    lines = [
        "cff-version: 1.2.0",
        "message: " + _yaml_string("If you use this archive, please cite it as below, and "
                                   "cite the source portal for each article you quote."),
        "type: dataset",
        "title: " + _yaml_string(metadata["title"]),
        f"version: {_yaml_string(version)}",
        f"date-released: {released.strftime('%Y-%m-%d')}",
        "abstract: " + _yaml_string(metadata["description"]),
        "authors:",
        *(f"  - name: {_yaml_string(name)}" for name in names),
        "license-url: " + _yaml_string(metadata["license_url"]),
        "url: " + _yaml_string(metadata["source_url"]),
        "keywords:",
        *(f"  - {_yaml_string(k)}" for k in ("Cần Thơ", "Vietnam", "government news",
                                             "web archive")),
        "references:",
        "  - type: website",
        "    title: " + _yaml_string(metadata["source"]),
        "    url: " + _yaml_string(metadata["source_url"]),
        "    authors:",
        "      - name: " + _yaml_string(metadata["source"]),
    ]  # fmt: skip
    return "\n".join(lines) + "\n"


def readme(metadata: dict[str, Any], facts: dict[str, Any], version: str, released: datetime,
           resources: list[dict[str, Any]]) -> str:
    """The release's README: what it holds, counts, dates, extractor versions, licence, source,
    each file with its sha256."""
    counts = facts["counts"]
    lines = [
        f"# {metadata['title']}", "",
        f"Release {version}, made {released.strftime('%Y-%m-%dT%H:%M:%SZ')} by "
        f"`tinlanhdao release`.", "",
        metadata["description"], "",
        "## What it holds", "",
        *(f"- {table}: {count} rows" for table, count in counts.items()), "",
        f"Articles published from {facts['first_published'] or '-'} to "
        f"{facts['last_published'] or '-'}; last crawl {facts['last_run'] or '-'}; newest "
        f"capture {facts['last_capture'] or '-'}.", "",
        "Extractor versions (articles extracted by each):", "",
        *(f"- {name}: {count}" for name, count in facts["extractors"].items()), "",
        "## Licence and source", "",
        f"- Source: {metadata['source']}, {metadata['source_url']}",
        f"- Licence: {metadata['license']} ({metadata['license_url']})", "",
        "## Files", "",
        "`datapackage.json` describes every file (Frictionless Data Package: schema, bytes, "
        "sha256); `frictionless validate datapackage.json` checks them. `CITATION.cff` says how "
        "to cite the release. Every file but this README and CITATION.cff has the same bytes "
        "in any release of the same archive.", "",
        "| file | bytes | sha256 |", "|---|---|---|",
        *(f"| {r['path']} | {r['bytes']} | {r['hash'].split(':', 1)[1]} |" for r in resources),
        "",
    ]  # fmt: skip
    return "\n".join(lines)
