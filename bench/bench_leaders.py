"""Benchmark the leader rules on the sample portal's articles against the hand annotations.

Run by hand::

    .venv/bin/python bench/bench_leaders.py            # figures and every error
    .venv/bin/python bench/bench_leaders.py --json     # the same as JSON
    .venv/bin/python bench/bench_leaders.py --speed 40 # also: what indexing costs when storing

Each page of ``sample_portal/site/articles`` is extracted as the crawl extracts it
(``crawler.extraction.extract_page``), then analysed by ``archive.leaders.analyze``; the
result is scored by ``archive.leaders.evaluate`` against ``tests/fixtures/leaders/*.json``:
precision and recall of (article, person, role) mentions, of (article, role) offices named
with nobody in them, and the accuracy of activities. Targets: precision >= 0.98 and recall
>= 0.95 for people, activities >= 0.9.

``--speed N`` stores the 28 pages N times (each copy under its own URL) into a fresh archive
twice, with the leader indexing and with it turned off, and reports articles per second of
each; and the rules alone (``analyze``) in articles per second.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from archive.leaders import RULES_VERSION, analyze  # noqa: E402
from archive.leaders.evaluate import load_annotations, score  # noqa: E402
from crawler.extraction import extract_page  # noqa: E402

ARTICLES = ROOT / "sample_portal" / "site" / "articles"
ANNOTATIONS = ROOT / "tests" / "fixtures" / "leaders"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--speed", type=int, default=0, metavar="N",
                        help="also time storing the pages N times with and without indexing")
    options = parser.parse_args()
    annotations = load_annotations(ANNOTATIONS)
    pages = {
        name: extract_page((ARTICLES / f"{name}.html").read_bytes(), f"http://sample.test/{name}")
        for name in annotations
    }
    analyses = {name: analyze(page) for name, page in pages.items()}
    report = score(analyses, annotations)
    figures = {
        "rules_version": RULES_VERSION,
        "articles": len(annotations),
        "people": {
            "precision": round(report.people.precision, 4),
            "recall": round(report.people.recall, 4),
            "true_positives": report.people.true_positives,
            "false_positives": report.people.false_positives,
            "false_negatives": report.people.false_negatives,
        },
        "offices_only": {
            "precision": round(report.offices.precision, 4),
            "recall": round(report.offices.recall, 4),
            "true_positives": report.offices.true_positives,
            "false_positives": report.offices.false_positives,
            "false_negatives": report.offices.false_negatives,
        },
        "activity_accuracy": round(report.activity_accuracy, 4),
        "activity_errors": report.activity_errors,
    }
    if options.speed:
        figures["speed"] = speed(list(pages.values()), options.speed)
    if options.json:
        print(json.dumps(figures, ensure_ascii=False, indent=2))
        return
    people, offices = report.people, report.offices
    print(f"rules {RULES_VERSION}, {len(annotations)} annotated articles")
    print(f"people (article, person, role): precision {people.precision:.3f}  "
          f"recall {people.recall:.3f}  ({people.true_positives} right, "
          f"{len(people.false_positives)} wrong, {len(people.false_negatives)} missed)")
    print(f"offices named alone (article, role): precision {offices.precision:.3f}  "
          f"recall {offices.recall:.3f}  ({offices.true_positives} right)")
    print(f"activities: accuracy {report.activity_accuracy:.3f}")
    if options.speed:
        sp = figures["speed"]
        print(f"speed: rules alone {sp['rules_per_s']:.0f} articles/s; storing "
              f"{sp['articles']} articles {sp['with_leaders_per_s']:.0f}/s with leader indexing, "
              f"{sp['without_leaders_per_s']:.0f}/s without (ratio {sp['ratio']:.2f})")
    for label, errors in (("wrong", people.false_positives + offices.false_positives),
                          ("missed", people.false_negatives + offices.false_negatives),
                          ("activity", report.activity_errors)):
        for error in errors:
            print(f"  {label}: {error}")


def speed(pages: list, copies: int) -> dict:
    """Articles per second: the rules alone, and storing with and without leader indexing."""
    import archive.store as store
    from archive import Archive

    copies_of = [replace(page, url=f"{page.url}/{n}", content_hash="")
                 for n in range(copies) for page in pages]
    started = time.perf_counter()
    for page in copies_of:
        analyze(page)
    rules = len(copies_of) / (time.perf_counter() - started)
    rates = {}
    hook = store.index_leaders
    for label, index in (("without", lambda *args: None), ("with", hook)):
        store.index_leaders = index
        with tempfile.TemporaryDirectory() as folder, Archive(Path(folder) / "a.db") as archive:
            started = time.perf_counter()
            with archive.batch():
                for page in copies_of:
                    archive.store_article(page)
            rates[label] = len(copies_of) / (time.perf_counter() - started)
    store.index_leaders = hook
    return {"articles": len(copies_of), "rules_per_s": rules,
            "with_leaders_per_s": rates["with"], "without_leaders_per_s": rates["without"],
            "ratio": rates["with"] / rates["without"]}


if __name__ == "__main__":
    main()
