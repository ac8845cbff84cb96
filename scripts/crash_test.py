"""Kill the crawl with SIGKILL at random moments and show that the archive loses nothing.

Serves the sample portal on 127.0.0.1 and, ``--kills`` times: changes the portal a little (two
new articles, one edited), starts `scrapy crawl tinlanhdao -a mode=full` (slowed by
``--delay`` between requests so it writes all along), kills it with SIGKILL at a random, seeded
point of its progress (once the portal has served it a random number of requests, then a
random fraction of a delay later), then runs a crawl that completes. The kill point is counted
in requests, not seconds, so a slow or busy machine still kills every run mid-crawl. After
every completed run: PRAGMA integrity_check is ok, no URL is archived twice, no article has
two consecutive revisions with the same content, no image position is doubled. At the end the
archive must hold exactly the articles and content hashes of one uninterrupted crawl of the
final portal into a fresh archive.

    python scripts/crash_test.py --kills 25            # the full run, by hand
    python scripts/crash_test.py --kills 3 --seed 1    # the CI version (tests/test_crash.py)

Prints one line per kill and a last ``figures:`` line; exits 0 when every check held.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sample_portal.server import SECTION_PATH, SITE_DIR, SamplePortal  # noqa: E402

SCRAPY = str(Path(sys.executable).parent / "scrapy")
MANIFEST = json.loads((SITE_DIR / "manifest.json").read_text("utf-8"))
CURRENT = [e for e in MANIFEST if e["generation"] == "current"]
MARKER = '<div class="ArticleContent">'


class Portal:
    """The sample portal with an overlay this script grows and edits between kills."""

    def __init__(self, overlay: Path) -> None:
        self.overlay = overlay
        (overlay / "articles").mkdir(parents=True, exist_ok=True)
        self.entries: dict[str, dict] = {}
        self.server = SamplePortal(overlay_dir=overlay)

    def change(self, round_: int) -> None:
        """Two new articles on top of the listing and one existing article edited."""
        for extra in (1, 2):
            number = 2 * round_ + extra
            base = CURRENT[number % len(CURRENT)]
            title = f"Bài mới số {number}: lãnh đạo thành phố làm việc với quận Ninh Kiều"
            page = (SITE_DIR / base["file"]).read_text("utf-8").replace(base["title"], title, 1)
            name = f"moi-{number}"
            self._write(dict(base, name=name, path=f"{SECTION_PATH}/bai-moi-so-{number}",
                             title=title, file=f"articles/{name}.html", date="01/12/2026"), page)
        edited = CURRENT[round_ % len(CURRENT)]
        page = (SITE_DIR / edited["file"]).read_text("utf-8").replace(
            MARKER, MARKER + f"<p>Cập nhật lần {round_}: bài viết được bổ sung thông tin.</p>", 1)
        self._write(dict(edited, file=f"articles/sua-{edited['name']}.html"), page)

    def _write(self, entry: dict, page: str) -> None:
        (self.overlay / entry["file"]).write_text(page, "utf-8")
        self.entries[entry["path"]] = entry
        new = [e for e in self.entries.values() if e["name"].startswith("moi-")]
        new.sort(key=lambda e: int(e["name"].split("-")[1]), reverse=True)  # newest first
        edits = [e for e in self.entries.values() if not e["name"].startswith("moi-")]
        (self.overlay / "manifest.json").write_text(
            json.dumps(new + edits, ensure_ascii=False), "utf-8")


def crawl_command(portal: SamplePortal, delay: float) -> list[str]:
    return [SCRAPY, "crawl", "tinlanhdao", "-a", f"start_url={portal.section_url}",
            "-a", "mode=full", "-s", f"DOWNLOAD_DELAY={delay}", "-s",
            "AUTOTHROTTLE_ENABLED=False", "-s", "RETRY_BACKOFF_BASE=0", "-s", "LOG_LEVEL=WARNING"]


def run_to_the_end(portal: SamplePortal, archive: Path) -> int:
    env = dict(os.environ, TINLANHDAO_ARCHIVE=str(archive))
    result = subprocess.run(crawl_command(portal, 0), cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=300)
    if result.returncode != 0:
        print(result.stderr[-3000:], file=sys.stderr)
    return result.returncode


def problems(archive: Path) -> list[str]:
    """What is wrong with the archive: integrity, duplicates, doubled revisions or images."""
    with sqlite3.connect(archive) as db:
        found = []
        integrity = db.execute("pragma integrity_check").fetchall()
        if integrity != [("ok",)]:
            found.append(f"integrity_check: {integrity[:3]}")
        duplicated = db.execute("select url, count(*) from articles group by url "
                                "having count(*) > 1").fetchall()
        found += [f"article twice: {url}" for url, _ in duplicated]
        revisions = db.execute("select article_id, content_hash from revisions "
                               "order by article_id, id").fetchall()
        for (a, h), (b, g) in zip(revisions, revisions[1:], strict=False):
            if a == b and h == g:
                found.append(f"article {a}: two consecutive revisions with the same content")
        doubled = db.execute("select article_id, position, count(*) from images where "
                             "replaced_at is null group by 1, 2 having count(*) > 1").fetchall()
        found += [f"article {a}: image position {p} twice" for a, p, _ in doubled]
        return found


def hashes(archive: Path) -> dict[str, str]:
    with sqlite3.connect(archive) as db:
        return dict(db.execute("select url, content_hash from articles"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="SIGKILL the crawl at random moments; check the archive after each run.",
        epilog="Example: python scripts/crash_test.py --kills 25 --seed 7")
    parser.add_argument("--kills", type=int, default=20, help="how many runs to kill")
    parser.add_argument("--seed", type=int, default=None, help="random seed (printed)")
    parser.add_argument("--delay", type=float, default=0.15,
                        help="DOWNLOAD_DELAY of the killed runs, seconds")
    parser.add_argument("--window", type=int, nargs=2, default=(1, 36),
                        metavar=("MIN", "MAX"), help="kill after MIN..MAX requests served")
    args = parser.parse_args(argv)
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(10**6)
    rng = random.Random(seed)
    started = time.monotonic()
    print(f"crash test: seed {seed}, {args.kills} kills, kill window {args.window[0]}-"
          f"{args.window[1]} requests, DOWNLOAD_DELAY {args.delay}", flush=True)
    with tempfile.TemporaryDirectory(prefix="crash-test-") as tmp:
        work = Path(tmp)
        archive = work / "archive.db"
        portal = Portal(work / "overlay")
        failures: list[str] = []
        landed = stored_at_kill = 0
        with portal.server as server:
            env = dict(os.environ, TINLANHDAO_ARCHIVE=str(archive))
            for round_ in range(1, args.kills + 1):
                portal.change(round_)
                before = len(server.requests)
                target, fraction = rng.randint(*args.window), rng.random()
                victim = subprocess.Popen(crawl_command(server, args.delay), cwd=ROOT, env=env,
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                while len(server.requests) - before < target and victim.poll() is None:
                    time.sleep(0.01)
                time.sleep(fraction * args.delay)
                alive = victim.poll() is None
                victim.send_signal(signal.SIGKILL)
                victim.wait()
                requests = len(server.requests) - before
                if alive:
                    landed += 1
                articles = hashes(archive) if archive.exists() else {}
                stored_at_kill += len(articles)
                status = run_to_the_end(server, archive)
                found = problems(archive)
                if status != 0:
                    found.append(f"the run after the kill exited {status}")
                failures += [f"kill {round_}: {p}" for p in found]
                print(f"kill {round_:>2}: after request {target} (+{fraction:.2f} of a delay), "
                      f"{'mid-crawl' if alive else 'after the run had ended'} "
                      f"({requests} requests served); archive then {len(articles)} articles; "
                      f"next run exit {status}; {'ok' if not found else '; '.join(found)}",
                      flush=True)
            reference = work / "reference.db"
            if run_to_the_end(server, reference) != 0:
                failures.append("the uninterrupted reference crawl failed")
            final, expected = hashes(archive), hashes(reference)
        if final != expected:
            missing = sorted(set(expected) - set(final))
            extra = sorted(set(final) - set(expected))
            differ = sorted(u for u in set(final) & set(expected) if final[u] != expected[u])
            failures.append(f"archive differs from one uninterrupted crawl: missing {missing[:3]}"
                            f", extra {extra[:3]}, different content {differ[:3]}")
        with sqlite3.connect(archive) as db:
            revisions = db.execute("select count(*) from revisions").fetchone()[0]
            runs = db.execute("select count(*), sum(status = 'running') from crawl_runs").fetchone()
    for failure in failures:
        print("FAILED:", failure)
    print(f"figures: kills {args.kills} (mid-crawl {landed}), runs completed after a kill "
          f"{args.kills}, integrity ok after every run: {'yes' if not failures else 'NO'}, "
          f"duplicated articles 0 expected / {sum('twice' in f for f in failures)} found, "
          f"articles {len(final)} = uninterrupted crawl {len(expected)}, content hashes equal: "
          f"{'yes' if final == expected else 'NO'}, revisions {revisions}, killed runs left "
          f"'running' {runs[1]} of {runs[0]}, seed {seed}, {time.monotonic() - started:.0f} s")
    return 0 if not failures and landed == args.kills else 1


if __name__ == "__main__":
    sys.exit(main())
