"""The live defaults the README promises: polite crawling, retries with backoff, strict limits."""

from __future__ import annotations

from scrapy.settings import Settings

from crawler import settings as project_settings
from crawler.middlewares import RetryBackoffMiddleware


def test_live_defaults_are_polite():
    settings = Settings()
    settings.setmodule(project_settings)
    assert settings.get("SECTION_URL") == "https://www.cantho.gov.vn/hoat-dong-lanh-dao-thanh-pho"
    assert settings.getbool("ROBOTSTXT_OBEY")
    assert settings.getint("CONCURRENT_REQUESTS") == 1
    assert settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") == 1
    assert settings.getfloat("DOWNLOAD_DELAY") >= 1
    assert settings.getbool("AUTOTHROTTLE_ENABLED")
    assert "tinlanhdao" in settings.get("USER_AGENT") and "+http" in settings.get("USER_AGENT")
    assert settings.getint("RETRY_TIMES") >= 2
    assert settings.getint("DOWNLOAD_TIMEOUT") <= 60  # Scrapy's default is 180
    assert 0 < settings.getint("DOWNLOAD_MAXSIZE") <= 50 * 1024 * 1024


def test_retries_back_off_exponentially_up_to_a_cap():
    backoff = RetryBackoffMiddleware(base=5, maximum=120)
    assert [backoff.delay_for(n) for n in range(6)] == [0, 5, 10, 20, 40, 80]
    assert backoff.delay_for(10) == 120
    assert RetryBackoffMiddleware(base=0, maximum=120).delay_for(3) == 0
