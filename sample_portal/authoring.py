"""Write the sample site and its ground truth from the hand-written articles.

The articles are authored once, by hand, in :mod:`sample_portal.authored_articles`: every
truth field (title, published, author, lead, body paragraphs, captions, credits, attachments)
is typed there as it must come out, next to the page-only details (date text, layout, quirks).
This module renders each article into a stored page of its portal generation and writes the
truth JSON straight from the authored fields; it never parses a rendered page.

Text markers inside authored paragraphs (the truth is the text with the marker replaced):

========  =================================  =================
marker    in the page                        in the truth
========  =================================  =================
``**x**``  ``<strong>x</strong>``              ``x``
``__x__``  ``<em>x</em>``                      ``x``
``[[t|u]]`` ``<a href="u">t</a>``              ``t``
``{nbsp}`` ``&nbsp;``                          a space
``{NBSP}`` a raw U+00A0                        a space
``{zw}``   a raw U+200B                        nothing
``{nl}``   a line break and indentation        a space
========  =================================  =================

Run ``python -m sample_portal.authoring`` after editing the authored articles; it rewrites
``sample_portal/site`` (manifest, article pages). It writes no expected extraction results: the
extraction fixtures (``tests/fixtures/pages/sample_portal``) hold their own copy of each page and
an expected JSON that a person reviewed; ``scripts/refresh_fixtures.py`` shows the diff.
"""

from __future__ import annotations

import html
import json
import re
import sys
import unicodedata
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from sample_portal.server import (
    FOOTER_HTML,
    SECTION_MENU_LABEL,
    SECTION_NAME,
    SECTION_PATH,
    SITE_DIR,
    esc,
    menu_html,
    sidebar_html,
)

WPS_PREFIX = "/wps/portal/home/tin-hoat-dong-lanh-dao/"
WCM_NAMESPACE = uuid.UUID("6f1c0a52-3d0e-4c55-9b7e-2a8d4f0c9e11")


@dataclass
class P:
    """A body paragraph; ``nfd`` stores it decomposed in the page."""

    text: str
    nfd: bool = False
    style: str = ""


@dataclass
class Img:
    """An image and its caption.

    ``credit_form``: ``"paren"`` -> ``CAPTION (Ảnh: CREDIT)``; ``"plain"`` -> ``CAPTION. Ảnh:
    CREDIT``. ``name`` is the file name; the page path is derived from the article.
    """

    name: str
    caption: str
    credit: str = ""
    credit_form: str = "paren"
    nfd: bool = False


@dataclass
class Attachment:
    name: str
    title: str


@dataclass
class Article:
    """One authored article: truth fields plus the details of how its page shows them."""

    name: str
    layout: str  # current | websphere | websphere_old | unknown_a | unknown_b
    slug: str
    title: str
    date_text: str
    list_date: str
    published: str
    blocks: list[P | Img]
    exercises: str
    author: str = ""
    byline: str = "bare"  # bare | tin_anh | tac_gia | none
    lead: str = ""
    portal_id: str = ""
    title_page: str = ""  # the title as stored in the page, with markers; default: title
    nfd_title: bool = False
    attachments: list[Attachment] = field(default_factory=list)
    charset: str = "utf-8"
    boxes_inside: bool = False  # related news and share box inside the content container
    other_news_box: bool = False  # websphere: a separate "Các tin khác" portlet
    show_section: bool = True  # unknown layouts: does the page show the section name?
    summary: str = ""
    section_path: str = SECTION_PATH  # other sections' pages reuse the current layout
    section_name: str = SECTION_NAME
    section_label: str = SECTION_MENU_LABEL

    @property
    def generation(self) -> str:
        return {"websphere_old": "websphere", "unknown_a": "unknown", "unknown_b": "unknown"}.get(
            self.layout, self.layout
        )

    @property
    def path(self) -> str:
        if self.generation == "websphere":
            return WPS_PREFIX + self.slug
        return f"{self.section_path}/{self.slug}"

    @property
    def file(self) -> str:
        if self.section_path != SECTION_PATH:
            return f"other{self.path}.html"
        return f"articles/{self.name}.html"

    def image_src(self, img: Img) -> str:
        if self.generation == "websphere":
            image_id = uuid.uuid5(WCM_NAMESPACE, f"{self.name}/{img.name}")
            return f"/wps/wcm/connect/{image_id}/{img.name}?MOD=AJPERES"
        return f"/uploads/{self.published[:4]}/{self.published[5:7]}/{img.name}"

    def attachment_url(self, att: Attachment) -> str:
        if self.generation == "websphere":
            file_id = uuid.uuid5(WCM_NAMESPACE, f"{self.name}/{att.name}")
            return f"/wps/wcm/connect/{file_id}/{att.name}?MOD=AJPERES"
        return f"/uploads/files/{self.published[:4]}/{att.name}"


