"""What every verb needs: where config and data live, and the store, opened once."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Context:
    config_dir: Path
    data_dir: Path
    _store: Any = field(default=None, repr=False)
    _settings: dict | None = field(default=None, repr=False)
    _lexicon: Any = field(default=None, repr=False)

    @classmethod
    def from_args(cls, args) -> "Context":
        """Where config and data live. A config folder named on purpose (``--config``,
        NEWSMON_CONFIG) must exist: a mistyped path would otherwise run the shipped sources
        and rules without a word. Without one, ``./config`` if there is one, else the
        shipped defaults (by their own path, so crawl children are told a real folder)."""
        from pipeline.errors import UserError
        from pipeline.paths import default_config_dir

        flag = getattr(args, "config", None)
        config = flag or os.environ.get("NEWSMON_CONFIG")
        if config and not Path(config).is_dir():
            raise UserError(f"{config}: no such config folder (given by {'--config' if flag else 'NEWSMON_CONFIG'})")
        if not config:
            config = "config" if Path("config").is_dir() else default_config_dir()
        data = getattr(args, "data_dir", None) or os.environ.get("NEWSMON_DATA") or "data"
        if Path(data).exists() and not Path(data).is_dir():
            raise UserError(f"{data}: not a folder (the data folder: --data-dir, NEWSMON_DATA)")
        return cls(Path(config), Path(data))

    @property
    def settings(self) -> dict:
        if self._settings is None:
            from pipeline.settings import load_settings

            self._settings = load_settings(self.config_dir)
        return self._settings

    def lexicon(self):
        """The topic lexicon (config/topics.yaml, else the shipped one)."""
        if self._lexicon is None:
            try:
                from pipeline.topics import load_lexicon
            except ImportError:  # topics not built yet: articles go untagged
                return None
            self._lexicon = load_lexicon(self.config_dir)
        return self._lexicon

    def store(self, *, baseline: bool = True):
        """The configured index, opened on first use; loads the seed baseline once."""
        if self._store is None:
            from pipeline.store import open_store

            self._store = open_store(self.settings, self.data_dir)
            if baseline:
                from pipeline.baseline import ensure_baseline

                ensure_baseline(self._store, self.lexicon())
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None
