"""Benchmark: our extraction against trafilatura on the same pages, side by side, in one run.

Two sets of pages:

1. The 122 real news pages of ``../shared/benchmarks/article-extraction/`` (the public Article
   Extraction Benchmark), scored with the benchmark's own metric as its README writes it out
   (shingles of 4 ``\\w+`` tokens; per-page tp/fp/fn; precision and recall averaged over pages;
   F1 of the two means). Reported for each extractor: F1, precision, recall, pages left empty,
   ms per page; and the pages trafilatura fills that we leave empty.
2. The sample portal's articles, the other-portal pages and the pages we wrote
   (tests/fixtures/pages/written): titles, dates and authors right, body F1 (same metric), and
   on the known-layout pages the speed of each extractor in process, with the ratio.

Both extractors get the same input: our extraction takes the bytes as the crawl does (decoding
included in its time), trafilatura the text decoded from them (decoding not in its time).
On the benchmark's pages our text is the article's ``lead`` and ``body`` (the article text we
store; the benchmark's body has no separate lead); on our own pages, ``body`` against ``body``.

Run by hand:
``.venv/bin/pip install -e '.[bench]' && .venv/bin/python bench/bench_extraction.py``
(``--worst N`` lists our N worst benchmark pages; ``--repeat`` runs per page for the timing.)
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from support.fixtures import FIXTURE_BASE, load_truths  # noqa: E402

from crawler.extraction import LAYOUTS, NotAnArticle, extract_page  # noqa: E402
from crawler.extraction.document import decode_html  # noqa: E402

BENCHMARK = ROOT.parent / "shared" / "benchmarks" / "article-extraction"
WRITTEN = ROOT / "tests" / "fixtures" / "pages" / "written"
_TOKEN = re.compile(r"\w+")


# --- The benchmark's metric (its README, "How the benchmark scores a body") ---------------------

def shingles(text: str) -> Counter:
    """The multiset of runs of 4 consecutive tokens; a shorter text is one shingle."""
    tokens = _TOKEN.findall(text or "")
    if not tokens:
        return Counter()
    if len(tokens) < 4:
        return Counter([tuple(tokens)])
    return Counter(tuple(tokens[i:i + 4]) for i in range(len(tokens) - 3))


def page_counts(expected: str, predicted: str) -> tuple[float, float, float]:
    """(tp, fp, fn) of one page, each divided by tp + fp + fn (every page weighs the same)."""
    want, got = shingles(expected), shingles(predicted)
    tp = sum((want & got).values())
    fp = sum((got - want).values())
    fn = sum((want - got).values())
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def scores(counts: list[tuple[float, float, float]]) -> tuple[float, float, float]:
    """(F1, precision, recall) over pages, as the benchmark's README defines them."""
    precisions, recalls = [], []
    for tp, fp, fn in counts:
        if fp == 0 and fn == 0:
            precisions.append(1.0)
            recalls.append(1.0)
            continue
        if tp + fp > 0:
            precisions.append(tp / (tp + fp))
        if tp + fn > 0:
            recalls.append(tp / (tp + fn))
    precision = statistics.mean(precisions) if precisions else 0.0
    recall = statistics.mean(recalls) if recalls else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return f1, precision, recall


def body_f1(expected: str, predicted: str) -> float:
    return scores([page_counts(expected, predicted)])[0]


# --- The two extractors -----------------------------------------------------------------------

def ours(page: bytes, url: str, charset: str | None):
    """Our Article, or the NotAnArticle reason (a str)."""
    try:
        return extract_page(page, url, encoding=charset)
    except NotAnArticle as error:
        return error.reason


def our_text(result) -> str:
    if isinstance(result, str):
        return ""
    return "\n\n".join(part for part in (result.lead, result.body) if part)


def theirs(text: str, url: str):
    """trafilatura's document (with its metadata), or None."""
    import trafilatura

    return trafilatura.bare_extraction(text, url=url, include_comments=False,
                                       include_tables=True, with_metadata=True)