# --- text markers ------------------------------------------------------------------------------

_INLINE = (
    (re.compile(r"\*\*(.+?)\*\*"), r"<strong>\1</strong>", r"\1"),
    (re.compile(r"__(.+?)__"), r"<em>\1</em>", r"\1"),
    (re.compile(r"\[\[(.+?)\|(.+?)\]\]"), r'<a href="\2">\1</a>', r"\1"),
)


def page_text(text: str, nfd: bool = False, old: bool = False) -> str:
    """The authored text as HTML for the page."""
    out = html.escape(text, quote=False)
    for pattern, page_repl, _ in _INLINE:
        repl = page_repl.replace("strong>", "b>").replace("em>", "i>") if old else page_repl
        out = pattern.sub(repl, out)
    out = (
        out.replace("{nbsp}", "&nbsp;")
        .replace("{NBSP}", "\u00a0")
        .replace("{zw}", "\u200b")
        .replace("{nl}", "\n        ")
    )
    return unicodedata.normalize("NFD", out) if nfd else out


def truth_text(text: str) -> str:
    """The authored text as it must be extracted; fails loudly on sloppy authoring."""
    out = text
    for pattern, _, truth_repl in _INLINE:
        out = pattern.sub(truth_repl, out)
    out = out.replace("{nbsp}", " ").replace("{NBSP}", " ").replace("{zw}", "").replace("{nl}", " ")
    out = out.strip()
    if "  " in out or "{" in out or not unicodedata.is_normalized("NFC", out):
        raise ValueError(f"authored text is not clean truth: {text!r}")
    return out


def caption_page_text(img: Img) -> str:
    caption = page_text(img.caption, img.nfd)
    if not img.credit:
        return caption
    if img.credit_form == "paren":
        return f"{caption} (Ảnh: {esc(img.credit)})"
    return f"{caption}. Ảnh: {esc(img.credit)}"


# --- shared page pieces ------------------------------------------------------------------------

_SCRIPTS_HEAD = (
    '<link rel="stylesheet" href="/css/portal.css">\n'
    '<script src="/js/jquery.min.js"></script>\n'
    "<script>function zoomIn(){var c=document.querySelector('.ArticleContent');"
    "c.style.fontSize='1.2em';return false;}function zoomOut(){var c=document."
    "querySelector('.ArticleContent');c.style.fontSize='1em';return false;}</script>\n"
)


def _view_counter_script(key: str) -> str:
    return (
        "<script>\n  (function(){var x=new XMLHttpRequest();"
        f"x.open('GET','/api/luot-xem?id={key}');"
        "x.onload=function(){var s=document.querySelector('.ViewCount,#luotxem');"
        "if(s){s.textContent=x.responseText;}};x.send();})();\n</script>"
    )


def _tts(article: Article) -> str:
    return (
        f"Tiêu đề bài viết: {esc(article.title)}. Nội dung như sau: . "
        f"Theo tác giả: {esc(article.author)}."
    )


def _related(article: Article, others: list[Article]) -> list[Article]:
    return [o for o in others if o.name != article.name][:3]


def _title_html(article: Article) -> str:
    return page_text(article.title_page or article.title, article.nfd_title)


# --- current site ------------------------------------------------------------------------------


