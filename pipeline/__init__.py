"""newsmon's processing side: everything after the fetch (no Scrapy imports here)."""

__version__ = "0.1.0"
