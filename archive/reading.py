"""Reading: the questions the spider asks, articles for the command line and exports, and the
archive's statistics. Nothing here writes; every lookup is parameterized and indexed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import sqlite_utils

from archive.errors import ArticleNotFound

# How many URLs one `IN (...)` lookup binds (SQLite allows at least 999 parameters).
_LOOKUP_CHUNK = 500


def has_article(db: sqlite_utils.Database, url: str) -> bool:
    """True if an article with this URL is archived."""
    return db.execute("SELECT 1 FROM articles WHERE url = ?", [url]).fetchone() is not None


def known_urls(db: sqlite_utils.Database, urls: Iterable[str]) -> set[str]:
    """The URLs among ``urls`` that are archived, removed ones included (exact match on
    ``articles.url``; one indexed lookup per 500 URLs)."""
    wanted = list(dict.fromkeys(urls))
    known: set[str] = set()
    for start in range(0, len(wanted), _LOOKUP_CHUNK):
        chunk = wanted[start : start + _LOOKUP_CHUNK]
        marks = ", ".join("?" * len(chunk))  # placeholders only; the URLs are bound
        known.update(
            row[0]
            for row in db.execute(
                f"SELECT url FROM articles WHERE url IN ({marks})", chunk
            ).fetchall()
        )
    return known


def urls_published_since(db: sqlite_utils.Database, day: str) -> list[str]:
    """URLs of the archived, not removed articles published on or after ``day`` (an ISO date
    such as '2024-05-01'), newest first. Articles without a date are not included."""
    return [
        row[0]
        for row in db.execute(
            # `+removed_at`: walk the published index, not the (mostly null) removed_at one
            "SELECT url FROM articles WHERE published >= ? AND +removed_at IS NULL "
            "ORDER BY published DESC, id DESC",
            [day],
        ).fetchall()
    ]


def archived_urls(db: sqlite_utils.Database, include_removed: bool = False) -> list[str]:
    """URLs of every archived article in archive order, removed ones only on request."""
    where = "" if include_removed else " WHERE removed_at IS NULL"
    return [row[0] for row in db.execute(f"SELECT url FROM articles{where} ORDER BY id")]


def article_count(db: sqlite_utils.Database) -> int:
    """Number of articles in the archive."""
    return int(db.execute("SELECT count(*) FROM articles").fetchone()[0])


def get_article(db: sqlite_utils.Database, key: int | str) -> dict[str, Any]:
    """One article by id (an int or digits) or URL, as a dict with its current images and
    attachments and all its revisions (oldest first, without body_html).

    Raises ``ArticleNotFound``.
    """
    key_text = str(key).strip()
    column = "id" if key_text.isdigit() else "url"
    rows = list(db.query(f"SELECT * FROM articles WHERE {column} = ?", [key_text]))
    if not rows:
        raise ArticleNotFound(key)
    article = rows[0]
    article_id = article["id"]
    article["images"] = _current(db, "images", "position, src, caption, credit", article_id)
    article["attachments"] = _current(db, "attachments", "position, url, title", article_id)
    article["revisions"] = list(
        db.query(
            "SELECT id, run_id, content_hash, title, published, author, fetched_at, "
            "length(body) AS body_length FROM revisions WHERE article_id = ? ORDER BY id",
            [article_id],
        )
    )
    return article


def images_of(db: sqlite_utils.Database, article_id: int) -> list[dict[str, Any]]:
    """Current images of an article, in page order."""
    return _current(db, "images", "src, caption, credit", article_id)


def attachments_of(db: sqlite_utils.Database, article_id: int) -> list[dict[str, Any]]:
    """Current attachments of an article, in page order."""
    return _current(db, "attachments", "url, title", article_id)


def _current(
    db: sqlite_utils.Database, table: str, columns: str, article_id: int
) -> list[dict[str, Any]]:
    """The ``columns`` of the current (not replaced) rows of ``table`` (images or attachments)
    of an article, in page order; ``table`` and ``columns`` are constants, never input."""
    return list(db.query(
        f"SELECT {columns} FROM {table} WHERE article_id = ? AND replaced_at IS NULL "
        "ORDER BY position", [article_id]))  # fmt: skip


def stats(
    db: sqlite_utils.Database, top_authors: int = 10, last_runs: int = 5, removed: int = 20
) -> dict[str, Any]:
    """Totals, articles per year and per month, top authors, the last crawl runs (with
    their exit status, problems as a list, and counts) and the articles marked removed
    (``removed_count`` of them; the ``removed`` most recently marked listed)."""
    one = db.execute
    runs = list(
        db.query(
            "SELECT id, spider, mode, started_at, finished_at, status, finish_reason, "
            "exit_status, problems, listing_pages, requests, response_bytes, articles_new, "
            "articles_changed, articles_unchanged, articles_failed, articles_removed, "
            "failures, layouts, fallback_used, reached_end FROM crawl_runs "
            "ORDER BY id DESC LIMIT ?",
            [last_runs],
        )
    )
    for run in runs:
        run["problems"] = json.loads(run["problems"]) if run["problems"] else []
        run["layouts"] = json.loads(run["layouts"]) if run["layouts"] else {}
    return {
        "totals": {
            table: one(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in (
                "articles",
                "revisions",
                "images",
                "attachments",
                "failures",
                "crawl_runs",
            )
        },  # fmt: skip
        "per_year": list(
            db.query(
                "SELECT year, count(*) AS articles FROM articles GROUP BY year ORDER BY year"
            )
        ),
        "per_month": list(
            db.query(
                "SELECT substr(published, 1, 7) AS month, count(*) AS articles FROM articles "
                "WHERE published != '' GROUP BY month ORDER BY month"
            )
        ),
        "top_authors": list(
            db.query(
                "SELECT author, count(*) AS articles FROM articles WHERE author != '' "
                "GROUP BY author ORDER BY articles DESC, author LIMIT ?",
                [top_authors],
            )
        ),
        "last_runs": runs,
        "removed_count": one(
            "SELECT count(*) FROM articles WHERE removed_at IS NOT NULL"
        ).fetchone()[0],
        "removed_articles": list(
            db.query(
                "SELECT id, title, url, removed_at, removed_reason FROM articles "
                "WHERE removed_at IS NOT NULL ORDER BY removed_at DESC, id DESC LIMIT ?",
                [removed],
            )
        ),
    }