def render_current(article: Article, related: list[Article]) -> str:
    content: list[str] = []
    if article.byline == "tin_anh":
        content.append(f"<p>Tin, ảnh: {esc(article.author)}</p>")
    for block in article.blocks:
        if isinstance(block, P):
            style = f' style="{block.style}"' if block.style else ""
            content.append(f"<p{style}>{page_text(block.text, block.nfd)}</p>")
        else:
            content.append(
                f'<figure class="ArticleImage"><img src="{article.image_src(block)}" alt="">'
                f"<figcaption>{caption_page_text(block)}</figcaption></figure>"
            )
    if article.byline == "bare":
        content.append(f'<p style="text-align:right"><strong>{esc(article.author)}</strong></p>')
    elif article.byline == "tac_gia":
        content.append(
            f'<p style="text-align:right">Tác giả: <strong>{esc(article.author)}</strong></p>'
        )
    related_box = (
        '<div class="RelatedNews"><h3>Tin liên quan</h3><ul>'
        + "".join(f'<li><a href="{o.path}">{esc(o.title)}</a></li>' for o in related)
        + "</ul></div>"
    )
    share_box = (
        '<div class="ShareBox">Chia sẻ: <a href="https://www.facebook.com/sharer/sharer.php?u='
        f'{article.path}">Facebook</a> <a href="#" onclick="guiEmail();return false;">Gửi email</a>'
        ' <a href="#" onclick="window.print();return false;">In bài viết</a></div>'
    )
    if article.boxes_inside:
        content += [related_box, share_box]
    parts = [
        f'<div class="ArticleDetail" data-article-id="{article.portal_id}">'
        if article.portal_id
        else '<div class="ArticleDetail">',
        f'  <div class="PostCategory"><a href="{article.section_path}">{article.section_name}</a>'
        "</div>",
        '  <div class="ArticleTools">Cỡ chữ: <a href="#" onclick="zoomIn()">+A</a> | '
        '<a href="#" onclick="zoomOut()">-A</a> |&nbsp;<a href="javascript:window.print()">'
        "Bản in</a></div>",
        f'  <h1 class="ArticleHeader">{_title_html(article)}</h1>',
        f'  <div class="ArticleDate">{esc(article.date_text)}</div>',
        '  <div class="ArticleViews">Lượt xem: <span class="ViewCount"></span></div>',
    ]
    if article.lead:
        parts.append(f'  <div class="ArticleSapo">{page_text(article.lead)}</div>')
    parts.append('  <div class="ArticleContent">')
    parts += [f"    {c}" for c in content]
    parts.append("  </div>")
    if article.attachments:
        items = "".join(
            f'<li><a href="{article.attachment_url(a)}">{esc(a.title)}</a></li>'
            for a in article.attachments
        )
        parts.append(
            f'  <div class="ArticleAttachments"><span>Tệp đính kèm:</span><ul>{items}</ul></div>'
        )
    if not article.boxes_inside:
        parts += [f"  {share_box}", f"  {related_box}"]
    parts.append(f'  <div class="TextToSpeech">{_tts(article)}</div>')
    parts.append("</div>")
    detail = "\n".join(parts)
    plain_title = esc(article.title)
    return (
        '<!DOCTYPE html>\n<html lang="vi">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{plain_title} - Cổng Thông tin điện tử thành phố Cần Thơ</title>\n"
        f'<meta name="description" content="{esc(article.summary)}">\n'
        f'<meta property="og:title" content="{plain_title}">\n'
        '<meta property="og:type" content="article">\n'
        f'<link rel="canonical" href="{article.path}">\n'
        f"{_SCRIPTS_HEAD}</head>\n<body>\n{menu_html()}\n"
        '<div class="Breadcrumb"><a href="/">Trang chủ</a> / '
        f'<a href="{article.section_path}">{article.section_label}</a></div>\n'
        f'<main class="ArticlePage">\n{detail}\n</main>\n{sidebar_html()}\n{FOOTER_HTML}\n'
        f"{_view_counter_script(article.portal_id or article.slug)}\n</body>\n</html>\n"
    )


# --- WebSphere-era site ------------------------------------------------------------------------

_WPS_NAV = (
    '<nav class="wpthemeMainNav" role="navigation"><ul class="wpthemeNavList">'
    '<li class="wpthemeNavListItem"><a href="/">Trang chủ</a></li>'
    '<li class="wpthemeNavListItem"><a href="/tin-tuc-su-kien">Tin tức - Sự kiện</a></li>'
    '<li class="wpthemeNavListItem wpthemeSelected"><a href="/hoat-dong-lanh-dao-thanh-pho">'
    "Hoạt động lãnh đạo</a></li>"
    '<li class="wpthemeNavListItem"><a href="/thong-bao">Thông báo</a></li>'
    '<li class="wpthemeNavListItem"><a href="/wps/myportal/home">Đăng nhập</a></li>'
    "</ul></nav>"
)

