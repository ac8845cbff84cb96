"""Page layouts and extraction: HTML + URL in, an Article out. No Scrapy engine, no database.

``extract_page`` is the one entry point used by the spider, ``tinlanhdao extract``, reprocessing
and the tests. Known layouts are tried first, in ``LAYOUTS`` order, each choosing itself by
markers in the page; when none matches, or the matching one finds no article, the fallback reads
the page without relying on its markup. The ``layout`` field of the result says which one worked.

Only bytes that cannot be decoded or parsed become ``NotAnArticle`` here; any other exception
is a bug in the extraction code and propagates, so that it is seen and fixed rather than stored
as a quiet "not an article".

Extractor versions are declared, Fundus-style: each layout class states its own ``version``,
bumped by hand in the commit that changes what it extracts (the fixture test and
``scripts/refresh_fixtures.py`` show which layouts' output changed), and an article records
``extractor_version(layout)``: ``0.1.0+cantho-current.1``. Editing a comment, renaming a
variable or speeding up a loop is not a new extractor. A change to the code every layout shares
(``assemble``, ``blocks``, ``crawler.text``) that changes output raises the package version or
the versions of the layouts whose output it changes.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata

from crawler.article import Article, Attachment, Image
from crawler.extraction.document import (
    Element,
    canonical_url,
    class_names,
    decode_html,
    parse_html,
    strip_never_content,
)
from crawler.extraction.errors import NotAnArticle
from crawler.extraction.fallback import GenericNewsLayout
from crawler.extraction.layouts import CanThoCurrentLayout, PageLayout, WebSphereLayout

__all__ = ["Article", "Attachment", "Image", "NotAnArticle", "LAYOUTS", "extract_page"]

# Known layouts, most specific first. Add a new layout class here when the portal changes.
LAYOUTS: tuple[type[PageLayout], ...] = (CanThoCurrentLayout, WebSphereLayout)
FALLBACK: type[PageLayout] = GenericNewsLayout

logger = logging.getLogger(__name__)


def package_version() -> str:
    """The installed package version ('0' when running from an uninstalled tree)."""
    try:
        return metadata.version("tinlanhdao")
    except metadata.PackageNotFoundError:
        return "0"


def layout_versions() -> dict[str, str]:
    """The declared version of every layout the crawl uses, known layouts first, by name."""
    return {layout.name: layout.version for layout in (*LAYOUTS, FALLBACK)}


def extractor_version(layout: str = "") -> str:
    """The extractor that produced an article of ``layout`` (its ``layout`` field):
    ``<package version>+<layout name>.<layout version>``.

    Without a layout, the whole extractor: every layout's name and version, comma-separated
    (``0.1.0+cantho-current.1,cantho-websphere.1,fallback.1``). A layout this version of the
    code does not know (an article from a layout since removed) gets ``<name>.unknown``.
    """
    versions = layout_versions()
    if layout:
        return f"{package_version()}+{layout}.{versions.get(layout, 'unknown')}"
    return f"{package_version()}+" + ",".join(f"{n}.{v}" for n, v in versions.items())


@dataclass
class ParsedPage:
    """A page ready for the layouts: its tree (never-content removed), URL and class names."""

    root: Element
    url: str
    classes: frozenset[str]


def parse_page(
    body: bytes | str, url: str = "", encoding: str | None = None, content_type: str | None = None
) -> ParsedPage:
    """Decode and parse a page; raises NotAnArticle for bytes that do not decode or parse.

    ``body`` is the page as fetched (bytes, decoded with ``content_type``'s or ``encoding``'s
    charset, else the page's own declaration) or already-decoded text.
    """
    if encoding and not content_type:
        content_type = f"text/html; charset={encoding}"
    try:
        text = decode_html(body, content_type)
    except (UnicodeError, LookupError) as error:  # a codec that fails or does not exist
        raise NotAnArticle(f"undecodable: {type(error).__name__}", url) from error
    root = parse_html(text)  # NotAnArticle for what libxml2 cannot parse
    page_url = canonical_url(root, url)  # before <link> goes with the never-content
    strip_never_content(root)
    return ParsedPage(root, page_url, class_names(root))


def extract_page(
    body: bytes | str,
    url: str = "",
    encoding: str | None = None,
    content_type: str | None = None,
    layouts: Sequence[type[PageLayout]] = LAYOUTS,
) -> Article:
    """Extract the article of one page.

    ``body``, ``encoding`` and ``content_type`` as for ``parse_page``. ``url`` is where it came
    from; empty for a saved file, in which case the page's canonical link is used. ``layouts``:
    the known layouts to try before the fallback (the crawl's ``LAYOUTS`` unless given).
    Returns an Article; raises NotAnArticle (with a ``reason``) for anything else, including
    input that is not HTML at all. Any other exception is a bug.
    """
    page = parse_page(body, url, encoding, content_type)
    failure: NotAnArticle | None = None
    for layout in layouts:
        if layout.matches(page.classes):
            try:
                return layout(page.root, page.url).extract()
            except NotAnArticle as error:
                failure = error
                logger.info("layout %s matched %s but found %s", layout.name, url, error.reason)
                break
    try:
        return FALLBACK(page.root, page.url).extract()
    except NotAnArticle:
        if failure is not None:
            raise failure from None
        raise
