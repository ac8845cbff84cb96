"""The main job on the bundled sample portal: serve it, crawl it into an archive, show the result.

Run by ``make demo``. It starts the sample portal on 127.0.0.1, runs exactly the command an
operator runs (``scrapy crawl tinlanhdao``) pointed at it with the delays turned off, then shows
what the archive holds with the researchers' command line.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sample_portal.server import SamplePortal  # noqa: E402

BIN = Path(sys.executable).parent
# Politeness off for the local sample only; the live defaults stay in crawler/settings.py.
LOCAL_SETTINGS = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False",
                  "-s", "RETRY_BACKOFF_BASE=0", "-s", "LOG_LEVEL=WARNING"]


def run(command: list[str], env: dict[str, str]) -> int:
    print("$", " ".join(command), flush=True)
    return subprocess.call(command, cwd=ROOT, env=env)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--archive", default=os.environ.get("TINLANHDAO_ARCHIVE",
                                                            "data/tinlanhdao.db"))
    parser.add_argument("--port", type=int, default=8642,
                        help="port of the sample portal; fixed, so that article URLs stay the "
                             "same from one demo run to the next (default: %(default)s)")
    args = parser.parse_args()
    env = dict(os.environ, TINLANHDAO_ARCHIVE=args.archive)
    try:
        portal = SamplePortal(port=args.port)
        portal.start()
    except OSError as error:
        print(f"Cannot serve the sample portal on port {args.port} ({error.strerror}); "
              "pass another one with --port.", file=sys.stderr)
        return 2
    with portal:
        section = f"{portal.base_url}/hoat-dong-lanh-dao-thanh-pho"
        print(f"Sample portal at {portal.base_url}; crawling {section} into {args.archive}")
        status = run([str(BIN / "scrapy"), "crawl", "tinlanhdao", "-a", f"start_url={section}",
                      *LOCAL_SETTINGS], env)
        print(f"The crawl made {len(portal.requests)} requests to the sample portal.")
    if status != 0:
        print(f"The crawl exited with status {status}.", file=sys.stderr)
        return status
    cli = str(BIN / "tinlanhdao")
    run([cli, "stats", "--db", args.archive], env)
    run([cli, "search", "dieu phoi", "--limit", "3", "--db", args.archive], env)
    run([cli, "leaders", "--db", args.archive], env)
    print(f"\nBrowse it: {cli} serve --db {args.archive}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
