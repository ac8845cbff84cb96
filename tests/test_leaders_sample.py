"""The leader rules against the hand annotations of the sample portal's 28 articles
(tests/fixtures/leaders/, written by us from sample_portal/site/articles/, which we also wrote).

bench/bench_leaders.py prints the same figures with every error; this test keeps them at the
issue's targets.
"""

from __future__ import annotations

from pathlib import Path

from archive.leaders import analyze, vocabulary
from archive.leaders.evaluate import load_annotations, score
from crawler.extraction import extract_page

ROOT = Path(__file__).resolve().parent.parent
ANNOTATIONS = load_annotations(ROOT / "tests" / "fixtures" / "leaders")
PAGES = ROOT / "sample_portal" / "site" / "articles"


def test_every_sample_article_is_annotated_with_known_roles_and_activities():
    assert sorted(ANNOTATIONS) == sorted(p.stem for p in PAGES.glob("*.html"))
    for truth in ANNOTATIONS.values():
        assert truth["activity"] in (*vocabulary.ACTIVITIES, vocabulary.OTHER)
        assert {p["role"] for p in truth["people"]} <= {*vocabulary.ROLES, vocabulary.OTHER}
        assert set(truth["offices_only"]) <= set(vocabulary.ROLES)


def test_the_rules_meet_the_targets_on_the_sample_articles():
    analyses = {
        name: analyze(extract_page((PAGES / f"{name}.html").read_bytes())) for name in ANNOTATIONS
    }
    report = score(analyses, ANNOTATIONS)
    assert report.people.precision >= 0.98, report.people.false_positives
    assert report.people.recall >= 0.95, report.people.false_negatives
    assert report.offices.precision >= 0.98, report.offices.false_positives
    assert report.offices.recall >= 0.95, report.offices.false_negatives
    assert report.activity_accuracy >= 0.9, report.activity_errors
