"""The extractor's version, recorded with every article it produces (``extractor_version``).

Versions are declared, Fundus-style: each layout class states its own ``version`` (a string
bumped by hand when what it extracts changes), and the extractor version of an article is the
package version and the version of the layout that extracted it: ``0.1.0+cantho-current.1``.
Editing a comment, renaming a variable or speeding up a loop is not a new extractor; changing
what a layout produces is, and its ``version`` goes up in the same commit (the fixture test and
``scripts/refresh_fixtures.py`` show which layouts' output changed). A change to the code every
layout shares (``assemble``, ``blocks``, ``crawler.text``) that changes output raises the package
version or the versions of the layouts whose output it changes.

This module imports the layouts only when a version is asked for, so ``import crawler.version``
(and ``import archive``) does not load lxml.
"""

from __future__ import annotations

from importlib import metadata

PACKAGE = "tinlanhdao"


def package_version() -> str:
    """The installed package version ('0' when running from an uninstalled tree)."""
    try:
        return metadata.version(PACKAGE)
    except metadata.PackageNotFoundError:
        return "0"


def layout_versions() -> dict[str, str]:
    """The declared version of every layout the crawl uses, known layouts first, by name."""
    from crawler.extraction import FALLBACK, LAYOUTS

    return {layout.name: layout.version for layout in (*LAYOUTS, FALLBACK)}


def extractor_version(layout: str = "") -> str:
    """The extractor that produced an article of ``layout`` (its ``layout`` field):
    ``<package version>+<layout name>.<layout version>``.

    Without a layout, the whole extractor: every layout's name and version, comma-separated
    (``0.1.0+cantho-current.1,cantho-websphere.1,fallback.1``). A layout this version of the
    code does not know (an article from a layout since removed) gets ``<name>.unknown``.
    """
    versions = layout_versions()
    if layout:
        return f"{package_version()}+{layout}.{versions.get(layout, 'unknown')}"
    return f"{package_version()}+" + ",".join(f"{n}.{v}" for n, v in versions.items())
