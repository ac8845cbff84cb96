"""One page, from the web or from a saved file, through the extractor: ``tinlanhdao extract``.

``extract_one`` fetches a URL politely (``crawler.fetch``) or reads a file, extracts the
article as the crawl would (``extract_page``) and, when asked, what every layout finds on the
page (``crawler.extraction.compare``). Every failure comes back as a kind and a one-line
message, never as an exception, so the command can print it and choose its exit status.
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass, field
from pathlib import Path

import crawler.extraction
from crawler.article import Article
from crawler.extraction.compare import compare_layouts, report_lines
from crawler.extraction.errors import NotAnArticle
from crawler.fetch import FetchError, fetch_page


@dataclass
class Outcome:
    """The article, or the kind of failure ("not_article", "unreachable", "robots",
    "not_html", "bug") and its message; ``report``: the layouts' comparison, as lines."""

    article: Article | None = None
    failure: str = ""
    error: str = ""
    report: list[str] = field(default_factory=list)


def is_url(page: str) -> bool:
    return page.startswith(("http://", "https://"))


def extract_one(page: str, url: str = "", compare: bool = False) -> Outcome:
    """Extract ``page``: a URL (fetched) or a file path (``url``: the file's URL, if known)."""
    content_type = None
    if is_url(page):
        try:
            fetched = fetch_page(page)
        except FetchError as error:
            return Outcome(failure=error.kind, error=str(error))
        body, url, content_type = fetched.body, fetched.url, fetched.content_type
    else:
        try:
            body = Path(page).read_bytes()
        except OSError as error:
            return Outcome(failure="not_article", error=f"cannot read: {error.strerror or error}")
    try:
        # A file is extracted as before (the call a test may replace); a fetched page with the
        # charset of its Content-Type.
        fetched_as = {"content_type": content_type} if content_type else {}
        article = crawler.extraction.extract_page(body, url, **fetched_as)
        report = []
        if compare:
            report = report_lines(compare_layouts(body, url, content_type=content_type),
                                  used=article.layout)
    except NotAnArticle as error:
        report = []
        if compare and not error.reason.startswith(("not_html", "empty_page", "undecodable")):
            report = report_lines(compare_layouts(body, url, content_type=content_type))
        return Outcome(failure="not_article", error=f"not an article: {error.reason}",
                       report=report)
    except Exception as error:  # a bug in extraction: one line, where it happened, no traceback
        where = traceback.extract_tb(error.__traceback__)[-1]
        return Outcome(failure="bug", error=f"extraction failed (a bug, please report it): "
                       f"{type(error).__name__}: {error} at {Path(where.filename).name}:"
                       f"{where.lineno}")
    return Outcome(article=article, report=report)
