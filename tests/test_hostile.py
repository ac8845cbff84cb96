"""Hostile input: whatever a page or a query holds, a clean answer and never a traceback.

Extraction (``crawler.extraction.extract_page``) gets hypothesis-generated pages: random nested
trees with the real layouts' class names, random attributes (event handlers, javascript: URLs,
values of 200,000 characters), deep nesting, real pages re-encoded in random charsets under
random Content-Type headers, and mutated bytes. It must return an Article with a title and a
body or raise NotAnArticle, nothing else.

Search gets 10,000 seeded random strings (random code points, lone surrogates, NUL, FTS5 and
SQL syntax, Vietnamese in NFC and NFD, 64+ terms, 10 KB strings) through the library path the
CLI uses (``search_articles``), 600 of them through the ``tinlanhdao search`` command
(click's CliRunner), and 10,000 through Datasette's table search and the search canned query
(Datasette's in-process client): results or a clean error (QueryError, exit status 2, HTTP
400), never an exception, a traceback or an HTTP 500. The number of cases run is printed
(`pytest -s`).
"""

from __future__ import annotations

import asyncio
import json
import random
import unicodedata
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.crawls import SITE_DIR

from archive import Archive, QueryError
from archive.cli import main as cli
from archive.search import search_articles
from archive.web import build_datasette, database_name
from crawler.extraction import Article, NotAnArticle, extract_page

MANIFEST = json.loads((SITE_DIR / "manifest.json").read_text("utf-8"))
CASES: Counter[str] = Counter()
SEARCH_STRINGS = 10_000
CLI_STRINGS = 600
SEED = 20_240_606


@pytest.fixture(scope="module", autouse=True)
def count_cases():
    yield
    total = sum(CASES.values())
    print(f"\n[hostile] cases run: {total} ({', '.join(f'{k} {v}' for k, v in CASES.items())})")


def check_extraction(body: bytes | str, url: str = "http://127.0.0.1/tin/x",
                     content_type: str | None = None) -> None:
    """The one promise of extract_page: an Article with title and body, or NotAnArticle."""
    CASES["extraction"] += 1
    try:
        article = extract_page(body, url, content_type=content_type)
    except NotAnArticle as error:
        assert error.reason
        return
    assert isinstance(article, Article)
    assert article.title and article.body


# --- extraction: strategies ------------------------------------------------------------------

LAYOUT_CLASSES = [
    "ArticleDetail", "ArticleContent", "PostContent", "PostDetail", "ArticleHeader", "PostTitle",
    "ArticleDate", "PostDate", "PostCategory", "ArticleCategory", "ArticleSapo", "ArticleLead",
    "PostSapo", "ArticleAuthor", "PostAuthor", "ArticleAttachments", "TextToSpeech", "ShareBox",
    "wcm-chitiet", "wcm-noidung", "wcm-tieude", "wcm-ngaydang", "wcm-chuyenmuc", "wcm-id",
    "wcm-docbai", "news-detail-2025", "entry", "title", "tieude", "news-title", "SectionPage",
    "ArticleList", "ArticleItem", "Pagination", "FeaturedArticle", "related", "share", "menu",
]  # fmt: skip
TAGS = [
    "div", "p", "span", "a", "img", "br", "h1", "h2", "h3", "font", "b", "i", "em", "strong",
    "figure", "figcaption", "table", "tr", "td", "ul", "li", "time", "article", "section",
    "main", "header", "footer", "nav", "aside", "script", "style", "iframe", "svg", "math",
    "template", "noscript", "object", "embed", "form", "input", "textarea", "select", "title",
    "meta", "link", "base", "html", "body", "head", "pre", "blockquote", "center", "frameset",
]  # fmt: skip
ATTRIBUTES = [
    "class", "id", "href", "src", "style", "datetime", "data-article-id", "align", "onclick",
    "onerror", "onload", "content", "property", "rel", "http-equiv", "charset", "alt", "title",
    "srcset", "action", "formaction", "xlink:href", "lang", "dir",
]  # fmt: skip
VIETNAMESE = "Điều phối nông thôn mới Cần Thơ Đà Nẵng Ủy ban Ảnh: Tác giả: Ngày đăng: 19/05/2023 "
text_strategy = st.one_of(
    st.text(max_size=60),
    st.text(alphabet=VIETNAMESE + "\u00a0\u200b\u0301\u0323\ufeff\x00<>&\"'", max_size=80),
    st.sampled_from(["Thứ Sáu, 14/03/2025 - 16:30", "10:17 - 19/05/2021", "Ảnh: Xuân Giang",
                     "Tin, ảnh: Minh Huyền", "&nbsp;", "&#x0;", "&#xD800;", "&amp;&lt;", "]]>"]),
)
attribute_value = st.one_of(
    st.sampled_from(LAYOUT_CLASSES),
    st.lists(st.sampled_from(LAYOUT_CLASSES), min_size=2, max_size=4).map(" ".join),
    st.text(max_size=30),
    st.sampled_from(["javascript:alert(1)", " JaVaScRiPt:x", "data:text/html,<script>x</script>",
                     "//evil.example/x.jpg", "http://[::1", "2023-05-19T08:15:00+07:00", ""]),
    st.integers(1_000, 200_000).map(lambda n: "x" * n),  # huge attribute values
)


