"""Benchmark the archive at scale: storing speed, search latency against LIKE scans, index size.

Run by hand (not part of the tests)::

    .venv/bin/python bench/bench_search.py                    # 100,000 articles, temporary archive
    .venv/bin/python bench/bench_search.py --articles 5000 --db /tmp/bench.db
    .venv/bin/python bench/bench_search.py --db /tmp/bench.db --reuse   # search part only
    .venv/bin/python bench/bench_search.py --storing-costs 2000 --batch 64

The corpus. Search speed depends on how many articles a query matches, so the synthetic
articles imitate the statistics of a news archive rather than a handful of topics:

* Vocabulary: about 300 real, frequent words of Vietnamese government news ("thực hiện",
  "phối hợp", "đã", "thành phố", ...) at the top, then about 6,000 words of one to three
  syllables generated from Vietnamese onsets, rhymes and tones (so tone and vowel marks are on
  nearly every syllable and đ starts about one syllable in twenty). Words are drawn with a Zipf
  distribution (weight 1 / (rank + 3)): a few words are in every article, most are rare.
* Topics: 300, each with its own key phrases, people and places, drawn with a Zipf weight
  (1 / (rank + 20)), so the biggest topic is in about 2% of the articles and most in well
  under 1%. Twenty of them are real topics of the portal (nông thôn mới with its "Văn phòng
  Điều phối" and Nguyễn Ngọc Hè, chuyển đổi số, cải cách hành chính, ...); the others are
  generated. An article has one main topic and, in one case out of three, a second one.
* Places: 230 (60 real provinces and districts, the rest generated), also Zipf-drawn, two per
  article; Đà Nẵng sits at the rank that puts it in about 1.5% of the articles. Cần Thơ, the
  portal's city, is in the common vocabulary.
* Lengths: body 300-800 words (syllables, as the portal's word count counts them) in
  paragraphs of 2-5 sentences, a 20-40 word lead, an 8-16 word title; one word in eight of the
  body and one in three of the title comes from the article's topics, people and places.

Generation is deterministic (one seed per block of 500 articles) and runs in a worker process
(``--processes``) while the main process stores the articles through ``Archive.store_article``,
one transaction each by default, or ``--batch 64`` together as the crawl commits them
(crawler.recorder). ``--storing-costs N`` only stores N articles once with every index and once
without each index's triggers, to show what each index costs to keep.

The queries. "Typical" queries are what a researcher types: two- or three-word topical phrases
and names, folded and accented ("dieu phoi", "Điều phối", "da nang", "Đà Nẵng",
"nong thon moi", a person's name). "Broad" queries (words in nearly every article) are the
worst case and are reported separately, not counted against the target.

The measures, per query, median and p95 over repeated runs (warm cache):

* FTS: ``archive.search.search_articles`` as the CLI runs it: best 20 by bm25 (phrase
  matches first) with highlighted title and snippet.
* LIKE 20: what a user without the index would write: every query word (accented, as typed in
  the accented form; LIKE cannot ignore marks, and its case folding is ASCII only, so it finds
  fewer articles: the comparison favours LIKE) in title, lead or body, newest 20 first:
  ``WHERE (title LIKE ? OR lead LIKE ? OR body LIKE ?) AND ... ORDER BY published DESC
  LIMIT 20``. It stops as soon as it has 20 rows, so it is fast for broad queries.
* LIKE all: the same condition without ORDER BY and LIMIT: the full scan that finding (and so
  ranking) every match needs.

search_articles ranks in three groups (docs/archive.md, Search): the phrase and then the words
side by side in pieces, from the pair index ``articles_fts_pairs``, then all the words anywhere
from ``articles_fts``; a group runs only when the ones before it leave room on the page, and
ranks at most its 5,000 most recently stored matches (``archive.search.RANKED_AT_MOST``). A
query typed with marks (``Điều phối``, ``Đà Nẵng``) also looks its words up in the mark index
``articles_fts_marks`` (they must match as typed), and takes its phrase from there when every
word is marked. All three indexes are kept by triggers (m003_researchers), so storing pays for them.
Their sizes are reported side by side.

Figures, with their date, machine load and command: bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import statistics
import sys
import tempfile
import time
import unicodedata
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from archive import Archive, reading, runs  # noqa: E402
from archive.search import search_articles  # noqa: E402
from crawler.article import Article  # noqa: E402

CORPUS_VERSION = "synthetic-zipf-v2"  # recorded as the run's mode; --reuse checks it
SEED = 20230519
BLOCK = 500  # articles generated per task, each block with its own seed

# --- Vocabulary --------------------------------------------------------------------------------

# Frequent words of the portal's news, most frequent first (roughly).
COMMON = """và, của, các, được, trong, có, đã, cho, với, là, những, thành phố, này, để, người,
đến, về, một, theo, tại, cũng, không, như, từ, thực hiện, công tác, trên, năm, nhân dân,
phát triển, đồng chí, đơn vị, địa phương, tiếp tục, hoạt động, chỉ đạo, tổ chức, kế hoạch,
triển khai, nâng cao, chất lượng, hiệu quả, sẽ, đang, khi, cán bộ, lãnh đạo, ngành, cấp,
kết quả, tình hình, đề nghị, yêu cầu, tăng cường, phối hợp, đảm bảo, nhiệm vụ, giải pháp,
TP Cần Thơ, Cần Thơ, UBND, trọng tâm, thời gian tới, đánh giá, hội nghị, báo cáo, sở, ban,
huyện, quận, xã, phường, Chủ tịch, Phó Chủ tịch, Ủy ban nhân dân, đại biểu, đoàn công tác,
làm việc, thăm, tặng quà, chúc mừng, dịp, ngày, kinh tế, xã hội, văn hóa, giáo dục, y tế,
môi trường, đầu tư, doanh nghiệp, người dân, cuộc sống, đời sống, chính sách, chương trình,
dự án, nguồn vốn, ngân sách, kinh phí, thủ tục, hồ sơ, quy định, văn bản, hướng dẫn, kiểm tra,
giám sát, khó khăn, vướng mắc, tháo gỡ, kịp thời, trách nhiệm, thường xuyên, mục tiêu,
chỉ tiêu, tiêu chí, đạt, vượt, hoàn thành, phấn đấu, xây dựng, củng cố, kiện toàn, đổi mới,
sáng tạo, tích cực, chủ động, quyết liệt, đồng bộ, toàn diện, bền vững, an toàn, hiện đại,
văn minh, tháng, quý, giai đoạn, nhiệm kỳ, đợt, lần, buổi sáng, buổi chiều, hiện nay, trước,
sau, mới, lớn, nhỏ, cao, tốt đẹp, rõ ràng, cụ thể, chung, riêng, mỗi, từng, toàn bộ,
điều hành, điều kiện, năng lực, nâng cấp, đề xuất, ý kiến, phát biểu, ghi nhận, biểu dương,
khẳng định, nhấn mạnh, đề ra, thống nhất, tham mưu, ban hành, quản lý, nhà nước, Đảng,
chính quyền, Mặt trận, đoàn thể, cơ quan, cá nhân, tập thể, phong trào, thi đua, khen thưởng,
bằng khen, đồng thời, bên cạnh đó, qua đó, nhằm, nhiều, hơn, đối với, cùng, còn, đó, các cấp,
sở ngành, quận huyện, tập trung, rà soát, cải thiện, thúc đẩy, tạo điều kiện, hỗ trợ,
thu hút, nguồn lực, tiềm năng, lợi thế, định hướng, chiến lược, tầm nhìn, đột phá, ưu tiên,
cơ chế, thể chế, hạ tầng, đất đai, tài nguyên, khoáng sản, thông tin, truyền thông,
tuyên truyền, vận động, nhận thức, ý thức, trách nhiệm, kỷ cương, kỷ luật, phòng chống,
tham nhũng, lãng phí, thanh tra, khiếu nại, tố cáo, tiếp công dân, giải quyết, dứt điểm,
đề án, nghị quyết, kết luận, chỉ thị, quyết định, công văn, tờ trình, dự thảo, góp ý,
lấy ý kiến, tiếp thu, hoàn thiện, trình, phê duyệt, điều chỉnh, bổ sung, sửa đổi, thay thế,
bãi bỏ, hiệu lực, áp dụng, hướng tới, góp phần, đáp ứng, nhu cầu, thực tiễn, thực tế,
hiện trạng, số liệu, thống kê, tổng hợp, tỷ lệ, tăng, giảm, so với, cùng kỳ, ước đạt, đạt được,
tổng số, trong đó, gồm, bao gồm, khoảng, gần, trên, dưới, tính đến, đến nay, từ đầu năm,
năm nay, năm tới, những năm qua, thời gian qua, vừa qua, sắp tới, cuối năm, đầu năm, giữa năm,
phó giám đốc, giám đốc, trưởng phòng, bí thư, phó bí thư, thường trực, ủy viên, thành ủy,
huyện ủy, quận ủy, đảng ủy, chi bộ, đảng viên, hội đồng nhân dân, kỳ họp, cử tri, tiếp xúc,
đại hội, nhiệm kỳ, bầu cử, chúc Tết, gặp mặt, tọa đàm, hội thảo, diễn đàn, lễ, phát động,
khánh thành, khởi công, động thổ, bàn giao, trao, tiếp nhận, ký kết, hợp tác, liên kết,
vùng, khu vực, đồng bằng sông Cửu Long, trung ương, Chính phủ, Thủ tướng, bộ, ngành chức năng"""
COMMON_WORDS = list(dict.fromkeys(w.strip() for w in COMMON.split(",") if w.strip()))

ONSETS = ("", "b", "c", "ch", "d", "đ", "g", "gi", "h", "kh", "l", "m", "n", "ng", "nh", "ph",
          "qu", "r", "s", "t", "th", "tr", "v", "x")  # fmt: skip
ONSET_WEIGHTS = (6, 5, 6, 5, 4, 5, 3, 3, 6, 3, 5, 5, 5, 4, 4, 3, 2, 2, 3, 6, 6, 5, 4, 3)
RHYMES = """a ai ao au ay an ang anh am ap at ac ach ăn ăng ăm ăp ăt ăc âm ân âng âu ây âp ât âc
e em en eo ep et ec ê êm ên ênh êu êp êt êch i im in inh iu ip it ich ia iêm iên iêng iêu iêp
iêt o oi om on ong op ot oc oa oai oan oang oanh oat oac oach oe oen oet ô ôi ôm ôn ông ôp ôt ôc
ơ ơi ơm ơn ơp ơt u ui um un ung up ut uc ua uân uât uôi uôm uôn uông uôt uôc uy uyên uyêt uynh
ư ưa ưi ưng ưt ưc ươi ươm ươn ương ươp ươt ươc ưu""".split()
# Combining marks of the six tones: ngang, huyền, sắc, hỏi, ngã, nặng.
TONES = ("", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323")
TONE_WEIGHTS = (30, 18, 18, 12, 7, 15)
_VOWELS = "aăâeêioôơuưy"
_MARKED_VOWELS = "ăâêôơư"


def _tone_position(rhyme: str) -> int:
    """Index in ``rhyme`` of the vowel that carries the tone mark (the modern convention)."""
    vowels = [n for n, c in enumerate(rhyme) if c in _VOWELS]
    marked = [n for n in vowels if rhyme[n] in _MARKED_VOWELS]
    if marked:
        return marked[-1]
    if rhyme[-1] not in _VOWELS or len(vowels) == 3 or rhyme in ("oa", "oe", "uy"):
        return vowels[-1] if rhyme[-1] not in _VOWELS else vowels[1]
    return vowels[0]


def syllable(rng: random.Random) -> str:
    """A random, well-formed Vietnamese syllable, marked as NFC text."""
    while True:
        onset = rng.choices(ONSETS, ONSET_WEIGHTS)[0]
        rhyme = rng.choice(RHYMES)
        if (onset == "qu" and rhyme[0] in "uưo") or (onset == "gi" and rhyme[0] == "i"):
            continue
        break
    if rhyme[-1] in "ptc" or rhyme.endswith("ch"):  # checked syllables: sắc or nặng only
        tone = rng.choice((TONES[2], TONES[5]))
    else:
        tone = rng.choices(TONES, TONE_WEIGHTS)[0]
    spot = _tone_position(rhyme) + 1
    if rhyme[0] in "eêi" and onset in ("c", "g", "ng"):
        onset = {"c": "k", "g": "gh", "ng": "ngh"}[onset]
    return unicodedata.normalize("NFC", onset + rhyme[:spot] + tone + rhyme[spot:])


def generated_word(rng: random.Random) -> str:
    return " ".join(syllable(rng) for _ in range(rng.choices((1, 2, 3), (3, 6, 1))[0]))


def title_case(words: str) -> str:
    return " ".join(w[:1].upper() + w[1:] for w in words.split())


SURNAMES = ("Nguyễn Trần Lê Phạm Huỳnh Hoàng Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý Trương "
            "Đinh Lâm Mai Tạ Châu Quách Lưu").split()  # fmt: skip
SURNAME_WEIGHTS = [38, 11, 9, 7, 4, 4, 4, 3, 3, 2, 2, 2, 2, 1, 1, 1] + [1] * 8
MIDDLES = "Văn Thị Ngọc Thanh Minh Quốc Hoàng Thành Hữu Đức Công Xuân Thu Tấn Việt Kim Hồng".split()

REAL_PLACES = """Ninh Kiều|Bình Thủy|Cái Răng|Ô Môn|Thốt Nốt|Phong Điền|Cờ Đỏ|Vĩnh Thạnh|Thới Lai|
Hậu Giang|Đồng Tháp|An Giang|Kiên Giang|Sóc Trăng|Bạc Liêu|Cà Mau|Vĩnh Long|Trà Vinh|Bến Tre|
Tiền Giang|Long An|Hà Nội|Thành phố Hồ Chí Minh|Hải Phòng|Huế|Đà Lạt|Quảng Nam|Bình Dương|Đồng Nai|
Bà Rịa - Vũng Tàu|Quảng Ninh|Nghệ An|Thanh Hóa|Hà Tĩnh|Quảng Bình|Quảng Trị|Quảng Ngãi|Bình Định|
Phú Yên|Khánh Hòa|Ninh Thuận|Bình Thuận|Kon Tum|Gia Lai|Đắk Lắk|Đắk Nông|Lâm Đồng|Bình Phước|
Tây Ninh|Lào Cai|Yên Bái|Điện Biên|Lai Châu|Sơn La|Hòa Bình|Thái Nguyên|Bắc Ninh|Hải Dương|
Nam Định|Ninh Bình""".replace("\n", "").split("|")
DA_NANG = "Đà Nẵng"
DA_NANG_RANK = 20  # with 230 places, two per article: Đà Nẵng in about 1.5% of the articles

# The portal's real topics: (key phrases, people). Generated topics fill the rest.
REAL_TOPICS = [
    (["nông thôn mới", "Văn phòng Điều phối", "điều phối", "sản phẩm OCOP", "xã đạt chuẩn",
      "nông thôn mới nâng cao", "kiểu mẫu"], ["Nguyễn Ngọc Hè", "Trần Thị Xuân Mai"]),
    (["chuyển đổi số", "chính quyền số", "dịch vụ công trực tuyến", "dữ liệu", "hạ tầng số",
      "kinh tế số"], ["Dương Tấn Hiển", "Lê Minh Đức"]),
    (["cải cách hành chính", "thủ tục hành chính", "một cửa", "chỉ số hài lòng", "công vụ"],
     ["Nguyễn Thực Hiện", "Đỗ Thanh Bình"]),
    (["giao thông", "cầu", "cao tốc", "giải phóng mặt bằng", "thi công", "nhà thầu", "tiến độ"],
     ["Trương Cảnh Tuyên", "Phạm Văn Hiểu"]),
    (["bệnh viện", "dịch bệnh", "tiêm chủng", "khám chữa bệnh", "bác sĩ", "sức khỏe"],
     ["Võ Thành Thống", "Đặng Thị Hồng"]),
    (["học sinh", "trường học", "giáo viên", "kỳ thi", "đào tạo", "nguồn nhân lực"],
     ["Nguyễn Thanh Dũng", "Lê Quang Mạnh"]),
    (["an ninh trật tự", "quốc phòng", "công an", "phòng cháy chữa cháy", "tội phạm"],
     ["Nguyễn Văn Hòa", "Trần Việt Trường"]),
    (["du lịch", "lễ hội", "chợ nổi Cái Răng", "du khách", "quảng bá", "đặc sản"],
     ["Nguyễn Văn Hiếu", "Lâm Thị Thu Hương"]),
    (["nông nghiệp", "lúa", "trái cây", "thủy lợi", "hợp tác xã", "nông dân", "xâm nhập mặn"],
     ["Trần Thái Nghiêm", "Huỳnh Văn Tâm"]),
    (["hoà nhập cộng đồng", "người khuyết tật", "an sinh xã hội", "bảo trợ xã hội"],
     ["Phạm Thị Hằng", "Ngô Văn Lực"]),
    (["đô thị", "quy hoạch", "chỉnh trang", "nhà ở xã hội", "sạt lở", "ngập úng", "thoát nước"],
     ["Nguyễn Văn Sử", "Bùi Thanh Phong"]),
    (["đối ngoại", "kết nghĩa", "đoàn đại biểu", "đại sứ", "biên bản ghi nhớ"],
     ["Trần Thanh Mẫn", "Hồ Quốc Việt"]),
    (["Tết Nguyên đán", "thăm hỏi", "gia đình chính sách", "mẹ Việt Nam anh hùng", "đón xuân"],
     ["Lê Văn Tâm", "Đinh Thị Yến"]),
    (["thu hút đầu tư", "khu công nghiệp", "nhà đầu tư", "vốn đầu tư công", "giải ngân",
      "môi trường kinh doanh"], ["Nguyễn Văn Thể", "Châu Văn Lâm"]),
    (["bầu cử", "tiếp xúc cử tri", "kỳ họp", "đại biểu Quốc hội"], ["Phạm Văn Chiến"]),
    (["phòng chống thiên tai", "mùa mưa bão", "triều cường", "cứu hộ cứu nạn"],
     ["Trương Quang Hoài Nam"]),
    (["năng lượng tái tạo", "điện mặt trời", "tiết kiệm điện", "lưới điện"], ["Võ Tấn Đức"]),
    (["khởi nghiệp", "đổi mới sáng tạo", "hệ sinh thái khởi nghiệp", "vườn ươm"],
     ["Lê Thị Ngọc Diệp"]),
    (["thể dục thể thao", "giải đua thuyền", "vận động viên", "huy chương"], ["Mai Văn Sơn"]),
    (["hộ nghèo", "giảm nghèo bền vững", "nhà đại đoàn kết", "vay vốn ưu đãi"],
     ["Quách Tuấn Khanh"]),
]  # fmt: skip
# The city's leaders: the section is their news, so every article names one (Zipf-drawn).
LEADERS = """Trần Việt Trường|Nguyễn Văn Hòa|Nguyễn Ngọc Hè|Dương Tấn Hiển|Trương Cảnh Tuyên|
Nguyễn Thực Hiện|Lê Quang Mạnh|Phạm Văn Hiểu|Đỗ Thanh Bình|Nguyễn Thanh Dũng|Trần Thị Xuân Mai|
Võ Thành Thống|Lê Minh Đức|Đặng Thị Hồng""".replace("\n", "").split("|")
TOPIC_COUNT = 300
PLACE_COUNT = 230
AUTHORS = ["Kim Xuyến", "Minh Huyền", "Thanh Tâm", "Xuân Giang", "Hoàng Mai", "Đức Anh",
           "Quốc Đạt", "Bảo Ngọc", "Văn phòng UBND thành phố"]  # fmt: skip


def zipf_weights(count: int, offset: float) -> list[float]:
    return [1 / (rank + offset) for rank in range(count)]


@dataclass
class Topic:
    phrases: list[str]
    people: list[str]
    places: list[str]


class Corpus:
    """The vocabulary, topics and places, built the same way in every process from the seed."""

    def __init__(self, seed: int = SEED) -> None:
        rng = random.Random(seed)
        generated = list(dict.fromkeys(generated_word(rng) for _ in range(6500)))
        generated = [w for w in generated if w not in COMMON_WORDS][:6000]
        self.words = COMMON_WORDS + generated
        self.word_cum = list(_cumulative(zipf_weights(len(self.words), 3)))
        generated_places = [title_case(generated_word(rng)) for _ in range(PLACE_COUNT * 2)]
        places = list(dict.fromkeys(REAL_PLACES + generated_places))
        places = [p for p in places if p != DA_NANG][: PLACE_COUNT - 1]
        rng.shuffle(places)
        places.insert(DA_NANG_RANK, DA_NANG)
        self.places = places
        self.place_cum = list(_cumulative(zipf_weights(len(places), 3)))
        self.topics = []
        for n in range(TOPIC_COUNT):
            own_places = [title_case(generated_word(rng)) for _ in range(rng.randint(1, 3))]
            if n < len(REAL_TOPICS):
                phrases, people = REAL_TOPICS[n]
                people = people + [self.person(rng) for _ in range(2)]
            else:
                phrases = [self.phrase(rng) for _ in range(rng.randint(5, 9))]
                people = [self.person(rng) for _ in range(rng.randint(2, 5))]
            self.topics.append(Topic(list(phrases), people, own_places))
        # The real topics at random ranks among the first 80, the generated ones around them.
        real, generated_topics = self.topics[: len(REAL_TOPICS)], self.topics[len(REAL_TOPICS) :]
        rng.shuffle(generated_topics)
        self.topics = generated_topics
        for rank, topic in sorted(zip(rng.sample(range(80), len(real)), real, strict=True)):
            self.topics.insert(rank, topic)
        self.leader_cum = list(_cumulative(zipf_weights(len(LEADERS), 2)))
        self.topic_cum = list(_cumulative(zipf_weights(TOPIC_COUNT, 20)))

    def phrase(self, rng: random.Random) -> str:
        return " ".join(generated_word(rng) for _ in range(rng.choice((1, 1, 2))))

    @staticmethod
    def person(rng: random.Random) -> str:
        given = title_case(syllable(rng))
        middle = rng.choice(MIDDLES) + (" " + rng.choice(MIDDLES) if rng.random() < 0.3 else "")
        return f"{rng.choices(SURNAMES, SURNAME_WEIGHTS)[0]} {middle} {given}"


def _cumulative(weights: list[float]) -> Iterator[float]:
    total = 0.0
    for weight in weights:
        total += weight
        yield total


class ArticleFactory:
    """Deterministic synthetic articles (see the module docstring)."""

    def __init__(self, corpus: Corpus, seed: int) -> None:
        self.corpus = corpus
        self.rng = random.Random(seed)

    def subject(self) -> list[str]:
        """What an article is about: phrases and people of its topics, and two places."""
        corpus, rng = self.corpus, self.rng
        count = 2 if rng.random() < 1 / 3 else 1
        topics = rng.choices(corpus.topics, cum_weights=corpus.topic_cum, k=count)
        phrases = [p for t in topics for p in rng.sample(t.phrases, min(3, len(t.phrases)))]
        people = [rng.choice(t.people) for t in topics]
        places = rng.choices(corpus.places, cum_weights=corpus.place_cum, k=2)
        places += [rng.choice(t.places) for t in topics if rng.random() < 0.5]
        leader = rng.choices(LEADERS, cum_weights=self.corpus.leader_cum)[0]
        return phrases * 2 + people + places + [leader]  # key phrases more often than names

    def sentence(self, length: int, subject: list[str], share: float = 0.125) -> str:
        """A sentence of about ``length`` syllables; a word in 1/share from the subject."""
        rng = self.rng
        drawn = rng.choices(self.corpus.words, cum_weights=self.corpus.word_cum, k=length)
        words = [rng.choice(subject) if rng.random() < share else word for word in drawn]
        text = " ".join(" ".join(words).split()[:length])
        return text[0].upper() + text[1:] + "."

    def article(self, n: int) -> Article:
        rng = self.rng
        subject = self.subject()
        target = rng.randint(300, 800)
        paragraphs, total = [], 0
        while total < target:
            sentences = [
                self.sentence(rng.randint(14, 30), subject) for _ in range(rng.randint(2, 5))
            ]
            paragraphs.append(" ".join(sentences))
            total += sum(len(s.split()) for s in sentences)
        year = 2015 + rng.randrange(10)
        published = f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        return Article(
            url=f"https://www.cantho.gov.vn/hoat-dong-lanh-dao-thanh-pho/bai-{n}",
            title=self.sentence(rng.randint(8, 16), subject, share=1 / 3)[:-1],
            lead=self.sentence(rng.randint(20, 40), subject),
            body="\n\n".join(paragraphs),
            published=published,
            author=rng.choice(AUTHORS),
            section="Tin hoạt động của Lãnh đạo Thành phố",
            word_count=total,
            fetched_at="2024-01-01T00:00:00Z",
        )


_CORPUS: Corpus | None = None


def _corpus() -> Corpus:
    global _CORPUS
    if _CORPUS is None:
        _CORPUS = Corpus()
    return _CORPUS


def generate_block(block: int, count: int = BLOCK) -> list[Article]:
    """Articles ``block * BLOCK`` to ``block * BLOCK + count - 1``; the same on every run."""
    factory = ArticleFactory(_corpus(), SEED * 1000 + block)
    return [factory.article(block * BLOCK + n) for n in range(count)]


def generate(count: int, processes: int) -> Iterator[Article]:
    """``count`` articles, in order, generated in ``processes`` worker processes (0: in this
    one), at most two blocks ahead per process so memory stays small."""
    blocks = [(b, min(BLOCK, count - b * BLOCK)) for b in range((count + BLOCK - 1) // BLOCK)]
    if processes <= 0:
        for block, size in blocks:
            yield from generate_block(block, size)
        return
    todo = iter(blocks)
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        pending = deque(
            pool.apply_async(generate_block, args) for args in islice(todo, 2 * processes)
        )
        while pending:
            articles = pending.popleft().get()
            for args in islice(todo, 1):
                pending.append(pool.apply_async(generate_block, args))
            yield from articles


def store(
    archive: Archive, count: int, processes: int, batch: int = 1
) -> tuple[float, float]:
    """Store ``count`` synthetic articles, ``batch`` per transaction (1: one transaction each;
    the crawl commits up to crawler.recorder.BATCH = 64 together through ``Archive.batch``);
    return (seconds spent storing, total seconds)."""
    run_id = runs.start_run(archive.db, "bench", CORPUS_VERSION, "")
    storing = 0.0
    started = time.perf_counter()
    articles = generate(count, processes)
    done = 0
    while done < count:
        block = list(islice(articles, batch))
        t0 = time.perf_counter()
        if batch == 1:
            archive.store_article(block[0], run_id)
        else:
            with archive.batch():
                for article in block:
                    archive.store_article(article, run_id)
        storing += time.perf_counter() - t0
        if (done + len(block)) // 10_000 > done // 10_000:
            rate = (done + len(block)) / storing
            print(f"  stored {done + len(block):>7,} articles  ({rate:,.0f}/s)", file=sys.stderr)
        done += len(block)
    runs.finish_run(archive.db, run_id, "finished", "finished", {"new": count})
    return storing, time.perf_counter() - started


# Which triggers a storing-cost variant drops (by name prefix), to see what each index costs.
WITHOUT = {
    "every index": (),
    "no pair index": ("articles_fts_pairs_",),
    "no mark index": ("articles_fts_marks_",),
    "no articles_fts": ("articles_fts_insert", "articles_fts_update", "articles_fts_delete"),
    "no search index": ("articles_fts",),
}


def storing_costs(count: int, batch: int) -> None:
    """Store the same ``count`` articles in a fresh archive per variant of ``WITHOUT`` (that
    index's triggers dropped) and print the CPU milliseconds per article of each."""
    articles = list(islice(generate(count, 0), count))
    print(f"Storing {count:,} articles, {batch} per transaction, CPU ms per article:")
    for name, prefixes in WITHOUT.items():
        with tempfile.TemporaryDirectory() as workdir, Archive(Path(workdir) / "b.db") as archive:
            triggers = archive.db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            for (trigger,) in triggers.fetchall():
                if prefixes and trigger.startswith(prefixes):
                    archive.db.execute(f'DROP TRIGGER "{trigger}"')
            run_id = runs.start_run(archive.db, "bench", CORPUS_VERSION, "")
            cpu, wall = time.process_time(), time.perf_counter()
            for start in range(0, count, batch):
                with archive.batch():
                    for article in articles[start : start + batch]:
                        archive.store_article(article, run_id)
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        print(f"  {name:<16} {cpu / count * 1000:6.2f} ms CPU  {count / wall:6.0f} articles/s wall")


# --- Queries -----------------------------------------------------------------------------------

# (query as typed, the accented form LIKE gets)
TYPICAL = [
    ("dieu phoi", "điều phối"),
    ("Điều phối", "Điều phối"),
    ("da nang", "Đà Nẵng"),
    ("Đà Nẵng", "Đà Nẵng"),
    ("nong thon moi", "nông thôn mới"),
    ("nông thôn mới", "nông thôn mới"),
    ("chuyển đổi số", "chuyển đổi số"),
    ("cai cach hanh chinh", "cải cách hành chính"),
    ("Nguyễn Ngọc Hè", "Nguyễn Ngọc Hè"),
    ("nguyen ngoc he", "Nguyễn Ngọc Hè"),
    ("hoa nhap cong dong", "hoà nhập cộng đồng"),
    ("giai ngan von dau tu", "giải ngân vốn đầu tư"),
    ("chợ nổi Cái Răng", "chợ nổi Cái Răng"),
    ("tiem chung", "tiêm chủng"),
    ("tran thai nghiem", "Trần Thái Nghiêm"),
]
BROAD = [("thanh pho", "thành phố"), ("phat trien kinh te xa hoi", "phát triển kinh tế xã hội")]


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


def ratio(value: float) -> str:
    return f"{value:.1f}x" if value < 10 else f"{value:.0f}x"


def like_sql(text: str, limit: bool) -> tuple[str, list[str]]:
    """The LIKE query for ``text``: every word in title, lead or body (parameters only)."""
    words = text.split()
    condition = " AND ".join(["(title LIKE ? OR lead LIKE ? OR body LIKE ?)"] * len(words))
    params = [f"%{word}%" for word in words for _ in range(3)]
    if limit:
        return (
            f"SELECT id, title, published FROM articles WHERE {condition} "
            "ORDER BY published DESC LIMIT 20",
            params,
        )
    return f"SELECT id FROM articles WHERE {condition}", params


def run_queries(archive: Archive, args: argparse.Namespace, count: int) -> None:
    def query_rows(label: str, query: str, accented: str) -> tuple[float, float, float]:
        from archive.search import parse_query

        parsed = parse_query(query)
        sql = "SELECT count(*) FROM articles_fts WHERE articles_fts MATCH ?"
        hits = archive.db.execute(sql, [parsed.match]).fetchone()[0]
        phrase = archive.db.execute(sql, [parsed.phrase]).fetchone()[0] if parsed.phrase else hits
        fts = timings(lambda: search_articles(archive.db, query, limit=20), args.fts_repeat)
        like20_sql, like_params = like_sql(accented, limit=True)
        like20 = timings(
            lambda: archive.db.execute(like20_sql, like_params).fetchall(), args.like_repeat
        )
        likeall_sql, _ = like_sql(accented, limit=False)
        like_rows = len(archive.db.execute(likeall_sql, like_params).fetchall())
        likeall = timings(
            lambda: archive.db.execute(likeall_sql, like_params).fetchall(), args.like_repeat
        )
        fts_med = statistics.median(fts)
        like20_x, likeall_x = (
            statistics.median(like20) / fts_med,
            statistics.median(likeall) / fts_med,
        )
        print(
            f"{label:<26} {hits / count:>6.1%} {phrase / count:>6.1%} {like_rows / count:>6.1%} "
            f"{fts_med:>7.1f} {p95(fts):>7.1f} "
            f"{statistics.median(like20):>8.1f} {ratio(like20_x):>7} "
            f"{statistics.median(likeall):>8.0f} {ratio(likeall_x):>7}"
        )
        return p95(fts), like20_x, likeall_x

    load = ", ".join(f"{n:.1f}" for n in os.getloadavg())
    print(f"\nLoad average before searching: {load} ({os.cpu_count()} CPUs).")
    print(
        f"\nSearch over {count:,} articles, milliseconds, warm cache. FTS: search_articles (best 20"
        f" by bm25, phrase first, snippets), {args.fts_repeat} runs. LIKE 20: each word in title,"
        f"\nlead or body, newest 20; LIKE all: every matching row; {args.like_repeat} runs each. "
        "all / phrase / like: share of the articles with all the words (FTS), with the\nphrase "
        "(FTS), found by LIKE. Speed-ups are LIKE median / FTS median.\n"
    )
    header = (
        f"{'query':<26} {'all':>6} {'phrase':>6} {'like':>6} {'FTS med':>7} {'FTS p95':>7} "
        f"{'LIKE 20':>8} {'x':>7} {'LIKE all':>8} {'x':>7}"
    )
    print(header)
    print("-" * len(header))
    typical = [query_rows(query, query, accented) for query, accented in TYPICAL]
    print("broad (worst case, not in the target):")
    broad = [query_rows(query, query, accented) for query, accented in BROAD]
    print(
        f"\nTypical queries: worst FTS p95 {max(t[0] for t in typical):.1f} ms (target < 50 ms); "
        f"smallest speed-up vs LIKE 20 {ratio(min(t[1] for t in typical))}, "
        f"vs LIKE all {ratio(min(t[2] for t in typical))} (target >= 100x).\n"
        f"Broad queries: worst FTS p95 {max(t[0] for t in broad):.1f} ms; smallest speed-up vs "
        f"LIKE 20 {ratio(min(t[1] for t in broad))}, vs LIKE all {ratio(min(t[2] for t in broad))}."
    )


SEARCH_INDEXES = ("articles_fts", "articles_fts_pairs", "articles_fts_marks")


def index_size(archive: Archive, table: str) -> int:
    """Bytes of an FTS5 index: its segments, and its row sizes if it keeps them."""
    size = archive.db.execute(f"SELECT sum(length(block)) FROM {table}_data").fetchone()[0]
    if archive.db.table(f"{table}_docsize").exists():
        size += archive.db.execute(
            f"SELECT coalesce(sum(length(sz)), 0) FROM {table}_docsize"
        ).fetchone()[0]
    return size


def report_sizes(archive: Archive, path: Path) -> None:
    text_bytes = archive.db.execute(
        "SELECT sum(length(CAST(title AS BLOB)) + length(CAST(lead AS BLOB)) "
        "+ length(CAST(body AS BLOB))) FROM articles"
    ).fetchone()[0]
    index_bytes, pairs_bytes, marks_bytes = (
        index_size(archive, table) for table in SEARCH_INDEXES
    )
    mb = 1024 * 1024
    print(
        f"\nIndexed text (title+lead+body, UTF-8): {text_bytes / mb:,.0f} MB; "
        f"FTS index: {index_bytes / mb:,.0f} MB ({index_bytes / text_bytes:.2f}x the text); "
        f"pair index: {pairs_bytes / mb:,.0f} MB ({pairs_bytes / text_bytes:.2f}x); "
        f"mark index: {marks_bytes / mb:,.0f} MB ({marks_bytes / text_bytes:.2f}x); "
        f"whole archive file: {path.stat().st_size / mb:,.0f} MB."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--fts-repeat", type=int, default=40)
    parser.add_argument("--like-repeat", type=int, default=3)
    parser.add_argument(
        "--processes", type=int, default=1, help="Generating processes beside the storing one."
    )
    parser.add_argument(
        "--batch", type=int, default=1, help="Articles per transaction when storing (crawl: 64)."
    )
    parser.add_argument(
        "--storing-costs", type=int, metavar="N", default=0,
        help="Only store N articles once per index left out (what each index's triggers cost).",
    )  # fmt: skip
    parser.add_argument("--db", "--keep", type=Path, help="Build the archive at this path.")
    parser.add_argument(
        "--reuse", action="store_true", help="Use the archive at --db as it is (no storing)."
    )
    args = parser.parse_args()
    if args.storing_costs:
        storing_costs(args.storing_costs, args.batch)
        return

    workdir = tempfile.TemporaryDirectory()
    path = args.db or Path(workdir.name) / "bench.db"
    if args.reuse:
        if not path.is_file():
            parser.error(f"--reuse: no archive at {path}")
    elif path.exists():
        parser.error(f"{path} exists: pass --reuse to search it, or remove it to rebuild")
    if not args.reuse:
        with Archive(path) as archive:
            print(f"Storing {args.articles:,} synthetic articles in {path} ...", file=sys.stderr)
            storing, total = store(archive, args.articles, args.processes, args.batch)
            print(
                f"\nStored {args.articles:,} articles: {args.articles / storing:,.0f} articles/s "
                f"through Archive.store_article ({storing:.0f} s storing, {total:.0f} s with "
                f"generation in {args.processes} more processes), {args.batch} per transaction."
            )
            archive.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    with Archive(path, readonly=True) as archive:
        modes = {row[0] for row in archive.db.execute("SELECT mode FROM crawl_runs")}
        if modes != {CORPUS_VERSION}:
            print(f"warning: {path} was not built by this corpus version: {modes}")
        count = reading.article_count(archive.db)
        run_queries(archive, args, count)
        report_sizes(archive, path)
    workdir.cleanup()


if __name__ == "__main__":
    main()
