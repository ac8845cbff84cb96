"""Drafting a layout class from one page the fallback reads (``tinlanhdao layout draft``).

When the portal's markup changes, every article goes to the fallback. This module takes the
Article the fallback extracts from one saved page, finds in the page the element each field's
text came from (title, date, author, lead, section, the body's container with its images), and
writes a layout class like those in ``crawler/extraction/layouts.py``: declarative selectors per
field, markers that recognize the page, a declared version. It relies only on the fallback's
output, not on how the fallback found it.

Selectors are built to last: a class or id the element carries, else the nearest ancestor's
class or id with the element's tag (``.tin-chitiet h1``), never a name that looks generated
(``portlet_56_INSTANCE_x8Kq``, ``ctl00_...``, long digit runs, hex hashes); a position
(``:nth-of-type``) only as the last resort, marked in the source. Each selector is checked: its
first match within the article block is the element found. The draft is a starting point for a
review, not a finished layout: the command says which fields it could not place.
"""

from __future__ import annotations

import importlib.util
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from lxml.cssselect import CSSSelector, SelectorError

from crawler import text as textnorm
from crawler.article import Article
from crawler.extraction import FALLBACK, LAYOUTS, parse_page
from crawler.extraction.document import Element, absolute_url, text_content, within

LAYOUT_NAME = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*")
# Names that look made by a program (per render, per install): never part of a selector.
_GENERATED = re.compile(
    r"\d{3,}|[0-9a-f]{8,}|(?:\d\D*){3,}|instance|^(?:ctl\d|yui[_-]|ember|react|jsx-|css-|sc-|"
    r"ng-|v-|svelte-|x-|js-|__)|^[A-Za-z0-9_-]{20,}$",
    re.IGNORECASE,
)
# Class names too common to recognize a page by, or to find an element by on their own.
_GENERIC = frozenset(
    "active article body box clearfix col col-md-12 column container content detail entry "
    "first footer header inner item last left list main news page panel post right row "
    "section span text title top wrap wrapper".split()
)
_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
_SKIP = frozenset(("html", "head", "title", "meta", "body"))


def stable_name(name: str) -> bool:
    """True for a class or id a person chose (not generated), usable in a CSS selector."""
    return bool(re.fullmatch(r"-?[A-Za-z_][\w-]*", name)) and not _GENERATED.search(name)


@dataclass
class Draft:
    """A drafted layout: its selectors (CSS text or None), markers, and notes for the review."""

    name: str
    class_name: str
    selectors: dict[str, str | None]
    markers: list[str]
    notes: list[str] = field(default_factory=list)
    elements: dict[str, str] = field(default_factory=dict)  # field -> the element, as markup

    def source(self, origin: str) -> str:
        """The Python module of the layout class."""
        lines = [
            f'"""The {self.name} layout, drafted by `tinlanhdao layout draft`.',
            "",
            f"Drafted from: {origin}"[:100],
            "Review each selector against a few more pages of this layout, then register the",
            "class in LAYOUTS (crawler/extraction/__init__.py) and keep its fixture.",
            '"""',
            "",
            "from __future__ import annotations",
            "",
            "from lxml.cssselect import CSSSelector",
            "",
            "from crawler.extraction.layouts import PageLayout",
            "",
            "",
            f"class {self.class_name}(PageLayout):",
            f'    """Pages of the {self.name} layout (drafted; see the module\'s docstring)."""',
            "",
            f'    name = "{self.name}"',
            '    version = "1"',
            f"    MARKER_CLASSES = frozenset({_set_literal(self.markers)})",
        ]
        for attribute in ("ARTICLE", "TITLE", "DATE", "AUTHOR", "LEAD", "SECTION", "CONTENT"):
            css = self.selectors.get(attribute)
            if css is None:
                continue
            comment = self.elements.get(attribute, "")
            if "-of-type" in css:
                comment = "by position: check it on other pages. " + comment
            if comment:
                lines.append(f"    # {comment}"[:100])
            lines.append(f"    {attribute} = CSSSelector({_quoted(css)})")
        for note in self.notes:
            lines.append(f"    # Review: {note}"[:100])
        return "\n".join(lines) + "\n"


class DraftError(Exception):
    """The page cannot give a draft (the fallback finds no article in it, or a bad name)."""


def class_name_of(name: str) -> str:
    """``hau-giang-2027`` -> ``HauGiang2027Layout``."""
    return "".join(part.capitalize() for part in name.split("-")) + "Layout"


