"""The researchers' schema: a plain publication date, a search index that keeps tone marks, and a
pair index that SQLite keeps true by itself.

``M003_RESEARCHERS`` is the literal SQL (frozen: it must build the same tables whatever the
Python code becomes) of the migration ``m003_researchers`` (archive.migrations), after
m002_leaders:

* The NULL rule: absent text is NULL, never ''. ``archive.storing`` stores it so; the migration
  turns the '' of existing rows into NULL in the text columns that could hold it (articles,
  revisions, images, attachments, and the crawl's optional texts in crawl_runs and failures),
  so ``df.author.isna()`` and ``WHERE author IS NULL`` find every article without a byline.
* ``articles.published_date``: 'YYYY-MM-DD' (the first ten characters of ``published`` when they
  are a date), NULL when the page gave no date. A virtual generated column, so no writer can
  leave it stale; indexed.
* ``articles_fts_marks``: FTS5 over articles' title, lead and body with ``unicode61
  remove_diacritics 0``: case is folded but every mark is kept, so ``năm`` and ``Nam``,
  ``hàn`` and ``hạn`` are different words. A query word typed with marks is looked up here (see
  ``archive.search``). It reads its text from ``articles`` (content='articles', quoted so that
  Datasette and sqlite-utils keep finding ``articles_fts`` as the articles table's index), and
  triggers keep it in step with every write, so FTS5's own 'rebuild' is also right for it.
* ``articles_fts_pairs``, rebuilt: the same adjacent-word pairs ('da_nang'), but computed in SQL
  by the view ``articles_pair_text`` and written by triggers, so a row written through
  sqlite-utils, pandas or the sqlite3 shell is indexed like one the crawl wrote (the pairs were
  written by Python before). It keeps its row sizes (columnsize=1): the compact form had none,
  and FTS5 then refuses any scan of the table ("table does not support scanning"), which broke
  ``sqlite-utils tables --counts`` and Datasette's page for it.

How the view makes pairs: đ -> d, line breaks and tabs -> spaces, runs of spaces squeezed, then
the text becomes a JSON array of its space-separated chunks (``json_quote`` escapes whatever the
text holds; a space never occurs inside an escape) and each chunk is joined to the next with
'_'. The tokenizer (``remove_diacritics 2``, '_' part of a token) folds marks and case and cuts
at punctuation, so "Đà Nẵng," gives the token ``da_nang``. Chunks joined by punctuation give no
pair: the phrase pass of the search simply does not see them, the plain pass still does.
"""

from __future__ import annotations

MARKS_TABLE = "articles_fts_marks"
PAIRS_TEXT_VIEW = "articles_pair_text"

