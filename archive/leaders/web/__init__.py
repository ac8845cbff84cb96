"""The leaders in Datasette: a page per person with their timeline as a chart, a list of
leaders, and facets by leader and activity.

A Datasette plugin, registered by the ``datasette`` entry point in pyproject.toml (so
``tinlanhdao serve`` and a plain ``datasette`` both load it). It acts only on databases that
have the leader tables; its SQL is read-only. Pages:

- ``/<database>/-/leaders``: every person with roles, article count, first and last appearance;
- ``/<database>/-/leader/<person id>``: articles per month as a bar chart (inline SVG, no
  script), then each article with its date, activity, roles and a link to it;
- on the ``articles`` table, a facet by leader and one by activity, whose clicks filter the
  table (``?_leader=<person id>``, ``?_activity=...``; see ``facets``).

It implements no ``render_cell`` (the project installs none, so every cell stays escaped) and
nothing that writes: only ``register_routes``, ``get_metadata``, ``register_facet_classes`` and
``filters_from_request``.
"""

from __future__ import annotations

from typing import Any

from datasette import hookimpl
from datasette.utils.asgi import NotFound, Response
from markupsafe import Markup

from archive.datasette_plugin.charts import column_chart, every_month
from archive.leaders.report import leaders, timeline
from archive.leaders.web.facets import ActivityFacet, LeaderFacet, leader_filters

FACETS = {
    "mentions": ["person", "role", "kind", "inferred"],
    "activities": ["activity"],
    "article_leaders": ["activity", {"array": "leaders"}, "year"],
}


async def _leader_database(datasette: Any, name: str) -> Any:
    try:
        database = datasette.get_database(name)
    except KeyError:
        raise NotFound(f"Database not found: {name}") from None
    if not await database.table_exists("people"):
        raise NotFound(f"{name} has no leader tables")
    return database


async def leaders_page(datasette: Any, request: Any) -> Response:
    name = request.url_vars["database"]
    database = await _leader_database(datasette, name)
    people = await database.execute_fn(leaders)
    return Response.html(
        await datasette.render_template(
            "tinlanhdao_leaders.html", {"database": name, "people": people}, request=request
        )
    )


async def leader_page(datasette: Any, request: Any) -> Response:
    name = request.url_vars["database"]
    person_id = int(request.url_vars["person_id"])
    database = await _leader_database(datasette, name)
    exists = await database.execute("SELECT 1 FROM people WHERE id = ?", [person_id])
    if not exists.first():
        raise NotFound(f"No person {person_id}")
    found = await database.execute_fn(lambda conn: timeline(conn, person_id))
    return Response.html(
        await datasette.render_template(
            "tinlanhdao_leader.html",
            {"database": name, "person_id": person_id, "leader": found,
             "chart": month_chart(found["months"])},
            request=request,
        )
    )


def month_chart(months: list[dict[str, Any]]) -> Markup:
    """The person's articles per month, every month of the span (the home page's column chart,
    archive.datasette_plugin.charts)."""
    if not months:
        return Markup("")
    counts = {m["month"]: m["articles"] for m in months}
    return column_chart(every_month(counts, shown=None), "articles per month",
                        css_class="tld-chart leader-timeline")


@hookimpl
def register_routes(datasette: Any) -> list:
    return [
        (r"^/(?P<database>[^/]+)/-/leaders$", leaders_page),
        (r"^/(?P<database>[^/]+)/-/leader/(?P<person_id>\d+)$", leader_page),
    ]


@hookimpl
def register_facet_classes() -> list:
    return [LeaderFacet, ActivityFacet]


@hookimpl
def filters_from_request(request: Any, database: str, table: str, datasette: Any) -> Any:
    return leader_filters(request, database, table, datasette)


@hookimpl
def get_metadata(datasette: Any, key: str, database: str, table: str) -> dict[str, Any]:
    tables: dict[str, Any] = {name: {"facets": facets} for name, facets in FACETS.items()}
    tables["article_leaders"]["description"] = (
        "Each article with its activity and the leaders it names (inferred links included): "
        "facet by activity or by leader."
    )
    return {"databases": {name: {"tables": tables} for name in datasette.databases}}
