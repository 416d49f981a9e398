"""The graphs shipped with posegraph, by name: BlazePose pose tracking and its subgraphs.

A bundled graph is named by its file stem (``pose_tracking`` is ``pose_tracking.pbtxt``)::

    from posegraph import graphs
    graphs.names()                  # ['pose_detection', 'pose_landmark_by_roi', ...]
    graphs.path("pose_tracking")    # the .pbtxt file inside the installed package

``posegraph run pose_tracking ...`` and ``Graph.from_name("pose_tracking")`` use the same lookup.
This package holds data only: importing it imports nothing else of posegraph.
"""

from __future__ import annotations

from pathlib import Path

_SUFFIXES = (".pbtxt", ".yaml", ".yml")
_DIR = Path(__file__).resolve().parent


def directory() -> Path:
    """The folder holding the bundled graph files (also searched for subgraphs)."""
    return _DIR


def names() -> list[str]:
    """The names of the bundled graphs (file stems; a graph written in two syntaxes once), sorted."""
    return sorted({p.stem for p in _DIR.iterdir() if p.suffix in _SUFFIXES})


def path(name: str) -> Path:
    """The file of the bundled graph ``name`` (``.pbtxt`` preferred over ``.yaml``).

    Raises:
        KeyError: no bundled graph has that name (the message lists those that do).
    """
    for suffix in _SUFFIXES:
        candidate = _DIR / f"{name}{suffix}"
        if candidate.is_file():
            return candidate
    raise KeyError(f"no bundled graph named {name!r} (bundled: {', '.join(names())})")
