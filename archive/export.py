"""Articles out of the archive, for other tools: a selection (query, author, dates), the latest
articles for ``tinlanhdao list``, and files in csv, jsonl or Parquet for ``tinlanhdao export``.

A selection keeps the articles that match all of its parts: ``query`` as ``tinlanhdao search``
reads it (tone-mark rule included, see ``archive.search``), ``author`` contained in the byline
with marks and case ignored, and ``since``/``until``, inclusive ISO prefixes of the publication
date. Exports list the articles oldest first (``published``, then ``id``), every column of
``articles`` (``published_date`` included); absent values are empty cells in csv and null in
jsonl and Parquet (the archive's NULL rule, docs/archive.md).

Formats:

* ``csv``: one row per article, UTF-8; ``excel=True`` starts the file with a byte-order mark,
  which Excel needs to read UTF-8 (without it the Vietnamese is garbled).
* ``jsonl``: one JSON object per line, with the article's current images and attachments.
* ``parquet``: one row per article, typed columns (integers, text, ``published_date`` as a
  DATE). Written by DuckDB through the release's writer (``archive.release.write_parquet_rows``:
  the rows go to a temporary jsonl file beside the output, which DuckDB converts with the
  column types given explicitly), so exports and releases type their columns alike.

A file is written beside its final name and moved into place when complete, so a failed export
leaves nothing half-written; an existing file is replaced only with ``force=True``; a missing
folder is an error. Every refusal is an ``ExportError`` with a one-line message.
"""

from __future__ import annotations

import csv
import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from archive import reading, release, search
from archive.errors import ArchiveError
from archive.store import Archive

FORMATS = ("csv", "jsonl", "parquet")


class ExportError(ArchiveError):
    """An export or listing that cannot be done as asked (the message is one line)."""


@dataclass(frozen=True)
class Selection:
    """Which articles: matching ``query``, by ``author``, published ``since``..``until``."""

    query: str = ""
    author: str = ""
    since: str = ""
    until: str = ""

    def where(self, archive: Archive) -> tuple[str, list[Any]]:
        """SQL condition over ``articles AS a`` (``'1'`` for everything) and its parameters.
        Raises ``QueryError`` for a query without words or an empty date range."""
        conditions, params = [], []
        filters, filter_params = search.filter_sql(
            "a", since=self.since, until=self.until, author=self.author
        )
        if filters:
            conditions.append(filters)
            params += filter_params
        if self.query.strip():
            ids = search.matching_ids(archive.db, self.query)
            conditions.append("a.id IN (SELECT value FROM json_each(?))")
            params.append(json.dumps(ids))
        return " AND ".join(conditions) or "1", params


def iter_articles(
    archive: Archive, selection: Selection, newest_first: bool = False, limit: int | None = None
) -> Iterator[dict[str, Any]]:
    """The selected article rows (every column), oldest publication first (or newest first),
    equal dates by id. Articles without a date come first (oldest first) or last."""
    where, params = selection.where(archive)
    order = "a.published DESC, a.id DESC" if newest_first else "a.published, a.id"
    sql = f"SELECT a.* FROM articles AS a WHERE {where} ORDER BY {order}"
    if limit is not None:
        sql += " LIMIT ?"
        params = [*params, int(limit)]
    yield from archive.db.query(sql, params)


def latest(archive: Archive, selection: Selection, limit: int = 20) -> list[dict[str, Any]]:
    """The ``limit`` most recently published articles of the selection, newest first: id,
    published_date, title, author, section and url."""
    keys = ("id", "published", "published_date", "title", "author", "section", "url")
    return [
        {key: row[key] for key in keys}
        for row in iter_articles(archive, selection, newest_first=True, limit=limit)
    ]


@dataclass(frozen=True)
class ExportReport:
    """What an export wrote: how many articles, in which format, where ('-' for stdout)."""

    articles: int
    format: str
    path: str


def check_output(output: Path, archive_path: Path, force: bool = False) -> None:
    """Refuse an output that would replace a file without ``force``, sits in a missing folder,
    is a folder, or is the archive itself (or its WAL files)."""
    if output.is_dir():
        raise ExportError(f"{output} is a folder: give a file name, such as {output}/articles.csv")
    if not output.parent.is_dir():
        raise ExportError(f"cannot write {output}: the folder {output.parent} does not exist")
    archive_files = {archive_path.resolve()} | {
        archive_path.resolve().with_name(archive_path.name + suffix)
        for suffix in ("-wal", "-shm", ".lock")
    }
    if output.resolve() in archive_files:
        raise ExportError(f"{output} is the archive itself: choose another output file")
    if output.exists() and not force:
        raise ExportError(f"{output} exists: pass --force to replace it")


