"""Facets by leader and by activity on Datasette's ``articles`` table, and the filters their
clicks set.

The articles table has no leader or activity column: both live in ``mentions`` and
``activities``. Two Datasette mechanisms join them to it:

- ``filters_from_request`` reads ``?_leader=<person id>`` (the articles that mention the person,
  by name or by an office linked to them by date) and ``?_activity=<activity>`` on the articles
  table and adds a ``where`` clause for each (several of them: all must hold);
- the facet classes ``LeaderFacet`` and ``ActivityFacet`` (``register_facet_classes``) count,
  over the rows the page currently shows, the articles of each leader and of each activity.
  Each value's link adds (or, when selected, removes) that query-string argument, so a click
  shows exactly the articles the facet counted.

Both are on by default on the articles of a database that has the leader tables; the SQL they
run is read-only and takes the person id and the activity as parameters.
"""

from __future__ import annotations

from typing import Any

from datasette.database import QueryInterrupted
from datasette.facets import Facet
from datasette.filters import FilterArguments
from datasette.utils import path_with_added_args, path_with_removed_args

TABLE = "articles"
LEADER_ARG = "_leader"
ACTIVITY_ARG = "_activity"

# argument -> (SQL keeping the articles, with the parameter's name {p}; words describing it)
_FILTERS = {
    LEADER_ARG: ("id IN (SELECT article_id FROM mentions WHERE person_id = :{p})", "mentions"),
    ACTIVITY_ARG: (
        "id IN (SELECT article_id FROM activities WHERE activity = :{p})", "activity is"
    ),
}


async def has_leader_tables(datasette: Any, database: str) -> bool:
    try:
        db = datasette.get_database(database)
    except KeyError:
        return False
    return await db.table_exists("mentions") and await db.table_exists("activities")


async def leader_filters(request: Any, database: str, table: str, datasette: Any) -> Any:
    """The ``where`` clauses of ``?_leader=`` and ``?_activity=`` on the articles table."""
    if table != TABLE or not any(request.args.getlist(a) for a in _FILTERS):
        return None
    if not await has_leader_tables(datasette, database):
        return None
    clauses, params, described = [], {}, []
    for argument, (sql, words) in _FILTERS.items():
        for number, value in enumerate(request.args.getlist(argument)):
            name = f"tinlanhdao{argument}_{number}"
            clauses.append(sql.format(p=name))
            params[name] = value
            shown = value
            if argument == LEADER_ARG:
                row = (await datasette.get_database(database).execute(
                    "SELECT name FROM people WHERE id = ?", [value])).first()
                shown = row[0] if row else f"person {value} (unknown)"
            described.append(f"{words} {shown}")
    return FilterArguments(clauses, params=params, human_descriptions=described)


class _JoinedFacet(Facet):
    """A facet of the articles table over a table joined to it; on by default there."""

    argument = ""
    # SQL giving (value, label, count) for the articles of {articles}; at most {limit} rows.
    counting_sql = ""

    def get_configs(self) -> list[dict[str, Any]]:
        configs = super().get_configs()
        if self.table == TABLE and not configs:
            configs = [{"source": "metadata", "config": {"simple": self.type}}]
        return configs

    async def facet_results(self) -> tuple[list[dict[str, Any]], list[str]]:
        if self.table != TABLE or not self.get_configs():
            return [], []
        if not await has_leader_tables(self.ds, self.database):
            return [], []
        size = self.get_facet_size()
        sql = self.counting_sql.format(articles=f"SELECT id FROM ({self.sql})", limit=size + 1)
        try:
            rows = await self.ds.execute(self.database, sql, self.params, truncate=False,
                                         custom_time_limit=self.ds.setting("facet_time_limit_ms"))
        except QueryInterrupted:  # over facet_time_limit_ms: Datasette says the facet timed out
            return [], [self.type]
        pairs = self.get_querystring_pairs()
        values = []
        for value, label, count in list(rows)[:size]:
            selected = (self.argument, str(value)) in pairs
            change = path_with_removed_args if selected else path_with_added_args
            path = change(self.request, {self.argument: str(value)})
            values.append({
                "value": value, "label": label, "count": count, "selected": selected,
                "toggle_url": self.ds.absolute_url(self.request, self.ds.urls.path(path)),
            })
        return [{
            "name": self.type, "type": self.type, "hideable": False,
            "toggle_url": self.ds.urls.path(self.request.path), "results": values,
            "truncated": len(rows) > size,
        }], []


class LeaderFacet(_JoinedFacet):
    """Articles per leader (named, or an office linked to them by date)."""

    type = "leader"
    argument = LEADER_ARG
    counting_sql = (
        "SELECT m.person_id, p.name, count(DISTINCT m.article_id) AS n FROM mentions m "
        "JOIN people p ON p.id = m.person_id WHERE m.article_id IN ({articles}) "
        "GROUP BY m.person_id ORDER BY n DESC, p.name LIMIT {limit}"
    )


class ActivityFacet(_JoinedFacet):
    """Articles per activity (archive/leaders/vocabulary.py)."""

    type = "activity"
    argument = ACTIVITY_ARG
    counting_sql = (
        "SELECT activity, activity, count(*) AS n FROM activities "
        "WHERE article_id IN ({articles}) GROUP BY activity ORDER BY n DESC, activity "
        "LIMIT {limit}"
    )
