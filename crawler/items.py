"""Items the spider yields: an Article (see crawler.extraction.article) or a PageFailure."""

from __future__ import annotations

from dataclasses import dataclass

from crawler.extraction.article import Article, Attachment, Image

__all__ = ["Article", "Attachment", "Image", "PageFailure"]


@dataclass
class PageFailure:
    """A page that yielded no article: a failed request or a page that is not an article."""

    url: str
    reason: str  # short machine-readable reason, e.g. "http_404", "timeout", "no_body"
    http_status: int | None = None
    detail: str = ""
    fetched_at: str = ""  # UTC, ISO 8601 with "Z"
