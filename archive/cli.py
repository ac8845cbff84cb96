"""``tinlanhdao``: the researchers' command line over the archive (a thin layer over ``archive``).

Each command parses its options, calls the library and prints; known errors (no archive, an
empty archive, an unknown article, a query without words, a malformed date) become one-line
messages and a non-zero exit status, never a traceback.
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from archive import Archive, default_archive_path
from archive.errors import ArchiveError, QueryError
from archive.index import rebuild_search_index
from archive.reading import article_count, get_article, has_article
from archive.reading import stats as archive_stats
from archive.search import check_date_prefix, search_articles

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
BOLD = ("\x1b[1m", "\x1b[0m")
BRACKETS = ("[", "]")


class QueryProblem(click.ClickException):
    """A query the archive cannot run: a usage error, exit status 2."""

    exit_code = 2


class DatePrefix(click.ParamType):
    """A date option: YYYY, YYYY-MM or YYYY-MM-DD."""

    name = "DATE"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        if value is None or value == "":
            return ""
        try:
            return check_date_prefix(str(value))
        except ValueError as error:
            self.fail(str(error), param, ctx)


DATE = DatePrefix()


def db_option(command: Callable) -> Callable:
    """The --db option every command shares."""
    return click.option(
        "--db",
        "db_path",
        type=click.Path(dir_okay=False, path_type=Path),
        default=default_archive_path,
        show_default="$TINLANHDAO_ARCHIVE or data/tinlanhdao.db",
        help="The archive file.",
    )(command)


def date_options(command: Callable) -> Callable:
    """--since and --until, both inclusive."""
    command = click.option(
        "--until", type=DATE, default="", help="Published on or before (YYYY[-MM[-DD]])."
    )(command)
    return click.option(
        "--since", type=DATE, default="", help="Published on or after (YYYY[-MM[-DD]])."
    )(command)


@contextmanager
def reading(db_path: Path, need_articles: bool = True) -> Iterator[Archive]:
    """Open the archive read-only; known archive errors (a file not ours) become clean messages."""
    try:
        archive = Archive(db_path, readonly=True)
    except ArchiveError as error:
        raise click.ClickException(str(error)) from None
    try:
        if need_articles:
            archive.require_articles()
        yield archive
    except QueryError as error:
        raise QueryProblem(str(error)) from None
    except ArchiveError as error:
        raise click.ClickException(str(error)) from None
    finally:
        archive.close()


def dumps(value: Any, indent: int | None = 2) -> str:
    """JSON that keeps Vietnamese readable."""
    return json.dumps(value, ensure_ascii=False, indent=indent, default=str)


@click.group(context_settings=CONTEXT_SETTINGS)
@click.version_option(package_name="tinlanhdao")
def main() -> None:
    """Search, read, count and export the archive of the Cần Thơ portal's leadership news.

    \b
    Example:
      tinlanhdao search "dieu phoi" --since 2023
      tinlanhdao show 12
      tinlanhdao serve
    """


@main.command(context_settings=CONTEXT_SETTINGS)
@click.argument("query")
@date_options
@click.option("--author", default="", help="Only bylines containing this (accents ignored).")
@click.option("--leader", default="", metavar="NAME",
              help="Only articles mentioning this leader, named or by office (accents optional).")
@click.option("--limit", type=click.IntRange(1, 10_000), default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array instead of text.")
@db_option
def search(
    query: str, since: str, until: str, author: str, leader: str, limit: int, as_json: bool,
    db_path: Path,
) -> None:
    """Full-text search of titles, leads and bodies, best matches (bm25) first, words side by
    side before words apart.

    A word typed without marks matches every spelling: "dieu phoi" finds "Điều phối". A word
    typed with marks matches that word only (either tone placement): "năm" is not "Nam",
    "Đà Nẵng" is not "đã nâng". Words are ANDed; "quoted words" are a phrase; word* is a
    prefix; OR between terms means either; -word or NOT word excludes; title:, lead: or body:
    searches one column. Any other punctuation is ignored.

    \b
    Example:
      tinlanhdao search "dieu phoi"
      tinlanhdao search "Đà Nẵng" --since 2023-01 --json
      tinlanhdao search "doanh nghiep" --leader "nguyen ngoc he"
    """
    marks = BOLD if (not as_json and sys.stdout.isatty()) else BRACKETS
    with reading(db_path) as archive:
        if leader:
            hits = _search_by_leader(
                archive, query, leader,
                since=since, until=until, author=author, limit=limit, marks=marks,
            )
        else:
            hits = search_articles(
                archive.db, query, since=since, until=until, author=author, limit=limit, marks=marks
            )
    if as_json:
        click.echo(dumps([hit.to_dict() for hit in hits]))
        return
    if not hits:
        limits = [f"{name} {value!r}" for name, value in
                  (("since", since), ("until", until), ("by", author), ("mentioning", leader))
                  if value]  # fmt: skip
        click.echo(f"No articles match {query!r}{' ' + ', '.join(limits) if limits else ''}.")
        return
    for rank, hit in enumerate(hits, start=1):
        click.echo(f"{rank}. {hit.title_marked}")
        details = [hit.published[:10] or "no date", hit.author or "no author", f"id {hit.id}"]
        click.echo(f"   {' · '.join(details)}")
        click.echo(f"   {hit.url}")
        click.echo(f"   {hit.snippet}\n")


def _search_by_leader(archive: Archive, query: str, leader: str, **options: Any) -> list:
    """``search`` kept to the articles that mention ``leader`` (archive/leaders/report.py)."""
    from archive.leaders.report import UnknownLeader, leader_filter

    try:
        only = leader_filter(archive.db, leader)
    except UnknownLeader as error:
        raise QueryProblem(str(error)) from None
    return search_articles(archive.db, query, only=only, **options)


@main.command(context_settings=CONTEXT_SETTINGS)
@click.argument("key", metavar="ID|URL")
@click.option("--json", "as_json", is_flag=True, help="Print the article as JSON.")
@db_option
def show(key: str, as_json: bool, db_path: Path) -> None:
    """Print one article, by archive id or URL, with its images, attachments and revisions,
    and its provenance: the capture (WARC file and offset) its text was extracted from and the
    extractor version.

    \b
    Example:
      tinlanhdao show 12
      tinlanhdao show https://www.cantho.gov.vn/... --json
    """
    with reading(db_path) as archive:
        article = get_article(archive.db, key)
        article["capture"] = _capture_of(archive, article.get("capture_id"))
    if as_json:
        click.echo(dumps(article))
        return
    click.echo(click.style(article["title"], bold=True))
    click.echo(article["url"])
    facts = {
        "id": article["id"],
        "published": article["published"] or "-",
        "author": article["author"] or "-",
        "section": article["section"] or "-",
        "words": article["word_count"],
        "layout": article["layout"] or "-",
        "portal id": article["portal_id"] or "-",
        "first seen": article["first_seen"],
        "last seen": article["last_seen"],
    }
    if article["removed_at"]:
        facts["removed"] = article["removed_at"]
    click.echo(" · ".join(f"{k}: {v}" for k, v in facts.items()))
    click.echo(_provenance_line(article))
    if article["lead"]:
        click.echo("\n" + article["lead"])
    click.echo("\n" + article["body"] + "\n")
    click.echo(f"Images ({len(article['images'])}):")
    for image in article["images"]:
        credit = f" (Ảnh: {image['credit']})" if image["credit"] else ""
        click.echo(f"  {image['position']}. {image['src']} — {image['caption']}{credit}")
    click.echo(f"Attachments ({len(article['attachments'])}):")
    for attachment in article["attachments"]:
        click.echo(f"  {attachment['position']}. {attachment['url']} — {attachment['title']}")
    click.echo(f"Revisions ({len(article['revisions'])}):")
    for revision in article["revisions"]:
        click.echo(
            f"  #{revision['id']} {revision['fetched_at']} {revision['content_hash'][:12]} "
            f"{revision['body_length']} chars — {revision['title']}"
        )


@main.command(context_settings=CONTEXT_SETTINGS)
@click.option("--json", "as_json", is_flag=True, help="Print the statistics as JSON.")
@click.option(
    "--authors", type=click.IntRange(1), default=10, show_default=True, help="How many top authors."
)
@click.option(
    "--runs",
    type=click.IntRange(1),
    default=5,
    show_default=True,
    help="How many recent crawl runs.",
)
@click.option(
    "--removed",
    type=click.IntRange(0),
    default=20,
    show_default=True,
    help="How many removed articles to list (most recently marked first).",
)
@db_option
def stats(as_json: bool, authors: int, runs: int, removed: int, db_path: Path) -> None:
    """Articles per year and per month, top authors, the last crawl runs (exit status,
    problems, pages, requests, articles new/changed/unchanged/failed/removed) and the articles
    the portal no longer serves.

    \b
    Example:
      tinlanhdao stats
      tinlanhdao stats --json --authors 20 --runs 10
    """
    with reading(db_path) as archive:
        numbers = archive_stats(archive.db, top_authors=authors, last_runs=runs, removed=removed)
    if as_json:
        click.echo(dumps(numbers))
        return
    click.echo("  ".join(f"{table}: {count}" for table, count in numbers["totals"].items()))
    click.echo("\nArticles per year:")
    for row in numbers["per_year"]:
        click.echo(f"  {row['year'] or 'no date':>8}  {row['articles']:>6}")
    click.echo("\nArticles per month:")
    for row in numbers["per_month"]:
        click.echo(f"  {row['month']:>8}  {row['articles']:>6}")
    click.echo("\nTop authors:")
    for row in numbers["top_authors"]:
        click.echo(f"  {row['articles']:>6}  {row['author']}")
    click.echo("\nLast crawl runs:")
    for run in numbers["last_runs"]:
        click.echo("\n".join(_run_lines(run)))
    click.echo(f"\nRemoved articles: {numbers['removed_count']}")
    for row in numbers["removed_articles"]:
        click.echo(f"  #{row['id']} removed {row['removed_at']} ({row['removed_reason'] or '?'})")
        click.echo(f"      {row['title']}")


def _run_lines(run: dict[str, Any]) -> list[str]:
    """One crawl run for ``stats``: when, how it ended, what it fetched and found."""
    exit_status = "exit ?" if run["exit_status"] is None else f"exit {run['exit_status']}"
    failed = run["articles_failed"] if run["articles_failed"] is not None else run["failures"]
    counts = (
        f"new {run['articles_new'] or 0}, changed {run['articles_changed'] or 0}, "
        f"unchanged {run['articles_unchanged'] or 0}, failed {failed or 0}, "
        f"removed {run['articles_removed'] or 0}"
    )
    lines = [
        f"  #{run['id']} {run['started_at']} → {run['finished_at'] or '…'} "
        f"{run['status']} ({run['mode'] or run['spider']}), {exit_status}",
        f"      listing pages {run['listing_pages'] or 0}, requests {run['requests'] or 0}, "
        f"fallback used {run['fallback_used'] or 0}; {counts}",
    ]
    if run["problems"]:
        lines.append(f"      problems: {', '.join(run['problems'])}")
    return lines


def selection_options(command: Callable) -> Callable:
    """--author, --since and --until: the selection ``list`` and ``export`` share."""
    command = date_options(command)
    return click.option(
        "--author", default="", help="Only bylines containing this (accents ignored)."
    )(command)


@main.command(context_settings=CONTEXT_SETTINGS)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "jsonl", "parquet"]),
    default="csv",
    show_default=True,
    help="csv: one row per article; jsonl: with images and attachments; parquet: typed columns "
    "(published_date a date).",
)
@click.option("--excel", is_flag=True, help="csv for Excel: starts with a UTF-8 byte-order mark.")
@click.option("--query", "-q", default="", help="Only articles this search query finds.")
@selection_options
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    default=None,
    help="Write to this file (its folder must exist) instead of standard output.",
)
@click.option("--force", is_flag=True, help="Replace the output file if it exists.")
@db_option
def export(
    fmt: str,
    excel: bool,
    query: str,
    author: str,
    since: str,
    until: str,
    output: Path | None,
    force: bool,
    db_path: Path,
) -> None:
    """Export articles (all columns), oldest first, selected by query, author and dates.

    Absent values are empty cells in csv, null in jsonl and Parquet. An existing output file
    is kept unless --force is given.

    \b
    Example:
      tinlanhdao export --excel --since 2023 -o articles-2023.csv
      tinlanhdao export --format jsonl --query "nông thôn mới" > ntm.jsonl
      tinlanhdao export --format parquet --author "Kim Xuyến" -o kim-xuyen.parquet
    """
    from archive.export import Selection
    from archive.export import export as write_export

    selection = Selection(query=query, author=author, since=since, until=until)
    with reading(db_path) as archive:
        report = write_export(
            archive,
            selection,
            fmt,
            output=output,
            stream=sys.stdout,
            excel=excel,
            force=force,
        )
    if output is not None:
        click.echo(f"Wrote {report.articles} articles to {report.path} ({fmt}).", err=True)


@main.command("list", context_settings=CONTEXT_SETTINGS)
@selection_options
@click.option("--limit", type=click.IntRange(1, 10_000), default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array instead of text.")
@db_option
def list_articles(
    author: str, since: str, until: str, limit: int, as_json: bool, db_path: Path
) -> None:
    """The latest articles, newest first, optionally by author and within dates (no query).

    \b
    Example:
      tinlanhdao list
      tinlanhdao list --since 2024-01 --until 2024-03 --author "Kim Xuyến" --limit 50
    """
    from archive.export import Selection, latest

    with reading(db_path) as archive:
        rows = latest(archive, Selection(author=author, since=since, until=until), limit)
    if as_json:
        click.echo(dumps(rows))
        return
    if not rows:
        click.echo("No articles match.")
        return
    for row in rows:
        details = [row["published_date"] or "no date", row["author"] or "no author"]
        click.echo(f"{row['title']}")
        click.echo(f"   {' · '.join(details)} · id {row['id']}")
        click.echo(f"   {row['url']}")


@main.command(context_settings=CONTEXT_SETTINGS)
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8001, show_default=True)
@db_option
def serve(host: str, port: int, db_path: Path) -> None:
    """Browse and search the archive in Datasette, read-only, with the project's metadata.

    Datasette reads with read-only connections that still see what a running crawl adds.

    \b
    Example:
      tinlanhdao serve --port 8001
      then open http://127.0.0.1:8001/tinlanhdao/articles
    """
    from archive import web

    with reading(db_path):
        pass  # refuse a missing or empty archive before starting the server
    database = web.database_name(db_path)
    click.echo(f"Serving {db_path} at http://{host}:{port}/{database}/articles", err=True)
    web.serve(db_path, host=host, port=port)


# `tinlanhdao extract`'s exit statuses, one per kind of failure (see its help).
EXTRACT_STATUS = {"not_article": 1, "unreachable": 3, "robots": 4, "not_html": 5, "bug": 70}


@main.command(context_settings=CONTEXT_SETTINGS)
@click.argument("pages", nargs=-1, required=True, metavar="URL|FILE...")
@click.option("--url", default="", help="A saved file's URL (default: its canonical link).")
def extract(pages: tuple[str, ...], url: str) -> None:
    """Extract the Article of a page, from the web or from a saved file, and print it as JSON.

    A URL is fetched politely: the crawl's User-Agent, robots.txt obeyed, one request for the
    page (a redirect is reported, not followed). For one page, what each known layout and the
    fallback found is shown on stderr, so you see at once whether a known layout still
    matches. One page: indented JSON; several: one JSON object per line.

    \b
    Exit status (several pages: the highest):
      0  every page gave an article
      1  not an article (the reason is printed), or a file cannot be read
      3  the page cannot be fetched (network, timeout, HTTP error, redirect, too large)
      4  robots.txt forbids fetching it
      5  it is not HTML
      70 a bug in the extraction code (please report it with the page)

    \b
    Example:
      tinlanhdao extract https://www.cantho.gov.vn/hoat-dong-lanh-dao-thanh-pho/...
      tinlanhdao extract saved/page.html --url https://www.cantho.gov.vn/...
      tinlanhdao extract saved/*.html > articles.jsonl
    """
    try:
        from crawler.pagecheck import extract_one
    except ImportError as error:
        raise click.ClickException(f"Extraction is not available: {error}") from None
    status = 0
    for page in pages:
        outcome = extract_one(page, url, compare=len(pages) == 1)
        for line in outcome.report:
            click.echo(line, err=True)
        if outcome.article is not None:
            click.echo(dumps(outcome.article.to_dict(), indent=2 if len(pages) == 1 else None))
        else:
            click.echo(f"{page}: {outcome.error}", err=True)
            status = max(status, EXTRACT_STATUS[outcome.failure])
    if status:
        sys.exit(status)


@main.group(context_settings=CONTEXT_SETTINGS)
def layout() -> None:
    """Page layouts: draft a new one when the portal's markup changes.

    \b
    Example:
      tinlanhdao layout draft saved/article.html --name cantho-2027
    """


@layout.command("draft", context_settings=CONTEXT_SETTINGS)
@click.argument("page", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--name", required=True, help="The new layout's name (lowercase, hyphens).")
@click.option("--url", default="", help="The page's URL (default: its canonical link).")
@click.option("--charset", default=None, help="The page's charset, if it does not declare it.")
@click.option("--group", default="drafted", show_default=True,
              help="The fixture group (folder of tests/fixtures/pages) of the page.")
@click.option("--origin", type=click.Choice(["real", "synthetic"]), default="real",
              show_default=True, help="Whether the page was saved from a site or written.")
@click.option("--source", default="", help="Where the page came from, for its meta file.")
@click.option("--into", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="The clone of the project to write into (default: the one running).")
def layout_draft(page: Path, name: str, url: str, charset: str | None, group: str,
                 origin: str, source: str, into: Path | None) -> None:
    """Draft a layout class from one saved page that the fallback reads.

    Writes crawler/extraction/layout_NAME.py (selectors of the elements each field came from)
    and a fixture (the page, its expected JSON, its meta file) under tests/fixtures/pages/GROUP/.
    Existing files are never overwritten. Review the selectors, register the class in LAYOUTS
    (crawler/extraction/__init__.py), and run the tests. Exit status 1 when nothing was written.

    \b
    Example:
      tinlanhdao layout draft saved/article.html --name cantho-2027 --url https://www.cantho.gov.vn/...
    """
    from crawler.extraction.draft import DraftError, draft_from_file

    if into is None:
        import crawler

        into = Path(crawler.__file__).resolve().parent.parent
    try:
        draft, written = draft_from_file(page, name, into, url=url, charset=charset,
                                         group=group, origin=origin, source=source)
    except OSError as error:
        raise click.ClickException(f"{page}: cannot read: {error.strerror or error}") from None
    except DraftError as error:
        raise click.ClickException(f"{page}: {error}") from None
    for path in written.paths:
        click.echo(f"wrote {path}")
    for note in draft.notes:
        click.echo(f"review: {note}", err=True)
    if written.differences:
        click.echo(f"review: the drafted layout differs from the fallback on this page in: "
                   f"{', '.join(written.differences)}", err=True)
    else:
        click.echo(f"{draft.class_name} extracts the same fields as the fallback on this page.")
    click.echo(f"Next: review it, add {draft.class_name} to LAYOUTS in "
               "crawler/extraction/__init__.py, run the tests.")


@main.command(context_settings=CONTEXT_SETTINGS)
@db_option
def migrate(db_path: Path) -> None:
    """Upgrade an existing archive's schema in place (crawls do this themselves).

    \b
    Example:
      tinlanhdao migrate --db data/tinlanhdao.db
    """
    writable = _open_existing(db_path)
    with writable:
        pass  # opening for writing applies the pending migrations
    click.echo(f"{db_path}: schema up to date.")


@main.command(context_settings=CONTEXT_SETTINGS)
@db_option
def reindex(db_path: Path) -> None:
    """Rebuild the full-text index from the articles (never use FTS5's own 'rebuild').

    \b
    Example:
      tinlanhdao reindex
    """
    with _open_existing(db_path) as archive:
        rebuild_search_index(archive.db)
        count = article_count(archive.db)
    click.echo(f"Re-indexed {count} articles.")


@main.command(context_settings=CONTEXT_SETTINGS)
@db_option
def metadata(db_path: Path) -> None:
    """Print the Datasette metadata for the archive, for running Datasette yourself.

    \b
    Example:
      tinlanhdao metadata > metadata.json && datasette data/tinlanhdao.db -m metadata.json
    """
    from archive import web

    click.echo(dumps(web.metadata_for(db_path)))


def _open_existing(db_path: Path) -> Archive:
    """Open an existing archive for writing (applying migrations); clean errors otherwise.
    Anything but a tinlanhdao archive (an empty file, another SQLite database) is refused
    before it is opened, and left as it was."""
    from archive import guard

    _refuse_unless(guard.require_archive, db_path)  # missing, empty or not ours
    try:
        return Archive(db_path)
    except (ArchiveError, sqlite3.DatabaseError) as error:
        raise click.ClickException(f"{db_path}: {error}") from None


def _refuse_unless(check: Callable[[Path], Path], path: Path) -> Path:
    """Run one of ``archive.guard``'s checks; its refusal becomes a one-line error."""
    try:
        return check(path)
    except ArchiveError as error:
        raise click.ClickException(str(error)) from None


# --- Raw captures: provenance, reprocessing, WACZ export (docs/captures.md) ---------------------


def _capture_of(archive: Archive, capture_id: int | None) -> dict[str, Any] | None:
    """The capture row an article names, or None (archived before captures were kept)."""
    from archive.captures import CaptureError, Captures

    if capture_id is None:
        return None
    try:
        return Captures.of(archive).get(capture_id)
    except CaptureError:
        return None


def _provenance_line(article: dict[str, Any]) -> str:
    """'capture #12 fetched ... (warc/...warc.gz @ 8922, response) · extractor 0.1.0+...'."""
    capture = article.get("capture")
    extractor = article.get("extractor_version") or "-"
    if not capture:
        return f"capture: - (archived before captures were kept) · extractor: {extractor}"
    return (
        f"capture: #{capture['id']} fetched {capture['fetched_at']} "
        f"({capture['warc_file']} @ {capture['offset']}, {capture['record_type']}) · "
        f"extractor: {extractor}"
    )


@main.command(context_settings=CONTEXT_SETTINGS)
@date_options
@click.option("--url", default="", help="Only the article at this URL.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=min(4, os.cpu_count() or 1),
    show_default="the CPU count, at most 4",
    help="Processes that read and extract while one stores.",
)
@db_option
def reprocess(since: str, until: str, url: str, as_json: bool, workers: int, db_path: Path) -> None:
    """Extract the stored captures again with the current rules, offline, and update the
    articles whose text changes.

    Each selected article's latest capture is read back from the WARC files (no network) and
    extracted by today's rules. Changed output updates the article and adds one revision;
    unchanged text adds none (only the derived fields, such as body_html and layout, take the
    new extraction's values). last_seen and removal marks are kept: reprocessing is not
    a fetch. A capture that no longer parses is listed and its article left untouched; the exit
    status is then 1. --since/--until select by publication date.

    \b
    Example:
      tinlanhdao reprocess
      tinlanhdao reprocess --since 2024 --until 2024-06
      tinlanhdao reprocess --url https://www.cantho.gov.vn/hoat-dong-lanh-dao-thanh-pho/...
    """
    from archive.captures import CaptureError
    from archive.reprocess import reprocess as run_reprocess
    from archive.reprocess import select

    with _open_existing(db_path) as archive:
        if url and not has_article(archive.db, url):
            raise click.ClickException(f"No article with URL {url!r} in the archive.")
        try:
            rows = select(archive, since=since, until=until, url=url)
            with click.progressbar(
                length=len(rows), label="Reprocessing", file=sys.stderr, show_pos=True
            ) as bar:
                report = run_reprocess(
                    archive,
                    since=since,
                    until=until,
                    url=url,
                    progress=bar.update,
                    rows=rows,
                    workers=workers,
                )
        except CaptureError as error:
            raise click.ClickException(str(error)) from None
    if as_json:
        click.echo(dumps(report.to_dict()))
    else:
        click.echo(
            f"Reprocessed {report.selected} articles with extractor {report.extractor_version}: "
            f"{report.changed} changed, {report.unchanged} unchanged, "
            f"{len(report.problems)} failed."
        )
        if report.without_capture:
            click.echo(
                f"{report.without_capture} selected articles have no capture (archived before "
                "captures were kept); a crawl with -a mode=full captures them."
            )
    for problem in report.problems:
        click.echo(
            f"#{problem.article_id} {problem.url}: capture #{problem.capture_id} "
            f"{problem.reason}; article left as it was",
            err=True,
        )
    if report.problems:
        sys.exit(1)


@main.command("export-wacz", context_settings=CONTEXT_SETTINGS)
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--title", default="", help="Title of the collection in the package.")
@db_option
def export_wacz(path: Path, title: str, db_path: Path) -> None:
    """Write a WACZ package of every capture (WARC files, CDXJ index, pages by title), for
    ReplayWeb.page and pywb.

    \b
    Example:
      tinlanhdao export-wacz tinlanhdao.wacz
      then open https://replayweb.page and load tinlanhdao.wacz
    """
    from archive import guard
    from archive.captures import CaptureError
    from archive.wacz import export_wacz as write_wacz

    _refuse_unless(guard.require_wacz_target, path)
    with reading(db_path, need_articles=False) as archive:
        try:
            report = write_wacz(archive, path, **({"title": title} if title else {}))
        except CaptureError as error:
            raise click.ClickException(str(error)) from None
        except OSError as error:
            raise click.ClickException(f"cannot write {path}: {error.strerror or error}") from None
    click.echo(
        f"Wrote {report.path}: {report.captures} captures in {report.warc_files} WARC files, "
        f"{report.pages} pages, {report.bytes} bytes."
    )


# --- Leaders: who appears, under which titles, doing what (archive/leaders, docs/leaders.md) ----


def _leader_staleness(archive: Archive) -> None:
    """Warn (stderr) when the leader tables lag behind the rules or the people file."""
    from archive.leaders.people import PeopleFileError, load_people
    from archive.leaders.report import stale_reasons

    try:
        reasons = stale_reasons(archive.db, load_people())
    except PeopleFileError as error:
        raise click.ClickException(str(error)) from None
    if reasons:
        click.echo(
            f"Note: {'; '.join(reasons)}. Run `tinlanhdao reindex-leaders` to refill.", err=True
        )


@main.command(context_settings=CONTEXT_SETTINGS)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array instead of text.")
@db_option
def leaders(as_json: bool, db_path: Path) -> None:
    """List the city's leaders the archive names: roles, article count, first and last
    appearance.

    ARTICLES counts the articles that name the person; (+N) the articles that name only an
    office the person held that day (from the people file, or between the person's first and
    last appearance in that office). Streets, bylines, places and organizations are never
    leaders.

    \b
    Example:
      tinlanhdao leaders
      tinlanhdao leaders --json | jq '.[0]'
    """
    from archive.leaders.report import leaders as list_leaders

    with reading(db_path) as archive:
        _leader_staleness(archive)
        people = list_leaders(archive.db)
    if as_json:
        click.echo(dumps(people))
        return
    if not people:
        click.echo("No leader found in the archive.")
        return
    width = max(len(p["name"]) for p in people)
    click.echo(f"{'NAME':<{width}}  ARTICLES  FIRST       LAST        ROLES")
    for person in people:
        count = str(person["articles"])
        if person["inferred_articles"]:
            count += f" (+{person['inferred_articles']})"
        roles = "; ".join(
            f"{r['role']} {r['articles']}, {r['first']}..{r['last']}" for r in person["roles"]
        ) or "linked by office only"
        click.echo(
            f"{person['name']:<{width}}  {count:<8}  {person['first'] or '-':<10}  "
            f"{person['last'] or '-':<10}  {roles}"
        )


@main.command(context_settings=CONTEXT_SETTINGS)
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@db_option
def leader(name: str, as_json: bool, db_path: Path) -> None:
    """One leader's timeline: articles per month, then each article's date, activity and title
    (accents optional in NAME).

    \b
    Example:
      tinlanhdao leader "nguyen ngoc he"
      tinlanhdao leader "Trần Văn" --json
    """
    from archive.leaders.report import UnknownLeader, find_leader, timeline

    with reading(db_path) as archive:
        _leader_staleness(archive)
        try:
            person_id, _ = find_leader(archive.db, name)
        except UnknownLeader as error:
            raise QueryProblem(str(error)) from None
        found = timeline(archive.db, person_id)
    if as_json:
        click.echo(dumps(found))
        return
    articles = found["articles"]
    click.echo(f"{found['name']}, articles: {len(articles)}")
    for role in found["roles"]:
        click.echo(f"  {role['role']}: {role['articles']}, {role['first']}..{role['last']}")
    for term in found["terms"]:
        click.echo(
            f"  {term['role']} from {term['from'] or '?'} to {term['to'] or '?'} "
            f"(people file; {term['source']})"
        )
    click.echo("\nArticles per month:")
    for month in found["months"]:
        click.echo(f"  {month['month']}  {'#' * month['articles']} {month['articles']}")
    click.echo("\nArticles:")
    width = max((len(a["activity"]) for a in articles), default=0)
    for article in articles:
        mark = "*" if article["inferred"] else " "
        click.echo(
            f"  {article['date'] or '-':<10} {mark} {article['activity']:<{width}}  "
            f"{article['title']}  (#{article['id']}; {', '.join(article['roles'])})"
        )
    if any(a["inferred"] for a in articles):
        click.echo("\n  * names only the office, which this person held that day")


@main.command("reindex-leaders", context_settings=CONTEXT_SETTINGS)
@db_option
def reindex_leaders(db_path: Path) -> None:
    """Refill the leader tables (people, mentions, activities) for every article with the
    current rules and people file: run it after either changes.

    \b
    Example:
      tinlanhdao reindex-leaders
      TINLANHDAO_PEOPLE=my-people.json tinlanhdao reindex-leaders
    """
    from archive.leaders.people import PeopleFileError, load_people
    from archive.leaders.tables import reindex_all

    try:
        people = load_people()
    except PeopleFileError as error:
        raise click.ClickException(str(error)) from None
    with _open_existing(db_path) as archive:
        counts = reindex_all(archive.db, people)
    click.echo(
        f"Indexed {counts['articles']} articles with rules {counts['rules_version']}: "
        f"{counts['mentions']} mentions of {counts['people']} people "
        f"({counts['inferred']} linked by date)."
    )


# --- Operations: releases and health (docs/operations.md) -------------------------------------


@main.command(context_settings=CONTEXT_SETTINGS)
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--author",
    "authors",
    multiple=True,
    help="A name for CITATION.cff's authors (repeat for several; default: the project).",
)
@db_option
def release(folder: Path, authors: tuple[str, ...], db_path: Path) -> None:
    """Write a citable release of the archive into FOLDER (new or empty; its parent must
    exist): a consistent snapshot of the database, CSV and Parquet of the articles and the
    tables that describe them, the WACZ of every capture, datapackage.json (Frictionless),
    CITATION.cff and a README with counts, dates, extractor versions, licence and source.

    The same archive gives the same files, byte for byte, except README.md and CITATION.cff,
    which record the release date.

    \b
    Example:
      tinlanhdao release releases/2026-12-01
      frictionless validate releases/2026-12-01/datapackage.json
    """
    from archive.captures import CaptureError
    from archive.release import make_release

    try:
        report = make_release(
            db_path, folder, authors=authors, progress=lambda step: click.echo(step, err=True)
        )
    except (ArchiveError, CaptureError) as error:
        raise click.ClickException(str(error)) from None
    except OSError as error:
        raise click.ClickException(f"cannot write {folder}: {error.strerror or error}") from None
    total = sum(report.files.values())
    counts = ", ".join(f"{table} {count}" for table, count in report.counts.items())
    click.echo(f"Release {report.version} in {folder}: {len(report.files)} files, {total} bytes")
    click.echo(f"  rows: {counts}")


@main.command(context_settings=CONTEXT_SETTINGS)
@click.option("--json", "as_json", is_flag=True, help="Print the health as JSON.")
@click.option(
    "--warn-hours",
    type=click.FloatRange(0),
    default=26.0,
    show_default=True,
    help="WARNING when the last successful run is older than this.",
)
@click.option(
    "--critical-hours",
    type=click.FloatRange(0),
    default=50.0,
    show_default=True,
    help="CRITICAL when the last successful run is older than this.",
)
@db_option
def status(as_json: bool, warn_hours: float, critical_hours: float, db_path: Path) -> None:
    """The archive's health for a monitoring check, in a few lines: the age of the last
    successful crawl, how the last run ended, the problems. Reads the archive read-only.

    Exit status as monitoring plugins use it: 0 OK, 1 WARNING (the last run failed, a run was
    killed or hangs, or the last success is older than --warn-hours), 2 CRITICAL (no success
    within --critical-hours, or ever), 3 UNKNOWN (no archive, or not a tinlanhdao archive).

    \b
    Example:
      tinlanhdao status --db /var/lib/tinlanhdao/tinlanhdao.db
      tinlanhdao status --json --warn-hours 30
    """
    from archive.health import check

    health = check(db_path, warn_hours=warn_hours, critical_hours=critical_hours)
    if as_json:
        click.echo(dumps(health.to_dict()))
    else:
        click.echo("\n".join(health.lines))
    sys.exit(health.state)


if __name__ == "__main__":
    main()
