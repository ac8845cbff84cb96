"""The crawl against a portal that fails in every way (sample_portal.faults), run as cron runs it.

Each test runs `scrapy crawl tinlanhdao` in a subprocess against a FaultyPortal, with short
timeouts and no backoff (DOWNLOAD_TIMEOUT=2, RETRY_TIMES=2, RETRY_BACKOFF_BASE=0), and checks
the promises: every reachable article is archived exactly once, every unreachable URL is in
``failures`` with its reason, the exit status tells the truth, no answer hangs the run, a 50 MB
answer does not eat memory, and no page makes the extractor raise anything but NotAnArticle
(``extraction_error``). Figures go to the terminal (`pytest -s`).
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import pytest
from support.crawls import ROOT, SITE_DIR, crawl_command

from crawler.middlewares import RetryBackoffMiddleware
from crawler.runhealth import EXIT_CODES
from sample_portal.faults import (
    MB,
    Charset,
    FaultPlan,
    FaultyPortal,
    Hang,
    Huge,
    Nested,
    RedirectLoop,
    Reset,
    Status,
    Truncate,
)
from sample_portal.server import SECTION_PATH

MANIFEST = json.loads((SITE_DIR / "manifest.json").read_text("utf-8"))
ALL_PATHS = {entry["path"] for entry in MANIFEST}
FAST = ("-s", "DOWNLOAD_TIMEOUT=2", "-s", "RETRY_TIMES=2", "-s", "RETRY_BACKOFF_BASE=0")
A = FaultPlan.article


@dataclass
class Run:
    """A finished crawl: exit status, log, wall time and the crawl process's peak memory."""

    returncode: int
    log: str
    seconds: float
    max_rss_mb: float


def crawl(portal: FaultyPortal, archive: Path, *extra: str, hang_guard: float = 600) -> Run:
    """Run the operator's command with the fast fault settings. A crawl still running after
    ``hang_guard`` seconds has hung: it is killed and the test fails (no test asserts speed)."""
    env = dict(os.environ, TINLANHDAO_ARCHIVE=str(archive))
    with tempfile.TemporaryFile("w+", encoding="utf-8") as log:
        started = time.monotonic()
        process = subprocess.Popen(crawl_command(portal, *FAST, *extra), cwd=ROOT, env=env,
                                   stdout=subprocess.DEVNULL, stderr=log, text=True)
        peak_kb = 0
        while True:
            # The crawl's own peak memory: VmHWM of its process. (wait4's ru_maxrss would keep
            # the peak of the forked pytest from before the exec, which grows along the suite.)
            peak_kb = max(peak_kb, _vm_hwm_kb(process.pid))
            pid, status, _ = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() - started > hang_guard:
                process.kill()
                process.wait()
                pytest.fail(f"the crawl hung (still running after {hang_guard} s)")
            time.sleep(0.05)
        process.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.monotonic() - started
        log.seek(0)
        return Run(process.returncode, log.read(), seconds, peak_kb / 1024)


