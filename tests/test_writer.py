"""The writer process (crawler/writer.py), driven by hand over its pipe: what it stores and
captures, the order of its answers, its errors, and how it ends. Every crawl test also goes
through it (ARCHIVE_WRITER_PROCESS is on by default)."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest
from support.articles import da_nang_article, seed_article
from support.crawls import ROOT, crawl_command, run_crawl

from archive.captures import Captures, read_record
from crawler.capture import CaptureResult
from crawler.version import extractor_version
from crawler.writer import WriterConfig, start_child
from sample_portal.faults import FaultPlan, FaultyPortal, Hang
from sample_portal.server import SamplePortal

HTML = [("Content-Type", "text/html; charset=utf-8")]


def fetch(url: str, body: bytes) -> dict:
    return {"url": url, "status": 200, "response_headers": HTML, "payload": body}


def ask(pipe, *requests: tuple) -> list[tuple]:
    """Send numbered requests; return the answers, in the order the child sent them."""
    for number, (operation, *args) in enumerate(requests, start=1):
        pipe.send((number, operation, tuple(args)))
    answers: list[tuple] = []
    while len(answers) < len(requests):
        answers.extend(pipe.recv())
    return answers


def writer_config(tmp_path: Path) -> WriterConfig:
    return WriterConfig(str(tmp_path / "tinlanhdao.db"), str(tmp_path / "warc"), 1 << 30,
                        {"isPartOf": "test"})  # fmt: skip


@pytest.fixture
def child(tmp_path: Path):
    process, pipe = start_child(writer_config(tmp_path))
    yield process, pipe
    if process.poll() is None:
        process.kill()
        process.wait()
    pipe.close()


def query(path: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(path) as connection:
        return connection.execute(sql).fetchall()


def test_stores_captures_and_links_them_answering_in_order(child, tmp_path: Path) -> None:
    process, pipe = child
    seed = seed_article(fetched_at="2024-01-01T00:00:00Z")
    answers = ask(
        pipe,
        ("capture", fetch(seed.url, b"<p>seed</p>")),
        ("store", seed, None),
        ("store", seed, None),
        ("store", da_nang_article(), None),
        ("store", seed_article(title=""), None),  # refused: no title
    )
    assert [number for number, _, _ in answers] == [1, 2, 3, 4, 5]
    captured = answers[0][2]
    assert isinstance(captured, CaptureResult) and captured.record_type == "response"
    assert [value for _, _, value in answers[1:4]] == ["new", "unchanged", "new"]
    assert answers[4][1] is False and answers[4][2][0] == "InvalidArticle"

    pipe.send(None)
    assert process.wait(30) == 0

    db = tmp_path / "tinlanhdao.db"
    assert query(db, "select url, capture_id, extractor_version from articles order by id") == [
        (seed.url, captured.capture_id, extractor_version()),  # linked to its page's capture
        (da_nang_article().url, None, None)]  # fmt: skip
    assert query(db, "select url, article_id from captures") == [(seed.url, 1)]
    warc_file, offset, length = query(db, "select warc_file, offset, length from captures")[0]
    record = read_record(Captures(None, tmp_path).path_of(warc_file), offset, length)
    assert (record.rec_type, record.payload) == ("response", b"<p>seed</p>")


def test_ignores_ctrl_c_and_sigterm_and_ends_when_the_crawl_goes_away(child, tmp_path) -> None:
    """Ctrl-C and systemd's SIGTERM reach the whole process group; the crawl decides. When
    the crawl dies (SIGKILL), the pipe closes and the child finishes what it holds, then ends."""
    process, pipe = child
    assert ask(pipe, ("store", seed_article(), None))[0][2] == "new"
    process.send_signal(signal.SIGINT)
    process.send_signal(signal.SIGTERM)
    assert ask(pipe, ("store", da_nang_article(), None))[0][2] == "new"
    pipe.send((3, "store", (seed_article(body=seed_article().body + " Thêm."), None)))
    pipe.close()  # as if the crawl was killed: no end marker
    assert process.wait(30) == 0
    db = tmp_path / "tinlanhdao.db"
    assert query(db, "select count(*) from revisions") == [(3,)]  # the last request was stored
    assert query(db, "pragma integrity_check") == [("ok",)]


def test_unknown_request_and_unwritable_warc_are_answered_as_errors(child, tmp_path) -> None:
    process, pipe = child
    (tmp_path / "warc").write_text("a file where the WARC folder should be")
    answers = ask(pipe, ("bogus",),
                  ("capture", fetch("http://x.test/a", b"a")),
                  ("store", seed_article(url="http://x.test/a"), None),  # its page: refused
                  ("store", seed_article(), None))  # fmt: skip
    assert [(ok, value[0] if not ok else value) for _, ok, value in answers] == [
        (False, "ArchiveError"), (False, "FileExistsError"), (False, "ArchiveError"),
        (True, "new")]  # fmt: skip
    assert "could not be captured" in answers[2][2][1]


def handled(tmp_path: Path, trigger: str, *requests: tuple) -> list[tuple]:
    """Requests handled in this process by the child's handler, on an archive where
    ``trigger`` (SQL) was created first; the answers as (number, ok, value or error kind)."""
    from crawler.writer import _Handler

    handler = _Handler(writer_config(tmp_path))
    handler.archive.db.executescript(trigger)
    numbered = [(n, operation, args) for n, (operation, *args) in enumerate(requests, start=1)]
    answers = handler.handle([(n, operation, tuple(args)) for n, operation, args in numbered])
    handler.close()
    return [(n, ok, value if ok else value[0]) for n, ok, value in answers]


def test_an_article_sent_as_a_dict_is_linked_to_its_capture_too(tmp_path) -> None:
    seed = seed_article(fetched_at="2024-01-01T00:00:00Z")
    answers = handled(tmp_path, "", ("capture", fetch(seed.url, b"<p>")),
                      ("store", seed.to_dict(), None))  # fmt: skip
    assert [ok for _, ok, _ in answers] == [True, True]
    db = tmp_path / "tinlanhdao.db"
    assert query(db, "select capture_id is not null from articles") == [(1,)]
    assert query(db, "select capture_id is not null from revisions") == [(1,)]


def test_a_batch_whose_commit_fails_is_answered_as_failed_and_stores_nothing(tmp_path) -> None:
    # A deferred foreign key that every new article breaks: only COMMIT checks it.
    trigger = """
        CREATE TABLE broken (ref INTEGER REFERENCES articles(id) DEFERRABLE INITIALLY DEFERRED);
        CREATE TRIGGER break_at_commit AFTER INSERT ON articles
        BEGIN INSERT INTO broken VALUES (-1); END;"""
    answers = handled(tmp_path, trigger,
                      ("capture", fetch(seed_article().url, b"<p>")),
                      ("store", seed_article(), None),
                      ("store", da_nang_article(), None))  # fmt: skip
    assert answers == [(1, False, "IntegrityError"), (2, False, "IntegrityError"),
                       (3, False, "IntegrityError")]  # fmt: skip
    db = tmp_path / "tinlanhdao.db"
    assert query(db, "select count(*) from articles") == [(0,)]
    assert query(db, "select count(*) from captures") == [(0,)]


def test_an_error_that_ends_the_batchs_transaction_fails_the_whole_batch(tmp_path) -> None:
    """An error that rolls back the whole transaction (here a ROLLBACK trigger; an I/O error
    does the same) fails every request of the batch: none is answered stored, and the stores
    after it are not committed on their own."""
    gone = "http://x.test/gone"
    trigger = f"""
        CREATE TRIGGER roll_back AFTER INSERT ON articles WHEN new.url = '{gone}'
        BEGIN SELECT RAISE(ROLLBACK, 'the whole transaction is gone'); END;"""
    answers = handled(tmp_path, trigger,
                      ("capture", fetch(seed_article().url, b"<p>")),
                      ("store", seed_article(), None), ("store", seed_article(url=gone), None),
                      ("store", da_nang_article(), None))  # fmt: skip
    assert answers == [(n, False, "IntegrityError") for n in (1, 2, 3, 4)]
    db = tmp_path / "tinlanhdao.db"
    assert query(db, "select count(*) from articles") == [(0,)]
    assert query(db, "select count(*) from captures") == [(0,)]
    assert query(db, "pragma integrity_check") == [("ok",)]


# --- In a crawl ---------------------------------------------------------------------------------


def archived(archive: Path) -> list[tuple]:
    return query(archive, "select url, content_hash, capture_id is not null from articles "
                          "order by url")  # fmt: skip


def test_a_crawl_writing_in_its_own_process_archives_the_same(tmp_path: Path) -> None:
    with SamplePortal() as portal:
        for name, extra in (("child", ()), ("inline", ("-s", "ARCHIVE_WRITER_PROCESS=False"))):
            result = run_crawl(portal, tmp_path / name / "archive.db", *extra)
            assert result.returncode == 0, result.stderr[-3000:]
    child = archived(tmp_path / "child" / "archive.db")
    inline = archived(tmp_path / "inline" / "archive.db")
    assert len(child) == 28 and child == inline
    assert all(has_capture for _, _, has_capture in child)


def writer_of(pid: int) -> int | None:
    """The pid of the writer process started by process ``pid``, if it is running."""
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":\t", 1) for line in status.read_text().splitlines()
                          if ":\t" in line)  # fmt: skip
            command = (status.parent / "cmdline").read_bytes()
        except OSError:
            continue
        if int(fields.get("PPid", "0")) == pid and b"crawler.writer" in command:
            return int(status.parent.name)
    return None


def test_the_crawl_stops_with_a_clear_error_when_its_writer_dies(tmp_path: Path) -> None:
    archive = tmp_path / "archive.db"
    plan = FaultPlan({FaultPlan.article("2023-05-19-nong-thon-moi"): Hang(60)})  # it lasts
    with FaultyPortal(plan) as portal:
        crawl = subprocess.Popen(crawl_command(portal, "-s", "DOWNLOAD_TIMEOUT=10"), cwd=ROOT,
                                 text=True,
                                 env=dict(os.environ, TINLANHDAO_ARCHIVE=str(archive)),
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
        try:
            deadline = time.monotonic() + 60
            writer = None
            while time.monotonic() < deadline:
                writer = writer_of(crawl.pid)
                if writer and archive.exists() and query(archive, STORED) != [(0,)]:
                    break
                time.sleep(0.2)
            assert writer, "no writer process found"
            os.kill(writer, signal.SIGKILL)
            _, log = crawl.communicate(timeout=120)
        finally:
            if crawl.poll() is None:
                crawl.kill()
    assert crawl.returncode == 7, log[-3000:]
    assert "archive writer process ended unexpectedly" in log
    assert "Traceback" not in log
    assert query(archive, "select status, finish_reason from crawl_runs") == [
        ("failed", "archive_writer_lost")]  # fmt: skip
    assert query(archive, "pragma integrity_check") == [("ok",)]


STORED = "select count(*) from articles"


def test_the_writer_process_uses_the_crawls_warc_settings(tmp_path: Path) -> None:
    """The pipeline starts the writer before the first capture; the capture middleware's
    settings (WARC_MAX_BYTES, the warcinfo fields) must still reach it."""
    from warcio.archiveiterator import ArchiveIterator

    with SamplePortal() as portal:
        result = run_crawl(portal, tmp_path / "archive.db", "-s", "WARC_MAX_BYTES=20000")
    assert result.returncode == 0, result.stderr[-3000:]
    files = sorted((tmp_path / "warc").glob("*.warc.gz"))
    assert len(files) > 3  # 33 fetches, about 110 KB: rotated at 20 KB
    with open(files[0], "rb") as stream:
        info = next(iter(ArchiveIterator(stream))).content_stream().read().decode()
    assert "isPartOf: tinlanhdao" in info and "robots: obey" in info
    assert f"extractor: {extractor_version()}" in info
