"""Benchmark the archive at scale: storing speed, search latency against a LIKE scan, index size.

Run by hand (not part of the tests)::

    .venv/bin/python bench/bench_search.py               # 100,000 articles, a temporary archive
    .venv/bin/python bench/bench_search.py --articles 5000 --keep /tmp/bench.db

It generates synthetic Vietnamese articles (300-800 words, diacritics and đ everywhere, topic
phrases so that a topic query matches a few percent of articles, like real news), stores them
one by one through ``Archive.store_article`` (one transaction each, as the crawl does), then
times ``Archive.search`` (bm25, 20 hits with snippets) for typical queries, folded and accented,
against the LIKE scan a researcher would otherwise write (newest first, 20 rows). LIKE cannot
ignore diacritics, so it gets the accented form of each query: the comparison favours LIKE.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from archive import Archive  # noqa: E402
from archive.search import parse_query  # noqa: E402
from crawler.extraction.article import Article  # noqa: E402

COMMON = """các và của được trong có đã cho với là những này để người đến về một theo tại
cũng không như thực hiện công tác năm thành phố nhân dân phát triển đồng thời đơn vị địa phương
tiếp tục hoạt động chỉ đạo tổ chức kế hoạch triển khai nâng cao chất lượng hiệu quả quan tâm
cán bộ lãnh đạo ngành cấp kết quả tình hình đề nghị yêu cầu tăng cường phối hợp đảm bảo
nhiệm vụ giải pháp trọng tâm thời gian tới đánh giá hội nghị báo cáo sở ban huyện quận xã
phường chủ tịch phó ủy ban đại biểu đoàn công tác làm việc thăm tặng quà chúc mừng dịp ngày
kinh tế xã hội văn hóa giáo dục y tế môi trường đầu tư doanh nghiệp người dân cuộc sống đời sống
chính sách chương trình dự án nguồn vốn ngân sách kinh phí thủ tục hồ sơ quy định văn bản
hướng dẫn kiểm tra giám sát khó khăn vướng mắc tháo gỡ kịp thời trách nhiệm thường xuyên
mục tiêu chỉ tiêu tiêu chí đạt vượt hoàn thành phấn đấu xây dựng củng cố kiện toàn đổi mới
sáng tạo tích cực chủ động quyết liệt đồng bộ toàn diện bền vững an toàn hiện đại văn minh
tháng quý đầu cuối giai đoạn nhiệm kỳ đợt lần buổi sáng chiều ngày qua hiện nay trước sau
mới cũ lớn nhỏ cao thấp nhiều ít tốt đẹp rõ ràng cụ thể chung riêng mỗi từng toàn bộ
""".split()

TOPICS = {
    "nông thôn mới": [
        "nông thôn mới",
        "Văn phòng Điều phối",
        "điều phối",
        "sản phẩm OCOP",
        "xã đạt chuẩn",
        "nông thôn mới nâng cao",
        "kiểu mẫu",
        "hộ nghèo",
    ],
    "chuyển đổi số": [
        "chuyển đổi số",
        "chính quyền số",
        "dịch vụ công trực tuyến",
        "dữ liệu",
        "hạ tầng số",
        "kinh tế số",
        "nền tảng",
    ],
    "cải cách hành chính": [
        "cải cách hành chính",
        "thủ tục hành chính",
        "một cửa",
        "chỉ số hài lòng",
        "công vụ",
        "kỷ luật kỷ cương",
    ],
    "giao thông": [
        "giao thông",
        "cầu",
        "đường",
        "cao tốc",
        "tuyến",
        "giải phóng mặt bằng",
        "thi công",
        "nhà thầu",
        "tiến độ",
    ],
    "y tế": [
        "y tế",
        "bệnh viện",
        "dịch bệnh",
        "tiêm chủng",
        "khám chữa bệnh",
        "bác sĩ",
        "sức khỏe",
    ],
    "giáo dục": [
        "giáo dục",
        "học sinh",
        "trường học",
        "giáo viên",
        "kỳ thi",
        "đào tạo",
        "nguồn nhân lực",
    ],
    "an ninh": [
        "an ninh trật tự",
        "quốc phòng",
        "công an",
        "phòng cháy chữa cháy",
        "an toàn giao thông",
        "tội phạm",
    ],
    "du lịch": [
        "du lịch",
        "lễ hội",
        "chợ nổi Cái Răng",
        "du khách",
        "quảng bá",
        "xúc tiến thương mại",
        "đặc sản",
    ],
    "nông nghiệp": [
        "nông nghiệp",
        "lúa",
        "trái cây",
        "thủy lợi",
        "hợp tác xã",
        "nông dân",
        "vụ mùa",
        "xâm nhập mặn",
    ],
    "hoà nhập": [
        "hoà nhập cộng đồng",
        "hòa nhập",
        "người khuyết tật",
        "an sinh xã hội",
        "bảo trợ",
        "hoà bình",
        "đoàn kết",
    ],
    "đô thị": [
        "đô thị",
        "quy hoạch",
        "chỉnh trang",
        "nhà ở xã hội",
        "sạt lở",
        "ngập úng",
        "thoát nước",
        "cây xanh",
    ],
    "đối ngoại": [
        "đối ngoại",
        "hợp tác",
        "kết nghĩa",
        "đoàn đại biểu",
        "đại sứ",
        "ký kết",
        "biên bản ghi nhớ",
    ],
    "Tết": [
        "Tết Nguyên đán",
        "thăm hỏi",
        "tặng quà",
        "gia đình chính sách",
        "mẹ Việt Nam anh hùng",
        "đón xuân",
        "pháo hoa",
    ],
    "đầu tư": [
        "thu hút đầu tư",
        "khu công nghiệp",
        "nhà đầu tư",
        "vốn đầu tư công",
        "giải ngân",
        "doanh nghiệp FDI",
        "môi trường kinh doanh",
    ],
}
PLACES = """Cần Thơ|Ninh Kiều|Bình Thủy|Cái Răng|Ô Môn|Thốt Nốt|Phong Điền|Cờ Đỏ|Vĩnh Thạnh|
Thới Lai|Hậu Giang|Đồng Tháp|An Giang|Kiên Giang|Sóc Trăng|Bạc Liêu|Cà Mau|Vĩnh Long|Trà Vinh|
Bến Tre|Tiền Giang|Long An|Hà Nội|Thành phố Hồ Chí Minh|Đà Nẵng|Hải Phòng|Huế|Đà Lạt|Quảng Nam|
Bình Dương|Đồng Nai|Bà Rịa - Vũng Tàu""".replace("\n", "").split("|")
PEOPLE = """Trần Việt Trường|Nguyễn Văn Hòa|Nguyễn Ngọc Hè|Dương Tấn Hiển|Trương Cảnh Tuyên|
Nguyễn Thực Hiện|Lê Quang Mạnh|Phạm Văn Hiểu|Đỗ Thanh Bình|Nguyễn Thanh Dũng|Trần Thị Xuân Mai|
Võ Thành Thống|Lê Minh Đức|Đặng Thị Hồng""".replace("\n", "").split("|")
AUTHORS = [
    "Kim Xuyến",
    "Minh Huyền",
    "Thanh Tâm",
    "Xuân Giang",
    "Hoàng Mai",
    "Đức Anh",
    "Quốc Đạt",
    "Bảo Ngọc",
    "Văn phòng UBND thành phố",
]

QUERIES = [
    ("dieu phoi", "điều phối"),
    ("Điều phối", "Điều phối"),
    ("da nang", "Đà Nẵng"),
    ("Đà Nẵng", "Đà Nẵng"),
    ("nong thon moi", "nông thôn mới"),
    ("chuyển đổi số", "chuyển đổi số"),
    ("cai cach hanh chinh", "cải cách hành chính"),
    ("Nguyễn Ngọc Hè", "Nguyễn Ngọc Hè"),
    ("hoa nhap cong dong", "hoà nhập cộng đồng"),
    ("giai ngan von dau tu", "giải ngân"),
]
WORST_CASE = [("thanh pho", "thành phố")]  # in nearly every article


class ArticleFactory:
    """Deterministic synthetic articles: common words (Zipf), two topics, places and people."""

    def __init__(self, seed: int = 20230519) -> None:
        self.random = random.Random(seed)
        self.common_weights = [1 / (rank + 8) for rank in range(len(COMMON))]
        self.topic_names = list(TOPICS)

    def words(self, count: int, subject: list[str]) -> Iterator[str]:
        choose = self.random.random
        commons = self.random.choices(COMMON, self.common_weights, k=count)
        for n in range(count):
            yield self.random.choice(subject) if choose() < 0.12 else commons[n]

    def sentence(self, length: int, subject: list[str]) -> str:
        text = " ".join(self.words(length, subject))
        return text[0].upper() + text[1:] + "."

    def article(self, n: int) -> Article:
        # What the article is about: 3 phrases from each of 2 topics, a place, a person.
        topics = [
            phrase
            for topic in self.random.sample(self.topic_names, 2)
            for phrase in self.random.sample(TOPICS[topic], 3)
        ]
        topics += ["Cần Thơ", self.random.choice(PLACES), self.random.choice(PEOPLE)]
        target = self.random.randint(300, 800)
        paragraphs, total = [], 0
        while total < target:
            sentences = [
                self.sentence(self.random.randint(12, 28), topics)
                for _ in range(self.random.randint(2, 5))
            ]
            paragraphs.append(" ".join(sentences))
            total += sum(len(s.split()) for s in sentences)
        year = 2015 + n * 10 // 100_000 % 10
        published = f"{year}-{self.random.randint(1, 12):02d}-{self.random.randint(1, 28):02d}"
        return Article(
            url=f"https://www.cantho.gov.vn/hoat-dong-lanh-dao-thanh-pho/bai-{n}",
            title=self.sentence(self.random.randint(8, 16), topics)[:-1],
            lead=self.sentence(self.random.randint(20, 40), topics),
            body="\n\n".join(paragraphs),
            published=published,
            author=self.random.choice(AUTHORS),
            section="Tin hoạt động của Lãnh đạo Thành phố",
            word_count=total,
            fetched_at="2024-01-01T00:00:00Z",
        )


def store(archive: Archive, count: int) -> tuple[float, float]:
    """Store ``count`` synthetic articles; return (seconds spent storing, total seconds)."""
    factory = ArticleFactory()
    run_id = archive.start_run("bench", "synthetic", "")
    storing = 0.0
    started = time.perf_counter()
    for n in range(count):
        article = factory.article(n)
        t0 = time.perf_counter()
        archive.store_article(article, run_id)
        storing += time.perf_counter() - t0
        if (n + 1) % 10_000 == 0:
            rate = (n + 1) / storing
            print(f"  stored {n + 1:>7,} articles  ({rate:,.0f}/s storing)", file=sys.stderr)
    archive.finish_run(run_id, "finished", "finished", {"new": count})
    return storing, time.perf_counter() - started


def timings(function: Callable[[], object], repeat: int) -> list[float]:
    """Milliseconds of ``repeat`` runs of ``function`` (after one warm-up run)."""
    function()
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        function()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def like_scan(archive: Archive, text: str) -> list:
    """Every article containing ``text`` (accent-sensitive): what LIKE needs to rank results."""
    pattern = f"%{text}%"
    return archive.db.execute(
        "SELECT id, title FROM articles WHERE title LIKE ? OR lead LIKE ? OR body LIKE ?",
        [pattern, pattern, pattern],
    ).fetchall()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--fts-repeat", type=int, default=30)
    parser.add_argument("--like-repeat", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="Build (or reuse) the archive at this path.")
    args = parser.parse_args()

    workdir = tempfile.TemporaryDirectory()
    path = args.keep or Path(workdir.name) / "bench.db"
    with Archive(path) as archive:
        if archive.article_count() < args.articles:
            print(f"Storing {args.articles:,} synthetic articles in {path} ...", file=sys.stderr)
            storing, total = store(archive, args.articles - archive.article_count())
            print(
                f"\nStored {args.articles:,} articles: {args.articles / storing:,.0f} "
                f"articles/s through Archive.store_article ({storing:.0f} s storing, "
                f"{total:.0f} s with generation), one transaction each."
            )
        archive.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        count = archive.article_count()

    with Archive(path, readonly=True) as archive:
        print(
            f"\nSearch latency over {count:,} articles, ms. FTS: Archive.search, best 20 by bm25 "
            "with snippets.\nLIKE: the accented text, every matching row (what ranking needs). "
            "hits: FTS matches.\nset ms: FTS finding every matching "
            "row (no ranking, no snippets), the same work as the LIKE scan.\n"
        )
        header = (
            f"{'query':<24} {'hits':>6} {'FTS med':>8} {'FTS p95':>8} {'LIKE med':>9} "
            f"{'LIKE p95':>9} {'speed-up':>9} {'set ms':>8} {'set x':>9}"
        )
        print(header)
        print("-" * len(header))
        fts_p95s, speedups, set_speedups = [], [], []
        for label, (query, accented) in [(q[0], q) for q in QUERIES] + [
            ("(worst) " + q[0], q) for q in WORST_CASE
        ]:
            match = parse_query(query).match
            count_sql = "SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?"
            hits = len(archive.db.execute(count_sql, [match]).fetchall())
            matching = timings(
                lambda m=match, c=count_sql: archive.db.execute(c, [m]).fetchall(), args.fts_repeat
            )
            fts = timings(lambda q=query: archive.search(q, limit=20), args.fts_repeat)
            like = timings(lambda a=accented: like_scan(archive, a), args.like_repeat)
            speedup = statistics.median(like) / statistics.median(fts)
            set_speedup = statistics.median(like) / statistics.median(matching)
            if not label.startswith("(worst)"):
                fts_p95s.append(p95(fts))
                speedups.append(speedup)
                set_speedups.append(set_speedup)
            print(
                f"{label:<24} {hits:>6} {statistics.median(fts):>8.1f} {p95(fts):>8.1f} "
                f"{statistics.median(like):>9.0f} {p95(like):>9.0f} {speedup:>8.0f}x "
                f"{statistics.median(matching):>8.1f} {set_speedup:>8.0f}x"
            )
        print(
            f"\nTypical queries: worst FTS p95 {max(fts_p95s):.1f} ms (target < 50 ms); "
            f"smallest speed-up, ranked search {min(speedups):.0f}x, matching set alone "
            f"{min(set_speedups):.0f}x (target >= 100x)."
        )

        text_bytes = archive.db.execute(
            "SELECT sum(length(CAST(title AS BLOB)) + length(CAST(lead AS BLOB)) "
            "+ length(CAST(body AS BLOB))) FROM articles"
        ).fetchone()[0]
        index_bytes = (
            archive.db.execute("SELECT sum(length(block)) FROM articles_fts_data").fetchone()[0]
            + archive.db.execute(
                "SELECT coalesce(sum(length(sz)), 0) FROM articles_fts_docsize"
            ).fetchone()[0]
        )
        file_bytes = path.stat().st_size
    mb = 1024 * 1024
    print(
        f"\nIndexed text (title+lead+body, UTF-8): {text_bytes / mb:,.0f} MB; "
        f"FTS index: {index_bytes / mb:,.0f} MB ({index_bytes / text_bytes:.2f}x the text); "
        f"whole archive file: {file_bytes / mb:,.0f} MB."
    )
    workdir.cleanup()


if __name__ == "__main__":
    main()
