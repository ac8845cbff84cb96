"""The extractor's version, recorded with every article it produces (``extractor_version``).

It is the package version and a digest of the extraction rules' source files
(``crawler/extraction/*.py`` and ``crawler/text.py``): ``0.1.0+3f2a9c1b7d4e``. Editing a rule
changes the version by itself, so an article's provenance says which rules produced it and
``tinlanhdao reprocess`` knows which articles an older extractor made.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from importlib import metadata
from pathlib import Path

PACKAGE = "tinlanhdao"
_CRAWLER = Path(__file__).resolve().parent


def rule_sources() -> list[Path]:
    """The source files whose content defines what extraction produces, in a fixed order."""
    return sorted((_CRAWLER / "extraction").glob("*.py")) + [_CRAWLER / "text.py"]


def rules_digest() -> str:
    """The first 12 hex digits of SHA-256 over the rule sources (their names and bytes)."""
    digest = hashlib.sha256()
    for path in rule_sources():
        digest.update(path.relative_to(_CRAWLER).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:12]


def package_version() -> str:
    """The installed package version ('0+unknown' when running from an uninstalled tree)."""
    try:
        return metadata.version(PACKAGE)
    except metadata.PackageNotFoundError:
        return "0"


@lru_cache(maxsize=1)
def extractor_version() -> str:
    """``<package version>+<rules digest>``, computed once per process."""
    return f"{package_version()}+{rules_digest()}"
