"""NotAnArticle: what extraction raises for a page that holds no single article."""

from __future__ import annotations


class NotAnArticle(Exception):
    """The page is not an article (no title or no body). ``reason`` says which."""

    def __init__(self, reason: str, url: str = "") -> None:
        super().__init__(f"{reason}: {url}" if url else reason)
        self.reason = reason
        self.url = url
