"""Benchmark: what our own code costs per article page, on real pages and on the synthetic ones.

``bench/bench_runs.py`` measures the crawl's CPU per page against a bare Scrapy spider, but on
the synthetic section (``bench/synthetic_portal.py``): pages we wrote, in a layout our
extraction knows. The live portal's pages may match no layout; then the fallback reads them.
This script measures, in one process, the two steps of our code that depend on the page,
extraction (``extract_page``, from the bytes) and storing (``Archive.store_article`` in
batches of 64, as the crawl commits, with every index and the leaders'), on:

- the 122 real pages of ``../shared/benchmarks/article-extraction`` (the fallback reads them);
- as many synthetic article pages (the ``cantho-current`` layout reads them).

Scrapy's own work and the WARC capture (about 0.5 ms a page) are not in these figures.

    .venv/bin/python bench/bench_page_cost.py            # 3 rounds, a fresh archive each
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from archive import Archive  # noqa: E402
from bench.bench_extraction import benchmark_pages  # noqa: E402
from bench.synthetic_portal import SECTION_PATH, render_article  # noqa: E402
from crawler.extraction import NotAnArticle, extract_page  # noqa: E402

BATCH = 64  # as crawler.recorder commits


def page_cost(pages: list[tuple[str, bytes]], folder: Path) -> tuple[float, float, int]:
    """(extraction ms, storing ms) per page, CPU time, and the articles stored."""
    started = time.process_time()
    articles = []
    for url, page in pages:
        try:
            articles.append(extract_page(page, url))
        except NotAnArticle:
            pass
    extraction = time.process_time() - started
    with Archive(folder / "archive.db") as archive:
        started = time.process_time()
        for first in range(0, len(articles), BATCH):
            with archive.batch():
                for article in articles[first:first + BATCH]:
                    archive.store_article(article)
        storing = time.process_time() - started
    return 1000 * extraction / len(pages), 1000 * storing / len(pages), len(articles)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    real = [(url, page) for _, url, page, _ in benchmark_pages([])]
    synthetic = [(f"https://www.cantho.gov.vn{SECTION_PATH}/bai-{n}",
                  render_article(n).encode("utf-8")) for n in range(1, len(real) + 1)]
    print(f"{len(real)} pages each, {args.rounds} rounds; CPU ms per page (median of rounds)")
    for name, pages in (("real (fallback)", real), ("synthetic (layout)", synthetic)):
        rounds = []
        for _ in range(args.rounds):
            with tempfile.TemporaryDirectory(prefix="bench_page_cost_") as folder:
                rounds.append(page_cost(pages, Path(folder)))
        extraction = statistics.median(r[0] for r in rounds)
        storing = statistics.median(r[1] for r in rounds)
        print(f"  {name:<20} extraction {extraction:6.2f}  storing {storing:5.2f}  "
              f"together {extraction + storing:6.2f}  ({rounds[0][2]} stored)")


if __name__ == "__main__":
    main()
