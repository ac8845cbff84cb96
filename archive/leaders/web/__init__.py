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

from archive.leaders.report import leaders, timeline
from archive.leaders.web.facets import ActivityFacet, LeaderFacet, leader_filters

FACETS = {
    "mentions": ["person", "role", "kind", "inferred"],
    "activities": ["activity"],
    "article_leaders": ["activity", {"array": "leaders"}, "year"],
}
CHART_HEIGHT = 120
BAR_WIDTH = 14


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


def _month_range(first: str, last: str) -> list[str]:
    year, month = int(first[:4]), int(first[5:7])
    months = []
    while f"{year:04d}-{month:02d}" <= last:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def month_chart(months: list[dict[str, Any]]) -> Markup:
    """An SVG bar chart of articles per month, every month from the first to the last one
    (empty months included, so gaps show), a year label under each January and the ends."""
    if not months:
        return Markup("")
    counts = {m["month"]: m["articles"] for m in months}
    every = _month_range(months[0]["month"], months[-1]["month"])
    top = max(counts.values())
    width = BAR_WIDTH * len(every) + 40
    parts = [
        f'<svg class="leader-timeline" role="img" width="{width}" '
        f'height="{CHART_HEIGHT + 30}" viewBox="0 0 {width} {CHART_HEIGHT + 30}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>Articles per month</title>'
    ]
    for index, month in enumerate(every):
        x = 20 + index * BAR_WIDTH
        count = counts.get(month, 0)
        if count:
            height = max(2, round(CHART_HEIGHT * count / top))
            parts.append(
                f'<rect class="month" data-month="{month}" data-articles="{count}" x="{x}" '
                f'y="{CHART_HEIGHT - height}" width="{BAR_WIDTH - 2}" height="{height}" '
                f'fill="#3b6ea5"><title>{month}: {count}</title></rect>'
            )
        if index in (0, len(every) - 1) or month.endswith("-01"):
            parts.append(f'<text x="{x}" y="{CHART_HEIGHT + 16}" font-size="10">{month[:4]}</text>')
    parts.append(
        f'<line x1="18" y1="{CHART_HEIGHT}" x2="{width - 18}" y2="{CHART_HEIGHT}" '
        'stroke="#999"/></svg>'
    )
    return Markup("".join(parts))


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
