"""Page layouts and extraction: HTML + URL in, an Article out. No Scrapy engine, no database."""
