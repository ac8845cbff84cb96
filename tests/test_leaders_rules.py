"""The leader rules on sentences written by us (not taken from any page), one hard case each.

The sample portal's 28 articles carry some of the hard cases (tests/fixtures/leaders/ and
bench/bench_leaders.py score them); every case is also here, in sentences of the section's
style, so each rule is tested whatever the sample holds. People named here are invented unless
a test says otherwise.
"""

from __future__ import annotations

import unicodedata

import pytest

from archive.leaders import analyze, classify_title, find_mentions, normalize_name
from archive.leaders.mentions import find_in_text


def people(text: str) -> set[tuple[str, str]]:
    """(person, role) of the body ``text``'s mentions linked to someone."""
    return {(m.person, m.role) for m in find_mentions({"title": "", "body": text}) if m.person}


def only(text: str):
    mentions = find_in_text(text)
    assert len(mentions) == 1, mentions
    return mentions[0]


# --- The ways the section writes a leader -------------------------------------------------------


def test_title_before_the_name():
    text = "Chiều 4/11, Phó Chủ tịch UBND thành phố Nguyễn Văn Bảy chủ trì cuộc họp."
    mention = only(text)
    assert (mention.kind, mention.name, mention.person) == ("title_first", "Nguyễn Văn Bảy",
                                                            "Nguyễn Văn Bảy")
    assert (mention.title, mention.role, mention.organization) == (
        "Phó Chủ tịch UBND thành phố", "Phó Chủ tịch UBND", "UBND")
    assert text[mention.start : mention.end] == "Phó Chủ tịch UBND thành phố Nguyễn Văn Bảy"


def test_name_before_the_title_with_the_abbreviated_city():
    mention = only("Ông Nguyễn Văn Bảy, Phó Chủ tịch UBND TP Cần Thơ dự và phát biểu.")
    assert (mention.kind, mention.name, mention.role) == ("name_first", "Nguyễn Văn Bảy",
                                                          "Phó Chủ tịch UBND")
    assert mention.title == "Phó Chủ tịch UBND TP Cần Thơ"


@pytest.mark.parametrize(
    "text",
    [
        "Ngày 19/8, đồng chí Trần Văn Chín, Bí thư Thành ủy Cần Thơ, đến thăm doanh nghiệp.",
        "Đồng chí Trần Văn Chín, Bí thư Thành ủy, dẫn đầu đoàn.",
        "Đoàn do đồng chí Trần Văn Chín - Bí thư Thành ủy làm trưởng đoàn.",
        "Bí thư Thành uỷ Trần Văn Chín phát biểu.",  # the older spelling of ủy
    ],
)
def test_dong_chi_and_the_party_secretary(text):
    mention = only(text)
    assert (mention.person, mention.role, mention.organization) == (
        "Trần Văn Chín", "Bí thư Thành ủy", "Thành ủy")


@pytest.mark.parametrize(
    "text, role, organization",
    [
        ("Chủ tịch HĐND TP. Cần Thơ Lê Thị Mười phát biểu.", "Chủ tịch HĐND", "HĐND"),
        ("Phó Chủ tịch Hội đồng nhân dân thành phố Lê Thị Mười dự.", "Phó Chủ tịch HĐND", "HĐND"),
        ("Chủ tịch Ủy ban MTTQ Việt Nam thành phố Lê Thị Mười trao quà.", "Chủ tịch UBMTTQ",
         "UBMTTQ"),
        ("Chủ tịch UBMTTQVN thành phố Lê Thị Mười trao quà.", "Chủ tịch UBMTTQ", "UBMTTQ"),
        ("Phó Chủ tịch Ủy ban Mặt trận Tổ quốc Việt Nam thành phố Lê Thị Mười dự.",
         "Phó Chủ tịch UBMTTQ", "UBMTTQ"),
        ("Chủ tịch Ủy ban nhân dân thành phố Lê Thị Mười ký quyết định.", "Chủ tịch UBND", "UBND"),
        ("Phó Chủ tịch Thường trực UBND thành phố Lê Thị Mười dự.", "Phó Chủ tịch UBND", "UBND"),
        ("Phó Bí thư Thường trực Thành ủy Lê Thị Mười dự.", "Phó Bí thư Thường trực Thành ủy",
         "Thành ủy"),
        ("Phó Bí thư Thành ủy Lê Thị Mười dự.", "Phó Bí thư Thành ủy", "Thành ủy"),
        ("Trưởng Ban Tuyên giáo Thành ủy Lê Thị Mười dự.", "other", "Thành ủy"),
        ("Ủy viên Ban Thường vụ Thành ủy Lê Thị Mười dự.", "other", "Thành ủy"),
    ],
)
def test_offices_and_their_abbreviations(text, role, organization):
    mention = only(text)
    assert (mention.person, mention.role, mention.organization) == ("Lê Thị Mười", role,
                                                                    organization)


