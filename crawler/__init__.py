"""newsmon's Scrapy project: spiders, middlewares and settings, nothing else."""
