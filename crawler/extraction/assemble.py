"""From blocks to article parts: body paragraphs, images with captions, attachments, the byline.

The rules here are shared by every layout and the fallback:
- boilerplate texts (crawler.text) and CMS ids never reach the body;
- a related-news heading takes the list of links after it along;
- a short centered, italic or caption-marked line right after an image is its caption, and a
  photo credit inside it ("Ảnh: ...") is split off, never taken for the author; a credit on its
  own line goes to the image before it, never to the body;
- a labelled byline ("Tin, ảnh: ...", "Tác giả: ...") at the start or end, or a bare name as the
  last line, is the author and leaves the body;
- links to documents (PDF, DOC, ...) are attachments.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from urllib.parse import urlparse

import nh3

from crawler import text as textnorm
from crawler.article import Attachment, Image
from crawler.extraction.blocks import Block

DOCUMENT_EXTENSIONS = (".pdf", ".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx", ".odt", ".ods",
                       ".rtf", ".zip", ".rar", ".7z")
_RELATED_HEADINGS = ("tin liên quan", "các tin khác", "tin khác", "các tin liên quan",
                     "tin cùng chuyên mục", "xem thêm", "các tin đã đưa")
# (lower() never shortens a text: a longer one cannot be a related-news heading)
_RELATED_HEADING_MAX_CHARS = max(map(len, _RELATED_HEADINGS))
_CAPTION_MAX_CHARS = 300
_INLINE_TAGS = {"a", "b", "strong", "i", "em", "u", "sub", "sup", "br", "span", "mark", "small"}
_SANITIZER_OPTIONS = {
    "tags": _INLINE_TAGS,
    "attributes": {"a": {"href", "title"}},
    "url_schemes": {"http", "https", "mailto"},
    "link_rel": "noopener noreferrer nofollow",
}
_sanitize = nh3.Cleaner(**_SANITIZER_OPTIONS).clean  # one configured sanitizer (nh3 >= 0.3)


@dataclass
class ContentParts:
    """What the content container holds, normalized."""

    paragraphs: list[str] = field(default_factory=list)
    body_html: str = ""
    images: list[Image] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    author: str = ""
    cms_id: str = ""


def is_document_link(url: str) -> bool:
    """True when ``url`` points at a document file (by the extension of its path)."""
    path = urlparse(url).path.lower()
    return path.endswith(DOCUMENT_EXTENSIONS)


def assemble(blocks: list[Block], *, lead: str = "", title: str = "") -> ContentParts:
    """Turn a container's blocks into article parts (see the module docstring)."""
    parts = ContentParts()
    kept: list[Block | Image] = []
    after_related_heading = False
    previous: Block | Image | None = None
    for block in blocks:
        if block.kind == "image":
            image = Image(src=block.src)
            if block.caption:
                image.caption, image.credit = textnorm.split_photo_credit(block.caption)
            kept.append(image)
            previous = image
            continue
        text = block.text = textnorm.clean_inline(block.text)  # cleaned once, here
        if not text:
            continue
        if textnorm.is_cms_id(text, normalized=True):
            parts.cms_id = parts.cms_id or text
            continue
        if _is_related_heading(text):
            after_related_heading = True
            continue
        if after_related_heading and block.link_density > 0.6:
            continue
        after_related_heading = False
        if textnorm.is_boilerplate(text, True) or textnorm.is_date_line(text, True):
            continue
        if _take_attachments(block, text, parts):
            continue
        caption, credit = textnorm.split_photo_credit(text, True)
        if credit and not caption:  # a photo credit on its own line, "(Ảnh: ...)"
            if isinstance(previous, Image) and not previous.credit:
                previous.credit = credit
            continue
        if isinstance(previous, Image) and not previous.caption and is_caption(block, text):
            previous.caption, previous.credit = textnorm.split_photo_credit(text, True)
            previous = block
            continue
        kept.append(block)
        previous = block

    text_blocks = [b for b in kept if isinstance(b, Block)]
    _take_byline(text_blocks, kept, parts)
    lead_norm, title_norm = textnorm.clean_inline(lead), textnorm.clean_inline(title)
    html_parts: list[str] = []
    for item in kept:
        if isinstance(item, Image):
            parts.images.append(item)
            html_parts.append(_figure_html(item))
            continue
        paragraph = item.text
        if not parts.paragraphs and paragraph in (lead_norm, title_norm):
            continue  # the lead or title repeated as the first paragraph
        parts.paragraphs.append(paragraph)
        html_parts.append(_paragraph_html(item, paragraph))
    parts.body_html = "\n".join(html_parts)
    return parts


