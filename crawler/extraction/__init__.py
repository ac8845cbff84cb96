"""Page layouts and extraction: HTML + URL in, an Article out. No Scrapy engine, no database.

``extract_page`` is the one entry point used by the spider, ``tinlanhdao extract``, reprocessing
and the tests. Known layouts are tried first, in ``LAYOUTS`` order, each choosing itself by
markers in the page; when none matches, or the matching one finds no article, the fallback reads
the page without relying on its markup. The ``layout`` field of the result says which one worked.
"""

from __future__ import annotations

import logging

from crawler.article import Article, Attachment, Image
from crawler.extraction.document import canonical_url, decode_html, parse_html, strip_never_content
from crawler.extraction.errors import NotAnArticle
from crawler.extraction.fallback import GenericNewsLayout
from crawler.extraction.layouts import CanThoCurrentLayout, PageLayout, WebSphereLayout
from crawler.extraction.selectors import ElementIndex

__all__ = ["Article", "Attachment", "Image", "NotAnArticle", "LAYOUTS", "extract_page"]

# Known layouts, most specific first. Add a new layout class here when the portal changes.
LAYOUTS: tuple[type[PageLayout], ...] = (CanThoCurrentLayout, WebSphereLayout)
FALLBACK: type[PageLayout] = GenericNewsLayout

logger = logging.getLogger(__name__)


def extract_page(
    body: bytes | str, url: str = "", encoding: str | None = None, content_type: str | None = None
) -> Article:
    """Extract the article of one page.

    ``body`` is the page as fetched (bytes, decoded with ``content_type``'s or ``encoding``'s
    charset, else the page's own declaration) or already-decoded text. ``url`` is where it came
    from; empty for a saved file, in which case the page's canonical link is used.
    Returns an Article; raises NotAnArticle (with a ``reason``) for anything else, including
    input that is not HTML at all. It raises nothing else.
    """
    if encoding and not content_type:
        content_type = f"text/html; charset={encoding}"
    try:
        root = parse_html(decode_html(body, content_type))
        page_url = canonical_url(root, url)  # before <link> goes with the never-content
        strip_never_content(root)
        failure: NotAnArticle | None = None
        page = ElementIndex(root)  # the page's elements by class, for every layout's selectors
        for layout in LAYOUTS:
            if layout.matches(page.words):
                try:
                    return layout(root, page_url, page).extract()
                except NotAnArticle as error:
                    failure = error
                    logger.info("layout %s matched %s but found %s", layout.name, url, error.reason)
                    break
        try:
            return FALLBACK(root, page_url, page).extract()
        except NotAnArticle:
            if failure is not None:
                raise failure from None
            raise
    except NotAnArticle:
        raise
    except (ValueError, LookupError, RecursionError, MemoryError, TypeError) as error:
        raise NotAnArticle(f"unparseable: {type(error).__name__}", url) from error
