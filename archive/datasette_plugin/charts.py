"""Bar charts of the archive for its Datasette home page, drawn as inline SVG.

SVG written here rather than a charting script: the page then needs no JavaScript and nothing
from another server (the archive is often browsed offline), and the bars are plain ``<rect>``
elements with a ``<title>`` a person can hover and a test can count.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Any

from markupsafe import Markup

MONTHS_SHOWN = 60
TOP_SHOWN = 15


@dataclass(frozen=True)
class Chart:
    """One chart: a heading, its SVG, and the SQL a reader can run to get the numbers."""

    title: str
    svg: Markup
    sql: str


MONTHLY_SQL = (
    "select substr(published_date, 1, 7) as month, count(*) as articles from articles "
    "where published_date is not null group by month order by month"
)
AUTHOR_SQL = (
    "select coalesce(nullif(author, ''), '(no author)') as author, count(*) as articles "
    "from articles group by 1 order by articles desc, author limit " + str(TOP_SHOWN)
)
SECTION_SQL = (
    "select coalesce(nullif(section, ''), '(no section)') as section, count(*) as articles "
    "from articles group by 1 order by articles desc, section limit " + str(TOP_SHOWN)
)


async def archive_charts(db: Any) -> list[Chart]:
    """Articles per month (the last MONTHS_SHOWN months with articles), per author and per
    section (the TOP_SHOWN largest), from the Datasette database ``db``."""
    months = every_month(dict(tuple(row) for row in (await db.execute(MONTHLY_SQL)).rows))
    authors = [tuple(row) for row in (await db.execute(AUTHOR_SQL)).rows]
    sections = [tuple(row) for row in (await db.execute(SECTION_SQL)).rows]
    return [
        Chart("Articles per month", column_chart(months, "articles per month"), MONTHLY_SQL),
        Chart("Articles per author", bar_chart(authors, "articles per author"), AUTHOR_SQL),
        Chart("Articles per section", bar_chart(sections, "articles per section"), SECTION_SQL),
    ]


def every_month(counts: dict[str, int], shown: int | None = MONTHS_SHOWN) -> list[tuple[str, int]]:
    """(month, count) for every month from the first to the last of ``counts`` ('YYYY-MM'
    keys), months without articles at 0; the last ``shown`` of them (None: all)."""
    if not counts:
        return []
    first, last = min(counts), max(counts)
    year, month = int(first[:4]), int(first[5:7])
    months = []
    while f"{year:04d}-{month:02d}" <= last:
        key = f"{year:04d}-{month:02d}"
        months.append((key, counts.get(key, 0)))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months if shown is None else months[-shown:]


LABEL_EVERY_MONTH_UP_TO = 24  # months; a longer chart names each January and its two ends


def column_chart(points: list[tuple[str, int]], label: str, height: int = 180,
                 css_class: str = "tld-chart") -> Markup:  # fmt: skip
    """Vertical bars, one per (month, count), oldest left, the scale's top and zero on the
    left. Up to LABEL_EVERY_MONTH_UP_TO months the bars are wide, each has its count over it
    and every month is named; a longer chart names each January and its two ends. The names
    slant down to the right: the drawing is wide and tall enough for the last one. A month
    with articles is a ``rect.month`` with ``data-month`` and ``data-articles``; an empty one
    is an empty slot."""
    if not points:
        return Markup("<p>No dated articles yet.</p>")
    few = len(points) <= LABEL_EVERY_MONTH_UP_TO
    step, gap, left = (24 if few else 14), 2, 40
    top = max(1, max(count for _, count in points))
    # A slanted 'YYYY-MM' name reaches about 25 px right of and 45 px below its bar.
    label_room = 50
    bars_end = left + step * len(points)
    width, full_height = bars_end + label_room, height + label_room
    parts = [
        f'<svg class="{escape(css_class)}" role="img" aria-label="{escape(label)}" '
        f'viewBox="0 0 {width} {full_height}" width="{width}" height="{full_height}" '
        'xmlns="http://www.w3.org/2000/svg">',
        f'<text x="{left - 6}" y="{24}" class="tld-axis" text-anchor="end">{top}</text>',
        f'<text x="{left - 6}" y="{height}" class="tld-axis" text-anchor="end">0</text>',
        f'<line x1="{left - 4}" y1="{height}" x2="{bars_end}" y2="{height}" class="tld-base"/>',
    ]
    last = len(points) - 1
    for n, (name, count) in enumerate(points):
        bar = round((height - 20) * count / top)
        x = left + n * step
        name = escape(str(name))
        data = f' data-month="{name}" data-articles="{count}"' if count else ""
        parts.append(
            f'<rect class="tld-bar{" month" if count else ""}"{data} x="{x}" y="{height - bar}" '
            f'width="{step - gap}" height="{bar}"><title>{name}: {count}</title></rect>'
        )
        if few and count:
            parts.append(f'<text class="tld-axis" x="{x + (step - gap) / 2}" '
                         f'y="{height - bar - 3}" text-anchor="middle">{count}</text>')
        if few or n in (0, last) or name.endswith("-01"):
            parts.append(
                f'<text class="tld-axis tld-label" x="{x}" y="{height + 14}" '
                f'transform="rotate(60 {x} {height + 14})">{name}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))


def bar_chart(points: list[tuple[str, int]], label: str) -> Markup:
    """Horizontal bars, one per (label, count), largest first, with the count at the end."""
    if not points:
        return Markup("<p>No articles yet.</p>")
    row, name_width, bar_width = 20, 220, 360
    top = max(count for _, count in points)
    height = row * len(points) + 4
    width = name_width + bar_width + 50
    parts = [
        f'<svg class="tld-chart" role="img" aria-label="{escape(label)}" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        'xmlns="http://www.w3.org/2000/svg">'
    ]
    for n, (name, count) in enumerate(points):
        y = n * row + 2
        bar = max(1, round(bar_width * count / top))
        parts.append(
            f'<text class="tld-axis" x="{name_width - 6}" y="{y + 13}" text-anchor="end">'
            f"{escape(str(name))}</text>"
            f'<rect class="tld-bar" x="{name_width}" y="{y}" width="{bar}" height="{row - 4}">'
            f"<title>{escape(str(name))}: {count}</title></rect>"
            f'<text class="tld-axis" x="{name_width + bar + 4}" y="{y + 13}">{count}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