_WPS_SIDEBAR = (
    '<div class="wpthemeCol wpthemeCol4 wpthemeRight">\n'
    '<div class="component-control"><section class="ibmPortalControl wpthemeControl">'
    '<div class="wpthemeControlBody"><div class="thongke">'
    '<div class="thongke-tieude">THỐNG KÊ TRUY CẬP</div>'
    '<div class="thongke-dong">Đang truy cập: <span id="dangtruycap"></span></div>'
    '<div class="thongke-dong">Hôm nay: <span id="homnay"></span></div>'
    '<div class="thongke-dong">Tháng hiện tại: <span id="thanghientai"></span></div>'
    '<div class="thongke-dong">Tổng: <span id="tong"></span></div>'
    "</div></div></section></div>\n</div>"
)

_WPS_FOOTER = (
    '<footer class="wpthemeFooter" role="contentinfo"><div class="wpthemeInner">'
    '<img src="/wps/wcm/connect/8a0c5f2e-1b7d-4c3e-9f6a-2d4e5b6c7a8f/ipv6.png?MOD=AJPERES" '
    'alt="ipv6 ready"> '
    '<a href="https://tinnhiemmang.vn/"><img src="/wps/wcm/connect/'
    '8a0c5f2e-1b7d-4c3e-9f6a-2d4e5b6c7a8f/tinnhiem.png?MOD=AJPERES" '
    'alt="Chung nhan Tin Nhiem Mang"></a></div></footer>'
)


def _websphere_body(article: Article, related: list[Article]) -> list[str]:
    lines: list[str] = []
    old = article.layout == "websphere_old"
    if old:
        chunks: list[str] = []
        for block in article.blocks:
            if isinstance(block, P):
                chunks.append(page_text(block.text, block.nfd, old=True))
            else:
                chunks.append(
                    f'<img src="{article.image_src(block)}" border="0" width="450" '
                    f'alt=""><br><i>{caption_page_text(block)}</i>'
                )
        lines.append('<font face="Arial" size="2">' + "<br><br>\n".join(chunks) + "<br></font>")
        if article.author:
            lines.append(f'<div align="right"><b>{esc(article.author)}</b></div>')
    else:
        for block in article.blocks:
            if isinstance(block, P):
                style = block.style or "text-align:justify"
                lines.append(f'<p style="{style}">{page_text(block.text, block.nfd)}</p>')
            else:
                lines.append(
                    f'<p style="text-align:center"><img src="{article.image_src(block)}" '
                    'alt="" width="600"></p>'
                )
                lines.append(
                    f'<p style="text-align:center"><em>{caption_page_text(block)}</em></p>'
                )
        if article.byline == "bare":
            lines.append(f'<p style="text-align:right"><strong>{esc(article.author)}</strong></p>')
    if article.attachments:
        links = ", ".join(
            f'<a href="{esc(article.attachment_url(a))}">{esc(a.title)}</a>'
            for a in article.attachments
        )
        lines.append(f"<p>Tài liệu đính kèm: {links}</p>")
    if article.boxes_inside:
        lines.append("<p><b>Tin liên quan:</b></p>")
        lines.append(
            "<ul>"
            + "".join(f'<li><a href="{o.path}">{esc(o.title)}</a></li>' for o in related)
            + "</ul>"
        )
        lines.append(
            '<p>Chia sẻ: <a href="https://www.facebook.com/sharer/sharer.php">Facebook</a> | '
            '<a href="https://zalo.me/share">Zalo</a> | '
            '<a href="javascript:inBai()">In bài viết</a> | '
            '<a href="mailto:?subject=Tin%20bai">Gửi email</a></p>'
        )
        lines.append('<p style="text-align:right"><a href="#top">Về đầu trang</a></p>')
        lines.append(
            "<p>® Ghi rõ nguồn &quot;Cổng Thông tin điện tử thành phố Cần Thơ&quot; khi phát hành"
            " lại thông tin từ website này.</p>"
        )
    return lines


