"""Reprocessing: run the current extraction over the stored captures, offline.

For each selected article, its latest capture is read back from the WARC files (by offset, no
network) and extracted again with ``crawler.extraction.extract_page``. The result is stored
through ``Archive.store_article``, so the usual rules hold: unchanged output stores nothing new,
changed output updates the article and adds exactly one revision. Reprocessing is not a fetch,
so it never pretends the page was seen again: ``last_seen`` and the ``removed_at`` /
``removed_reason`` marks are kept as they were, the new revision's ``fetched_at`` is the
capture's fetch time and its ``run_id`` is null. The article's provenance (``capture_id``,
``extractor_version``) names the capture read and the extractor that read it; the new revision
gets the same. A capture that no longer parses (``NotAnArticle``) or cannot be read is reported
and the stored article left untouched.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from archive.captures import CaptureError, Captures
from archive.errors import InvalidArticle
from archive.store import Archive

# extract_page's signature: (body, url, content_type=...) -> Article, raising NotAnArticle.
Extractor = Callable[..., Any]


@dataclass
class Problem:
    """An article whose capture could not be reprocessed, and why."""

    article_id: int
    url: str
    capture_id: int
    reason: str  # "not_article:no_title", "unreadable: ..."


@dataclass
class ReprocessReport:
    """What a reprocessing run did."""

    extractor_version: str
    selected: int = 0  # articles with a capture, within the selection
    changed: int = 0  # updated, one revision added each
    unchanged: int = 0  # same output as stored
    without_capture: int = 0  # selected articles archived before captures were kept
    changed_ids: list[int] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "extractor_version": self.extractor_version,
            "selected": self.selected,
            "changed": self.changed,
            "unchanged": self.unchanged,
            "failed": len(self.problems),
            "without_capture": self.without_capture,
            "changed_ids": self.changed_ids,
            "problems": [vars(p) for p in self.problems],
        }


def select(archive: Archive, since: str = "", until: str = "", url: str = "") -> list[dict]:
    """The latest capture of each selected article (see ``Captures.latest_for_articles``)."""
    return Captures.of(archive).latest_for_articles(since=since, until=until, url=url)


def reprocess(
    archive: Archive,
    since: str = "",
    until: str = "",
    url: str = "",
    extract: Extractor | None = None,
    extractor_version: str | None = None,
    progress: Callable[[int], None] | None = None,
    rows: list[dict] | None = None,
) -> ReprocessReport:
    """Extract the selected articles' latest captures again and store what changed.

    ``archive`` must be writable. ``since`` / ``until`` select by publication date (ISO
    prefixes, inclusive), ``url`` one article. ``extract`` defaults to the crawl's
    ``extract_page`` and ``extractor_version`` to ``crawler.version.extractor_version()``;
    ``progress(n)`` is called after each article; ``rows`` is a selection made beforehand with
    ``select`` (to size a progress bar). Each article is stored in its own transaction.
    """
    if extract is None:
        from crawler.extraction import extract_page as extract
    if extractor_version is None:
        from crawler.version import extractor_version as current_version

        extractor_version = current_version()
    captures = Captures.of(archive)
    if rows is None:
        rows = captures.latest_for_articles(since=since, until=until, url=url)
    report = ReprocessReport(extractor_version=extractor_version, selected=len(rows))
    report.without_capture = captures.articles_without_capture(since=since, until=until, url=url)
    for row in rows:
        outcome = _reprocess_one(archive, captures, row, extract, extractor_version)
        if isinstance(outcome, Problem):
            report.problems.append(outcome)
        elif outcome == "changed":
            report.changed += 1
            report.changed_ids.append(row["article_id"])
        else:
            report.unchanged += 1
        if progress is not None:
            progress(1)
    return report


def _reprocess_one(
    archive: Archive, captures: Captures, row: dict, extract: Extractor, version: str
) -> str | Problem:
    from crawler.extraction.article import NotAnArticle

    def problem(reason: str) -> Problem:
        return Problem(row["article_id"], row["article_url"], row["id"], reason)

    try:
        response = captures.read(row)
    except CaptureError as error:
        return problem(f"unreadable: {error}")
    try:
        article = extract(response.body, row["url"], content_type=response.content_type)
    except NotAnArticle as error:
        return problem(f"not_article:{error.reason}")
    article.url = row["article_url"]  # the archived URL, whatever the page calls itself now
    article.fetched_at = row["fetched_at"]  # when these bytes were fetched, not now
    db = archive.db
    with db.atomic():
        kept = db.execute(
            "SELECT last_seen, removed_at, removed_reason FROM articles WHERE id = ?",
            [row["article_id"]],
        ).fetchone()
        try:
            outcome = archive.store_article(article)
        except InvalidArticle as error:
            return problem(f"invalid: {error}")
        # Not a fetch: the article was not seen again and did not come back.
        db.execute(
            "UPDATE articles SET last_seen = ?, removed_at = ?, removed_reason = ? WHERE id = ?",
            [*kept, row["article_id"]],
        )
        captures.set_provenance(article.url, row["id"], version)
        if outcome == "changed":
            captures.set_latest_revision_provenance(row["article_id"], row["id"], version)
    return outcome