def _vm_hwm_kb(pid: int) -> int:
    """The peak resident memory of a running process, in KB (0 once it has exited)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def query(archive: Path, sql: str, *params) -> list[tuple]:
    with sqlite3.connect(archive) as connection:
        return connection.execute(sql, params).fetchall()


def archived_paths(archive: Path) -> list[str]:
    return sorted(urlparse(url).path for (url,) in query(archive, "select url from articles"))


def extraction_errors(archive: Path) -> list[str]:
    """URLs whose extraction raised an error other than NotAnArticle (a bug), in every run."""
    return [url for (url,) in query(archive, "select url from failures "
                                             "where reason = 'extraction_error'")]


def failures(archive: Path) -> dict[str, tuple[str, int | None]]:
    """{path+query: (reason, http_status)} of the failures table."""
    rows = query(archive, "select url, reason, http_status from failures")
    found = {}
    for url, reason, status in rows:
        parsed = urlparse(url)
        found[parsed.path + (f"?{parsed.query}" if parsed.query else "")] = (reason, status)
    return found


def report(name: str, plan: FaultPlan, archive: Path, run: Run) -> None:
    print(f"\n[faults] {name}: faults injected {plan.total_injected} {dict(plan.injected)}; "
          f"articles archived {len(archived_paths(archive))}, failures recorded "
          f"{len(failures(archive))}; exit {run.returncode}; {run.seconds:.1f} s; "
          f"crawl peak RSS {run.max_rss_mb:.0f} MB")


# --- a bad day: transient faults recovered, permanent ones recorded ----------------------------

TRANSIENT = {
    A("2025-04-22-hoi-nghi-thanh-uy-quy-i"): Status(503, times=2, retry_after=1),
    A("2025-03-14-lam-viec-voi-da-nang"): Reset(times=1),
    A("2025-01-20-trien-khai-ke-hoach-2025"): Truncate(times=2),
    A("2024-12-05-tham-mo-hinh-lua-thoi-lai"): Hang(times=1),
    A("2015-08-20-lam-viec-doanh-nghiep-thuy-san"): Charset(None),  # windows-1258, no charset
    A("2023-07-05-lam-viec-so-giao-duc"): Nested(200),
}
PERMANENT = {  # 5 of 28 pages: under the 20% failure threshold, so the run still succeeds
    A("2024-10-18-chuc-mung-hoi-lien-hiep-phu-nu"): (Status(503), {"http_503"}),
    A("2024-08-29-tham-gia-dinh-chinh-sach-o-mon"): (Hang(600), {"DownloadTimeoutError",
                                                                 "TimeoutError"}),
    A("2024-07-02-tiep-xuc-cu-tri-binh-thuy"): (Huge(50 * MB), {"too_large"}),
    # Without a Content-Length, Scrapy cancels the download without saying why.
    A("2024-05-16-doi-thoai-doanh-nghiep"): (Huge(50 * MB, declare_length=False),
                                             {"DownloadCancelledError"}),
    A("2024-03-08-tiep-tong-lanh-su-nhat-ban"): (Status(404), {"http_404"}),
}


@pytest.fixture(scope="module")
def bad_day(tmp_path_factory):
    """One crawl through every recoverable and unrecoverable fault at once."""
    paths = dict(TRANSIENT)
    paths.update({path: fault for path, (fault, _) in PERMANENT.items()})
    plan = FaultPlan(paths, duplicate_links=True, pagination="wrap")
    archive = tmp_path_factory.mktemp("bad-day") / "archive.db"
    with FaultyPortal(plan) as portal:
        run = crawl(portal, archive)
    report("bad day", plan, archive, run)
    return portal, plan, archive, run


def test_bad_day_archives_every_reachable_article_exactly_once(bad_day):
    _, _, archive, run = bad_day
    assert run.returncode == 0, run.log[-3000:]
    paths = archived_paths(archive)
    assert paths == sorted(ALL_PATHS - set(PERMANENT))
    assert query(archive, "select count(*) - count(distinct url) from articles") == [(0,)]
    assert "Traceback" not in run.log
    assert extraction_errors(archive) == []


def test_bad_day_records_every_unreachable_url_with_its_reason(bad_day):
    _, _, archive, _ = bad_day
    recorded = failures(archive)
    assert set(recorded) == set(PERMANENT)
    for path, (_, reasons) in PERMANENT.items():
        assert recorded[path][0] in reasons, (path, recorded[path])
    assert recorded[A("2024-03-08-tiep-tong-lanh-su-nhat-ban")][1] == 404


def test_bad_day_fetches_each_article_once_and_retries_only_failures(bad_day):
    portal, _, _, _ = bad_day
    requested = [urlparse(p).path for p in portal.requests]
    for path in ALL_PATHS - set(TRANSIENT) - set(PERMANENT):
        assert requested.count(path) == 1, path  # listed twice on the page, fetched once
    assert requested.count(A("2025-04-22-hoi-nghi-thanh-uy-quy-i")) == 3  # 503, 503, 200
    assert requested.count(A("2024-10-18-chuc-mung-hoi-lien-hiep-phu-nu")) == 3  # RETRY_TIMES=2
    listing = [p for p in portal.requests if p.startswith(SECTION_PATH + "?") or p == SECTION_PATH]
    assert len(listing) == len(set(listing)) <= 4  # the wrapped "Trang sau" did not loop


def test_bad_day_stays_within_its_memory_budget(bad_day):
    portal, _, _, run = bad_day
    # Two 50 MB answers: refused at 20 MB at most, and never held whole in memory.
    assert run.max_rss_mb < 180  # a clean crawl peaks near 100 MB
    assert portal.bytes_streamed < 2 * 25 * MB


def test_bad_day_text_survives_a_missing_charset(bad_day):
    _, _, archive, _ = bad_day
    (title,) = query(archive, "select title from articles where url like ?",
                     "%" + A("2015-08-20-lam-viec-doanh-nghiep-thuy-san"))[0]
    assert title.startswith("Bí thư Thành ủy làm việc") and "\ufffd" not in title


# --- exit statuses -------------------------------------------------------------------------------


def test_too_many_failed_articles_exit_3_and_are_all_recorded(tmp_path):
    down = sorted(ALL_PATHS)[:8]  # 8 of 28 pages: over the 20% threshold
    plan = FaultPlan({path: Status(503) for path in down})
    with FaultyPortal(plan) as portal:
        run = crawl(portal, tmp_path / "archive.db")
    report("8 articles down", plan, tmp_path / "archive.db", run)
    assert run.returncode == EXIT_CODES["failures_over_threshold"], run.log[-3000:]
    assert failures(tmp_path / "archive.db") == {path: ("http_503", 503) for path in down}
    assert archived_paths(tmp_path / "archive.db") == sorted(ALL_PATHS - set(down))


def test_a_listing_page_without_articles_exits_5_and_the_rest_is_archived(tmp_path):
    plan = FaultPlan(empty_pages={2})
    with FaultyPortal(plan) as portal:
        run = crawl(portal, tmp_path / "archive.db")
    report("empty listing page", plan, tmp_path / "archive.db", run)
    assert run.returncode == EXIT_CODES["listing_without_articles"], run.log[-3000:]
    assert failures(tmp_path / "archive.db") == {
        f"{SECTION_PATH}?page=2": ("listing_without_articles", 200)
    }
    page2 = {entry["path"] for entry in MANIFEST[10:20]}
    assert archived_paths(tmp_path / "archive.db") == sorted(ALL_PATHS - page2)


@pytest.mark.parametrize("fault", [Status(503), Reset(), Hang(600)], ids=lambda f: f.kind)
def test_an_unreachable_listing_exits_6(tmp_path, fault):
    plan = FaultPlan({SECTION_PATH: fault})
    with FaultyPortal(plan) as portal:
        run = crawl(portal, tmp_path / "archive.db")
    report(f"listing {fault.kind}", plan, tmp_path / "archive.db", run)
    assert run.returncode == EXIT_CODES["portal_unreachable"], run.log[-3000:]
    assert "portal_unreachable" in run.log and "Traceback" not in run.log
    assert list(failures(tmp_path / "archive.db")) == [SECTION_PATH]


def test_archived_articles_that_answer_404_or_410_are_kept_and_marked_removed(tmp_path):
    archive = tmp_path / "archive.db"
    plan = FaultPlan()
    with FaultyPortal(plan) as portal:
        first = crawl(portal, archive)
        assert first.returncode == 0, first.log[-3000:]
        gone = {A("2023-02-10-tet-trong-cay"): 404, A("2021-05-19-kiem-tra-chuan-bi-bau-cu"): 410}
        plan.paths.update({path: Status(status) for path, status in gone.items()})
        run = crawl(portal, archive, "-a", "mode=full")
    report("archived articles 404/410", plan, archive, run)
    assert run.returncode == 0, run.log[-3000:]
    assert archived_paths(archive) == sorted(ALL_PATHS)  # nothing deleted
    removed = query(archive, "select url, removed_reason from articles "
                             "where removed_at is not null")
    assert {urlparse(url).path: reason for url, reason in removed} == {
        path: f"http_{status}" for path, status in gone.items()
    }


# --- what the faults revealed (each was a bug, fixed in 81654c2) -------------------------------
# A redirect loop back to the article's own URL was dropped by the duplicate filter, unrecorded;
# pagination wrapping to page 1 under new page numbers was walked to the portal's end; a
# windows-1258 page served as "charset=utf-8" was stored with U+FFFD; an article inside more
# than 255 nested elements lost its content (libxml2's depth limit without huge_tree).


@pytest.fixture(scope="module")
def revealing(tmp_path_factory):
    """One crawl through the faults that showed bugs."""
    plan = FaultPlan(
        {
            A("2024-08-29-tham-gia-dinh-chinh-sach-o-mon"): RedirectLoop(),
            A("2015-08-20-lam-viec-doanh-nghiep-thuy-san"): Charset("utf-8"),
            A("2016-04-12-tiep-dai-su-quan-ha-lan"): Nested(10_000),
        },
        pagination="endless",
        endless_limit=40,
    )
    archive = tmp_path_factory.mktemp("revealing") / "archive.db"
    with FaultyPortal(plan) as portal:
        run = crawl(portal, archive)
    report("revealing faults", plan, archive, run)
    return portal, plan, archive, run


def test_revealing_faults_do_not_crash_the_run(revealing):
    _, _, archive, run = revealing
    assert "Traceback" not in run.log
    assert extraction_errors(archive) == [] and "extraction_error" not in run.log
    assert query(archive, "select count(*) - count(distinct url) from articles") == [(0,)]
    nested = A("2016-04-12-tiep-dai-su-quan-ha-lan")
    assert nested in archived_paths(archive) or nested in failures(archive)


def test_a_redirect_loop_is_recorded_as_a_failure(revealing):
    _, _, archive, _ = revealing
    assert A("2024-08-29-tham-gia-dinh-chinh-sach-o-mon") in failures(archive)


def test_wrapping_pagination_is_not_walked_forever(revealing):
    portal, _, _, _ = revealing
    listing = {p for p in portal.requests if p.startswith(SECTION_PATH)
               and urlparse(p).path == SECTION_PATH}
    assert len(listing) <= 5


def test_a_wrong_charset_header_does_not_garble_the_text(revealing):
    _, _, archive, _ = revealing
    (title,) = query(archive, "select title from articles where url like ?",
                     "%" + A("2015-08-20-lam-viec-doanh-nghiep-thuy-san"))[0]
    assert "\ufffd" not in title


def test_an_article_inside_10000_nested_divs_is_archived(revealing):
    _, _, archive, _ = revealing
    assert A("2016-04-12-tiep-dai-su-quan-ha-lan") in archived_paths(archive)


# --- the fault portal itself -------------------------------------------------------------------


def test_stopping_the_portal_releases_a_hanging_response():
    plan = FaultPlan({"/treo": Hang(600)})
    outcome: list[object] = []
    with FaultyPortal(plan) as portal:

        def fetch() -> None:
            try:
                urllib.request.urlopen(portal.base_url + "/treo", timeout=30)
            except Exception as error:  # the connection closes without an answer
                outcome.append(error)

        thread = threading.Thread(target=fetch)
        thread.start()
        while not plan.served:
            time.sleep(0.01)
        started = time.monotonic()
    thread.join(timeout=10)
    assert time.monotonic() - started < 3
    assert not thread.is_alive() and outcome


def test_transient_faults_clear_after_their_count():
    plan = FaultPlan({"/robots.txt": Status(503, times=2)})
    with FaultyPortal(plan) as portal:
        codes = []
        for _ in range(3):
            try:
                with urllib.request.urlopen(portal.base_url + "/robots.txt", timeout=5) as answer:
                    codes.append(answer.status)
            except urllib.error.HTTPError as error:
                codes.append(error.code)
    assert codes == [503, 503, 200]
    assert plan.injected == {"status": 2}


def test_retries_back_off_exponentially_up_to_a_cap():
    backoff = RetryBackoffMiddleware(base=5, maximum=120)
    assert [backoff.delay_for(n) for n in range(6)] == [0, 5, 10, 20, 40, 80]
    assert backoff.delay_for(10) == 120
    assert RetryBackoffMiddleware(base=0, maximum=120).delay_for(3) == 0
