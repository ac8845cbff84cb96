"""The crash test's fast version: three SIGKILLs at random moments of a crawl, each followed by
a run that completes; integrity, no duplicates, and the same articles and content hashes as one
uninterrupted crawl (scripts/crash_test.py; the full version runs by hand with --kills 25)."""

from __future__ import annotations

import subprocess
import sys

from support.crawls import ROOT


def test_three_kills_lose_nothing_and_duplicate_nothing():
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "crash_test.py"), "--kills",
                             "3", "--seed", "1"], cwd=ROOT, capture_output=True, text=True,
                            timeout=600)  # a hang guard
    print("\n" + result.stdout)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    figures = result.stdout.strip().splitlines()[-1]
    assert figures.startswith("figures: kills 3 (mid-crawl 3)")
    assert "content hashes equal: yes" in figures and "integrity ok after every run: yes" in figures
    assert "Traceback" not in result.stderr
