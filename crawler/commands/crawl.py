"""``scrapy crawl``, as operators run it from cron: the run's exit status is the process's.

It replaces Scrapy's own ``crawl`` command (through COMMANDS_MODULE). The run itself, its lock
and its verdict belong to the ``crawler.run.CrawlRun`` extension, whoever starts the spider;
this command checks the spider arguments, keeps Scrapy's banner out of the log
(``crawler.quietlog``) and exits with the status the run put in its stats
(``tinlanhdao/exit_status``; 75 when another run holds the lock).
"""

from __future__ import annotations

import argparse

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError

from crawler.quietlog import quiet_scrapy_banner
from crawler.run import EXIT_STATUS

RUN_MODES = ("incremental", "full")


class Command(ScrapyCrawlCommand):
    """Scrapy's crawl command, exiting with the run's verdict."""

    def short_desc(self) -> str:
        return "Run a spider (one run per archive at a time; the exit status reports problems)"

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        quiet_scrapy_banner(self.settings)  # before Scrapy prints its first line

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            super().run(args, opts)  # Scrapy's own usage errors
            return
        check_spider_arguments(opts.spargs)
        assert self.crawler_process
        crawler = self._create_crawler(args[0])
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        if self.crawler_process.bootstrap_failed:
            self.exitcode = 1
        elif crawler.stats is not None:
            self.exitcode = int(crawler.stats.get_value(EXIT_STATUS, 0) or 0)


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
