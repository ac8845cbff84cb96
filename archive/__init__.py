"""The archive: SQLite storage with revisions, Vietnamese full-text search, the researchers'
command line.

Library first: ``Archive`` (archive.store) opens an archive and stores articles; the runs, the
failures, the lookups and the statistics are functions of ``archive.runs``, ``archive.storing``
and ``archive.reading``, called with ``archive.db``; ``archive.search`` parses
queries and builds snippets, with its own folding (``archive.folding``); ``archive.schema``
describes the tables and ``archive.migrations`` builds them; ``archive.web`` builds the
Datasette app and metadata; ``archive.cli`` is the thin ``tinlanhdao`` command line over all of
it.

The archive never imports the spider or Scrapy, and ``import archive`` loads no extraction code:
of the crawler it imports only the Article record and text normalization
(scripts/check_imports.py checks it).
"""

from __future__ import annotations

import os
from pathlib import Path

from archive.errors import (
    ArchiveEmpty,
    ArchiveError,
    ArchiveNotFound,
    ArchiveOutdated,
    ArchiveUnsupported,
    ArticleNotFound,
    InvalidArticle,
    QueryError,
)
from archive.store import Archive

DEFAULT_ARCHIVE_PATH = "data/tinlanhdao.db"
ARCHIVE_ENV_VAR = "TINLANHDAO_ARCHIVE"


def default_archive_path() -> Path:
    """Where the crawl writes: $TINLANHDAO_ARCHIVE if set, else data/tinlanhdao.db (relative to
    the current directory). The Scrapy setting ARCHIVE_PATH follows the same rule."""
    return Path(os.environ.get(ARCHIVE_ENV_VAR) or DEFAULT_ARCHIVE_PATH)


__all__ = [
    "Archive",
    "ArchiveEmpty",
    "ArchiveError",
    "ArchiveNotFound",
    "ArchiveOutdated",
    "ArchiveUnsupported",
    "ArticleNotFound",
    "InvalidArticle",
    "QueryError",
    "default_archive_path",
]
