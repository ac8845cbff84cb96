"""The archive's Datasette plugin: pages that read like an archive, on Datasette 0.65.

Registered as the ``tinlanhdao`` entry point of the ``datasette`` group, so plain
``datasette data/tinlanhdao.db`` loads it as ``tinlanhdao serve`` does. It acts only on
databases that are archives (they have the ``articles`` and ``migrations`` tables); any other
database looks as Datasette shows it. With its templates (``templates/`` beside this file):

* the articles table lists date, title, author, an excerpt and the portal link; the full table
  of every column is one click away (``?_view=columns``), column descriptions fold into a
  "Columns" box instead of filling the first screen;
* a search from the articles table (``?_search=``) is ranked by relevance with highlighted
  snippets, through ``archive.search`` (tone marks, phrases, NOT, ``title:``), unless the user
  asks for Datasette's own sort (``_sort``/``_sort_desc``);
* an article's page reads like the article: its sanitized body (cleaned again here with nh3),
  images with captions, attachments, revisions, captures and the portal's URL;
* the database page opens with charts of articles per month, per author and per section,
  drawn here as inline SVG bars (no script, nothing fetched from elsewhere);
* with a replayer configured (``plugins.tinlanhdao.replay_url``, which the project's metadata
  reads from $TINLANHDAO_REPLAY_URL; see ``archive.replay``), each article row, search hit and
  article page links to the replay of its capture, and the article page to each capture's.
"""

from __future__ import annotations

import functools
import os
import sqlite3
from html import escape
from typing import Any

import nh3
from datasette import hookimpl
from markupsafe import Markup

from archive.replay import replay_template, replay_url

PLUGIN = "tinlanhdao"

ARCHIVE_TABLES = {"articles", "migrations"}
SEARCH_LIMIT = 50
# What an article body may contain on our page. The crawl stored it sanitized already; this is
# a second, stricter pass, so a row written by another tool cannot bring active content.
BODY_TAGS = {
    "p", "br", "strong", "b", "em", "i", "u", "a", "img", "figure", "figcaption", "ul", "ol",
    "li", "blockquote", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "td",
    "th", "sub", "sup", "span", "div",
}  # fmt: skip
BODY_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title", "width", "height"}}
BODY_URL_SCHEMES = {"http", "https"}


def clean_body_html(html: str | None) -> Markup:
    """``html`` through nh3 with the allow-list above: no script, style, frame, form, event
    handler or javascript:/data: URL survives; links get rel="noopener noreferrer nofollow"."""
    cleaned = nh3.clean(
        html or "",
        tags=BODY_TAGS,
        attributes=BODY_ATTRIBUTES,
        url_schemes=BODY_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )
    return Markup(cleaned)


@functools.lru_cache(maxsize=64)
def _is_archive_file(path: str, mtime: float) -> bool:
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            names = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
        finally:
            conn.close()
    except sqlite3.Error:
        return False
    return ARCHIVE_TABLES <= names


def is_archive(datasette: Any, database: str | None) -> bool:
    """Whether the Datasette database ``database`` is one of our archives."""
    if not database or database not in datasette.databases:
        return False
    path = datasette.databases[database].path
    if not path:
        return False
    try:
        mtime = os.path.getmtime(path)
    except OSError:
        return False
    return _is_archive_file(path, mtime)


# --- metadata ------------------------------------------------------------------------------------


@hookimpl
def get_metadata(datasette, key, database, table):
    """The project's metadata (descriptions, sorts, facets, canned queries) for every archive
    Datasette serves, so plain ``datasette data/tinlanhdao.db`` gets it too."""
    from archive.web import database_metadata, static_metadata

    archives = [name for name in datasette.databases if is_archive(datasette, name)]
    if not archives:
        return {}
    metadata = {k: v for k, v in static_metadata().items() if k != "databases"}
    metadata["databases"] = {name: database_metadata() for name in archives}
    return metadata


