"""Benchmark the scale-out plan (docs/scale-out.md) on loopback: many portals under one Scrapyd,
and the nightly merge of per-portal archives into one read-only database for Datasette.

Run by hand (not part of the tests); with the defaults it takes a few minutes::

    .venv/bin/python bench/bench_scaleout.py                  # 8 jobs, then 63 archives
    .venv/bin/python bench/bench_scaleout.py --jobs 4 --delay 0.5 --portals 10

1. **Jobs.** ``--jobs`` synthetic portals (``bench/synthetic_portal.py``, ``--articles`` each),
   each on its own port of 127.0.0.1, and a real Scrapyd (``max_proc`` = ``--jobs``) to which
   the project is deployed with ``scrapyd-deploy``, as ``tests/test_deploy_scrapyd.py`` does.
   One job per portal is scheduled at once, each with its own archive, with the live
   politeness settings (one request at a time, AutoThrottle on) and ``DOWNLOAD_DELAY`` =
   ``--delay`` (the live value, 2 s, by default). For each job: peak RSS (``VmHWM`` of the job's
   process, read from /proc while it runs), CPU seconds, requests its portal served, and the
   rate between its first and last request. Each archive must hold every article and a run
   with exit status 0.
2. **Merge.** One archive of ``--merge-articles`` articles is crawled (politeness off, for
   this local benchmark only) and copied as ``--portals`` portals' archives (each copy's URLs
   on a host of its own, ``pNN.portal.test``; not timed). Then the plan's
   nightly merge: a snapshot of each (``VACUUM INTO``), and one new archive (the project's
   schema, a ``portal`` column added to ``articles``) into which every snapshot's articles,
   revisions, images, attachments and captures are copied with ids renumbered, the search
   indexes filled by their triggers as rows arrive; then FTS5 ``optimize``. Datasette then
   serves the merged file immutable; the articles page and a search are timed through
   ``datasette.client``.

Figures, with the date and the command, go in the "Scale-out" section of ``bench/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from archive import Archive  # noqa: E402
from bench.synthetic_portal import SyntheticPortal  # noqa: E402

BIN = Path(sys.executable).parent
PROJECT_FILES = ("crawler", "archive", "sample_portal", "pyproject.toml", "scrapy.cfg",
                 "README.md")  # fmt: skip
FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False",
        "-s", "CONCURRENT_REQUESTS=8", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8",
        "-s", "LOG_LEVEL=WARNING"]  # fmt: skip
MERGED_TABLES = ("captures", "revisions", "articles", "images", "attachments")
# Columns that point at another copied table's ids, renumbered with it; run_id points at the
# portal's crawl_runs, which stay in the portal's archive.
REFERENCES = {"article_id": "articles", "revision_id": "revisions", "capture_id": "captures",
              "refers_to_id": "captures"}  # fmt: skip


class TimedPortal(SyntheticPortal):
    """A synthetic portal that also notes when each request came."""

    def __init__(self, articles: int) -> None:
        super().__init__(articles=articles)
        self.times: list[float] = []
        self._times_lock = threading.Lock()

    def count_request(self, path: str) -> None:
        super().count_request(path)
        with self._times_lock:
            self.times.append(time.monotonic())


# --- 1. N jobs under one Scrapyd ---------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _api(base: str, endpoint: str, data: list[tuple[str, str]] | None = None) -> dict:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    with urllib.request.urlopen(f"{base}/{endpoint}", data=body, timeout=30) as answer:
        return json.loads(answer.read())


def _proc(pid: int) -> tuple[int, int, float]:
    """(VmHWM kB, VmRSS kB, CPU seconds) of a live process; zeros once it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text("ascii")
        stat = Path(f"/proc/{pid}/stat").read_text("ascii")
    except OSError:
        return 0, 0, 0.0
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    ticks = stat.rsplit(")", 1)[1].split()
    cpu = (int(ticks[11]) + int(ticks[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime
    return (int(fields.get("VmHWM", "0 kB").split()[0]),
            int(fields.get("VmRSS", "0 kB").split()[0]), cpu)  # fmt: skip


@dataclass
class Job:
    portal: TimedPortal
    archive: Path
    job_id: str = ""
    pid: int = 0
    peak_kb: int = 0
    cpu: float = 0.0
    started: float = 0.0
    ended: float = 0.0
    articles: int = 0
    runs: list = field(default_factory=list)

    def rate(self) -> float:
        times = self.portal.times
        return (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 else 0.0


def _deploy(workdir: Path, base: str, env: dict[str, str]) -> None:
    project = workdir / "project"
    project.mkdir()
    for name in PROJECT_FILES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, project / name,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))  # fmt: skip
        else:
            shutil.copy2(source, project / name)
    config = (project / "scrapy.cfg").read_text("utf-8")
    (project / "scrapy.cfg").write_text(re.sub(r"url = http://\S+", f"url = {base}/", config),
                                        encoding="utf-8")  # fmt: skip
    deploy = subprocess.run([str(BIN / "scrapyd-deploy")], cwd=project, env=env,
                            capture_output=True, text=True, timeout=300)  # fmt: skip
    if deploy.returncode != 0:
        raise SystemExit(f"scrapyd-deploy failed:\n{deploy.stderr[-3000:]}")


def bench_jobs(count: int, articles: int, delay: float, workdir: Path) -> dict:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = workdir / "scrapyd"
    server.mkdir(parents=True)
    (server / "scrapyd.conf").write_text(
        "[scrapyd]\nbind_address = 127.0.0.1\n"
        f"http_port = {port}\npoll_interval = 0.2\nmax_proc = {count}\n"
        "eggs_dir = eggs\nlogs_dir = logs\ndbs_dir = dbs\nitems_dir =\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "TINLANHDAO_ARCHIVE"}
    log = open(server / "scrapyd.log", "w")  # noqa: SIM115 (closed below)
    scrapyd = subprocess.Popen([str(BIN / "scrapyd")], cwd=server, env=env, stdout=log,
                               stderr=subprocess.STDOUT)  # fmt: skip
    jobs = [Job(TimedPortal(articles), workdir / f"portal{n}" / "tinlanhdao.db")
            for n in range(count)]  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                _api(base, "daemonstatus.json")
                break
            except OSError:
                if scrapyd.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("Scrapyd did not start") from None
                time.sleep(0.3)
        _deploy(workdir, base, env)
        scrapyd_before = _proc(scrapyd.pid)[1]
        for job in jobs:
            job.portal.start()
            job.archive.parent.mkdir()
        settings = {"DOWNLOAD_DELAY": str(delay), "AUTOTHROTTLE_START_DELAY": str(delay)}
        began = time.monotonic()
        for job in jobs:
            data = [("project", "tinlanhdao"), ("spider", "tinlanhdao"),
                    ("start_url", job.portal.section_url),
                    ("setting", f"ARCHIVE_PATH={job.archive}"),
                    *(("setting", f"{k}={v}") for k, v in settings.items())]  # fmt: skip
            job.job_id = _api(base, "schedule.json", data)["jobid"]
        by_id = {job.job_id: job for job in jobs}
        scrapyd_peak = 0
        while True:
            listing = _api(base, "listjobs.json?project=tinlanhdao")
            for entry in listing["running"]:
                job = by_id[entry["id"]]
                if not job.pid and entry.get("pid"):
                    job.pid, job.started = int(entry["pid"]), time.monotonic()
            for job in jobs:
                if job.pid and not job.ended:
                    peak, _, cpu = _proc(job.pid)
                    if peak:
                        job.peak_kb, job.cpu = max(job.peak_kb, peak), cpu
            finished = {entry["id"] for entry in listing["finished"]}
            for job in jobs:
                if job.job_id in finished and not job.ended:
                    job.ended = time.monotonic()
            scrapyd_peak = max(scrapyd_peak, _proc(scrapyd.pid)[1])
            if len(finished) == count:
                break
            if time.monotonic() - began > 3600:
                raise SystemExit("the jobs did not finish within an hour")
            time.sleep(0.1)
        wall = time.monotonic() - began
    finally:
        for job in jobs:
            job.portal.stop()
            if job.pid and not job.ended:
                try:
                    os.kill(job.pid, signal.SIGTERM)
                except OSError:
                    pass
        scrapyd.terminate()
        scrapyd.wait(timeout=30)
        log.close()
    for job in jobs:
        with sqlite3.connect(f"file:{job.archive}?mode=ro", uri=True) as db:
            job.articles = db.execute("SELECT count(*) FROM articles").fetchone()[0]
            job.runs = db.execute("SELECT exit_status FROM crawl_runs").fetchall()
        db.close()
    return {"jobs": jobs, "wall": wall, "scrapyd_rss_mb": (scrapyd_before / 1024,
            scrapyd_peak / 1024)}  # fmt: skip


def report_jobs(result: dict, articles: int, delay: float) -> None:
    jobs: list[Job] = result["jobs"]
    ok = all(job.articles == articles and job.runs == [(0,)] for job in jobs)
    peaks = [job.peak_kb / 1024 for job in jobs]
    rates = [job.rate() for job in jobs]
    cpus = [job.cpu for job in jobs]
    requests = [job.portal.request_count for job in jobs]
    spans = [job.ended - job.started for job in jobs if job.started]
    start_ups = [job.portal.times[0] - job.started for job in jobs if job.started]
    wind_downs = [job.ended - job.portal.times[-1] for job in jobs if job.ended]
    print(f"\n{len(jobs)} concurrent Scrapyd jobs, {articles} articles each, "
          f"DOWNLOAD_DELAY={delay} (AutoThrottle on), one portal each on 127.0.0.1")
    print(f"  every archive complete, exit status 0: {ok}")
    print(f"  requests per job: {min(requests)}-{max(requests)}")
    print(f"  peak RSS per job: median {statistics.median(peaks):.0f} MB, "
          f"max {max(peaks):.0f} MB; all jobs together {sum(peaks):.0f} MB")
    print(f"  CPU per job: median {statistics.median(cpus):.1f} s")
    print(f"  rate per job (first to last request): median {statistics.median(rates):.3f} "
          f"req/s, min {min(rates):.3f}, max {max(rates):.3f} "
          f"(a request every {1 / statistics.median(rates):.2f} s)")
    print(f"  job time (seen running to finished): median {statistics.median(spans):.0f} s, "
          f"max {max(spans):.0f} s; all {len(jobs)} jobs {result['wall']:.0f} s")
    print(f"  start-up (seen running to first request): median "
          f"{statistics.median(start_ups):.1f} s; last request to finished: median "
          f"{statistics.median(wind_downs):.1f} s")
    before, peak = result["scrapyd_rss_mb"]
    print(f"  Scrapyd's own RSS: {before:.0f} MB idle, {peak:.0f} MB at most")


# --- 2. the nightly merge ------------------------------------------------------------------------


def crawl_archive(articles: int, archive: Path) -> float:
    """Crawl a synthetic portal of ``articles`` into ``archive``, politeness off; seconds."""
    with SyntheticPortal(articles=articles) as portal:
        env = dict(os.environ, TINLANHDAO_ARCHIVE=str(archive), PYTHONPATH=str(ROOT))
        started = time.perf_counter()
        done = subprocess.run([str(BIN / "scrapy"), "crawl", "tinlanhdao", "-a",
                               f"start_url={portal.section_url}", *FAST],
                              cwd=ROOT, env=env, capture_output=True, text=True)  # fmt: skip
        if done.returncode != 0:
            raise SystemExit(f"crawl failed ({done.returncode}):\n{done.stderr[-3000:]}")
        return time.perf_counter() - started


def _columns(db: sqlite3.Connection, schema: str, table: str) -> list[str]:
    """The table's stored columns (generated ones left out)."""
    return [row[1] for row in db.execute(f"PRAGMA {schema}.table_xinfo({table})")
            if row[6] == 0]  # fmt: skip


def merge(snapshots: list[tuple[str, Path]], target: Path, reindex: bool) -> dict[str, float]:
    """Copy every snapshot's articles and their tables into a new archive at ``target``: the
    search indexes filled by their triggers as rows arrive, or (``reindex``) with the insert
    triggers dropped during the copy and ``tinlanhdao reindex`` once at the end."""
    timings: dict[str, float] = {}
    started = time.perf_counter()
    Archive(target).close()  # the project's schema, search indexes and their triggers included
    db = sqlite3.connect(target, isolation_level=None)
    db.execute("PRAGMA journal_mode = OFF")  # a file built from scratch, then renamed in
    db.execute("PRAGMA synchronous = OFF")
    db.execute("ALTER TABLE articles ADD COLUMN portal TEXT")
    triggers = db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                          "AND tbl_name = 'articles' AND sql LIKE '%AFTER INSERT%'").fetchall()
    if reindex:
        for name, _ in triggers:
            db.execute(f"DROP TRIGGER {name}")
    timings["schema"] = time.perf_counter() - started
    started = time.perf_counter()
    for portal, snapshot in snapshots:
        db.execute("ATTACH DATABASE ? AS portal", [f"file:{snapshot}?mode=ro"])
        db.execute("BEGIN")
        offsets = {table: db.execute(f"SELECT coalesce(max(id), 0) FROM main.{table}")
                   .fetchone()[0] for table in MERGED_TABLES}  # fmt: skip
        for table in MERGED_TABLES:
            theirs = set(_columns(db, "portal", table))
            columns = [c for c in _columns(db, "main", table) if c in theirs or c == "portal"]
            values = []
            for column in columns:
                if column == "id":
                    values.append(f"id + {offsets[table]}")
                elif column in REFERENCES:
                    values.append(f"{column} + {offsets[REFERENCES[column]]}")
                elif column == "run_id":
                    values.append("NULL")
                elif column == "portal":
                    values.append("?")
                else:
                    values.append(column)
            db.execute(
                f"INSERT INTO main.{table} ({', '.join(columns)}) "
                f"SELECT {', '.join(values)} FROM portal.{table}",
                [portal] if "portal" in columns else [],
            )
        db.execute("COMMIT")
        db.execute("DETACH DATABASE portal")
    timings["copy"] = time.perf_counter() - started
    timings["reindex"] = 0.0
    if reindex:
        for _, sql in triggers:
            db.execute(sql)
        db.execute("PRAGMA journal_mode = DELETE")
        started = time.perf_counter()
        done = subprocess.run([str(BIN / "tinlanhdao"), "reindex", "--db", str(target)],
                              capture_output=True, text=True)  # fmt: skip
        if done.returncode != 0:
            raise SystemExit(f"tinlanhdao reindex failed:\n{done.stderr[-2000:]}")
        timings["reindex"] = time.perf_counter() - started
    started = time.perf_counter()
    for index in ("articles_fts", "articles_fts_marks", "articles_fts_pairs"):
        db.execute(f"INSERT INTO {index}({index}) VALUES ('optimize')")
    db.execute("PRAGMA optimize")
    timings["optimize"] = time.perf_counter() - started
    db.close()
    return timings


def time_datasette(target: Path, query: str) -> dict[str, float]:
    """Median milliseconds of the articles page and of a search, Datasette serving ``target``
    immutable (``datasette -i``), through its in-process client, three times each; the
    articles page also with Datasette's facet suggestions off (``--setting suggest_facets
    off``), which try each column in turn."""
    from datasette.app import Datasette

    datasette = Datasette([], immutables=[str(target)])
    quiet = Datasette([], immutables=[str(target)], settings={"suggest_facets": False})
    name = target.stem
    paths = {"articles page": (datasette, f"/{name}/articles"),
             "articles page, suggest_facets off": (quiet, f"/{name}/articles"),
             "search": (datasette, f"/{name}/articles?_search={urllib.parse.quote(query)}")}

    async def timed() -> dict[str, float]:
        await datasette.invoke_startup()
        await quiet.invoke_startup()
        found = {}
        for label, (server, path) in paths.items():
            times = []
            for _ in range(3):
                started = time.perf_counter()
                answer = await server.client.get(path)
                times.append((time.perf_counter() - started) * 1000)
                if answer.status_code != 200:
                    raise SystemExit(f"{path}: HTTP {answer.status_code}")
            found[label] = statistics.median(times)
        return found

    return asyncio.run(timed())


def bench_merge(portals: int, articles: int, workdir: Path) -> None:
    source = workdir / "crawled" / "tinlanhdao.db"
    source.parent.mkdir()
    crawl_seconds = crawl_archive(articles, source)
    source_mb = source.stat().st_size / 2**20
    print(f"\nmerge: one portal's archive of {articles} articles crawled in {crawl_seconds:.0f} s "
          f"(politeness off), {source_mb:.1f} MB; copied as {portals} portals' archives")
    archives = []
    for n in range(portals):
        folder = workdir / "portals" / f"p{n:02d}"
        folder.mkdir(parents=True)
        shutil.copy2(source, folder / "tinlanhdao.db")
        with sqlite3.connect(folder / "tinlanhdao.db") as db:  # each portal has its own host
            for table in ("articles", "captures"):
                db.execute(f"UPDATE {table} SET url = replace(url, 'http://127.0.0.1:', ?)",
                           [f"http://p{n:02d}.portal.test:"])  # fmt: skip
        db.close()
        archives.append((f"p{n:02d}", folder / "tinlanhdao.db"))
    started = time.perf_counter()
    snapshots = []
    for portal, path in archives:
        snapshot = path.with_name("snapshot.db")
        db = sqlite3.connect(path)
        db.execute("VACUUM INTO ?", [str(snapshot)])
        db.close()
        snapshots.append((portal, snapshot))
    snapshot_seconds = time.perf_counter() - started
    print(f"  snapshots (VACUUM INTO), {portals} archives: {snapshot_seconds:.1f} s")
    for reindex in (False, True):
        target = workdir / ("merged-reindexed.db" if reindex else "merged.db")
        report_merge(merge(snapshots, target, reindex), target, reindex)


def report_merge(timings: dict[str, float], target: Path, reindex: bool) -> None:
    with sqlite3.connect(f"file:{target}?mode=ro", uri=True) as db:
        merged = db.execute("SELECT count(*) FROM articles").fetchone()[0]
        portals_seen = db.execute("SELECT count(DISTINCT portal) FROM articles").fetchone()[0]
        word = db.execute("SELECT title FROM articles LIMIT 1").fetchone()[0].split()[0]
        hits = db.execute("SELECT count(*) FROM articles_fts WHERE articles_fts MATCH ?",
                          [f'"{word}"']).fetchone()[0]  # fmt: skip
    db.close()
    seconds = timings["copy"] + timings["reindex"]
    how = ("insert triggers off, then `tinlanhdao reindex`" if reindex
           else "search indexes filled by their triggers")  # fmt: skip
    print(f"  merged archive ({how}): {merged:,} articles from {portals_seen} portals, "
          f"{target.stat().st_size / 2**20:.0f} MB; '{word}' found in {hits:,}")
    print(f"    schema {timings['schema']:.1f} s; copy {timings['copy']:.1f} s; reindex "
          f"{timings['reindex']:.1f} s; together {seconds:.1f} s ({merged / seconds:.0f} "
          f"articles/s); FTS optimize {timings['optimize']:.1f} s")
    for label, ms in time_datasette(target, word).items():
        print(f"  Datasette -i, {label}: {ms:.0f} ms (median of 3)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=8, help="concurrent Scrapyd jobs (8)")
    parser.add_argument("--articles", type=int, default=20, help="articles per job's portal")
    parser.add_argument("--delay", type=float, default=2.0, help="DOWNLOAD_DELAY of the jobs")
    parser.add_argument("--portals", type=int, default=63, help="archives merged (63)")
    parser.add_argument("--merge-articles", type=int, default=1000,
                        help="articles in each merged archive (1000)")
    parser.add_argument("--skip-jobs", action="store_true")
    parser.add_argument("--skip-merge", action="store_true")
    args = parser.parse_args()
    # Ctrl-C or kill: stop Scrapyd, its jobs and the portals (the `finally` blocks) first.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    workdir = Path(tempfile.mkdtemp(prefix="tinlanhdao-scaleout-"))
    try:
        if not args.skip_jobs:
            report_jobs(bench_jobs(args.jobs, args.articles, args.delay, workdir / "jobs"),
                        args.articles, args.delay)  # fmt: skip
        if not args.skip_merge:
            (workdir / "merge").mkdir()
            bench_merge(args.portals, args.merge_articles, workdir / "merge")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