def test_two_offices_of_one_person_are_two_mentions():
    found = find_in_text("Ông Trần Văn Tư, Phó Bí thư Thành ủy, Chủ tịch UBND thành phố, dự.")
    assert [(m.person, m.role, m.kind) for m in found] == [
        ("Trần Văn Tư", "Phó Bí thư Thành ủy", "name_first"),
        ("Trần Văn Tư", "Chủ tịch UBND", "name_first"),
    ]
    assert {m.title for m in found} == {"Phó Bí thư Thành ủy, Chủ tịch UBND thành phố"}
    found = find_in_text("Phó Bí thư Thành ủy, Chủ tịch UBND thành phố Trần Văn Tư phát biểu.")
    assert [(m.person, m.role) for m in found] == [
        ("Trần Văn Tư", "Phó Bí thư Thành ủy"), ("Trần Văn Tư", "Chủ tịch UBND")]


def test_the_same_person_later_by_title_alone_and_by_name_alone():
    article = {
        "title": "Phó Chủ tịch UBND thành phố kiểm tra tiến độ dự án",
        "body": "Sáng 5/6, bà Hồ Thị Năm, Phó Chủ tịch UBND thành phố, kiểm tra dự án.\n\n"
        "Phó Chủ tịch UBND thành phố yêu cầu nhà thầu đẩy nhanh tiến độ.\n\n"
        "Bà Hồ Thị Năm cũng lưu ý đơn vị tư vấn giám sát.",
    }
    found = find_mentions(article)
    assert [(m.part, m.kind, m.person, m.role) for m in found] == [
        ("title", "office_only", "Hồ Thị Năm", "Phó Chủ tịch UBND"),
        ("body", "name_first", "Hồ Thị Năm", "Phó Chủ tịch UBND"),
        ("body", "office_only", "Hồ Thị Năm", "Phó Chủ tịch UBND"),
        ("body", "name_again", "Hồ Thị Năm", "Phó Chủ tịch UBND"),
    ]
    assert not any(m.inferred for m in found)


def test_two_leaders_in_one_article_each_keep_their_office():
    text = (
        "Dự có Bí thư Thành ủy Đặng Văn Một và Chủ tịch UBND thành phố Phan Thị Hai.\n\n"
        "Chủ tịch UBND thành phố đề nghị các sở tập trung giải ngân.\n\n"
        "Bí thư Thành ủy nhấn mạnh yêu cầu chống lãng phí."
    )
    found = find_mentions({"title": "", "body": text})
    assert [(m.kind, m.person, m.role) for m in found] == [
        ("title_first", "Đặng Văn Một", "Bí thư Thành ủy"),
        ("title_first", "Phan Thị Hai", "Chủ tịch UBND"),
        ("office_only", "Phan Thị Hai", "Chủ tịch UBND"),
        ("office_only", "Đặng Văn Một", "Bí thư Thành ủy"),
    ]


def test_an_office_alone_with_nobody_named_stays_unlinked():
    mention = only("Chủ tịch UBND thành phố Cần Thơ đã tiếp đoàn công tác.")
    assert (mention.kind, mention.person, mention.role) == ("office_only", "", "Chủ tịch UBND")
    assert mention.title == "Chủ tịch UBND thành phố Cần Thơ"  # the city is no name


