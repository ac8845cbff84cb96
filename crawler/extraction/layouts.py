"""The known page layouts of the portal, one small class each.

A layout names its selectors as class attributes (lxml's ``CSSSelector``, compiled once with
the class) and says how it recognizes itself (``MARKER_CLASSES``: class names only it uses).
Field methods are short and typed; the shared work (reading blocks, captions, bylines,
attachments, normalization) is done by ``crawler.extraction.assemble`` and ``crawler.text``.
A layout change on the portal becomes a new class that overrides only what changed, chosen by
its own markers; old classes and their fixtures stay.

The markup of the live portal has not been seen from here: these selectors follow PORTAL.md's
leads and the bundled sample portal. ``tinlanhdao extract`` on a saved live page shows at once
which layout matched (the ``layout`` field), or that the fallback did the work.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

import lxml.etree
from lxml.cssselect import CSSSelector

from crawler import text as textnorm
from crawler.article import Article, Attachment
from crawler.extraction.assemble import assemble
from crawler.extraction.blocks import Block, BlockReader, prune_boilerplate
from crawler.extraction.document import Element, absolute_url, text_content
from crawler.extraction.errors import NotAnArticle

_TTS_AUTHOR = re.compile(r"Theo tác giả\s*:\s*(?P<name>[^.]{2,80})\.?\s*$")


class PageLayout:
    """Base class: a page layout with selectors; subclasses set the class attributes."""

    name = "base"
    # What this layout extracts, declared: bump it when its output changes (extractor_version).
    version = ""
    MARKER_CLASSES: frozenset[str] = frozenset()  # the page has an element with one of these
    ARTICLE: CSSSelector | None = None  # the article block; other selectors search inside it
    TITLE: CSSSelector | None = None
    DATE: CSSSelector | None = None
    SECTION: CSSSelector | None = None
    LEAD: CSSSelector | None = None
    CONTENT: CSSSelector | None = None
    AUTHOR: CSSSelector | None = None
    ATTACHMENT_BOX: CSSSelector | None = None  # the links (a[href]) inside are attachments
    PORTAL_ID: CSSSelector | None = None
    PORTAL_ID_ATTRIBUTE: str = ""  # an attribute of the ARTICLE element holding the CMS id
    TEXT_TO_SPEECH: CSSSelector | None = None  # reader widget text, which names the author

    def __init__(self, root: Element, url: str) -> None:
        self.root = root
        self.url = url
        self.scope: Element = root
        found = self.select(self.ARTICLE)
        self.scope = found[0] if found else root

    def select(self, selector: CSSSelector | None) -> list[Element]:
        """The elements in the scope (itself included) matching ``selector``, in page order."""
        return selector(self.scope) if selector is not None else []

    @classmethod
    def matches(cls, classes: frozenset[str]) -> bool:
        """True when the page, whose class names are ``classes`` (``document.class_names``),
        carries one of this layout's markers."""
        return bool(classes & cls.MARKER_CLASSES)

    # --- fields ---
    def _first_text(self, selector: CSSSelector | None) -> str:
        for element in self.select(selector):
            text = textnorm.clean_inline(text_content(element))
            if text:
                return text
        return ""

    def title(self) -> str:
        return self._first_text(self.TITLE)

    def published(self) -> str:
        for element in self.select(self.DATE):
            for candidate in (element.get("datetime"), text_content(element)):
                parsed = textnorm.parse_vietnamese_date(candidate)
                if parsed:
                    return parsed
        return ""

    def section(self) -> str:
        return self._first_text(self.SECTION)

    def lead(self) -> str:
        return self._first_text(self.LEAD)

    def portal_id(self) -> str:
        if self.PORTAL_ID_ATTRIBUTE and self.scope.get(self.PORTAL_ID_ATTRIBUTE):
            return textnorm.clean_inline(self.scope.get(self.PORTAL_ID_ATTRIBUTE))
        return self._first_text(self.PORTAL_ID)

    def author(self) -> str:
        """An author named outside the body (an author element or the reader widget)."""
        named = self._first_text(self.AUTHOR)
        if named:
            return textnorm.parse_labelled_byline(named) or named
        spoken = self._first_text(self.TEXT_TO_SPEECH)
        match = _TTS_AUTHOR.search(spoken)
        return textnorm.clean_inline(match.group("name")) if match else ""

    def content(self) -> Element | None:
        found = self.select(self.CONTENT)
        return found[0] if found else None

    def attachments(self) -> list[Attachment]:
        """Attachments listed outside the body (an attachment box)."""
        links: dict[Element, None] = {}  # in page order, each once (boxes may nest)
        for box in self.select(self.ATTACHMENT_BOX):
            links.update(dict.fromkeys(box.iterdescendants("a")))
        result = []
        for link in links:  # (a link without an href gets no URL)
            url = absolute_url(self.url, link.get("href"))
            if url:
                title = textnorm.clean_inline(text_content(link))
                result.append(Attachment(url=url, title=title or url.rsplit("/", 1)[-1]))
        return result

    def prune(self, container: Element) -> None:
        """Remove the boilerplate inside the content container."""
        prune_boilerplate(container)

    def blocks(self, container: Element) -> list[Block]:
        """The container's blocks, in page order, that ``assemble`` turns into the article."""
        return BlockReader(self.url).read(container)

    # --- the whole article ---
    def extract(self) -> Article:
        """Extract the article; raises NotAnArticle when there is no title or no body."""
        title = self.title()
        if not title:
            raise NotAnArticle("no_title", self.url)
        container = self.content()
        if container is None:
            raise NotAnArticle("no_content", self.url)
        if is_listing(container):
            raise NotAnArticle("listing", self.url)
        self.prune(container)
        if self.url.startswith(("http://", "https://")):
            _absolutize_links(container, self.url)
        lead = self.lead()
        parts = assemble(self.blocks(container), lead=lead, title=title)
        if not parts.paragraphs:
            raise NotAnArticle("no_body", self.url)
        attachments = parts.attachments + [
            a for a in self.attachments() if a.url not in {p.url for p in parts.attachments}
        ]
        body = textnorm.join_paragraphs(parts.paragraphs)
        return Article(
            url=self.url,
            title=title,
            body=body,
            published=self.published(),
            portal_id=self.portal_id() or parts.cms_id,
            section=self.section(),
            author=parts.author or self.author(),
            lead=lead,
            body_html=parts.body_html,
            images=parts.images,
            attachments=attachments,
            word_count=textnorm.word_count(" ".join([title, lead, body])),
            fetched_at=datetime.now(timezone.utc).isoformat(timespec="seconds")[:19] + "Z",
            layout=self.name,
        )


