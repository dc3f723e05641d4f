"""Scrapy settings for a newsmon crawl, built from `CrawlOptions`.

Kept as a function rather than a static Scrapy settings module because politeness, the
contact URL and timeouts come from config/settings.yaml and the command line.
"""

from __future__ import annotations

from pipeline.fetch import agent_of

from crawler.options import CrawlOptions

#: statuses the spider sees itself (to count, report and detect blocking) instead of Scrapy
#: dropping them; redirects (3xx other than 304) are still followed by Scrapy
HANDLED_STATUSES = [304, 400, 401, 403, 404, 405, 406, 408, 410, 412, 418, 429, 451,
                    500, 501, 502, 503, 504, 520, 521, 522, 523, 524]


def build_settings(opts: CrawlOptions, *, polite: bool, log_level: str = "WARNING") -> dict:
    per_domain = min(opts.concurrency_per_domain, 2) if polite else max(opts.concurrency_per_domain, 16)
    return {
        "BOT_NAME": "newsmon",
        "USER_AGENT": agent_of(opts),
        "ROBOTSTXT_OBEY": True,
        "ROBOTSTXT_USER_AGENT": "newsmon",
        "TELNETCONSOLE_ENABLED": False,
        "LOG_LEVEL": log_level,
        "LOGSTATS_INTERVAL": 0,
        "DOWNLOAD_TIMEOUT": opts.download_timeout,
        "DOWNLOAD_MAXSIZE": 32 * 1024 * 1024,
        "DOWNLOAD_WARNSIZE": 0,
        "DNS_TIMEOUT": min(30, opts.download_timeout),
        "RETRY_ENABLED": opts.retries > 0,
        "RETRY_TIMES": opts.retries,
        "RETRY_HTTP_CODES": [500, 502, 503, 504, 520, 522, 524, 408, 429],
        "RETRY_GIVE_UP_LOG_LEVEL": "INFO",  # the spider logs the failure once, per source
        "NEWSMON_RETRY_BACKOFF": opts.retry_backoff,
        "NEWSMON_POLITE": polite,
        "REDIRECT_MAX_TIMES": 5,
        "COOKIES_ENABLED": True,
        "CONCURRENT_REQUESTS": 16 if polite else 64,
        "CONCURRENT_REQUESTS_PER_DOMAIN": per_domain,
        "CONCURRENT_ITEMS": 4,
        "AUTOTHROTTLE_ENABLED": polite,
        "AUTOTHROTTLE_START_DELAY": max(opts.download_delay, 1.0),
        "AUTOTHROTTLE_MAX_DELAY": 60.0,
        "AUTOTHROTTLE_TARGET_CONCURRENCY": 1.0,
        "DOWNLOAD_DELAY": opts.download_delay if polite else 0,
        "DOWNLOAD_DELAY_JITTER": 0.5,
        "HTTPERROR_ALLOWED_CODES": HANDLED_STATUSES,
        "DOWNLOADER_MIDDLEWARES": {
            "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
            "crawler.middlewares.BackoffRetryMiddleware": 550,
            "crawler.middlewares.RobotsCrawlDelayMiddleware": 560,
        },
        "DOWNLOAD_HANDLERS": {
            "http": "crawler.handlers.AbortableHTTPDownloadHandler",
            "https": "crawler.handlers.AbortableHTTPDownloadHandler",
        },
        "SPIDER_MIDDLEWARES": {},
        "ITEM_PIPELINES": {"crawler.pipelines.StorePipeline": 300},
        "EXTENSIONS": {"scrapy.extensions.logstats.LogStats": None},
        "FEEDS": {},
    }
