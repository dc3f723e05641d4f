"""The word trigram model of fcitx's input method (libime's ``zh_CN.lm``), when installed.

Why: picking a character a lost lead byte took needs a model of Chinese that has read far
more text than the repair's own (the People's Daily corpus and jieba's dictionary: the
models put the right character first 93.6 % of the time with everything else given,
``bench/first_char.py``). An input method has that model: it chooses among the
characters that share a syllable as the repair chooses among the hundred that share a
trail byte. libime's model is a KenLM trigram over words, simplified script, shipped by
Debian as ``libime-data-language-model`` (LGPL-2.1+). Added to the repair's scores at
``WEIGHT``, it raised exact repairs on the bench by 4–5 points where no pair vanished and
by 7–9 where one did (about 89 runs in 2,000), with about as many wrong ones
(docs/repair-log.md, seventeenth session).

Neither part is required. ``make`` builds the ``kenlm`` reader (a C++ extension, from
PyPI) and fetches the pinned Debian package (``python -m pipeline.repair.imelm fetch``);
without a compiler or a way to Debian's mirror the repair runs on its own models, less
often sure. ``NEWSMON_NO_IME_LM=1`` turns it off (to compare, or to debug).
"""

from __future__ import annotations

import hashlib
import io
import os
import sys
import tarfile
import urllib.request
from functools import lru_cache
from pathlib import Path

from pipeline.repair.imescore import ImeModel
from pipeline.repair.modelcache import cache_dir

#: weight of the model's log-probability beside the word model's (as ``CHAR_WEIGHT``)
WEIGHT = 0.5
PACKAGE = "libime-data-language-model_1.0.16-1_amd64.deb"
PACKAGE_SHA256 = "a9363f915fbefc8ae1ddab3a8147b6c77fdeaa8adb8ab580bc130601d1539665"
POOL = "pool/main/libi/libime/"
MEMBER = "libime/zh_CN.lm"


def model_path() -> Path:
    return cache_dir() / "libime-1.0.16-1" / "zh_CN.lm"


@lru_cache(maxsize=1)
def load() -> ImeModel | None:
    """The model, or None where ``kenlm`` or the model file is missing (or turned off)."""
    if os.environ.get("NEWSMON_NO_IME_LM"):
        return None
    path = model_path()
    if not path.is_file():
        return None
    try:
        import kenlm
    except ImportError:
        return None
    try:
        return ImeModel(kenlm, path)
    except (OSError, RuntimeError):  # a damaged file: the repair goes on without it
        return None


def fetch(mirror: str | None = None) -> Path:
    """Download the pinned Debian package and keep its model file (``model_path``)."""
    path = model_path()
    if path.is_file():
        return path
    mirror = (mirror or os.environ.get("NEWSMON_DEBIAN_MIRROR")
              or "http://deb.debian.org/debian").rstrip("/")
    with urllib.request.urlopen(f"{mirror}/{POOL}{PACKAGE}", timeout=120) as resp:
        deb = resp.read()
    if hashlib.sha256(deb).hexdigest() != PACKAGE_SHA256:
        raise ValueError(f"{PACKAGE}: checksum does not match the pinned one")
    data = _member(deb, b"data.tar")
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        found = next((m for m in tar.getmembers() if m.name.endswith(MEMBER)), None)
        if found is None:
            raise ValueError(f"{PACKAGE}: no {MEMBER} in it")
        blob = tar.extractfile(found).read()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.tmp{os.getpid()}")
    tmp.write_bytes(blob)
    os.replace(tmp, path)
    return path


def _member(deb: bytes, prefix: bytes) -> bytes:
    """A member of a ``.deb`` (an ``ar`` archive) whose name starts with ``prefix``."""
    if not deb.startswith(b"!<arch>\n"):
        raise ValueError(f"{PACKAGE}: not a Debian package")
    at = 8
    while at + 60 <= len(deb):
        name, size = deb[at:at + 16].strip(), int(deb[at + 48:at + 58])
        if name.startswith(prefix):
            return deb[at + 60:at + 60 + size]
        at += 60 + size + (size & 1)
    raise ValueError(f"{PACKAGE}: no {prefix.decode()} member")


def main(argv: list[str]) -> int:
    """``fetch``: get the model file unless it is there; one line either way."""
    if argv != ["fetch"]:
        print("usage: python -m pipeline.repair.imelm fetch", file=sys.stderr)
        return 2
    try:
        path = fetch()
    except (OSError, ValueError) as exc:
        print(f"input-method language model not fetched ({exc}): the repair runs without it",
              file=sys.stderr)
        return 1
    print(f"input-method language model: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