_TEASER_LINKS = lxml.etree.XPath(
    "descendant-or-self::*[self::h2 or self::h3 or self::h4 or self::h5][.//a[@href]]"
)
_TEASERS_MIN = 3  # a listing shows at least this many headlines with their links...
_TEASER_SHARE = 0.6  # ...and their items hold this share of the text around the body;
_LONE_TEASER_SHARE = 0.85  # a listing of one or two teasers: they hold nearly all of it
_PARAGRAPHS = lxml.etree.XPath(".//p")


def is_listing(container: Element) -> bool:
    """True when the content container (with its parent) is a list of article teasers: many
    linked headlines, each in an item with its summary, and little text outside them."""
    around = container.getparent() if container.getparent() is not None else container
    headings = _TEASER_LINKS(around)
    if not headings:
        return False
    items = {heading.getparent() for heading in headings if heading.getparent() is not None}
    if len(items) < min(len(headings), _TEASERS_MIN):  # (headings side by side: a link list)
        items = set(headings)
    share = _TEASER_SHARE
    if len(headings) < _TEASERS_MIN:  # a lone teaser is its headline and at most a summary
        items = {item for item in items if len(_PARAGRAPHS(item)) <= 1}
        share = _LONE_TEASER_SHARE
    in_items = sum(len(text_content(item).strip()) for item in items if item is not around)
    return in_items >= share * len(text_content(around).strip())


_LINKS_AND_IMAGES = lxml.etree.XPath(".//a[@href] | .//img[@src]")


def _absolutize_links(container: Element, base: str) -> None:
    """Make the links and image sources inside ``container`` absolute (for ``body_html``)."""
    for element in _LINKS_AND_IMAGES(container):
        attribute = "href" if element.tag == "a" else "src"
        resolved = absolute_url(base, element.get(attribute))
        if resolved:
            element.set(attribute, resolved)


class CanThoCurrentLayout(PageLayout):
    """The current site, www.cantho.gov.vn (class names from a public scraper of it)."""

    name = "cantho-current"
    version = "1"
    MARKER_CLASSES = frozenset({"ArticleDetail", "ArticleContent", "PostContent"})
    ARTICLE = CSSSelector("div.ArticleDetail, div.PostDetail")
    TITLE = CSSSelector(".ArticleHeader, .PostTitle, h1")
    DATE = CSSSelector(".ArticleDate, .PostDate")
    SECTION = CSSSelector(".PostCategory, .ArticleCategory")
    LEAD = CSSSelector(".ArticleSapo, .ArticleLead, .PostSapo")
    CONTENT = CSSSelector(".ArticleContent, .PostContent")
    AUTHOR = CSSSelector(".ArticleAuthor, .PostAuthor")
    ATTACHMENT_BOX = CSSSelector(".ArticleAttachments")
    PORTAL_ID_ATTRIBUTE = "data-article-id"
    TEXT_TO_SPEECH = CSSSelector(".TextToSpeech")


class WebSphereLayout(PageLayout):
    """The WebSphere Portal era site (now old.cantho.gov.vn): a WCM content portlet."""

    name = "cantho-websphere"
    version = "1"
    MARKER_CLASSES = frozenset({"wcm-chitiet", "wcm-noidung"})
    ARTICLE = CSSSelector("div.wcm-chitiet")
    TITLE = CSSSelector(".wcm-tieude")
    DATE = CSSSelector(".wcm-ngaydang")
    SECTION = CSSSelector(".wcm-chuyenmuc")
    CONTENT = CSSSelector(".wcm-noidung")
    PORTAL_ID = CSSSelector(".wcm-id")
    TEXT_TO_SPEECH = CSSSelector(".wcm-docbai")

