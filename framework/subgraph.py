"""Subgraph expansion (placeholder until subgraph files are supported): returns the config unchanged."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

from posegraph.config.loader import LoadedConfig


def expand_subgraphs(loaded: LoadedConfig, search_path: Iterable[str | Path] = ()) -> LoadedConfig:
    """Replaces nodes whose calculator names a subgraph by the subgraph's nodes."""
    return loaded
