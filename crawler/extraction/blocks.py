"""Reading a content container as a flat list of blocks: paragraphs of text and images.

Every layout, and the fallback, ends up here: it hands over the element that holds the article,
and gets back the blocks in page order, with the boilerplate markup already pruned. Paragraphs
come from block elements and from double ``<br>`` breaks, so the old ``<font>``/``<br>`` pages
read the same way as the ``<p>`` pages.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

import lxml.etree

from crawler.extraction.document import Element, absolute_url, drop_tree, text_content
from crawler.text import clean_inline

BLOCK_TAGS = frozenset(
    "p div section article main h1 h2 h3 h4 h5 h6 ul ol li blockquote table thead tbody tfoot tr "
    "td th figure figcaption center pre dl dt dd header footer aside nav address hr".split()
)
EMPHASIS_TAGS = frozenset("em i".split())
BOLD_TAGS = frozenset("strong b".split())
CAPTION_CLASS_WORDS = frozenset(
    "caption chuthich imgcaption imagecaption image_desc desc".split()
)

# Class/id words that mark boilerplate containers: share and print tools, view counters, the
# text-to-speech reader, related news, comments, menus. Matched against the words of class and id
# attributes ("ShareBox" -> share, box; "wcm-luotxem" -> wcm, luotxem).
BOILERPLATE_CLASS_WORDS = frozenset(
    """share sharing social sociallinks tools tool toolbar print congcu fontsize zoom views
    viewcount viewcounter luotxem counter thongke visitcounter tts speech texttospeech docbai
    audio player related relate relatednews lienquan tinlienquan tinkhac othernews comment
    comments binhluan tags tag rating breadcrumb breadcrumbs banner ads advert advertisement
    menu navbar sidebar widget pagination paging""".split()
)
# Elements that are always chrome, wherever they sit.
BOILERPLATE_TAGS = ("nav", "aside", "footer")
_MAYBE_BOILERPLATE = lxml.etree.XPath(
    ".//*[@class or @id] | " + " | ".join(f".//{t}" for t in BOILERPLATE_TAGS)
)
_HAS_IMAGE = lxml.etree.XPath("boolean(.//img)")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t\u00a0\u200b]*\n")  # two <br> in a row
_HAS_IMAGE_OR_BREAK = lxml.etree.XPath("boolean(.//img | .//br)")
_META_CONTENT_TYPE = re.compile(r'<meta http-equiv="Content-Type"[^>]*>')
_CLASS_SPLIT = re.compile(r"[\s_\-]+|(?<=[a-z])(?=[A-Z])")


def class_words(element: Element) -> frozenset[str]:
    """The lowercase words of an element's class and id attributes."""
    return words_of_class_and_id(element.get("class"), element.get("id"))


def words_of_class_and_id(css_class: str | None, css_id: str | None) -> frozenset[str]:
    """``class_words`` of an element with these class and id attribute values."""
    if not css_class and not css_id:
        return frozenset()
    return _words_of(f"{css_class or ''} {css_id or ''}")


@lru_cache(maxsize=4096)
def _words_of(raw: str) -> frozenset[str]:
    words = {w.lower() for w in _CLASS_SPLIT.split(raw) if w}
    # Also the whole tokens, so "visitcounter" or "TextToSpeech" match as written.
    words |= {t.lower().replace("-", "").replace("_", "") for t in raw.split()}
    return frozenset(words)


def is_boilerplate_element(element: Element) -> bool:
    """True for containers that are chrome by their markup (class, id or tag)."""
    if not isinstance(element.tag, str):
        return False
    if element.tag in BOILERPLATE_TAGS:
        return True
    return bool(class_words(element) & BOILERPLATE_CLASS_WORDS)


def prune_boilerplate(container: Element, keep: Callable[[Element], bool] | None = None) -> None:
    """Remove boilerplate containers inside ``container`` (not the container itself), except
    those for which ``keep`` says True."""
    for element in _MAYBE_BOILERPLATE(container):
        if element.getparent() is not None and is_boilerplate_element(element):
            if keep is None or not keep(element):
                drop_tree(element)


