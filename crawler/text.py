"""Text normalization: the one home for cleaning Vietnamese text.

Everything that turns raw page text into archive text lives here: Unicode NFC, the odd spaces,
whitespace collapsing, the portal's boilerplate texts, the date formats, bylines and photo
credits. It imports nothing of the project, so the page layouts, the archive and the tests all
share exactly these rules. (Folding for search lives with search, in archive/folding.py.)
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timedelta, timezone

# --- Characters -----------------------------------------------------------------------------

# Characters that should vanish: zero-width spaces/joiners, word joiner, BOM, soft hyphen.
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")


def clean_inline(text: str | None) -> str:
    """Return ``text`` as one normalized line: NFC, odd spaces folded, whitespace collapsed.

    No-break and the other Unicode spaces count as whitespace (``str.split`` sees them all).
    """
    if not text:
        return ""
    # The usual case: already one line with single spaces. All whitespace but the space, and
    # the invisible characters, are unprintable; NFC adds neither, so only NFC is left to do.
    if text.isprintable() and "  " not in text and text[0] != " " and text[-1] != " ":
        return unicodedata.normalize("NFC", text)
    if _INVISIBLE.search(text):
        text = _INVISIBLE.sub("", text)
    return " ".join(unicodedata.normalize("NFC", text).split())


def strip_marks(text: str) -> str:
    """``text`` without tone and vowel marks, đ and Đ as d and D; nothing else changes (no
    NFC, spaces or case): ``strip_marks("Điều phối")`` is ``"Dieu phoi"``."""
    decomposed = unicodedata.normalize("NFD", text)
    return decomposed.translate(_WITHOUT_MARKS).replace("đ", "d").replace("Đ", "D")


class _MarkRemover(dict):
    """str.translate table that deletes combining marks, filled one character on first use."""

    def __missing__(self, code: int) -> int | None:
        kept = None if unicodedata.combining(chr(code)) else code
        self[code] = kept
        return kept


_WITHOUT_MARKS = _MarkRemover()


def join_paragraphs(paragraphs: list[str]) -> str:
    """Join paragraphs the way ``body`` stores them: one blank line between paragraphs."""
    return "\n\n".join(paragraphs)


_WORD = re.compile(r"\w+")


def word_count(text: str) -> int:
    """Count words (runs of letters or digits) in ``text``."""
    return _WORD.subn("", text)[1]  # (the number of words removed: no list of them is built)


# --- Boilerplate texts ------------------------------------------------------------------------
# The one list of the portal's boilerplate texts (PORTAL.md). Both the known layouts and the
# fallback drop any block whose normalized text matches one of these patterns.

_SHARE_TARGETS = (r"(Facebook|Zalo|Twitter|Tweet|Share|LinkedIn|E-?mail|Gửi email|In bài viết|"
                  r"In trang|Bản in|In|Sao chép liên kết|Copy link|Về đầu trang)")
BOILERPLATE_PATTERNS: tuple[str, ...] = (
    r"Cỡ chữ\s*:.*",                       # font-size controls: "Cỡ chữ: +A | -A | Bản in"
    r"\+A\s*\|\s*-A.*",
    r"Bản in",
    r"In bài( viết)?",
    r"Lượt xem\s*:?\s*\d*",                # view counter
    r"Lượt đọc\s*:?\s*\d*",
    r"Tiêu đề bài viết\s*:.*Nội dung như sau\s*:.*",  # text-to-speech widget
    r"(Nghe|Đọc) bài( viết)?",
    r"THỐNG KÊ TRUY CẬP",                  # visit counter
    r"((Đang truy cập|Đang online|Hôm nay|Hôm qua|Tháng hiện tại|Tuần hiện tại|Tổng|"
    r"Tổng lượt truy cập|Tổng truy cập|Lượt truy cập)\s*:?\s*[\d.,]*\s*)+",
    r"Liên kết( website)?\s*:?",          # link-box headings
    r"ipv6 ready",                         # footer badges (image alt texts)
    r"Chung nhan Tin Nhiem Mang",
    r"Chứng nhận Tín Nhiệm Mạng",
    r"Gửi email",                          # share and print tools
    r"Gửi bài viết",
    rf"Chia sẻ(\s*bài viết)?\s*(:|qua|lên)?\s*({_SHARE_TARGETS}\s*[|,/·\-]?\s*)*",
    rf"({_SHARE_TARGETS}\s*[|,/·\-]?\s*)+",
    r"Về đầu trang",
    r"(Quay )?(lại|trở về)( trang trước)?",
    r"Tin liên quan\s*:?",                 # related-news box headings
    r"Các tin (khác|đã đưa|liên quan|cùng chuyên mục)\s*:?",
    r"Tin (cùng chuyên mục|mới hơn|cũ hơn|khác)\s*:?",
    r"Xem thêm\s*:?",
    r"®.*Ghi rõ nguồn.*",                  # copyright line
    r"Ghi rõ nguồn.*",
    r"(Gửi )?Bình luận(\s*\(\d+\))?\s*:?",
    r"Ý kiến bạn đọc\s*:?",
    r"Trang chủ(\s*[/>»›]\s*.*)?",         # breadcrumbs
    # attachment headings (the links themselves are kept as attachments)
    r"(Văn bản|Tệp tin|Tệp|Tài liệu|Tập tin|File|Hồ sơ)\s+đính kèm\s*:?",
    r"(Tải về|Tải xuống|Download|Xem tệp|Xem file|Tải tệp)\s*:?",
)
_BOILERPLATE = re.compile(
    "|".join(f"(?:{p})" for p in BOILERPLATE_PATTERNS), re.IGNORECASE
)


_BOILERPLATE_MAX_CHARS = 300  # longer blocks are only checked for the reader widget's text


def is_boilerplate(text: str, normalized: bool = False) -> bool:
    """True when the whole of ``text`` (one block) is a known boilerplate text.

    ``normalized=True`` (here and in the functions below) says ``text`` has been through
    ``clean_inline`` already, which saves cleaning it again.
    """
    text = text if normalized else clean_inline(text)
    if len(text) > _BOILERPLATE_MAX_CHARS and not text.startswith("Tiêu đề bài viết"):
        return False
    return bool(_BOILERPLATE.fullmatch(text))


# --- Ids ----------------------------------------------------------------------------------

CMS_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)


def is_cms_id(text: str, normalized: bool = False) -> bool:
    """True when ``text`` is nothing but a CMS content id (a UUID)."""
    text = text if normalized else clean_inline(text)
    return len(text) == 36 and bool(CMS_UUID.fullmatch(text))


# --- Bylines and photo credits --------------------------------------------------------------

# "Tin, ảnh: Minh Huyền", "Tác giả: ...", "Bài và ảnh: ...": a labelled byline.
_BYLINE = re.compile(
    r"^\(?\s*(?:Tin\s*(?:,|và|&)?\s*ảnh|Bài\s*(?:,|và|&)?\s*ảnh|Tin\s*(?:,|và|&)?\s*bài|"
    r"Tác giả|Bài|Tin|Người viết|Phóng viên|PV)\s*:\s*(?P<name>[^()]{2,80}?)\s*\)?\s*\.?$",
    re.IGNORECASE,
)
# "(Ảnh: Xuân Giang)" or "Ảnh: Thanh Tâm" at the end of a caption.
_CREDIT_LABELS = ("Ảnh", "Nguồn ảnh", "Photo")
_CREDIT_LABEL = rf"(?:{'|'.join(_CREDIT_LABELS)})\s*:"
_CREDIT = re.compile(
    rf"\s*[-–—]?\s*\(?\s*{_CREDIT_LABEL}\s*(?P<credit>[^()]{{1,80}}?)\s*\)?\s*\.?\s*$",
    re.IGNORECASE,
)
_CREDIT_LABEL_SEARCH = re.compile(_CREDIT_LABEL, re.IGNORECASE)
_NAME_SEPARATORS = re.compile(r"[\s,\-–]+")


def parse_labelled_byline(text: str, normalized: bool = False) -> str | None:
    """Return the name in a labelled byline ("Tin, ảnh: Minh Huyền" -> "Minh Huyền", "Theo Báo
    Cần Thơ" -> "Báo Cần Thơ"), else None. A CMS account ("admin admin") is no name."""
    text = text if normalized else clean_inline(text)
    match = _BYLINE.match(text)
    if match:
        name = clean_inline(match.group("name"))
    elif text.startswith("Theo ") and looks_like_name(text[5:], normalized=True):
        name = text[5:]
    else:
        return None
    return None if is_account_name(name) else name


_ACCOUNT_WORDS = frozenset({"admin", "administrator", "quantri", "webmaster", "editor", "user",
                            "test", "root", "bientap", "btv"})


def is_account_name(name: str) -> bool:
    """True for a CMS account shown where a byline goes ("admin admin", "webmaster")."""
    folded = strip_marks(name).lower().split()
    return bool(folded) and all(word in _ACCOUNT_WORDS for word in folded)


def looks_like_name(text: str, max_words: int = 6, normalized: bool = False) -> bool:
    """True when ``text`` reads like a bare byline: a few capitalized words, no sentence."""
    text = text if normalized else clean_inline(text)
    if not text or len(text) > 60 or text[-1] in ".:;?!,":
        return False
    words = [w for w in _NAME_SEPARATORS.split(text) if w]
    if not 1 <= len(words) <= max_words:
        return False
    return all(w[0].isupper() and w.replace(".", "").isalpha() for w in words)


def split_photo_credit(caption: str, normalized: bool = False) -> tuple[str, str]:
    """Split a caption into (caption, credit).

    ``"Đoàn thăm (Ảnh: Xuân Giang)"`` gives ``("Đoàn thăm", "Xuân Giang")``.
    """
    caption = caption if normalized else clean_inline(caption)
    match = _search_credit(caption)
    if not match:
        return caption, ""
    text = caption[: match.start()].rstrip(" -–—.,;").strip()
    return text, clean_inline(match.group("credit"))


def _search_credit(caption: str) -> re.Match | None:
    """``_CREDIT.search(caption)``, with the cheap tests first and the scan started where a
    match can start at the earliest (the regex is slow, captions are long, labels are near
    the end)."""
    lowered = caption.lower()  # (the labels' letters fold the same in str.lower and re)
    if not any(label.lower() in lowered for label in _CREDIT_LABELS):
        return None
    label = _CREDIT_LABEL_SEARCH.search(caption)
    if label is None:
        return None
    # Every match holds a label, at the first one found or later; before the label it
    # only allows whitespace, dashes and an opening parenthesis.
    start = label.start()
    while start > 0 and (caption[start - 1].isspace() or caption[start - 1] in "-–—("):
        start -= 1
    return _CREDIT.search(caption, start)


# --- Dates ----------------------------------------------------------------------------------
# The one list of date formats. Each pattern names day/month/year and optionally hour/minute
# and am/pm. All are Vietnam local time (UTC+7, no daylight saving).

VIETNAM_OFFSET = "+07:00"
_D = r"(?P<day>\d{1,2})"
_M = r"(?P<month>\d{1,2})"
_Y = r"(?P<year>\d{4})"
_HM = (r"(?P<hour>\d{1,2})\s*[:hg]\s*(?P<minute>\d{2})(?:\s*:\s*\d{2})?"
       r"\s*(?P<ampm>[AaPp]\.?[Mm]\.?)?")

DATE_PATTERNS: tuple[str, ...] = (
    # ISO, as in <time datetime> and <meta property="article:published_time">
    r"(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})(?:[T ](?P<hour>\d{2}):(?P<minute>\d{2})"
    r"(?::\d{2}(?:\.\d+)?)?(?P<tz>Z|[+-]\d{2}:?\d{2})?)?",
    # "Thứ sáu, ngày 7 tháng 9 năm 2018 | 18:49"
    rf"ngày\s+{_D}\s+tháng\s+{_M}\s+năm\s+{_Y}(?:\s*[|,\-–]?\s*(?:lúc\s*)?{_HM})?",
    # "10:17 - 19/05/2021"
    rf"{_HM}\s*[|,\-–]?\s*(?:ngày\s*)?{_D}[/.-]{_M}[/.-]{_Y}",
    # "19/05/2023", "19/05/2023 08:15", "27/07/2022 | 4:04 PM", "Thứ Sáu, 19/05/2023 - 08:15"
    rf"{_D}[/.-]{_M}[/.-]{_Y}(?:\s*[|,\-–]?\s*(?:lúc\s*)?{_HM})?",
)
_DATE_REGEXES = tuple(re.compile(p, re.IGNORECASE) for p in DATE_PATTERNS)
_YEAR = re.compile(_Y)  # every pattern has a year: the cheap test for texts without a date


def parse_vietnamese_date(text: str | None) -> str | None:
    """Parse the first date in ``text`` into ISO 8601 in Vietnam time.

    Returns ``"2023-05-19"`` when only a date is given and ``"2023-05-19T08:15:00+07:00"`` when a
    time is given too; ``None`` when no valid date is found. Timestamps with another offset are
    converted to +07:00.
    """
    text = clean_inline(text)
    if not text or not _YEAR.search(text):
        return None
    best: tuple[int, str] | None = None
    for regex in _DATE_REGEXES:
        for match in regex.finditer(text):
            iso = _to_iso(match.groupdict())
            if iso and (best is None or match.start() < best[0]):
                best = (match.start(), iso)
                break
    return best[1] if best else None


def _to_iso(parts: dict[str, str | None]) -> str | None:
    try:
        day, month, year = int(parts["day"]), int(parts["month"]), int(parts["year"])
        if parts.get("hour") is None:
            return datetime(year, month, day).date().isoformat()
        hour, minute = int(parts["hour"]), int(parts["minute"])
        ampm = (parts.get("ampm") or "").replace(".", "").lower()
        if ampm == "pm" and hour < 12:
            hour += 12
        elif ampm == "am" and hour == 12:
            hour = 0
        moment = datetime(year, month, day, hour, minute)
    except (TypeError, ValueError):
        return None
    tz = parts.get("tz")
    if tz:
        offset = "+00:00" if tz.upper() == "Z" else tz if ":" in tz else f"{tz[:3]}:{tz[3:]}"
        moment = datetime.fromisoformat(f"{moment.isoformat()}{offset}")
        moment = moment.astimezone(timezone(timedelta(hours=7))).replace(tzinfo=None)
    if not 1990 <= moment.year <= 2100:
        return None
    return f"{moment.isoformat(timespec='seconds')}{VIETNAM_OFFSET}"


_DATE_LINE_WORDS = re.compile(
    r"ngày\s+đăng|đăng\s+ngày|cập\s+nhật(\s+lúc)?|ngày|tháng|năm|lúc|giờ|thứ\s+(hai|ba|tư|năm|sáu|"
    r"bảy|bẩy)|chủ\s+nhật|posted|updated|published|[AP]\.?M\.?|GMT\s*\+?\s*7|\d+|[\s:/|,.\-–()+h]",
    re.IGNORECASE,
)


def is_date_line(text: str, normalized: bool = False) -> bool:
    """True when ``text`` is only a date line, like "Thứ Sáu, 19/05/2023 - 08:15"."""
    text = text if normalized else clean_inline(text)
    # The cheap tests first: a date has a four-digit year, and most short lines have other words.
    if not text or len(text) > 80 or not _YEAR.search(text) or _DATE_LINE_WORDS.sub("", text):
        return False
    return parse_vietnamese_date(text) is not None



# --- Notice texts ---------------------------------------------------------------------------
# The one list of texts a portal serves in place of an article, beside the boilerplate texts:
# (kind, pattern), lowercase, matched against the lowercased NFC text of a page. "removed" is
# a soft 404 (the article may be gone for good); the other kinds say nothing about the article.
# Each pattern starts with a plain phrase (no group), which keeps the search fast, and is
# specific to notices: a short article may say "bảo trì" or "lỗi", not "hệ thống đang bảo trì".
# archive/changes.py decides what a match means (it never lets such a page replace an article).

NOTICE_TEXTS: tuple[tuple[str, str], ...] = (
    ("removed", r"không tồn tại hoặc đã bị"),
    ("removed", r"không còn tồn tại"),
    ("removed", r"bài viết không tồn tại"),
    ("removed", r"nội dung không tồn tại"),
    ("removed", r"trang không tồn tại"),
    ("removed", r"trang bạn tìm không tồn tại"),
    ("removed", r"đã bị gỡ bỏ khỏi hệ thống"),
    ("removed", r"không tìm thấy (trang|bài viết|tin bài|nội dung) (bạn|này|yêu cầu)"),
    ("removed", r"page not found"),
    ("removed", r"no longer (exists|available)"),
    ("maintenance", r"hệ thống đang (được )?(bảo trì|nâng cấp)"),
    ("maintenance", r"website đang (được )?(bảo trì|nâng cấp)"),
    ("maintenance", r"trang web đang (được )?(bảo trì|nâng cấp)"),
    ("maintenance", r"cổng thông tin đang (được )?(bảo trì|nâng cấp)"),
    ("maintenance", r"tạm ngừng hoạt động để (bảo trì|nâng cấp)"),
    ("maintenance", r"under maintenance"),
    ("error", r"xảy ra lỗi trong quá trình xử lý"),
    ("error", r"xảy ra lỗi khi xử lý"),
    ("error", r"lỗi máy chủ"),
    ("error", r"internal server error"),
    ("error", r"service unavailable"),
    ("error", r"an error (has )?occurred"),
    ("login", r"vui lòng đăng nhập"),
    ("login", r"bạn cần đăng nhập"),
    ("login", r"bạn phải đăng nhập"),
    ("login", r"đăng nhập để (xem|tiếp tục|truy cập)"),
    ("login", r"bạn không có quyền truy cập"),
    ("login", r"please (log|sign) in"),
    ("login", r"access denied"),
    ("challenge", r"bật javascript"),
    ("challenge", r"kích hoạt javascript"),
    ("challenge", r"enable javascript"),
    ("challenge", r"kiểm tra trình duyệt"),
    ("challenge", r"checking your browser"),
    ("challenge", r"xác minh bạn (là người|không phải)"),
    ("challenge", r"bạn đã gửi quá nhiều yêu cầu"),
    ("challenge", r"too many requests"),
)