def their_text(document) -> str:
    return (document.text or "") if document is not None else ""


def timed(function, *args, repeat: int = 1):
    started = time.perf_counter()
    for _ in range(repeat):
        result = function(*args)
    return result, (time.perf_counter() - started) * 1000 / repeat


# --- 1. The benchmark's pages ----------------------------------------------------------------

def benchmark_pages(only: list[str]) -> list[tuple[str, str, bytes, str]]:
    """(key, url, page bytes, expected body) of each benchmark page."""
    truth = json.loads((BENCHMARK / "ground-truth.json").read_text("utf-8"))
    return [(key, entry["url"], gzip.decompress((BENCHMARK / "html" / f"{key}.html.gz")
                                                .read_bytes()), entry["articleBody"])
            for key, entry in sorted(truth.items()) if not only or key in only]


def run_benchmark(args) -> None:
    pages = benchmark_pages(args.pages)
    rows = []
    for key, url, page, expected in pages:
        text = decode_html(page)  # the text the crawl's decoding makes of the bytes
        mine, our_ms = timed(ours, page, url, None, repeat=args.repeat)
        document, their_ms = timed(theirs, text, url, repeat=args.repeat)
        rows.append({
            "key": key, "url": url,
            "ours": page_counts(expected, our_text(mine)), "our_ms": our_ms,
            "our_empty": not our_text(mine).strip(),
            "our_reason": mine if isinstance(mine, str) else mine.layout,
            "theirs": page_counts(expected, their_text(document)), "their_ms": their_ms,
            "their_empty": not their_text(document).strip(),
        })
    print(f"## Article Extraction Benchmark: {len(rows)} pages ({BENCHMARK.name}), "
          f"{args.repeat} run(s) each\n")
    print(f"| {'extractor':12} | {'F1':>6} | {'precision':>9} | {'recall':>6} | {'empty':>5} "
          f"| {'ms/page':>7} |")
    print(f"|{'-' * 14}|{'-' * 8}|{'-' * 11}|{'-' * 8}|{'-' * 7}|{'-' * 9}|")
    for name, side in (("ours", "our"), ("trafilatura", "their")):
        f1, precision, recall = scores([r[f"{side}s" if side == "our" else "theirs"]
                                        for r in rows])
        empty = sum(r[f"{side}_empty"] for r in rows)
        ms = statistics.mean(r[f"{side}_ms"] for r in rows)
        print(f"| {name:12} | {f1:6.4f} | {precision:9.4f} | {recall:6.4f} | {empty:5} "
              f"| {ms:7.2f} |")
    lost = [r for r in rows if r["our_empty"] and not r["their_empty"]]
    print(f"\nPages trafilatura fills that we leave empty: {len(lost)}")
    for row in lost:
        print(f"  {row['key'][:16]} {row['our_reason']:20} {row['url']}")
    if args.worst:
        print(f"\nOur {args.worst} worst pages (F1 ours / trafilatura):")
        worst = sorted(rows, key=lambda r: scores([r["ours"]])[0])[:args.worst]
        for row in worst:
            print(f"  {scores([row['ours']])[0]:.3f} / {scores([row['theirs']])[0]:.3f} "
                  f"{row['key'][:16]} {row['our_reason']:16} {row['url'][:80]}")


# --- 2. Our own pages: sample portal, other portals, pages we wrote ----------------------------

def own_pages() -> list[tuple[str, dict, bytes, str, str | None]]:
    """(name, truth, page bytes, url, charset) of every page with a hand-written truth."""
    cases = [(name, truth, path.read_bytes(), FIXTURE_BASE + truth["path"], truth.get("charset"))
             for name, truth, path in load_truths()]
    for path in sorted(WRITTEN.glob("*.meta.json")):
        meta = json.loads(path.read_text("utf-8"))
        stem = path.name[: -len(".meta.json")]
        truth = json.loads((WRITTEN / f"{stem}.json").read_text("utf-8"))
        if "not_an_article" in truth:
            continue
        truth.setdefault("generation", "written")
        cases.append((f"written/{stem}", truth, (WRITTEN / f"{stem}.html").read_bytes(),
                      meta["url"], None))
    return cases


