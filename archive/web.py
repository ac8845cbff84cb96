"""The Datasette side: the project's metadata and a read-only Datasette app over an archive.

``archive/datasette_metadata.json`` holds what is written by hand (title, description, source,
licence, default sorts, facets, canned queries); the table and column descriptions come from
``archive.schema.TABLES``, the one place the schema is described. ``metadata_for(path)`` merges
the two under the database name Datasette will use for that file.

Datasette is imported only inside these functions: the rest of the archive stays light.
"""

from __future__ import annotations

import copy
import json
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from archive.schema import SEARCH_COLUMNS, SEARCH_TABLE, TABLES

if TYPE_CHECKING:
    from datasette.app import Datasette

METADATA_FILE = "datasette_metadata.json"
# Search indexes only the search uses: hidden from the table list (still reachable by URL).
HELPER_INDEXES = ("articles_fts_marks", "articles_fts_pairs")
TEMPLATE_DATABASE = "tinlanhdao"


def static_metadata() -> dict[str, Any]:
    """The hand-written metadata file, as a dict."""
    text = resources.files("archive").joinpath(METADATA_FILE).read_text(encoding="utf-8")
    return json.loads(text)


def database_metadata() -> dict[str, Any]:
    """The metadata of one archive database: the static file's, with every table's and
    column's description added and the search indexes hidden from the table list."""
    database = copy.deepcopy(static_metadata()["databases"][TEMPLATE_DATABASE])
    tables = database.setdefault("tables", {})
    for spec in TABLES.values():
        table = tables.setdefault(spec.name, {})
        table["description"] = spec.description
        table["columns"] = {c.name: c.description for c in spec.columns}
    tables["articles"]["columns"]["published_date"] = (
        "Publication date alone, YYYY-MM-DD (from published); null if the page gave none."
    )
    tables.setdefault(SEARCH_TABLE, {}).update(
        description="Full-text index of articles (title, lead, body), kept in sync by triggers. "
        "Search it through the articles table's search box.",
        columns={c: f"Indexed text of articles.{c}" for c in SEARCH_COLUMNS},
    )
    for index in HELPER_INDEXES:
        tables.setdefault(index, {})["hidden"] = True
    return database


def metadata_for(path: str | Path) -> dict[str, Any]:
    """Complete Datasette metadata for the archive at ``path``: the static file with every
    table's and column's description added, keyed by the database name (the file's stem)."""
    metadata = copy.deepcopy(static_metadata())
    metadata["databases"] = {database_name(path): database_metadata()}
    return metadata


def database_name(path: str | Path) -> str:
    """The name Datasette gives the database file at ``path`` (its stem)."""
    return Path(path).stem


def build_datasette(path: str | Path) -> Datasette:
    """A Datasette app serving the archive at ``path`` with the project's metadata.

    The file is opened as mutable, so Datasette reads it with ``mode=ro`` connections that still
    see rows a running crawl adds (``immutable`` would not). Datasette writes nothing unless a
    plugin asks; table cells are HTML-escaped, so body_html is shown as text there (the article
    page renders it, cleaned again: see ``archive.datasette_plugin``). The project's plugins
    (the archive's pages and the leader pages) load through their ``datasette`` entry points.
    """
    import importlib

    from datasette.app import Datasette  # first: it registers the default plugins

    # Datasette prints a rich traceback with every local variable to the console for each
    # request that fails, a malformed search included (the client gets a clean 400). A few bad
    # queries a second would flood the log and pin a core; the clean answer is enough.
    importlib.import_module("datasette.handle_exception").rich = None
    # Facet suggestions try every column of a table on each page: 0.8 s of the articles page's
    # 0.84 s on 10,000 articles (bench/RESULTS.md, "Scale-out"). The metadata's facets stay.
    return Datasette(
        [str(path)],
        metadata=metadata_for(path),
        settings={"truncate_cells_html": 300, "default_page_size": 50, "suggest_facets": False},
    )


def serve(path: str | Path, host: str = "127.0.0.1", port: int = 8001) -> None:
    """Run Datasette on the archive at ``path`` until interrupted (like ``datasette serve``)."""
    import asyncio

    import uvicorn

    datasette = build_datasette(path)
    asyncio.run(datasette.invoke_startup())
    uvicorn.run(datasette.app(), host=host, port=port, log_level="info", lifespan="on")
