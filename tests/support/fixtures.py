"""The extraction fixtures as (name, expected fields, stored page) cases, for the bench and tests
that want the sample articles' truth; the fixtures themselves are read by support.fixture_pages."""

from __future__ import annotations

from pathlib import Path

from support.fixture_pages import load_fixtures

FIXTURE_BASE = "http://sample.portal"  # the base URL of the sample fixtures' "url"


def load_truths() -> list[tuple[str, dict, Path]]:
    """(name, expected fields plus "path" and "charset", stored page) for every article fixture
    stored uncompressed; pages that are not articles are left out."""
    cases = []
    for fixture in load_fixtures():
        if "not_an_article" in fixture.expected or fixture.page_path.name.endswith(".gz"):
            continue
        truth = dict(fixture.expected, charset=fixture.meta.get("charset"),
                     path=fixture.meta["url"].removeprefix(FIXTURE_BASE))
        cases.append((fixture.name, truth, fixture.page_path))
    return cases