def test_captions_are_read_and_the_caption_is_named_as_the_part():
    article = {"title": "Hội nghị", "body": "Hội nghị diễn ra sáng nay.",
               "images": [{"src": "a.jpg", "caption": "Quang cảnh"},
                          {"src": "b.jpg", "caption": "Chủ tịch UBND thành phố Phan Thị Hai "
                           "phát biểu", "credit": "Nguyễn Văn Ảnh"}]}
    found = find_mentions(article)
    assert [(m.part, m.index, m.person) for m in found] == [("caption", 1, "Phan Thị Hai")]


# --- What is never a leader -------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Chủ tịch UBND thành phố kiểm tra cầu Trần Hoàng Na và đường Nguyễn Văn Cừ.",
        "Tại tuyến đường Nguyễn Văn Cừ, Chủ tịch UBND thành phố yêu cầu khẩn trương.",
        "Tại Trường THPT Châu Văn Liêm, Chủ tịch UBND thành phố trao học bổng.",
        "Tại phường Châu Văn Liêm, Chủ tịch UBND thành phố thăm hỏi.",
    ],
)
def test_streets_bridges_schools_and_wards_named_after_people(text):
    assert people(text) == set()


def test_a_leaders_name_on_a_street_is_not_the_leader_again():
    text = ("Chủ tịch UBND thành phố Phan Thị Hai dự lễ.\n\n"
            "Đoàn tham quan tuyến đường Phan Thị Hai mới mở.")
    kinds = [(m.kind, m.start) for m in find_mentions({"title": "", "body": text})]
    assert kinds == [("title_first", 0)]


def test_bylines_and_photo_credits_are_never_read():
    article = {
        "title": "Lãnh đạo thành phố thăm gia đình chính sách",
        "author": "Nguyễn Thành Công",
        "body": "Phó Chủ tịch UBND thành phố Phan Thị Hai thăm gia đình chính sách.",
        "images": [{"src": "a.jpg", "caption": "Phó Chủ tịch UBND thành phố thăm hỏi",
                    "credit": "Nguyễn Thành Công"}],
    }
    assert {m.person for m in find_mentions(article)} == {"Phan Thị Hai"}


@pytest.mark.parametrize(
    "text",
    [
        "Chủ tịch UBND TP Hồ Chí Minh Lê Văn Ba dự hội nghị.",  # another city, named after a man
        "Chủ tịch UBND thành phố Đà Nẵng Lê Văn Ba phát biểu.",
        "Phó Chủ tịch UBND tỉnh Hậu Giang Lê Văn Ba dự.",
        "Chủ tịch UBND quận Ninh Kiều Lê Văn Ba báo cáo.",
        "Bí thư, Chủ tịch UBND các quận, huyện dự hội nghị.",
        "Lãnh đạo Thành ủy, UBND thành phố Đà Nẵng chia sẻ kinh nghiệm.",
    ],
)
def test_provinces_other_cities_and_districts(text):
    assert find_in_text(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "Ông Kim Sung-ho, Chủ tịch Hiệp hội Doanh nghiệp Hàn Quốc, phát biểu.",
        "Ông Nguyễn Văn Tám, Giám đốc hợp tác xã, cho biết.",
        "Hội Liên hiệp Phụ nữ thành phố, Chủ tịch UBND thành phố và Ngân hàng Thế giới.",
        "Trường Đại học Cần Thơ, Chủ tịch UBND thành phố cùng dự.",
    ],
)
def test_organizations_and_other_titles(text):
    assert people(text) == set()


def test_a_former_holder_is_not_the_holder():
    assert find_in_text("Dự có nguyên Chủ tịch UBND thành phố Võ Văn Sáu.") == []


