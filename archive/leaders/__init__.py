"""Leaders and what they did: people, offices and activities read from each article.

The rules (``mentions``, ``activity``, over the lists of ``vocabulary``) import only the
standard library, so they run wherever an article does. ``people`` reads the operator-editable
file of known people and their terms (``people.json``) and links office-only mentions to the
office's holder on the article's date. ``tables`` stores all of it in the archive.

``RULES_VERSION`` names the rules: every stored mention and activity carries it, and it changes
whenever a rule or a list changes what the rules find (``tinlanhdao reindex-leaders`` then
refills the tables for the whole archive).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from archive.leaders.activity import Activity, classify_title
from archive.leaders.mentions import Mention, find_mentions, normalize_name

RULES_VERSION = "leaders-rules-2"

__all__ = [
    "RULES_VERSION",
    "Activity",
    "Analysis",
    "Mention",
    "analyze",
    "classify_title",
    "find_mentions",
    "normalize_name",
]


@dataclass
class Analysis:
    """The leader mentions and the activity of one article."""

    mentions: list[Mention] = field(default_factory=list)
    activity: Activity = field(default_factory=lambda: Activity("other", ""))
    rules_version: str = RULES_VERSION


def analyze(article: Any) -> Analysis:
    """Mentions and activity of an Article (or a dict with its fields)."""
    title = article.get("title") if isinstance(article, dict) else article.title
    return Analysis(find_mentions(article), classify_title(title or ""))