def render(tag: str, attributes: list[tuple[str, str]], children: list[str]) -> str:
    attrs = "".join(f' {name}="{value.replace(chr(34), "&quot;")}"' for name, value in attributes)
    return f"<{tag}{attrs}>{''.join(children)}</{tag}>"


element = st.recursive(
    text_strategy,
    lambda children: st.builds(
        render,
        st.sampled_from(TAGS),
        st.lists(st.tuples(st.one_of(st.sampled_from(ATTRIBUTES), st.text(min_size=1, max_size=8)),
                           attribute_value), max_size=4),
        st.lists(children, max_size=6),
    ),
    max_leaves=80,
)


@st.composite
def documents(draw) -> str:
    """A page: an optional real head, a random tree, optionally wrapped in deep nesting."""
    head = draw(st.sampled_from([
        "", "<!DOCTYPE html><html><head><meta charset='utf-8'><title>Tin</title></head><body>",
        "<html><head><meta http-equiv='Content-Type' content='text/html; charset=windows-1258'>"
        "</head><body>",
    ]))
    tree = draw(element)
    depth = draw(st.sampled_from([0, 0, 0, 50, 300, 3000]))
    css = draw(st.sampled_from(LAYOUT_CLASSES))
    return head + f"<div class='{css}'>" * depth + tree + "</div>" * depth


@settings(max_examples=500, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(documents(), st.sampled_from(["http://127.0.0.1/tin/x", "", "javascript:alert(1)",
                                     "file:///etc/passwd", "http://[::1"]))
def test_random_nested_trees(document, url):
    check_extraction(document, url)


SAMPLE_PAGES = [(SITE_DIR / e["file"], e["charset"]) for e in MANIFEST]
CODECS = ["utf-8", "utf-16", "utf-16-le", "utf-32", "windows-1258", "cp1252", "latin-1",
          "koi8-r", "shift_jis", "big5", "gb18030", "iso-2022-jp", "utf-7", "cp037"]
CONTENT_TYPES = [None, "text/html", "application/octet-stream", 'text/html; charset="utf-8"',
                 "text/html; charset=;;", "text/html; charset=x-no-such-codec",
                 "text/html; charset=utf-8; charset=windows-1258", "text/html; charset=\x00"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(SAMPLE_PAGES), st.sampled_from(CODECS),
       st.one_of(st.sampled_from(CONTENT_TYPES), st.sampled_from(CODECS).map(
           lambda c: f"text/html; charset={c}")),
       st.sampled_from(["NFC", "NFD", "NFKC"]))
def test_real_pages_in_random_encodings(page, codec, content_type, form):
    path, charset = page
    text = unicodedata.normalize(form, path.read_bytes().decode(charset))
    check_extraction(text.encode(codec, errors="replace"), content_type=content_type)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(SAMPLE_PAGES), st.lists(st.tuples(st.floats(0, 1), st.binary(max_size=8)),
                                                max_size=20), st.floats(0.05, 1.0))
