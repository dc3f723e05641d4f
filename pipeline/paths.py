"""Where the files newsmon ships live, installed or run from a checkout.

A wheel carries the seeds and the default config inside the package (``_seeds``,
``_default_config``); a checkout or editable install finds them at the repository root.
Either way the baseline loads wherever newsmon runs, not only from the repository folder.
"""

from __future__ import annotations

from pathlib import Path

_PKG = Path(__file__).resolve().parent


def seeds_dir() -> Path:
    packaged = _PKG / "_seeds"
    return packaged if packaged.is_dir() else _PKG.parent / "seeds"


def default_config_dir() -> Path:
    packaged = _PKG / "_default_config"
    return packaged if packaged.is_dir() else _PKG.parent / "config"


def config_file(config_dir: Path, name: str) -> Path:
    """``config_dir/name`` when the user has one, else the shipped default."""
    own = Path(config_dir) / name
    return own if own.exists() else default_config_dir() / name