def draft_layout(body: bytes | str, url: str, name: str, encoding: str | None = None
                 ) -> tuple[Draft, Article]:
    """Draft a layout named ``name`` from one page; returns it with the fallback's Article."""
    if not LAYOUT_NAME.fullmatch(name):
        raise DraftError(f"layout name {name!r}: use lowercase letters, digits and hyphens")
    if name in {layout.name for layout in (*LAYOUTS, FALLBACK)}:
        raise DraftError(f"a layout named {name!r} exists already")
    from crawler.extraction.errors import NotAnArticle

    fallback_page = parse_page(body, url, encoding)
    try:
        article = FALLBACK(fallback_page.root, fallback_page.url).extract()
    except NotAnArticle as error:
        raise DraftError(f"the fallback finds no article on this page ({error.reason})") from None
    page = parse_page(body, url, encoding)
    finder = _Finder(page.root, page.url)
    return finder.draft(article, name), article


class _Finder:
    """Finds the element of each field in an unpruned parse of the page."""

    def __init__(self, root: Element, url: str) -> None:
        self.root = root
        self.url = url
        self.body = next(root.iter("body"), root)
        self.texts: dict[Element, str] = {}

    def text(self, element: Element) -> str:
        if element not in self.texts:
            self.texts[element] = textnorm.clean_inline(text_content(element))
        return self.texts[element]

    def elements(self) -> Iterator[Element]:
        for element in self.body.iter():
            if isinstance(element.tag, str) and element.tag not in _SKIP:
                yield element

    def deepest(self, matching: list[Element]) -> list[Element]:
        """The matching elements none of whose descendants also match, in page order."""
        chosen = set(matching)
        return [e for e in matching if not any(d in chosen for d in e.iterdescendants())]

    # --- finding each field's element ---
    def draft(self, article: Article, name: str) -> Draft:
        notes: list[str] = []
        container = self.find_container(article)
        if container is None:
            raise DraftError("the body's paragraphs are not found in the page")
        found: dict[str, Element | None] = {"CONTENT": container}
        found["TITLE"] = self.nearest(container, self.with_text(article.title))
        found["DATE"] = self.nearest(container, self.with_date(article.published, container))
        found["LEAD"] = self.nearest(container, self.with_text(article.lead))
        found["SECTION"] = self.nearest(container, self.with_text(article.section))
        found["AUTHOR"] = None
        if article.author and article.author not in article.body:
            found["AUTHOR"] = self.nearest(container, self.with_author(article.author, container))
        for attribute, value in (("TITLE", article.title), ("DATE", article.published),
                                 ("LEAD", article.lead), ("SECTION", article.section)):
            if value and found[attribute] is None:
                notes.append(f"{attribute.lower()} {value[:40]!r} is in no element of the "
                             "page (metadata?): add a selector or a method")
        placed = [e for e in found.values() if e is not None]
        scope = _common_ancestor(placed)
        selectors: dict[str, str | None] = {}
        elements: dict[str, str] = {}
        if scope is not None and scope is not self.body and scope.tag not in _SKIP:
            selectors["ARTICLE"] = self.selector(scope, self.root, first=True)
            elements["ARTICLE"] = _markup(scope)
        else:
            scope = self.root
        for attribute, element in found.items():
            if element is None:
                continue
            css = self.selector(element, scope, first=attribute == "CONTENT")
            if css is None:
                notes.append(f"no stable selector for the {attribute.lower()}: "
                             f"{_markup(element)}")
                continue
            selectors[attribute] = css
            elements[attribute] = _markup(element)
        markers = self.markers([scope, container, found["TITLE"]])
        if not markers:
            notes.append("no class name specific enough to recognize these pages by: "
                         "set MARKER_CLASSES by hand")
        return Draft(name, class_name_of(name), selectors, markers, notes, elements)

    def with_text(self, value: str) -> list[Element]:
        if not value:
            return []
        return self.deepest([e for e in self.elements() if self.text(e) == value])

    def with_date(self, published: str, container: Element) -> list[Element]:
        """Elements outside the body whose datetime or text gives ``published``."""
        if not published:
            return []
        day = published[:10]
        matching = []
        for element in self.elements():
            if within(element, container) or day[:4] not in (self.text(element) +
                                                             (element.get("datetime") or "")):
                continue
            for candidate in (element.get("datetime"), text_content(element)[:200]):
                if textnorm.parse_vietnamese_date(candidate) == published:
                    matching.append(element)
                    break
        return self.deepest(matching)

    def with_author(self, author: str, container: Element) -> list[Element]:
        matching = []
        for element in self.elements():
            text = self.text(element)
            if author in text and len(text) < 200 and not within(element, container) and (
                    text == author or textnorm.parse_labelled_byline(text) == author):
                matching.append(element)
        return self.deepest(matching)

    def find_container(self, article: Article) -> Element | None:
        """The smallest element holding the body's first and last paragraphs and its images."""
        paragraphs = article.body.split("\n\n")
        anchors = []
        for paragraph in {paragraphs[0], paragraphs[-1]}:
            probe = paragraph[:60]
            holders = self.deepest([e for e in self.elements() if probe in self.text(e)])
            if not holders:
                return None
            anchors.append(holders[0])
        sources = {image.src for image in article.images}
        for image in self.body.iter("img"):
            if absolute_url(self.url, image.get("src")) in sources:
                anchors.append(image)
        container = _common_ancestor(anchors)
        while container is not None and container.tag in ("p", "span", "a", "b", "strong", "em",
                                                          "i", "font", "img"):
            container = container.getparent()  # a block, not one paragraph
        return container

    def nearest(self, container: Element, candidates: list[Element]) -> Element | None:
        """The candidate closest to the body (sharing the deepest ancestor with it)."""
        if not candidates:
            return None
        container_path = set(_ancestors(container))
        return max(candidates, key=lambda e: (
            max((i for i, a in enumerate(reversed(_ancestors(e))) if a in container_path),
                default=0),
            e.tag in _HEADINGS))

    # --- selectors ---
    def selector(self, element: Element, scope: Element, first: bool) -> str | None:
        """A stable CSS selector whose first match within ``scope`` is ``element`` (or, unless
        ``first``, an element with the same text)."""
        for css in self.candidates(element, scope):
            try:
                matches = CSSSelector(css)(scope)
            except SelectorError:
                continue
            if not matches:
                continue
            if matches[0] is element:
                return css
            if not first:
                with_text = [e for e in matches if self.text(e)]
                if with_text and (with_text[0] is element
                                  or self.text(with_text[0]) == self.text(element)):
                    return css
        return None

    def candidates(self, element: Element, scope: Element) -> Iterator[str]:
        tag = element.tag
        own = [f"{tag}.{c}" for c in _stable_classes(element)]
        own_id = element.get("id", "")
        yield from own
        if own_id and stable_name(own_id):
            yield f"{tag}#{own_id}"
        if tag in _HEADINGS[:3]:
            yield tag
        ancestor = element.getparent()
        steps = 0
        while ancestor is not None and steps < 6 and within(ancestor, scope):
            for context in _simple_selectors(ancestor):
                yield from (f"{context} {css}" for css in own)
                yield f"{context} {tag}"
                yield f"{context} > {tag}"
            if ancestor is scope:
                break
            ancestor, steps = ancestor.getparent(), steps + 1
        yield from self.positional(element, scope)

    def positional(self, element: Element, scope: Element) -> Iterator[str]:
        """``.box > li:last-of-type > a``: the path from the nearest ancestor (up to 4 levels,
        within ``scope``) that has a stable name, each step by its position among its kind."""
        steps: list[str] = []
        current = element
        while current is not scope and len(steps) < 4:
            parent = current.getparent()
            if parent is None:
                return
            kind = [c for c in parent if c.tag == current.tag]
            if current is kind[-1]:
                steps.insert(0, f"{current.tag}:last-of-type")
            else:
                steps.insert(0, f"{current.tag}:nth-of-type({kind.index(current) + 1})")
            for context in _simple_selectors(parent):
                yield " > ".join([context, *steps])
            current = parent

    def markers(self, elements: list[Element | None]) -> list[str]:
        known = set().union(*(layout.MARKER_CLASSES for layout in LAYOUTS))
        chosen = []
        for element in elements:
            if element is None:
                continue
            for name in _stable_classes(element):
                if (name.lower() not in _GENERIC and len(name) >= 4 and name not in known
                        and name not in chosen):
                    chosen.append(name)
        return chosen[:3]