def test_real_pages_with_mutated_bytes(page, mutations, keep):
    data = bytearray(page[0].read_bytes())
    for where, junk in mutations:
        at = int(where * len(data))
        data[at : at + len(junk)] = junk
    check_extraction(bytes(data[: max(1, int(len(data) * keep))]),
                     content_type=f"text/html; charset={page[1]}")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(SAMPLE_PAGES), st.sampled_from(ATTRIBUTES), attribute_value)
def test_real_pages_with_a_hostile_attribute_everywhere(page, name, value):
    path, charset = page
    text = path.read_bytes().decode(charset)
    value = value.replace('"', "&quot;")
    check_extraction(text.replace("<p", f'<p {name}="{value}"').replace(
        "<div", f'<div {name}="{value}"'))


# --- search: 10,000 random strings ------------------------------------------------------------

FTS_SYNTAX = ['"', "'", "(", ")", "*", ":", "^", "-", "+", "{", "}", "[", "]", "NEAR", "AND",
              "OR", "NOT", "NEAR(", ",", ";", "--", "/*", "*/", "\\", "%", "_", "`", "|", "~"]
SQL_INJECTIONS = ["'; DROP TABLE articles; --", '" OR 1=1 --', "') UNION SELECT * FROM failures",
                  "x\" ) ; PRAGMA writable_schema=1; --", "title:x OR body:y", "{title body}:a",
                  "articles_fts MATCH 'x'", "rank:bm25()", "*:*", "\x00' OR '1'='1"]


def random_search_strings(count: int, seed: int = SEED) -> list[str]:
    """``count`` hostile search strings, the same for the same seed."""
    rng = random.Random(seed)
    words = " ".join(
        (SITE_DIR / e["file"]).read_bytes().decode(e["charset"], "replace")[2000:2600]
        for e in MANIFEST[:6]
    ).split()

    def random_code_points() -> str:
        return "".join(chr(rng.choice([rng.randrange(0x20, 0x7F), rng.randrange(0, 0x20),
                                       rng.randrange(0xA0, 0x2000), rng.randrange(0xD800, 0xE000),
                                       rng.randrange(0x1F300, 0x1FAFF),
                                       rng.randrange(0, 0x110000)]))
                       for _ in range(rng.randrange(0, 40)))

    def syntax_soup() -> str:
        pieces = [rng.choice(FTS_SYNTAX + words[:200]) for _ in range(rng.randrange(1, 12))]
        return rng.choice(["", " "]).join(pieces)

    def vietnamese() -> str:
        text = " ".join(rng.choice(words) for _ in range(rng.randrange(1, 8)))
        return unicodedata.normalize(rng.choice(["NFC", "NFD"]), text)

    def huge() -> str:
        return " ".join(rng.choice(words + FTS_SYNTAX) for _ in range(rng.randrange(60, 2500)))

    makers = [random_code_points, syntax_soup, vietnamese, huge,
              lambda: rng.choice(SQL_INJECTIONS), lambda: "\u0301" * rng.randrange(1, 200),
              lambda: rng.choice(words) + rng.choice(["*", "**", "*x", "\u200b*", "\ufeff"])]
    weights = [30, 30, 20, 3, 5, 4, 8]
    return [rng.choices(makers, weights)[0]() for _ in range(count)]


@pytest.fixture(scope="module")
def archive_path(tmp_path_factory) -> Path:
    """An archive of the 28 sample articles, stored through the archive's own API."""
    path = tmp_path_factory.mktemp("hostile") / "tinlanhdao.db"
    with Archive(path) as archive:
        for entry in MANIFEST:
            page = (SITE_DIR / entry["file"]).read_bytes()
            ctype = f"text/html; charset={entry['charset']}"
            url = "http://127.0.0.1:8000" + entry["path"]
            archive.store_article(extract_page(page, url, content_type=ctype))
    return path