# --- template variables --------------------------------------------------------------------------


@hookimpl
def extra_template_vars(template, database, table, view_name, request, datasette):
    if not is_archive(datasette, database):
        return {}

    async def variables() -> dict[str, Any]:
        found: dict[str, Any] = {"tinlanhdao_archive": True}
        db = datasette.get_database(database)
        if view_name == "table" and table == "articles":
            found["tinlanhdao_compact"] = request is None or request.args.get("_view") != "columns"
            link_template = replay_config(datasette, database)

            async def replay_links(display_rows: list) -> dict[str, str]:
                """{article id as the row shows it: replay link} for the rows shown."""
                ids = [cell["raw"] for row in display_rows for cell in row
                       if cell["column"] == "id"]  # fmt: skip
                links = await article_replay_links(db, link_template, ids)
                return {str(article_id): link for article_id, link in links.items()}

            found["tinlanhdao_replay_links"] = replay_links
        elif view_name == "row" and table == "articles" and request is not None:
            pk = request.url_vars.get("pks", "")
            found["tinlanhdao_article"] = await _article_page(
                db, pk, replay_config(datasette, database)
            )
        elif view_name == "database":
            from archive.datasette_plugin.charts import archive_charts

            found["tinlanhdao_charts"] = await archive_charts(db)
        return found

    return variables


def replay_config(datasette: Any, database: str) -> str:
    """The replay link template configured for ``database`` ('' for none): Datasette's plugin
    configuration ``replay_url`` of the ``tinlanhdao`` plugin, per database or for all."""
    config = datasette.plugin_config(PLUGIN, database=database) or {}
    value = config.get("replay_url") if isinstance(config, dict) else None
    return replay_template(value if isinstance(value, str) else "")


def replay_problem(template: str) -> str:
    """Why ``template`` makes no replay links ('' when it makes them, or none is set)."""
    try:
        replay_url("http://example.org/", "2000-01-01T00:00:00Z", template)
    except ValueError as problem:
        return f"No replay links: {problem}"
    return ""


def _replay(url: str, fetched_at: str, template: str) -> str:
    try:
        return replay_url(url, fetched_at, template)
    except ValueError:
        return ""  # the article page says why (see ``replay_problem``)


async def article_replay_links(db: Any, template: str, article_ids: list[Any]) -> dict[int, str]:
    """{article id: link to the replay of the capture its current version came from}, for the
    ``article_ids`` that have one; {} when no replayer is configured."""
    ids = [int(i) for i in article_ids if isinstance(i, int) or str(i).isdigit()]
    if not template or not ids or not await db.table_exists("captures"):
        return {}
    rows = await db.execute(
        "SELECT articles.id, captures.url, captures.fetched_at FROM articles "
        "JOIN captures ON captures.id = articles.capture_id "
        f"WHERE articles.id IN ({', '.join('?' for _ in ids)})",
        ids,
    )
    links = {row[0]: _replay(row[1], row[2], template) for row in rows.rows}
    return {article_id: link for article_id, link in links.items() if link}


