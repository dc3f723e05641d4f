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
        config = getattr(args, "config", None) or os.environ.get("NEWSMON_CONFIG") or "config"
        data = getattr(args, "data_dir", None) or os.environ.get("NEWSMON_DATA") or "data"
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
