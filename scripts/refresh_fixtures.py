"""Regenerate the extraction fixtures' expected JSON after a reviewed change, showing the diff.

Extracts every fixture page (tests/fixtures/pages/<group>/<name>.html[.gz]) as the test does,
prints a unified diff of each expected JSON that would change, and writes the new JSON (or, with
``--check``, writes nothing and exits 1 if anything differs). A page with a meta file but no
JSON yet gets its first JSON. The meta files are never written: a page now read by a layout
other than its meta's ``layout`` is reported, and the exit status is 1, since which layout must
read a page is a decision to review, not to regenerate.

At the end it names the layouts whose output changed: bump their declared ``version``
(crawler/extraction/__init__.py) in the same commit.

    .venv/bin/python scripts/refresh_fixtures.py                   # every group
    .venv/bin/python scripts/refresh_fixtures.py written other_portals/ministry_table_layout
    .venv/bin/python scripts/refresh_fixtures.py --check           # diff only
"""

from __future__ import annotations

import argparse
import difflib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from support.fixture_pages import dump_json, load_fixtures  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("only", nargs="*", metavar="GROUP[/NAME]",
                        help="only these groups or fixtures (default: all)")
    parser.add_argument("--check", action="store_true", help="show the diff, write nothing")
    args = parser.parse_args()
    fixtures = [f for f in load_fixtures()
                if not args.only or f.group in args.only or f.id in args.only]
    if not fixtures:
        print(f"no fixture matches {' '.join(args.only)}", file=sys.stderr)
        return 2
    changed, layouts_changed, wrong_layout = 0, set(), []
    for fixture in fixtures:
        fields, layout = fixture.extract()
        new = dump_json(fields)
        path = fixture.expected_path
        old = path.read_text("utf-8") if path.exists() else ""
        if layout and layout != fixture.meta["layout"]:
            wrong_layout.append(f"{fixture.id}: read by {layout}, meta says "
                                f"{fixture.meta['layout']}")
        if new == old:
            continue
        changed += 1
        layouts_changed.add(layout or fixture.meta["layout"])
        sys.stdout.writelines(difflib.unified_diff(
            old.splitlines(keepends=True), new.splitlines(keepends=True),
            f"a/{path.relative_to(ROOT)}", f"b/{path.relative_to(ROOT)}"))
        if not args.check:
            path.write_text(new, "utf-8")
    verb = "differ" if args.check else "rewritten"
    print(f"\n{len(fixtures)} fixtures, {changed} {verb}", file=sys.stderr)
    if layouts_changed:
        print(f"output changed for: {', '.join(sorted(layouts_changed))}: bump their declared "
              "version if this change is reviewed and meant", file=sys.stderr)
    for line in wrong_layout:
        print(f"layout mismatch: {line}", file=sys.stderr)
    return 1 if wrong_layout or (args.check and changed) else 0


if __name__ == "__main__":
    sys.exit(main())