@dataclass
class Block:
    """One paragraph of text, or one image, in page order."""

    kind: str  # "text" or "image"
    text: str = ""  # raw text (normalize with crawler.text before use)
    src: str = ""  # image: absolute URL
    caption: str = ""  # image: caption found with it (figcaption)
    tag: str = ""  # tag of the element the text came from
    link_text: int = 0  # characters of text inside links
    links: list[tuple[str, str]] = field(default_factory=list)  # (absolute href, text)
    source: Element | None = field(default=None, repr=False, compare=False)
    whole_element: bool = False  # the text is all of ``source``'s text

    @cached_property
    def html(self) -> str:
        """Inline HTML of the paragraph when it is one whole element, else "" (built when
        asked: most paragraphs have no inline markup, and plain text needs none)."""
        return _inner_html(self.source) if self.whole_element and self.source is not None else ""

    # Layout hints, read from the source element only when a rule asks (most never do), each
    # on its own: the bold and italic ones cost the most.
    @cached_property
    def _alignment(self) -> tuple[bool, bool]:
        return _alignment(self.source)

    @property
    def centered(self) -> bool:
        return self._alignment[0]

    @property
    def right_aligned(self) -> bool:
        return self._alignment[1]

    @cached_property
    def emphasized(self) -> bool:
        """All of the text is inside <em>/<i>."""
        return _all_text_inside(self, EMPHASIS_TAGS)

    @cached_property
    def bold(self) -> bool:
        """All of the text is inside <strong>/<b>."""
        return _all_text_inside(self, BOLD_TAGS)

    @cached_property
    def caption_hint(self) -> bool:
        """The class or the markup says "caption"."""
        source = self.source
        if source is None:
            return False
        return source.tag == "figcaption" or bool(class_words(source) & CAPTION_CLASS_WORDS)

    @property
    def link_density(self) -> float:
        """Share of the text that sits inside links (0 to 1)."""
        length = len(self.text.strip())
        return self.link_text / length if length else 0.0


