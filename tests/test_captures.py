"""Raw captures: every response of a real crawl in WARC, read back by offset, deduplicated as
revisits; the WARC writer on its own (rotation, revisits, crash order); provenance in `show`."""

from __future__ import annotations

import io
import json
import random
import re
from pathlib import Path
from urllib.parse import urlparse

import pytest
from cdxj_indexer.main import CDXJIndexer
from click.testing import CliRunner
from support.captures import capture_settings, crawled, query
from support.crawls import run_crawl
from warcio.archiveiterator import ArchiveIterator

from archive import Archive
from archive.captures import CaptureError, Captures, payload_digest
from archive.cli import main
from crawler.capture import WarcCapture
from crawler.extraction import extract_page
from crawler.runhealth import EXIT_CODES
from sample_portal.server import SamplePortal

VERSION = re.compile(r"\d[\w.]*\+[\w.,-]+")  # package version + declared layout versions
REVISIT_PROFILE = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"


def warc_record_at(path: Path, offset: int):
    """The record at ``offset`` of ``path``, read with warcio alone (payload read eagerly)."""
    with open(path, "rb") as stream:
        stream.seek(offset)
        record = next(iter(ArchiveIterator(stream)))
        record.payload_bytes = record.raw_stream.read()
    return record


def captures_of_run(run_id: int) -> list:
    return query(crawled().archive, "select * from captures where run_id = ? order by id", run_id)


# --- a real crawl -----------------------------------------------------------------------------


def test_every_response_of_the_first_crawl_is_captured():
    data = crawled()
    rows = captures_of_run(1)
    fetched = [urlparse(r["url"]) for r in rows]
    assert [p.path + (f"?{p.query}" if p.query else "") for p in fetched] == list(data.requests[0])
    assert fetched[0].path == "/robots.txt"  # robots.txt comes through the downloader too
    assert {r["record_type"] for r in rows} == {"response"}
    assert all(r["warc_file"].startswith("warc/tinlanhdao-") for r in rows)
    linked = [r for r in rows if r["article_id"] is not None]
    assert len(linked) == 28 and len({r["article_id"] for r in linked}) == 28


def test_every_article_reads_back_by_offset_and_extracts_to_the_stored_article():
    data = crawled()
    articles = query(data.archive, "select * from articles order by id")
    assert len(articles) == 28
    captures_seen = set()
    for article in articles:
        [capture] = query(data.archive, "select * from captures where id = ?",
                          article["capture_id"])
        source = capture
        if capture["record_type"] == "revisit":  # the body is in the record it refers to
            [source] = query(data.archive, "select * from captures where id = ?",
                             capture["refers_to_id"])
        record = warc_record_at(data.folder / source["warc_file"], source["offset"])
        assert record.rec_type == "response"
        assert record.rec_headers.get_header("WARC-Target-URI") == capture["url"]
        assert record.rec_headers.get_header("WARC-Payload-Digest") == capture["payload_digest"]
        assert payload_digest(record.payload_bytes) == capture["payload_digest"]
        content_type = record.http_headers.get_header("Content-Type")
        extracted = extract_page(record.payload_bytes, capture["url"], content_type=content_type)
        assert extracted.compute_hash() == article["content_hash"], article["url"]
        assert VERSION.fullmatch(article["extractor_version"])
        captures_seen.add(capture["id"])
    assert len(captures_seen) == 28
    assert len({a["extractor_version"] for a in articles}) == 1


def test_revisions_name_the_capture_that_made_them():
    data = crawled()
    rows = query(data.archive, "select revisions.capture_id, revisions.extractor_version, "
                 "captures.article_id, revisions.article_id AS rev_article, captures.run_id "
                 "from revisions join captures on captures.id = revisions.capture_id")
    assert len(rows) == 28  # one revision per article, each from its run-1 capture
    assert all(r["article_id"] == r["rev_article"] and r["run_id"] == 1 for r in rows)


