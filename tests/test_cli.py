"""The tinlanhdao command line: every command, its help, and clean errors (never a traceback)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.articles import build_archive, da_nang_article, other_article, seed_article

import crawler.extraction
from archive.cli import main
from crawler.article import Article
from crawler.extraction.errors import NotAnArticle


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return build_archive(
        tmp_path / "tinlanhdao.db",
        [seed_article(), da_nang_article(), other_article(1), other_article(2, "2023-11-20")],
    )


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


def assert_clean_error(result: Result, code: int = 1) -> None:
    assert result.exit_code == code, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output


# --- search ------------------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["dieu phoi", "Điều phối"])
def test_search_finds_the_seed_article(db_path: Path, query: str) -> None:
    result = run("search", query, "--db", db_path)
    assert result.exit_code == 0, result.output
    assert seed_article().title in result.output
    assert "[Điều] [phối]" in result.output  # not a tty: brackets, not ANSI bold
    assert seed_article().url in result.output


def test_search_json_is_an_array_ranked_by_bm25(db_path: Path) -> None:
    result = run("search", "hoi nghi", "--json", "--db", db_path)
    hits = json.loads(result.stdout)
    assert isinstance(hits, list) and len(hits) == 3
    assert [h["score"] for h in hits] == sorted(h["score"] for h in hits)
    assert set(hits[0]) == {"id", "url", "title", "published", "author", "score",
                            "title_marked", "snippet"}  # fmt: skip


def test_search_options(db_path: Path) -> None:
    def urls(*options: str) -> list[str]:
        result = run("search", "hoi nghi", "--json", "--db", db_path, *options)
        assert result.exit_code == 0, result.output
        return [hit["url"] for hit in json.loads(result.stdout)]

    assert urls("--since", "2023", "--until", "2023-05") == [seed_article().url]
    assert urls("--author", "Kim Xuyen") == [seed_article().url]
    assert len(urls("--limit", "1")) == 1


def test_search_without_results(db_path: Path) -> None:
    result = run("search", "không có gì cả xyz", "--db", db_path)
    assert result.exit_code == 0 and "No articles match" in result.output
    assert json.loads(run("search", "xyzxyz", "--json", "--db", db_path).stdout) == []


@pytest.mark.parametrize("query", ["", "   ", '"', "()", "OR", "***"])
def test_search_without_words_is_a_usage_error(db_path: Path, query: str) -> None:
    result = run("search", "--db", db_path, "--", query)
    assert_clean_error(result, 2)
    assert "needs at least one word" in result.output


@pytest.mark.parametrize("date", ["19/05/2023", "2023-13", "2023-02-30", "abc", "20231"])
def test_malformed_dates_are_clean_errors(db_path: Path, date: str) -> None:
    for command in (["search", "x"], ["export"]):
        result = run(*command, "--since", date, "--db", db_path)
        assert_clean_error(result, 2)
        assert "--since" in result.output


HOSTILE = st.one_of(
    st.text(max_size=60),
    st.text(alphabet='"()*:-^+{}[]<>~!@#$%&|\\/;,.\'`Đđàáạảãâầấậẩẫăằắặẳẵèéẹẻẽêềếệểễ ORANDNEAT ',
            max_size=40),
    st.sampled_from(['"unbalanced', 'a" OR "b', "NEAR(a b, 2)", "title:x", "-x", "a AND",
                     "a NOT b", "*", "^a", "(((", "a OR OR b", "\x00", "\ud800", "ꭰ", "🙂"]),
)  # fmt: skip


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(query=HOSTILE, separate=st.booleans())
def test_any_text_is_a_valid_query(db_path: Path, query: str, separate: bool) -> None:
    args = ["search", "--db", db_path, "--json"] + (["--", query] if separate else [query])
    result = run(*args)
    assert result.exit_code in (0, 2), (query, result.output, result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    if result.exit_code == 0:
        assert isinstance(json.loads(result.stdout), list)


# --- missing and empty archives ---------------------------------------------------------------


@pytest.mark.parametrize(
    "command", [["search", "x"], ["show", "1"], ["stats"], ["export"], ["serve"], ["list"]]
)
def test_missing_archive_says_how_to_create_one(tmp_path: Path, command: list[str]) -> None:
    result = run(*command, "--db", tmp_path / "nothing.db")
    assert_clean_error(result, 1)
    assert "No archive at" in result.output and "scrapy crawl tinlanhdao" in result.output


def test_default_db_comes_from_the_environment(
    tmp_path: Path, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TINLANHDAO_ARCHIVE", str(db_path))
    assert run("stats").exit_code == 0
    monkeypatch.setenv("TINLANHDAO_ARCHIVE", str(tmp_path / "elsewhere.db"))
    assert "elsewhere.db" in run("stats").output


@pytest.mark.parametrize("command", [["search", "x"], ["stats"], ["export"]])
def test_empty_archive_says_how_to_create_one(tmp_path: Path, command: list[str]) -> None:
    empty = build_archive(tmp_path / "tinlanhdao.db", [])
    result = run(*command, "--db", empty)
    assert_clean_error(result, 1)
    assert "holds no articles yet" in result.output and "scrapy crawl" in result.output


# --- show, stats, export ---------------------------------------------------------------------


def test_show_by_id_and_by_url(db_path: Path) -> None:
    by_id = run("show", "2", "--db", db_path)
    by_url = run("show", da_nang_article().url, "--db", db_path)
    assert by_id.exit_code == 0 and by_id.output == by_url.output
    for text in (da_nang_article().title, "Đà Nẵng", "Images (1):", "Xuân Giang",
                 "Attachments (1):", "Biên bản", "Revisions (1):"):  # fmt: skip
        assert text in by_id.output


def test_show_json_and_unknown_article(db_path: Path) -> None:
    article = json.loads(run("show", "1", "--json", "--db", db_path).stdout)
    assert article["url"] == seed_article().url and len(article["revisions"]) == 1
    assert article["images"][0]["caption"].startswith("Ông Nguyễn Ngọc Hè")
    result = run("show", "https://example.org/none", "--db", db_path)
    assert_clean_error(result, 1)
    assert "No article with id or URL" in result.output


def test_stats(db_path: Path) -> None:
    result = run("stats", "--db", db_path)
    assert result.exit_code == 0, result.output
    for text in ("Articles per year:", "2023", "Articles per month:", "2024-06",
                 "Top authors:", "Thanh Tâm", "Last crawl runs:", "finished"):  # fmt: skip
        assert text in result.output
    numbers = json.loads(run("stats", "--json", "--db", db_path).stdout)
    assert numbers["totals"]["articles"] == 4
    assert numbers["top_authors"][0] == {"author": "Thanh Tâm", "articles": 2}


def test_export_csv(db_path: Path) -> None:
    result = run("export", "--format", "csv", "--db", db_path)
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 4 and rows[0]["published"] <= rows[-1]["published"]
    assert {"url", "title", "body", "body_html", "year", "first_seen"} <= set(rows[0])
    assert rows[1]["title"] == seed_article().title


def test_export_jsonl_with_dates_and_output_file(db_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    result = run("export", "--format", "jsonl", "--since", "2024", "-o", out, "--db", db_path)
    assert result.exit_code == 0, result.output
    [line] = out.read_text(encoding="utf-8").splitlines()
    article = json.loads(line)
    assert article["title"] == da_nang_article().title
    assert article["images"][0]["credit"] == "Xuân Giang"
    assert article["attachments"] == [{"url": "https://example.org/bien-ban.pdf",
                                       "title": "Biên bản"}]  # fmt: skip
    until = run("export", "--format", "jsonl", "--until", "2022", "--db", db_path)
    assert [json.loads(x)["url"] for x in until.stdout.splitlines()] == [other_article(1).url]


# --- extract ----------------------------------------------------------------------------------


@pytest.fixture
def fake_extraction(monkeypatch: pytest.MonkeyPatch) -> list[tuple[bytes, str]]:
    calls: list[tuple[bytes, str]] = []

    def extract_page(body: bytes | str, url: str, encoding: str | None = None) -> Article:
        calls.append((body, url))
        if b"<article>" not in body:
            raise NotAnArticle("no_body", url)
        return seed_article(url=url or seed_article().url)

    monkeypatch.setattr(crawler.extraction, "extract_page", extract_page, raising=False)
    return calls


def test_extract_one_file_prints_indented_json(tmp_path: Path, fake_extraction: list) -> None:
    page = tmp_path / "page.html"
    page.write_bytes(b"<article>...</article>")
    result = run("extract", page)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["title"] == seed_article().title
    assert result.stdout.startswith("{\n")
    assert fake_extraction == [(b"<article>...</article>", "")]  # no --url: url=""
    run("extract", page, "--url", "https://x/1")
    assert fake_extraction[-1][1] == "https://x/1"


def test_extract_several_files_with_failures(tmp_path: Path, fake_extraction: list) -> None:
    good = tmp_path / "good.html"
    good.write_bytes(b"<article>1</article>")
    listing = tmp_path / "listing.html"
    listing.write_bytes(b"<ul></ul>")
    result = run("extract", good, listing, tmp_path / "missing.html", good)
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert len(lines) == 2 and all(json.loads(line)["title"] for line in lines)
    assert f"{listing}: not an article: no_body" in result.stderr
    assert f"{tmp_path / 'missing.html'}: cannot read" in result.stderr
    assert "Traceback" not in result.output


# --- help --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [[], ["search"], ["show"], ["stats"], ["export"], ["serve"], ["extract"], ["migrate"],
     ["reindex"], ["metadata"], ["list"]],
)  # fmt: skip
def test_every_command_has_short_help_with_an_example(command: list[str]) -> None:
    result = run(*command, "-h")
    assert result.exit_code == 0
    assert "Example:" in result.output and "tinlanhdao" in result.output


def test_migrate_reindex_metadata(db_path: Path) -> None:
    assert "up to date" in run("migrate", "--db", db_path).output
    assert "Re-indexed 4 articles" in run("reindex", "--db", db_path).output
    assert seed_article().title in run("search", "dieu phoi", "--db", db_path).output
    metadata = json.loads(run("metadata", "--db", db_path).stdout)
    assert "tinlanhdao" in metadata["databases"]
