"""`tinlanhdao release`: a citable folder that Frictionless accepts and that depends on the
archive only (the archive comes from a real crawl of the bundled sample portal)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import sqlite3
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from support.crawls import run_crawl

from archive.cli import main
from archive.release import TIMED_FILES, make_release

BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def crawled(sample_portal, tmp_path_factory) -> Path:
    archive = tmp_path_factory.mktemp("release") / "data" / "tinlanhdao.db"
    result = run_crawl(sample_portal, archive)
    assert result.returncode == 0, result.stderr[-2000:]
    return archive


def _checksums(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}  # fmt: skip


def _validate(folder: Path) -> dict:
    done = subprocess.run([str(BIN / "frictionless"), "validate", "--json", "datapackage.json"],
                          cwd=folder, capture_output=True, text=True, timeout=300)
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def two_releases(crawled: Path, tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("releases")
    first, second = root / "first", root / "second"
    make_release(crawled, first, released_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc))
    make_release(crawled, second, released_at=datetime(2027, 6, 7, 8, 9, 10, tzinfo=timezone.utc))
    return first, second


def test_same_archive_same_checksums_but_for_the_release_time(two_releases) -> None:
    first, second = (_checksums(folder) for folder in two_releases)
    assert first.keys() == second.keys()
    differing = {name for name in first if first[name] != second[name]}
    assert differing == set(TIMED_FILES)
    expected = {"tinlanhdao.db", "tinlanhdao.wacz", "datapackage.json", "CITATION.cff",
                "README.md", "data/articles.csv", "data/articles.parquet", "data/images.csv",
                "data/revisions.parquet", "data/captures.csv"}
    assert expected <= first.keys()


def test_frictionless_accepts_the_release_and_catches_a_changed_byte(two_releases,
                                                                     tmp_path: Path) -> None:
    report = _validate(two_releases[0])
    assert report["valid"], json.dumps(report["tasks"], indent=1)[:3000]
    names = {task["name"] for task in report["tasks"]}
    assert {"database", "articles", "articles-parquet", "captures-wacz"} <= names
    # A copy with one byte of the articles CSV changed no longer validates (hash and bytes).
    copy = tmp_path / "copy"
    subprocess.run(["cp", "-r", str(two_releases[0]), str(copy)], check=True)
    articles = copy / "data" / "articles.csv"
    data = bytearray(articles.read_bytes())
    data[-2] = ord("X") if data[-2] != ord("X") else ord("Y")
    articles.write_bytes(bytes(data))
    assert not _validate(copy)["valid"]


def test_frictionless_checks_the_foreign_keys(two_releases, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    subprocess.run(["cp", "-r", str(two_releases[0]), str(copy)], check=True)
    images = copy / "data" / "images.csv"
    lines = images.read_text("utf-8").splitlines(keepends=True)
    header = lines[0].rstrip("\n").split(",")
    row = next(csv.reader([lines[1]]))
    row[header.index("article_id")] = "999999"  # no such article
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(row)
    images.write_text(lines[0] + out.getvalue() + "".join(lines[2:]), encoding="utf-8")
    package_path = copy / "datapackage.json"
    package = json.loads(package_path.read_text("utf-8"))
    for resource in package["resources"]:  # a consistent package, but for the broken key
        if resource["path"] == "data/images.csv":
            resource["bytes"] = images.stat().st_size
            resource["hash"] = "sha256:" + hashlib.sha256(images.read_bytes()).hexdigest()
    package_path.write_text(json.dumps(package, ensure_ascii=False), encoding="utf-8")
    report = _validate(copy)
    assert not report["valid"]
    errors = [e for task in report["tasks"] for e in task["errors"]]
    assert {e["type"] for e in errors} == {"foreign-key"}


def test_every_resource_has_bytes_sha256_and_tables_a_schema(two_releases) -> None:
    folder = two_releases[0]
    package = json.loads((folder / "datapackage.json").read_text("utf-8"))
    paths = {r["path"] for r in package["resources"]}
    published = {name for name in _checksums(folder)
                 if name not in ("datapackage.json", *TIMED_FILES)}  # fmt: skip
    assert paths == published
    for resource in package["resources"]:
        path = folder / resource["path"]
        assert resource["bytes"] == path.stat().st_size
        assert resource["hash"] == "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()
        if resource["format"] in ("csv", "parquet"):
            assert resource["schema"]["fields"][0]["name"] == "id"
    assert package["licenses"][0]["title"].startswith("Content ©")
    assert package["sources"][0]["path"].startswith("https://www.cantho.gov.vn/")


def test_the_tables_hold_the_archive_rows(crawled: Path, two_releases) -> None:
    import duckdb

    folder = two_releases[0]
    with sqlite3.connect(crawled) as db:
        articles = db.execute("SELECT id, title, published, author FROM articles "
                              "ORDER BY id").fetchall()  # fmt: skip
        runs = db.execute("SELECT id, exit_status, finished_at FROM crawl_runs").fetchall()
    with open(folder / "data" / "articles.csv", encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream))
    # csv writes null as an empty field (the schema's missingValues); absent text is NULL
    assert [(int(r["id"]), r["title"], r["published"] or None, r["author"] or None)
            for r in rows] == articles  # fmt: skip
    parquet = str(folder / "data" / "articles.parquet")
    assert duckdb.sql(f"SELECT id, title, published, author FROM '{parquet}' "
                      "ORDER BY id").fetchall() == articles  # fmt: skip
    # published_date (m003_researchers, a generated column) is published too, as a date
    assert duckdb.sql(f"SELECT DISTINCT typeof(published_date) FROM '{parquet}'").fetchall() \
        == [("DATE",)]
    assert [r["published_date"] for r in rows] == [(p or "")[:10] for _, _, p, _ in articles]
    parquet_runs = str(folder / "data" / "crawl_runs.parquet")
    assert duckdb.sql(f"SELECT id, exit_status, finished_at FROM '{parquet_runs}'").fetchall() \
        == runs  # nulls stay nulls, integers stay integers
    with sqlite3.connect(folder / "tinlanhdao.db") as snapshot:
        assert snapshot.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert snapshot.execute("SELECT count(*) FROM articles").fetchone()[0] == len(articles)
        assert snapshot.execute("PRAGMA journal_mode").fetchone()[0] == "delete"


def test_citation_and_readme_say_what_a_reader_needs(crawled: Path, two_releases) -> None:
    folder = two_releases[0]
    citation = yaml.safe_load((folder / "CITATION.cff").read_text("utf-8"))
    for key in ("cff-version", "message", "title", "authors", "version", "date-released"):
        assert citation[key], key
    assert citation["type"] == "dataset"
    package = json.loads((folder / "datapackage.json").read_text("utf-8"))
    snapshot_sha = hashlib.sha256((folder / "tinlanhdao.db").read_bytes()).hexdigest()
    assert citation["version"] == package["version"]
    assert citation["version"].endswith("." + snapshot_sha[:8])  # the archive state it holds
    assert str(citation["date-released"]) == "2026-01-02"
    readme = (folder / "README.md").read_text("utf-8")
    with sqlite3.connect(crawled) as db:
        count = db.execute("SELECT count(*) FROM articles").fetchone()[0]
        first, last = db.execute("SELECT min(published), max(published) FROM articles").fetchone()
        extractor = db.execute("SELECT max(extractor_version) FROM articles").fetchone()[0]
    assert f"- articles: {count} rows" in readme
    assert first in readme and last in readme and extractor in readme
    assert "Ghi rõ nguồn" in readme and "cantho.gov.vn" in readme
    assert "2026-01-02T03:04:05Z" in readme


def test_release_refuses_and_leaves_things_as_they_were(crawled: Path, tmp_path: Path) -> None:
    before = crawled.read_bytes(), crawled.stat().st_mtime_ns
    full = tmp_path / "full"
    full.mkdir()
    (full / "mine.txt").write_text("keep me", encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(main, ["release", str(full), "--db", str(crawled)])
    assert result.exit_code == 1 and "not empty" in result.output
    assert [p.name for p in full.iterdir()] == ["mine.txt"]
    result = runner.invoke(main, ["release", str(tmp_path / "no" / "such"), "--db", str(crawled)])
    assert result.exit_code == 1 and "does not exist" in result.output
    assert not (tmp_path / "no").exists()
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE t (x)")
    result = runner.invoke(main, ["release", str(tmp_path / "r"), "--db", str(other)])
    assert result.exit_code == 1 and "not a tinlanhdao archive" in result.output
    assert not (tmp_path / "r").exists()
    result = runner.invoke(main, ["release", str(tmp_path / "ok"), "--db", str(crawled)])
    assert result.exit_code == 0, result.output
    assert "Release " in result.output
    assert (crawled.read_bytes(), crawled.stat().st_mtime_ns) == before
