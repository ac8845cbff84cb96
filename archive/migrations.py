"""The archive's migrations: literal SQL, applied in order, each once, recorded in ``migrations``.

A migration is a function of the database whose statements are written out here, never built
from the Python description of the tables (``archive.schema.TABLES``): once committed it is
frozen, so a new archive goes through exactly the steps an old one went through, and every
archive of one version has the same schema. A schema change is a new function appended to
``MIGRATIONS`` (``m002_...``); an applied one is never edited. tests/support/schema.sql holds
the schema the committed migrations produce, and a test compares a fresh archive with it.

Each pending migration runs in its own write transaction (``BEGIN IMMEDIATE``), which re-reads
the applied ones first: two processes opening a new archive at once apply it once, and opening
an archive that is up to date takes no write lock.

m001_base is the schema of the first release. The migrations of the development versions
before it (m001_tables ... m006_compact_pairs) were squashed into it, as no archive had been
published; an archive that recorded them is refused (``unknown_migrations``), not guessed at.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

import sqlite_utils

from archive.leaders.tables import m002_leaders
from archive.researchers_schema import M003_RESEARCHERS
from archive.schema import utc_now
from archive.transactions import write_transaction

MIGRATIONS_TABLE = """
CREATE TABLE IF NOT EXISTS migrations (
   id INTEGER PRIMARY KEY,
   name TEXT,
   applied_at TEXT
)"""

# The migrations of the development versions squashed into m001_base.
SQUASHED = (
    "m001_tables", "m002_search_index", "m003_run_details", "m004_captures",
    "m005_search_pairs", "m006_compact_pairs",
)  # fmt: skip

# The search index's text of one column: the text, followed by a copy with đ -> d when it holds
# đ or Đ (the unicode61 tokenizer never folds đ; see archive.schema). Written out in each
# trigger below; archive.index.rebuild_search_index indexes the same expression.
M001_BASE = """
CREATE TABLE crawl_runs (
   id INTEGER PRIMARY KEY,
   spider TEXT,
   mode TEXT,
   start_url TEXT,
   started_at TEXT,
   finished_at TEXT,
   status TEXT,
   finish_reason TEXT,
   articles_new INTEGER,
   articles_changed INTEGER,
   articles_unchanged INTEGER,
   failures INTEGER,
   requests INTEGER,
   response_bytes INTEGER,
   counts TEXT,
   exit_status INTEGER,
   problems TEXT,
   listing_pages INTEGER,
   articles_failed INTEGER,
   articles_removed INTEGER,
   layouts TEXT,
   fallback_used INTEGER,
   reached_end INTEGER
);

CREATE TABLE articles (
   id INTEGER PRIMARY KEY,
   url TEXT NOT NULL,
   portal_id TEXT,
   section TEXT,
   title TEXT,
   published TEXT,
   year INTEGER,
   author TEXT,
   lead TEXT,
   body TEXT,
   body_html TEXT,
   word_count INTEGER,
   language TEXT,
   content_hash TEXT,
   layout TEXT,
   first_seen TEXT,
   last_seen TEXT,
   removed_at TEXT,
   removed_reason TEXT,
   capture_id INTEGER,
   extractor_version TEXT
);
CREATE UNIQUE INDEX idx_articles_url ON articles (url);
CREATE INDEX idx_articles_published ON articles (published);
CREATE INDEX idx_articles_year ON articles (year);
CREATE INDEX idx_articles_author ON articles (author);
CREATE INDEX idx_articles_section ON articles (section);
CREATE INDEX idx_articles_portal_id ON articles (portal_id);
CREATE INDEX idx_articles_removed_at ON articles (removed_at);
CREATE INDEX idx_articles_capture_id ON articles (capture_id);

CREATE TABLE revisions (
   id INTEGER PRIMARY KEY,
   article_id INTEGER REFERENCES articles(id),
   run_id INTEGER REFERENCES crawl_runs(id),
   content_hash TEXT,
   title TEXT,
   published TEXT,
   author TEXT,
   lead TEXT,
   body TEXT,
   body_html TEXT,
   fetched_at TEXT,
   capture_id INTEGER,
   extractor_version TEXT
);
CREATE INDEX idx_revisions_article_id ON revisions (article_id);

CREATE TABLE images (
   id INTEGER PRIMARY KEY,
   article_id INTEGER REFERENCES articles(id),
   revision_id INTEGER REFERENCES revisions(id),
   position INTEGER,
   src TEXT,
   caption TEXT,
   credit TEXT,
   replaced_at TEXT
);
CREATE INDEX idx_images_article_id ON images (article_id);

CREATE TABLE attachments (
   id INTEGER PRIMARY KEY,
   article_id INTEGER REFERENCES articles(id),
   revision_id INTEGER REFERENCES revisions(id),
   position INTEGER,
   url TEXT NOT NULL,
   title TEXT,
   replaced_at TEXT
);
CREATE INDEX idx_attachments_article_id ON attachments (article_id);

