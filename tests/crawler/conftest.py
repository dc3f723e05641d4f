"""Fixtures for crawler tests: the fixture portal on 127.0.0.1 (see crawl_portal.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from crawl_portal import Portal  # noqa: E402


@pytest.fixture(scope="module")
def portal():
    with Portal() as p:
        yield p
