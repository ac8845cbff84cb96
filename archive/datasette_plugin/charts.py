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


def every_month(counts: dict[str, int]) -> list[tuple[str, int]]:
    """(month, count) for every month from the first to the last of ``counts`` ('YYYY-MM'
    keys), months without articles at 0, the last MONTHS_SHOWN of them."""
    if not counts:
        return []
    first, last = min(counts), max(counts)
    year, month = int(first[:4]), int(first[5:7])
    months = []
    while f"{year:04d}-{month:02d}" <= last:
        key = f"{year:04d}-{month:02d}"
        months.append((key, counts.get(key, 0)))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months[-MONTHS_SHOWN:]


LABEL_EVERY = 6  # months between the labels under a column chart


def column_chart(points: list[tuple[str, int]], label: str, height: int = 180) -> Markup:
    """Vertical bars, one per (label, count), oldest left; a label under the newest bar, every
    sixth one before it, and the oldest when there is room. The labels slant down to the
    right: the drawing is wide and tall enough for the last one."""
    if not points:
        return Markup("<p>No dated articles yet.</p>")
    step, top, gap, left = 14, max(1, max(count for _, count in points)), 2, 40
    # A slanted 'YYYY-MM' label reaches about 45 px right of and 40 px below its bar.
    label_room = 50
    bars_end = left + step * len(points)
    width, full_height = bars_end + label_room, height + label_room
    parts = [
        f'<svg class="tld-chart" role="img" aria-label="{escape(label)}" '
        f'viewBox="0 0 {width} {full_height}" width="{width}" height="{full_height}" '
        'xmlns="http://www.w3.org/2000/svg">',
        f'<text x="{left - 6}" y="{24}" class="tld-axis" text-anchor="end">{top}</text>',
        f'<text x="{left - 6}" y="{height}" class="tld-axis" text-anchor="end">0</text>',
        f'<line x1="{left - 4}" y1="{height}" x2="{bars_end}" y2="{height}" class="tld-base"/>',
    ]
    for n, (name, count) in enumerate(points):
        bar = round((height - 20) * count / top)
        x = left + n * step
        parts.append(
            f'<rect class="tld-bar" x="{x}" y="{height - bar}" width="{step - gap}" '
            f'height="{bar}"><title>{escape(str(name))}: {count}</title></rect>'
        )
        from_newest = len(points) - 1 - n
        if from_newest % LABEL_EVERY == 0 or (n == 0 and from_newest % LABEL_EVERY >= 3):
            parts.append(
                f'<text class="tld-axis tld-label" x="{x}" y="{height + 14}" '
                f'transform="rotate(40 {x} {height + 14})">{escape(str(name))}</text>'
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
