"""``scrapy crawl``, as operators run it from cron: one run per archive, a truthful exit status.

It replaces Scrapy's own ``crawl`` command (through COMMANDS_MODULE) and adds two things:
- the archive's run lock (crawler.runlock): a second run exits at once with status 75;
- the exit status of crawler.runhealth: 0 when the run succeeded, non-zero when the portal
  could not be reached, listings were empty, failures passed the threshold, or the layouts
  drifted.
"""

from __future__ import annotations

import argparse
import sys

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError

from crawler.runhealth import EXIT_LOCKED
from crawler.runlock import RunLocked, acquire_run_lock, lock_path

RUN_MODES = ("incremental", "full")


class Command(ScrapyCrawlCommand):
    """Scrapy's crawl command with the run lock and the run's verdict as exit status."""

    def short_desc(self) -> str:
        return "Run a spider (one run per archive at a time; the exit status reports problems)"

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            super().run(args, opts)  # Scrapy's own usage errors
            return
        check_spider_arguments(opts.spargs)
        archive_path = self.settings.get("ARCHIVE_PATH")
        try:
            lock = acquire_run_lock(archive_path)
        except RunLocked:
            print(f"Another run is using the archive {archive_path} (lock {lock_path(archive_path)}"
                  "); not starting a second one. Exit status 75: try again later.",
                  file=sys.stderr)
            self.exitcode = EXIT_LOCKED
            return
        try:
            assert self.crawler_process
            # The pipeline may now treat runs still marked 'running' as dead ones.
            self.settings.set("RUN_LOCK_HELD", True, priority="cmdline")
            crawler = self._create_crawler(args[0])
            self.crawler_process.crawl(crawler, **opts.spargs)
            self.crawler_process.start()
            if self.crawler_process.bootstrap_failed:
                self.exitcode = 1
            elif crawler.stats is not None:
                self.exitcode = int(crawler.stats.get_value("tinlanhdao/exit_status", 0) or 0)
        finally:
            lock.close()


def check_spider_arguments(spargs: dict[str, str]) -> None:
    """Refuse bad ``-a`` values with a usage message before anything starts."""
    mode = spargs.get("mode", "incremental")
    if mode not in RUN_MODES:
        raise UsageError(f"-a mode={mode}: the mode is one of {', '.join(RUN_MODES)}",
                         print_help=False)
    recheck = spargs.get("recheck_days")
    if recheck is not None and not (recheck.isdigit() and int(recheck) >= 0):
        raise UsageError(f"-a recheck_days={recheck}: give a whole number of days",
                         print_help=False)