def run_own_pages(args) -> None:
    rows = []
    for name, truth, page, url, charset in own_pages():
        mine, our_ms = timed(ours, page, url, charset, repeat=args.repeat)
        text = decode_html(page, f"text/html; charset={charset}" if charset else None)
        document, their_ms = timed(theirs, text, url, repeat=args.repeat)
        article = None if isinstance(mine, str) else mine
        meta = document or type("Empty", (), {"title": "", "date": "", "author": ""})()
        rows.append({
            "name": name,
            "layout": article.layout if article else mine,
            "ours": (article is not None and article.title == truth["title"],
                     article is not None and article.published == truth["published"],
                     article is not None and article.author == truth["author"],
                     body_f1(truth["body"], article.body) if article else 0.0),
            # trafilatura's date has no time: it is right when it is the truth's day
            "theirs": ((meta.title or "") == truth["title"],
                       bool(meta.date) and truth["published"][:10] == meta.date,
                       (meta.author or "") == truth["author"],
                       body_f1(truth["body"], their_text(document))),
            "our_ms": our_ms, "their_ms": their_ms,
        })
    print(f"\n## Our pages: {len(rows)} (sample portal, other portals, written by us), "
          f"{args.repeat} run(s) each\n")
    print(f"| {'extractor':12} | titles | dates | authors | body F1 | ms/page |")
    print(f"|{'-' * 14}|--------|-------|---------|---------|---------|")
    for side in ("ours", "theirs"):
        right = [sum(r[side][i] for r in rows) for i in range(3)]
        f1 = statistics.mean(r[side][3] for r in rows)
        ms = statistics.mean(r["our_ms" if side == "ours" else "their_ms"] for r in rows)
        name = "ours" if side == "ours" else "trafilatura"
        print(f"| {name:12} | {right[0]:3}/{len(rows):<2} | {right[1]:2}/{len(rows):<2} "
              f"| {right[2]:3}/{len(rows):<3} | {f1:7.4f} | {ms:7.2f} |")
    known = [r for r in rows if r["layout"] in {layout.name for layout in LAYOUTS}]
    if known:
        our_ms = statistics.mean(r["our_ms"] for r in known)
        their_ms = statistics.mean(r["their_ms"] for r in known)
        print(f"\nKnown-layout pages ({len(known)}): ours {our_ms:.2f} ms/page, trafilatura "
              f"{their_ms:.2f} ms/page: ours is {their_ms / our_ms:.1f}x faster")
    fallback = [r for r in rows if r["layout"] == "fallback"]
    if fallback:
        our_ms = statistics.mean(r["our_ms"] for r in fallback)
        their_ms = statistics.mean(r["their_ms"] for r in fallback)
        print(f"Fallback pages ({len(fallback)}): ours {our_ms:.2f} ms/page, trafilatura "
              f"{their_ms:.2f} ms/page")
    wrong = [r for r in rows if not all(r["ours"][:3]) or r["ours"][3] < 0.999]
    for row in wrong:
        title, date, author, f1 = row["ours"]
        print(f"  ours wrong on {row['name']}: title {'ok' if title else 'WRONG'}, date "
              f"{'ok' if date else 'WRONG'}, author {'ok' if author else 'WRONG'}, "
              f"body F1 {f1:.3f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per page for the timing")
    parser.add_argument("--worst", type=int, default=0, help="list our N worst benchmark pages")
    parser.add_argument("--pages", nargs="*", default=[], help="only these benchmark keys")
    parser.add_argument("--only", choices=("benchmark", "own"), help="run one part only")
    args = parser.parse_args()
    # One untimed call of each first: imports and one-time setup are not a per-page cost.
    first = benchmark_pages([])[0]
    ours(first[2], first[1], None)
    theirs(decode_html(first[2]), first[1])
    if args.only != "own":
        run_benchmark(args)
    if args.only != "benchmark":
        run_own_pages(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
