"""The extraction fixtures, Fundus-style: a stored page, its expected fields, where it came from.

``tests/fixtures/pages/<group>/<name>.html`` (or ``.html.gz``) is the page as stored, never
regenerated; ``<name>.json`` the fields extraction must produce (JSON with ensure_ascii=False,
indent 2, sorted keys; ``{"not_an_article": "<reason>"}`` for a page that is not one);
``<name>.meta.json`` where the page came from::

    {"origin": "synthetic" | "real", "source": "...", "url": "<the URL it is extracted as>",
     "charset": "<charset the page is served with>" | null, "layout": "<expected layout>"}

Used by tests/test_extraction_fixtures.py, scripts/refresh_fixtures.py and the bench.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

FIXTURES_DIR = Path(__file__).resolve().parent.parent / "fixtures" / "pages"
META_KEYS = {"origin", "source", "url", "charset", "layout"}
ORIGINS = {"synthetic", "real"}
# Article fields that are not part of what a page yields: when it was fetched (the clock), and
# which layout read it (the meta file's "layout").
NOT_EXPECTED = ("fetched_at", "layout")


def dump_json(value: Any) -> str:
    """The fixtures' JSON form: readable Vietnamese, indent 2, sorted keys, final newline."""
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


@dataclass(frozen=True)
class Fixture:
    """One fixture: ``group``/``name`` and its three files."""

    group: str
    name: str
    page_path: Path

    @property
    def id(self) -> str:
        return f"{self.group}/{self.name}"

    @property
    def expected_path(self) -> Path:
        return self.page_path.parent / f"{self.name}.json"

    @property
    def meta_path(self) -> Path:
        return self.page_path.parent / f"{self.name}.meta.json"

    @cached_property
    def meta(self) -> dict[str, Any]:
        return json.loads(self.meta_path.read_text("utf-8"))

    @cached_property
    def expected(self) -> dict[str, Any]:
        return json.loads(self.expected_path.read_text("utf-8"))

    def page(self) -> bytes:
        """The stored page's bytes (decompressed when stored as .html.gz)."""
        data = self.page_path.read_bytes()
        return gzip.decompress(data) if self.page_path.name.endswith(".gz") else data

    def extract(self) -> tuple[dict[str, Any], str]:
        """What extraction makes of the page today: (fields as in the expected JSON, layout).

        The layout is "" for a page that is not an article."""
        from crawler.extraction import NotAnArticle, extract_page

        try:
            article = extract_page(self.page(), self.meta["url"], encoding=self.meta.get("charset"))
        except NotAnArticle as error:
            return {"not_an_article": error.reason}, ""
        fields = article.to_dict()
        for name in NOT_EXPECTED:
            fields.pop(name)
        return fields, article.layout


def load_fixtures(root: Path = FIXTURES_DIR) -> list[Fixture]:
    """Every fixture of every group, by group and name."""
    fixtures = []
    for page in sorted(root.glob("*/*.html")) + sorted(root.glob("*/*.html.gz")):
        name = page.name.removesuffix(".gz").removesuffix(".html")
        fixtures.append(Fixture(page.parent.name, name, page))
    return sorted(fixtures, key=lambda fixture: fixture.id)
