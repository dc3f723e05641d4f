"""Reading the one input file a verb names, with one-line errors for every way it can fail."""

from __future__ import annotations

import sys
from contextlib import contextmanager
from typing import BinaryIO, Iterator

from pipeline.errors import UserError


@contextmanager
def open_input(name: str) -> Iterator[BinaryIO]:
    """``name`` open for reading bytes; ``-`` is standard input (left open afterwards)."""
    if name == "-":
        yield sys.stdin.buffer
        return
    try:
        fh = open(name, "rb")
    except FileNotFoundError:
        raise UserError(f"{name}: no such file") from None
    except IsADirectoryError:
        raise UserError(f"{name}: is a directory, not a file") from None
    except PermissionError:
        raise UserError(f"{name}: permission denied") from None
    except OSError as exc:
        raise UserError(f"{name}: cannot read ({exc.strerror or exc})") from None
    with fh:
        yield fh


def read_input(name: str) -> bytes:
    """Raw bytes of ``name``; ``-`` is standard input."""
    with open_input(name) as fh:
        try:
            return fh.read()
        except OSError as exc:
            raise UserError(f"{name}: cannot read ({exc.strerror or exc})") from None
