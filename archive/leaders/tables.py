"""The leaders in the archive: tables people, people_terms, mentions, activities, and their
filling as articles are stored.

``m002_leaders`` creates the tables (frozen DDL, appended to ``archive.migrations.MIGRATIONS``).
``index_article`` is the one call the archive makes when it stores a new or changed article: it
replaces that article's mentions and activity and links office-only mentions by date.
``reindex_all`` refills the tables for the whole archive, after the rules or the people file
changed (``tinlanhdao reindex-leaders``). Every mention and activity row carries the rules'
version; ``leaders_state`` records the version and the people file of the last full refill.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from archive.leaders import RULES_VERSION, Analysis, analyze, vocabulary
from archive.leaders.people import People, PeopleFileError, fold, load_people
from archive.transactions import write_transaction

logger = logging.getLogger(__name__)

LEADERS_DDL = """
CREATE TABLE people (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    folded TEXT NOT NULL,
    aliases TEXT NOT NULL DEFAULT '[]',
    in_people_file INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX people_folded ON people(folded);
CREATE TABLE people_terms (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES people(id),
    role TEXT NOT NULL,
    from_date TEXT NOT NULL,
    to_date TEXT NOT NULL,
    source TEXT NOT NULL,
    note TEXT NOT NULL
);
CREATE INDEX people_terms_person ON people_terms(person_id);
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
CREATE INDEX mentions_article ON mentions(article_id);
CREATE INDEX mentions_person ON mentions(person_id, role, published);
CREATE INDEX mentions_role_published ON mentions(role, published);
CREATE INDEX mentions_unlinked_offices ON mentions(role, published)
    WHERE kind = 'office_only' AND (person_id IS NULL OR inferred = 1);
CREATE TABLE activities (
    article_id INTEGER PRIMARY KEY REFERENCES articles(id),
    activity TEXT NOT NULL,
    phrase TEXT NOT NULL,
    rules_version TEXT NOT NULL
);
CREATE INDEX activities_activity ON activities(activity);
CREATE TABLE leaders_state (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE VIEW article_leaders AS
    SELECT a.id, a.published, a.year, a.title, coalesce(act.activity, '') AS activity,
           (SELECT json_group_array(DISTINCT m.person) FROM mentions m
            WHERE m.article_id = a.id AND m.person != '') AS leaders,
           a.url
    FROM articles a LEFT JOIN activities act ON act.article_id = a.id;
CREATE VIEW leader_roles AS
    SELECT person_id, person, role,
           count(DISTINCT article_id) AS articles,
           min(published) AS first_seen,
           max(published) AS last_seen
    FROM mentions
    WHERE person_id IS NOT NULL AND inferred = 0
    GROUP BY person_id, role;
"""


# Each table's meaning and columns, for archive.schema.TABLES (docs and Datasette metadata):
# {table: (description, ((column, type, description), ...))}.
LEADER_TABLES: dict[str, tuple[str, tuple[tuple[str, type, str], ...]]] = {
    "people": (
        "Leaders of the city: every person an article names with an office, and everyone in the "
        "people file (archive/leaders/people.json or $TINLANHDAO_PEOPLE).",
        (
            ("id", int, "Person id (mentions.person_id)."),
            ("name", str, "The person's name, normalized (or as the people file writes it)."),
            ("folded", str, "The name without accents or case, for lookups: 'nguyen ngoc he'."),
            ("aliases", str, "JSON list of other spellings, from the people file."),
            ("in_people_file", int, "1 if the people file lists the person."),
        ),
    ),
    "people_terms": (
        "Terms in office from the people file, each with its public source.",
        (
            ("id", int, "Row id."),
            ("person_id", int, "The person (people.id)."),
            ("role", str, "Normalized role: 'Chủ tịch UBND', 'Bí thư Thành ủy', ... or 'other'."),
            ("from_date", str, "First day as the file gives it (YYYY[-MM[-DD]]); '' unknown."),
            ("to_date", str, "Last day as the file gives it; '' unknown or still in office."),
            ("source", str, "Where the term is established (a public page)."),
            ("note", str, "What the source says, in short."),
        ),
    ),
    "mentions": (
        "Every leader mention found in an article's title, lead, body or captions.",
        (
            ("id", int, "Row id."),
            ("article_id", int, "The article (articles.id)."),
            ("published", str, "The article's publication day (YYYY-MM-DD)."),
            ("person_id", int, "The person (people.id); null when nobody is known."),
            ("person", str, "The person's normalized name; '' when nobody is known."),
            ("name", str, "The name as written; '' when only the office is written."),
            ("title", str, "The title as written ('Phó Chủ tịch UBND TP Cần Thơ')."),
            ("role", str, "Normalized role (docs/leaders.md) or 'other'."),
            ("organization", str, "'Thành ủy', 'UBND', 'HĐND' or 'UBMTTQ'."),
            ("part", str, "Where: 'title', 'lead', 'body' or 'caption'."),
            ("part_index", int, "Which caption (0 = the article's first image); 0 otherwise."),
            ("start", int, "Character offset of the mention in that text."),
            ("end", int, "Character offset just after the mention."),
            ("kind", str, "'title_first', 'name_first', 'name_again' or 'office_only'."),
            ("inferred", int, "1 if the person was linked by the article's date, not its text."),
            ("inferred_from", str, "For an inferred link: the people file's source, or the "
             "archive's own appearances that gave it."),
            ("rules_version", str, "Version of the rules that found the mention."),
        ),
    ),
    "activities": (
        "What each article reports, read from its title's main verb phrase.",
        (
            ("article_id", int, "The article (articles.id)."),
            ("activity", str, "'receives a delegation', 'works with', 'inspects', 'chairs a "
             "meeting', 'attends a ceremony', 'visits or congratulates', 'holds a dialogue' or "
             "'other'."),
            ("phrase", str, "The title's words from the verb that decided it."),
            ("rules_version", str, "Version of the rules that read it."),
        ),
    ),
    "leaders_state": (
        "Which rules and people file last filled the leader tables.",
        (("key", str, "'rules_version', 'people_file_sha256' or 'people_file'."),
         ("value", str, "Its value.")),
    ),
}


def m002_leaders(db: Any) -> None:
    """Create people, people_terms, mentions, activities, leaders_state and the leader_roles
    and article_leaders views (archive/leaders/tables.py). Existing articles are indexed by
    ``tinlanhdao reindex-leaders``; new ones as they are stored."""
    for statement in LEADERS_DDL.split(";"):
        if statement.strip():
            db.execute(statement)


# --- Filling ---------------------------------------------------------------------------------


def index_article(db: Any, article_id: int, article: Any, people: People | None = None) -> None:
    """Replace the mentions and activity of one stored article (an Article or a dict), inside
    the caller's transaction, and link office-only mentions of the roles it touches by date.

    A failure of the rules (a bug, never the data's fault) is logged and leaves the article
    without mentions rather than failing its storage; ``reindex-leaders`` fills it later. A
    people file that does not load is logged too, and the article is indexed without it (the
    tables keep the last good file's people and terms)."""
    if people is None:
        try:
            people = load_people()
        except PeopleFileError as error:
            logger.error("leaders: %s; indexing article %s without it", error, article_id)
            people = People([], digest=_state(db, "people_file_sha256"))
    synced = _sync_people_file(db, people)
    db.execute("DELETE FROM mentions WHERE article_id = ?", [article_id])
    db.execute("DELETE FROM activities WHERE article_id = ?", [article_id])
    try:
        analysis = analyze(article)
    except Exception as error:  # noqa: BLE001 - the article must be stored whatever the rules do
        logger.error("leaders: article %s not analysed (%s: %s)", article_id,
                     type(error).__name__, error)
        return
    _insert(db, article_id, _day(article), analysis, people)
    if synced:
        resolve_offices(db, people)
    else:
        _resolve_around(db, people, article_id)


def _day(article: Any) -> str:
    published = article.get("published") if isinstance(article, dict) else article.published
    return (published or "")[:10]


def _insert(db: Any, article_id: int, published: str, analysis: Analysis, people: People) -> None:
    rows = []
    ids: dict[str, int] = {}
    for m in analysis.mentions:
        person = people.canonical(m.person) if m.person else ""
        if person and person not in ids:
            ids[person] = _person_id(db, person)
        person_id = ids.get(person)
        rows.append((article_id, published, person_id, person, m.name, m.title, m.role,
                     m.organization, m.part, m.index, m.start, m.end, m.kind,
                     analysis.rules_version))
    db.conn.executemany(
        "INSERT INTO mentions (article_id, published, person_id, person, name, title, role, "
        "organization, part, part_index, start, end, kind, rules_version) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    db.execute(
        "INSERT INTO activities (article_id, activity, phrase, rules_version) VALUES (?, ?, ?, ?)",
        [article_id, analysis.activity.activity, analysis.activity.phrase, analysis.rules_version],
    )


def _person_id(db: Any, name: str) -> int:
    row = db.execute("SELECT id FROM people WHERE name = ?", [name]).fetchone()
    if row:
        return row[0]
    return db.execute(
        "INSERT INTO people (name, folded) VALUES (?, ?)", [name, fold(name)]
    ).lastrowid


def _state(db: Any, key: str) -> str:
    row = db.execute("SELECT value FROM leaders_state WHERE key = ?", [key]).fetchone()
    return row[0] if row else ""


def _set_state(db: Any, key: str, value: str) -> None:
    db.execute(
        "INSERT INTO leaders_state (key, value) VALUES (?, ?) "
        "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        [key, value],
    )


def _sync_people_file(db: Any, people: People) -> bool:
    """Copy the people file into people and people_terms when the archive holds another
    version of it; True when it did. A person no longer in the file stays (the archive's
    mentions may name them) with in_people_file 0."""
    if _state(db, "people_file_sha256") == people.digest:
        return False
    db.execute("UPDATE people SET in_people_file = 0, aliases = '[]'")
    db.execute("DELETE FROM people_terms")
    for person in people.people:
        person_id = _person_id(db, person.name)
        db.execute(
            "UPDATE people SET in_people_file = 1, aliases = ? WHERE id = ?",
            [json.dumps(person.aliases, ensure_ascii=False), person_id],
        )
        db.conn.executemany(
            "INSERT INTO people_terms (person_id, role, from_date, to_date, source, note) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [(person_id, t.role, t.start, t.end, t.source, t.note) for t in person.terms],
        )
    # Names written in the archive that the file now gives as aliases: one person.
    for person in people.people:
        for alias in person.aliases:
            _merge(db, alias, person.name)
    _set_state(db, "people_file_sha256", people.digest)
    _set_state(db, "people_file", str(people.path or ""))
    return True


def _merge(db: Any, alias: str, name: str) -> None:
    row = db.execute("SELECT id FROM people WHERE name = ?", [alias]).fetchone()
    if not row or alias == name:
        return
    target = _person_id(db, name)
    db.execute("UPDATE mentions SET person_id = ?, person = ? WHERE person_id = ?",
               [target, name, row[0]])
    db.execute("DELETE FROM people WHERE id = ?", [row[0]])


def resolve_offices(db: Any, people: People) -> int:
    """Link every office-only mention the article itself does not link (the rules link it to
    the person the same article names in that office, see ``mentions``) to the holder of the
    office on the article's day: by the archive's own appearances, else by the people file (see
    ``_holder``); only one-holder offices. Returns how many mentions changed."""
    changed = 0
    for role in sorted(vocabulary.SINGLE_HOLDER_ROLES):
        changed += _relink(db, people, role, "", [])
    return changed


def _resolve_around(db: Any, people: People, article_id: int) -> None:
    """After storing one article: link its own office-only mentions, and the office-only
    mentions of other articles that its named leaders' appearances now cover (a new first or
    last appearance can link them, or make two people possible)."""
    own = db.execute(
        "SELECT DISTINCT role FROM mentions WHERE article_id = ? AND kind = 'office_only' "
        "AND person_id IS NULL",
        [article_id],
    ).fetchall()
    for (role,) in own:
        if role in vocabulary.SINGLE_HOLDER_ROLES:
            _relink(db, people, role, "AND article_id = ?", [article_id])
    named = db.execute(
        "SELECT DISTINCT person_id, role FROM mentions WHERE article_id = ? AND inferred = 0 "
        "AND person_id IS NOT NULL",
        [article_id],
    ).fetchall()
    for person_id, role in named:
        if role not in vocabulary.SINGLE_HOLDER_ROLES:
            continue
        first, last = db.execute(
            "SELECT min(published), max(published) FROM mentions WHERE person_id = ? AND role = ? "
            "AND inferred = 0 AND published != ''",
            [person_id, role],
        ).fetchone()
        if first:
            _relink(db, people, role,
                    "AND published BETWEEN ? AND ? AND coalesce(person_id, 0) != ?",
                    [first, last, person_id])


def _relink(db: Any, people: People, role: str, where: str, params: list) -> int:
    """Link the office-only ``role`` mentions not linked by their article's text (and matching
    the constant SQL ``where``) to the holder on their day; return how many changed."""
    candidates = db.execute(
        "SELECT id, published, person_id, inferred_from FROM mentions WHERE role = ? "
        "AND kind = 'office_only' AND (person_id IS NULL OR inferred = 1) " + where,
        [role, *params],
    ).fetchall()
    if not candidates:
        return 0
    spans = db.execute(
        "SELECT person_id, person, min(published), max(published) FROM mentions "
        "WHERE role = ? AND inferred = 0 AND person_id IS NOT NULL AND published != '' "
        "GROUP BY person_id",
        [role],
    ).fetchall()
    changed = 0
    for mention_id, day, old_person, old_source in candidates:
        person_id, source = _holder(db, people, role, day, spans)
        if (person_id, source) == (old_person, old_source):
            continue
        person = _name_of(db, person_id) if person_id else ""
        db.execute(
            "UPDATE mentions SET person_id = ?, person = ?, inferred = ?, inferred_from = ? "
            "WHERE id = ?",
            [person_id, person, 1 if person_id else 0, source, mention_id],
        )
        changed += 1
    return changed


def _holder(db: Any, people: People, role: str, day: str, spans: list) -> tuple[int | None, str]:
    """Who held the one-holder ``role`` on ``day``, and what says so. The archive's own
    evidence first: the one person it names in that office in articles on both sides of the
    day (what the section itself says, even where the people file says another, such as an
    invented sample or a file that is wrong); failing that, the people file; else nobody."""
    if not day:
        return None, ""
    inside = [(pid, name, first, last) for pid, name, first, last in spans if first <= day <= last]
    if len(inside) == 1:
        _, name, first, last = inside[0]
        return inside[0][0], f"archive: {name} named {role} from {first} to {last}"
    held = people.holder_on(role, day)
    if held:
        name, term = held
        return _person_id(db, name), f"people file: {term.source}"
    return None, ""


def _name_of(db: Any, person_id: int) -> str:
    return db.execute("SELECT name FROM people WHERE id = ?", [person_id]).fetchone()[0]


def reindex_all(
    db: Any, people: People | None = None, progress: Callable[[int], None] | None = None
) -> dict[str, Any]:
    """Refill mentions and activities for every article with the current rules and people
    file, in one transaction; return counts. People no article names any more and who are not
    in the file are removed."""
    people = people or load_people()
    with write_transaction(db):  # readers see the old tables or the new, never half
        db.execute("DELETE FROM mentions")
        db.execute("DELETE FROM activities")
        db.execute("DELETE FROM leaders_state WHERE key = 'people_file_sha256'")
        _sync_people_file(db, people)
        count = 0
        articles = db.execute("SELECT id, title, lead, body, published FROM articles").fetchall()
        for article_id, title, lead, body, published in articles:
            images = [
                {"caption": row[0]}
                for row in db.execute(
                    "SELECT caption FROM images WHERE article_id = ? AND replaced_at IS NULL "
                    "ORDER BY position",
                    [article_id],
                ).fetchall()
            ]
            article = {"title": title, "lead": lead, "body": body, "published": published,
                       "images": images}
            try:
                analysis = analyze(article)
            except Exception as error:  # noqa: BLE001 - one article's failure is reported
                logger.error("leaders: article %s not analysed (%s: %s)", article_id,
                             type(error).__name__, error)
                continue
            _insert(db, article_id, (published or "")[:10], analysis, people)
            count += 1
            if progress:
                progress(count)
        resolve_offices(db, people)
        db.execute(
            "DELETE FROM people WHERE in_people_file = 0 "
            "AND id NOT IN (SELECT person_id FROM mentions WHERE person_id IS NOT NULL)"
        )
        _set_state(db, "rules_version", RULES_VERSION)
    return {
        "rules_version": RULES_VERSION,
        "articles": count,
        "mentions": db.execute("SELECT count(*) FROM mentions").fetchone()[0],
        "people": db.execute("SELECT count(DISTINCT person_id) FROM mentions").fetchone()[0],
        "inferred": db.execute("SELECT count(*) FROM mentions WHERE inferred = 1").fetchone()[0],
    }
