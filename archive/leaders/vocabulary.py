"""The documented lists the leader rules read: roles, offices, activities, surnames, places.

Everything an operator or a reviewer may want to check or extend is here, as data; the rules in
:mod:`archive.leaders.mentions` and :mod:`archive.leaders.activity` only walk these lists.
Patterns are matched against NFC text (``crawler.text.clean_inline``), case-sensitively unless
said otherwise.
"""

from __future__ import annotations

# --- Roles ----------------------------------------------------------------------------------
# The normalized roles, in the order the command line lists them. A title the rules recognize as
# a city office but which is not one of these (a Thành ủy board member, a head of a Thành ủy
# department) gets OTHER.
ROLES: tuple[str, ...] = (
    "Bí thư Thành ủy",
    "Phó Bí thư Thường trực Thành ủy",
    "Phó Bí thư Thành ủy",
    "Chủ tịch UBND",
    "Phó Chủ tịch UBND",
    "Chủ tịch HĐND",
    "Phó Chủ tịch HĐND",
    "Chủ tịch UBMTTQ",
    "Phó Chủ tịch UBMTTQ",
)
OTHER = "other"

# Offices held by one person at a time. An article that names only such an office ("Chủ tịch
# UBND thành phố yêu cầu ...") can be linked to the person holding it on the article's date; an
# office several people hold at once (the Vice-Chairs) never is.
SINGLE_HOLDER_ROLES: frozenset[str] = frozenset(
    {
        "Bí thư Thành ủy",
        "Phó Bí thư Thường trực Thành ủy",
        "Chủ tịch UBND",
        "Chủ tịch HĐND",
        "Chủ tịch UBMTTQ",
    }
)

# --- Offices: a head ("Phó Chủ tịch") followed by an organization of the city -----------------
# "ủy" and the older spelling "uỷ" are both written.
_UY = "(?:ủy|uỷ)"
_UY_CAP = "(?:Ủy|Uỷ)"
# "thành phố", "TP", "TP." and "Thành phố", then "Cần Thơ" if written. Another place after
# "thành phố" (Đà Nẵng, Hồ Chí Minh) makes the office another city's: see PLACES.
CITY = r"(?:thành phố|Thành phố|TP\.?)"
CAN_THO = r"(?:\s+Cần\s+Thơ)?"

# name of the organization as normalized -> the pattern of how articles write it.
ORGANIZATIONS: dict[str, str] = {
    "Thành ủy": rf"Thành {_UY}{CAN_THO}",
    "UBND": rf"(?:UBND|{_UY_CAP} ban nhân dân)\s+{CITY}{CAN_THO}",
    "HĐND": rf"(?:HĐND|Hội đồng nhân dân)\s+{CITY}{CAN_THO}",
    "UBMTTQ": (
        rf"(?:UBMTTQ(?:VN)?|{_UY_CAP} ban MTTQ(?:\s+Việt Nam)?|"
        rf"{_UY_CAP} ban Mặt trận Tổ quốc(?:\s+Việt Nam)?)\s+{CITY}{CAN_THO}"
    ),
}

# head of a title -> the organizations it combines with, and the normalized role per
# organization. Longer heads come first (the pattern tries them in this order).
HEADS: dict[str, dict[str, str]] = {
    "Phó Bí thư Thường trực": {"Thành ủy": "Phó Bí thư Thường trực Thành ủy"},
    "Phó Bí thư": {"Thành ủy": "Phó Bí thư Thành ủy"},
    "Bí thư": {"Thành ủy": "Bí thư Thành ủy"},
    "Phó Chủ tịch Thường trực": {
        "UBND": "Phó Chủ tịch UBND",
        "HĐND": "Phó Chủ tịch HĐND",
        "UBMTTQ": "Phó Chủ tịch UBMTTQ",
    },
    "Phó Chủ tịch": {
        "UBND": "Phó Chủ tịch UBND",
        "HĐND": "Phó Chủ tịch HĐND",
        "UBMTTQ": "Phó Chủ tịch UBMTTQ",
    },
    "Chủ tịch": {"UBND": "Chủ tịch UBND", "HĐND": "Chủ tịch HĐND", "UBMTTQ": "Chủ tịch UBMTTQ"},
    # Offices of the city outside the list: role OTHER.
    f"{_UY_CAP} viên Ban Thường vụ": {"Thành ủy": OTHER},
    r"(?:Phó\s+)?Trưởng Ban [^\W\d_]+(?: [a-zà-ỹđ]+)?": {"Thành ủy": OTHER},
    f"Chủ nhiệm {_UY_CAP} ban Kiểm tra": {"Thành ủy": OTHER},
}

# --- Names ----------------------------------------------------------------------------------
# A leader's name starts with a Vietnamese family name. The list is the common ones (and those
# of the Khmer and Hoa communities of the Mekong delta); a name starting otherwise is not read
# as a leader's name, which keeps foreign guests, places and organizations out.
SURNAMES: frozenset[str] = frozenset(
    """Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý Tạ Lương Đào
    Đoàn Trương Mai Cao Lâm Châu Thái Hà Kiều Quách Lưu Tô Vương La Triệu Đinh Trịnh Mạc Chu
    Tăng Từ Thạch Lữ Nghiêm Diệp Tiêu Ông Khưu Văn Phùng Lại Lục Giang Kim Thân Tống Nông Doãn
    Âu Ninh Quan Quang Sơn Danh Lò Hứa Mã Khúc Tôn Đàm Ứng Bạch Trang Lã Đồng Liêu Viên Hàng
    Huỳnh Trình Yên Mạch Khổng Hầu Phó Sử Thiều Tiết Trà Lai Vi Lạc""".split()
)
MIN_NAME_WORDS = 2
MAX_NAME_WORDS = 5

