"""The garbage collector's tuning for a long crawl (crawler/collector.py)."""

from __future__ import annotations

import gc

import pytest
from scrapy import signals
from scrapy.settings import Settings
from scrapy.utils.test import get_crawler

from crawler import settings as project_settings
from crawler.collector import CollectorTuning


@pytest.fixture
def collector_restored():
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


def test_the_engine_start_freezes_what_exists_and_collects_the_young_less_often(
    collector_restored,
):
    _, middle, old = gc.get_threshold()
    CollectorTuning(5000).engine_started()
    assert gc.get_threshold() == (5000, middle, old)
    assert gc.get_freeze_count() > 1000  # the modules' objects, at least


def test_a_threshold_of_zero_leaves_the_collector_alone(collector_restored):
    before = gc.get_threshold(), gc.get_freeze_count()
    CollectorTuning(0).engine_started()
    assert (gc.get_threshold(), gc.get_freeze_count()) == before


def test_the_crawl_enables_it_with_its_threshold_setting(collector_restored):
    settings = Settings()
    settings.setmodule(project_settings)
    assert "crawler.collector.CollectorTuning" in settings.getdict("EXTENSIONS")
    assert settings.getint("GC_GEN0_THRESHOLD") == 7000
    crawler = get_crawler(settings_dict={"GC_GEN0_THRESHOLD": 4321})
    tuning = CollectorTuning.from_crawler(crawler)  # noqa: F841 (signals hold it weakly)
    crawler.signals.send_catch_log(signals.engine_started)
    assert gc.get_threshold()[0] == 4321
