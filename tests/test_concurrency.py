"""Readers while the archive is written: no "database is locked", and the WAL stays bounded.

A process stores articles through ``Archive.store_article`` as fast as it can (new ones,
then edits that add revisions) while `tinlanhdao serve` (Datasette, in a subprocess) answers
searches and counts over HTTP and four reader threads query at the same time: counts through
plain read-only SQLite, ``search_articles``, ``reading.stats`` and Datasette's
JSON. A second test does the same with a real crawl (slowed by DOWNLOAD_DELAY) storing.
Readers pause 1 ms between queries (hundreds of queries a second each); readers that never
pause starve SQLite's checkpoints (a strict xfail documents it). The size of the ``-wal`` file
is sampled all along; its peak and the locked errors seen are printed (`pytest -s`).
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

import pytest
from support.articles import seed_article
from support.crawls import ROOT, crawl_command

from archive import Archive, reading, runs, storing
from archive.search import search_articles
from sample_portal.server import SamplePortal

MB = 1024 * 1024
WAL_BOUND = 64 * MB
LOCAL = urllib.request.build_opener(urllib.request.ProxyHandler({}))
SEARCHES = ["dieu phoi", "Đà Nẵng", "nong thon moi", "hoi nghi", '"thanh pho"', "can tho"]

WRITER = textwrap.dedent("""
    import sys, time
    from archive import Archive
    from support.articles import other_article, seed_article, da_nang_article
    path, seconds = sys.argv[1], float(sys.argv[2])
    stored, n, deadline = 0, 0, time.monotonic() + seconds
    with Archive(path) as archive:
        while time.monotonic() < deadline:
            n += 1
            base = (seed_article, da_nang_article)[n % 2]()
            body = (base.body + "\\n\\n") * 20 + f"Bản tin số {n}."
            url = base.url + f"-{n % 400}"  # after 400 new articles, edits become revisions
            archive.store_article(base.__class__(**{**base.__dict__, "url": url,
                                                    "body": body}))
            stored += 1
    print(stored)