def export(
    archive: Archive,
    selection: Selection,
    fmt: str,
    output: Path | None = None,
    stream: IO[str] | None = None,
    excel: bool = False,
    force: bool = False,
) -> ExportReport:
    """Write the selected articles in ``fmt`` ('csv', 'jsonl' or 'parquet') to the file
    ``output``, or to the text ``stream`` (csv and jsonl only) when ``output`` is None."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}: choose one of {', '.join(FORMATS)}")
    if excel and fmt != "csv":
        raise ExportError("--excel is for csv only (it adds the byte-order mark Excel needs)")
    if output is None and fmt == "parquet":
        raise ExportError("Parquet is binary: give a file with -o, such as -o articles.parquet")
    if output is not None:
        check_output(output, archive.path, force)
    if fmt == "parquet":
        with _replacing(output) as partial:  # type: ignore[arg-type]
            count = _write_parquet(archive, selection, partial)
        return ExportReport(count, fmt, str(output))
    write = _write_csv if fmt == "csv" else _write_jsonl
    if output is None:
        return ExportReport(write(archive, selection, stream, excel), fmt, "-")  # type: ignore[arg-type]
    with _replacing(output) as partial:
        with partial.open("w", encoding="utf-8", newline="") as handle:
            count = write(archive, selection, handle, excel)
    return ExportReport(count, fmt, str(output))


@contextmanager
def _replacing(output: Path) -> Iterator[Path]:
    """A temporary path beside ``output``, moved onto it when the block succeeds and removed
    when it fails."""
    try:
        handle, name = tempfile.mkstemp(prefix=f".{output.name}.", dir=output.parent)
    except OSError as error:
        raise ExportError(f"cannot write in {output.parent}: {error.strerror or error}") from None
    os.close(handle)
    partial = Path(name)
    mask = os.umask(0)  # mkstemp makes the file private; give it the usual permissions
    os.umask(mask)
    partial.chmod(0o666 & ~mask)
    try:
        yield partial
        os.replace(partial, output)
    except OSError as error:
        raise ExportError(f"cannot write {output}: {error.strerror or error}") from None
    finally:
        partial.unlink(missing_ok=True)


def _write_csv(archive: Archive, selection: Selection, handle: IO[str], excel: bool) -> int:
    if excel:
        handle.write("\ufeff")  # the byte-order mark: Excel then reads the file as UTF-8
    writer = csv.writer(handle, lineterminator="\r\n" if excel else "\n")
    count = 0
    columns: list[str] = []
    for row in iter_articles(archive, selection):
        if not columns:
            columns = list(row)
            writer.writerow(columns)
        writer.writerow(row[name] for name in columns)
        count += 1
    if not columns:  # nothing selected: still a header, so tools see the columns
        writer.writerow(_article_columns(archive))
    return count


def _write_jsonl(
    archive: Archive, selection: Selection, handle: IO[str], excel: bool = False, media: bool = True
) -> int:
    """One JSON object a line: the article's columns, and (``media``) its current images and
    attachments."""
    count = 0
    for row in iter_articles(archive, selection):
        if media:
            row["images"] = reading.images_of(archive.db, row["id"])
            row["attachments"] = reading.attachments_of(archive.db, row["id"])
        handle.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
        count += 1
    return count


def _write_parquet(archive: Archive, selection: Selection, path: Path) -> int:
    import duckdb

    types = _article_column_types(archive)
    rows = (row for row in iter_articles(archive, selection))
    try:
        return release.write_parquet_rows(rows, types, path, path.with_name(path.name + ".jsonl"))
    except duckdb.Error as error:
        raise ExportError(f"DuckDB could not write Parquet: {error}".splitlines()[0]) from None


def _article_columns(archive: Archive) -> list[str]:
    return list(_article_column_types(archive))


def _article_column_types(archive: Archive) -> dict[str, str]:
    """Column name -> DuckDB type, in the order ``SELECT *`` gives (generated columns too)."""
    return release.parquet_types(archive.db.conn, "articles")
