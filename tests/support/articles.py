"""Articles for the archive tests and archive builders: the seed article (the one real
article we know, from ../shared/seeds), a Đà Nẵng article and numbered fillers (both written by
us)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from archive import Archive, runs
from crawler.article import Article, Attachment, Image

SECTION = "Tin hoạt động của Lãnh đạo Thành phố"
SEED_TITLE = "Xây dựng nông thôn mới gắn với mục tiêu nâng cao chất lượng cuộc sống cho người dân"
SEED_URL = "https://www.cantho.gov.vn/wps/portal/home/tin-hoat-dong-lanh-dao/xay-dung-ntm-2023"
SEED_PARAGRAPHS = [
    "Sáng ngày 18/5, Văn phòng Điều phối nông thôn mới TP Cần Thơ tổ chức hội nghị đánh giá "
    "kết quả xây dựng nông thôn mới (NTM) và thực hiện sản phẩm OCOP trong 5 tháng đầu năm 2023. "
    "Ông Nguyễn Ngọc Hè, Phó Chủ tịch UBND TP Cần Thơ dự và phát biểu chỉ đạo tại hội nghị.",
    "Từ đầu năm đến nay, Văn phòng Điều phối NTM đã phối hợp các quận, huyện hỗ trợ chủ thể làm "
    "hồ sơ OCOP được 60 sản phẩm với 28 chủ thể; trong đó có 44 sản phẩm mới và 16 sản phẩm "
    "tham gia đánh giá và xếp hạng lại.",
    "Công tác chỉ đạo thực hiện Chương trình ở các huyện có sự chuyển biến mạnh mẽ về chất lượng, "
    "tập trung vào những vấn đề cấp thiết và nâng cao chất lượng cuộc sống cho người dân. Qua đó, "
    "diện mạo nông thôn ngày càng khởi sắc.",
]


def seed_article(**changes: object) -> Article:
    """The one real article we know (PORTAL.md's seed), as extraction would produce it."""
    article = Article(
        url=SEED_URL,
        title=SEED_TITLE,
        body="\n\n".join(SEED_PARAGRAPHS),
        published="2023-05-19",
        portal_id="3b3291c8-cb48-42fc-b482-1ddb260c52b5",
        section=SECTION,
        author="Kim Xuyến",
        body_html="".join(f"<p>{p}</p>" for p in SEED_PARAGRAPHS),
        images=[
            Image(
                src="https://www.cantho.gov.vn/wps/wcm/connect/3b3291c8/hoi-nghi.jpg",
                caption="Ông Nguyễn Ngọc Hè phát biểu chỉ đạo tại hội nghị",
            )
        ],
        word_count=180,
        fetched_at="2024-01-10T03:00:00Z",
        layout="wps_v1",
    )
    return dataclasses.replace(article, **changes) if changes else article


def da_nang_article(**changes: object) -> Article:
    """An article about Đà Nẵng, with a lead, an attachment and a photo credit."""
    article = Article(
        url="https://www.cantho.gov.vn/hoat-dong-lanh-dao-thanh-pho/hop-tac-da-nang",
        title="Lãnh đạo thành phố làm việc với đoàn công tác TP Đà Nẵng",
        lead="Chiều 5/6, lãnh đạo UBND thành phố tiếp đoàn công tác của thành phố Đà Nẵng.",
        body="Hai thành phố trao đổi kinh nghiệm về chuyển đổi số và hoà nhập cộng đồng.\n\n"
        "Đoàn đề nghị tăng cường phối hợp trong du lịch và logistics.",
        published="2024-06-05T14:30:00+07:00",
        section=SECTION,
        author="Minh Huyền",
        images=[
            Image(
                src="https://example.org/a.jpg",
                caption="Quang cảnh buổi làm việc",
                credit="Xuân Giang",
            )
        ],  # fmt: skip
        attachments=[Attachment(url="https://example.org/bien-ban.pdf", title="Biên bản")],
        word_count=30,
        fetched_at="2024-06-06T01:00:00Z",
        layout="portal_v2",
    )
    return dataclasses.replace(article, **changes) if changes else article


def other_article(n: int, published: str = "2022-03-01", author: str = "Thanh Tâm") -> Article:
    """A plain filler article, numbered."""
    return Article(
        url=f"https://www.cantho.gov.vn/hoat-dong-lanh-dao-thanh-pho/tin-{n}",
        title=f"Hội nghị sơ kết công tác quý {n}",
        body=f"Thành phố tổ chức hội nghị sơ kết lần thứ {n} về cải cách hành chính.",
        published=published,
        section=SECTION,
        author=author,
        fetched_at="2024-01-01T00:00:00Z",
    )


def build_archive(path: Path, articles: list[Article] | None = None) -> Path:
    """Create an archive at ``path`` holding ``articles`` (default: seed and Đà Nẵng)."""
    with Archive(path) as archive:
        run_id = runs.start_run(archive.db, "tinlanhdao", "full", "https://www.cantho.gov.vn/")
        for article in articles if articles is not None else [seed_article(), da_nang_article()]:
            archive.store_article(article, run_id)
        runs.finish_run(archive.db, run_id, "finished", "finished", {"new": 2})
    return path
