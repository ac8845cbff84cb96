"""Scrapy commands of the project: `crawl` with a run lock and a truthful exit status."""