def test_10000_random_strings_through_the_library_search(archive_path):
    strings = random_search_strings(SEARCH_STRINGS)
    rng = random.Random(SEED + 1)
    outcomes: Counter[str] = Counter()
    with Archive(archive_path, readonly=True) as archive:
        for text in strings:
            author = rng.choice(["", "", "", text[:10], "Kim Xuyến", "\x00"])
            try:
                limit = rng.choice([1, 5, 20])
                hits = search_articles(archive.db, text, author=author, limit=limit)
            except QueryError as error:
                assert str(error)
                outcomes["QueryError"] += 1
                continue
            assert isinstance(hits, list)
            outcomes["hits" if hits else "no hits"] += 1
    CASES["search (library)"] += len(strings)
    print(f"\n[hostile] library search: {len(strings)} strings: {dict(outcomes)}")
    assert sum(outcomes.values()) == SEARCH_STRINGS
    assert outcomes["hits"] > 100  # the generator does reach real matches


def test_600_random_strings_through_the_search_command(archive_path):
    runner = CliRunner()
    rng = random.Random(SEED + 2)
    strings = random_search_strings(SEARCH_STRINGS)[:CLI_STRINGS]
    codes: Counter[int] = Counter()
    for text in strings:
        text = text.replace("\x00", "")[:2000]  # a shell argument cannot hold NUL
        dates = rng.choice([[], [], ["--since", "2023"], ["--until", rng.choice(strings)[:12]]])
        result = runner.invoke(cli, ["search", "--db", str(archive_path), "--json", *dates,
                                     "--", text])
        assert result.exit_code in (0, 2), (text, result.output, result.exception)
        assert result.exception is None or isinstance(result.exception, SystemExit), (
            text, result.exception)
        assert "Traceback" not in result.output
        if result.exit_code == 0:
            assert isinstance(json.loads(result.stdout), list)
        codes[result.exit_code] += 1
    CASES["search (CLI)"] += len(strings)
    print(f"\n[hostile] tinlanhdao search: {len(strings)} strings, exit statuses {dict(codes)}")


def test_10000_random_strings_through_datasette_search(archive_path, monkeypatch):
    # Datasette prints every query error as a rich traceback with locals to its console (not to
    # the client); at ~0.5 s each that would dominate the run, so the console printing is off.
    datasette = build_datasette(archive_path)  # imports datasette.plugins first: keep this order
    from datasette import handle_exception

    monkeypatch.setattr(handle_exception, "rich", None)
    strings = random_search_strings(SEARCH_STRINGS, seed=SEED + 3)
    database = database_name(archive_path)
    rng = random.Random(SEED + 4)

    def url_for(text: bytes) -> str:
        kind = rng.random()
        if kind < 0.8:
            args = {"_search": text, "_size": "3", "_nofacet": "1", "_nocount": "1",
                    "_col": "title"}
            if kind < 0.1:  # the advanced syntax any visitor can switch on
                args["_searchmode"] = "raw"
            return f"/{database}/articles.json?{urlencode(args)}"
        args = {"q": text, "since": rng.choice(["", "2023", text[:6]]), "until": ""}
        return f"/{database}/search_date_range.json?{urlencode(args)}"

    async def run_all() -> Counter[str]:
        await datasette.invoke_startup()
        statuses: Counter[str] = Counter()
        for text in strings:
            url = url_for(text.encode("utf-8", "surrogatepass"))  # lone surrogates as bytes
            response = await datasette.client.get(url)
            assert response.status_code in (200, 400), (text, response.status_code,
                                                        response.text[:500])
            assert "Traceback" not in response.text
            kind = "canned" if "_search=" not in url else (
                "raw" if "_searchmode=raw" in url else "table")
            statuses[f"{kind} {response.status_code}"] += 1
        return statuses

    statuses = asyncio.run(run_all())
    CASES["search (Datasette)"] += len(strings)
    print(f"\n[hostile] Datasette search: {len(strings)} strings, HTTP statuses {dict(statuses)}")
