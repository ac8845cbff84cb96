"""Finding elements by class name or tag: one pass over a subtree, then dictionary lookups.

The layouts' selectors are short lists of simple CSS selectors: ``".ArticleSapo, .PostSapo"``,
``"div.ArticleDetail"``, ``".ArticleHeader, .PostTitle, h1"``. Run as XPath, each one walks the
whole subtree comparing strings at every element, and a page needs about ten of them. Instead,
``ElementIndex`` walks the subtree once and files every element that has a class attribute (or
one of the ``INDEXED_TAGS``) under its class names and tag; a ``Selector`` then takes its
elements from those lists, in document order.

Matching is CSS's, as lxml's cssselect translates it: class names are case-sensitive and
separated by ASCII whitespace (space, tab, CR, LF), and a subtree includes its own root element.
"""

from __future__ import annotations

import re

import lxml.etree

from crawler.extraction.document import Element

# Tags a selector may name on their own (as in "h1"); the index files these elements too.
INDEXED_TAGS = ("h1", "h2", "h3")
# In page order: every class attribute (a string that knows its element: lxml's "smart string",
# cheaper than reading the attribute of each element) and every element with an indexed tag.
# An element comes before its own class attribute.
_CLASSES_AND_TAGS = lxml.etree.XPath(
    " | ".join(f"descendant-or-self::{step}" for step in ("*/@class", *INDEXED_TAGS))
)
_CSS_SPACE = re.compile(r"[ \t\r\n]+")
_OTHER_SPACE = re.compile(r"[^\S \t\r\n]")  # whitespace str.split() splits on but CSS does not
_SIMPLE_SELECTOR = re.compile(r"(?P<tag>[a-z][a-z0-9]*)?(?:\.(?P<name>[A-Za-z_][\w-]*))?")

Positioned = tuple[int, Element]  # (position in the index, element): sorts in document order


class ElementIndex:
    """The elements of a subtree (``scope`` and its descendants) by class name and by tag.

    ``words`` holds every class name the way ``str.split`` separates them, which is how a
    layout recognizes its page (``PageLayout.matches``).
    """

    def __init__(self, scope: Element) -> None:
        self.scope = scope
        self.by_class: dict[str, list[Positioned]] = {}
        self.by_tag: dict[str, list[Positioned]] = {}
        found = _CLASSES_AND_TAGS(scope)
        all_classes = " ".join(item for item in found if isinstance(item, str))
        # Does str.split() separate these class names differently from CSS? Only if some
        # whitespace but the space is there, and all of that is unprintable (the quick test).
        css_split = not all_classes.isprintable() and _OTHER_SPACE.search(all_classes) is not None
        by_class = self.by_class
        position, element = -1, None
        for item in found:
            if isinstance(item, str):  # a class attribute
                parent = item.getparent()
                if parent is not element:
                    position, element = position + 1, parent
                entry = (position, element)
                names = [n for n in _CSS_SPACE.split(item) if n] if css_split else item.split()
                for name in set(names):  # once, even where the attribute repeats a name
                    if name in by_class:
                        by_class[name].append(entry)
                    else:
                        by_class[name] = [entry]
            else:  # an element with an indexed tag
                position, element = position + 1, item
                self.by_tag.setdefault(item.tag, []).append((position, item))
        self.words = frozenset(all_classes.split() if css_split else by_class)


class Selector:
    """A comma-separated list of CSS selectors. Called with an ElementIndex, it returns the
    matching elements in document order, each once.

    Simple selectors (``.class``, ``tag.class`` or one of the ``INDEXED_TAGS`` alone) are looked
    up in the index. A list with any other selector (``#id``, ``.box h1``, ``div > p``: what a
    drafted layout may need) is run whole by lxml's cssselect over the index's subtree.
    """

    def __init__(self, css: str) -> None:
        self.css = css
        self.parts: list[tuple[str, str]] = []  # (tag or "", class name or "")
        self.xpath: lxml.etree.XPath | None = None  # when some part is not simple
        for part in css.split(","):
            match = _SIMPLE_SELECTOR.fullmatch(part.strip())
            if not match or not (match["tag"] or match["name"]):
                self.xpath = _css_to_xpath(css)
                return
            if not match["name"] and match["tag"] not in INDEXED_TAGS:
                self.xpath = _css_to_xpath(css)
                return
            self.parts.append((match["tag"] or "", match["name"] or ""))

    def __repr__(self) -> str:
        return f"Selector({self.css!r})"

    def __call__(self, index: ElementIndex) -> list[Element]:
        if self.xpath is not None:
            return self.xpath(index.scope)
        found: list[Positioned] = []
        for tag, name in self.parts:
            if name:
                candidates = index.by_class.get(name, ())
                found.extend(c for c in candidates if not tag or c[1].tag == tag)
            else:
                found.extend(index.by_tag.get(tag, ()))
        if len(self.parts) > 1:
            found = sorted(dict(found).items())  # document order, each element once
        return [element for _, element in found]


def _css_to_xpath(css: str) -> lxml.etree.XPath:
    """The XPath of a CSS selector list, over a subtree and its root (ValueError if invalid)."""
    from cssselect import GenericTranslator, SelectorError

    try:
        xpath = GenericTranslator().css_to_xpath(css, prefix="descendant-or-self::")
        return lxml.etree.XPath(xpath)
    except SelectorError as error:
        raise ValueError(f"not a CSS selector: {css!r} ({error})") from None
