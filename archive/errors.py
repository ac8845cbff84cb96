"""The archive's named exceptions. The command line turns each into a one-line message."""

from __future__ import annotations

HOW_TO_CREATE = (
    "Create it by crawling: `scrapy crawl tinlanhdao` (the README's first command), "
    "or point --db / TINLANHDAO_ARCHIVE at an existing archive."
)


class ArchiveError(Exception):
    """Base class for every error the archive raises on purpose."""


class ArchiveNotFound(ArchiveError):
    """There is no archive file at the given path."""

    def __init__(self, path: str) -> None:
        super().__init__(f"No archive at {path}. {HOW_TO_CREATE}")
        self.path = path


class ArchiveEmpty(ArchiveError):
    """The archive file exists but holds no articles (or no archive tables at all)."""

    def __init__(self, path: str) -> None:
        super().__init__(f"The archive at {path} holds no articles yet. {HOW_TO_CREATE}")
        self.path = path


class ArchiveOutdated(ArchiveError):
    """The archive was written by an older version and must be migrated before reading."""

    def __init__(self, path: str, pending: list[str]) -> None:
        super().__init__(
            f"The archive at {path} needs {len(pending)} schema migration(s) "
            f"({', '.join(pending)}). Run `tinlanhdao migrate --db {path}` or any crawl."
        )
        self.path = path
        self.pending = pending


class ArchiveUnsupported(ArchiveError):
    """The archive records migrations this version does not know: it was made by a newer
    version, or by a development version from before the schema was frozen (``squashed``).
    It is left untouched."""

    def __init__(self, path: str, unknown: list[str], squashed: tuple[str, ...] = ()) -> None:
        if set(unknown) <= set(squashed):
            why = (
                "was made by a development version of tinlanhdao, before its schema was frozen "
                "into m001_base, and cannot be read or upgraded by this one. Crawl again into a "
                "new archive (move this file aside, or point --db / TINLANHDAO_ARCHIVE at a new "
                "path); this file is left as it is"
            )
        else:
            why = (
                f"has migrations this version does not know ({', '.join(unknown)}): it was made "
                "by a newer version of tinlanhdao. Upgrade tinlanhdao to read it"
            )
        super().__init__(f"The archive at {path} {why}.")
        self.path = path
        self.unknown = unknown


class ArticleNotFound(ArchiveError):
    """No article has the requested id or URL."""

    def __init__(self, key: str | int) -> None:
        super().__init__(f"No article with id or URL {key!r} in the archive.")
        self.key = key


class InvalidArticle(ArchiveError):
    """An article lacks what the archive needs to store it (url, title, body)."""


class QueryError(ArchiveError):
    """A search query the archive cannot run (no words to search for, or too many)."""
