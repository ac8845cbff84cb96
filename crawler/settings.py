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
COMMANDS_MODULE = "crawler.commands"  # `scrapy crawl` with the run lock and the exit status
EXTENSIONS = {
    "crawler.runhealth.RunSummary": 500,
    "crawler.quietlog.QuietNetworkErrors": 0,  # network failures in one line, no traceback
    "crawler.collector.CollectorTuning": 0,  # the garbage collector tuned for a long crawl
}
GC_GEN0_THRESHOLD = 7000  # see crawler/collector.py; 0 keeps Python's own (700)

# --- Where the archive lives -------------------------------------------------------------------
ARCHIVE_PATH = os.environ.get("TINLANHDAO_ARCHIVE", "data/tinlanhdao.db")

# --- Politeness (live defaults) --------------------------------------------------------------
ROBOTSTXT_OBEY = True
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
TELNETCONSOLE_ENABLED = False

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
    "crawler.capture.WarcCaptureMiddleware": 950,
}

# --- Raw captures (crawler.capture; docs/captures.md) ----------------------------------------
WARC_ENABLED = True
WARC_DIR = ""  # empty: "warc" beside ARCHIVE_PATH, i.e. data/warc/
WARC_MAX_BYTES = 100 * 1024 * 1024  # a WARC file this big is closed and the next one opened

# --- Items -----------------------------------------------------------------------------------
# Scrapy's check for generator callbacks that return a value parses the callback's source on
# every response (its cache misses bound methods); the project's callbacks return nothing.
WARN_ON_GENERATOR_RETURN_VALUE = False
# Scrapy starts CONCURRENT_ITEMS tasks for each response's output, whatever its size (Scrapy's
# default of 100 took a third of a fast crawl's CPU, bench/bench_runs.py). An article page
# yields one item and a listing page about twenty requests: a few workers are plenty.
CONCURRENT_ITEMS = 8

# Store articles and write WARC captures in a child process (crawler/writer.py), so a crawl
# uses two cores; False keeps every write in the crawl's own process.
ARCHIVE_WRITER_PROCESS = True

ITEM_PIPELINES = {
    "crawler.pipelines.ValidatePipeline": 100,
    "crawler.pipelines.StorePipeline": 300,
}

# --- Housekeeping ----------------------------------------------------------------------------
LOG_LEVEL = "INFO"
FEED_EXPORT_ENCODING = "utf-8"
