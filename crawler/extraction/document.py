"""Turning fetched bytes into a parsed HTML tree: decoding, parsing, dropping what never counts.

The tree is made of plain ``lxml.etree`` elements, not ``lxml.html`` ones: lxml.html picks a
Python class for every element it hands out, which costs more than the rest of a small page's
extraction. The three lxml.html methods extraction needs are the functions ``text_content``,
``drop_tree`` and ``drop_tag`` here, with lxml.html's exact behaviour.
"""

from __future__ import annotations

import re
from urllib.parse import urldefrag, urljoin, urlparse

import lxml.etree
from w3lib.encoding import html_to_unicode

from crawler.extraction.errors import NotAnArticle

Element = lxml.etree._Element  # an element of the parsed page (for type hints)

# Elements that never carry article content; removed before any layout looks at the page.
NEVER_CONTENT = ("script", "style", "noscript", "template", "iframe", "object", "svg",
                 "canvas", "button", "select", "textarea", "input", "link")
# Void elements that libxml2 may wrap around what follows them: unwrap, never drop the subtree.
UNWRAP = ("embed", "param", "source", "track", "wbr")
# <form> itself stays: ASP.NET portals wrap the whole page in one.
_MAX_CHARS = 5_000_000  # larger pages are cut; no real article is this big
# Characters XML does not allow (C0 controls but tab, LF and CR; surrogates; U+FFFE, U+FFFF):
# libxml2 keeps some of them in the tree, where lxml then refuses to move text that holds them.
_NOT_XML_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_CLASS_ATTRIBUTES = lxml.etree.XPath("descendant-or-self::*/@class")


def decode_html(body: bytes | str, content_type: str | None = None) -> str:
    """Decode page bytes using the HTTP header charset, a BOM, the meta tag, then a guess.

    A header charset that the bytes do not fit (a windows-1258 page served as UTF-8) gives way
    to the page's own declaration, so the text is not garbled with replacement characters.
    """
    if isinstance(body, str):
        return body
    _, text = html_to_unicode(content_type, body)
    if content_type and "\ufffd" in text:
        _, from_page = html_to_unicode(None, body)
        if from_page.count("\ufffd") < text.count("\ufffd"):
            return from_page
    return text


def parse_html(text: str) -> Element:
    """Parse HTML text into an lxml tree; raises NotAnArticle("not_html") when nothing parses."""
    text = _flatten_runaway_nesting(_NOT_XML_CHARS.sub("", text[:_MAX_CHARS]))
    if not text or text.isspace():
        raise NotAnArticle("empty_page")
    try:
        # huge_tree: libxml2 otherwise stops at 256 levels of nesting and loses the rest.
        parser = lxml.etree.HTMLParser(remove_comments=True, remove_pis=True, huge_tree=True)
        root = lxml.etree.fromstring(text, parser)
    except (lxml.etree.LxmlError, ValueError) as error:  # what libxml2 refuses to parse
        raise NotAnArticle("not_html") from error
    if root is None or len(root) == 0 and root.find(".//body") is None:
        raise NotAnArticle("not_html")
    return root


# libxml2 stops building the tree at about 2,000 levels, even with huge_tree, and drops what
# lies deeper. Pages nested that deep are broken anyway: long runs of wrapper tags are folded
# into one before parsing (the innermost opening tag keeps its attributes).
_WRAPPERS = r"(?:div|span|font|section|center|blockquote)"
_OPENING_RUN = re.compile(rf"(?:<{_WRAPPERS}\b[^<>]*>\s*){{200,}}", re.IGNORECASE)
_CLOSING_RUN = re.compile(rf"(?:</{_WRAPPERS}\s*>\s*){{200,}}", re.IGNORECASE)
_LAST_TAG = re.compile(r"<[^<>]*>\s*$")


def _flatten_runaway_nesting(text: str) -> str:
    if text.count("<") < 1000:
        return text
    text = _OPENING_RUN.sub(lambda m: _LAST_TAG.search(m.group(0)).group(0), text)
    return _CLOSING_RUN.sub("</div>", text)


def strip_never_content(root: Element) -> None:
    """Remove scripts, styles, embedded frames and form controls, keeping their tail text."""
    # One walk over the tree (a list first: the loop changes the tree), in document order.
    for element in list(root.iter(*NEVER_CONTENT, *UNWRAP)):
        if element.tag in UNWRAP:
            drop_tag(element)
        else:
            drop_tree(element)


def text_content(element: Element) -> str:
    """All the text of ``element`` (its string value, as lxml.html's text_content() gives it).

    libxml2 collects it the same way for the XPath ``string()`` lxml.html uses; serializing
    it as text skips the XPath machinery and is about three times faster.
    """
    return lxml.etree.tostring(element, method="text", encoding="unicode", with_tail=False)


def drop_tree(element: Element) -> None:
    """Remove ``element`` and its subtree; its tail text joins the previous sibling or parent.
    (lxml.html's ``HtmlElement.drop_tree``.)"""
    parent = element.getparent()
    assert parent is not None
    if element.tail:
        previous = element.getprevious()
        if previous is None:
            parent.text = (parent.text or "") + element.tail
        else:
            previous.tail = (previous.tail or "") + element.tail
    parent.remove(element)


def drop_tag(element: Element) -> None:
    """Remove the tag of ``element`` but keep its children and text, merged into the parent.
    (lxml.html's ``HtmlElement.drop_tag``.)"""
    parent = element.getparent()
    assert parent is not None
    previous = element.getprevious()
    if element.text and isinstance(element.tag, str):
        if previous is None:
            parent.text = (parent.text or "") + element.text
        else:
            previous.tail = (previous.tail or "") + element.text
    if element.tail:
        if len(element):
            last = element[-1]
            last.tail = (last.tail or "") + element.tail
        elif previous is None:
            parent.text = (parent.text or "") + element.tail
        else:
            previous.tail = (previous.tail or "") + element.tail
    index = parent.index(element)
    parent[index:index + 1] = element[:]


def class_names(root: Element) -> frozenset[str]:
    """Every class name used in the page, as ``str.split`` separates them (one XPath pass)."""
    return frozenset(" ".join(_CLASS_ATTRIBUTES(root)).split())


def within(element: Element, scope: Element) -> bool:
    """True when ``element`` is ``scope`` or one of its descendants (not pruned away)."""
    while element is not None:
        if element is scope:
            return True
        element = element.getparent()
    return False


def canonical_url(root: Element, url: str) -> str:
    """The page's own URL: ``url`` without its fragment, or the page's canonical link if no URL.

    The fetched URL wins over ``<link rel=canonical>`` because sample or mirrored pages may point
    their canonical link elsewhere; an empty ``url`` (a saved file) falls back to the link.
    """
    if url and not url.startswith("file:"):
        return urldefrag(url)[0]
    for xpath in ("//link[@rel='canonical']/@href", "//meta[@property='og:url']/@content"):
        found = root.xpath(xpath)
        if found and urlparse(found[0].strip()).scheme in ("http", "https"):
            return urldefrag(found[0].strip())[0]
    return url


def absolute_url(base: str, link: str | None) -> str:
    """Resolve ``link`` against ``base``; empty for missing, data: and javascript: links."""
    link = (link or "").strip()
    if not link or link.lower().startswith(("data:", "javascript:", "mailto:", "#")):
        return ""
    return urljoin(base, link) if base else link
