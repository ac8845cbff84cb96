"""The Article record: what extraction produces and what the archive stores.

It imports only the standard library, so the archive can store Articles without loading the
extraction code (lxml, nh3, the layouts).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field

# The canonical JSON the content hash is taken over (json.dumps with these options).
_CANONICAL_JSON = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))


@dataclass
class Image:
    """An image in the article body, with its caption and photo credit (both may be empty)."""

    src: str
    caption: str = ""
    credit: str = ""


@dataclass
class Attachment:
    """A file linked from the article (PDF, DOC, ...)."""

    url: str
    title: str = ""


@dataclass
class Article:
    """One normalized article. Text fields are NFC with single spaces; empty means absent."""

    url: str
    title: str
    body: str
    published: str = ""  # ISO 8601: "2023-05-19" or "2023-05-19T08:15:00+07:00"
    portal_id: str = ""
    section: str = ""
    author: str = ""
    lead: str = ""
    body_html: str = ""
    images: list[Image] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    language: str = "vi"
    word_count: int = 0
    content_hash: str = ""
    fetched_at: str = ""  # UTC, ISO 8601 with "Z"
    layout: str = ""  # which page layout extracted it, or "fallback"

    def __post_init__(self) -> None:
        self.images = [i if isinstance(i, Image) else Image(**i) for i in self.images]
        self.attachments = [
            a if isinstance(a, Attachment) else Attachment(**a) for a in self.attachments
        ]
        if not self.content_hash:
            self.content_hash = self.compute_hash()

    def compute_hash(self) -> str:
        """SHA-256 over the normalized content, independent of when and how it was fetched."""
        content = {
            "title": self.title,
            "published": self.published,
            "author": self.author,
            "lead": self.lead,
            "body": self.body,
            # Plain dicts, not asdict (which deep-copies); the JSON, and so the hash, is the same.
            "images": [{"src": i.src, "caption": i.caption, "credit": i.credit}
                       for i in self.images],
            "attachments": [{"url": a.url, "title": a.title} for a in self.attachments],
        }
        canonical = _CANONICAL_JSON.encode(content)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    def to_dict(self) -> dict:
        """A plain dict (images and attachments as lists of dicts), ready for JSON or storage."""
        return asdict(self)
