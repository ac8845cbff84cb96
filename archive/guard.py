"""Refuse what is not ours: the checks every writing command makes before it touches a file.

A command that writes first asks what the file at its path is (``what_is``):

- ``missing`` or ``empty`` (0 bytes, or a SQLite file without a single table): a new archive
  may be made there, when the command means to make one (a crawl);
- ``archive``: a tinlanhdao archive (its ``migrations``, ``articles`` and ``crawl_runs``
  tables);
- ``foreign``: any other SQLite database, or a file that is not SQLite at all.

Looking never writes, and only SQLite reads the file (see ``what_is``): through a connection
with ``immutable=1`` (no lock, no ``-shm`` or ``-wal`` made beside it), or ``mode=ro`` when a
live ``-wal`` file says the last writes are still in it.

Output paths are checked the same way: the folder an output goes into must exist (it is never
created on the user's behalf), and an existing file is replaced only if we wrote it. Each
failed check raises ``NotOurs`` (an ``ArchiveError``) with a one-line message.
"""

from __future__ import annotations

import json
import os
import sqlite3
import zipfile
from contextlib import closing
from pathlib import Path
from typing import Literal

from archive.errors import ArchiveError, ArchiveNotFound

# The tables that make a SQLite file a tinlanhdao archive (every schema version has them).
ARCHIVE_TABLES = frozenset({"migrations", "articles", "crawl_runs"})
SOFTWARE = "tinlanhdao"

Kind = Literal["missing", "empty", "archive", "foreign"]


class NotOurs(ArchiveError):
    """A path a command must not write to: not our archive, a missing folder, another's file."""


def read_only_connection(path: str | Path) -> sqlite3.Connection:
    """A connection to the SQLite file at ``path`` that writes nothing, not even a -wal or
    -shm file beside it: ``immutable=1``, or ``mode=ro`` when a live -wal file holds the last
    writes (a crawl running, or one that died). Rows come back as ``sqlite3.Row``."""
    path = Path(path)
    wal = path.with_name(path.name + "-wal")
    live_wal = wal.is_file() and wal.stat().st_size > 0
    mode = "mode=ro" if live_wal else "immutable=1"
    connection = sqlite3.connect(f"{path.resolve().as_uri()}?{mode}", uri=True)
    connection.row_factory = sqlite3.Row
    return connection


def what_is(path: str | Path) -> tuple[Kind, str]:
    """What the file at ``path`` is, and a few words on why (for messages)."""
    path = Path(path)
    if not path.exists():
        return "missing", "no such file"
    if not path.is_file():
        return "foreign", "not a regular file"
    if path.stat().st_size == 0:
        return "empty", "an empty file"
    if not os.access(path, os.R_OK):
        return "foreign", "a file this user may not read"
    # Only SQLite opens the file: closing a descriptor of our own on it would drop the SQLite
    # locks this process holds (POSIX locks are per process), and then another process could
    # take the WAL for abandoned and delete it under a writer of ours, losing its commits.
    try:
        with closing(read_only_connection(path)) as connection:
            rows = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            tables = {row["name"] for row in rows}
    except sqlite3.DatabaseError as error:
        if "not a database" in str(error):  # SQLITE_NOTADB: the header is not SQLite's
            return "foreign", "not a SQLite database"
        return "foreign", f"an unreadable SQLite file ({error})"
    if not tables:
        return "empty", "a SQLite database without tables"
    if ARCHIVE_TABLES <= tables:
        return "archive", "a tinlanhdao archive"
    return "foreign", f"a SQLite database with other tables ({', '.join(sorted(tables)[:5])})"


def require_archive(path: str | Path) -> Path:
    """Check that ``path`` is an existing tinlanhdao archive (for commands that change one)."""
    path = Path(path)
    kind, why = what_is(path)
    if kind == "missing":
        raise ArchiveNotFound(str(path))
    if kind == "empty":
        raise NotOurs(f"{path} is {why}, not a tinlanhdao archive: refusing to write to it.")
    if kind == "foreign":
        raise NotOurs(f"{path} is {why}, not a tinlanhdao archive: refusing to touch it.")
    return path


def require_archive_or_new(path: str | Path) -> Path:
    """Check that ``path`` is an archive, or a place a new one may be made (for the crawl):
    no file yet, an empty file or a SQLite file without tables. (Whether a missing folder is
    made is the caller's choice: the crawl makes its default ``data/``.)"""
    return Path(path) if what_is(path)[0] in ("missing", "empty") else require_archive(path)


def require_folder(path: str | Path) -> Path:
    """Check that the folder ``path`` is to be written in exists; it is never made for you."""
    path = Path(path)
    folder = path.parent
    if not folder.is_dir():
        raise NotOurs(f"The folder {folder} does not exist: create it first, then run again.")
    return path


def is_our_wacz(path: str | Path) -> bool:
    """Whether ``path`` is a WACZ package that tinlanhdao wrote (its datapackage says so)."""
    try:
        with zipfile.ZipFile(path) as package:
            info = json.loads(package.read("datapackage.json"))
    except (OSError, KeyError, ValueError, zipfile.BadZipFile):
        return False
    return isinstance(info, dict) and str(info.get("software", "")).startswith(SOFTWARE)


def require_wacz_target(path: str | Path) -> Path:
    """Check that a WACZ may be written at ``path``: its folder exists, and a file already
    there is a WACZ we wrote (replaced whole); anything else there is refused."""
    path = require_folder(path)
    if path.exists() and not (path.is_file() and is_our_wacz(path)):
        raise NotOurs(f"{path} exists and is not a WACZ tinlanhdao wrote: refusing to replace it.")
    return path


def require_empty_folder(path: str | Path) -> Path:
    """Check that ``path`` is an empty folder, or a new one whose parent exists (the one
    folder a command such as ``release DIR`` makes itself)."""
    path = Path(path)
    if path.exists():
        if not path.is_dir():
            raise NotOurs(f"{path} exists and is not a folder: refusing to write there.")
        if any(path.iterdir()):
            raise NotOurs(f"{path} is not empty: give a new or empty folder.")
        return path
    require_folder(path)
    return path
