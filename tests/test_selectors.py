"""The layouts' selectors (crawler/extraction/selectors.py) match what CSS selectors match."""

from __future__ import annotations

import lxml.etree
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml.cssselect import CSSSelector

from crawler.extraction.selectors import INDEXED_TAGS, ElementIndex, Selector

CLASS_NAMES = ["ArticleDetail", "articledetail", "Sapo", "Post-Title", "x_1"]
# Separators CSS splits class names on, and some it does not (NBSP, an em space).
SEPARATORS = [" ", "\t", "\n", "\r", "  ", "\u00a0", "\u2003"]
TAGS = ["div", "span", "p", *INDEXED_TAGS]
SELECTORS = [".ArticleDetail", "div.ArticleDetail", ".Sapo, .Post-Title", "h1",
             ".Post-Title, h2, div.x_1", "span.articledetail",
             ".ArticleDetail, h1, .Sapo"]  # fmt: skip



@st.composite
def class_attribute(draw) -> str:
    """Class names from CLASS_NAMES, each followed by a separator, after a leading one."""
    names = draw(st.lists(st.sampled_from(CLASS_NAMES), max_size=3))
    value = draw(st.sampled_from(SEPARATORS))
    for name in names:
        value += name + draw(st.sampled_from(SEPARATORS))
    return value


@st.composite
def trees(draw, depth: int = 0) -> lxml.etree._Element:
    element = lxml.etree.Element(draw(st.sampled_from(TAGS)))
    if draw(st.booleans()):
        element.set("class", draw(class_attribute()))
    if depth < 3:
        for _ in range(draw(st.integers(0, 3))):
            element.append(draw(trees(depth + 1)))
    return element


@settings(max_examples=300, deadline=None)
@given(trees(), st.sampled_from(SELECTORS))
def test_a_selector_finds_what_its_css_finds_in_the_same_order(root, css):
    expected = CSSSelector(css, translator="html")(root)
    assert Selector(css)(ElementIndex(root)) == expected


def test_a_subtree_includes_its_own_root():
    root = lxml.etree.fromstring('<div class="ArticleDetail"><p class="ArticleDetail"/></div>')
    assert Selector(".ArticleDetail")(ElementIndex(root)) == [root, root[0]]
