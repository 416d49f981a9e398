"""Helpers of the robustness tests: running things under a deadline, running the CLI, reading outputs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cv2
import pytest

from posegraph import graphs
from posegraph.testing import call_with_timeout

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[1]
POSE_GRAPH = graphs.path("pose_tracking")


def within(seconds: float, body: Callable[[], Any]) -> Any:
    """``body()`` with a hang guard: fails the test if it has not returned after ``seconds``."""
    try:
        return call_with_timeout(body, seconds)
    except TimeoutError as e:
        pytest.fail(f"{e}: the graph hangs")


def posegraph_cli(*args: str | Path, timeout: float = 180, env: dict[str, str] | None = None,
                  cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m posegraph.app.cli ARGS`` in a subprocess, its output captured."""
    return subprocess.run([sys.executable, "-m", "posegraph.app.cli", *map(str, args)], capture_output=True,
                          text=True, timeout=timeout, env={**os.environ, **(env or {})}, cwd=cwd)


def fault_driver(settings: dict[str, object], *cli_args: str | Path) -> list[str]:
    """The command running ``posegraph`` ``cli_args`` on a copy of the graph with a FaultCalculator
    (see fault_calculators.py); ``settings`` are its out/fail/at/delay."""
    return [sys.executable, str(HERE / "fault_calculators.py"), *(f"{k}={v}" for k, v in settings.items()), "--",
            *map(str, cli_args)]


def jsonl_records(path: Path) -> list[dict[str, Any]]:
    """Every line of a landmarks file, parsed (a malformed line fails the test)."""
    return [json.loads(line) for line in path.read_text().splitlines()]


def video_frame_count(path: Path) -> int:
    """Frames cv2 decodes from ``path`` (which must open)."""
    capture = cv2.VideoCapture(str(path))
    assert capture.isOpened(), f"{path} does not open"
    count = 0
    while capture.read()[0]:
        count += 1
    capture.release()
    return count
