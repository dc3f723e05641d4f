"""Cython-compiled copies of the repair's hot modules, used only while they match the source.

Why: a damaged run costs tens of milliseconds of dictionary look-ups and string slicing in
the language models and the reading search. Cython compiles those modules as they are
(the same Python semantics; the word model's segmentation declares its loop counters and
scores as C types with ``@cython.locals``, which plain Python ignores) and they run about
a quarter faster, with the same repairs to the last character (``test_repair_compiled.py``
checks this, with and without Cython installed).

Why not in the source tree: a compiled file beside its ``.py`` is imported in its place,
so after an edit the old code would run. Here each compiled file is named by a hash of
the source it was built from; a module whose source changed is imported as plain Python
until ``make compiled`` builds it again (``make run`` and ``make test`` do that first).
Without Cython or a C compiler the repair runs as plain Python, only slower.
``NEWSMON_PURE_PYTHON=1`` turns the compiled copies off (to compare, or to debug).
"""

from __future__ import annotations

import hashlib
import importlib.machinery
import importlib.util
import os
import sys
from pathlib import Path

#: where the time of a damaged run goes (measured: compiling the other modules gained nothing)
HOT = ("langmodel", "charlm", "byteshift", "imescore")
PACKAGE = "pipeline.repair"
SOURCE_DIR = Path(__file__).resolve().parent


def directory() -> Path:
    """Beside the interpreter the files were compiled for (``.venv/newsmon-compiled``)."""
    return Path(os.environ.get("NEWSMON_COMPILED_DIR") or Path(sys.prefix) / "newsmon-compiled")


def _has_cython() -> bool:
    return importlib.util.find_spec("Cython") is not None


def target(module: str, source: bytes) -> Path:
    """The compiled file for this exact source and interpreter (the suffix names its ABI)."""
    digest = hashlib.sha256(source).hexdigest()[:16]
    suffix = importlib.machinery.EXTENSION_SUFFIXES[0]
    return directory() / f"{PACKAGE}.{module}.{digest}{suffix}"


class _Finder:
    """Serves a hot module from its compiled file when one matches the current source
    (a meta path finder: ``sys.meta_path`` asks each one ``find_spec``)."""

    def find_spec(self, fullname, path=None, target_=None):
        if not fullname.startswith(PACKAGE + "."):
            return None
        module = fullname[len(PACKAGE) + 1:]
        if module not in HOT:
            return None
        try:
            source = (SOURCE_DIR / f"{module}.py").read_bytes()
        except OSError:
            return None
        built = target(module, source)
        if not built.is_file():
            return None
        loader = importlib.machinery.ExtensionFileLoader(fullname, str(built))
        return importlib.util.spec_from_file_location(fullname, built, loader=loader)


def install() -> bool:
    """Put the finder in front of the normal import, unless turned off or impossible."""
    if os.environ.get("NEWSMON_PURE_PYTHON") or any(isinstance(f, _Finder) for f in sys.meta_path):
        return False
    if not directory().is_dir():
        return False
    sys.meta_path.insert(0, _Finder())
    return True


def in_use(module) -> bool:
    """Was ``module`` loaded from a compiled file?"""
    return isinstance(getattr(module, "__loader__", None), importlib.machinery.ExtensionFileLoader)


def _compiler() -> str | None:
    import shutil
    import sysconfig

    words = (os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc").split()
    return shutil.which(words[0]) if words else None


def build() -> str:
    """Compile every hot module whose compiled file is missing; returns what was done.

    Raises ``RuntimeError`` with a one-line reason when it cannot."""
    import shutil
    import subprocess
    import tempfile

    if not _has_cython():
        raise RuntimeError("Cython is not installed (pip install 'newsmon[compiled]')")
    if _compiler() is None:
        raise RuntimeError("no C compiler found (set CC, or install gcc)")
    todo = {}
    for module in HOT:
        source = (SOURCE_DIR / f"{module}.py").read_bytes()
        out = target(module, source)
        if not out.is_file():
            todo[module] = (source, out)
    if not todo:
        return f"compiled repair modules up to date in {directory()}"
    directory().mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        # the package layout, so that Cython names each module pipeline.repair.<name>
        pkg = Path(tmp, *PACKAGE.split("."))
        pkg.mkdir(parents=True)
        for part in (Path(tmp, PACKAGE.split(".")[0]), pkg):
            (part / "__init__.py").write_text("")
        files = []
        for module, (source, _) in todo.items():
            (pkg / f"{module}.py").write_bytes(source)
            files.append(str(pkg / f"{module}.py"))
        cmd = [sys.executable, "-m", "Cython.Build.Cythonize", "-i", "-3", "-j", "2",
               "-X", "annotation_typing=False", *files]
        done = subprocess.run(cmd, cwd=tmp, capture_output=True, text=True)
        if done.returncode != 0:
            last = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
            raise RuntimeError(f"compiling failed: {last}")
        for module, (_, out) in todo.items():
            made = sorted(pkg.glob(f"{module}.*.so")) + sorted(pkg.glob(f"{module}.*.pyd"))
            if not made:
                raise RuntimeError(f"compiling {module} left no extension module")
            tmp_out = out.with_name(out.name + ".part")
            shutil.copyfile(made[0], tmp_out)
            os.replace(tmp_out, out)
    for old in directory().glob(f"{PACKAGE}.*"):  # files of earlier sources
        module = old.name[len(PACKAGE) + 1:].split(".")[0]
        if module in todo and old != todo[module][1]:
            old.unlink(missing_ok=True)
    return f"compiled {', '.join(todo)} into {directory()}"


def main() -> int:
    try:
        print(f"newsmon: {build()}")
    except RuntimeError as exc:
        print(f"newsmon: repair modules not compiled, plain Python is used: {exc}",
              file=sys.stderr)
        return 1
    return 0

