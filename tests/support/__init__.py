"""Helpers shared by the test modules, imported by name (``from support.crawls import
run_crawl``); tests/conftest.py keeps only pytest fixtures.

- ``support.crawls``: the repository's paths and the operator's `scrapy crawl` command;
- ``support.fixtures``: the extraction fixtures and their truth files;
- ``support.articles``: articles written by us (and the real seed article) and archive builders;
- ``support.captures``: crawls of the sample portal with WARC capture on, built once a session;
- ``support.schema``: an archive's schema as text, the committed one (schema.sql), and an
  archive written before the migrations were squashed.
"""