CREATE TABLE failures (
   id INTEGER PRIMARY KEY,
   url TEXT NOT NULL,
   reason TEXT,
   http_status INTEGER,
   detail TEXT,
   run_id INTEGER REFERENCES crawl_runs(id),
   failed_at TEXT
);
CREATE INDEX idx_failures_url ON failures (url);
CREATE INDEX idx_failures_run_id ON failures (run_id);

CREATE TABLE captures (
   id INTEGER PRIMARY KEY,
   url TEXT NOT NULL,
   fetched_at TEXT NOT NULL,
   http_status INTEGER,
   mime TEXT,
   payload_digest TEXT,
   payload_length INTEGER,
   record_type TEXT,
   refers_to_id INTEGER REFERENCES captures(id),
   warc_file TEXT NOT NULL,
   offset INTEGER NOT NULL,
   length INTEGER NOT NULL,
   record_id TEXT,
   run_id INTEGER REFERENCES crawl_runs(id),
   article_id INTEGER REFERENCES articles(id)
);
CREATE INDEX idx_captures_url_id ON captures (url, id);
CREATE INDEX idx_captures_article_id_id ON captures (article_id, id);
CREATE INDEX idx_captures_run_id ON captures (run_id);
CREATE INDEX idx_captures_warc_file ON captures (warc_file);

CREATE VIRTUAL TABLE articles_fts USING fts5(title, lead, body,
   content="articles", content_rowid="id", tokenize='unicode61 remove_diacritics 2');
INSERT INTO articles_fts(articles_fts, rank) VALUES ('rank', 'bm25(10.0, 4.0, 1.0)');

CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN
   INSERT INTO articles_fts(rowid, title, lead, body) VALUES (new.id,
      CASE WHEN coalesce(new.title, '') GLOB '*[đĐ]*' THEN coalesce(new.title, '') || ' ' ||
         replace(replace(coalesce(new.title, ''), 'đ', 'd'), 'Đ', 'D')
         ELSE coalesce(new.title, '') END,
      CASE WHEN coalesce(new.lead, '') GLOB '*[đĐ]*' THEN coalesce(new.lead, '') || ' ' ||
         replace(replace(coalesce(new.lead, ''), 'đ', 'd'), 'Đ', 'D')
         ELSE coalesce(new.lead, '') END,
      CASE WHEN coalesce(new.body, '') GLOB '*[đĐ]*' THEN coalesce(new.body, '') || ' ' ||
         replace(replace(coalesce(new.body, ''), 'đ', 'd'), 'Đ', 'D')
         ELSE coalesce(new.body, '') END);
END;

CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN
   INSERT INTO articles_fts(articles_fts, rowid, title, lead, body) VALUES ('delete', old.id,
      CASE WHEN coalesce(old.title, '') GLOB '*[đĐ]*' THEN coalesce(old.title, '') || ' ' ||
         replace(replace(coalesce(old.title, ''), 'đ', 'd'), 'Đ', 'D')
         ELSE coalesce(old.title, '') END,
      CASE WHEN coalesce(old.lead, '') GLOB '*[đĐ]*' THEN coalesce(old.lead, '') || ' ' ||
         replace(replace(coalesce(old.lead, ''), 'đ', 'd'), 'Đ', 'D')
         ELSE coalesce(old.lead, '') END,
      CASE WHEN coalesce(old.body, '') GLOB '*[đĐ]*' THEN coalesce(old.body, '') || ' ' ||
         replace(replace(coalesce(old.body, ''), 'đ', 'd'), 'Đ', 'D')
         ELSE coalesce(old.body, '') END);
END;

CREATE TRIGGER articles_fts_update AFTER UPDATE OF title, lead, body ON articles BEGIN
   INSERT INTO articles_fts(articles_fts, rowid, title, lead, body) VALUES ('delete', old.id,
      CASE WHEN coalesce(old.title, '') GLOB '*[đĐ]*' THEN coalesce(old.title, '') || ' ' ||
         replace(replace(coalesce(old.title, ''), 'đ', 'd'), 'Đ', 'D')
         ELSE coalesce(old.title, '') END,
      CASE WHEN coalesce(old.lead, '') GLOB '*[đĐ]*' THEN coalesce(old.lead, '') || ' ' ||
         replace(replace(coalesce(old.lead, ''), 'đ', 'd'), 'Đ', 'D')
         ELSE coalesce(old.lead, '') END,
      CASE WHEN coalesce(old.body, '') GLOB '*[đĐ]*' THEN coalesce(old.body, '') || ' ' ||
         replace(replace(coalesce(old.body, ''), 'đ', 'd'), 'Đ', 'D')
         ELSE coalesce(old.body, '') END);
   INSERT INTO articles_fts(rowid, title, lead, body) VALUES (new.id,
      CASE WHEN coalesce(new.title, '') GLOB '*[đĐ]*' THEN coalesce(new.title, '') || ' ' ||
         replace(replace(coalesce(new.title, ''), 'đ', 'd'), 'Đ', 'D')
         ELSE coalesce(new.title, '') END,
      CASE WHEN coalesce(new.lead, '') GLOB '*[đĐ]*' THEN coalesce(new.lead, '') || ' ' ||
         replace(replace(coalesce(new.lead, ''), 'đ', 'd'), 'Đ', 'D')
         ELSE coalesce(new.lead, '') END,
      CASE WHEN coalesce(new.body, '') GLOB '*[đĐ]*' THEN coalesce(new.body, '') || ' ' ||
         replace(replace(coalesce(new.body, ''), 'đ', 'd'), 'Đ', 'D')
         ELSE coalesce(new.body, '') END);