M003_RESEARCHERS = r"""
UPDATE articles SET portal_id = NULL WHERE portal_id = '';
UPDATE articles SET section = NULL WHERE section = '';
UPDATE articles SET published = NULL WHERE published = '';
UPDATE articles SET author = NULL WHERE author = '';
UPDATE articles SET lead = NULL WHERE lead = '';
UPDATE articles SET body_html = NULL WHERE body_html = '';
UPDATE articles SET language = NULL WHERE language = '';
UPDATE articles SET layout = NULL WHERE layout = '';
UPDATE articles SET removed_reason = NULL WHERE removed_reason = '';
UPDATE articles SET extractor_version = NULL WHERE extractor_version = '';
UPDATE revisions SET published = NULL WHERE published = '';
UPDATE revisions SET author = NULL WHERE author = '';
UPDATE revisions SET lead = NULL WHERE lead = '';
UPDATE revisions SET body_html = NULL WHERE body_html = '';
UPDATE revisions SET extractor_version = NULL WHERE extractor_version = '';
UPDATE images SET caption = NULL WHERE caption = '';
UPDATE images SET credit = NULL WHERE credit = '';
UPDATE attachments SET title = NULL WHERE title = '';
UPDATE crawl_runs SET mode = NULL WHERE mode = '';
UPDATE crawl_runs SET start_url = NULL WHERE start_url = '';
UPDATE crawl_runs SET finish_reason = NULL WHERE finish_reason = '';
UPDATE failures SET detail = NULL WHERE detail = '';

ALTER TABLE articles ADD COLUMN published_date TEXT GENERATED ALWAYS AS (
  CASE WHEN published GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*'
       THEN substr(published, 1, 10) END
) VIRTUAL;
CREATE INDEX idx_articles_published_date ON articles (published_date);

CREATE VIRTUAL TABLE articles_fts_marks USING fts5(
  title, lead, body,
  content='articles', content_rowid='id',
  tokenize='unicode61 remove_diacritics 0'
);
INSERT INTO articles_fts_marks(articles_fts_marks, rank) VALUES ('rank', 'bm25(10.0, 4.0, 1.0)');
INSERT INTO articles_fts_marks(articles_fts_marks) VALUES ('rebuild');
CREATE TRIGGER articles_fts_marks_insert AFTER INSERT ON articles BEGIN
  INSERT INTO articles_fts_marks(rowid, title, lead, body)
  VALUES (new.id, new.title, new.lead, new.body);
END;
CREATE TRIGGER articles_fts_marks_delete AFTER DELETE ON articles BEGIN
  INSERT INTO articles_fts_marks(articles_fts_marks, rowid, title, lead, body)
  VALUES ('delete', old.id, old.title, old.lead, old.body);
END;
CREATE TRIGGER articles_fts_marks_update AFTER UPDATE OF title, lead, body ON articles BEGIN
  INSERT INTO articles_fts_marks(articles_fts_marks, rowid, title, lead, body)
  VALUES ('delete', old.id, old.title, old.lead, old.body);
  INSERT INTO articles_fts_marks(rowid, title, lead, body)
  VALUES (new.id, new.title, new.lead, new.body);
END;

DROP TABLE IF EXISTS articles_fts_pairs;
CREATE VIEW articles_pair_text AS
SELECT chunks.id AS id,
  coalesce((SELECT group_concat(w || '_' || nxt, ' ') FROM (
      SELECT value AS w, lead(value) OVER (ORDER BY key) AS nxt FROM json_each(chunks.body)
    ) WHERE nxt IS NOT NULL), '') AS body,
  coalesce((SELECT group_concat(w || '_' || nxt, ' ') FROM (
      SELECT value AS w, lead(value) OVER (ORDER BY key) AS nxt FROM json_each(chunks.lead)
    ) WHERE nxt IS NOT NULL), '') AS lead,
  coalesce((SELECT group_concat(w || '_' || nxt, ' ') FROM (
      SELECT value AS w, lead(value) OVER (ORDER BY key) AS nxt FROM json_each(chunks.title)
    ) WHERE nxt IS NOT NULL), '') AS title
FROM (
  SELECT spaced.id AS id,
    '[' || replace(json_quote(spaced.body), ' ', '","') || ']' AS body,
    '[' || replace(json_quote(spaced.lead), ' ', '","') || ']' AS lead,
    '[' || replace(json_quote(spaced.title), ' ', '","') || ']' AS title
  FROM (
    SELECT id,
      trim(replace(replace(replace(replace(replace(replace(replace(replace(replace(
        coalesce(body, ''), 'đ', 'd'), 'Đ', 'D'), char(10), ' '), char(13), ' '), char(9), ' '),
        '  ', ' '), '  ', ' '), '  ', ' '), '  ', ' ')) AS body,
      trim(replace(replace(replace(replace(replace(replace(replace(replace(replace(
        coalesce(lead, ''), 'đ', 'd'), 'Đ', 'D'), char(10), ' '), char(13), ' '), char(9), ' '),
        '  ', ' '), '  ', ' '), '  ', ' '), '  ', ' ')) AS lead,
      trim(replace(replace(replace(replace(replace(replace(replace(replace(replace(
        coalesce(title, ''), 'đ', 'd'), 'Đ', 'D'), char(10), ' '), char(13), ' '), char(9), ' '),
        '  ', ' '), '  ', ' '), '  ', ' '), '  ', ' ')) AS title
    FROM articles
  ) AS spaced
) AS chunks;
CREATE VIRTUAL TABLE articles_fts_pairs USING fts5(
  body, lead, title,
  content='',
  tokenize="unicode61 remove_diacritics 2 tokenchars '_'"
);
INSERT INTO articles_fts_pairs(articles_fts_pairs, rank) VALUES ('automerge', 16);
INSERT INTO articles_fts_pairs(rowid, body, lead, title)
  SELECT id, body, lead, title FROM articles_pair_text;
CREATE TRIGGER articles_fts_pairs_insert AFTER INSERT ON articles BEGIN
  INSERT INTO articles_fts_pairs(rowid, body, lead, title)
  SELECT id, body, lead, title FROM articles_pair_text WHERE id = new.id;
END;
CREATE TRIGGER articles_fts_pairs_delete BEFORE DELETE ON articles BEGIN
  INSERT INTO articles_fts_pairs(articles_fts_pairs, rowid, body, lead, title)
  SELECT 'delete', id, body, lead, title FROM articles_pair_text WHERE id = old.id;
END;
CREATE TRIGGER articles_fts_pairs_unindex BEFORE UPDATE OF title, lead, body ON articles BEGIN
  INSERT INTO articles_fts_pairs(articles_fts_pairs, rowid, body, lead, title)
  SELECT 'delete', id, body, lead, title FROM articles_pair_text WHERE id = old.id;
END;
CREATE TRIGGER articles_fts_pairs_reindex AFTER UPDATE OF title, lead, body ON articles BEGIN
  INSERT INTO articles_fts_pairs(rowid, body, lead, title)
  SELECT id, body, lead, title FROM articles_pair_text WHERE id = new.id;
END;
"""