""")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Readers:
    """Four reader threads and a WAL sampler, counting queries and locked errors."""

    def __init__(self, archive: Path, datasette: str, pause: float = 0.0) -> None:
        self.archive = archive
        self.pause = pause
        self.datasette = datasette
        self.stop = threading.Event()
        self.queries: Counter[str] = Counter()
        self.locked: list[str] = []
        self.errors: list[str] = []
        self.wal_peak = 0
        self._lock = threading.Lock()
        self.threads = [threading.Thread(target=t, daemon=True) for t in
                        (self._counts, self._search, self._stats, self._datasette, self._wal)]

    def _run(self, name: str, step) -> None:
        n = 0
        while not self.stop.is_set():
            n += 1
            try:
                step(n)
            except Exception as error:  # every failure is counted, locked ones apart
                with self._lock:
                    target = self.locked if "locked" in str(error).lower() else self.errors
                    target.append(f"{name}: {type(error).__name__}: {error}")
            else:
                with self._lock:
                    self.queries[name] += 1
            if self.pause:
                time.sleep(self.pause)

    def _counts(self) -> None:
        uri = f"{self.archive.resolve().as_uri()}?mode=ro"
        connection = sqlite3.connect(uri, uri=True, timeout=10)

        def step(_: int) -> None:
            connection.execute("select count(*), max(id) from articles").fetchone()
            connection.execute("select count(*) from revisions").fetchone()

        self._run("sqlite counts", step)

    def _search(self) -> None:
        with Archive(self.archive, readonly=True) as archive:
            self._run("search_articles",
                      lambda n: search_articles(archive.db, SEARCHES[n % len(SEARCHES)], limit=10))

    def _stats(self) -> None:
        with Archive(self.archive, readonly=True) as archive:
            self._run("reading.stats", lambda _: reading.stats(archive.db))

    def _datasette(self) -> None:
        def step(n: int) -> None:
            query = urllib.parse.quote(SEARCHES[n % len(SEARCHES)])
            url = (f"{self.datasette}/tinlanhdao/articles.json?_search={query}&_size=5"
                   if n % 2 else f"{self.datasette}/tinlanhdao.json?sql="
                   + urllib.parse.quote("select count(*) from articles"))
            try:
                with LOCAL.open(url, timeout=20) as answer:
                    body = answer.read().decode("utf-8")
            except urllib.error.HTTPError as error:
                body = error.read().decode("utf-8", "replace")
                raise RuntimeError(f"HTTP {error.code}: {body[:200]}") from None
            json.loads(body)

        self._run("Datasette JSON", step)

    def _wal(self) -> None:
        wal = Path(str(self.archive) + "-wal")
        while not self.stop.is_set():
            size = wal.stat().st_size if wal.exists() else 0
            self.wal_peak = max(self.wal_peak, size)
            time.sleep(0.02)

    def __enter__(self) -> Readers:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=30)


@pytest.fixture
def served_archive(tmp_path):
    """An archive with a few articles, and `tinlanhdao serve` on it."""
    from support.articles import build_archive, da_nang_article, other_article, seed_article

    path = build_archive(tmp_path / "tinlanhdao.db",
                         [seed_article(), da_nang_article(), other_article(1)])
    port = free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "tinlanhdao"), "serve", "--db", str(path), "--port",
         str(port)], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            LOCAL.open(base + "/-/versions.json", timeout=2)
            break
        except OSError:
            if time.monotonic() > deadline:
                server.kill()
                pytest.fail("tinlanhdao serve did not start")
            time.sleep(0.2)
    yield path, base
    server.terminate()
    server.wait(timeout=10)


def report(name: str, readers: Readers, written: str) -> None:
    print(f"\n[concurrency] {name}: {written}; reader queries {sum(readers.queries.values())} "
          f"{dict(readers.queries)}; locked errors {len(readers.locked)}; other errors "
          f"{len(readers.errors)}; WAL peak {readers.wal_peak / MB:.1f} MB")


# Readers that never pause used to starve the automatic checkpoints (the WAL grew to 85-160 MB
# in 6 s); storing now restarts the WAL past 16 MB (archive.store.WAL_RESTART_BYTES).
@pytest.mark.parametrize("pause", [0.001, 0.0],
                         ids=["readers-1ms-apart", "readers-never-pause"])
def test_readers_never_see_locked_while_a_writer_stores_as_fast_as_it_can(served_archive, pause):
    path, datasette = served_archive
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT / "tests"), str(ROOT)]))
    with Readers(path, datasette, pause=pause) as readers:
        writer = subprocess.run([sys.executable, "-c", WRITER, str(path), "6"], cwd=ROOT,
                                env=env, capture_output=True, text=True, timeout=120)
    assert writer.returncode == 0, writer.stderr[-3000:]
    stored = int(writer.stdout.strip())
    report(f"writer loop, readers {pause * 1000:g} ms apart", readers,
           f"{stored} articles stored in 6 s")
    assert readers.locked == []
    assert readers.errors == []
    assert stored > 200 and all(n > 10 for n in readers.queries.values()), readers.queries
    assert readers.wal_peak < WAL_BOUND
    with sqlite3.connect(path) as connection:
        assert connection.execute("pragma integrity_check").fetchone() == ("ok",)
        total = connection.execute("select count(*), count(distinct url) from articles").fetchone()
    assert total[0] == total[1]


def test_readers_never_see_locked_during_a_real_crawl(served_archive):
    path, datasette = served_archive
    env = dict(os.environ, TINLANHDAO_ARCHIVE=str(path))
    with SamplePortal() as portal, Readers(path, datasette, pause=0.001) as readers:
        crawl = subprocess.run(
            crawl_command(portal, "-s", "DOWNLOAD_DELAY=0.1", "-s", "AUTOTHROTTLE_ENABLED=False",
                          "-s", "RETRY_BACKOFF_BASE=0", local=False),
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert crawl.returncode == 0, crawl.stderr[-3000:]
    report("crawl", readers, "28 articles crawled with DOWNLOAD_DELAY=0.1")
    assert "database is locked" not in crawl.stderr
    assert readers.locked == [] and readers.errors == []
    assert readers.wal_peak < WAL_BOUND



def test_a_wal_restart_holds_up_other_writers_for_a_moment_only(tmp_path, monkeypatch):
    """The crawl restarts the WAL while a reader (Datasette, the CLI) holds a snapshot
    and another connection wants to write (a command, a second tool). A pending RESTART blocks
    writers until the readers let go; it used to wait the whole busy timeout (10 s), and the
    crawl's write could fail with "database is locked". Now it gives up within moments."""
    import archive.store

    monkeypatch.setattr(archive.store, "WAL_RESTART_BYTES", 0)
    path = tmp_path / "tinlanhdao.db"
    writer = Archive(path)
    run_id = runs.start_run(writer.db, "tinlanhdao")
    reader = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM crawl_runs").fetchall()  # a snapshot, held 3 s
    crawl = sqlite3.connect(path, timeout=10, check_same_thread=False)
    waited: dict[str, float] = {}

    def finish_run_meanwhile() -> None:
        time.sleep(0.1)  # the restart is pending by now
        started = time.monotonic()
        with crawl:
            crawl.execute("UPDATE crawl_runs SET status = 'finished' WHERE id = ?", [run_id])
        waited["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=finish_run_meanwhile)
    thread.start()
    release = threading.Timer(3.0, lambda: reader.execute("COMMIT"))
    release.start()
    writer.bound_wal()
    thread.join(30)
    assert waited["seconds"] < 1.5, waited
    release.join(10)  # the reader's snapshot is released before the connections close
    for connection in (reader, crawl):
        connection.close()
    writer.close()


def test_no_other_process_commits_between_a_writes_first_read_and_its_write(tmp_path):
    """Each of the archive's write transactions takes the write lock when it begins (BEGIN
    IMMEDIATE): another connection cannot commit between its first statement and its write,
    which SQLite would refuse at once as "database is locked" (a stale read snapshot)."""
    from archive import Archive

    path = tmp_path / "tinlanhdao.db"
    writer = Archive(path)
    run_id = runs.start_run(writer.db, "tinlanhdao")
    writer.store_article(seed_article())
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    attempts: list[str] = []

    def commit_from_elsewhere(statement: str) -> None:
        if statement.lstrip().upper().startswith(("UPDATE", "INSERT")) and len(attempts) < 3:
            try:
                other.execute("INSERT INTO failures (url, reason) VALUES ('x', 'elsewhere')")
                attempts.append("committed")
            except sqlite3.OperationalError as error:
                attempts.append(str(error))

    writer.db.conn.set_trace_callback(commit_from_elsewhere)
    runs.finish_run(writer.db, run_id, "finished", "finished", counts={"new": 1})
    assert storing.mark_removed(writer.db, seed_article().url, "2024-01-01T00:00:00Z", "http_404")
    storing.record_failure(writer.db, "http://x.test/gone", "http_404", 404, run_id)
    writer.db.conn.set_trace_callback(None)
    assert attempts == ["database is locked"] * 3  # the other connection could not commit
    assert writer.db.execute("select status from crawl_runs").fetchall() == [("finished",)]
    assert writer.db.execute("select count(*) from failures").fetchone() == (1,)
    other.close()
    writer.close()


def test_opening_the_archive_again_in_the_crawl_process_keeps_its_writes(tmp_path):
    """The crawl opens the archive twice: the run writes, the spider reads (``Archive(path,
    readonly=True)``). Opening it again must not drop the writer's SQLite locks (POSIX locks
    belong to the process: closing any descriptor on the file drops them all). Without its
    locks, a reader elsewhere that closes its connection takes itself for the last one and
    deletes the WAL under the writer, whose later commits are then lost. Found when a crawl
    paused with Ctrl-C lost its last article and the record of its end."""
    path = tmp_path / "tinlanhdao.db"
    writer = Archive(path)
    storing.record_failure(writer.db, "http://x.test/1", "http_500", 500)
    spider = Archive(path, readonly=True)  # what the spider does once the run has started
    elsewhere = ("import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); "
                 "c.execute('select count(*) from failures').fetchone(); c.close()")
    subprocess.run([sys.executable, "-c", elsewhere, str(path)], check=True, timeout=60)
    assert Path(f"{path}-wal").exists()  # the reader elsewhere knew it was not the last one
    storing.record_failure(writer.db, "http://x.test/2", "http_500", 500)
    writer.close()
    spider.close()
    with sqlite3.connect(path) as after:
        assert after.execute("select url from failures order by url").fetchall() == [
            ("http://x.test/1",), ("http://x.test/2",)]
