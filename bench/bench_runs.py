"""Benchmark scheduled runs: what a daily run costs on a section of thousands of articles.

Run by hand (not part of the tests); it takes a few minutes::

    .venv/bin/python bench/bench_runs.py                     # 10,000 articles, and 1,000
    .venv/bin/python bench/bench_runs.py --articles 2000 --small 500

It serves a synthetic section (``bench/synthetic_portal.py``: listing pages of 20 links,
articles in the current site's layout) on 127.0.0.1 and runs the operator's command,
``scrapy crawl tinlanhdao -a start_url=...``, in a subprocess with politeness off (no delay,
no AutoThrottle, 8 concurrent requests; for this local benchmark only). It reports:

- an unchanged re-run (target: at most 2 requests, robots.txt included, whatever the size);
- a run after 5 new articles on top (the new articles and the listing pages it needs);
- peak RSS of a full crawl of the small section against the big one (target: < 300 MB, flat);
- the crawl's CPU per page against a bare Scrapy spider's (``BareSpider`` below: the same
  listing and article pages downloaded with the same settings, no extraction, no storage), in
  one process each (target: at most 3x; Scrapy's defaults for the bare spider, and again with
  the crawl's CONCURRENT_ITEMS, which shows what our own code costs per page);
- the archive lookups the spider makes (``known_urls`` of 20 URLs, ``walk_completed``).

Each command's CPU time and peak RSS are its own (``wait4`` and ``VmHWM``). Figures, with the
date and the command, go in ``bench/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import os
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

from archive import Archive, reading, runs  # noqa: E402
from bench.synthetic_portal import SyntheticPortal  # noqa: E402
from crawler.settings import CONCURRENT_ITEMS as CRAWL_CONCURRENT_ITEMS  # noqa: E402

SCRAPY = str(Path(sys.executable).parent / "scrapy")
FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False",
        "-s", "CONCURRENT_REQUESTS=8", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8",
        "-s", "LOG_LEVEL=WARNING"]  # fmt: skip


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
    cpu: float  # CPU seconds of the command's process
    peak_rss_mb: float
    exit_status: int

    @property
    def cpu_ms_per_page(self) -> float:
        return 1000 * self.cpu / self.requests if self.requests else 0.0

    def line(self) -> str:
        return (f"  {self.label:<36} {self.requests:>7} requests  {self.seconds:>6.1f} s  "
                f"CPU {self.cpu:>6.1f} s ({self.cpu_ms_per_page:.2f} ms/page)  "
                f"peak RSS {self.peak_rss_mb:>4.0f} MB  exit {self.exit_status}")  # fmt: skip


def measured(label: str, portal: SyntheticPortal, command: list[str], cwd: Path,
             env: dict[str, str]) -> Run:  # fmt: skip
    """Run ``command``; its CPU (wait4), its peak RSS (VmHWM) and the requests it made."""
    before = portal.request_count
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)  # fmt: skip
    peak_kb = 0
    while True:
        peak_kb = max(peak_kb, _vm_hwm_kb(process.pid))
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        time.sleep(0.05)
    seconds = time.perf_counter() - started
    exit_status = os.waitstatus_to_exitcode(status)
    if exit_status != 0:
        print(f"  ({label}: exit status {exit_status})\n{process.stderr.read()[-2000:]}")
    run = Run(label, seconds, portal.request_count - before, usage.ru_utime + usage.ru_stime,
              peak_kb / 1024, exit_status)  # fmt: skip
    print(run.line(), flush=True)
    return run


def _vm_hwm_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            return next((int(line.split()[1]) for line in status if line.startswith("VmHWM:")), 0)
    except OSError:
        return 0


def crawl(label: str, portal: SyntheticPortal, archive: Path) -> Run:
    command = [SCRAPY, "crawl", "tinlanhdao", "-a", f"start_url={portal.section_url}", *FAST]
    env = dict(os.environ, TINLANHDAO_ARCHIVE=str(archive), PYTHONPATH=str(ROOT))
    return measured(label, portal, command, ROOT, env)


def bare(label: str, portal: SyntheticPortal, workdir: Path, *settings: str) -> Run:
    command = [SCRAPY, "runspider", str(Path(__file__).resolve()), "-a",
               f"start_url={portal.section_url}", *FAST, *settings]  # fmt: skip
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("SCRAPY_SETTINGS_MODULE", None)
    return measured(label, portal, command, workdir, env)  # outside the project


def describe(archive: Path) -> str:
    with sqlite3.connect(archive) as connection:
        connection.row_factory = sqlite3.Row
        run = connection.execute("select * from crawl_runs order by id desc limit 1").fetchone()
    return (f"    crawl_runs: mode {run['mode']}, listing pages {run['listing_pages']}, "
            f"new {run['articles_new']}, unchanged {run['articles_unchanged']}, failed "
            f"{run['articles_failed']}, exit {run['exit_status']} {run['problems']}")


def lookups(archive: Path) -> str:
    with Archive(archive, readonly=True) as reader:
        urls = reading.archived_urls(reader.db)
        urls = urls[len(urls) // 2:][:20]
        started = time.perf_counter()
        for _ in range(100):
            reading.known_urls(reader.db, urls)
        known = (time.perf_counter() - started) / 100 * 1e6
        started = time.perf_counter()
        runs.walk_completed(reader.db)
        walk = (time.perf_counter() - started) * 1e6
    return f"known_urls(20 URLs) {known:.0f} µs, walk_completed() {walk:.0f} µs"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000, help="the big section")
    parser.add_argument("--small", type=int, default=1_000, help="the small section (memory)")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bench_runs_"))
    try:
        print(f"Synthetic section of {args.articles} articles ({os.cpu_count()} CPUs)")
        with SyntheticPortal(args.articles) as portal:
            big = workdir / "big.db"
            base = bare("bare Scrapy spider, full walk", portal, workdir)
            alike = bare(f"bare spider, CONCURRENT_ITEMS={CRAWL_CONCURRENT_ITEMS}", portal,
                         workdir, "-s", f"CONCURRENT_ITEMS={CRAWL_CONCURRENT_ITEMS}")
            full = crawl("tinlanhdao, first run (full walk)", portal, big)
            print(describe(big))
            unchanged = crawl("tinlanhdao, unchanged re-run", portal, big)
            portal.add_articles(5)
            new5 = crawl("tinlanhdao, after 5 new on top", portal, big)
            print(describe(big))
            print("  archive lookups:", lookups(big))
        print(f"Synthetic section of {args.small} articles")
        with SyntheticPortal(args.small) as portal:
            small = crawl("tinlanhdao, first run (full walk)", portal, workdir / "small.db")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print("\nSummary")
    print(f"  unchanged re-run requests (target <= 2): {unchanged.requests}")
    print(f"  after 5 new: requests: {new5.requests}")
    print(f"  peak RSS {args.small} -> {args.articles} articles (MB, target < 300, flat): "
          f"{small.peak_rss_mb:.0f} -> {full.peak_rss_mb:.0f} "
          f"(x{full.peak_rss_mb / small.peak_rss_mb:.2f})")
    print(f"  CPU per page, crawl / bare spider (target <= 3): "
          f"{full.cpu_ms_per_page / base.cpu_ms_per_page:.2f} "
          f"({full.cpu_ms_per_page:.2f} / {base.cpu_ms_per_page:.2f} ms)")
    print(f"  the same against the bare spider with the crawl's CONCURRENT_ITEMS: "
          f"{full.cpu_ms_per_page / alike.cpu_ms_per_page:.2f} "
          f"({full.cpu_ms_per_page:.2f} / {alike.cpu_ms_per_page:.2f} ms)")


if __name__ == "__main__":
    main()
