"""Reading the one input file a verb names, with one-line errors for every way it can fail."""

from __future__ import annotations

import sys
from pathlib import Path

from pipeline.errors import UserError


def read_input(name: str) -> bytes:
    """Raw bytes of ``name``; ``-`` is standard input."""
    if name == "-":
        return sys.stdin.buffer.read()
    try:
        return Path(name).read_bytes()
    except FileNotFoundError:
        raise UserError(f"{name}: no such file") from None
    except IsADirectoryError:
        raise UserError(f"{name}: is a directory, not a file") from None
    except PermissionError:
        raise UserError(f"{name}: permission denied") from None
    except OSError as exc:
        raise UserError(f"{name}: cannot read ({exc.strerror or exc})") from None