def render_websphere(article: Article, related: list[Article]) -> str:
    body = "\n".join(f"    {line}" for line in _websphere_body(article, related))
    charset = article.charset
    other_news = ""
    if article.other_news_box:
        items = "".join(f'<li><a href="{o.path}">{esc(o.title)}</a></li>' for o in related)
        other_news = (
            '\n<div class="component-control"><section class="ibmPortalControl wpthemeControl">'
            '<div class="wpthemeControlBody"><div class="wcm-tinkhac"><h3>Các tin khác</h3>'
            f"<ul>{items}</ul></div></div></section></div>"
        )
    portlet = (
        '<div class="component-control" id="portlet_chitiet"><section class="ibmPortalControl '
        'wpthemeControl"><div class="wpthemeControlBody">\n<div class="wcm-chitiet">\n'
        f'  <div class="wcm-chuyenmuc">{SECTION_NAME}</div>\n'
        '  <div class="wcm-congcu">Cỡ chữ: <a href="javascript:tangCoChu()">+A</a> | '
        '<a href="javascript:giamCoChu()">-A</a> |&nbsp;<a href="javascript:inBai()">Bản in</a>'
        "</div>\n"
        f'  <div class="wcm-tieude">{_title_html(article)}</div>\n'
        f'  <div class="wcm-ngaydang">{esc(article.date_text)}</div>\n'
        '  <div class="wcm-luotxem">Lượt xem: <span id="luotxem"></span></div>\n'
        f'  <div class="wcm-noidung">\n{body}\n  </div>\n'
        f'  <div class="wcm-id">{article.portal_id}</div>\n'
        f'  <div class="wcm-docbai">{_tts(article)}</div>\n'
        "</div>\n</div></section></div>"
    )
    return (
        '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" '
        '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">\n'
        '<html xmlns="http://www.w3.org/1999/xhtml" lang="vi">\n<head>\n'
        f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">\n'
        '<meta name="generator" content="IBM WebSphere Portal">\n'
        "<title>Cổng thông tin điện tử thành phố Cần Thơ - Tin hoạt động lãnh đạo</title>\n"
        '<link rel="stylesheet" href="/wps/themeModules/themes/html/dynamicSpots/main.css">\n'
        '<script src="/wps/portal_dojo/v1.9/dojo/dojo.js" data-dojo-config="async:true">'
        "</script>\n<script>function inBai(){window.print();}function tangCoChu(){}"
        "function giamCoChu(){}</script>\n"
        '</head>\n<body class="lotusui30dojo tundra locale_vi">\n<a name="top"></a>\n'
        '<div class="wpthemeFrame">\n'
        '<header class="wpthemeHeader" role="banner"><div class="wpthemeBanner">'
        '<a href="/"><img src="/wps/wcm/connect/8a0c5f2e-1b7d-4c3e-9f6a-2d4e5b6c7a8f/'
        'banner.png?MOD=AJPERES" alt="Cổng thông tin điện tử thành phố Cần Thơ"></a></div>'
        f"{_WPS_NAV}</header>\n"
        '<div class="wpthemeBreadcrumb"><a href="/">Trang chủ</a> &gt; '
        f'<a href="{SECTION_PATH}">Tin hoạt động lãnh đạo</a></div>\n'
        '<div class="wpthemeMainContent"><div class="wpthemeInner">\n'
        '<div class="wpthemeCol wpthemeCol8 wpthemeLeft">\n'
        f"{portlet}{other_news}\n</div>\n{_WPS_SIDEBAR}\n</div></div>\n{_WPS_FOOTER}\n</div>\n"
        f"{_view_counter_script(article.portal_id)}\n</body>\n</html>\n"
    )


# --- the 2025 redesign nobody has told the extractor about --------------------------------------


