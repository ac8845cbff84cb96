"""Vietnamese full-text search: folding both ways, query escaping, snippets, and the same matching
in Datasette and sqlite-utils."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
import sqlite_utils
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlite_utils.cli import cli as sqlite_utils_cli
from support.articles import build_archive, da_nang_article, other_article, seed_article

from archive import Archive, QueryError, index, reading
from archive.folding import (
    _FOLD_TABLE,
    WORD_PATTERN,
    fast_fold,
    fold_for_search,
    fold_in_place,
    folded_words,
    pair_phrase,
    pair_text,
)
from archive.search import ParsedQuery, highlight, parse_query, search_articles, snippet
from archive.web import build_datasette, metadata_for


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return build_archive(
        tmp_path / "tinlanhdao.db",
        [seed_article(), da_nang_article(), other_article(1), other_article(2, "2023-11-20")],
    )


@pytest.fixture
def archive(db_path: Path):
    with Archive(db_path, readonly=True) as opened:
        yield opened


def found(archive: Archive, query: str, **filters: object) -> list[str]:
    return [hit.url for hit in search_articles(archive.db, query, **filters)]


# --- matching ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    ["dieu phoi", "Điều phối", "ĐIỀU PHỐI", "điều phoi", "Dieu Phoi", "nong thon moi",
     "nông thôn mới", '"nong thon moi"', "chat luong cuoc song", "nong*"],
)  # fmt: skip
def test_seed_article_found_folded_and_accented(archive: Archive, query: str) -> None:
    assert seed_article().url in found(archive, query)


@pytest.mark.parametrize("query", ["da nang", "Đà Nẵng", "đà nẵng", "DA NANG", "Da Nẵng"])
def test_da_nang_found_every_way(archive: Archive, query: str) -> None:
    assert found(archive, query)[0] == da_nang_article().url


@pytest.mark.parametrize("query", ["hoà nhập", "hòa nhập", "hoa nhap"])
def test_tone_mark_position_does_not_matter(archive: Archive, query: str) -> None:
    assert found(archive, query) == [da_nang_article().url]


def test_words_are_anded_and_or_widens(archive: Archive) -> None:
    assert found(archive, "logistics OCOP") == []
    assert set(found(archive, "OCOP OR logistics")) == {seed_article().url, da_nang_article().url}


def test_phrase_needs_adjacent_words(archive: Archive) -> None:
    assert found(archive, '"thon moi nong"') == []
    assert found(archive, '"nong thon moi"') == [seed_article().url]


def test_title_match_ranks_first(archive: Archive) -> None:
    # "hội nghị" is in the filler titles and only in the seed's body.
    urls = found(archive, "hoi nghi")
    assert urls[-1] == seed_article().url and len(urls) == 3


def test_filters_since_until_author(archive: Archive) -> None:
    since_2023 = set(found(archive, "hoi nghi", since="2023"))
    assert since_2023 == {other_article(2).url, seed_article().url}
    assert found(archive, "hoi nghi", until="2022-12") == [other_article(1).url]
    assert found(archive, "hoi nghi", since="2023-05-19", until="2023-05-19") == [
        seed_article().url
    ]
    assert found(archive, "hoi nghi", author="kim xuyen") == [seed_article().url]
    assert found(archive, "hoi nghi", author="Kim Xuyến") == [seed_article().url]


def test_bad_date_is_a_value_error(archive: Archive) -> None:
    with pytest.raises(ValueError, match="not a date"):
        search_articles(archive.db, "hoi nghi", since="19/05/2023")


# --- query parsing ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("Điều phối", '"dieu" "phoi"'),
        ('"nông thôn mới"', '"nong thon moi"'),
        ("nong*", '"nong"*'),
        ("nong* thon", '"nong"* "thon"'),
        ('"nong thon" moi', '"nong thon" "moi"'),
        ("a OR b", '("a" OR "b")'),
        ("OR a OR OR b OR", '("a" OR "b")'),
        ("x a OR b", '"x" ("a" OR "b")'),
        ('say "hello', '"say" "hello"'),
        ("NEAR(a b)", '"near a" "b"'),
        ("title:x -y", '(title : "x") NOT "y"'),
        ("NOT y x", '("x") NOT "y"'),
        ("gian:x", '"gian x"'),  # not a column: words
        ("x -", '"x"'),
        ("a-b", '"a b"'),
        ("Cần-Thơ", '"can tho"'),
        ("a_b", '"a b"'),
        ("hoà\u00a0bình", '"hoa" "binh"'),
        ("ho\u0300a", '"hoa"'),  # NFD input
    ],
)
def test_parse_query_escapes_everything(text: str, match: str) -> None:
    assert parse_query(text).match == match


@pytest.mark.parametrize(
    ("text", "phrase"),
    [("Điều phối", '"dieu phoi"'), ("Văn phòng Điều-phối", '"van phong dieu phoi"'),
     ("dieu", ""), ('"dieu phoi" NTM', ""), ("a OR b", ""), ("nong* thon", "")],
)  # fmt: skip
def test_plain_multiword_queries_also_search_the_phrase(text: str, phrase: str) -> None:
    assert parse_query(text).phrase == phrase


@pytest.mark.parametrize("text", ["", "   ", '"', "***", "()", "OR", '""', "\ud800"])
def test_queries_without_words_are_refused(text: str) -> None:
    with pytest.raises(QueryError):
        parse_query(text)


def test_too_many_terms_are_refused() -> None:
    with pytest.raises(QueryError, match="at most"):
        parse_query(" ".join(f"w{n}" for n in range(100)))


# --- highlighting ---------------------------------------------------------------------------------


def test_highlight_marks_folded_matches() -> None:
    query = parse_query("da nang")
    assert highlight("Đoàn đến Đà Nẵng", query) == "Đoàn đến [Đà] [Nẵng]"
    assert highlight("Đà Nẵng", query, ("<b>", "</b>")) == "<b>Đà</b> <b>Nẵng</b>"


def test_snippet_centres_on_matches_and_marks_cuts() -> None:
    words = [f"từ{n}" for n in range(100)]
    words[60] = "Điều"
    words[61] = "phối"
    text = " ".join(words)
    result = snippet(text, parse_query("dieu phoi"), width=10)
    assert result.startswith("… ") and result.endswith(" …")
    assert "[Điều] [phối]" in result
    assert snippet("ngắn gọn", parse_query("gon")) == "ngắn [gọn]"


def test_search_hits_carry_marked_title_and_snippet(archive: Archive) -> None:
    [hit] = search_articles(archive.db, "dieu phoi")
    assert "[Điều] [phối]" in hit.snippet
    assert hit.title == seed_article().title
    [da_nang] = search_articles(archive.db, "logistics")
    assert "[logistics]" in da_nang.snippet
    [by_lead] = search_articles(archive.db, "Chiều 5/6")
    assert "[Chiều] [5]/[6]" in by_lead.snippet  # the match is in the lead


# --- other tools find the index and get the same matching -----------------------------------------


def test_sqlite_utils_detects_the_index(db_path: Path) -> None:
    db = sqlite_utils.Database(db_path)
    assert db.table("articles").detect_fts() == "articles_fts"
    # The seed article has "đã" and "nâng" too, so it matches "da nang" as well (less well).
    titles = [row["title"] for row in db.table("articles").search("da nang")]
    assert titles[0] == da_nang_article().title
    assert [row["url"] for row in db.table("articles").search("dieu phoi")] == [seed_article().url]
    assert [row["url"] for row in db.table("articles").search("logistics")] == [
        da_nang_article().url
    ]


@pytest.mark.parametrize(
    ("query", "expected"),
    [("da nang", da_nang_article().url), ("Đà Nẵng", da_nang_article().url),
     ("dieu phoi", seed_article().url), ("Điều phối", seed_article().url)],
)  # fmt: skip
def test_sqlite_utils_cli_search(db_path: Path, query: str, expected: str) -> None:
    result = CliRunner().invoke(
        sqlite_utils_cli, ["search", str(db_path), "articles", query, "-c", "url"]
    )
    assert result.exit_code == 0, result.output
    assert [row["url"] for row in json.loads(result.output)][0] == expected


def datasette_get(db_path: Path, path: str):
    datasette = build_datasette(db_path)

    async def get():
        return await datasette.client.get(path)

    return asyncio.run(get())


@pytest.mark.parametrize("query", ["da+nang", "%C4%90%C3%A0+N%E1%BA%B5ng"])
def test_datasette_search_finds_da_nang(db_path: Path, query: str) -> None:
    response = datasette_get(db_path, f"/tinlanhdao/articles.json?_search={query}&_shape=array")
    assert response.status_code == 200
    assert da_nang_article().url in [row["url"] for row in response.json()]


def test_datasette_search_finds_dieu_phoi(db_path: Path) -> None:
    response = datasette_get(db_path, "/tinlanhdao/articles.json?_search=dieu+phoi&_shape=array")
    assert [row["url"] for row in response.json()] == [seed_article().url]


def test_datasette_page_shows_search_box_and_facets(db_path: Path) -> None:
    html = datasette_get(db_path, "/tinlanhdao/articles").text
    assert 'id="_search"' in html
    assert 'data-column="section"' in html
    assert 'class="tld-list rows-and-columns"' in html  # the reading list (datasette_plugin)


def test_datasette_default_sort_is_newest_first(db_path: Path) -> None:
    rows = datasette_get(db_path, "/tinlanhdao/articles.json?_shape=array").json()
    published = [row["published"] for row in rows]
    assert published == sorted(published, reverse=True)


def test_datasette_renders_body_html_only_cleaned(tmp_path: Path) -> None:
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)><b>đậm</b>'
    db_path = build_archive(tmp_path / "tinlanhdao.db", [seed_article(body_html=hostile)])
    article = datasette_get(db_path, "/tinlanhdao/articles/1").text
    assert "<b>đậm</b>" in article  # the article page renders the body, cleaned again
    for path in ("/tinlanhdao/articles/1", "/tinlanhdao/articles?_view=columns"):
        html = datasette_get(db_path, path).text
        assert "<script>alert" not in html and "<img src=x" not in html, path
    every_column = datasette_get(db_path, "/tinlanhdao/articles?_view=columns").text
    assert "&lt;script&gt;alert" in every_column  # a table cell shows it as text
    from datasette.plugins import pm

    render_cell_plugins = [impl.plugin_name for impl in pm.hook.render_cell.get_hookimpls()]
    assert all(name.startswith("datasette.") for name in render_cell_plugins), render_cell_plugins


def test_datasette_canned_queries(db_path: Path) -> None:
    months = datasette_get(db_path, "/tinlanhdao/articles_per_month.json?_shape=array").json()
    assert months[0] == {"month": "2024-06", "articles": 1}
    url = "/tinlanhdao/search_date_range.json?_shape=array&q=hoi+nghi&since=2023&until=2023-12"
    rows = datasette_get(db_path, url).json()
    assert {row["url"] for row in rows} == {seed_article().url, other_article(2).url}
    empty = datasette_get(db_path, "/tinlanhdao/search_date_range.json?q=&since=&until=")
    assert empty.status_code == 200


def test_metadata_describes_every_table_and_column(db_path: Path) -> None:
    metadata = metadata_for(db_path)
    assert metadata["title"] and metadata["description"]
    assert metadata["source"] and metadata["license"]
    tables = metadata["databases"]["tinlanhdao"]["tables"]
    db = sqlite_utils.Database(db_path)
    for name in db.table_names():
        if name.startswith("articles_fts_"):
            continue  # FTS5's own shadow tables
        assert tables[name]["description"], name
        columns = db.table(name).columns_dict
        assert set(columns) <= set(tables[name]["columns"]), name
    assert tables["articles"]["facets"] == ["section"]  # the charts show authors and months
    assert tables["articles"]["sort_desc"] == "published"
    assert set(metadata["databases"]["tinlanhdao"]["queries"]) == {
        "articles_per_month",
        "search_date_range",
    }


def test_words_side_by_side_rank_first(tmp_path: Path) -> None:
    # "đã" and "nâng" everywhere, but never side by side (folded, "đã nâng" would be "da nang").
    nang_cao = other_article(7, published="2024-01-01")
    nang_cao.title = "Thành phố đã tập trung nâng cao chất lượng, đã cùng nâng đỡ nhau"
    nang_cao.body = " ".join(
        ["Các ngành đã chủ động nâng cao hiệu quả, đã kịp thời nâng chất."] * 8
    )
    db_path = build_archive(tmp_path / "tinlanhdao.db", [nang_cao, da_nang_article()])
    with Archive(db_path, readonly=True) as archive:
        assert found(archive, "da nang") == [da_nang_article().url, nang_cao.url]


# --- the query path: what is read, and how often ----------------------------------------------


def statements(archive: Archive, query: str, **options: object) -> list[str]:
    """The SQL statements one search runs (apart from sqlite-utils' own)."""
    seen: list[str] = []
    archive.db.conn.set_trace_callback(seen.append)
    try:
        search_articles(archive.db, query, **options)
    finally:
        archive.db.conn.set_trace_callback(None)
    return [s for s in seen if "articles_fts" in s or "FROM articles" in s]


def test_phrase_filling_the_page_skips_the_other_passes(archive: Archive) -> None:
    # "nong thon moi" side by side is in the seed article: with limit 1 the phrase pass is
    # enough; with the default limit the pieces pass and the all-words pass run too.
    one = [s for s in statements(archive, "nong thon moi", limit=1) if "MATCH" in s]
    assert len(one) == 1 and '"nong_thon thon_moi"' in one[0]  # the phrase, in the pair index
    assert "articles_fts_pairs" in one[0]
    phrase, pieces, words = [s for s in statements(archive, "nong thon moi") if "MATCH" in s]
    assert "articles_fts_pairs" in pieces and '"nong_thon" AND "thon_moi"' in pieces
    assert "articles_fts MATCH" in words
    # Two words: their one pair is the phrase, so there is no pieces pass.
    assert len([s for s in statements(archive, "da nang") if "MATCH" in s]) == 2


@pytest.mark.parametrize(
    ("text", "pieces"),
    [("nong thon moi", '"nong_thon" AND "thon_moi"'),
     ("cai cach hanh chinh", '"cai_cach" AND "hanh_chinh"'),
     ("giai ngan von dau tu", '"giai_ngan" AND "dau_tu" AND ("ngan_von" OR "von_dau")'),
     ("a b c d e f", '"a_b" AND "e_f" AND ("b_c" OR "c_d") AND ("c_d" OR "d_e")'),
     ("da nang", ""), ('"nong thon moi"', ""), ("nong thon moi*", ""), ("a OR b c", "")],
)  # fmt: skip
def test_pieces_keep_every_word_beside_a_query_neighbour(text: str, pieces: str) -> None:
    assert parse_query(text).pieces_pairs == pieces


def test_words_side_by_side_in_pieces_rank_before_scattered_words(tmp_path: Path) -> None:
    # All five words in each; side by side as one phrase, in two pieces, or never.
    phrase = other_article(1, published="2020-01-01")
    phrase.body = "Thành phố đẩy nhanh giải ngân vốn đầu tư công."
    pieces = other_article(2, published="2021-01-01")
    pieces.body = "Về giải ngân, thành phố rà soát vốn đầu tư công."
    scattered = other_article(3, published="2022-01-01")
    scattered.body = "Tư vấn đầu mối: giải thích vốn liếng, ngân hàng hỗ trợ."
    db_path = build_archive(tmp_path / "tinlanhdao.db", [scattered, pieces, phrase])
    with Archive(db_path, readonly=True) as archive:
        assert found(archive, "giai ngan von dau tu") == [phrase.url, pieces.url, scattered.url]
        assert found(archive, "giai ngan von dau tu", limit=2) == [phrase.url, pieces.url]


def test_only_the_returned_articles_texts_are_read(archive: Archive) -> None:
    sql = statements(archive, "hoi nghi", limit=2)
    ranking = [s for s in sql if "MATCH" in s]
    assert ranking and all("body" not in s and "JOIN articles" not in s for s in ranking)
    [texts] = [s for s in sql if "body" in s]
    assert "json_each" in texts  # the ids of the hits only, as one parameter


def test_filters_join_the_articles_table(archive: Archive) -> None:
    ranking = [s for s in statements(archive, "hoi nghi", since="2023") if "MATCH" in s]
    assert all("JOIN articles" in s for s in ranking)


def test_limit_and_phrase_first_order_hold_across_both_passes(tmp_path: Path) -> None:
    articles = [da_nang_article(), seed_article()]  # the seed has "đã" and "nâng" apart
    db_path = build_archive(tmp_path / "tinlanhdao.db", articles)
    with Archive(db_path, readonly=True) as archive:
        assert found(archive, "da nang", limit=1) == [da_nang_article().url]
        assert found(archive, "da nang") == [da_nang_article().url, seed_article().url]
        assert found(archive, "da nang", limit=0) == []
        hits = search_articles(archive.db, "da nang")
        assert "[Đà] [Nẵng]" in hits[0].title_marked


def test_snippet_marks_prefixes_and_ignores_partial_words() -> None:
    query = parse_query("nong* da")
    assert highlight("Nông nghiệp, nông thôn; đa dạng, Đà Nẵng, dân", query) == (
        "[Nông] nghiệp, [nông] thôn; [đa] dạng, [Đà] Nẵng, dân"
    )
    assert snippet("", query) == ""
    assert snippet("Không có gì", query) == "Không có gì"


# --- the pair index (articles_fts_pairs) ------------------------------------------------------


def pair_ids(archive: Archive, phrase: str) -> list[int]:
    sql = "SELECT rowid FROM articles_fts_pairs WHERE articles_fts_pairs MATCH ? ORDER BY rowid"
    return [row[0] for row in archive.db.execute(sql, [phrase])]


def test_pair_text_and_phrase() -> None:
    assert pair_text("Đà Nẵng mới, Cần-Thơ") == "da_nang nang_moi moi_can can_tho"
    assert pair_text("Một") == "" and pair_text(None) == ""
    assert pair_phrase(("da", "nang", "moi")) == '"da_nang nang_moi"'


def test_pair_index_follows_new_and_changed_articles(tmp_path: Path) -> None:
    db_path = build_archive(tmp_path / "tinlanhdao.db", [da_nang_article()])
    with Archive(db_path) as archive:
        [article_id] = [row[0] for row in archive.db.execute("SELECT id FROM articles")]
        assert pair_ids(archive, "da_nang") == [article_id]
        changed = da_nang_article(
            title="Lãnh đạo thành phố làm việc với đoàn Huế",
            lead="Chiều 5/6, lãnh đạo tiếp đoàn công tác.",
            body="Hai thành phố bàn về nông thôn mới.",
        )
        assert archive.store_article(changed) == "changed"
        assert pair_ids(archive, "da_nang") == []
        assert pair_ids(archive, '"nong_thon thon_moi"') == [article_id]
        archive.db.execute(
            "INSERT INTO articles_fts_pairs(articles_fts_pairs) VALUES ('integrity-check')"
        )
        assert found(archive, "nong thon moi") == [changed.url]
        assert found(archive, "da nang") == []


def test_quoted_phrase_searches_the_pair_index_only(archive: Archive) -> None:
    ranking = [s for s in statements(archive, '"da nang"') if "MATCH" in s]
    assert len(ranking) == 1 and "articles_fts_pairs" in ranking[0]
    assert found(archive, '"Đà Nẵng"') == [da_nang_article().url]


def test_pairs_index_is_rebuilt_from_sql_by_reindex(db_path: Path) -> None:
    with Archive(db_path) as archive:
        assert pair_ids(archive, "da_nang")
        assert found(archive, "da nang")[0] == da_nang_article().url
        archive.db.execute(
            "INSERT INTO articles_fts_pairs(articles_fts_pairs) VALUES ('delete-all')"
        )
        assert pair_ids(archive, "da_nang") == []
        index.rebuild_search_index(archive.db)
        assert pair_ids(archive, "da_nang")


def pairs_table_sql(archive: Archive) -> str:
    return archive.db.execute(
        "SELECT sql FROM sqlite_master WHERE name = 'articles_fts_pairs'"
    ).fetchone()[0]


def test_pair_index_is_kept_by_triggers_and_can_be_scanned(db_path: Path) -> None:
    archive = Archive(db_path)
    # Row sizes kept: a contentless FTS5 table without them refuses every scan, which broke
    # `sqlite-utils tables --counts` and Datasette's page for the table.
    assert "columnsize=0" not in pairs_table_sql(archive)
    count = archive.db.execute("SELECT count(*) FROM articles_fts_pairs").fetchone()[0]
    assert count == reading.article_count(archive.db)
    config = dict(archive.db.execute("SELECT k, v FROM articles_fts_pairs_config").fetchall())
    assert config["automerge"] == 16
    # A write that bypasses Archive (sqlite3 shell, pandas) is indexed by the triggers.
    article_id = archive.db.execute(
        "INSERT INTO articles (url, title, body) VALUES ('https://example.org/x', 'Tin', "
        "'Hội nghị ở Rạch Giá.')"
    ).lastrowid
    assert pair_ids(archive, "rach_gia") == [article_id]
    archive.db.execute(
        "UPDATE articles SET body = 'Hội nghị ở Hà Tiên hôm nay.' WHERE id = ?", [article_id]
    )
    assert pair_ids(archive, "rach_gia") == []
    assert pair_ids(archive, "ha_tien") == [article_id]
    archive.db.execute("DELETE FROM articles WHERE id = ?", [article_id])
    assert pair_ids(archive, "ha_tien") == []
    archive.db.execute(
        "INSERT INTO articles_fts_pairs(articles_fts_pairs) VALUES ('integrity-check')"
    )
    archive.close()


def test_pair_index_ranks_a_title_match_first(tmp_path: Path) -> None:
    filler = " ".join(["Thành phố tiếp tục triển khai kế hoạch."] * 40)
    twice = other_article(1)
    twice.body = "Đoàn Đà Nẵng đến. Đà Nẵng và Cần Thơ ký kết. " + filler
    once = other_article(2)
    once.body = "Đoàn Đà Nẵng đến."
    title = other_article(3)
    title.title = "Làm việc với Đà Nẵng"
    db_path = build_archive(tmp_path / "tinlanhdao.db", [once, twice, title])
    with Archive(db_path, readonly=True) as archive:
        assert found(archive, '"da nang"')[0] == title.url
        assert set(found(archive, '"da nang"')) == {title.url, twice.url, once.url}


def test_a_group_larger_than_the_cap_ranks_its_newest_matches(tmp_path: Path, monkeypatch) -> None:
    # The title match is the best by bm25 but the oldest row: with a cap of two, the phrase
    # group ranks only the two newest matches, unless the page asks for more.
    title = other_article(1)
    title.title = "Làm việc với Đà Nẵng"
    older, newer = other_article(2), other_article(3)
    older.body = newer.body = "Đoàn Đà Nẵng đến thăm thành phố."
    db_path = build_archive(tmp_path / "tinlanhdao.db", [title, older, newer])
    monkeypatch.setattr("archive.search.RANKED_AT_MOST", 2)
    with Archive(db_path, readonly=True) as archive:
        assert set(found(archive, '"da nang"', limit=2)) == {older.url, newer.url}
        assert found(archive, '"da nang"', limit=3)[0] == title.url
    monkeypatch.setattr("archive.search.RANKED_AT_MOST", 3)
    with Archive(db_path, readonly=True) as archive:
        assert found(archive, '"da nang"', limit=1) == [title.url]


# --- the fast paths agree with the plain definitions -----------------------------------------

_TEXT = st.text(
    alphabet=st.sampled_from(
        list("aăâeêioôơuưyđĐAĂÂĐEÊOƠƯbcdghklmnpqrstvxBCNT09 _-.,:'/\n\t")
        + ["à", "ả", "ẵ", "ệ", "Ệ", "ỳ", "Ỹ", "ọ", "\u00a0", "\u200b", "\u00ad", "\u0301",
           "\u0323", "Σ", "ς", "İ", "ß", "ﬁ", "²", "½", "ǅ", "Å", "K", "–", "…"]
    ),
    max_size=60,
)


@settings(max_examples=400, deadline=None)
@given(_TEXT)
def test_folded_words_are_the_words_of_fold_for_search(text: str) -> None:
    assert folded_words(text) == WORD_PATTERN.findall(fold_for_search(text))


_MIXED_TEXT = st.text(
    alphabet=st.one_of(
        st.characters(max_codepoint=127),
        st.sampled_from("àẢãạăằẮẳẵặâầấẩẫẬèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđĐ“”–…«"),
        st.characters(min_codepoint=128, max_codepoint=0xFFFF),
        st.sampled_from(["İ", "ẞ", "Σ", "\u0301", "\ue000", "\ue0ff"]),
    ),
    max_size=40,
)


@settings(max_examples=1000, deadline=None)
@given(_MIXED_TEXT)
def test_fold_in_place_fast_path_is_the_general_table(text: str) -> None:
    folded = fold_in_place(text)
    assert folded == text.translate(_FOLD_TABLE) and len(folded) == len(text)


# Only characters the fast path knows: ASCII, Vietnamese letters (either case), punctuation.
_FAST_SET_TEXT = st.text(
    alphabet=st.one_of(
        st.characters(max_codepoint=127),
        st.sampled_from("àẢãạăằẮẳẵặâầấẩẫẬèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđĐ"
                        "\u00a0“”‘’–—…•«»°€"),
    ),
    max_size=60,
)


@settings(max_examples=500, deadline=None)
@given(_FAST_SET_TEXT)
def test_the_fast_fold_takes_that_text_and_folds_it_as_the_general_table(text: str) -> None:
    fast = fast_fold(text.lower())
    assert fast is not None
    assert fast == text.translate(_FOLD_TABLE)


def reference_snippet(
    text: str, query: ParsedQuery, marks: tuple[str, str], width: int
) -> tuple[str, str]:
    """The highlight and the snippet as defined: list every word of the text (folded one
    character at a time), mark the query's words, cut ``width`` words starting three words
    before the hit that starts the most hits within ``width`` words."""

    def fold(char: str) -> str:  # one character for one, as search.fold_in_place promises
        folded = char if char.isspace() else fold_for_search(char)
        if len(folded) != 1:
            folded = char.lower() if len(char.lower()) == 1 else char
        return folded

    folded = "".join(map(fold, text))
    exact = {w for t in query.terms for w in (t.words[:-1] if t.prefix else t.words)}
    prefixes = tuple(t.words[-1] for t in query.terms if t.prefix)
    spans, hit_words = [], []
    for n, match in enumerate(WORD_PATTERN.finditer(folded)):
        spans.append(match.span())
        if match.group() in exact or (prefixes and match.group().startswith(prefixes)):
            hit_words.append(n)

    def marked(first: int, last: int, begin: int, finish: int) -> str:
        out, cursor = [], begin
        for n in hit_words:
            if first <= n < last:
                start, end = spans[n]
                out += [text[cursor:start], marks[0], text[start:end], marks[1]]
                cursor = end
        return "".join(out) + text[cursor:finish]

    highlighted = marked(0, len(spans), 0, len(text))
    if not spans:
        return highlighted, " ".join(text.split())
    best_first, best_count = 0, 0
    for n, first in enumerate(hit_words):
        count = len([h for h in hit_words[n:] if h < first + width])
        if count > best_count:
            best_first, best_count = first, count
    first = max(0, best_first - 3)
    window = spans[first : first + width]
    begin = window[0][0] if first else 0
    finish = window[-1][1] if first + width < len(spans) else len(text)
    cut = " ".join(marked(first, first + width, begin, finish).split())
    return highlighted, ("… " if begin else "") + cut + (" …" if finish < len(text) else "")


_WORDS = ["Đà", "Nẵng", "đã", "nâng", "da", "nang", "Điều", "phối", "nông", "thôn", "x", "nga",
          "ngaaaaaaaaaaaaaaaaaaaa", "Cần-Thơ", "5/6", "–", ",", "", "\n\n", "İ", "\u0301"]


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.sampled_from(_WORDS), max_size=150),
    st.lists(st.sampled_from([" ", " ", "  ", "", ", ", "\n"]), min_size=150, max_size=150),
    st.sampled_from(["da nang", "nong*", "dieu phoi", "x", "ng* da", '"nong thon" x', "zzz"]),
    st.sampled_from([1, 2, 3, 5, 30]),
)
def test_highlight_and_snippet_are_the_reference_ones(
    words: list[str], spaces: list[str], query_text: str, width: int
) -> None:
    text = "".join(w + s for w, s in zip(words, spaces, strict=False))
    query = parse_query(query_text)
    marks = ("<", ">")
    expected = reference_snippet(text, query, marks, width)
    assert (highlight(text, query, marks), snippet(text, query, marks, width)) == expected