def _is_related_heading(text: str) -> bool:
    heading = text.rstrip(" :")
    return len(heading) <= _RELATED_HEADING_MAX_CHARS and heading.lower() in _RELATED_HEADINGS


def is_caption(block: Block, text: str) -> bool:
    """True when a text block right after an image reads as its caption."""
    if len(text) > _CAPTION_MAX_CHARS:
        return False
    if block.caption_hint or block.emphasized:
        return True
    has_credit = textnorm.split_photo_credit(text, True)[1] != ""
    return block.centered and (has_credit or len(text) < 200)


def _take_attachments(block: Block, text: str, parts: ContentParts) -> bool:
    """Record document links; True when the block was nothing but an attachment line."""
    documents = [(href, t) for href, t in block.links if is_document_link(href)]
    if not documents:
        return False
    known = {a.url for a in parts.attachments}
    for href, link_text in documents:
        if href not in known:
            title = textnorm.clean_inline(link_text) or urlparse(href).path.rsplit("/", 1)[-1]
            parts.attachments.append(Attachment(url=href, title=title))
            known.add(href)
    rest = text
    for _, link_text in documents:
        rest = rest.replace(textnorm.clean_inline(link_text), " ")
    rest = textnorm.clean_inline(rest.strip(" ,;:-–|"))
    return not rest or textnorm.is_boilerplate(rest) or len(rest) < 3


def _take_byline(text_blocks: list[Block], kept: list, parts: ContentParts) -> None:
    """Find the author at the start or end of the text and remove that line from ``kept``."""
    if not text_blocks:
        return
    candidates = [text_blocks[0]] + text_blocks[-2:][::-1]
    for block in candidates:
        name = textnorm.parse_labelled_byline(block.text, normalized=True)
        if name:
            parts.author = name
            _remove(kept, block)
            return
    last = text_blocks[-1]
    text = last.text  # cleaned in assemble()
    if len(text_blocks) > 1 and textnorm.looks_like_name(text, normalized=True) and (
        len(text.split()) <= 4 or last.right_aligned or last.bold  # the cheap test first
    ):
        parts.author = text
        _remove(kept, last)


def _remove(kept: list, block: Block) -> None:
    """Remove ``block`` itself from ``kept`` (not an earlier paragraph equal to it)."""
    del kept[next(index for index, item in enumerate(kept) if item is block)]


def _paragraph_html(block: Block, paragraph: str) -> str:
    # Inline markup worth keeping (only a source with child elements has any); plain text
    # needs no sanitizer.
    if block.source is not None and len(block.source) and "<" in block.html:
        inner = textnorm.clean_inline(_sanitize(block.html))
        if inner:
            return f"<p>{inner}</p>"
    return f"<p>{html.escape(paragraph, quote=False)}</p>"


def _figure_html(image: Image) -> str:
    src = html.escape(image.src)
    caption = html.escape(image.caption, quote=False)
    credit = html.escape(image.credit, quote=False)
    credit = f" <small>Ảnh: {credit}</small>" if credit else ""
    figcaption = f"<figcaption>{caption}{credit}</figcaption>" if caption or credit else ""
    return f'<figure><img src="{src}" alt="{html.escape(image.caption)}">{figcaption}</figure>'
