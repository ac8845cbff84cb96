"""Scoring the leader rules against hand annotations (tests/fixtures/leaders/*.json).

An annotation names, for one article, the people acting in it with their role (``people``),
the roles the article names with nobody named in them (``offices_only``) and its activity. The
scores compare sets per article: (article, person, role) for people, (article, role) for
offices named alone; an office-only mention linked to its holder by date (``inferred``) is
left out of both, since the annotation reads the article alone.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from archive.leaders import Analysis, vocabulary


def load_annotations(folder: Path) -> dict[str, dict[str, Any]]:
    """Annotations by article name."""
    return {
        path.stem: json.loads(path.read_text(encoding="utf-8"))
        for path in sorted(folder.glob("*.json"))
    }


def people_of(analysis: Analysis) -> set[tuple[str, str]]:
    """(person, role) of every mention linked to a person by the article's own text."""
    return {(m.person, m.role) for m in analysis.mentions if m.person and not m.inferred}


def offices_of(analysis: Analysis) -> set[str]:
    """Roles of the listed offices the article names with nobody in them."""
    return {
        m.role for m in analysis.mentions
        if m.kind == "office_only" and not m.person and m.role in vocabulary.ROLES
    }


@dataclass
class Scores:
    """Counts and the errors behind them."""

    true_positives: int = 0
    false_positives: list[tuple[str, Any]] = field(default_factory=list)
    false_negatives: list[tuple[str, Any]] = field(default_factory=list)

    @property
    def precision(self) -> float:
        found = self.true_positives + len(self.false_positives)
        return self.true_positives / found if found else 1.0

    @property
    def recall(self) -> float:
        expected = self.true_positives + len(self.false_negatives)
        return self.true_positives / expected if expected else 1.0

    def add(self, article: str, found: set, expected: set) -> None:
        self.true_positives += len(found & expected)
        self.false_positives += [(article, item) for item in sorted(found - expected)]
        self.false_negatives += [(article, item) for item in sorted(expected - found)]


@dataclass
class Report:
    """People, offices named alone and activities, over a set of annotated articles."""

    people: Scores = field(default_factory=Scores)
    offices: Scores = field(default_factory=Scores)
    activities_right: int = 0
    # (article, activity found, activity expected)
    activity_errors: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def activity_accuracy(self) -> float:
        total = self.activities_right + len(self.activity_errors)
        return self.activities_right / total if total else 1.0


def score(analyses: dict[str, Analysis], annotations: dict[str, dict[str, Any]]) -> Report:
    """Compare the rules' analyses with the annotations, article by article (every annotated
    article must have an analysis)."""
    report = Report()
    for article, truth in annotations.items():
        analysis = analyses[article]
        expected = {(p["name"], p["role"]) for p in truth["people"]}
        report.people.add(article, people_of(analysis), expected)
        report.offices.add(article, offices_of(analysis), set(truth["offices_only"]))
        if analysis.activity.activity == truth["activity"]:
            report.activities_right += 1
        else:
            report.activity_errors.append((article, analysis.activity.activity, truth["activity"]))
    return report
