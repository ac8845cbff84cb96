"""An article's activity, read from its title's main verb phrase (``vocabulary.ACTIVITIES``)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from archive.leaders import vocabulary as v

_PATTERNS = {
    activity: re.compile(rf"(?<![\w])(?:{pattern})(?![\w])", re.IGNORECASE)
    for activity, pattern in v.ACTIVITIES.items()
}


@dataclass
class Activity:
    """What the article reports, and the words of the title it was read from."""

    activity: str  # a key of vocabulary.ACTIVITIES, or vocabulary.OTHER
    phrase: str  # the title's words that decided it, from the verb to the title's end; "" for other


def classify_title(title: str) -> Activity:
    """The activity whose pattern matches earliest in ``title`` (ties: the list's order)."""
    title = unicodedata.normalize("NFC", title or "")
    best: tuple[int, int, str] | None = None
    for rank, (activity, pattern) in enumerate(_PATTERNS.items()):
        match = pattern.search(title)
        if match and (best is None or (match.start(), rank) < best[:2]):
            best = (match.start(), rank, activity)
    if best is None:
        return Activity(v.OTHER, "")
    return Activity(best[2], title[best[0] :])
