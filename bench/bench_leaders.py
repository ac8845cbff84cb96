"""Benchmark the leader rules on the sample portal's articles against the hand annotations.

Run by hand::

    .venv/bin/python bench/bench_leaders.py            # figures and every error
    .venv/bin/python bench/bench_leaders.py --json     # the same as JSON

Each page of ``sample_portal/site/articles`` is extracted as the crawl extracts it
(``crawler.extraction.extract_page``), then analysed by ``archive.leaders.analyze``; the
result is scored by ``archive.leaders.evaluate`` against ``tests/fixtures/leaders/*.json``:
precision and recall of (article, person, role) mentions, of (article, role) offices named
with nobody in them, and the accuracy of activities. Targets: precision >= 0.98 and recall
>= 0.95 for people, activities >= 0.9.
"""

from __future__ import annotations

import argparse
import json
import sys
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
    options = parser.parse_args()
    annotations = load_annotations(ANNOTATIONS)
    analyses = {
        name: analyze(extract_page((ARTICLES / f"{name}.html").read_bytes()))
        for name in annotations
    }
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
    for label, errors in (("wrong", people.false_positives + offices.false_positives),
                          ("missed", people.false_negatives + offices.false_negatives),
                          ("activity", report.activity_errors)):
        for error in errors:
            print(f"  {label}: {error}")


if __name__ == "__main__":
    main()
