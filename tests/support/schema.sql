-- table activities
CREATE TABLE activities (
    article_id INTEGER PRIMARY KEY REFERENCES articles(id),
    activity TEXT NOT NULL,
    phrase TEXT NOT NULL,
    rules_version TEXT NOT NULL
);

-- index activities_activity
CREATE INDEX activities_activity ON activities(activity);

-- view article_leaders
CREATE VIEW article_leaders AS
    SELECT a.id, a.published, a.year, a.title, coalesce(act.activity, '') AS activity,
           (SELECT json_group_array(DISTINCT m.person) FROM mentions m
            WHERE m.article_id = a.id AND m.person != '') AS leaders,
           a.url
    FROM articles a LEFT JOIN activities act ON act.article_id = a.id;

-- table articles
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
, published_date TEXT GENERATED ALWAYS AS (
  CASE WHEN published GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*'
       THEN substr(published, 1, 10) END
) VIRTUAL);

-- table articles_fts
CREATE VIRTUAL TABLE articles_fts USING fts5(title, lead, body,
   content="articles", content_rowid="id", tokenize='unicode61 remove_diacritics 2');

-- table articles_fts_config
CREATE TABLE 'articles_fts_config'(k PRIMARY KEY, v) WITHOUT ROWID;

-- table articles_fts_data
CREATE TABLE 'articles_fts_data'(id INTEGER PRIMARY KEY, block BLOB);

-- trigger articles_fts_delete
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

-- table articles_fts_docsize
CREATE TABLE 'articles_fts_docsize'(id INTEGER PRIMARY KEY, sz BLOB);

-- table articles_fts_idx
CREATE TABLE 'articles_fts_idx'(segid, term, pgno, PRIMARY KEY(segid, term)) WITHOUT ROWID;

-- trigger articles_fts_insert
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

-- table articles_fts_marks
CREATE VIRTUAL TABLE articles_fts_marks USING fts5(
  title, lead, body,
  content='articles', content_rowid='id',
  tokenize='unicode61 remove_diacritics 0'
);

-- table articles_fts_marks_config
CREATE TABLE 'articles_fts_marks_config'(k PRIMARY KEY, v) WITHOUT ROWID;

-- table articles_fts_marks_data
CREATE TABLE 'articles_fts_marks_data'(id INTEGER PRIMARY KEY, block BLOB);

-- trigger articles_fts_marks_delete
CREATE TRIGGER articles_fts_marks_delete AFTER DELETE ON articles BEGIN
  INSERT INTO articles_fts_marks(articles_fts_marks, rowid, title, lead, body)
  VALUES ('delete', old.id, old.title, old.lead, old.body);
END;

-- table articles_fts_marks_docsize
CREATE TABLE 'articles_fts_marks_docsize'(id INTEGER PRIMARY KEY, sz BLOB);

-- table articles_fts_marks_idx
CREATE TABLE 'articles_fts_marks_idx'(segid, term, pgno, PRIMARY KEY(segid, term)) WITHOUT ROWID;

-- trigger articles_fts_marks_insert
CREATE TRIGGER articles_fts_marks_insert AFTER INSERT ON articles BEGIN
  INSERT INTO articles_fts_marks(rowid, title, lead, body)
  VALUES (new.id, new.title, new.lead, new.body);
END;

-- trigger articles_fts_marks_update
CREATE TRIGGER articles_fts_marks_update AFTER UPDATE OF title, lead, body ON articles BEGIN
  INSERT INTO articles_fts_marks(articles_fts_marks, rowid, title, lead, body)
  VALUES ('delete', old.id, old.title, old.lead, old.body);
  INSERT INTO articles_fts_marks(rowid, title, lead, body)
  VALUES (new.id, new.title, new.lead, new.body);
END;

-- table articles_fts_pairs
CREATE VIRTUAL TABLE articles_fts_pairs USING fts5(
  body, lead, title,
  content='',
  tokenize="unicode61 remove_diacritics 2 tokenchars '_'"
);

-- table articles_fts_pairs_config
CREATE TABLE 'articles_fts_pairs_config'(k PRIMARY KEY, v) WITHOUT ROWID;

-- table articles_fts_pairs_data
CREATE TABLE 'articles_fts_pairs_data'(id INTEGER PRIMARY KEY, block BLOB);

-- trigger articles_fts_pairs_delete
CREATE TRIGGER articles_fts_pairs_delete BEFORE DELETE ON articles BEGIN
  INSERT INTO articles_fts_pairs(articles_fts_pairs, rowid, body, lead, title)
  SELECT 'delete', id, body, lead, title FROM articles_pair_text WHERE id = old.id;
END;

-- table articles_fts_pairs_docsize
CREATE TABLE 'articles_fts_pairs_docsize'(id INTEGER PRIMARY KEY, sz BLOB);

-- table articles_fts_pairs_idx
CREATE TABLE 'articles_fts_pairs_idx'(segid, term, pgno, PRIMARY KEY(segid, term)) WITHOUT ROWID;

-- trigger articles_fts_pairs_insert
CREATE TRIGGER articles_fts_pairs_insert AFTER INSERT ON articles BEGIN
  INSERT INTO articles_fts_pairs(rowid, body, lead, title)
  SELECT id, body, lead, title FROM articles_pair_text WHERE id = new.id;
END;

-- trigger articles_fts_pairs_reindex
CREATE TRIGGER articles_fts_pairs_reindex AFTER UPDATE OF title, lead, body ON articles BEGIN
  INSERT INTO articles_fts_pairs(rowid, body, lead, title)
  SELECT id, body, lead, title FROM articles_pair_text WHERE id = new.id;
END;

