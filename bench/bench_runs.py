"""Benchmark scheduled runs: what a daily run costs on a section of thousands of articles.

Run by hand (not part of the tests); it takes a few minutes::

    .venv/bin/python bench/bench_runs.py                     # 10,000 articles, and 1,000
    .venv/bin/python bench/bench_runs.py --articles 2000 --small 500

It serves a synthetic section (``bench/synthetic_portal.py``: listing pages of 20 links,
articles in the current site's layout) on 127.0.0.1 and runs the operator's command,
``scrapy crawl tinlanhdao -a start_url=...``, in a subprocess with politeness off (no delay,
no AutoThrottle, 8 concurrent requests; for this local benchmark only). It reports:

- the full crawl (the first run, into an empty archive): requests, wall time, peak RSS;
- an unchanged re-run (target: at most 2 requests, robots.txt included, whatever the size);
- a run after 5 new articles on top (the new articles and the listing pages it needs);
- peak RSS of a full crawl of the small section against the big one (target: < 300 MB, flat);
- throughput against a bare Scrapy spider (``BareSpider`` below: the same listing and article
  pages downloaded with the same settings, no extraction, no storage), as a ratio of pages per
  second (target: >= 70%), and against the same bare spider given the engine settings the
  project changes from Scrapy's defaults (``ENGINE``: CONCURRENT_ITEMS, the garbage
  collector's tuning), which shows only what extracting and archiving add;
- the archive lookups the spider makes (``known_urls`` of 20 URLs, ``walk_completed``) on the
  big archive.

``--throughput ROUNDS`` runs only the three full walks (bare, bare with the engine settings,
the crawl), ROUNDS times. Every run also reports CPU seconds: the crawl's (with its writer
process) and the portal's (this process, serving it).

Peak RSS is that of the scrapy process and its writer process together (``crawler/writer.py``:
storing and WARC writing run beside the crawl, on the second core): the sum of their VmRSS,
read every 50 ms by a small wrapper process that runs the command, so each run is measured on
its own.

Last figures (10,000 articles, 2 CPUs, idle machine, 2026-11-29, three runs): throughput 0.85,
0.96 and 1.03 of the bare spider (587 / 687, 606 / 630, 638 / 623 pages/s: the bare spider
varies more than the crawl) and 0.47, 0.50 and 0.52 of the bare spider with the engine
settings (1,201-1,252 pages/s; CONCURRENT_ITEMS=8 alone, measured on its own, made a bare
spider 1.7-1.8x faster); peak RSS 178 -> 193 MB (x1.09); unchanged re-run 2 requests; after 5
new, 8 requests. Where the CPU goes (10,000 articles): the bare spider with the engine settings
8.4 s; the crawl 27-29 s on two cores, its own process about 16 s (extraction about a third of
it; it is the limit) and the writer process about 11.5 s (storing with the two full-text
indexes about half of it, WARC writing a fifth); the portal serving it about 2.8 s. The two
cores are about 85% busy, so moving work from one process to the other would gain little.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import scrapy

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from archive import Archive  # noqa: E402
from bench.synthetic_portal import SyntheticPortal  # noqa: E402
from crawler import settings as project_settings  # noqa: E402

SCRAPY = str(Path(sys.executable).parent / "scrapy")
# The engine settings the project changes from Scrapy's defaults (crawler/settings.py), for the
# second baseline: the bare spider with them too, so the ratio shows only what the crawl adds.
ENGINE = [
    f"CONCURRENT_ITEMS={project_settings.CONCURRENT_ITEMS}",
    f"WARN_ON_GENERATOR_RETURN_VALUE={project_settings.WARN_ON_GENERATOR_RETURN_VALUE}",
    'EXTENSIONS={"crawler.collector.CollectorTuning": 0}',
    f"GC_GEN0_THRESHOLD={project_settings.GC_GEN0_THRESHOLD}",
]
ENGINE = [part for setting in ENGINE for part in ("-s", setting)]
FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False",
        "-s", "CONCURRENT_REQUESTS=8", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8",
        "-s", "LOG_LEVEL=WARNING"]  # fmt: skip
# Runs the command in argv[2:] and writes the peak RSS (KiB) of it and its children together
# (the crawl and its writer process) to the file argv[1]: the sum of their VmRSS, read every
# 50 ms, or the biggest single process's ru_maxrss if that is higher.
PEAK_RSS_WRAPPER = """
import os, resource, subprocess, sys, time
def rss(pid):
    try:
        status = open(f"/proc/{pid}/status").read()
    except OSError:
        return 0
    return next((int(l.split()[1]) for l in status.splitlines() if l.startswith("VmRSS:")), 0)
def tree(pid):
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
        children = [int(c) for t in tasks
                    for c in open(f"/proc/{pid}/task/{t}/children").read().split()]
    except OSError:
        children = []
    return [pid] + [p for child in children for p in tree(child)]
process = subprocess.Popen(sys.argv[2:])
peak = 0
while process.poll() is None:
    peak = max(peak, sum(rss(pid) for pid in tree(process.pid)))
    time.sleep(0.05)
