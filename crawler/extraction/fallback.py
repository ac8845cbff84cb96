"""The fallback layout: finds a news article on a page whose markup no known layout describes.

It relies on what news pages share rather than on class names: the title is the heading that
agrees with the page's ``<title>`` or ``og:title``; the body is the element holding the most
paragraph text with the fewest links, outside navigation and other chrome; the date comes from
article metadata, a ``<time>`` element, a date-like element, or the first date after the title.
It was written for the portal's future markup and checked on pages shaped like other Vietnamese
government portals (tests/fixtures/other_portals).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator

import lxml.etree

from crawler import text as textnorm
from crawler.extraction.blocks import (
    BOILERPLATE_TAGS,
    class_words,
    is_boilerplate_element,
    words_of_class_and_id,
)
from crawler.extraction.document import Element, text_content, within
from crawler.extraction.layouts import PageLayout
from crawler.extraction.selectors import ElementIndex, Selector

_TITLE_WORDS = {"title", "tieude", "headline", "heading", "newstitle", "articletitle", "posttitle"}
_DATE_WORDS = {"date", "time", "ngay", "ngaydang", "publish", "published", "postdate", "datetime",
               "pubdate", "created", "thoigian"}
_AUTHOR_WORDS = {"author", "tacgia", "byline", "writer", "butdanh"}
_SECTION_WORDS = {"cat", "category", "newscat", "chuyenmuc", "danhmuc", "postcategory",
                  "articlecategory"}
_LEAD_WORDS = {"summary", "sapo", "lead", "tomtat", "excerpt", "newssummary", "intro",
               "description", "chapeau"}
# Where metadata gives the publication date, most trusted first: <meta> elements (by the
# attribute that names them), then elements marked datePublished, then <time> elements.
_META_DATES = (
    ("property", ("article:published_time",)),
    ("itemprop", ("datePublished",)),
    ("name", ("pubdate", "publishdate", "date", "dc.date")),
)
_ITEMPROPS = lxml.etree.XPath("//@itemprop")  # (strings that know their element)
_PARAGRAPH_MIN_CHARS = 30
_INLINE_TAGS = frozenset(("br", "a", "b", "strong", "i", "em", "span", "font", "u"))
# Every class and id attribute, in page order: strings that know their element (cheaper than
# reading the attributes of every element). An element's attributes come one after the other.
_CLASS_AND_ID_ATTRIBUTES = lxml.etree.XPath(
    "descendant-or-self::*/@class | descendant-or-self::*/@id"
)


def _in_chrome(element: Element, known: dict[Element, bool] | None = None) -> bool:
    """True when the element sits inside navigation, a sidebar, a footer or other chrome.

    ``known`` remembers, for elements already looked at, whether they are chrome or inside it:
    pass the same dict for many elements of a tree that only loses subtrees in between (as in
    pruning), and each ancestor is looked at once.
    """
    known = {} if known is None else known
    path = []  # ancestors looked at: none of them is chrome itself
    answer = False
    ancestor = element.getparent()
    while ancestor is not None:
        if ancestor in known:
            answer = known[ancestor]
            break
        if ancestor.tag in BOILERPLATE_TAGS or is_boilerplate_element(ancestor):
            answer = known[ancestor] = True
            break
        path.append(ancestor)
        ancestor = ancestor.getparent()
    known.update(dict.fromkeys(path, answer))
    return answer


class GenericNewsLayout(PageLayout):
    """Layout-independent extraction of a news article page."""

    name = "fallback"
    version = "1"  # bump when what the fallback extracts changes (crawler/version.py)
    _HEADINGS = Selector("h1, h2, h3, .title, .tieude, .news-title, .article-title")

    def __init__(self, root: Element, url: str, page: ElementIndex | None = None) -> None:
        super().__init__(root, url, page)
        self._chrome: dict[Element, bool] = {}  # (see _in_chrome)
        self._marked = _elements_with_class_words(root)
        self._title_element: Element | None = None
        self._content: Element | None = None

    @functools.cached_property
    def _meta_attributes(self) -> list[dict[str, str]]:
        """The attributes of each <meta> element of the page, in page order."""
        return [dict(meta.items()) for meta in self.root.iter("meta")]

    def _meta(self, *names: str) -> str:
        """The content of the first <meta> whose property or name is one of ``names`` (in that
        order of preference), if it has text."""
        metas = self._meta_attributes
        for name in names:
            found = [m["content"] for m in metas
                     if name in (m.get("property"), m.get("name")) and "content" in m]
            if found and textnorm.clean_inline(found[0]):
                return textnorm.clean_inline(found[0])
        return ""

    def title(self) -> str:
        meta_title = self._meta("og:title", "twitter:title")
        page_title = textnorm.clean_inline(self.root.findtext(".//title") or "")
        headings = []
        for element in self.select(self._HEADINGS):
            text = textnorm.clean_inline(text_content(element))
            if len(text) >= 15 and not _in_chrome(element, self._chrome):
                headings.append((element, text))
        for reference in (meta_title, page_title):
            for element, text in headings:
                if reference and (text in reference or reference in text):
                    self._title_element = element
                    return text
        for element, text in headings:
            if element.tag == "h1" or class_words(element) & _TITLE_WORDS:
                self._title_element = element
                return text
        if meta_title:
            return meta_title
        parts = [p.strip() for p in page_title.replace(" | ", " - ").split(" - ")]
        return max(parts, key=len) if parts and parts[0] else ""

    def published(self) -> str:
        for value in self._metadata_dates():
            parsed = textnorm.parse_vietnamese_date(value)
            if parsed:
                return self._prefer_text_time(parsed)
        return self._date_from_text()

    def _metadata_dates(self) -> Iterator[str]:
        """The dates the page's metadata gives, in the order of ``_META_DATES``."""
        metas = self._meta_attributes
        for attribute, values in _META_DATES:
            for meta in metas:
                if meta.get(attribute) in values and "content" in meta:
                    yield meta["content"]
        for itemprop in _ITEMPROPS(self.root):
            if itemprop == "datePublished" and itemprop.getparent().get("datetime") is not None:
                yield itemprop.getparent().get("datetime")
        for time in self.root.iter("time"):
            if time.get("datetime") is not None:
                yield time.get("datetime")

    def _prefer_text_time(self, parsed: str) -> str:
        """Metadata may give a bare date where the visible text gives the time too."""
        if "T" in parsed:
            return parsed
        from_text = self._date_from_text()
        return from_text if from_text.startswith(parsed) else parsed

    def _date_from_text(self) -> str:
        for element in self._marked_elements(_DATE_WORDS):
            if not _in_chrome(element, self._chrome):
                parsed = textnorm.parse_vietnamese_date(text_content(element)[:200])
                if parsed:
                    return parsed
        start = self._title_element
        if start is None:
            return ""
        seen = 0
        for element in start.itersiblings():
            for text in element.itertext():
                parsed = textnorm.parse_vietnamese_date(text[:200])
                if parsed:
                    return parsed
                seen += 1
                if seen > 30:
                    return ""
        return ""

    def author(self) -> str:
        for element in self._marked_elements(_AUTHOR_WORDS):
            text = textnorm.clean_inline(text_content(element))
            name = textnorm.parse_labelled_byline(text)
            if name:
                return name
            if textnorm.looks_like_name(text):
                return text
        return ""

    def _marked_text(self, words: set[str], min_chars: int, max_chars: int) -> str:
        """Text of the first element outside chrome whose class names one of ``words``."""
        for element in self._marked_elements(words):
            text = textnorm.clean_inline(text_content(element))
            if min_chars <= len(text) <= max_chars and not _in_chrome(element, self._chrome):
                return text
        return ""

    def _marked_elements(self, words: set[str]):
        """The elements (still in the page: not pruned) whose class or id names one of
        ``words``, in page order."""
        for element, element_words in self._marked:
            if element_words & words and within(element, self.root):
                yield element

    def section(self) -> str:
        return self._meta("article:section") or self._marked_text(_SECTION_WORDS, 3, 80)

    def lead(self) -> str:
        return self._marked_text(_LEAD_WORDS, 20, 600)

    def portal_id(self) -> str:
        return ""

    def content(self) -> Element | None:
        scores: dict[Element, float] = {}
        for element in self.root.iter("p", "div", "td", "font", "span", "section", "article"):
            text = _own_text(element)
            if len(text) < _PARAGRAPH_MIN_CHARS or _in_chrome(element, self._chrome):
                continue
            links = sum(len(text_content(a)) for a in element.iter("a"))
            score = min(len(text), 1000) * (1 - min(links / max(len(text), 1), 1))
            if element.tag != "p" and next(element.iterchildren("br"), None) is not None:
                scores[element] = scores.get(element, 0) + score  # <br> paragraphs live here
            parent = element.getparent()
            if parent is not None:
                scores[parent] = scores.get(parent, 0) + score
                grandparent = parent.getparent()
                if grandparent is not None:
                    scores[grandparent] = scores.get(grandparent, 0) + score / 2
        if not scores:
            return None
        return max(scores, key=scores.get)


def _elements_with_class_words(root: Element) -> list[tuple[Element, frozenset[str]]]:
    """Every element with a class or id attribute, in page order, with its ``class_words``."""
    marked = []
    element = css_class = css_id = None
    for value in _CLASS_AND_ID_ATTRIBUTES(root):
        if value.getparent() is not element:
            if element is not None:
                marked.append((element, words_of_class_and_id(css_class, css_id)))
            element, css_class, css_id = value.getparent(), None, None
        if value.attrname == "class":
            css_class = value
        else:
            css_id = value
    if element is not None:
        marked.append((element, words_of_class_and_id(css_class, css_id)))
    return marked


def _own_text(element: Element) -> str:
    """Text of a paragraph-like element: all text for <p>, only direct text for containers."""
    if element.tag == "p":
        return textnorm.clean_inline(text_content(element))
    pieces = [element.text or ""]
    for child in element:
        tag = child.tag
        if tag in _INLINE_TAGS:
            pieces.append(text_content(child) if tag != "br" else " ")
        pieces.append(child.tail or "")
    text = "".join(pieces)
    return "" if text.isspace() else textnorm.clean_inline(text)  # (most containers: only blanks)