@pytest.mark.parametrize(
    "text",
    [
        "Ông Đinh Văn Bảy, nguyên Phó Chủ tịch UBND thành phố, vừa được bầu giữ chức Chủ tịch "
        "UBND thành phố, chủ trì phiên họp.",
        "Ông Đinh Văn Bảy, nguyên Phó Chủ tịch UBND thành phố, nay là Chủ tịch UBND thành phố, "
        "dự lễ.",
        "Ông Đinh Văn Bảy, nguyên Chủ tịch UBND thành phố Đà Nẵng, mới được phân công làm Chủ "
        "tịch UBND thành phố Cần Thơ, phát biểu.",
    ],
)
def test_a_new_office_after_a_former_one_is_the_persons(text):
    # Only the new office is theirs now; the former one is no mention at all.
    mention = only(text)
    assert (mention.kind, mention.name, mention.role) == ("name_first", "Đinh Văn Bảy",
                                                          "Chủ tịch UBND")


def test_a_new_office_needs_the_former_one_and_the_name_before_it():
    assert only("Các sở, ngành, nay là Chủ tịch UBND thành phố yêu cầu.").person == ""
    assert only("Ông Đinh Văn Bảy, Giám đốc Sở, nay là Chủ tịch UBND thành phố.").person == ""


# --- Names ----------------------------------------------------------------------------------


def test_names_are_normalized():
    assert normalize_name("NGUYỄN  văn hoà") == "Nguyễn Văn Hòa"
    assert normalize_name("Trần Thị Thuỷ") == "Trần Thị Thủy"
    assert normalize_name("Hoàng Văn Toàn") == "Hoàng Văn Toàn"  # closed syllables keep theirs


def test_decomposed_text_is_read():
    text = unicodedata.normalize("NFD", "Phó Chủ tịch UBND thành phố Đỗ Văn Hòa dự lễ.")
    assert only(text).person == "Đỗ Văn Hòa"


# --- Activities -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "title, activity",
    [
        ("Chủ tịch UBND thành phố tiếp Đại sứ Australia", "receives a delegation"),
        ("Lãnh đạo thành phố tiếp đoàn công tác tỉnh Bạc Liêu", "receives a delegation"),
        ("Bí thư Thành ủy làm việc với Đảng ủy Khối doanh nghiệp", "works with"),
        ("Phó Chủ tịch UBND thành phố kiểm tra tiến độ dự án cầu Cái Sơn", "inspects"),
        ("Phó Chủ tịch UBND thành phố khảo sát vùng sạt lở", "inspects"),
        ("Chủ tịch UBND thành phố chủ trì họp bàn về giải ngân", "chairs a meeting"),
        ("Hội nghị sơ kết 6 tháng đầu năm", "chairs a meeting"),
        ("Chủ tịch HĐND thành phố dự lễ khánh thành trường học", "attends a ceremony"),
        ("Lãnh đạo thành phố dự Lễ khai giảng năm học mới", "attends a ceremony"),
        ("Phó Chủ tịch UBND thành phố thăm, chúc Tết gia đình chính sách",
         "visits or congratulates"),
        ("Lãnh đạo thành phố chúc mừng Ngày Nhà giáo Việt Nam", "visits or congratulates"),
        ("Chủ tịch UBND thành phố đối thoại với nông dân", "holds a dialogue"),
        ("Chủ tịch HĐND thành phố tiếp xúc cử tri huyện Phong Điền", "holds a dialogue"),
        ("Chủ tịch UBND thành phố tiếp công dân định kỳ", "holds a dialogue"),
        ("UBND thành phố triển khai kế hoạch năm 2026", "other"),
        ("Thành phố tiếp tục đẩy mạnh cải cách hành chính", "other"),  # "tiếp tục" is no reception
        ("Thông qua dự án cải tạo kênh", "other"),  # "dự án" is no ceremony
    ],
)
def test_activities_from_the_title(title, activity):
    assert classify_title(title).activity == activity


def test_the_earliest_verb_of_the_title_decides():
    found = classify_title("Phó Chủ tịch UBND thành phố thăm và làm việc với huyện Cờ Đỏ")
    assert found.activity == "visits or congratulates"
    assert found.phrase.startswith("thăm và làm việc")
    analysis = analyze({"title": "Lãnh đạo thành phố làm việc, kiểm tra", "body": ""})
    assert analysis.activity.activity == "works with"