# Words that make the name after them a place or a thing named after a person, never a person
# acting in the article: "đường Nguyễn Văn Cừ", "cầu Trần Hoàng Na", "phường Châu Văn Liêm",
# "Trường THPT Nguyễn Việt Dũng". Matched on the word(s) right before the name, any case.
NAMED_AFTER_WORDS: frozenset[str] = frozenset(
    word.strip()
    for word in """đường, phố, cầu, hẻm, kênh, rạch, sông, bến, cảng, chợ, phường, xã, quận,
    huyện, tỉnh, ấp, khu, khóm, thị trấn, thành phố, tp, trường, thpt, thcs, tiểu học, đại học,
    học viện, bệnh viện, công viên, quảng trường, nhà văn hóa, nhà thi đấu, sân vận động,
    tượng đài, đền, di tích, lăng, mộ, bảo tàng, trung tâm, tuyến, đại lộ, nút giao, vòng xoay,
    giải, huân chương, quỹ""".split(",")
)

# Provinces and cities of Vietnam (before and after the 2025 merger), and Cần Thơ's districts:
# a capitalized run after "thành phố"/"tỉnh" that is one of these is a place, not a name.
PLACES: frozenset[str] = frozenset(
    " ".join(name.split())
    for name in """Cần Thơ, Hà Nội, Hồ Chí Minh, Đà Nẵng, Hải Phòng, Huế, An Giang, Bà Rịa - Vũng
    Tàu, Bạc Liêu, Bắc Giang, Bắc Kạn, Bắc Ninh, Bến Tre, Bình Dương, Bình Định, Bình Phước,
    Bình Thuận, Cà Mau, Cao Bằng, Đắk Lắk, Đắk Nông, Điện Biên, Đồng Nai, Đồng Tháp, Gia Lai,
    Hà Giang, Hà Nam, Hà Tĩnh, Hải Dương, Hậu Giang, Hòa Bình, Hưng Yên, Khánh Hòa, Kiên Giang,
    Kon Tum, Lai Châu, Lâm Đồng, Lạng Sơn, Lào Cai, Long An, Nam Định, Nghệ An, Ninh Bình,
    Ninh Thuận, Phú Thọ, Phú Yên, Quảng Bình, Quảng Nam, Quảng Ngãi, Quảng Ninh, Quảng Trị,
    Sóc Trăng, Sơn La, Tây Ninh, Thái Bình, Thái Nguyên, Thanh Hóa, Thừa Thiên Huế, Tiền Giang,
    Trà Vinh, Tuyên Quang, Vĩnh Long, Vĩnh Phúc, Yên Bái, Ninh Kiều, Bình Thủy, Cái Răng,
    Ô Môn, Thốt Nốt, Phong Điền, Cờ Đỏ, Thới Lai, Vĩnh Thạnh, Vị Thanh, Ngã Bảy, Sóc Trăng,
    Thủ Đức, Vũng Tàu, Biên Hòa, Nha Trang, Đà Lạt, Long Xuyên, Rạch Giá, Mỹ Tho""".split(",")
)

# --- Activities -----------------------------------------------------------------------------
# What an article reports a leader doing, read from its title's main verb phrase: the activity
# whose pattern matches earliest in the title (ties: the first in this list); OTHER when none
# does. Patterns are matched case-insensitively, on whole words.
ACTIVITIES: dict[str, str] = {
    # "tiếp" alone (tiếp đoàn, tiếp Đại sứ, tiếp xã giao) and "đón", "hội kiến"; never
    # "tiếp xúc", "tiếp tục", "tiếp nhận", "tiếp cận", "tiếp công dân".
    "receives a delegation": r"tiếp(?! (?:xúc|tục|nhận|cận|thu|công dân|tế))|đón|hội kiến",
    "works with": r"làm việc",
    "inspects": r"kiểm tra|khảo sát|thị sát|giám sát",
    "chairs a meeting": r"chủ trì|họp|hội nghị|phiên họp|kỳ họp|hội thảo|tọa đàm|sơ kết|tổng kết",
    # "dự" and "tham dự" (never "dự án", "dự thảo", "dự toán", ...), ceremonies and launches,
    # hand-overs at a ceremony ("trao nhà", "bàn giao").
    "attends a ceremony": (
        r"(?:tham )?dự(?! (?:án|thảo|toán|báo|kiến|định|trữ|bị|phòng))|lễ|khánh thành|khởi công|"
        r"phát động|khai mạc|bế mạc|ngày hội|mít tinh|trao|bàn giao|gắn biển|đón nhận"
    ),
    "visits or congratulates": r"thăm|chúc mừng|chúc Tết|viếng|tặng quà|động viên|dâng hương",
    "holds a dialogue": r"đối thoại|tiếp xúc cử tri|tiếp xúc|tiếp công dân|gặp gỡ|gặp mặt",
}
