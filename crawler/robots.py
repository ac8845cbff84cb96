"""robots.txt that forbids a page, said as exactly that: the rule that matched and our User-Agent.

``ExplainingRobotParser`` is Scrapy's own Protego parser (setting ROBOTSTXT_PARSER) that, when
it forbids a URL, also puts the reason in the stats (``tinlanhdao/robots_forbidden``): the
group and the rule that matched, and the User-Agent asked about. The spider records the
forbidden page as ``robots_forbidden``, and a run whose listing is forbidden ends with its own
exit status (``crawler.runhealth``), not as an unreachable portal.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from scrapy.robotstxt import ProtegoRobotParser, decode_robotstxt
from scrapy.utils.python import to_unicode

FORBIDDEN_STAT = "tinlanhdao/robots_forbidden"


class ExplainingRobotParser(ProtegoRobotParser):
    """Protego decides; a URL it forbids gets its reason in the crawler's stats."""

    def __init__(self, robotstxt_body: bytes, spider: Any, crawler: Any = None) -> None:
        super().__init__(robotstxt_body, spider)
        self.text = decode_robotstxt(robotstxt_body, spider)
        self.stats = crawler.stats if crawler is not None else None

    @classmethod
    def from_crawler(cls, crawler: Any, robotstxt_body: bytes) -> ExplainingRobotParser:
        return cls(robotstxt_body, crawler.spider if crawler else None, crawler)

    def allowed(self, url: str | bytes, user_agent: str | bytes) -> bool:
        if super().allowed(url, user_agent):
            return True
        if self.stats is not None:
            agent, page = to_unicode(user_agent), to_unicode(url)
            rule = matching_rule(self.text, agent, page)
            self.stats.set_value(FORBIDDEN_STAT,
                                 f"{rule} forbids {page} to our User-Agent {agent!r}")
        return False


def matching_rule(text: str, user_agent: str, url: str) -> str:
    """The robots.txt group and rule that decide ``url`` for ``user_agent`` (RFC 9309: the
    group naming the longest product token in the User-Agent, else ``*``; its longest matching
    rule), as ``User-agent: * / Disallow: /path``."""
    groups: list[tuple[list[str], list[tuple[str, str]]]] = []
    for line in text.splitlines():
        field, _, value = line.split("#", 1)[0].partition(":")
        field, value = field.strip().lower(), value.strip()
        if field == "user-agent":
            if not groups or groups[-1][1]:
                groups.append(([], []))
            groups[-1][0].append(value)
        elif field in ("allow", "disallow") and groups and value:
            groups[-1][1].append((field, value))
    agent = user_agent.lower()
    named = [(len(token), token, rules) for tokens, rules in groups for token in tokens
             if token != "*" and token.lower() in agent]  # fmt: skip
    star = [("*", rules) for tokens, rules in groups if "*" in tokens]
    token, rules = max(named)[1:] if named else (star[0] if star else ("*", []))
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    matching = [(len(value), field == "allow", field, value) for field, value in rules
                if _pattern(value).match(path)]  # fmt: skip
    if not matching:
        return f"User-agent: {token} (no single rule)"
    _, _, field, value = max(matching)
    return f"User-agent: {token} / {field.capitalize()}: {value}"


def _pattern(value: str) -> re.Pattern[str]:
    anchored = value.endswith("$")
    body = ".*".join(re.escape(part) for part in value.rstrip("$").split("*"))
    return re.compile(body + ("$" if anchored else ""))
