"""Unit tests of text normalization: spaces, Unicode forms, boilerplate, bylines, credits, dates."""

from __future__ import annotations

import unicodedata

import pytest

from crawler import text as textnorm


def test_clean_inline_makes_nfc_and_plain_spaces():
    raw = unicodedata.normalize("NFD", "Cần\u00a0Thơ\u200b  phát\u202ftriển\n")
    assert textnorm.clean_inline(raw) == "Cần Thơ phát triển"
    assert unicodedata.is_normalized("NFC", textnorm.clean_inline(raw))


@pytest.mark.parametrize(
    "text",
    [
        "Cỡ chữ: +A | -A |\u00a0Bản in",
        "Lượt xem:",
        "Lượt xem: 1234",
        "Tiêu đề bài viết: Xây dựng. Nội dung như sau: . Theo tác giả: Kim Xuyến.",
        "THỐNG KÊ TRUY CẬP",
        "Đang truy cập:",
        "Hôm nay:",
        "Tháng hiện tại:",
        "Tổng:",
        "ipv6 ready",
        "Chung nhan Tin Nhiem Mang",
        "In bài viết",
        "Gửi email",
        "Chia sẻ",
        "Về đầu trang",
        "Tin liên quan",
        "Các tin khác",
        "® Ghi rõ nguồn khi phát hành lại thông tin từ trang này",
    ],
)
def test_known_boilerplate_texts(text):
    assert textnorm.is_boilerplate(text)


@pytest.mark.parametrize(
    "text",
    [
        "Tổng kết năm 2023, thành phố đạt nhiều kết quả.",
        "Hôm nay, đoàn công tác làm việc tại quận Ninh Kiều.",
        "Chia sẻ kinh nghiệm xây dựng nông thôn mới giữa các địa phương là cần thiết.",
    ],
)
def test_sentences_that_start_like_boilerplate_are_kept(text):
    assert not textnorm.is_boilerplate(text)


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("Ngày đăng: 19/05/2023", "2023-05-19"),
        ("19/05/2023 08:15", "2023-05-19T08:15:00+07:00"),
        ("27/07/2022 | 4:04 PM", "2022-07-27T16:04:00+07:00"),
        ("27/07/2022 | 12:10 AM", "2022-07-27T00:10:00+07:00"),
        ("Thứ Sáu, 19/05/2023 - 08:15", "2023-05-19T08:15:00+07:00"),
        ("Thứ sáu, ngày 7 tháng 9 năm 2018 | 18:49", "2018-09-07T18:49:00+07:00"),
        ("10:17 - 19/05/2021", "2021-05-19T10:17:00+07:00"),
        ("2024-03-01T01:30:00Z", "2024-03-01T08:30:00+07:00"),
        ("2024-03-01", "2024-03-01"),
        (unicodedata.normalize("NFD", "Ngày\u00a0đăng:\u00a019/05/2023"), "2023-05-19"),
    ],
)
def test_every_date_format_parses_to_vietnam_time(text, iso):
    assert textnorm.parse_vietnamese_date(text) == iso


@pytest.mark.parametrize("text", ["", "không có ngày", "31/02/2020", "99/99/9999", "Lượt xem: 12"])
def test_no_date(text):
    assert textnorm.parse_vietnamese_date(text) is None


def test_date_line_versus_sentence_with_a_date():
    assert textnorm.is_date_line("Ngày đăng: 19/05/2023")
    assert textnorm.is_date_line("Thứ Sáu, 19/05/2023 - 08:15")
    assert not textnorm.is_date_line("Ngày 19/05/2023, đoàn công tác đến Phong Điền.")


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Tin, ảnh: Minh Huyền", "Minh Huyền"),
        ("Tin và ảnh: Minh Huyền", "Minh Huyền"),
        ("Tác giả: Lê Văn An", "Lê Văn An"),
        ("(Bài, ảnh: Trần Thảo)", "Trần Thảo"),
    ],
)
def test_labelled_bylines(text, name):
    assert textnorm.parse_labelled_byline(text) == name


def test_bare_names_and_sentences():
    assert textnorm.looks_like_name("Kim Xuyến")
    assert textnorm.looks_like_name("Minh Huyền - Thanh Tâm")
    assert not textnorm.looks_like_name("Hội nghị kết thúc.")
    assert not textnorm.looks_like_name("Sáng ngày 18/5 đoàn làm việc")


@pytest.mark.parametrize(
    ("caption", "expected"),
    [
        ("Đoàn thăm nhà máy (Ảnh: Xuân Giang)", ("Đoàn thăm nhà máy", "Xuân Giang")),
        ("Lãnh đạo phát biểu. Ảnh: Thanh Tâm", ("Lãnh đạo phát biểu", "Thanh Tâm")),
        ("Quang cảnh hội nghị", ("Quang cảnh hội nghị", "")),
    ],
)
def test_photo_credit_is_split_from_caption(caption, expected):
    assert textnorm.split_photo_credit(caption) == expected


@pytest.mark.parametrize(
    "text",
    ["Chia sẻ:", "Chia sẻ: Facebook | Zalo | Gửi email", "Facebook Zalo Twitter", "Bình luận (3)"],
)
def test_share_and_comment_lines(text):
    assert textnorm.is_boilerplate(text)


def test_comment_sentence_is_kept():
    sentence = "Bình luận về dự án, ông Trần Việt Trường nhấn mạnh vai trò."
    assert not textnorm.is_boilerplate(sentence)
