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
from lxml.cssselect import CSSSelector

from crawler import text as textnorm
from crawler.extraction.assemble import is_caption
from crawler.extraction.blocks import (
    BOILERPLATE_TAGS,
    Block,
    class_words,
    is_boilerplate_element,
    prune_boilerplate,
    words_of_class_and_id,
)
from crawler.extraction.document import Element, text_content, within
from crawler.extraction.layouts import PageLayout

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
    version = "1"  # bump when what the fallback extracts changes (crawler/extraction/__init__.py)
    _HEADINGS = CSSSelector("h1, h2, h3, .title, .tieude, .news-title, .article-title")

    def __init__(self, root: Element, url: str) -> None:
        super().__init__(root, url)
        self._chrome: dict[Element, bool] = {}  # (see _in_chrome)
        self._marked = _elements_with_class_words(root)
        self._title_element: Element | None = None
        self._content: Element | None = None
        self._guide: MainText | None = None  # the main text, once content() has looked

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
        """The heading that agrees with the page's metadata (og:title, a headline, <title>);
        else the headline standing just before the body; else the metadata itself. Never a
        box's, portlet's, menu's or sidebar's heading; a site name leaves <title> only when
        the page names its site."""
        site = self._meta("og:site_name", "application-name")
        page_title = textnorm.clean_inline(self.root.findtext(".//title") or "")
        references = [r for r in (self._meta("og:title", "twitter:title"), self._headline(),
                                  _without_site_name(page_title, site)) if r and r != site]
        headings = []
        for element in self.select(self._HEADINGS):
            text = textnorm.clean_inline(text_content(element))
            if len(text) >= 15 and not _in_chrome(element, self._chrome) and not _in_box(element):
                headings.append((element, text))
        for reference in references:
            for element, text in headings:
                if text in reference or reference in text:
                    self._title_element = element
                    return text
        before = self._headline_before_content()
        if before is not None:
            self._title_element = before
            return textnorm.clean_inline(text_content(before))
        for element, text in headings:
            if element.tag == "h1" or class_words(element) & _TITLE_WORDS:
                self._title_element = element
                return text
        return references[0] if references else ""

    def _headline(self) -> str:
        """The headline that microdata names (itemprop="headline")."""
        for itemprop in _ITEMPROPS(self.root):
            if itemprop == "headline":
                return textnorm.clean_inline(text_content(itemprop.getparent()))
        return ""

    def _headline_before_content(self) -> Element | None:
        """The last short line of text before the body, outside chrome and boxes."""
        container = self.content()
        if container is None:
            return None
        found = None
        for element in self.root.iter():
            if element is container:
                break
            if not isinstance(element.tag, str) or element.tag in ("a", "title", "html"):
                continue
            text = _own_text(element) if element.tag != "p" else ""
            if not 15 <= len(text) <= 250 or textnorm.parse_vietnamese_date(text):
                continue
            if textnorm.is_boilerplate(text, True) or any(a.tag == "a" for a in
                                                             element.iterancestors()):
                continue
            if not _in_chrome(element, self._chrome) and not _in_box(element):
                found = element
        return found

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
        """A summary marked as such outside the body; with a main text, one that is part of it
        or stands beside the body (a "description" box elsewhere is not the lead)."""
        for element in self._marked_elements(_LEAD_WORDS):
            text = textnorm.clean_inline(text_content(element))
            if not 20 <= len(text) <= 600 or _in_chrome(element, self._chrome):
                continue
            guide, content = self._guide, self._content
            if guide is not None and content is not None and (
                within(element, content)
                or not (guide.holds(text) or element.getparent() is content.getparent())
            ):
                continue
            return text
        return ""

    def portal_id(self) -> str:
        return ""

    def content(self) -> Element | None:
        """The element holding the article: the one holding the main text trafilatura finds,
        else the block with the most paragraph text (found once)."""
        if self._content is not None:
            return self._content
        self._guide = main_text_of(self.root, self.url)  # (before any pruning of the tree)
        if self._guide is not None:
            self._content = _holder_of(self.root, self._guide, self._densest_block())
            if self._content is not None:
                return self._content
            self._guide = None
        self._content = self._densest_block()
        return self._content

    def prune(self, container: Element) -> None:
        """Remove the boilerplate, but not an element marked like it (a class named
        "url-breadcrumb") that holds the main text."""
        guide = self._guide
        if guide is None:
            super().prune(container)
        else:
            prune_boilerplate(container, keep=lambda e: guide.holds(text_content(e)))

    def blocks(self, container: Element) -> list[Block]:
        """The container's blocks that belong to the main text, with what stands with them:
        the images among them, the caption after such an image, the byline after the text."""
        blocks = super().blocks(container)
        if self._guide is None:
            return blocks
        return _blocks_in_guide(blocks, self._guide)

    def _densest_block(self) -> Element | None:
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


# --- trafilatura as the judge of the main text ------------------------------------------------
# On the 122 real pages of ../shared/benchmarks/article-extraction, our densest block alone left
# 23 pages empty (F1 0.74); trafilatura's text scores 0.95, but its HTML with images and links
# scores less (0.94: the options change what it keeps) and loses captions, alignment and
# credits. So trafilatura's plain text only says which of the page's own blocks are the
# article; our blocks, with the page's markup, make it. See bench/RESULTS.md.
_HELD = 0.5  # share of a block's 4-word runs that must be in the main text
_REPEAT_MIN_RUNS = 8  # a block this long whose runs were mostly kept already is a repeat