class BlockReader:
    """Walks a content container and returns its blocks (see the module docstring)."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.blocks: list[Block] = []
        self._pieces: list[str] = []
        self._links: list[tuple[str, str]] = []
        self._link_chars = 0
        self._source: Element | None = None
        self._whole = True  # no block or image has interrupted the current source element

    def read(self, container: Element) -> list[Block]:
        """Return the blocks of ``container`` in page order.

        The walk is iterative (lxml's iterwalk), so a page nested thousands of levels deep
        reads like any other.
        """
        self._source = container
        stack: list[tuple[Element | None, bool]] = []
        walker = lxml.etree.iterwalk(container, events=("start", "end"))
        for event, element in walker:
            if element is container:
                if event == "start":
                    self._add_text(element.text)
                continue
            tag = element.tag
            if not isinstance(tag, str):  # a comment or an entity
                tag = ""
            if event == "start":
                if self._enter(element, tag, stack):
                    walker.skip_subtree()
            else:
                if tag in BLOCK_TAGS and tag != "figure":
                    self._flush()
                    self._source, _ = stack.pop()
                    self._whole = False
                self._add_text(element.tail)
        self._flush()
        return self.blocks

    def _enter(self, element: Element, tag: str, stack: list) -> bool:
        """Handle the start of ``element``; True when its subtree has been read already."""
        if not tag or tag == "br":
            if tag:
                self._pieces.append("\n")
            return True
        if tag == "img":
            self._add_image(element, caption="")
            return True
        if tag == "figure":
            self._whole = False
            self._flush()
            self._read_figure(element)
            return True
        if tag in BLOCK_TAGS:
            self._whole = False
            self._flush()
            stack.append((self._source, self._whole))
            self._source, self._whole = element, True
            self._add_text(element.text)
            return False
        if tag == "a" and not _HAS_IMAGE(element):
            text = _flat(text_content(element))
            href = absolute_url(self.base_url, element.get("href"))
            self._pieces.append(text)
            self._link_chars += len(text.strip())
            if href:
                self._links.append((href, text))
            return True
        if _HAS_IMAGE_OR_BREAK(element) or any(
            isinstance(d.tag, str) and d.tag in BLOCK_TAGS for d in element.iterdescendants()
        ):
            self._add_text(element.text)  # an inline element holding blocks or images: walk in
            return False
        self._pieces.append(_flat(text_content(element)))
        return True

    def _read_figure(self, figure: Element) -> None:
        caption_el = next(figure.iterdescendants("figcaption"), None)
        caption = text_content(caption_el) if caption_el is not None else ""
        images = list(figure.iterdescendants("img"))
        for index, image in enumerate(images):
            self._add_image(image, caption=caption if index == len(images) - 1 else "")

    def _add_image(self, image: Element, caption: str) -> None:
        self._whole = False
        self._flush()
        src = ""
        for attribute in ("data-src", "data-original", "data-lazy-src", "src"):
            src = absolute_url(self.base_url, image.get(attribute))
            if src:
                break
        if src:
            self.blocks.append(Block(kind="image", src=src, caption=caption, tag="img"))

    # --- paragraphs ---
    def _add_text(self, text: str | None) -> None:
        """Add a text or tail (read once: each read of .text or .tail decodes it anew)."""
        if text:
            self._pieces.append(_flat(text))

    def _flush(self) -> None:
        if not self._pieces:  # (then there are no links either)
            return
        raw = "".join(self._pieces)
        links, link_chars = self._links, self._link_chars
        self._pieces, self._links, self._link_chars = [], [], 0
        if not raw or raw.isspace():
            return
        source = self._source
        if "\n" in raw:
            parts = [p for p in _PARAGRAPH_BREAK.split(raw) if p.strip()]
        else:
            parts = [raw]
        whole_element = len(parts) == 1 and source is not None and self._whole
        for part in parts:
            block = Block(kind="text", text=part.replace("\n", " "), tag=_tag(source),
                          source=source, whole_element=whole_element)
            if len(parts) == 1:
                block.links, block.link_text = links, link_chars
            else:
                block.links = [(h, t) for h, t in links if t.strip() and t.strip() in part]
                block.link_text = sum(len(t.strip()) for _, t in block.links)
            self.blocks.append(block)


def _flat(text: str) -> str:
    """Source line breaks are only formatting: only <br> makes a line break."""
    return text.replace("\r", " ").replace("\n", " ")


def _tag(element: Element | None) -> str:
    return element.tag if element is not None and isinstance(element.tag, str) else ""


def _alignment(source: Element | None) -> tuple[bool, bool]:
    """(centered, right-aligned): the source element's alignment, or its parent's right one."""
    if source is None:
        return False, False
    style = (source.get("style") or "").replace(" ", "").lower()
    align = (source.get("align") or "").lower()
    centered = "text-align:center" in style or align == "center" or source.tag == "center"
    right_aligned = "text-align:right" in style or align == "right"
    if not (centered or right_aligned):
        parent = source.getparent()
        if parent is not None:
            pstyle = (parent.get("style") or "").replace(" ", "").lower()
            right_aligned = "text-align:right" in pstyle or parent.get("align") == "right"
    return centered, right_aligned


def _all_text_inside(block: Block, tags: frozenset[str]) -> bool:
    """True when all of a text block's text sits inside elements with one of ``tags``
    (read once ``assemble`` has cleaned ``block.text``)."""
    source, text = block.source, block.text
    if source is None or not text:
        return False
    if block.whole_element:
        return _all_inside(source, tags, text)
    # A <br>-separated line: the first inline element holding exactly this text decides.
    for inline in source.iter("em", "i", "strong", "b"):
        if clean_inline(text_content(inline)) == text:
            return inline.tag in tags
    return False


def _all_inside(source: Element, tags: frozenset[str], text: str) -> bool:
    inside = "".join(text_content(e) for e in source.iter(*tags) if e.getparent() is not None
                     and not any(a.tag in tags for a in e.iterancestors() if a is not source))
    return clean_inline(inside) == text


def _inner_html(element: Element) -> str:
    text = element.text  # (each read of .text decodes it anew)
    if not len(element):
        return html.escape(text, quote=False) if text else ""
    parts = [html.escape(text, quote=False)] if text else []
    for child in element:
        parts.append(lxml.etree.tostring(child, method="html", encoding="unicode"))
    # What lxml.html.tostring() does to each child; a match never spans two children.
    return _META_CONTENT_TYPE.sub("", "".join(parts))
