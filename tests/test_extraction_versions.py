"""Extractor versions are declared per layout (Fundus-style), not hashed from source files.

Every layout the crawl uses states its own ``version``; an article's extractor version is the
package version and its layout's declared version, so editing a comment is not a new
extractor, and bumping one layout's version marks only that layout's articles.
"""

from __future__ import annotations

import pytest
from support.captures import crawled, query

import crawler.extraction
from archive import Archive
from archive.reprocess import reprocess
from crawler.extraction import (
    FALLBACK,
    LAYOUTS,
    extractor_version,
    layout_versions,
    package_version,
)

ALL_LAYOUTS = (*LAYOUTS, FALLBACK)


@pytest.mark.parametrize("layout", ALL_LAYOUTS, ids=lambda layout: layout.name)
def test_every_layout_declares_its_own_version(layout):
    assert "version" in vars(layout), f"{layout.__name__} inherits its version"
    assert layout.version and layout.version.strip() == layout.version
    assert "name" in vars(layout)


def test_layout_names_are_distinct():
    assert len({layout.name for layout in ALL_LAYOUTS}) == len(ALL_LAYOUTS)


def test_the_version_of_an_article_is_the_package_and_its_layout_version():
    assert extractor_version("cantho-current") == f"{package_version()}+cantho-current.1"
    assert extractor_version("no-such-layout") == f"{package_version()}+no-such-layout.unknown"
    whole = extractor_version()
    assert whole == f"{package_version()}+" + ",".join(
        f"{layout.name}.{layout.version}" for layout in ALL_LAYOUTS)


def test_bumping_one_layout_changes_only_its_version(monkeypatch):
    before = {name: extractor_version(name) for name in layout_versions()}
    monkeypatch.setattr(crawler.extraction.WebSphereLayout, "version", "2")
    after = {name: extractor_version(name) for name in layout_versions()}
    assert after["cantho-websphere"] == f"{package_version()}+cantho-websphere.2"
    assert {n: v for n, v in after.items() if n != "cantho-websphere"} == {
        n: v for n, v in before.items() if n != "cantho-websphere"}


def test_reprocess_records_the_version_of_each_articles_layout(tmp_path, monkeypatch):
    path = crawled().copy(tmp_path / "copy")
    monkeypatch.setattr(crawler.extraction.WebSphereLayout, "version", "7")
    archive = Archive(path)
    try:
        report = reprocess(archive)
    finally:
        archive.close()
    assert report.changed == 0  # the same output: a version bump alone is not an edit
    rows = query(path, "select layout, extractor_version from articles")
    assert {row["layout"] for row in rows} >= {"cantho-current", "cantho-websphere"}
    for row in rows:
        assert row["extractor_version"] == extractor_version(row["layout"])
    assert extractor_version("cantho-websphere").endswith("+cantho-websphere.7")
