"""The people file: known leaders, their aliases and their terms in office (operator-editable).

``people.json`` beside this module is the default; ``TINLANHDAO_PEOPLE`` names another file.
Its format is described in docs/leaders.md. Loading checks every entry and raises
``PeopleFileError`` with the entry at fault, so a typo never passes silently.

The file answers one question for the rules: who held a one-holder office on a given day
(``holder_on``). A term is used between its ``from`` and its ``to``, read conservatively: a
partial ``from`` ("2020-09") starts at the end of its month or year, a partial ``to`` ends at
its start. An empty ``to`` ends the day before the earliest day the next holder of the same
office in the file can have begun;
with no next holder it is not used (the file does not say the person still holds it). An empty
``from`` is never used. Two terms covering one day (a hand-over) answer nobody.
"""

from __future__ import annotations

import calendar
import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from archive.folding import fold_for_search
from archive.leaders import vocabulary as v
from archive.leaders.mentions import normalize_name

DEFAULT_PATH = Path(__file__).with_name("people.json")
ENVIRONMENT = "TINLANHDAO_PEOPLE"
_DATE = re.compile(r"\d{4}(?:-\d{2}(?:-\d{2})?)?")


class PeopleFileError(ValueError):
    """The people file cannot be read or has an entry that is not valid."""


@dataclass
class Term:
    """One term in one office, as the file states it."""

    role: str
    start: str  # "from" as written: YYYY, YYYY-MM, YYYY-MM-DD or ""
    end: str  # "to" as written
    source: str
    note: str = ""


@dataclass
class Person:
    """A known person: the name used everywhere, other spellings, terms."""

    name: str
    aliases: list[str] = field(default_factory=list)
    terms: list[Term] = field(default_factory=list)


def _bound(value: str, last: bool) -> date:
    """The first (``last`` False) or last day a partial date can mean."""
    parts = [int(p) for p in value.split("-")]
    year, month = parts[0], parts[1] if len(parts) > 1 else (12 if last else 1)
    if len(parts) == 3:
        return date(year, month, parts[2])
    return date(year, month, calendar.monthrange(year, month)[1] if last else 1)


def fold(name: str) -> str:
    """A name without accents or case, for matching what users type: "nguyen ngoc he"."""
    return fold_for_search(name)


class People:
    """The people file, loaded and checked."""

    def __init__(self, people: list[Person], path: Path | None = None, digest: str = "") -> None:
        self.people = people
        self.path = path
        self.digest = digest  # SHA-256 of the file: the archive records which file it used
        self._spans_of: dict[str, list[tuple[str, Term, date, date | None]]] = {}
        self._by_spelling = {
            normalize_name(spelling): person.name
            for person in people
            for spelling in (person.name, *person.aliases)
        }

    def canonical(self, name: str) -> str:
        """The file's name for ``name`` (a name or an alias, accents as written), else the
        normalized ``name``."""
        normalized = normalize_name(name)
        return self._by_spelling.get(normalized, normalized)

    def holder_on(self, role: str, day: str) -> tuple[str, Term] | None:
        """The one person holding the one-holder ``role`` on ``day`` (YYYY-MM-DD), with the
        term that says so; None when the file does not say, or says two."""
        if role not in v.SINGLE_HOLDER_ROLES or not _DATE.fullmatch(day or ""):
            return None
        when = _bound(day, last=False)
        holders = []
        for name, term, start, end in self._spans(role):
            if start <= when and (end is None or when <= end):
                holders.append((name, term))
        return holders[0] if len(holders) == 1 else None

    def _spans(self, role: str) -> list[tuple[str, Term, date, date | None]]:
        """(name, term, first day, last day) of the usable terms in ``role``, by start."""
        if role not in self._spans_of:
            self._spans_of[role] = self._compute_spans(role)
        return self._spans_of[role]

    def _compute_spans(self, role: str) -> list[tuple[str, Term, date, date | None]]:
        terms = sorted(
            ((p.name, t) for p in self.people for t in p.terms if t.role == role and t.start),
            key=lambda pair: _bound(pair[1].start, last=True),
        )
        spans = []
        for position, (name, term) in enumerate(terms):
            start = _bound(term.start, last=True)
            if term.end:
                spans.append((name, term, start, _bound(term.end, last=False)))
            elif position + 1 < len(terms):
                following = _bound(terms[position + 1][1].start, last=False)
                spans.append((name, term, start, date.fromordinal(following.toordinal() - 1)))
        return spans


def default_path() -> Path:
    """``$TINLANHDAO_PEOPLE``, else the file shipped with the package."""
    return Path(os.environ.get(ENVIRONMENT) or DEFAULT_PATH)


_CACHE: dict[tuple[str, float, int], People] = {}


def load_people(path: Path | None = None) -> People:
    """Read and check the people file (cached until the file changes)."""
    path = Path(path or default_path())
    try:
        stat = path.stat()
        key = (str(path), stat.st_mtime, stat.st_size)
        if key in _CACHE:
            return _CACHE[key]
        raw = path.read_bytes()
        document = json.loads(raw.decode("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise PeopleFileError(f"people file {path}: {error}") from None
    people = _parse(document, path)
    loaded = People(people, path, hashlib.sha256(raw).hexdigest())
    _CACHE.clear()
    _CACHE[key] = loaded
    return loaded


def _parse(document: Any, path: Path) -> list[Person]:
    def fail(where: str, message: str) -> PeopleFileError:
        return PeopleFileError(f"people file {path}: {where}: {message}")

    if not isinstance(document, dict) or not isinstance(document.get("people"), list):
        raise fail("top level", 'expected an object with a "people" list')
    people, seen = [], {}
    roles = (*v.ROLES, v.OTHER)
    for number, entry in enumerate(document["people"], 1):
        where = f"person {number}"
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            raise fail(where, 'expected an object with a "name"')
        name = normalize_name(entry["name"])
        where = f"person {number} ({name})"
        aliases = entry.get("aliases", [])
        if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
            raise fail(where, '"aliases" must be a list of names')
        for spelling in (name, *aliases):
            other = seen.setdefault(fold(spelling), name)
            if other != name:
                raise fail(where, f"{spelling!r} is also {other}'s name or alias")
        terms = []
        for term_number, term in enumerate(entry.get("terms", []), 1):
            here = f"{where}, term {term_number}"
            if not isinstance(term, dict):
                raise fail(here, "expected an object")
            if term.get("role") not in roles:
                raise fail(here, f"role {term.get('role')!r} is not one of {', '.join(roles)}")
            start, end = term.get("from") or "", term.get("to") or ""
            for label, value in (("from", start), ("to", end)):
                if value and not _DATE.fullmatch(value):
                    raise fail(here, f'"{label}" {value!r} is not YYYY, YYYY-MM or YYYY-MM-DD')
            if start and end and _bound(end, last=True) < _bound(start, last=False):
                raise fail(here, f'"to" {end} is before "from" {start}')
            if not isinstance(term.get("source"), str) or not term["source"].strip():
                raise fail(here, 'every term needs a "source"')
            terms.append(Term(term["role"], start, end, term["source"], term.get("note", "")))
        people.append(Person(name, [normalize_name(a) for a in aliases], terms))
    return people
