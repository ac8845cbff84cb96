"""Benchmark raw captures: reprocessing throughput and WARC bytes per article.

Run by hand (not part of the tests)::

    .venv/bin/python bench/bench_reprocess.py                  # 10,000 captures, temporary
    .venv/bin/python bench/bench_reprocess.py --captures 2000 --keep /tmp/bench-captures
    .venv/bin/python bench/bench_reprocess.py --no-crawl       # skip the real sample crawls

What it does:

1. Synthetic first crawl: ``--captures`` article pages made from the 28 sample-portal pages
   (page ``i`` is sample ``i % 28`` with its title numbered and two common words swapped, so
   every page and every extracted article differs), each captured by ``WarcCapture`` exactly
   as the crawl does (request + response record, fsync, index row), extracted by
   ``extract_page`` and stored with its provenance. Reported: captures written per second and
   WARC bytes per article.
2. Synthetic unchanged run: the same pages fetched again: revisit records only. Reported: WARC
   bytes per article. The articles' latest captures are now revisits, so reprocessing reads two
   records per article (the revisit and the response it refers to): the slower case.
3. Reprocessing (``archive.reprocess.reprocess``, one transaction per article, as the CLI runs
   it): with the same rules (nothing changes) in one process and with ``--workers`` extraction
   processes, with a rule that drops the author (every article with a byline gets a revision),
   and with the rule restored. Reported: articles per second.
   Target: 10,000 captures in under 60 s on 2 cores.
4. Real crawls of the sample portal over HTTP (unless ``--no-crawl``): a first crawl, a full
   re-crawl of the unchanged portal, an incremental daily run. Reported: WARC bytes per article
   and per run.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from archive import Archive  # noqa: E402
from archive.captures import Captures  # noqa: E402
from archive.reprocess import reprocess  # noqa: E402
from crawler.capture import WarcCapture  # noqa: E402
from crawler.extraction import extract_page, extractor_version  # noqa: E402

SITE = ROOT / "sample_portal" / "site"
BASE = "https://www.cantho.gov.vn"
REQUEST_HEADERS = [
    ("User-Agent", "tinlanhdao-archiver/0.1 (+https://github.com/tinlanhdao/tinlanhdao)"),
    ("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
    ("Accept-Language", "en"),
    ("Accept-Encoding", "gzip, deflate"),
]
SWAPS = [("thành phố", "thành phố Cần Thơ"), ("triển khai", "thực hiện"),
         ("kinh tế", "kinh tế - xã hội"), ("người dân", "nhân dân"),
         ("phát triển", "phát triển bền vững"), ("kiểm tra", "giám sát")]  # fmt: skip


def sample_pages() -> list[tuple[dict, bytes]]:
    manifest = json.loads((SITE / "manifest.json").read_text("utf-8"))
    return [(entry, (SITE / entry["file"]).read_bytes()) for entry in manifest]


def varied(entry: dict, page: bytes, number: int) -> bytes:
    """Sample page ``entry`` with a numbered title and two common words swapped."""
    charset = entry["charset"]
    text = page.decode(charset)
    text = text.replace(entry["title"], f"{entry['title']} (bản tin số {number})")
    rng = random.Random(number)
    for old, new in rng.sample(SWAPS, 2):
        at = text.rfind(old)
        if at > 0:
            text = text[:at] + new + text[at + len(old):]
    return text.encode(charset, errors="xmlcharrefreplace")


def headers_for(entry: dict) -> list[tuple[str, str]]:
    return [("Content-Type", f"text/html; charset={entry['charset']}"),
            ("Server", "Microsoft-IIS/10.0"), ("Date", "Mon, 01 Dec 2025 01:00:00 GMT")]


def warc_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.glob("*.warc.gz"))


def synthetic_run(archive: Archive, warc_dir: Path, count: int, store: bool) -> dict:
    """Capture ``count`` varied pages (and, on the first run, extract and store them)."""
    samples = sample_pages()
    captures = Captures.of(archive)
    writer = WarcCapture(captures, warc_dir)
    before = warc_bytes(warc_dir) if warc_dir.exists() else 0
    capture_seconds = 0.0
    kinds: dict[str, int] = {}
    started = time.perf_counter()
    for number in range(count):
        entry, page = samples[number % len(samples)]
        body = varied(entry, page, number)
        url = f"{BASE}{entry['path']}-{number}"
        t0 = time.perf_counter()
        result = writer.capture(url, 200, headers_for(entry), body,
                                request_headers=REQUEST_HEADERS)
        capture_seconds += time.perf_counter() - t0
        kinds[result.record_type] = kinds.get(result.record_type, 0) + 1
        content_type = headers_for(entry)[0][1]
        article = extract_page(body, url, content_type=content_type)
        if store:
            archive.store_article(article)
        captures.set_provenance(article.url, result.capture_id, extractor_version(),
                                fetched_at=article.fetched_at)
    writer.close()
    added = warc_bytes(warc_dir) - before
    return {"captures": count, "records": kinds, "seconds": time.perf_counter() - started,
            "captures_per_s": count / capture_seconds, "warc_bytes": added,
            "bytes_per_article": added / count}


def drop_author(*args, **kwargs):
    return dataclasses.replace(extract_page(*args, **kwargs), author="", content_hash="")


def timed_reprocess(archive: Archive, label: str, **options) -> dict:
    started = time.perf_counter()
    report = reprocess(archive, **options)
    seconds = time.perf_counter() - started
    return {"run": label, "articles": report.selected, "changed": report.changed,
            "failed": len(report.problems), "seconds": round(seconds, 2),
            "articles_per_s": round(report.selected / seconds, 1)}


def real_crawls() -> dict:
    from support.captures import crawled, query

    data = crawled()
    figures = {}
    for run, name in ((1, "first crawl"), (2, "full re-crawl, unchanged"),
                      (3, "incremental daily run, unchanged")):
        [warc_file] = {r["warc_file"] for r in query(
            data.archive, "select warc_file from captures where run_id = ?", run)}
        size = (data.folder / warc_file).stat().st_size
        rows = query(data.archive, "select record_type, count(*) AS n from captures "
                     "where run_id = ? group by record_type", run)
        figures[name] = {"warc_file_bytes": size, "bytes_per_article": round(size / 28),
                         "records": {r["record_type"]: r["n"] for r in rows}}
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--captures", type=int, default=10_000)
    parser.add_argument("--keep", type=Path, help="build in this folder and keep it")
    parser.add_argument("--no-crawl", action="store_true", help="skip the real sample crawls")
    parser.add_argument("--workers", type=int, default=min(4, os.cpu_count() or 1),
                        help="extraction processes (default: as `tinlanhdao reprocess`)")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="bench-reprocess-"))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "archive.db"
    print(f"{args.captures} synthetic captures in {folder} (cores: {os.cpu_count()})")
    try:
        with Archive(path) as archive:
            first = synthetic_run(archive, folder / "warc", args.captures, store=True)
            print(f"first crawl: {first['records']}, capture {first['captures_per_s']:.0f}/s "
                  f"(with fsync), {first['warc_bytes'] / 1e6:.1f} MB WARC = "
                  f"{first['bytes_per_article']:.0f} bytes/article "
                  f"(whole run incl. extract+store {first['seconds']:.1f} s)")
            again = synthetic_run(archive, folder / "warc", args.captures, store=False)
            print(f"unchanged run: {again['records']}, {again['warc_bytes'] / 1e6:.2f} MB WARC = "
                  f"{again['bytes_per_article']:.0f} bytes/article")
            for label, options in (
                ("same rules, 1 process", {"workers": 1}),
                (f"same rules, {args.workers} workers", {"workers": args.workers}),
                ("rule changed: drop the author", {"extract": drop_author, "workers": args.workers,
                                                   "extractor_version": "bench+no-author"}),
                ("rule restored", {"workers": args.workers}),
            ):
                figures = timed_reprocess(archive, label, **options)
                print(f"reprocess ({label}): {figures['articles']} articles, "
                      f"{figures['changed']} changed, {figures['failed']} failed, "
                      f"{figures['seconds']} s = {figures['articles_per_s']} articles/s")
        if not args.no_crawl:
            print("real crawls of the sample portal (28 articles):")
            for name, figures in real_crawls().items():
                print(f"  {name}: {figures['records']}, WARC file {figures['warc_file_bytes']} "
                      f"bytes = {figures['bytes_per_article']} bytes/article")
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
