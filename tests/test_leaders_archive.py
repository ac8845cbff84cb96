"""Leaders in the archive: tables filled as articles are stored, office-only mentions linked by
date, the people file, reindexing, and the `leaders` / `leader` commands.

Articles here are written by us (invented people, unless a test says otherwise), except the
sample-portal test, which stores the extracted pages of sample_portal/site/articles.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive import Archive, reading
from archive.cli import main
from archive.leaders import RULES_VERSION
from archive.leaders import tables as leader_tables
from archive.leaders.evaluate import load_annotations
from archive.leaders.people import PeopleFileError, load_people
from archive.leaders.report import find_leader, leaders, stale_reasons, timeline
from crawler.article import Article
from crawler.extraction import extract_page

ROOT = Path(__file__).resolve().parent.parent

PEOPLE = {
    "people": [
        {"name": "Mai Văn Chủ", "aliases": ["Mai Van Chu"], "terms": [
            {"role": "Chủ tịch UBND", "from": "2020-01-01", "to": "2020-12-31",
             "source": "written by us for this test"}]},
    ]
}


@pytest.fixture()
def people_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "people.json"
    path.write_text(json.dumps(PEOPLE, ensure_ascii=False), encoding="utf-8")
    monkeypatch.setenv("TINLANHDAO_PEOPLE", str(path))
    return path


def article(n: int, published: str, title: str, body: str, **fields) -> Article:
    return Article(url=f"http://example.test/a/{n}", title=title, body=body, published=published,
                   **fields)


def rows(archive: Archive, sql: str, *args) -> list[tuple]:
    return [tuple(r) for r in archive.db.execute(sql, args).fetchall()]


def test_storing_an_article_fills_mentions_and_activity(tmp_path, people_file):
    with Archive(tmp_path / "a.db") as archive:
        archive.store_article(article(
            1, "2021-03-04", "Phó Chủ tịch UBND thành phố kiểm tra công trình",
            "Sáng 4/3, bà Hồ Thị Năm, Phó Chủ tịch UBND thành phố, kiểm tra cầu Trần Hoàng Na.",
            author="Nguyễn Văn Phóng Viên"))
        found = rows(archive, "SELECT part, kind, person, name, role, inferred, rules_version "
                              "FROM mentions ORDER BY id")
        assert found == [
            ("title", "office_only", "Hồ Thị Năm", "", "Phó Chủ tịch UBND", 0, RULES_VERSION),
            ("body", "name_first", "Hồ Thị Năm", "Hồ Thị Năm", "Phó Chủ tịch UBND", 0,
             RULES_VERSION),
        ]
        assert rows(archive, "SELECT activity, rules_version FROM activities") == [
            ("inspects", RULES_VERSION)]
        names = {r[0] for r in rows(archive, "SELECT name FROM people")}
        assert names == {"Hồ Thị Năm", "Mai Văn Chủ"}  # no byline, no bridge


def test_a_changed_article_replaces_its_mentions(tmp_path, people_file):
    with Archive(tmp_path / "a.db") as archive:
        first = article(1, "2021-03-04", "Lãnh đạo thành phố thăm gia đình chính sách",
                        "Chủ tịch UBND thành phố Đặng Văn Một thăm hỏi.")
        archive.store_article(first)
        first.body = "Phó Chủ tịch UBND thành phố Phan Thị Hai thăm hỏi."
        first.content_hash = ""
        assert archive.store_article(Article(**{**vars(first), "content_hash": ""})) == "changed"
        assert rows(archive, "SELECT person, role FROM mentions") == [
            ("Phan Thị Hai", "Phó Chủ tịch UBND")]
        assert rows(archive, "SELECT count(*) FROM activities") == [(1,)]


def test_an_office_alone_is_linked_by_the_people_file_and_marked_inferred(tmp_path, people_file):
    with Archive(tmp_path / "a.db") as archive:
        archive.store_article(article(1, "2020-06-01", "Chủ tịch UBND thành phố tiếp đoàn",
                                      "Chủ tịch UBND thành phố tiếp đoàn công tác."))
        archive.store_article(article(2, "2021-06-01", "Chủ tịch UBND thành phố tiếp đoàn",
                                      "Chủ tịch UBND thành phố tiếp đoàn công tác."))
        linked = rows(archive, "SELECT article_id, person, inferred, inferred_from FROM mentions "
                               "ORDER BY id")
        assert linked[:2] == [(1, "Mai Văn Chủ", 1, "people file: written by us for this test")] * 2
        assert [r[1:3] for r in linked[2:]] == [("", 0), ("", 0)]  # 2021: the file says nobody


def test_the_archives_own_appearances_link_an_office_alone_whatever_the_order(tmp_path,
                                                                               people_file):
    with Archive(tmp_path / "a.db") as archive:
        archive.store_article(article(3, "2022-03-01", "Chủ tịch HĐND thành phố dự lễ",
                                      "Chủ tịch HĐND thành phố dự lễ."))
        assert rows(archive, "SELECT person FROM mentions WHERE article_id = 1") == [("",)] * 2
        archive.store_article(article(1, "2022-01-10", "Chủ tịch HĐND thành phố Lý Thị Ba dự",
                                      "Chủ tịch HĐND thành phố Lý Thị Ba dự lễ."))
        assert rows(archive, "SELECT person FROM mentions WHERE article_id = 1") == [("",)] * 2
        archive.store_article(article(2, "2022-05-20", "Chủ tịch HĐND thành phố Lý Thị Ba dự",
                                      "Bà Lý Thị Ba, Chủ tịch HĐND thành phố, dự lễ."))
        assert rows(archive, "SELECT person, inferred, inferred_from FROM mentions "
                             "WHERE article_id = 1") == [
            ("Lý Thị Ba", 1, "archive: Lý Thị Ba named Chủ tịch HĐND from 2022-01-10 to 2022-05-20")
        ] * 2
        # Vice-chairs are several at once: never linked by date.
        archive.store_article(article(4, "2022-03-02", "Phó Chủ tịch UBND thành phố dự",
                                      "Phó Chủ tịch UBND thành phố Lê Thị Mười dự."))
        archive.store_article(article(5, "2022-03-03", "Phó Chủ tịch UBND thành phố dự", "Dự."))
        assert rows(archive, "SELECT person FROM mentions WHERE article_id = 5") == [("",)]


def test_a_leader_who_changes_title_between_two_dates(tmp_path, people_file):
    with Archive(tmp_path / "a.db") as archive:
        archive.store_article(article(1, "2019-04-02", "Phó Chủ tịch UBND thành phố dự lễ",
                                      "Phó Chủ tịch UBND thành phố Võ Văn Tư dự lễ."))
        archive.store_article(article(2, "2019-09-12", "Phó Chủ tịch UBND thành phố thăm",
                                      "Ông Võ Văn Tư, Phó Chủ tịch UBND thành phố, thăm."))
        archive.store_article(article(3, "2021-02-03", "Chủ tịch UBND thành phố làm việc",
                                      "Chủ tịch UBND thành phố Võ Văn Tư làm việc với sở."))
        # Between his two titles an article names only the chairman: 2020 is the file's
        # Mai Văn Chủ; his own first appearance as chairman is later, so never him.
        archive.store_article(article(4, "2020-11-11", "Chủ tịch UBND thành phố tiếp đoàn",
                                      "Chủ tịch UBND thành phố tiếp đoàn."))
        (tu,) = [p for p in leaders(archive.db) if p["name"] == "Võ Văn Tư"]
        assert tu["roles"] == [
            {"role": "Phó Chủ tịch UBND", "articles": 2, "first": "2019-04-02",
             "last": "2019-09-12"},
            {"role": "Chủ tịch UBND", "articles": 1, "first": "2021-02-03", "last": "2021-02-03"},
        ]
        assert (tu["articles"], tu["first"], tu["last"]) == (3, "2019-04-02", "2021-02-03")
        assert rows(archive, "SELECT DISTINCT person FROM mentions WHERE article_id = 4") == [
            ("Mai Văn Chủ",)]


def test_a_failing_rule_never_costs_the_article(tmp_path, people_file, monkeypatch, caplog):
    def broken(_article):
        raise RuntimeError("a bug in a rule")

    monkeypatch.setattr(leader_tables, "analyze", broken)
    with caplog.at_level(logging.ERROR), Archive(tmp_path / "a.db") as archive:
        assert archive.store_article(article(1, "2021-01-01", "Tiêu đề", "Nội dung.")) == "new"
        assert reading.article_count(archive.db) == 1
        assert rows(archive, "SELECT count(*) FROM mentions") == [(0,)]
        assert stale_reasons(archive.db, load_people()) == ["1 of 1 articles not indexed"]
    assert "a bug in a rule" in caplog.text


def test_a_broken_people_file_never_costs_the_article(tmp_path, people_file, caplog):
    with Archive(tmp_path / "a.db") as archive:
        archive.store_article(article(1, "2020-06-01", "Chủ tịch UBND thành phố tiếp đoàn",
                                      "Chủ tịch UBND thành phố tiếp đoàn."))
        people_file.write_text("{broken", encoding="utf-8")
        with caplog.at_level(logging.ERROR):
            outcome = archive.store_article(article(
                2, "2020-07-01", "Chủ tịch UBND thành phố tiếp đoàn",
                "Chủ tịch UBND thành phố tiếp đoàn."))
        assert outcome == "new" and reading.article_count(archive.db) == 2
        assert "people file" in caplog.text
        # The last good file's people stay; article 2 is linked by the archive alone (nobody).
        assert rows(archive, "SELECT DISTINCT article_id, person FROM mentions ORDER BY 1") == [
            (1, "Mai Văn Chủ"), (2, "")]
        assert rows(archive, "SELECT name FROM people WHERE in_people_file = 1") == [
            ("Mai Văn Chủ",)]


def test_reindex_refills_after_a_rule_change_and_records_the_version(tmp_path, people_file):
    with Archive(tmp_path / "a.db") as archive:
        archive.store_article(article(1, "2021-01-01", "Bí thư Thành ủy dự lễ",
                                      "Bí thư Thành ủy Trần Văn Chín dự lễ."))
        archive.db.execute("UPDATE activities SET rules_version = 'leaders-rules-0'")
        archive.db.execute("DELETE FROM mentions")
        archive.db.conn.commit()
        assert stale_reasons(archive.db, load_people()) == [
            f"indexed with rules leaders-rules-0, now {RULES_VERSION}"]
        counts = leader_tables.reindex_all(archive.db)
        assert counts == {"rules_version": RULES_VERSION, "articles": 1, "mentions": 2,
                          "people": 1, "inferred": 0}
        assert stale_reasons(archive.db, load_people()) == []
        assert rows(archive, "SELECT value FROM leaders_state WHERE key = 'rules_version'") == [
            (RULES_VERSION,)]


def test_an_edited_people_file_is_noticed_and_aliases_join_one_person(tmp_path, people_file):
    with Archive(tmp_path / "a.db") as archive:
        archive.store_article(article(1, "2021-01-01", "Bí thư Thành ủy dự lễ",
                                      "Bí thư Thành ủy Trần Văn Chín dự lễ."))
        archive.store_article(article(2, "2021-02-01", "Bí thư Thành ủy dự lễ",
                                      "Bí thư Thành ủy Trần Văn Chính dự lễ."))  # a misspelling
        edited = json.loads(people_file.read_text(encoding="utf-8"))
        edited["people"].append({"name": "Trần Văn Chín", "aliases": ["Trần Văn Chính"],
                                 "terms": []})
        people_file.write_text(json.dumps(edited, ensure_ascii=False), encoding="utf-8")
        people = load_people()
        assert stale_reasons(archive.db, people) == [
            "the people file changed since the tables were filled"]
        leader_tables.reindex_all(archive.db, people)
        (chin,) = [p for p in leaders(archive.db) if p["name"] == "Trần Văn Chín"]
        assert chin["articles"] == 2 and chin["in_people_file"]
        assert find_leader(archive.db, "tran van chin")[1] == "Trần Văn Chín"


@pytest.mark.parametrize(
    "entry, message",
    [
        ({"name": "A B", "terms": [{"role": "Thủ tướng", "from": "2020", "source": "x"}]},
         "role 'Thủ tướng' is not one of"),
        ({"name": "A B", "terms": [{"role": "Chủ tịch UBND", "from": "20/1/2020",
                                    "source": "x"}]}, "is not YYYY, YYYY-MM or YYYY-MM-DD"),
        ({"name": "A B", "terms": [{"role": "Chủ tịch UBND", "from": "2020"}]},
         'every term needs a "source"'),
        ({"name": "A B", "terms": [{"role": "Chủ tịch UBND", "from": "2021", "to": "2020",
                                    "source": "x"}]}, 'is before "from"'),
        ({"name": "Mai Văn Chủ 2", "aliases": ["Mai Văn Chủ"]}, "is also Mai Văn Chủ's"),
    ],
)
def test_a_wrong_people_file_entry_is_named(tmp_path, entry, message):
    path = tmp_path / "people.json"
    path.write_text(json.dumps({"people": [*PEOPLE["people"], entry]}), encoding="utf-8")
    with pytest.raises(PeopleFileError, match=message):
        load_people(path)
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(PeopleFileError, match="people.json"):
        load_people(path)


def test_terms_are_read_conservatively(tmp_path):
    path = tmp_path / "people.json"
    path.write_text(json.dumps({"people": [
        {"name": "Ông Một", "terms": [{"role": "Bí thư Thành ủy", "from": "2010-09",
                                       "to": "2015-06-10", "source": "x"}]},
        {"name": "Bà Hai", "terms": [{"role": "Bí thư Thành ủy", "from": "2015-06-10",
                                      "source": "x"}]},
        {"name": "Ông Ba", "terms": [{"role": "Bí thư Thành ủy", "from": "2019", "source": "x"}]},
    ]}), encoding="utf-8")
    people = load_people(path)

    def holder(day: str) -> str | None:
        held = people.holder_on("Bí thư Thành ủy", day)
        return held[0] if held else None

    assert holder("2010-09-15") is None  # "2010-09" starts at the end of September
    assert holder("2010-10-01") == "Ông Một"
    assert holder("2015-06-10") is None  # the hand-over day: two holders
    assert holder("2017-01-01") == "Bà Hai"  # an open term ends where the next one starts
    assert holder("2019-06-01") is None  # "2019" starts on 31 December
    assert holder("2020-01-01") is None  # the last open term: the file does not say
    assert people.holder_on("Phó Chủ tịch UBND", "2017-01-01") is None


def test_the_shipped_people_file_is_valid_and_sourced():
    people = load_people(ROOT / "archive" / "leaders" / "people.json")
    assert people.people
    assert all(term.source.startswith("https://") for p in people.people for term in p.terms)


# --- The sample portal, stored as the crawl stores it ------------------------------------------


def test_the_sample_portals_leaders_and_their_counts(tmp_path, monkeypatch):
    monkeypatch.setenv("TINLANHDAO_PEOPLE", str(tmp_path / "none.json"))
    (tmp_path / "none.json").write_text('{"people": []}', encoding="utf-8")
    pages = ROOT / "sample_portal" / "site" / "articles"
    annotations = load_annotations(ROOT / "tests" / "fixtures" / "leaders")
    expected: dict[str, int] = {}
    for truth in annotations.values():
        for name in {p["name"] for p in truth["people"]}:
            expected[name] = expected.get(name, 0) + 1
    with Archive(tmp_path / "sample.db") as archive:
        for name in annotations:
            page = extract_page((pages / f"{name}.html").read_bytes(), f"http://sample.test/{name}")
            archive.store_article(page)
        listed = leaders(archive.db)
        assert {p["name"]: p["articles"] for p in listed} == expected
        he = timeline(archive.db, find_leader(archive.db, "nguyen ngoc he")[0])
        assert [(a["date"], a["activity"]) for a in he["articles"]] == [("2023-05-19", "other")]


# --- The command line -------------------------------------------------------------------------


@pytest.fixture()
def archive_path(tmp_path, people_file) -> Path:
    path = tmp_path / "cli.db"
    with Archive(path) as archive:
        archive.store_article(article(1, "2020-03-05", "Chủ tịch UBND thành phố tiếp đoàn",
                                      "Chủ tịch UBND thành phố tiếp đoàn công tác."))
        archive.store_article(article(2, "2023-05-19", "Phó Chủ tịch UBND thành phố dự hội nghị",
                                      "Ông Nguyễn Ngọc Hè, Phó Chủ tịch UBND TP Cần Thơ dự."))
        archive.store_article(article(3, "2023-06-01", "Phó Chủ tịch UBND thành phố kiểm tra",
                                      "Phó Chủ tịch UBND thành phố Nguyễn Ngọc Hè kiểm tra."))
    return path


def invoke(*args: str):
    return CliRunner().invoke(main, list(args))


def test_leaders_command_lists_people_with_counts(archive_path):
    result = invoke("leaders", "--db", str(archive_path))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[1].split()[:4] == ["Nguyễn", "Ngọc", "Hè", "2"]
    assert "Mai Văn Chủ" in lines[2] and "0 (+1)" in lines[2]
    listed = json.loads(invoke("leaders", "--json", "--db", str(archive_path)).output)
    assert [(p["name"], p["articles"], [r["role"] for r in p["roles"]]) for p in listed] == [
        ("Nguyễn Ngọc Hè", 2, ["Phó Chủ tịch UBND"]), ("Mai Văn Chủ", 0, [])]


def test_leader_command_prints_a_timeline_accents_optional(archive_path):
    result = invoke("leader", "nguyen ngoc he", "--db", str(archive_path))
    assert result.exit_code == 0, result.output
    assert "2023-05  # 1" in result.output and "2023-06  # 1" in result.output
    assert "2023-06-01   inspects" in result.output
    found = json.loads(invoke("leader", "Mai Van Chu", "--json", "--db", str(archive_path)).output)
    assert [(a["date"], a["activity"], a["inferred"]) for a in found["articles"]] == [
        ("2020-03-05", "receives a delegation", True)]


def test_leader_command_errors_are_one_line(archive_path, tmp_path):
    result = invoke("leader", "nobody at all", "--db", str(archive_path))
    assert result.exit_code == 2 and "no leader named 'nobody at all'" in result.output
    result = invoke("leaders", "--db", str(tmp_path / "missing.db"))
    assert result.exit_code == 1 and "Traceback" not in result.output


def test_reindex_leaders_command(archive_path):
    result = invoke("reindex-leaders", "--db", str(archive_path))
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"Indexed 3 articles with rules {RULES_VERSION}: ")


def test_search_keeps_the_articles_that_mention_the_leader(archive_path):
    # "thành phố" is in all three articles; only 2 and 3 name Nguyễn Ngọc Hè.
    everything = json.loads(invoke("search", "thanh pho", "--json", "--db",
                                   str(archive_path)).output)
    assert sorted(hit["url"][-1] for hit in everything) == ["1", "2", "3"]
    result = invoke("search", "thanh pho", "--leader", "nguyen ngoc he", "--json", "--db",
                    str(archive_path))
    assert result.exit_code == 0, result.output
    assert sorted(hit["url"][-1] for hit in json.loads(result.output)) == ["2", "3"]
    # With the other filters: the leader's articles of June only.
    june = invoke("search", "thanh pho", "--leader", "Nguyễn Ngọc Hè", "--since", "2023-06",
                  "--db", str(archive_path))
    assert june.exit_code == 0 and "example.test/a/3" in june.output
    assert "example.test/a/2" not in june.output


def test_search_by_leader_includes_an_office_linked_by_date(archive_path):
    # Article 1 names only "Chủ tịch UBND thành phố", which Mai Văn Chủ held that day.
    result = invoke("search", "tiep doan", "--leader", "mai van chu", "--json", "--db",
                    str(archive_path))
    assert result.exit_code == 0, result.output
    assert [hit["url"] for hit in json.loads(result.output)] == ["http://example.test/a/1"]
    # The reply says the leader was a condition: the words alone do match an article.
    assert invoke("search", "kiem tra", "--db", str(archive_path)).output.startswith("1. ")
    assert invoke("search", "kiem tra", "--leader", "mai van chu", "--db",
                  str(archive_path)).output == (
        "No articles match 'kiem tra' mentioning 'mai van chu'.\n")


def test_search_by_an_unknown_leader_is_a_one_line_error(archive_path):
    result = invoke("search", "thanh pho", "--leader", "nobody at all", "--db", str(archive_path))
    assert result.exit_code == 2 and "no leader named 'nobody at all'" in result.output
    assert "Traceback" not in result.output


# --- Which evidence links an office named alone ------------------------------------------------


def test_the_archives_own_appearances_come_before_the_people_file(tmp_path, people_file):
    # The file says Mai Văn Chủ chaired the committee all of 2020; the archive's articles name
    # Lý Văn Mười in that office in February and November. An office alone in June is his.
    with Archive(tmp_path / "a.db") as archive:
        archive.store_article(article(1, "2020-06-01", "Chủ tịch UBND thành phố tiếp đoàn",
                                      "Chủ tịch UBND thành phố tiếp đoàn công tác."))
        assert rows(archive, "SELECT DISTINCT person, inferred FROM mentions "
                             "WHERE article_id = 1") == [("Mai Văn Chủ", 1)]  # the file, alone
        archive.store_article(article(2, "2020-02-01", "Chủ tịch UBND thành phố dự lễ",
                                      "Chủ tịch UBND thành phố Lý Văn Mười dự lễ."))
        archive.store_article(article(3, "2020-11-01", "Chủ tịch UBND thành phố kiểm tra",
                                      "Ông Lý Văn Mười, Chủ tịch UBND thành phố, kiểm tra."))
        assert rows(archive, "SELECT DISTINCT person, inferred, inferred_from FROM mentions "
                             "WHERE article_id = 1") == [
            ("Lý Văn Mười", 1, "archive: Lý Văn Mười named Chủ tịch UBND from 2020-02-01 to "
                               "2020-11-01")]
        # Outside his appearances the file still speaks (December 2020: Mai Văn Chủ).
        archive.store_article(article(4, "2020-12-15", "Chủ tịch UBND thành phố tiếp đoàn",
                                      "Chủ tịch UBND thành phố tiếp đoàn."))
        assert rows(archive, "SELECT DISTINCT person, inferred_from FROM mentions "
                             "WHERE article_id = 4") == [
            ("Mai Văn Chủ", "people file: written by us for this test")]
        # A full refill gives the same links.
        leader_tables.reindex_all(archive.db, load_people())
        assert rows(archive, "SELECT article_id, person FROM mentions WHERE inferred = 1 "
                             "GROUP BY article_id ORDER BY article_id") == [
            (1, "Lý Văn Mười"), (4, "Mai Văn Chủ")]


def test_the_holder_named_in_the_same_article_comes_before_any_date_link(tmp_path, people_file):
    # The file says Mai Văn Chủ; the article names Lý Văn Mười, then the office alone.
    with Archive(tmp_path / "a.db") as archive:
        archive.store_article(article(
            1, "2020-06-01", "Chủ tịch UBND thành phố dự hội nghị",
            "Chủ tịch UBND thành phố Lý Văn Mười dự hội nghị.\n\n"
            "Chủ tịch UBND thành phố yêu cầu các sở hoàn thành kế hoạch."))
        assert rows(archive, "SELECT kind, person, inferred FROM mentions ORDER BY id") == [
            ("office_only", "Lý Văn Mười", 0),  # the title
            ("title_first", "Lý Văn Mười", 0), ("office_only", "Lý Văn Mười", 0)]
        leader_tables.reindex_all(archive.db, load_people())
        assert rows(archive, "SELECT kind, person, inferred FROM mentions ORDER BY id") == [
            ("office_only", "Lý Văn Mười", 0),  # the title
            ("title_first", "Lý Văn Mười", 0), ("office_only", "Lý Văn Mười", 0)]