def render_unknown(article: Article, related: list[Article]) -> str:
    paras: list[str] = []
    for block in article.blocks:
        if isinstance(block, P):
            paras.append(f"<p>{page_text(block.text, block.nfd)}</p>")
        else:
            paras.append(
                f'<figure class="wp-block-image"><img src="{article.image_src(block)}" '
                f'alt="{esc(block.caption)}" loading="lazy"><figcaption>'
                f"{caption_page_text(block)}</figcaption></figure>"
            )
    if article.byline == "tac_gia":
        paras.append(
            f'<p class="has-text-align-right"><strong>Tác giả: {esc(article.author)}</strong></p>'
        )
    if article.layout == "unknown_a":
        iso = article.published
        meta = f'<time class="published" datetime="{iso}">{esc(article.date_text)}</time>'
    else:
        meta = f'<span class="post-date">{esc(article.date_text)}</span>'
    cat = (
        f'<a class="news-cat" href="{SECTION_PATH}">{SECTION_NAME}</a>'
        if article.show_section
        else ""
    )
    related_items = "".join(f'<li><a href="{o.path}">{esc(o.title)}</a></li>' for o in related)
    return (
        '<!doctype html>\n<html lang="vi">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{esc(article.title)} | Cổng TTĐT TP Cần Thơ</title>\n"
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<link rel="stylesheet" href="/assets/2025/app.css">\n'
        '<script defer src="/assets/2025/app.js"></script>\n</head>\n'
        '<body class="theme-2025">\n<div id="app">\n'
        '<header class="site-header"><a class="logo" href="/">Cổng Thông tin điện tử thành phố'
        ' Cần Thơ</a><nav class="main-nav"><a href="/">Trang chủ</a><a href="/tin-tuc-su-kien">'
        'Tin tức - Sự kiện</a><a href="/hoat-dong-lanh-dao-thanh-pho">Hoạt động lãnh đạo thành '
        'phố</a><a href="/thong-bao">Thông báo</a></nav></header>\n'
        '<nav class="breadcrumbs" aria-label="breadcrumb"><a href="/">Trang chủ</a> › '
        f'<a href="{SECTION_PATH}">{SECTION_MENU_LABEL}</a></nav>\n'
        '<div class="layout-grid">\n<article class="news-detail-2025">\n'
        f'  <div class="news-meta-top">{cat}</div>\n'
        f'  <h1 class="title">{_title_html(article)}</h1>\n'
        f'  <div class="news-meta">{meta} · <span class="views">'
        '<span class="js-views"></span> lượt xem</span>'
        '<button class="btn-print" onclick="window.print()">In</button>'
        '<button class="btn-listen" onclick="docBai()">Nghe đọc bài</button></div>\n'
        '  <div class="entry">\n' + "\n".join(f"    {p}" for p in paras) + "\n  </div>\n"
        '  <div class="share-bar">Chia sẻ: <a href="https://www.facebook.com/sharer/sharer.php">'
        'Facebook</a> <a href="https://zalo.me/share">Zalo</a> <a href="#" class="copy-link">'
        "Sao chép liên kết</a></div>\n"
        f'  <section class="related"><h2>Tin liên quan</h2><ul>{related_items}</ul></section>\n'
        "</article>\n"
        '<aside class="widget-area"><section class="widget"><h2>Tin xem nhiều</h2><ul>'
        '<li><a href="/tin-tuc-su-kien/can-tho-don-nhan-danh-hieu-thanh-pho-dang-song">'
        "Cần Thơ đón nhận danh hiệu thành phố đáng sống năm 2024</a></li></ul></section>"
        '<section class="widget counter"><h2>THỐNG KÊ TRUY CẬP</h2><p>Đang truy cập: <b></b></p>'
        "<p>Hôm nay: <b></b></p><p>Tháng hiện tại: <b></b></p><p>Tổng: <b></b></p></section>"
        "</aside>\n</div>\n"
        '<footer class="site-footer"><p>© 2025 UBND thành phố Cần Thơ</p>'
        '<img src="/images/ipv6.png" alt="ipv6 ready"> '
        '<img src="/images/tinnhiem.png" alt="Chung nhan Tin Nhiem Mang"></footer>\n'
        "</div>\n<script>window.docBai=function(){};</script>\n</body>\n</html>\n"
    )


# --- encoding ----------------------------------------------------------------------------------


# The five Vietnamese tone marks, which cp1258 has as combining characters.
_TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"


def encode_cp1258(text: str) -> bytes:
    """Encode like a legacy Vietnamese editor: precomposed where cp1258 has the letter, else the
    base letter (possibly with its circumflex, breve or horn) followed by a combining tone mark."""
    out = bytearray()
    for char in text:
        try:
            out += char.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        decomposed = unicodedata.normalize("NFD", char)
        shape = "".join(m for m in decomposed[1:] if m not in _TONE_MARKS)
        tones = "".join(m for m in decomposed[1:] if m in _TONE_MARKS)
        try:
            head = unicodedata.normalize("NFC", decomposed[0] + shape)
            out += head.encode("cp1258") + tones.encode("cp1258")
        except UnicodeEncodeError as exc:
            raise ValueError(f"cannot encode {char!r} in windows-1258") from exc
    result = bytes(out)
    if unicodedata.normalize("NFC", result.decode("cp1258")) != unicodedata.normalize("NFC", text):
        raise ValueError("windows-1258 round trip failed")
    return result