-- trigger articles_fts_pairs_unindex
CREATE TRIGGER articles_fts_pairs_unindex BEFORE UPDATE OF title, lead, body ON articles BEGIN
  INSERT INTO articles_fts_pairs(articles_fts_pairs, rowid, body, lead, title)
  SELECT 'delete', id, body, lead, title FROM articles_pair_text WHERE id = old.id;
END;

-- trigger articles_fts_update
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

-- view articles_pair_text
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

-- table attachments
CREATE TABLE attachments (
   id INTEGER PRIMARY KEY,
   article_id INTEGER REFERENCES articles(id),
   revision_id INTEGER REFERENCES revisions(id),
   position INTEGER,
   url TEXT NOT NULL,
   title TEXT,
   replaced_at TEXT
);

-- table captures
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

-- table crawl_runs
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

-- table failures
CREATE TABLE failures (
   id INTEGER PRIMARY KEY,
   url TEXT NOT NULL,
   reason TEXT,
   http_status INTEGER,
   detail TEXT,
   run_id INTEGER REFERENCES crawl_runs(id),
   failed_at TEXT
);

-- table held_changes
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

-- index held_changes_run_text
CREATE INDEX held_changes_run_text ON held_changes(run_id, text_key);

-- index held_changes_status
CREATE INDEX held_changes_status ON held_changes(status);

-- index held_changes_url
CREATE INDEX held_changes_url ON held_changes(url);

-- table held_runs
CREATE TABLE held_runs (
   run_id INTEGER PRIMARY KEY REFERENCES crawl_runs(id),
   started_at TEXT NOT NULL,
   settled_at TEXT
);

-- index idx_articles_author
CREATE INDEX idx_articles_author ON articles (author);

-- index idx_articles_capture_id
CREATE INDEX idx_articles_capture_id ON articles (capture_id);

-- index idx_articles_portal_id
CREATE INDEX idx_articles_portal_id ON articles (portal_id);

-- index idx_articles_published
CREATE INDEX idx_articles_published ON articles (published);

-- index idx_articles_published_date
CREATE INDEX idx_articles_published_date ON articles (published_date);

-- index idx_articles_removed_at
CREATE INDEX idx_articles_removed_at ON articles (removed_at);

-- index idx_articles_section
CREATE INDEX idx_articles_section ON articles (section);

-- index idx_articles_url
CREATE UNIQUE INDEX idx_articles_url ON articles (url);

-- index idx_articles_year
CREATE INDEX idx_articles_year ON articles (year);

-- index idx_attachments_article_id
CREATE INDEX idx_attachments_article_id ON attachments (article_id);

-- index idx_captures_article_id_id
CREATE INDEX idx_captures_article_id_id ON captures (article_id, id);

-- index idx_captures_run_id
CREATE INDEX idx_captures_run_id ON captures (run_id);

-- index idx_captures_url_id
CREATE INDEX idx_captures_url_id ON captures (url, id);

-- index idx_captures_warc_file
CREATE INDEX idx_captures_warc_file ON captures (warc_file);

-- index idx_failures_run_id
CREATE INDEX idx_failures_run_id ON failures (run_id);

-- index idx_failures_url
CREATE INDEX idx_failures_url ON failures (url);

-- index idx_images_article_id
CREATE INDEX idx_images_article_id ON images (article_id);

-- index idx_revisions_article_id
CREATE INDEX idx_revisions_article_id ON revisions (article_id);

-- table images
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

-- view leader_roles
CREATE VIEW leader_roles AS
    SELECT person_id, person, role,
           count(DISTINCT article_id) AS articles,
           min(published) AS first_seen,
           max(published) AS last_seen
    FROM mentions
    WHERE person_id IS NOT NULL AND inferred = 0
    GROUP BY person_id, role;

-- table leaders_state
CREATE TABLE leaders_state (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- table mentions
CREATE TABLE mentions (
    id INTEGER PRIMARY KEY,
    article_id INTEGER NOT NULL REFERENCES articles(id),
    published TEXT NOT NULL,
    person_id INTEGER REFERENCES people(id),
    person TEXT NOT NULL,
    name TEXT NOT NULL,
    title TEXT NOT NULL,
    role TEXT NOT NULL,
    organization TEXT NOT NULL,
    part TEXT NOT NULL,
    part_index INTEGER NOT NULL,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    kind TEXT NOT NULL,
    inferred INTEGER NOT NULL DEFAULT 0,
    inferred_from TEXT NOT NULL DEFAULT '',
    rules_version TEXT NOT NULL
);

-- index mentions_article
CREATE INDEX mentions_article ON mentions(article_id);

-- index mentions_person
CREATE INDEX mentions_person ON mentions(person_id, role, published);

-- index mentions_role_published
CREATE INDEX mentions_role_published ON mentions(role, published);

-- index mentions_unlinked_offices
CREATE INDEX mentions_unlinked_offices ON mentions(role, published)
    WHERE kind = 'office_only' AND (person_id IS NULL OR inferred = 1);

-- table migrations
CREATE TABLE migrations (
   id INTEGER PRIMARY KEY,
   name TEXT,
   applied_at TEXT
);

-- table people
CREATE TABLE people (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    folded TEXT NOT NULL,
    aliases TEXT NOT NULL DEFAULT '[]',
    in_people_file INTEGER NOT NULL DEFAULT 0
);

-- index people_folded
CREATE INDEX people_folded ON people(folded);

-- table people_terms
CREATE TABLE people_terms (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES people(id),
    role TEXT NOT NULL,
    from_date TEXT NOT NULL,
    to_date TEXT NOT NULL,
    source TEXT NOT NULL,
    note TEXT NOT NULL
);

-- index people_terms_person
CREATE INDEX people_terms_person ON people_terms(person_id);

-- table revisions
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