peak = max(peak, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
open(sys.argv[1], "w").write(str(peak))
sys.exit(process.returncode)
"""


class BareSpider(scrapy.Spider):
    """The baseline: downloads the same listing and article pages, extracts and stores nothing.

    Run as ``scrapy runspider bench/bench_runs.py -a start_url=...`` outside the project.
    """

    name = "bare"
    custom_settings = {"ROBOTSTXT_OBEY": True, "TELNETCONSOLE_ENABLED": False}

    def __init__(self, start_url: str = "", *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.start_urls = [start_url]

    def parse(self, response: scrapy.http.Response):
        for href in response.css(".ArticleList .ArticleItem h2.ArticleHeader a::attr(href)"):
            yield response.follow(href.get(), callback=self.article)
        for href in response.css("ul.Pagination a::attr(href)"):
            yield response.follow(href.get(), callback=self.parse)

    def article(self, response: scrapy.http.Response) -> None:
        """Downloaded; nothing else."""


@dataclass
class Run:
    label: str
    seconds: float
    requests: int  # HTTP requests the portal served (robots.txt included)
    peak_rss_mb: float
    exit_status: int
    crawl_cpu: float = 0.0  # CPU seconds of the command and its children (the writer process)
    portal_cpu: float = 0.0  # CPU seconds of this process meanwhile: the portal serving it

    @property
    def pages_per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def line(self) -> str:
        return (f"  {self.label:<38} {self.requests:>7} requests  {self.seconds:>7.1f} s  "
                f"{self.pages_per_second:>6.0f} pages/s  peak RSS {self.peak_rss_mb:>5.0f} MB  "
                f"exit {self.exit_status}  CPU s: crawl {self.crawl_cpu:.1f}, "
                f"portal {self.portal_cpu:.1f}")  # fmt: skip


def timed(label: str, portal: SyntheticPortal, command: list[str], cwd: Path,
          env: dict[str, str]) -> Run:  # fmt: skip
    """Run ``command`` under the RSS wrapper; count the requests the portal served meanwhile."""
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as rss:
        before = portal.request_count
        cpu_before = _cpu_seconds()
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", PEAK_RSS_WRAPPER, rss.name, *command],
                              cwd=cwd, env=env, capture_output=True, text=True)  # fmt: skip
        seconds = time.perf_counter() - started
        cpu = [after - before for after, before in zip(_cpu_seconds(), cpu_before, strict=True)]
        peak_kib = int(Path(rss.name).read_text() or 0)
    if done.returncode != 0:
        print(f"  ({label}: exit status {done.returncode})\n{done.stderr[-2000:]}", flush=True)
    run = Run(label, seconds, portal.request_count - before, peak_kib / 1024, done.returncode,
              *cpu)  # fmt: skip
    print(run.line(), flush=True)
    return run


def _cpu_seconds() -> tuple[float, float]:
    """(user + system CPU of finished children, of this process): children include the crawl,
    its writer process and the RSS wrapper (each waits for its own)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    own = resource.getrusage(resource.RUSAGE_SELF)
    return children.ru_utime + children.ru_stime, own.ru_utime + own.ru_stime


def crawl(label: str, portal: SyntheticPortal, archive: Path, *extra: str) -> Run:
    command = [SCRAPY, "crawl", "tinlanhdao", "-a", f"start_url={portal.section_url}",
               *FAST, *extra]  # fmt: skip
    env = dict(os.environ, TINLANHDAO_ARCHIVE=str(archive), PYTHONPATH=str(ROOT))
    return timed(label, portal, command, ROOT, env)


def bare(label: str, portal: SyntheticPortal, workdir: Path, *extra: str) -> Run:
    command = [SCRAPY, "runspider", str(Path(__file__).resolve()), "-a",
               f"start_url={portal.section_url}", *FAST, *extra]  # fmt: skip
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("SCRAPY_SETTINGS_MODULE", None)
    return timed(label, portal, command, workdir, env)  # outside the project: Scrapy's defaults


def last_run(archive: Path) -> dict:
    with sqlite3.connect(archive) as connection:
        connection.row_factory = sqlite3.Row
        row = connection.execute("select * from crawl_runs order by id desc limit 1").fetchone()
    return dict(row)


def describe(run: dict) -> str:
    return (f"    crawl_runs: mode {run['mode']}, listing pages {run['listing_pages']}, "
            f"requests {run['requests']}, new {run['articles_new']}, changed "
            f"{run['articles_changed']}, unchanged {run['articles_unchanged']}, failed "
            f"{run['articles_failed']}, exit {run['exit_status']} {run['problems']}, "
            f"layouts {run['layouts']}, reached_end {run['reached_end']}")  # fmt: skip


def lookups(archive: Path, urls: list[str]) -> str:
    with Archive(archive, readonly=True) as reader:
        started = time.perf_counter()
        for _ in range(100):
            reader.known_urls(urls)
        known = (time.perf_counter() - started) / 100 * 1e6
        started = time.perf_counter()
        reader.walk_completed()
        walk = (time.perf_counter() - started) * 1e6
    return f"known_urls(20 URLs) {known:.0f} µs, walk_completed() {walk:.0f} µs"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000, help="the big section")
    parser.add_argument("--small", type=int, default=1_000, help="the small section (memory)")
    parser.add_argument("--keep", type=Path, help="keep the archives in this folder")
    parser.add_argument(
        "--throughput",
        type=int,
        metavar="ROUNDS",
        help="only compare throughput: ROUNDS times the two bare spiders and a first run",
    )
    args = parser.parse_args()
    if args.throughput:
        throughput_rounds(args.articles, args.throughput)
        return
    workdir = Path(tempfile.mkdtemp(prefix="bench_runs_"))
    folder = args.keep or workdir
    folder.mkdir(parents=True, exist_ok=True)
    results: dict[str, Run] = {}
    try:
        print(f"Synthetic section of {args.articles} articles ({os.cpu_count()} CPUs)")
        with SyntheticPortal(args.articles) as portal:
            big = folder / "big.db"
            results["bare"] = bare("bare Scrapy spider, full walk", portal, workdir)
            results["bare_engine"] = bare("bare spider, the crawl's engine settings", portal,
                                          workdir, *ENGINE)  # fmt: skip
            results["full"] = crawl("tinlanhdao, first run (full walk)", portal, big)
            print(describe(last_run(big)))
            results["unchanged"] = crawl("tinlanhdao, unchanged re-run", portal, big)
            print(describe(last_run(big)))
            portal.add_articles(5)
            results["new5"] = crawl("tinlanhdao, after 5 new on top", portal, big)
            print(describe(last_run(big)))
            with Archive(big, readonly=True) as reader:
                sample = reader.archived_urls()[5000:5020]
            print("  archive lookups:", lookups(big, sample))
        print(f"Synthetic section of {args.small} articles")
        with SyntheticPortal(args.small) as portal:
            results["small_bare"] = bare("bare Scrapy spider, full walk", portal, workdir)
            results["small"] = crawl("tinlanhdao, first run (full walk)", portal,
                                     folder / "small.db")  # fmt: skip
        report(results, args)
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


