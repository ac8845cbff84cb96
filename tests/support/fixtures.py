"""The extraction fixtures: each sample page or other-portal page with its truth file."""

from __future__ import annotations

import json
from pathlib import Path

from support.crawls import ROOT, SITE_DIR

EXPECTED_DIR = ROOT / "tests" / "fixtures" / "expected"
OTHER_PORTALS_DIR = ROOT / "tests" / "fixtures" / "other_portals"
FIXTURE_BASE = "http://sample.portal"  # the base URL the truth files use


def load_truths() -> list[tuple[str, dict, Path]]:
    """(name, truth JSON, stored page) for every sample article and other-portal page."""
    manifest = {e["name"]: e for e in json.loads((SITE_DIR / "manifest.json").read_text("utf-8"))}
    cases = []
    for path in sorted(EXPECTED_DIR.glob("*.json")):
        truth = json.loads(path.read_text("utf-8"))
        entry = manifest.get(path.stem)
        page = SITE_DIR / entry["file"] if entry else None
        truth.setdefault("charset", entry.get("charset") if entry else None)
        cases.append((path.stem, truth, page))
    for path in sorted(OTHER_PORTALS_DIR.glob("*.json")):
        cases.append((path.stem, json.loads(path.read_text("utf-8")), path.with_suffix(".html")))
    return cases