def _stable_classes(element: Element) -> list[str]:
    return [name for name in (element.get("class") or "").split() if stable_name(name)]


def _simple_selectors(element: Element) -> list[str]:
    """The stable ``tag.class`` and ``tag#id`` selectors of one element."""
    found = [f"{element.tag}.{c}" for c in _stable_classes(element)
             if c.lower() not in _GENERIC]
    element_id = element.get("id", "")
    if element_id and stable_name(element_id):
        found.append(f"{element.tag}#{element_id}")
    return found


def _ancestors(element: Element) -> list[Element]:
    """The element and its ancestors, innermost first."""
    path = []
    while element is not None:
        path.append(element)
        element = element.getparent()
    return path


def _common_ancestor(elements: list[Element]) -> Element | None:
    if not elements:
        return None
    common = _ancestors(elements[0])
    for element in elements[1:]:
        mine = set(_ancestors(element))
        common = [a for a in common if a in mine]
    return common[0] if common else None


def _set_literal(names: list[str]) -> str:
    return "{" + ", ".join(map(_quoted, names)) + "}" if names else ""


def _quoted(text: str) -> str:
    """A Python string literal in double quotes."""
    return json.dumps(text, ensure_ascii=False)


def _markup(element: Element) -> str:
    """An element's opening tag, as a reminder in the drafted source."""
    attributes = "".join(f' {k}="{v}"' for k, v in element.items() if k in ("class", "id"))
    return f"<{element.tag}{attributes}>"


