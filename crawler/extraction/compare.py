"""What each layout finds on one page: the known layouts and the fallback, side by side.

``tinlanhdao extract`` prints this under the article, so that an operator sees at once whether
a known layout still recognizes the portal's pages (its markers), what it extracts from them,
and where it and the fallback disagree. Each layout reads its own fresh parse of the page
(extraction prunes the tree it reads).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from crawler.article import Article
from crawler.extraction import FALLBACK, LAYOUTS, parse_page
from crawler.extraction.errors import NotAnArticle
from crawler.extraction.layouts import PageLayout

# The fields an operator compares, in the order they are shown.
FIELDS = ("title", "published", "author", "lead", "section", "portal_id", "body", "images",
          "attachments")


@dataclass
class Finding:
    """What one layout made of the page."""

    layout: str
    markers: bool | None  # whether the page carries its markers (None: the fallback has none)
    article: Article | None = None
    reason: str = ""  # NotAnArticle's reason when there is no article


def compare_layouts(
    body: bytes | str, url: str = "", encoding: str | None = None,
    content_type: str | None = None, layouts: Sequence[type[PageLayout]] = LAYOUTS,
) -> list[Finding]:
    """Run every layout (known ones first, then the fallback) on the page, each on its own.

    Raises NotAnArticle only when the page itself cannot be decoded or parsed."""
    findings = []
    for layout in (*layouts, FALLBACK):
        page = parse_page(body, url, encoding, content_type)
        markers = None if layout is FALLBACK else layout.matches(page.classes)
        try:
            article = layout(page.root, page.url).extract()
        except NotAnArticle as error:
            findings.append(Finding(layout.name, markers, reason=error.reason))
        else:
            findings.append(Finding(layout.name, markers, article))
    return findings


def differing_fields(one: Article, other: Article) -> list[str]:
    """The compared fields in which two articles differ."""
    return [name for name in FIELDS if getattr(one, name) != getattr(other, name)]


def report_lines(findings: list[Finding], used: str = "") -> list[str]:
    """A short, human-readable table: one block per layout, ``used`` marked as the one whose
    article was printed; other articles are compared with it field by field."""
    chosen = next((f.article for f in findings if f.layout == used and f.article), None)
    lines = ["What each layout finds on this page:"]
    for finding in findings:
        markers = {None: "no markers (reads any page)", True: "markers found",
                   False: "markers absent"}[finding.markers]
        mark = "  <- used" if finding.layout == used else ""
        lines.append(f"  {finding.layout}: {markers}{mark}")
        article = finding.article
        if article is None:
            lines.append(f"      not an article: {finding.reason}")
            continue
        paragraphs = len(article.body.split("\n\n")) if article.body else 0
        lines.append(f"      title:     {_short(article.title)}")
        lines.append(f"      published: {article.published or '-'}   author: "
                     f"{article.author or '-'}")
        lines.append(f"      body:      {paragraphs} paragraphs, {len(article.body):,} chars; "
                     f"{len(article.images)} images, {len(article.attachments)} attachments; "
                     f"lead: {'yes' if article.lead else 'no'}")
        if chosen is not None and finding.layout != used:
            differs = differing_fields(article, chosen)
            lines.append(f"      differs from {used} in: {', '.join(differs)}" if differs
                         else f"      same fields as {used}")
    return lines


def _short(text: str, width: int = 70) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
