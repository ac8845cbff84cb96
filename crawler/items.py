"""Items the spider yields: an Article (see crawler.article), a PageFailure, or a
RemovedArticle."""

from __future__ import annotations

from dataclasses import dataclass

from crawler.article import Article, Attachment, Image

__all__ = ["Article", "Attachment", "Image", "PageFailure", "RemovedArticle"]


@dataclass
class PageFailure:
    """A page that yielded no article: a failed request or a page that is not an article."""

    url: str
    reason: str  # short machine-readable reason, e.g. "http_404", "timeout", "no_body"
    http_status: int | None = None
    detail: str = ""
    fetched_at: str = ""  # UTC, ISO 8601 with "Z"


@dataclass
class RemovedArticle:
    """An archived article that is gone: it answers 404/410 or redirects out of the section."""

    url: str
    http_status: int | None
    reason: str  # "http_404", "http_410" or "redirected_out:<final url>"
    fetched_at: str = ""  # UTC, ISO 8601 with "Z"
