"""Judging a finished run: its exit status, the problems behind it, and the summary block.

``assess`` is a pure function of the crawler's stats; the run's owner (``crawler.run``) calls
it once, when the spider closes. Cron sees a non-zero status when:

=====  ============================  ========================================================
code   problem                       meaning
=====  ============================  ========================================================
3      ``failures_over_threshold``   more than FAILURE_THRESHOLD of the article pages failed
4      ``layout_drift``              the known layouts matched nothing; the fallback did it all
5      ``listing_without_articles``  a listing page held no article links
6      ``portal_unreachable``        no listing page could be fetched at all
7      ``interrupted``               the run ended early (Ctrl-C, SIGTERM, a close condition)
8      ``extraction_error``          extracting a page raised an error: a bug, see the log
9      ``robots_forbidden``          robots.txt forbids the section's listing to our User-Agent
10     ``storage_failed``            the archive or a WARC file could not be written
11     ``not_the_article``           over FAILURE_THRESHOLD of the article pages were notices
                                     (soft 404, maintenance, login...): nothing changed
12     ``mass_change``               over MASS_CHANGE_SHARE of the archived articles fetched
                                     would change at once: none is stored (archive.changeguard);
                                     ``-a accept_mass_change=1`` accepts them
75     (crawler.run)                 another run holds the archive's lock
=====  ============================  ========================================================

When several problems occur, the highest code wins and the summary names them all.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

logger = logging.getLogger(__name__)

EXIT_CODES = {
    "failures_over_threshold": 3,
    "layout_drift": 4,
    "listing_without_articles": 5,
    "portal_unreachable": 6,
    "interrupted": 7,
    "extraction_error": 8,
    "robots_forbidden": 9,
    "storage_failed": 10,
    "not_the_article": 11,
    "mass_change": 12,
}
EXIT_LOCKED = 75  # EX_TEMPFAIL: try again later
STORAGE_ERROR = "tinlanhdao/storage_error"  # the stat naming the write that failed


@dataclass
class Verdict:
    """The outcome of a run: 0 and no problems, or the worst problem's code and every problem."""

    exit_status: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.exit_status == 0


def _sum_prefix(stats: dict[str, Any], prefix: str) -> int:
    return sum(int(v) for k, v in stats.items() if k.startswith(prefix) and isinstance(v, int))


def failed_pages(stats: dict[str, Any]) -> int:
    """Pages that failed for good, were not articles, or made the extractor fail."""
    return (_sum_prefix(stats, "tinlanhdao/failed/") + _sum_prefix(stats, "tinlanhdao/not_article/")
            + int(stats.get("tinlanhdao/extraction_error", 0)))


def layout_counts(stats: dict[str, Any]) -> dict[str, int]:
    """Articles extracted per layout name, from the ``tinlanhdao/layout/<name>`` stats."""
    prefix = "tinlanhdao/layout/"
    return {k[len(prefix):]: int(v) for k, v in sorted(stats.items()) if k.startswith(prefix)}


def assess(stats: dict[str, Any], settings: Any = None) -> Verdict:
    """Judge a run from its stats; ``settings`` supplies FAILURE_THRESHOLD and
    LAYOUT_DRIFT_MIN_ARTICLES (defaults 0.2 and 3)."""
    get = settings.getfloat if settings is not None else (lambda _k, d: d)
    threshold = get("FAILURE_THRESHOLD", 0.2)
    drift_min = int(get("LAYOUT_DRIFT_MIN_ARTICLES", 3))
    problems = []
    finish_reason = stats.get("finish_reason", "finished")
    if stats.get(STORAGE_ERROR):
        problems.append("storage_failed")
    elif finish_reason not in ("finished", None):
        problems.append("interrupted")
    if stats.get("tinlanhdao/extraction_error"):
        problems.append("extraction_error")
    articles = int(stats.get("tinlanhdao/articles", 0))
    listing_failed = _sum_prefix(stats, "tinlanhdao/listing_failed/")
    # No listing page came through, and it failed or nothing else did either. (A run resumed
    # from a JOBDIR may have no listing page left to fetch, only articles.)
    if not stats.get("tinlanhdao/listing_pages") and (listing_failed or not articles):
        forbidden = stats.get("tinlanhdao/listing_failed/robots_forbidden")
        problems.append("robots_forbidden" if forbidden else "portal_unreachable")
    if stats.get("tinlanhdao/listing_without_articles"):
        problems.append("listing_without_articles")
    failed = failed_pages(stats)
    attempted = articles + failed
    if failed and attempted and failed / attempted > threshold:
        problems.append("failures_over_threshold")
    refused = int(stats.get("tinlanhdao/stored/refused", 0))
    if refused and attempted and refused / attempted > threshold:
        problems.append("not_the_article")
    fallback = layout_counts(stats).get("fallback", 0)
    if articles >= drift_min and fallback == articles:
        problems.append("layout_drift")
    if is_mass_change(stats, settings):
        problems.append("mass_change")
    codes = [EXIT_CODES[p] for p in problems]
    return Verdict(exit_status=max(codes, default=0), problems=problems)


