"""The spider's idea of the section: listing pages, article pages, and what is off-site."""

from __future__ import annotations

import pytest

from crawler.spiders.tinlanhdao import SectionScope, registered_domain

LIVE = SectionScope("https://www.cantho.gov.vn/hoat-dong-lanh-dao-thanh-pho",
                    ["/wps/portal/home/tin-hoat-dong-lanh-dao"])


@pytest.mark.parametrize(
    ("host", "domain"),
    [("www.cantho.gov.vn", "cantho.gov.vn"), ("old.cantho.gov.vn", "cantho.gov.vn"),
     ("127.0.0.1", "127.0.0.1"), ("localhost", "localhost"), ("example.com", "example.com")],
)
def test_registered_domain(host, domain):
    assert registered_domain(host) == domain


@pytest.mark.parametrize(
    "url",
    ["https://www.cantho.gov.vn/hoat-dong-lanh-dao-thanh-pho/chu-tich-tiep-doan",
     "https://old.cantho.gov.vn/wps/portal/home/tin-hoat-dong-lanh-dao/xay-dung-ntm"],
)
def test_articles_of_the_section(url):
    assert LIVE.is_article(url)


@pytest.mark.parametrize(
    "url",
    ["https://www.cantho.gov.vn/hoat-dong-lanh-dao-thanh-pho",
     "https://www.cantho.gov.vn/hoat-dong-lanh-dao-thanh-pho?page=2",
     "https://www.cantho.gov.vn/tin-tuc-su-kien/mot-bai-khac",
     "https://chinhphu.vn/hoat-dong-lanh-dao-thanh-pho/bai",
     "https://www.cantho.gov.vn/hoat-dong-lanh-dao-thanh-pho/tai-lieu.pdf",
     "javascript:void(0)", "mailto:a@b.vn"],
)
def test_not_articles(url):
    assert not LIVE.is_article(url)


def test_listing_pages_and_their_numbers():
    assert LIVE.is_listing("https://www.cantho.gov.vn/hoat-dong-lanh-dao-thanh-pho?page=3")
    assert LIVE.is_listing("https://www.cantho.gov.vn/hoat-dong-lanh-dao-thanh-pho/")
    assert not LIVE.is_listing("https://www.cantho.gov.vn/hoat-dong-lanh-dao-thanh-pho?q=x")
    assert not LIVE.is_listing("https://www.cantho.gov.vn/thong-bao?page=2")
    assert LIVE.page_number("https://www.cantho.gov.vn/hoat-dong-lanh-dao-thanh-pho?page=3") == 3
    assert LIVE.page_number("https://www.cantho.gov.vn/hoat-dong-lanh-dao-thanh-pho") == 1


def test_the_spider_never_migrates_nor_takes_an_outdated_archive_for_empty(monkeypatch):
    """The run (crawler.run.CrawlRun) migrates the archive before the spider starts; a spider
    that still finds it outdated stops rather than fetch everything again."""
    from archive import ArchiveOutdated
    from crawler.spiders import tinlanhdao

    opened = []

    class OutdatedArchive:
        def __init__(self, path, readonly=False):
            opened.append(readonly)
            raise ArchiveOutdated(str(path), ["m009_new"])

    monkeypatch.setattr(tinlanhdao, "Archive", OutdatedArchive)
    with pytest.raises(ArchiveOutdated):
        tinlanhdao._open_archive("data/x.db")
    assert opened == [True]
