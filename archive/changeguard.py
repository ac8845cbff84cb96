"""The storing path's guard: a page that is not the article never changes it, and a crawl run's
changes wait for the run's end, so a run that would change too much at once changes nothing.

``Archive.store_article`` calls ``intercept`` (its one hook) for every article it stores, in
the same transaction, before anything is written; ``intercept`` judges new URLs and changed
articles. It judges the page (``archive.changes.judge``):

- **not the article** (a notice, the same text under many URLs, a wholesale replacement...):
  nothing of the article changes. The page is recorded in ``held_changes`` (status
  ``refused``, or ``suspected_removal`` for a soft 404) and, in a crawl run, in ``failures``
  with the reason (``not_the_article:<signals>`` or ``suspected_removal:<signals>``). A
  suspected removal is *confirmed* when a later run sees the soft 404 again without having
  seen the article in between: the article then gets ``removed_at`` (reason
  ``soft_404:<signals>``), and it is cleared as every removal is, by the article coming back.
  The outcome is ``refused``.
- **a real edit, in a run that holds its changes** (``begin_run``): recorded in
  ``held_changes`` with status ``held`` (the extracted article as JSON); the outcome is
  ``held``. At the run's end, ``settle_run`` judges the held changes again with the whole run
  in view (the same text under many URLs) and either stores them as revisions (``stored``) or,
  when the run's verdict is a mass change, keeps them out (``mass_change``): they stay in
  ``held_changes``, the article keeps naming the capture of its archived text (so
  ``tinlanhdao reprocess`` cannot read the change in), and an operator who accepts them runs
  the crawl again with ``-a accept_mass_change=1``. Changes held by a run that died are
  marked ``abandoned`` when the next run begins (the next run that fetches the article sees
  the change again).
- anything else (a new article; an edit outside a holding run, such as ``tinlanhdao
  reprocess``): stored as usual.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import sqlite_utils

from archive import storing
from archive.changes import SAME_TEXT_MIN_URLS, RunContext, Version, crawl_day, judge, text_key
from archive.schema import utc_now as _now
from archive.transactions import write_transaction
from crawler.article import Article

if TYPE_CHECKING:
    from archive.store import Archive

GuardOutcome = Literal["held", "refused"]
REFUSED = "refused"
HELD = "held"


@dataclass
class Settlement:
    """What ``settle_run`` did with a run's held changes."""

    stored: int = 0  # became revisions
    kept_out: int = 0  # a mass change: not stored, kept in held_changes
    refused: int = 0  # judged not the article once the whole run was seen


def begin_run(archive: Archive, run_id: int) -> int:
    """Make run ``run_id`` hold its changes until ``settle_run``; mark changes still held by
    runs that never settled (they died) ``abandoned``, and return how many."""
    now = _now()
    with write_transaction(archive.db):
        archive.db.execute(
            "INSERT OR IGNORE INTO held_runs (run_id, started_at) VALUES (?, ?)", [run_id, now]
        )
        cursor = archive.db.execute(
            "UPDATE held_changes SET status = 'abandoned', decided_at = ? "
            "WHERE status = 'held' AND run_id != ?",
            [now, run_id],
        )
        return cursor.rowcount


def intercept(
    db: sqlite_utils.Database, article: Article | dict[str, Any], run_id: int | None
) -> GuardOutcome | None:
    """The storing path's hook, called inside the store's transaction: None to store the
    article as usual (unchanged, invalid, or judged a new article or a real edit), or the
    outcome ``refused`` (not the article; recorded) or ``held`` (kept until the run's end)."""
    record = storing.as_article(article)
    if not (record.url and record.title and record.body):
        return None  # storing refuses it (InvalidArticle)
    row = db.execute(
        "SELECT id, content_hash, title, body, published, author, lead FROM articles "
        "WHERE url = ?", [record.url]
    ).fetchone()
    if row is not None and row[1] == record.compute_hash():
        return None  # unchanged
    article_id = row[0] if row is not None else None
    archived = Version(*(value or "" for value in row[2:])) if row is not None else None  # NULL: ''
    new = Version.of(record)
    key = text_key(new)
    day = crawl_day(record.fetched_at or _now())
    judgement = judge(archived, new, RunContext(day, _urls_with_text(db, run_id, key, record.url)))
    if judgement.not_the_article:
        _refuse(db, record, article_id, run_id, key, judgement.reason,
                judgement.suspected_removal)  # fmt: skip
        return REFUSED
    if article_id is None or not _holding(db, run_id):
        return None
    _insert(db, run_id, article_id, record, key, HELD, "")
    db.execute(  # the provenance to give back if the change is kept out (see settle_run)
        "UPDATE held_changes SET (kept_capture_id, kept_extractor_version) = "
        "(SELECT capture_id, extractor_version FROM articles WHERE id = ?) WHERE id = ?",
        [article_id, db.execute("SELECT last_insert_rowid()").fetchone()[0]],
    )
    return HELD


