"""Reading a section listing page: the article links on it and the links to other pages.

Like the article layouts, this knows markup, not navigation: it says which links look like
articles and which look like pagination, and the spider decides which of them to follow.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urldefrag

from lxml.cssselect import CSSSelector

from crawler import text as textnorm
from crawler.extraction.document import (
    Element,
    absolute_url,
    decode_html,
    parse_html,
    text_content,
)

# Known listing markup first (the current site, then the WebSphere era); all links as a fallback.
ARTICLE_LINK_SELECTORS = (
    CSSSelector(".ArticleList .ArticleHeader a[href], .ArticleList .PostTitle a[href]"),
    CSSSelector(".FeaturedArticle a[href], .ArticleHeader a[href], .PostTitle a[href]"),
    CSSSelector(".wcm-danhsach a[href], .news-list a[href]"),
    CSSSelector("h2 a[href], h3 a[href]"),
)
PAGINATION_SELECTOR = CSSSelector(
    ".Pagination a[href], .pagination a[href], .paging a[href], .PagerControl a[href], "
    "a[rel='next'], a.next"
)


@dataclass
class ListingPage:
    """The links of one listing page: article candidates (in page order) and pagination."""

    article_links: list[tuple[str, str]] = field(default_factory=list)  # (url, link text)
    page_links: list[str] = field(default_factory=list)
    all_links: list[str] = field(default_factory=list)


def read_listing(body: bytes | str, url: str, content_type: str | None = None) -> ListingPage:
    """Read the links of a listing page. Never raises for bad HTML: it returns no links."""
    listing = ListingPage()
    try:
        root = parse_html(decode_html(body, content_type))
    except Exception:  # noqa: BLE001 - a broken listing page simply has no links
        return listing
    listing.all_links = _links(root.xpath("//a[@href]"), url)
    for selector in ARTICLE_LINK_SELECTORS:
        found = selector(root)
        if found:
            listing.article_links = [
                (link, textnorm.clean_inline(text_content(a)))
                for a, link in zip(found, _links(found, url, keep_empty=True), strict=True)
                if link
            ]
            break
    listing.page_links = [link for link in _links(PAGINATION_SELECTOR(root), url) if link]
    return listing


def _links(anchors: list[Element], base: str, keep_empty: bool = False) -> list[str]:
    links = []
    for anchor in anchors:
        link = urldefrag(absolute_url(base, anchor.get("href")))[0]
        if link or keep_empty:
            links.append(link)
    return links