def test_warc_files_are_standard_warc_1_1_in_request_response_pairs():
    data = crawled()
    files = sorted((data.folder / "warc").glob("*.warc.gz"))
    assert len(files) == 3  # one per run
    with open(files[0], "rb") as stream:
        records = [(r.rec_type, r.rec_headers.protocol, r.rec_headers.get_header("WARC-Type"))
                   for r in ArchiveIterator(stream)]
    assert records[0][0] == "warcinfo"
    assert {protocol for _, protocol, _ in records} == {"WARC/1.1"}
    pairs = [t for t, _, _ in records[1:]]
    assert pairs == ["request", "response"] * (len(pairs) // 2)


def test_the_captures_table_is_the_cdx_index_of_the_warc_files():
    data = crawled()
    out = io.StringIO()
    inputs = [str(p) for p in sorted((data.folder / "warc").glob("*.warc.gz"))]
    CDXJIndexer(out, inputs).process_all()

    indexed = set()
    for line in out.getvalue().splitlines():
        fields = json.loads(line.split(" ", 2)[2])
        indexed.add((fields["url"], int(fields["offset"]), int(fields["length"]),
                     fields["digest"], fields["filename"]))
    table = {(r["url"], r["offset"], r["length"], r["payload_digest"],
              Path(r["warc_file"]).name)
             for r in query(data.archive, "select * from captures")}
    assert table == indexed


def test_a_second_crawl_of_the_unchanged_portal_writes_revisit_records_only():
    data = crawled()
    first, second = captures_of_run(1), captures_of_run(2)
    assert len(second) == len(data.requests[1])
    by_url = {r["url"]: r for r in first}
    again = [r for r in second if r["url"] in by_url]
    assert len(again) == len(first)
    assert {r["record_type"] for r in again} == {"revisit"}
    # Every URL of the second run was captured by the first: full mode no longer fetches the
    # listing's "?page=1" link beside the start URL, which is page 1 already.
    assert [r["url"] for r in second if r["url"] not in by_url] == []
    for row in again:
        assert row["refers_to_id"] == by_url[row["url"]]["id"]
        record = warc_record_at(data.folder / row["warc_file"], row["offset"])
        assert record.rec_type == "revisit"
        headers = record.rec_headers
        assert headers.get_header("WARC-Profile") == REVISIT_PROFILE
        assert headers.get_header("WARC-Refers-To-Target-URI") == row["url"]
        assert headers.get_header("WARC-Refers-To-Date") == by_url[row["url"]]["fetched_at"]
        assert headers.get_header("WARC-Payload-Digest") == row["payload_digest"]
        assert record.http_headers.get_statuscode() == "200" and record.payload_bytes == b""
    # Nothing changed, so no revision was added; the articles now point to run 2's captures.
    assert query(data.archive, "select count(*) from revisions")[0][0] == 28
    run_of = {r["capture_id"]: r["run_id"] for r in query(
        data.archive, "select articles.capture_id, captures.run_id from articles "
        "join captures on captures.id = articles.capture_id")}
    assert set(run_of.values()) == {2}
    sizes = {run: sum(r["length"] for r in captures_of_run(run)) for run in (1, 2, 3)}
    revisit_bytes = sum(r["length"] for r in again)
    assert revisit_bytes < sizes[1] / 5, sizes  # revisits: headers only
    print(f"\nWARC record bytes per run (response/revisit records): {sizes}; "
          f"run 2's {len(again)} revisits: {revisit_bytes}")


def test_a_daily_incremental_run_on_an_unchanged_section_adds_kilobytes():
    data = crawled()
    third = captures_of_run(3)
    assert [urlparse(r["url"]).path for r in third] == ["/robots.txt",
                                                        "/hoat-dong-lanh-dao-thanh-pho"]
    assert {r["record_type"] for r in third} == {"revisit"}
    [run3_file] = {r["warc_file"] for r in third}
    assert (data.folder / run3_file).stat().st_size < 10_000


def test_reading_a_capture_through_the_library(tmp_path):
    data = crawled()
    with Archive(data.archive, readonly=True) as archive:
        captures = Captures.of(archive)
        for row in captures_of_run(2)[:5]:  # revisits read the original body
            response = captures.read(row["id"])
            assert payload_digest(response.payload) == row["payload_digest"]
            assert response.http_status == 200 and response.body == response.payload
        with pytest.raises(CaptureError):
            captures.get(10_000)


def test_show_prints_the_capture_and_the_extractor_version():
    data = crawled()
    [article] = query(data.archive, "select * from articles where author != '' limit 1")
    result = CliRunner().invoke(main, ["show", str(article["id"]), "--db", str(data.archive)])
    assert result.exit_code == 0, result.output
    assert f"capture: #{article['capture_id']} fetched" in result.output
    assert f"extractor: {article['extractor_version']}" in result.output
    assert ".warc.gz @ " in result.output
    as_json = CliRunner().invoke(main, ["show", str(article["id"]), "--json", "--db",
                                        str(data.archive)])
    shown = json.loads(as_json.output)
    assert shown["capture"]["id"] == article["capture_id"]
    assert shown["extractor_version"] == article["extractor_version"]


# --- the writer on its own --------------------------------------------------------------------


def page(n: int) -> bytes:
    """A page of about 3 kB that compresses little (so sizes and rotation are predictable)."""
    noise = random.Random(n).randbytes(1500).hex()
    return f"<html><body><p>Trang số {n}</p><p>{noise}</p></body></html>".encode()


@pytest.fixture
def writer(tmp_path):
    archive = Archive(tmp_path / "archive.db")
    capture = WarcCapture(Captures.of(archive), tmp_path / "warc", max_bytes=4000)
    yield capture, archive
    capture.close()
    archive.close()


HTML = [("Content-Type", "text/html; charset=utf-8")]


def test_identical_body_becomes_a_revisit_and_refers_to_the_original(writer):
    capture, archive = writer
    first = capture.capture("http://x.test/a", 200, HTML, page(1),
                            fetched_at="2025-01-01T00:00:00Z")
    second = capture.capture("http://x.test/a", 200, HTML, page(1))
    third = capture.capture("http://x.test/a", 200, HTML, page(1))
    changed = capture.capture("http://x.test/a", 200, HTML, page(2))
    other_url = capture.capture("http://x.test/b", 200, HTML, page(2))
    kinds = [r.record_type for r in (first, second, third, changed, other_url)]
    assert kinds == ["response", "revisit", "revisit", "response", "response"]
    captures = Captures.of(archive)
    assert captures.get(third.capture_id)["refers_to_id"] == first.capture_id  # not a chain
    assert captures.read(third.capture_id).payload == page(1)
    assert second.bytes_written < first.bytes_written / 2


def test_empty_bodies_are_never_revisits(writer):
    capture, _ = writer
    redirect = [("Location", "http://x.test/b")]
    kinds = [capture.capture("http://x.test/a", 301, redirect, b"").record_type for _ in range(2)]
    assert kinds == ["response", "response"]


def test_files_rotate_by_size_and_every_record_stays_readable(writer, tmp_path):
    capture, archive = writer
    results = [capture.capture(f"http://x.test/{n}", 200, HTML, page(n)) for n in range(6)]
    names = sorted(p.name for p in (tmp_path / "warc").iterdir())
    assert len(names) >= 3, names
    assert all(n.startswith("tinlanhdao-") and n.endswith(".warc.gz") for n in names)
    captures = Captures.of(archive)
    for n, result in enumerate(results):
        assert captures.read(result.capture_id).payload == page(n)


def test_the_record_is_on_disk_before_its_row(writer, tmp_path, monkeypatch):
    capture, archive = writer
    captures = capture.captures
    seen = []

    def add(row):
        path = tmp_path / row["warc_file"]
        seen.append(path.stat().st_size >= row["offset"] + row["length"])
        return Captures.add(captures, row)

    monkeypatch.setattr(captures, "add", add)
    capture.capture("http://x.test/a", 200, HTML, page(1))
    assert seen == [True]


def test_transfer_encoding_is_kept_under_another_name(writer):
    capture, archive = writer
    headers = [*HTML, ("Transfer-Encoding", "chunked")]
    result = capture.capture("http://x.test/c", 200, headers, page(3))
    response = Captures.of(archive).read(result.capture_id)
    assert response.header("X-Archive-Orig-Transfer-Encoding") == "chunked"
    assert response.header("Transfer-Encoding") is None and response.payload == page(3)


def test_gzip_bodies_are_stored_as_received_and_decoded_for_reading(writer):
    import gzip

    capture, archive = writer
    body = gzip.compress(page(4))
    result = capture.capture("http://x.test/z", 200, [*HTML, ("Content-Encoding", "gzip")], body)
    response = Captures.of(archive).read(result.capture_id)
    assert response.payload == body and response.body == page(4)
    assert Captures.of(archive).get(result.capture_id)["payload_digest"] == payload_digest(body)


def test_an_unwritable_warc_folder_stops_the_crawl(tmp_path):
    (tmp_path / "not-a-folder").write_text("a file where the WARC folder should be")
    with SamplePortal() as portal:
        result = run_crawl(portal, tmp_path / "archive.db", *capture_settings(),
                           "-s", f"WARC_DIR={tmp_path / 'not-a-folder'}")
    assert result.returncode == EXIT_CODES["storage_failed"], result.stderr[-3000:]
    assert f"Cannot write {tmp_path / 'not-a-folder'}" in result.stderr
    assert "Traceback" not in result.stderr
    [run] = query(tmp_path / "archive.db", "select * from crawl_runs")
    assert run["finish_reason"] == "storage_failed"
    assert query(tmp_path / "archive.db", "select count(*) from articles")[0][0] == 0
    assert query(tmp_path / "archive.db", "select count(*) from captures")[0][0] == 0