# --- writing -----------------------------------------------------------------------------------


def _summary(article: Article) -> str:
    if article.summary:
        return article.summary
    if article.lead:
        return truth_text(article.lead)
    first = next(truth_text(b.text) for b in article.blocks if isinstance(b, P))
    if len(first) <= 200:
        return first
    return first[:200].rsplit(" ", 1)[0] + "..."


def build(site_dir: Path = SITE_DIR) -> None:
    """Write the manifest and the article pages."""
    from sample_portal.authored_articles import ARTICLES

    names = [a.name for a in ARTICLES]
    titles = [truth_text(a.title) for a in ARTICLES]
    if len(set(names)) != len(names) or len(set(titles)) != len(titles):
        raise ValueError("article names and titles must be unique")
    if [a.published for a in ARTICLES] != sorted((a.published for a in ARTICLES), reverse=True):
        raise ValueError("ARTICLES must be newest first")
    (site_dir / "articles").mkdir(parents=True, exist_ok=True)
    manifest = []
    for article in ARTICLES:
        article.summary = _summary(article)
    for index, article in enumerate(ARTICLES):
        related = _related(article, ARTICLES[index + 1 :] + ARTICLES[:index])
        renderer = {
            "current": render_current,
            "websphere": render_websphere,
            "unknown": render_unknown,
        }[article.generation]
        page = renderer(article, related)
        data = encode_cp1258(page) if article.charset == "windows-1258" else page.encode("utf-8")
        (site_dir / article.file).write_bytes(data)
        manifest.append(
            {
                "name": article.name,
                "path": article.path,
                "title": truth_text(article.title),
                "date": article.list_date,
                "summary": article.summary,
                "file": article.file,
                "charset": article.charset,
                "generation": article.generation,
            }
        )
    text = json.dumps(manifest, ensure_ascii=False, indent=2) + "\n"
    (site_dir / "manifest.json").write_text(text, encoding="utf-8")
    build_other_sections(site_dir)


def build_other_sections(site_dir: Path) -> None:
    """Pages of other sections (current layout) and their one-page listings."""
    from sample_portal.authored_articles import OTHER_SECTION_PAGES

    for page in OTHER_SECTION_PAGES:
        page.summary = _summary(page)
    sections: dict[str, list[Article]] = {}
    for page in OTHER_SECTION_PAGES:
        sections.setdefault(page.section_path, []).append(page)
    for section_path, pages in sections.items():
        for page in pages:
            target = site_dir / page.file
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(render_current(page, [p for p in pages if p is not page]).encode())
        items = "\n".join(
            '    <div class="ArticleItem"><h2 class="ArticleHeader">'
            f'<a href="{p.path}">{esc(p.title)}</a></h2>'
            f'<span class="PostDate">{esc(p.list_date)}</span>'
            f'<p class="ArticleSummary">{esc(p.summary)}</p></div>'
            for p in pages
        )
        label = pages[0].section_label
        listing = (
            '<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8">'
            f"<title>{esc(label)} - Cổng Thông tin điện tử thành phố Cần Thơ</title></head>\n"
            f"<body>\n{menu_html()}\n"
            f'<div class="Breadcrumb"><a href="/">Trang chủ</a> / <span>{esc(label)}</span></div>\n'
            f'<main class="SectionPage">\n  <h1 class="SectionTitle">{esc(pages[0].section_name)}'
            f'</h1>\n  <div class="ArticleList">\n{items}\n  </div>\n'
            '  <ul class="Pagination"><li class="active"><span>1</span></li></ul>\n</main>\n'
            f"{sidebar_html()}\n{FOOTER_HTML}\n</body></html>\n"
        )
        (site_dir / "other" / f"{section_path.strip('/')}.html").write_text(listing, "utf-8")


if __name__ == "__main__":
    # Import the module by name so the dataclasses are the ones authored_articles uses.
    from sample_portal import authoring

    authoring.build()
    sys.exit(0)