END;

CREATE VIRTUAL TABLE articles_fts_pairs USING fts5(body, lead, title,
   content='', columnsize=0, tokenize="unicode61 remove_diacritics 0 tokenchars '_'");
INSERT INTO articles_fts_pairs(articles_fts_pairs, rank) VALUES ('automerge', 16);
"""


def m001_base(db: sqlite_utils.Database) -> None:
    """The first release's schema: the tables, their indexes, the search index
    ``articles_fts`` with its triggers and the pair index ``articles_fts_pairs`` (both
    described in archive.schema)."""
    run_script(db, M001_BASE)


def m003_researchers(db: sqlite_utils.Database) -> None:
    """Issue 13: absent text NULL, never ''; ``articles.published_date``; the tone-mark index
    ``articles_fts_marks``; the pair index rebuilt to be kept by triggers from the view
    ``articles_pair_text`` (archive/researchers_schema.py, beside its reasons)."""
    run_script(db, M003_RESEARCHERS)


M004_HELD_CHANGES = """
CREATE TABLE held_runs (
   run_id INTEGER PRIMARY KEY REFERENCES crawl_runs(id),
   started_at TEXT NOT NULL,
   settled_at TEXT
);
CREATE TABLE held_changes (
   id INTEGER PRIMARY KEY,
   run_id INTEGER REFERENCES crawl_runs(id),
   article_id INTEGER REFERENCES articles(id),
   url TEXT NOT NULL,
   text_key TEXT NOT NULL,
   status TEXT NOT NULL,
   reason TEXT NOT NULL DEFAULT '',
   article TEXT NOT NULL,
   fetched_at TEXT,
   decided_at TEXT,
   kept_capture_id INTEGER,
   kept_extractor_version TEXT
);
CREATE INDEX held_changes_run_text ON held_changes(run_id, text_key);
CREATE INDEX held_changes_url ON held_changes(url);
CREATE INDEX held_changes_status ON held_changes(status);
"""


def m004_held_changes(db: sqlite_utils.Database) -> None:
    """Issue 16: the crawl runs that hold their changes until their end, and the pages judged
    not the article with the changes held (archive.changeguard; described in archive.schema)."""
    run_script(db, M004_HELD_CHANGES)


MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [
    m001_base,
    m002_leaders,  # archive/leaders/tables.py, beside the rules that fill its tables
    m003_researchers,  # archive/researchers_schema.py
    m004_held_changes,
]


def run_script(db: sqlite_utils.Database, script: str) -> None:
    """Execute the statements of ``script`` one by one inside the open transaction
    (``executescript`` would commit it first)."""
    statement = ""
    for line in script.splitlines(keepends=True):
        statement += line
        if sqlite3.complete_statement(statement):
            db.execute(statement)
            statement = ""
    if statement.strip():
        raise ValueError(f"incomplete SQL statement at the end of a migration: {statement!r}")


def applied_migrations(db: sqlite_utils.Database) -> list[str]:
    """Names of the migrations already applied to ``db``, in order."""
    if not db.table("migrations").exists():
        return []
    return [row[0] for row in db.execute("SELECT name FROM migrations ORDER BY id")]


def pending_migrations(db: sqlite_utils.Database) -> list[str]:
    """Names of the migrations ``db`` still needs."""
    done = set(applied_migrations(db))
    return [m.__name__ for m in MIGRATIONS if m.__name__ not in done]


def unknown_migrations(db: sqlite_utils.Database) -> list[str]:
    """Applied migrations this version does not know: the archive was made by a development
    version before m001_base (``SQUASHED``) or by a newer version. Such an archive is refused."""
    known = {m.__name__ for m in MIGRATIONS}
    return [name for name in applied_migrations(db) if name not in known]


def migrate(db: sqlite_utils.Database) -> list[str]:
    """Apply every pending migration, each in its own write transaction; return the names
    applied. Check ``unknown_migrations`` first."""
    applied = []
    for migration in MIGRATIONS:
        if migration.__name__ in applied_migrations(db):
            continue  # read without the write lock: opening an up-to-date archive takes none
        with write_transaction(db):
            db.execute(MIGRATIONS_TABLE)
            if migration.__name__ in applied_migrations(db):  # another process was first
                continue
            migration(db)
            db.execute(
                "INSERT INTO migrations (name, applied_at) VALUES (?, ?)",
                [migration.__name__, utc_now()],
            )
        applied.append(migration.__name__)
    return applied

