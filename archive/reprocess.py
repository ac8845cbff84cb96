"""Reprocessing: run the current extraction over the stored captures, offline.

For each selected article, its latest capture is read back from the WARC files (by offset, no
network) and extracted again with ``crawler.extraction.extract_page``. The result is stored
through ``Archive.store_article``, so the usual rules hold: unchanged output stores nothing new,
changed output updates the article and adds exactly one revision. Reprocessing is not a fetch,
so it never pretends the page was seen again: ``last_seen`` and the ``removed_at`` /
``removed_reason`` marks are kept as they were, the new revision's ``fetched_at`` is the
capture's fetch time and its ``run_id`` is null. The article's provenance (``capture_id``,
``extractor_version``) names the capture read and the extractor that read it; the new revision
gets the same. A capture that no longer parses (``NotAnArticle``) or cannot be read, or whose
page is not the article (``archive.changeguard``: a notice, a soft 404), is reported and the stored
article left untouched.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from archive import changeguard
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
    workers: int = 1,
) -> ReprocessReport:
    """Extract the selected articles' latest captures again and store what changed.

    ``archive`` must be writable. ``since`` / ``until`` select by publication date (ISO
    prefixes, inclusive), ``url`` one article. ``extract`` defaults to the crawl's
    ``extract_page`` (looked up when called); without ``extractor_version``, each article
    records the declared version of the layout that extracted it
    (``crawler.extraction.extractor_version(layout)``). ``progress(n)`` is called after each
    article; ``rows`` is a selection made beforehand with ``select`` (to size a progress bar).
    ``workers`` > 1 reads and extracts in that many forked processes while this one stores
    (where the platform can fork; otherwise in this process). Each article is stored in its
    own transaction, in article order.
    """
    import crawler.extraction

    extract = extract or crawler.extraction.extract_page
    if extractor_version is None:  # each article: the declared version of its layout
        extractor_version = crawler.extraction.extractor_version()
        version_of = crawler.extraction.extractor_version
    else:
        version_of = _fixed_version(extractor_version)
    captures = Captures.of(archive)
    if rows is None:
        rows = captures.latest_for_articles(since=since, until=until, url=url)
    report = ReprocessReport(extractor_version=extractor_version, selected=len(rows))
    report.without_capture = captures.articles_without_capture(since=since, until=until, url=url)
    for row, extracted in _extracted(rows, captures.root, extract, workers):
        outcome = (
            extracted
            if isinstance(extracted, Problem)
            else _store(archive, captures, row, extracted, version_of(extracted.layout))
        )
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


def _fixed_version(version: str) -> Callable[[str], str]:
    """The same extractor version for every layout (a version given by the caller)."""
    return lambda layout: version


# --- reading and extracting (in this process or in workers) -----------------------------------

_worker: tuple[Captures, Extractor] | None = None


def _init_worker(root: Path, extract: Extractor) -> None:
    global _worker
    _worker = (Captures(None, root), extract)


def _extract_in_worker(row: dict) -> tuple[dict, Any]:
    assert _worker is not None
    return row, _extract_one(_worker[0], row, _worker[1])


def _extracted(
    rows: list[dict], root: Path, extract: Extractor, workers: int
) -> Iterator[tuple[dict, Any]]:
    """(row, Article or Problem) for each row, in order."""
    if workers > 1 and len(rows) > 1 and "fork" in multiprocessing.get_all_start_methods():
        # fork: the workers inherit ``extract`` as it is (even a local function or a patch).
        context = multiprocessing.get_context("fork")
        with context.Pool(workers, initializer=_init_worker, initargs=(root, extract)) as pool:
            yield from pool.imap(_extract_in_worker, rows, chunksize=16)
        return
    reader = Captures(None, root)
    for row in rows:
        yield row, _extract_one(reader, row, extract)


def _extract_one(reader: Captures, row: dict, extract: Extractor) -> Any:
    """The Article extracted from the row's capture, or a Problem."""
    from crawler.extraction.errors import NotAnArticle

    try:
        response = reader.read(row)
    except CaptureError as error:
        return _problem(row, f"unreadable: {error}")
    try:
        article = extract(response.body, row["url"], content_type=response.content_type)
    except NotAnArticle as error:
        return _problem(row, f"not_article:{error.reason}")
    article.url = row["article_url"]  # the archived URL, whatever the page calls itself now
    article.fetched_at = row["fetched_at"]  # when these bytes were fetched, not now
    return article


def _problem(row: dict, reason: str) -> Problem:
    return Problem(row["article_id"], row["article_url"], row["id"], reason)


# --- storing (in this process) ----------------------------------------------------------------


def _store(
    archive: Archive, captures: Captures, row: dict, article: Any, version: str
) -> str | Problem:
    db = archive.db
    with archive.batch():  # one transaction, then the archive's WAL check
        kept = db.execute(
            "SELECT last_seen, removed_at, removed_reason FROM articles WHERE id = ?",
            [row["article_id"]],
        ).fetchone()
        try:
            outcome = archive.store_article(article)
        except InvalidArticle as error:
            return _problem(row, f"invalid: {error}")
        if outcome == "refused":  # not the article (archive.changeguard): nothing else changes
            return _problem(row, f"not_the_article:{changeguard.refusal_of(archive, article.url)}")
        # Not a fetch: the article was not seen again and did not come back.
        db.execute(
            "UPDATE articles SET last_seen = ?, removed_at = ?, removed_reason = ? WHERE id = ?",
            [*kept, row["article_id"]],
        )
        captures.set_provenance(article.url, row["id"], version)
        if outcome == "changed":
            captures.set_latest_revision_provenance(row["article_id"], row["id"], version)
    return outcome
