"""`tinlanhdao export-wacz`: a WACZ package that `wacz validate` accepts, whose index agrees with
cdxj-indexer run over its own WARC files, and whose pages (by title) all resolve in the index."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from cdxj_indexer.main import CDXJIndexer
from click.testing import CliRunner
from support.captures import crawled, query
from warcio.archiveiterator import ArchiveIterator

from archive import Archive
from archive.cli import main

WACZ = str(Path(sys.executable).parent / "wacz")


@pytest.fixture(scope="module")
def package(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("wacz") / "tinlanhdao.wacz"
    result = CliRunner().invoke(main, ["export-wacz", str(path), "--db", str(crawled().archive)])
    assert result.exit_code == 0, result.output
    assert "Wrote" in result.output and "captures in 3 WARC files" in result.output
    return path


def index_lines(package: Path) -> list[tuple[str, str, dict]]:
    with zipfile.ZipFile(package) as wacz:
        text = wacz.read("indexes/index.cdx").decode("utf-8")
    return [(key, ts, json.loads(rest))
            for key, ts, rest in (line.split(" ", 2) for line in text.splitlines())]


def test_wacz_validate_accepts_the_package(package):
    result = subprocess.run([WACZ, "validate", "-f", str(package)], capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Validation succeeded, the passed WACZ is valid" in result.stdout


def test_layout_and_storage(package):
    with zipfile.ZipFile(package) as wacz:
        names = {info.filename: info for info in wacz.infolist()}
        warcs = [n for n in names if n.startswith("archive/")]
        assert len(warcs) == 3 and all(n.endswith(".warc.gz") for n in warcs)
        assert all(names[n].compress_type == zipfile.ZIP_STORED for n in warcs)
        assert {"indexes/index.cdx", "pages/pages.jsonl", "datapackage.json",
                "datapackage-digest.json"} <= set(names)
        datapackage = json.loads(wacz.read("datapackage.json"))
    assert datapackage["wacz_version"] == "1.1.1"
    assert {r["path"] for r in datapackage["resources"]} == set(names) - {
        "datapackage.json", "datapackage-digest.json"}


def test_the_index_is_what_cdxj_indexer_makes_of_the_packaged_warcs(package, tmp_path):
    with zipfile.ZipFile(package) as wacz:
        wacz.extractall(tmp_path)
    out = io.StringIO()
    CDXJIndexer(out, [str(p) for p in sorted((tmp_path / "archive").iterdir())],
                sort=True).process_all()
    theirs = [line.split(" ", 2) for line in out.getvalue().splitlines()]
    theirs_parsed = [(key, ts, json.loads(rest)) for key, ts, rest in theirs]
    assert index_lines(package) == theirs_parsed
    assert len(theirs_parsed) == query(crawled().archive, "select count(*) from captures")[0][0]


def test_every_page_is_listed_by_title_and_resolves_in_the_index(package, tmp_path):
    with zipfile.ZipFile(package) as wacz:
        lines = wacz.read("pages/pages.jsonl").decode("utf-8").splitlines()
        warcs = {Path(n).name: wacz.read(n) for n in wacz.namelist() if n.startswith("archive/")}
    header, pages = json.loads(lines[0]), [json.loads(line) for line in lines[1:]]
    assert header["format"] == "json-pages-1.0"
    titles = {r["title"] for r in query(crawled().archive, "select title from articles")}
    assert {p["title"] for p in pages} >= titles and len(pages) == 28 + 1  # + the listing
    index = {(fields["url"], ts): fields for _, ts, fields in index_lines(package)}
    for page in pages:
        ts = "".join(ch for ch in page["ts"] if ch.isdigit())
        fields = index[(page["url"], ts)]
        stream = io.BytesIO(warcs[fields["filename"]])
        stream.seek(int(fields["offset"]))
        record = next(iter(ArchiveIterator(stream)))
        assert record.rec_headers.get_header("WARC-Target-URI") == page["url"]
        assert record.rec_type in ("response", "revisit")


def test_an_archive_without_captures_gives_a_clean_message(tmp_path):
    from support.articles import seed_article

    path = tmp_path / "old.db"
    with Archive(path) as archive:
        archive.store_article(seed_article())
    result = CliRunner().invoke(main, ["export-wacz", str(tmp_path / "x.wacz"), "--db", str(path)])
    assert result.exit_code == 1
    assert "has no captures yet" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "x.wacz").exists()


def test_export_wacz_has_help_with_an_example():
    result = CliRunner().invoke(main, ["export-wacz", "-h"])
    assert result.exit_code == 0 and "Example:" in result.output