async def _article_page(db: Any, pk: str, replay: str = "") -> dict[str, Any] | None:
    """Everything the article page shows, or None if ``pk`` is not an article id."""
    if not pk.isdigit():
        return None
    rows = await db.execute("SELECT * FROM articles WHERE id = ?", [int(pk)])
    row = rows.first()
    if row is None:
        return None
    article = dict(row)
    article_id = article["id"]

    async def listed(sql: str) -> list[dict[str, Any]]:
        return [dict(r) for r in (await db.execute(sql, [article_id])).rows]

    article["body_markup"] = clean_body_html(article.get("body_html"))
    article["images"] = await listed(
        "SELECT position, src, caption, credit FROM images "
        "WHERE article_id = ? AND replaced_at IS NULL ORDER BY position"
    )
    article["attachments"] = await listed(
        "SELECT position, url, title FROM attachments "
        "WHERE article_id = ? AND replaced_at IS NULL ORDER BY position"
    )
    article["revisions"] = await listed(
        "SELECT id, fetched_at, title, content_hash FROM revisions "
        "WHERE article_id = ? ORDER BY id"
    )
    captures = []
    if await db.table_exists("captures"):
        captures = await listed(
            "SELECT id, url, fetched_at, http_status, record_type, warc_file, offset "
            "FROM captures WHERE article_id = ? ORDER BY id"
        )
    for capture in captures:
        capture["replay"] = _replay(capture["url"], capture["fetched_at"], replay)
        if capture["id"] == article.get("capture_id"):
            article["replay"] = capture["replay"]
    article["captures"] = captures
    article["replaying"] = bool(replay)
    article["replay_problem"] = replay_problem(replay)
    article["body_has_images"] = "<img" in str(article["body_markup"])
    return article


# --- relevance-ranked search from the articles table ---------------------------------------------


@hookimpl
def register_routes(datasette):
    return [(r"^/(?P<database>[^/.]+)/(?P<table>articles)$", articles_table)]


async def articles_table(datasette, request, send):
    """The articles table as Datasette shows it, except a search (``_search``) of an archive
    without an explicit sort: that page lists the best matches first, with snippets."""
    from datasette.views.table import TableView

    database = request.url_vars["database"]
    query = request.args.get("_search", "")
    # The table's search form carries its default sort along (_sort_desc=published): only
    # another sort is the user's choice.
    explicit_sort = request.args.get("_sort") or request.args.get("_sort_desc", "published") != (
        "published"
    )
    if not query.strip() or explicit_sort or not is_archive(datasette, database):
        request.scope["url_route"]["kwargs"].setdefault("format", None)  # as Datasette's route
        return await TableView.as_view(datasette)(request, send)
    return await _search_page(datasette, request, database, query)


async def _search_page(datasette, request, database: str, query: str):
    import sqlite_utils
    from datasette.utils.asgi import Response

    from archive.errors import QueryError
    from archive.search import search_articles

    since = request.args.get("since", "")
    until = request.args.get("until", "")
    author = request.args.get("author", "")
    marks = ("\x02", "\x03")  # replaced by <mark> after escaping

    def run(conn: sqlite3.Connection):
        return search_articles(
            sqlite_utils.Database(conn), query, since=since, until=until, author=author,
            limit=SEARCH_LIMIT, marks=marks,
        )  # fmt: skip

    error, hits = "", []
    db = datasette.get_database(database)
    try:
        hits = await db.execute_fn(run)
    except (QueryError, ValueError) as problem:
        error = str(problem)
    replay = await article_replay_links(
        db, replay_config(datasette, database), [hit.id for hit in hits]
    )
    results = [
        {
            "id": hit.id,
            "url": hit.url,
            "date": (hit.published or "")[:10],
            "author": hit.author,
            "title": _marked(hit.title_marked),
            "snippet": _marked(hit.snippet),
            "link": datasette.urls.row(database, "articles", str(hit.id)),
            "replay": replay.get(hit.id, ""),
        }
        for hit in hits
    ]
    html = await datasette.render_template(
        "tinlanhdao_search.html",
        {
            "database": database,
            "table": "articles",
            "query": query,
            "since": since,
            "until": until,
            "author": author,
            "error": error,
            "results": results,
            "limit": SEARCH_LIMIT,
            "table_url": datasette.urls.table(database, "articles"),
            "metadata": datasette.metadata(database=database) or {},
        },
        request=request,
        view_name="tinlanhdao_search",
    )
    return Response.html(html, status=400 if error else 200)


def _marked(text: str) -> Markup:
    """Escape ``text`` and turn the \\x02...\\x03 marks of the search into <mark> elements."""
    return Markup(escape(text).replace("\x02", "<mark>").replace("\x03", "</mark>"))
