"""Storing: articles with their revisions, images and attachments; failures; removals.

Storing is idempotent and loses nothing: an unchanged article moves ``last_seen`` and takes the
latest extraction's derived fields (``_DERIVED_FIELDS``), no revision; a changed one updates the
article row and adds one revision; no row is ever deleted. Each article is stored in its own
transaction (or its own savepoint of the caller's transaction); the search indexes follow
through their triggers (m001_base, m003_researchers), so they never lag behind the rows.

The NULL rule: absent text is stored as NULL, never '' (``or_null``), what pandas (``isna``)
and SQL (``IS NULL``) users expect; m003_researchers turned the '' of older rows into NULL.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any, Literal

import sqlite_utils

from archive.errors import InvalidArticle
from archive.leaders.tables import index_article as index_leaders
from archive.schema import utc_now
from archive.transactions import write_transaction
from crawler.article import Article

StoreOutcome = Literal["new", "changed", "unchanged"]

# Columns of `articles` that come straight from the Article record.
_ARTICLE_FIELDS = (
    "url", "portal_id", "section", "title", "published", "author", "lead", "body", "body_html",
    "word_count", "language", "content_hash", "layout",
)  # fmt: skip
# Fields the extractor derives from the same content (the hash leaves them out): an unchanged
# article gets them from its latest extraction, so its row always matches its provenance.
_DERIVED_FIELDS = ("body_html", "portal_id", "section", "word_count", "language", "layout")
_REVISION_FIELDS = ("content_hash", "title", "published", "author", "lead", "body", "body_html")
# The columns of an image and of an attachment (after article_id, revision_id and position).
_MEDIA_COLUMNS = {"images": ("src", "caption", "credit"), "attachments": ("url", "title")}


def or_null(value: Any) -> Any:
    """Absent text is stored as NULL, never '' (the archive's NULL rule, docs/archive.md)."""
    return None if value == "" else value


def as_article(article: Article | dict[str, Any]) -> Article:
    """Return ``article`` as an Article; a dict is read by field name (unknown keys ignored)."""
    if isinstance(article, Article):
        return article
    known = {f.name for f in fields(Article)}
    try:
        return Article(**{k: v for k, v in article.items() if k in known})
    except TypeError as error:
        raise InvalidArticle(f"not an article record: {error}") from error


def year_of(published: str | None) -> int | None:
    """The year of an ISO date ('2023-05-19...' -> 2023), or None."""
    if published and len(published) >= 4 and published[:4].isdigit():
        return int(published[:4])
    return None


def store_article(
    db: sqlite_utils.Database, article: Article | dict[str, Any], run_id: int | None = None
) -> StoreOutcome:
    """Store one article in its own transaction (a savepoint inside an open one); return
    "new", "changed" or "unchanged".

    New: one articles row, its first revision, its images and attachments. Unchanged (same
    content hash): ``last_seen`` moves, and the fields derived from that same content
    (``_DERIVED_FIELDS``: body_html, layout, ...) take the latest extraction's values.
    Changed: the article row is updated and exactly one revision added; images/attachments
    are replaced (old rows kept, ``replaced_at`` set) only if they differ. Raises
    ``InvalidArticle`` without url, title or body.
    """
    record = as_article(article)
    if not (record.url and record.title and record.body):
        raise InvalidArticle(f"article needs url, title and body: {record.url!r}")
    content_hash = record.compute_hash()  # of the content as it is now, never stale
    seen_at = record.fetched_at or utc_now()
    row = {name: or_null(getattr(record, name)) for name in _ARTICLE_FIELDS}
    row.update(content_hash=content_hash, year=year_of(record.published))
    with write_transaction(db):
        current = db.execute(
            "SELECT id, content_hash, last_seen FROM articles WHERE url = ?", [record.url]
        ).fetchone()
        if current is None:
            row.update(first_seen=seen_at, last_seen=seen_at)
            article_id = int(db.table("articles").insert(row).last_pk)
            revision_id = _add_revision(db, article_id, row, seen_at, run_id)
            _add_media(db, article_id, revision_id, record)
            index_leaders(db, article_id, record)
            return "new"
        article_id, current_hash, current_last_seen = current
        seen = {"last_seen": max(current_last_seen or "", seen_at), "removed_at": None,
                "removed_reason": None}  # fmt: skip
        if current_hash == content_hash:
            seen.update((name, row[name]) for name in _DERIVED_FIELDS)
            db.table("articles").update(article_id, seen)
            return "unchanged"
        db.table("articles").update(article_id, {**row, **seen})  # the triggers index it
        revision_id = _add_revision(db, article_id, row, seen_at, run_id)
        _add_media(db, article_id, revision_id, record, replaced_at=seen_at)
        index_leaders(db, article_id, record)
        return "changed"


def _add_revision(
    db: sqlite_utils.Database,
    article_id: int,
    row: dict[str, Any],
    fetched_at: str,
    run_id: int | None,
) -> int:
    revision = {name: row[name] for name in _REVISION_FIELDS}
    return int(db.table("revisions").insert(
        {"article_id": article_id, "run_id": run_id, **revision, "fetched_at": fetched_at}
    ).last_pk)  # fmt: skip


def _add_media(
    db: sqlite_utils.Database,
    article_id: int,
    revision_id: int,
    record: Article,
    replaced_at: str = "",
) -> None:
    """Add the images and attachments of ``record`` under ``revision_id``. When they replace
    the current ones (``replaced_at``), a table whose current rows are the same is left as it
    is; otherwise its current rows are marked replaced (kept, never deleted)."""
    link = {"article_id": article_id, "revision_id": revision_id}
    media = {
        "images": [(i.src, or_null(i.caption), or_null(i.credit)) for i in record.images],
        "attachments": [(a.url, or_null(a.title)) for a in record.attachments],
    }
    for table, values in media.items():
        columns = _MEDIA_COLUMNS[table]
        if replaced_at:
            current = db.execute(
                f"SELECT {', '.join(columns)} FROM {table} "
                "WHERE article_id = ? AND replaced_at IS NULL ORDER BY position", [article_id]
            ).fetchall()
            if current == values:
                continue
            db.execute(f"UPDATE {table} SET replaced_at = ? "
                       "WHERE article_id = ? AND replaced_at IS NULL", [replaced_at, article_id])
        db.table(table).insert_all(
            {**link, "position": n, **dict(zip(columns, row, strict=True))}
            for n, row in enumerate(values, start=1)
        )


def record_failure(
    db: sqlite_utils.Database,
    url: str,
    reason: str,
    http_status: int | None = None,
    run_id: int | None = None,
    detail: str = "",
    failed_at: str = "",
) -> int:
    """Record a page that yielded no article; return the failure id.

    A 404 or 410 for an archived article also sets its ``removed_at`` (see ``mark_removed``).
    """
    failed_at = failed_at or utc_now()
    with write_transaction(db):
        table = db.table("failures")
        table.insert(
            {
                "url": url,
                "reason": reason,
                "http_status": http_status,
                "detail": or_null(detail),
                "run_id": run_id,
                "failed_at": failed_at,
            }
        )
        failure_id = int(table.last_pk)
        if http_status in (404, 410):
            mark_removed(db, url, failed_at, reason)
        return failure_id


def mark_removed(db: sqlite_utils.Database, url: str, when: str = "", reason: str = "") -> bool:
    """Set ``removed_at`` (and ``removed_reason``) on the archived article at ``url`` unless
    it is already set; return True if this call marked it.

    An unknown URL is left alone (False). Nothing is deleted, and a mark is never cleared
    silently: only storing the article again (it came back) clears it.
    """
    with write_transaction(db):
        cursor = db.execute(
            "UPDATE articles SET removed_at = ?, removed_reason = ? "
            "WHERE url = ? AND removed_at IS NULL",
            [when or utc_now(), reason or None, url],
        )
        return cursor.rowcount > 0