def throughput_rounds(articles: int, rounds: int) -> None:
    """Bare spider then first run into an empty archive, ``rounds`` times, each ratio printed."""
    print(f"Synthetic section of {articles} articles ({os.cpu_count()} CPUs), {rounds} rounds")
    workdir = Path(tempfile.mkdtemp(prefix="bench_runs_"))
    ratios = []
    try:
        with SyntheticPortal(articles) as portal:
            for round_number in range(rounds):
                base = bare("bare Scrapy spider, full walk", portal, workdir)
                engine = bare("bare spider, the crawl's engine settings", portal, workdir,
                              *ENGINE)  # fmt: skip
                ours = crawl("tinlanhdao, first run (full walk)", portal,
                             workdir / f"round{round_number}.db")  # fmt: skip
                ratios.append((ours.pages_per_second / base.pages_per_second,
                               ours.pages_per_second / engine.pages_per_second))  # fmt: skip
                print(f"  round {round_number + 1}: throughput vs bare spider "
                      f"{ratios[-1][0]:.2f}, vs bare spider with the engine settings "
                      f"{ratios[-1][1]:.2f}", flush=True)  # fmt: skip
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print("throughput vs bare spider (target >= 0.70):",
          ", ".join(f"{r[0]:.2f}" for r in ratios))  # fmt: skip
    print("throughput vs bare spider with the crawl's engine settings:",
          ", ".join(f"{r[1]:.2f}" for r in ratios))  # fmt: skip


def report(r: dict[str, Run], args: argparse.Namespace) -> None:
    ratio = r["full"].pages_per_second / r["bare"].pages_per_second
    engine_ratio = r["full"].pages_per_second / r["bare_engine"].pages_per_second
    growth = r["full"].peak_rss_mb / r["small"].peak_rss_mb
    figures = {
        "unchanged re-run requests (target <= 2)": r["unchanged"].requests,
        "after 5 new: requests": r["new5"].requests,
        f"peak RSS {args.small} -> {args.articles} articles (MB, target < 300, flat)":
            f"{r['small'].peak_rss_mb:.0f} -> {r['full'].peak_rss_mb:.0f} (x{growth:.2f})",
        "bare spider peak RSS (MB)": f"{r['small_bare'].peak_rss_mb:.0f} -> "
                                     f"{r['bare'].peak_rss_mb:.0f}",
        "throughput vs bare spider (target >= 0.70)":
            f"{ratio:.2f} ({r['full'].pages_per_second:.0f} / "
            f"{r['bare'].pages_per_second:.0f} pages/s)",
        "throughput vs bare spider with the crawl's engine settings":
            f"{engine_ratio:.2f} ({r['full'].pages_per_second:.0f} / "
            f"{r['bare_engine'].pages_per_second:.0f} pages/s)",
    }  # fmt: skip
    print("\nSummary")
    for name, value in figures.items():
        print(f"  {name}: {value}")
    print(json.dumps({k: vars(v) for k, v in r.items()}, default=str))


if __name__ == "__main__":
    main()
