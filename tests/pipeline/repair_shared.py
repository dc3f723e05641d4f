"""Where the shared evaluation material is, for the repair and decode tests.

CI runs with ``shared/`` beside the clone (``../shared``); a checkout without it skips
these tests with a reason instead of failing on a missing path.
"""

from __future__ import annotations

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
