"""Benchmark: our extraction against trafilatura on the same pages, side by side.

For every sample article and other-portal page with a hand-written truth, both extractors get
the same bytes. Reported: body F1 against the truth (bag of words, as in the usual extraction
evaluations) and milliseconds per page, for each, with the ratio.

Run by hand: ``.venv/bin/pip install trafilatura && .venv/bin/python bench/bench_extraction.py``
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from conftest import FIXTURE_BASE, load_truths  # noqa: E402

from crawler import text as textnorm  # noqa: E402
from crawler.extraction import NotAnArticle, extract_page  # noqa: E402


def tokens(text: str) -> Counter:
    return Counter(textnorm.clean_inline(text).lower().split())


def f1(got: str, expected: str) -> float:
    got_tokens, expected_tokens = tokens(got), tokens(expected)
    common = sum((got_tokens & expected_tokens).values())
    if not common:
        return 0.0
    precision = common / sum(got_tokens.values())
    recall = common / sum(expected_tokens.values())
    return 2 * precision * recall / (precision + recall)


def ours(page: bytes, url: str, charset: str | None) -> str:
    try:
        return extract_page(page, url, encoding=charset).body
    except NotAnArticle:
        return ""


def theirs(page: bytes, url: str, charset: str | None) -> str:
    import trafilatura

    html = page.decode(charset) if charset else page
    return trafilatura.extract(html, url=url, include_comments=False, include_tables=True) or ""


def timed(function, page, url, charset, repeat: int) -> tuple[str, float]:
    started = time.perf_counter()
    for _ in range(repeat):
        result = function(page, url, charset)
    return result, (time.perf_counter() - started) * 1000 / repeat


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per page for the timing")
    args = parser.parse_args()
    cases = [
        (name, truth, page_path.read_bytes(), FIXTURE_BASE + truth["path"], truth.get("charset"))
        for name, truth, page_path in load_truths()
    ]
    # One untimed call of each first: importing trafilatura and other one-time setup are not a
    # per-page cost (they used to land in trafilatura's time for the first page).
    for function in (ours, theirs):
        function(*cases[0][2:])
    rows = []
    for name, truth, page, url, charset in cases:
        our_body, our_ms = timed(ours, page, url, charset, args.repeat)
        their_body, their_ms = timed(theirs, page, url, charset, args.repeat)
        rows.append(
            (name, f1(our_body, truth["body"]), our_ms, f1(their_body, truth["body"]), their_ms)
        )
    print(f"{'page':44} {'F1 ours':>8} {'ms ours':>8} {'F1 traf':>8} {'ms traf':>8}")
    for name, our_f1, our_ms, their_f1, their_ms in rows:
        print(f"{name[:44]:44} {our_f1:8.3f} {our_ms:8.2f} {their_f1:8.3f} {their_ms:8.2f}")
    our_f1 = statistics.mean(r[1] for r in rows)
    their_f1 = statistics.mean(r[3] for r in rows)
    our_ms = statistics.mean(r[2] for r in rows)
    their_ms = statistics.mean(r[4] for r in rows)
    print(f"\n{len(rows)} pages, {args.repeat} runs each")
    print(f"{'':20} {'ours':>10} {'trafilatura':>12} {'ratio':>8}")
    print(f"{'mean body F1':20} {our_f1:10.4f} {their_f1:12.4f} {our_f1 / their_f1:8.2f}")
    print(f"{'ms per page':20} {our_ms:10.2f} {their_ms:12.2f} {their_ms / our_ms:8.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
