"""Scrapy project for the leadership-news section: spider, settings, pipelines, page layouts."""