def settle_run(archive: Archive, run_id: int, store: bool) -> Settlement:
    """End run ``run_id``'s holding: judge its held changes again with the whole run in view,
    then store them as revisions (``store``) or keep them out as a mass change."""
    db = archive.db
    settlement = Settlement()
    if not _holding(db, run_id):
        return settlement
    with write_transaction(db):
        db.execute("UPDATE held_runs SET settled_at = ? WHERE run_id = ?", [_now(), run_id])
    rows = db.execute(
        "SELECT id, url, text_key, article, article_id, kept_capture_id, kept_extractor_version "
        "FROM held_changes WHERE run_id = ? AND status = ? ORDER BY id",
        [run_id, HELD],
    ).fetchall()
    for held_id, url, key, article_json, article_id, *kept in rows:
        with write_transaction(db):
            urls = _urls_with_text(db, run_id, key, url)
            if urls >= SAME_TEXT_MIN_URLS:
                reason = f"same_text:{urls}"
                _decide(db, held_id, REFUSED, reason)
                _give_back_provenance(db, article_id, kept)
                record = Article(**json.loads(article_json))
                _record_failure(db, record, run_id, f"not_the_article:{reason}")
                settlement.refused += 1
            elif store:
                storing.store_article(db, Article(**json.loads(article_json)), run_id)
                _link_revision_to_capture(db, url)
                _decide(db, held_id, "stored", "")
                settlement.stored += 1
            else:
                _decide(db, held_id, "mass_change", "the run changed too many articles at once")
                _give_back_provenance(db, article_id, kept)
                settlement.kept_out += 1
    return settlement


def refusal_of(archive: Archive, url: str) -> str:
    """The reason the latest page of ``url`` was refused ('' if none was)."""
    row = archive.db.execute(
        "SELECT reason FROM held_changes WHERE url = ? AND status IN "
        "('refused', 'suspected_removal', 'removal_confirmed') ORDER BY id DESC LIMIT 1",
        [url],
    ).fetchone()
    return row[0] if row else ""


# --- helpers ---------------------------------------------------------------------------------


def _holding(db: sqlite_utils.Database, run_id: int | None) -> bool:
    if run_id is None:
        return False
    row = db.execute(
        "SELECT 1 FROM held_runs WHERE run_id = ? AND settled_at IS NULL", [run_id]
    ).fetchone()
    return row is not None


def _urls_with_text(db: sqlite_utils.Database, run_id: int | None, key: str, url: str) -> int:
    """How many URLs served this text in run ``run_id`` (``url`` included)."""
    if run_id is None:
        return 1
    row = db.execute(
        "SELECT count(DISTINCT url) FROM held_changes WHERE run_id = ? AND text_key = ? "
        "AND url != ?",
        [run_id, key, url],
    ).fetchone()
    return 1 + int(row[0])


def _refuse(db: sqlite_utils.Database, record: Article, article_id: int | None,
            run_id: int | None, key: str, reason: str, removal: bool) -> None:  # fmt: skip
    status = "suspected_removal" if removal else REFUSED
    if removal and article_id is not None and _suspected_before(db, record.url, run_id):
        status = "removal_confirmed"
        storing.mark_removed(db, record.url, record.fetched_at, f"soft_404:{reason}")
    _insert(db, run_id, article_id, record, key, status, reason)
    label = "suspected_removal" if removal else "not_the_article"
    _record_failure(db, record, run_id, f"{label}:{reason}")


def _suspected_before(db: sqlite_utils.Database, url: str, run_id: int | None) -> bool:
    """True when an earlier run saw a soft 404 at ``url`` and nobody has seen the article
    itself since (its ``last_seen`` is older than that page)."""
    row = db.execute(
        "SELECT 1 FROM held_changes h JOIN articles a ON a.url = h.url WHERE h.url = ? "
        "AND h.status IN ('suspected_removal', 'removal_confirmed') AND h.run_id IS NOT NULL "
        "AND h.run_id IS NOT ? AND h.fetched_at > coalesce(a.last_seen, '') LIMIT 1",
        [url, run_id],
    ).fetchone()
    return row is not None


def _record_failure(db: sqlite_utils.Database, record: Article, run_id: int | None,
                    reason: str) -> None:  # fmt: skip
    if run_id is None:  # reprocessing reports it instead
        return
    storing.record_failure(db, record.url, reason, None, run_id,
                           "the page served is not the article; nothing was changed",
                           record.fetched_at)  # fmt: skip


def _insert(db: sqlite_utils.Database, run_id: int | None, article_id: int | None,
            record: Article, key: str, status: str, reason: str) -> None:  # fmt: skip
    db.execute(
        "INSERT INTO held_changes (run_id, article_id, url, text_key, status, reason, article, "
        "fetched_at, decided_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [run_id, article_id, record.url, key, status, reason,
         json.dumps(record.to_dict(), ensure_ascii=False), record.fetched_at or _now(),
         None if status == HELD else _now()],
    )  # fmt: skip


def _decide(db: sqlite_utils.Database, held_id: int, status: str, reason: str) -> None:
    db.execute(
        "UPDATE held_changes SET status = ?, reason = ?, decided_at = ? WHERE id = ?",
        [status, reason, _now(), held_id],
    )


def _link_revision_to_capture(db: sqlite_utils.Database, url: str) -> None:
    """The revision a settled change created comes from the capture the crawl linked to the
    article when it held the change (the article's capture_id)."""
    db.execute(
        "UPDATE revisions SET capture_id = (SELECT capture_id FROM articles WHERE url = ?), "
        "extractor_version = (SELECT extractor_version FROM articles WHERE url = ?) "
        "WHERE id = (SELECT max(r.id) FROM revisions r JOIN articles a ON a.id = r.article_id "
        "WHERE a.url = ?) AND capture_id IS NULL",
        [url, url, url],
    )


def _give_back_provenance(db: sqlite_utils.Database, article_id: int, kept: list) -> None:
    """The article's text stays the archived one: so does the capture it names. The crawl
    named the held change's capture as the article's when it held it; that capture no longer
    names the article either, so reprocessing never reads the change in through it."""
    db.execute(
        "UPDATE captures SET article_id = NULL WHERE id = "
        "(SELECT capture_id FROM articles WHERE id = ?) AND id IS NOT ?",
        [article_id, kept[0]],
    )
    db.execute("UPDATE articles SET capture_id = ?, extractor_version = ? WHERE id = ?",
               [*kept, article_id])  # fmt: skip

