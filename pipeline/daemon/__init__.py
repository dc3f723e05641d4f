"""`newsmon run`: the monitoring daemon (APScheduler jobs, one crawl subprocess per run).

Kept import-light: ``pipeline.daemon.child`` runs in every crawl's process before Scrapy
loads. See docs/daemon.md.
"""
