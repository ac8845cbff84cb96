"""Scrapy settings for the tinlanhdao crawl. The defaults are the polite live-site defaults.

The demo and the tests point the spider at the bundled sample portal with ``-a start_url=...``
and turn the delays off with ``-s`` options; nothing here needs editing for that.
"""

from __future__ import annotations

import os

BOT_NAME = "tinlanhdao"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# --- What to crawl ---------------------------------------------------------------------------
# The live section; `scrapy crawl tinlanhdao -a start_url=URL` overrides it.
SECTION_URL = "https://www.cantho.gov.vn/hoat-dong-lanh-dao-thanh-pho"
# Article URL paths that belong to the section, besides those under the start URL's own path:
# the WebSphere-era site kept the section's articles under this portal path.
SECTION_EXTRA_PATHS = ["/wps/portal/home/tin-hoat-dong-lanh-dao"]

# --- Run modes and verdicts (crawler.runhealth) ---------------------------------------------
# Incremental runs stop after this many listing pages in a row whose articles are all archived.
INCREMENTAL_STOP_PAGES = 1
FAILURE_THRESHOLD = 0.2  # exit non-zero when more than this share of article pages failed
LAYOUT_DRIFT_MIN_ARTICLES = 3  # ...or when at least this many articles all needed the fallback
COMMANDS_MODULE = "crawler.commands"  # `scrapy crawl` exits with the run's exit status
EXTENSIONS = {
    "crawler.run.CrawlRun": 500,  # the run: lock, archive, run record, verdict, summary
    "crawler.quietlog.QuietLog": 0,  # network failures in one line; Scrapy's banner below INFO
}

# --- Where the archive lives -------------------------------------------------------------------
ARCHIVE_PATH = os.environ.get("TINLANHDAO_ARCHIVE", "data/tinlanhdao.db")

# --- Politeness (live defaults) --------------------------------------------------------------
ROBOTSTXT_OBEY = True
ROBOTSTXT_PARSER = "crawler.robots.ExplainingRobotParser"  # Protego, saying which rule forbids
CONTACT_URL = os.environ.get("TINLANHDAO_CONTACT", "https://github.com/tinlanhdao/tinlanhdao")
USER_AGENT = f"tinlanhdao-archiver/0.1 (+{CONTACT_URL})"
CONCURRENT_REQUESTS = 1  # one request at a time to the portal
CONCURRENT_REQUESTS_PER_DOMAIN = 1
DOWNLOAD_DELAY = 2.0  # seconds between requests, jittered by Scrapy
AUTOTHROTTLE_ENABLED = True  # slows down further when the portal answers slowly
AUTOTHROTTLE_START_DELAY = 2.0
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False  # no remote control of a running crawl, by telnet or HTTP
REMOTE_CONTROL_ENABLED = False

# --- Failures --------------------------------------------------------------------------------
DOWNLOAD_TIMEOUT = 30  # Scrapy's default is 180 s
REDIRECT_MAX_TIMES = 5  # a redirect loop fails fast (Scrapy's default is 20)
DOWNLOAD_MAXSIZE = 20 * 1024 * 1024  # no article page is near this
DOWNLOAD_WARNSIZE = 5 * 1024 * 1024
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
RETRY_BACKOFF_BASE = 5.0  # seconds before the first retry, doubled for each further one
RETRY_BACKOFF_MAX = 120.0
DOWNLOADER_MIDDLEWARES = {
    "crawler.middlewares.RetryBackoffMiddleware": 560,
    # Scrapy's offsite filter lets dont_filter requests through; ours lets nothing off-site.
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
    "crawler.middlewares.PortalOnlyOffsiteMiddleware": 50,
    # Next to the downloader: every response as received, robots.txt and errors included.
    "crawler.middlewares.WarcCaptureMiddleware": 950,
}

# --- Raw captures (crawler.capture, crawler.recorder; docs/captures.md) ----------------------
WARC_ENABLED = True
WARC_DIR = ""  # empty: "warc" beside ARCHIVE_PATH, i.e. data/warc/
WARC_MAX_BYTES = 100 * 1024 * 1024  # a WARC file this big is closed and the next one opened

# --- Items -----------------------------------------------------------------------------------
# Scrapy's check for generator callbacks that return a value parses the callback's source on
# every response (its cache misses bound methods); the project's callbacks return nothing.
WARN_ON_GENERATOR_RETURN_VALUE = False
# Scrapy starts CONCURRENT_ITEMS tasks for the output of every response. An article page gives
# one item and a listing page requests, so one at a time loses nothing; Scrapy's 100 cost a
# bare spider about 1 of its 2 ms of CPU a page (bench/RESULTS.md, bench_runs).
CONCURRENT_ITEMS = 1
ITEM_PIPELINES = {
    "crawler.pipelines.ValidatePipeline": 100,
    "crawler.pipelines.StorePipeline": 300,
}

# --- Housekeeping ----------------------------------------------------------------------------
LOG_LEVEL = "INFO"
# Scrapy's start-up banner (versions, settings, enabled components), its "spider opened/closed"
# lines and its stats dump are dropped from the INFO log, so the run summary is the last thing
# a run prints; True (or LOG_LEVEL=DEBUG, `-L DEBUG`) shows them.
LOG_SCRAPY_BANNER = False
FEED_EXPORT_ENCODING = "utf-8"