# --- writing the draft and its fixture ---------------------------------------------------------

FIXTURE_FIELDS_LEFT_OUT = ("fetched_at", "layout")  # as in tests/fixtures/pages (the meta)


@dataclass
class Written:
    """What ``write_draft`` wrote, and the fields the drafted layout extracts differently from
    the fallback on the same page (empty when it reproduces them all)."""

    paths: list[Path]
    differences: list[str]


def draft_paths(into: Path, name: str, group: str) -> list[Path]:
    """The module, page, expected JSON and meta file a draft writes under ``into``."""
    module = into / "crawler" / "extraction" / f"layout_{name.replace('-', '_')}.py"
    fixtures = into / "tests" / "fixtures" / "pages" / group
    return [module, fixtures / f"{name}.html", fixtures / f"{name}.json",
            fixtures / f"{name}.meta.json"]


def write_draft(draft: Draft, article: Article, page: bytes, into: Path, group: str,
                meta: dict[str, object], origin: str) -> Written:
    """Write the layout module and the fixture (refusing to overwrite any file), then load the
    module and extract the page with it, to report where it differs from the fallback."""
    paths = draft_paths(into, draft.name, group)
    existing = [str(path) for path in paths if path.exists()]
    if existing:
        raise DraftError(f"not overwriting {', '.join(existing)}")
    if not paths[0].parent.is_dir():
        raise DraftError(f"{paths[0].parent} is not a folder: --into must be a clone of the "
                         "project")
    module, page_path, expected_path, meta_path = paths
    expected = article.to_dict()
    for name in FIXTURE_FIELDS_LEFT_OUT:
        expected.pop(name)
    page_path.parent.mkdir(parents=True, exist_ok=True)
    module.write_text(draft.source(origin), "utf-8")
    page_path.write_bytes(page)
    expected_path.write_text(_fixture_json(expected), "utf-8")
    meta_path.write_text(_fixture_json(dict(meta, layout=draft.name)), "utf-8")
    layout = load_layout(module, draft.class_name)
    differences = compare_with(layout, article, page, str(meta.get("url") or ""),
                               meta.get("charset"))
    return Written(paths, differences)


def load_layout(module: Path, class_name: str) -> type:
    """The layout class of a drafted module, loaded from its file."""
    spec = importlib.util.spec_from_file_location(f"drafted_{module.stem}", module)
    assert spec is not None and spec.loader is not None
    loaded = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loaded)
    return getattr(loaded, class_name)


def compare_with(layout: type, article: Article, page: bytes, url: str,
                 charset: object) -> list[str]:
    """The fields in which ``layout``, registered before the others, extracts the page
    differently from ``article``; ["layout: ..."] when it does not take the page at all."""
    from crawler.extraction import extract_page
    from crawler.extraction.compare import differing_fields
    from crawler.extraction.errors import NotAnArticle

    try:
        drafted = extract_page(page, url, encoding=charset if isinstance(charset, str) else None,
                               layouts=(layout, *LAYOUTS))
    except NotAnArticle as error:
        return [f"no article: {error.reason}"]
    if drafted.layout != layout.name:
        return [f"layout: the page went to {drafted.layout} (markers not found?)"]
    return differing_fields(drafted, article)


def _fixture_json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def draft_from_file(page_path: Path, name: str, into: Path, url: str = "",
                    charset: str | None = None, group: str = "drafted", origin: str = "real",
                    source: str = "") -> tuple[Draft, Written]:
    """``tinlanhdao layout draft``: draft a layout from a saved page and write it with its
    fixture under ``into`` (a clone of the project). Raises DraftError, or OSError for a page
    that cannot be read."""
    from crawler.extraction.errors import NotAnArticle

    page = page_path.read_bytes()
    try:
        draft, article = draft_layout(page, url, name, charset)
    except NotAnArticle as error:
        raise DraftError(f"the page cannot be read as HTML ({error.reason})") from None
    if not article.url.startswith(("http://", "https://")):
        raise DraftError("the page names no URL of its own: give it with --url")
    meta = {"origin": origin, "source": source or f"{page_path.name}, a page saved from "
            f"{article.url}; layout drafted from it by `tinlanhdao layout draft`",
            "url": article.url, "charset": charset}
    return draft, write_draft(draft, article, page, into, group, meta, source or page_path.name)
