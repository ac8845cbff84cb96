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
CHART_HEIGHT = 120  # the month chart's bars, at most
CHART_WIDTH = 600  # the bars together, unless each would be narrower than MIN_BAR_WIDTH
MIN_BAR_WIDTH, MAX_BAR_WIDTH = 6, 36
LABEL_EVERY_MONTH_UP_TO = 24  # months; a longer chart labels each January and the ends


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
    (empty months included, so gaps show): the count over each bar, the scale's top and zero
    on the left, and the month under each bar (under each January and the ends when there
    are more than LABEL_EVERY_MONTH_UP_TO months)."""
    if not months:
        return Markup("")
    counts = {m["month"]: m["articles"] for m in months}
    every = _month_range(months[0]["month"], months[-1]["month"])
    top = max(counts.values())
    bar = max(MIN_BAR_WIDTH, min(MAX_BAR_WIDTH, CHART_WIDTH // len(every)))
    left, above, below = 30, 16, 48  # room for the scale, the counts, the month labels
    width = left + bar * len(every) + 10
    base = above + CHART_HEIGHT
    parts = [
        f'<svg class="leader-timeline" role="img" width="{width}" height="{base + below}" '
        f'viewBox="0 0 {width} {base + below}" xmlns="http://www.w3.org/2000/svg" '
        'font-family="sans-serif" font-size="11"><title>Articles per month</title>',
        f'<text x="{left - 6}" y="{above + 4}" text-anchor="end">{top}</text>',
        f'<text x="{left - 6}" y="{base}" text-anchor="end">0</text>',
    ]
    label_all = len(every) <= LABEL_EVERY_MONTH_UP_TO
    for index, month in enumerate(every):
        x = left + index * bar
        count = counts.get(month, 0)
        if count:
            height = max(2, round(CHART_HEIGHT * count / top))
            parts.append(
                f'<rect class="month" data-month="{month}" data-articles="{count}" x="{x + 1}" '
                f'y="{base - height}" width="{bar - 2}" height="{height}" '
                f'fill="#3b6ea5"><title>{month}: {count}</title></rect>'
            )
            if bar >= 14:
                parts.append(f'<text x="{x + bar / 2}" y="{base - height - 3}" '
                             f'text-anchor="middle">{count}</text>')
        if label_all or index in (0, len(every) - 1) or month.endswith("-01"):
            parts.append(f'<text x="{x + bar / 2}" y="{base + 12}" text-anchor="end" '
                         f'transform="rotate(-45 {x + bar / 2} {base + 12})">{month}</text>')
    parts.append(f'<line x1="{left}" y1="{base}" x2="{width - 10}" y2="{base}" '
                 'stroke="#999"/></svg>')
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