class MainText:
    """The main text of a page as trafilatura finds it: its words, and its runs of 4 words."""

    def __init__(self, text: str) -> None:
        self.text = " ".join(textnorm.clean_inline(text).lower().split())
        self.runs = _runs(self.text)

    def holds(self, text: str, share: float = _HELD) -> bool:
        """True when ``text`` is part of the main text (``share`` of its runs are in it)."""
        text = textnorm.clean_inline(text).lower()
        if len(text.split()) < 4:
            return bool(text) and text in self.text
        runs = _runs(text)
        return len(runs & self.runs) >= share * len(runs)


def main_text_of(root: Element, url: str) -> MainText | None:
    """trafilatura's main text of the page (None if it finds none)."""
    from trafilatura import extract  # (imported on first use: known layouts never need it)

    markup = lxml.etree.tostring(root, encoding="unicode", method="html")
    found = extract(markup, url=url or None, include_comments=False, include_tables=True)
    return MainText(found) if found and found.strip() else None


def _runs(text: str) -> set[tuple[str, ...]]:
    words = text.split()
    return {tuple(words[i:i + 4]) for i in range(max(len(words) - 3, 1))} if words else set()


_TEXT_TAGS = ("p", "div", "td", "li", "span", "font", "h2", "h3", "h4", "blockquote", "pre",
              "dd", "section", "article", "main", "center")
_HOLDER_SHARE = 0.9  # the holder has at least this share of the main text found in the page
_DENSEST_SHARE = 0.75  # ...or the densest block, if it has this share
_DENSEST_HELD = 0.9  # ...or if this share of its text is in the main text


def _holder_of(root: Element, guide: MainText, densest: Element | None) -> Element | None:
    """The deepest element holding nearly all the page's text that is in the main text; or
    the densest block, if it holds most of it (the main text may take in a sidebar box)."""
    weight: dict[Element, int] = {}
    total = 0
    for element in root.iter(*_TEXT_TAGS):
        text = _own_text(element) if element.tag != "p" else text_content(element)
        if not text.strip() or not guide.holds(text):
            continue
        total += len(text)
        for ancestor in element.iterancestors():
            weight[ancestor] = weight.get(ancestor, 0) + len(text)
        weight[element] = weight.get(element, 0) + len(text)
    if not total:
        return None
    share = weight.get(densest, 0) / total if densest is not None else 0
    if share >= _DENSEST_SHARE or share >= 0.5 and guide.holds(text_content(densest),
                                                                _DENSEST_HELD):
        return densest
    holders = [e for e, w in weight.items() if w >= _HOLDER_SHARE * total]
    return max(holders, key=_depth)


def _depth(element: Element) -> int:
    return sum(1 for _ in element.iterancestors())


def _blocks_in_guide(blocks: list[Block], guide: MainText) -> list[Block]:
    """The blocks in the main text, the images among them, an image's caption after it, and a
    byline just before or after the text (``assemble`` decides what each of those is)."""
    held = [b.kind == "text" and guide.holds(b.text) for b in blocks]
    if not any(held):
        return blocks
    first = held.index(True)
    last = len(held) - 1 - held[::-1].index(True)
    kept: list[Block] = []
    seen: set[tuple[str, ...]] = set()  # the runs of the text kept so far
    for index, block in enumerate(blocks):
        if held[index]:
            runs = _runs(textnorm.clean_inline(block.text).lower())
            if len(runs) < _REPEAT_MIN_RUNS or len(runs & seen) < _HELD * len(runs):
                kept.append(block)  # (a long block mostly seen already repeats the text)
                seen |= runs
        elif block.kind == "image":
            if first - 2 <= index <= last:
                kept.append(block)
        elif kept and kept[-1].kind == "image" and is_caption(block, textnorm.clean_inline(
                block.text)):
            kept.append(block)
        elif first - 2 <= index < first or last < index <= last + 2:
            text = textnorm.clean_inline(block.text)
            if textnorm.parse_labelled_byline(text, True) or textnorm.looks_like_name(text):
                kept.append(block)
    return kept


_BOX_WORDS = frozenset({"portlet", "box", "boxheader", "module", "widget", "menuheader",
                        "portlettitle", "boxtitle", "modulehead", "topper"})


def _in_box(element: Element) -> bool:
    """True for a box's own heading: its class, or its parent's, names a box or portlet."""
    parent = element.getparent()
    return bool((class_words(element) | (class_words(parent) if parent is not None else
                                         frozenset())) & _BOX_WORDS)


def _without_site_name(title: str, site: str) -> str:
    """``title`` without the site's name at its start or end, when the page names its site."""
    if site and title != site:
        for separator in (" - ", " | ", " – ", " — ", " :: "):
            if title.endswith(separator + site):
                return title[: -len(separator + site)].strip()
            if title.startswith(site + separator):
                return title[len(site + separator):].strip()
    return title


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