def would_change(stats: dict[str, Any]) -> tuple[int, int]:
    """(archived articles that would change, archived articles fetched): the changes held until
    the run's end, of the held, unchanged and refused pages (archive.changeguard)."""
    changing = int(stats.get("tinlanhdao/stored/held", 0))
    others = sum(int(stats.get(f"tinlanhdao/stored/{k}", 0)) for k in ("unchanged", "refused"))
    return changing, changing + others


def is_mass_change(stats: dict[str, Any], settings: Any = None) -> bool:
    """More than MASS_CHANGE_SHARE (0.2) of the archived articles fetched, and at least
    MASS_CHANGE_MIN_ARTICLES (5), would change at once, and the operator did not accept it."""
    get = settings.getfloat if settings is not None else (lambda _k, d: d)
    changing, fetched = would_change(stats)
    return (changing >= get("MASS_CHANGE_MIN_ARTICLES", 5) and fetched > 0
            and changing / fetched > get("MASS_CHANGE_SHARE", 0.2)
            and not stats.get("tinlanhdao/accept_mass_change"))  # fmt: skip


def summary_lines(stats: dict[str, Any], verdict: Verdict, mode: str) -> list[str]:
    """The end-of-run summary: five lines, and one more for each further problem."""
    layouts = ", ".join(f"{k} {v}" for k, v in layout_counts(stats).items()) or "none"
    stored = {k: stats.get(f"tinlanhdao/stored/{k}", 0) for k in ("new", "changed", "unchanged")}
    refused = stats.get("tinlanhdao/stored/refused", 0)
    explained = {
        "failures_over_threshold": "too many article pages failed (see the failures table)",
        "layout_drift": "no known layout matched: the portal's markup changed, check with "
                        "`tinlanhdao extract`",
        "listing_without_articles": "a listing page held no article links",
        "portal_unreachable": "the portal could not be reached",
        "interrupted": f"the run ended early ({stats.get('finish_reason')})",
        "extraction_error": f"{stats.get('tinlanhdao/extraction_error')} page(s) made the "
                            "extractor fail: a bug, the traceback is in the log",
        "storage_failed": f"the archive could not be written ({stats.get(STORAGE_ERROR)})",
        "robots_forbidden": f"robots.txt: {stats.get('tinlanhdao/robots_forbidden')}",
        "not_the_article": f"{refused} page(s) were notices, not the article (soft 404, "
                           "maintenance, login...): nothing changed, see the failures table",
        "mass_change": "{} of {} archived articles fetched would change at once: none stored; "
                       "if the portal really changed them, run again with "
                       "-a accept_mass_change=1".format(*would_change(stats)),
    }  # fmt: skip
    run = stats.get("tinlanhdao/run_id", "?")
    megabytes = stats.get("downloader/response_bytes", 0) / 1e6
    lines = [
        f"tinlanhdao run {run} ({mode}): {stats.get('finish_reason', '?')}, exit status "
        f"{verdict.exit_status} ({'ok' if verdict.ok else 'PROBLEM'})",
        f"  articles: {stored['new']} new, {stored['changed']} changed, "
        f"{stored['unchanged']} unchanged, {failed_pages(stats)} failed"
        + (f" ({refused} not the article)" if refused else "")
        + f", {stats.get('tinlanhdao/stored/removed', 0)} removed",
        f"  fetched: {stats.get('tinlanhdao/listing_pages', 0)} listing pages, "
        f"{stats.get('downloader/request_count', 0)} requests, {megabytes:.1f} MB",
        f"  layouts: {layouts}",
    ]
    lines += [f"  problem: {p}: {explained[p]}" for p in verdict.problems] or ["  problems: none"]
    return lines
