"""Where the shared evaluation material is, for the repair and decode tests.

CI runs with ``shared/`` beside the clone (``../shared``); a checkout without it skips
these tests with a reason instead of failing on a missing path.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SHARED = (REPO / ".." / "shared").resolve()
CWCED = SHARED / "eval" / "cwced"
SEEDS = REPO / "seeds"


def need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"{path} is absent (shared/ must sit beside the clone)")
    return path


def seed_text(prefix: str) -> str:
    for p in need(SEEDS).glob(f"{prefix}_*.txt"):
        return p.read_text(encoding="utf-8")
    pytest.skip(f"seed {prefix} is absent from {SEEDS}")


def cleaned_texts() -> list[str]:
    folder = need(CWCED / "cleaned")
    return [p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.txt"))]


def traditional_texts() -> list[str]:
    """cwced's hand-checked articles in traditional script, as the seeds are, whole: the
    rest of an article is part of the evidence for a repair in it."""
    import opencc

    cc = opencc.OpenCC("s2t")
    return [cc.convert(t) for t in cleaned_texts()]


@contextmanager
def own_models():
    """The repair on its own models, the input method's (``imelm``) off, in this process
    and in the processes it starts.

    Why: tests of a mechanism for doubt (a kept ``?``, a left run's readings) use cases
    where the repair's own models are in doubt, and the input method, where installed,
    settles some of them (rightly: ``test_repair_imelm.py``). They hold with or without
    it installed this way.
    """
    from pipeline.repair import imelm

    before, env = imelm.load, os.environ.get("NEWSMON_NO_IME_LM")
    imelm.load = lambda: None
    os.environ["NEWSMON_NO_IME_LM"] = "1"
    try:
        yield
    finally:
        imelm.load = before
        if env is None:
            del os.environ["NEWSMON_NO_IME_LM"]
        else:
            os.environ["NEWSMON_NO_IME_LM"] = env
