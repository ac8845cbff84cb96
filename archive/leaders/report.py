"""Reading the leaders back: the list of people, one person's timeline, staleness.

Counts use mentions the article's own text links to a person (``inferred`` 0): ``articles`` is
how many articles name the person, ``inferred_articles`` how many more name only an office the
person held that day (linked by the people file or by the archive's own first and last
appearances, see ``tables.resolve_offices``).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from archive.leaders import RULES_VERSION
from archive.leaders.people import People, fold


class UnknownLeader(LookupError):
    """No person, or several, match the name asked for."""

    def __init__(self, query: str, candidates: list[str]) -> None:
        self.query = query
        self.candidates = candidates
        if candidates:
            message = f"{query!r} matches several people: {', '.join(candidates)}"
        else:
            message = f"no leader named {query!r} in the archive (see `tinlanhdao leaders`)"
        super().__init__(message)


def stale_reasons(db: Any, people: People) -> list[str]:
    """Why the leader tables may not say what the current rules and people file would."""
    reasons = []
    versions = {row[0] for row in db.execute("SELECT DISTINCT rules_version FROM activities")}
    if versions - {RULES_VERSION}:
        reasons.append(f"indexed with rules {', '.join(sorted(versions))}, now {RULES_VERSION}")
    articles = db.execute("SELECT count(*) FROM articles").fetchone()[0]
    indexed = db.execute("SELECT count(*) FROM activities").fetchone()[0]
    if indexed < articles:
        reasons.append(f"{articles - indexed} of {articles} articles not indexed")
    row = db.execute("SELECT value FROM leaders_state WHERE key = 'people_file_sha256'").fetchone()
    if indexed and (not row or row[0] != people.digest):
        reasons.append("the people file changed since the tables were filled")
    return reasons


def leaders(db: Any) -> list[dict[str, Any]]:
    """Every person the archive links to an article, most articles first."""
    people = db.execute(
        "SELECT p.id, p.name, p.in_people_file, "
        "count(DISTINCT CASE WHEN m.inferred = 0 THEN m.article_id END), "
        "count(DISTINCT CASE WHEN m.inferred = 1 THEN m.article_id END), "
        "min(CASE WHEN m.inferred = 0 THEN m.published END), "
        "max(CASE WHEN m.inferred = 0 THEN m.published END) "
        "FROM people p JOIN mentions m ON m.person_id = p.id GROUP BY p.id"
    ).fetchall()
    roles: dict[int, list[dict[str, Any]]] = {}
    for person_id, role, count, first, last in db.execute(
        "SELECT person_id, role, articles, first_seen, last_seen FROM leader_roles "
        "ORDER BY first_seen, role"
    ):
        roles.setdefault(person_id, []).append(
            {"role": role, "articles": count, "first": first, "last": last}
        )
    listed = []
    for person_id, name, in_file, named, inferred_any, first, last in people:
        inferred_only = db.execute(
            "SELECT count(DISTINCT article_id) FROM mentions WHERE person_id = ? AND inferred = 1 "
            "AND article_id NOT IN (SELECT article_id FROM mentions WHERE person_id = ? "
            "AND inferred = 0)",
            [person_id, person_id],
        ).fetchone()[0] if inferred_any else 0
        listed.append({
            "id": person_id,
            "name": name,
            "roles": roles.get(person_id, []),
            "articles": named,
            "inferred_articles": inferred_only,
            "first": first or "",
            "last": last or "",
            "in_people_file": bool(in_file),
            "terms": _terms(db, person_id),
        })
    listed.sort(key=lambda p: (-p["articles"], -p["inferred_articles"], fold(p["name"])))
    return listed


def _terms(db: Any, person_id: int) -> list[dict[str, str]]:
    return [
        {"role": role, "from": start, "to": end, "source": source}
        for role, start, end, source in db.execute(
            "SELECT role, from_date, to_date, source FROM people_terms WHERE person_id = ? "
            "ORDER BY from_date, id",
            [person_id],
        )
    ]


def find_leader(db: Any, query: str) -> tuple[int, str]:
    """The person ``query`` names, accents and case optional: an exact name first, else the
    one name containing the query's words in order."""
    wanted = " ".join(fold(query).split())
    rows = db.execute(
        "SELECT DISTINCT p.id, p.name, p.folded FROM people p "
        "JOIN mentions m ON m.person_id = p.id"
    ).fetchall()
    exact = [(pid, name) for pid, name, folded in rows if folded == wanted]
    if len(exact) == 1:
        return exact[0]
    partial = [(pid, name) for pid, name, folded in rows if wanted and wanted in folded]
    if len(partial) == 1:
        return partial[0]
    raise UnknownLeader(query, sorted(name for _, name in exact or partial))


def leader_filter(db: Any, query: str) -> tuple[str, list[Any]]:
    """An SQL condition on the articles (alias ``a``) keeping those that mention the person
    ``query`` names (see ``find_leader``), by name or by an office linked to them by date,
    with its parameters: for ``archive.search.search_articles(only=...)``."""
    person_id, _ = find_leader(db, query)
    return "a.id IN (SELECT article_id FROM mentions WHERE person_id = ?)", [person_id]


def timeline(db: Any, person_id: int) -> dict[str, Any]:
    """One person's roles (as the archive names them) and terms (from the people file), their
    articles (date, activity, roles, title, whether linked by date only) and their count per
    month."""
    name = db.execute("SELECT name FROM people WHERE id = ?", [person_id]).fetchone()[0]
    rows = db.execute(
        "SELECT a.id, a.published, a.title, a.url, coalesce(act.activity, ''), "
        "group_concat(DISTINCT m.role), min(m.inferred) "
        "FROM mentions m JOIN articles a ON a.id = m.article_id "
        "LEFT JOIN activities act ON act.article_id = a.id "
        "WHERE m.person_id = ? GROUP BY a.id ORDER BY a.published, a.id",
        [person_id],
    ).fetchall()
    articles = [
        {"id": article_id, "date": (published or "")[:10], "activity": activity,
         "roles": sorted(roles.split(",")) if roles else [], "title": title, "url": url,
         "inferred": bool(inferred)}
        for article_id, published, title, url, activity, roles, inferred in rows
    ]
    months = Counter(a["date"][:7] for a in articles if a["date"])
    roles = [
        {"role": role, "articles": count, "first": first, "last": last}
        for role, count, first, last in db.execute(
            "SELECT role, articles, first_seen, last_seen FROM leader_roles WHERE person_id = ? "
            "ORDER BY first_seen, role",
            [person_id],
        )
    ]
    return {
        "name": name,
        "roles": roles,
        "terms": _terms(db, person_id),
        "months": [{"month": month, "articles": months[month]} for month in sorted(months)],
        "articles": articles,
    }
