"""YAML config that remembers where each value stood, so a mistake names file, line and key.

Used by every config file (settings, sources, topics, alerts). ``${ENV}`` references are
expanded by ``expand_env`` at the point of use, so secrets never sit in parsed config dumps.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import yaml

from pipeline.errors import ConfigError


class LineDict(dict):
    """A mapping from YAML; ``lines[key]`` is the 1-based line of each key."""

    line: int = 0
    lines: dict


class LineList(list):
    line: int = 0
    lines: list


class _Loader(yaml.SafeLoader):
    pass


def _map(loader: _Loader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    out = LineDict()
    out.line = node.start_mark.line + 1
    out.lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        out[key] = loader.construct_object(value_node, deep=True)
        out.lines[key] = key_node.start_mark.line + 1
    return out


def _seq(loader: _Loader, node: yaml.SequenceNode) -> LineList:
    out = LineList(loader.construct_object(n, deep=True) for n in node.value)
    out.line = node.start_mark.line + 1
    out.lines = [n.start_mark.line + 1 for n in node.value]
    return out


def _number(loader: _Loader, node: yaml.ScalarNode) -> Any:
    """YAML 1.1 reads ``17:30`` as the base-60 number 1050 (``08:00`` stays a string): in
    these files a colon means a time of day, so such a scalar stays the text written."""
    if ":" in node.value:
        return loader.construct_scalar(node)
    if node.tag.endswith(":int"):
        return loader.construct_yaml_int(node)
    return loader.construct_yaml_float(node)


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _map)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _seq)
_Loader.add_constructor("tag:yaml.org,2002:int", _number)
_Loader.add_constructor("tag:yaml.org,2002:float", _number)


def load_yaml(path: Path, *, required: bool = False) -> Any:
    """Parse one config file; a missing optional file is ``None``."""
    path = Path(path)
    if not path.exists():
        if required:
            raise ConfigError(f"{path}: missing config file")
        return None
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read config file ({exc})") from None
    try:
        return yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"{path}{line}: invalid YAML: {problem}") from None


def line_of(container: Any, key: Any = None) -> int:
    """Line of ``container[key]`` (or of the container) when the YAML loader recorded it."""
    if key is not None:
        lines = getattr(container, "lines", None)
        try:
            return lines[key] if lines is not None else 0
        except (KeyError, IndexError, TypeError):
            pass
    return getattr(container, "line", 0)


def config_error(path: Path, container: Any, key: Any, keypath: str, problem: str) -> ConfigError:
    """`config/sources.yaml:12: sources[2].every: <problem>`"""
    line = line_of(container, key)
    where = f"{path}:{line}" if line else str(path)
    return ConfigError(f"{where}: {keypath}: {problem}")


_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def expand_env(value: str, *, path: Path | None = None, keypath: str = "") -> str:
    """Replace ``${NAME}`` by the environment variable; a missing one is a config error."""

    def sub(m: re.Match) -> str:
        name = m.group(1)
        if name not in os.environ:
            where = f"{path}: " if path else ""
            raise ConfigError(f"{where}{keypath}: environment variable {name} is not set")
        return os.environ[name]

    return _ENV.sub(sub, value)
