"""Fixtures of the batch tests: short clips cut from the shared squat video, and what
``posegraph run`` writes for each (the outputs a batch must reproduce byte for byte)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cv2
import pytest

from posegraph.app.cli import main

CLIPS = {"clip_a": (0, 6), "clip_b": (30, 36), "long": (0, 65)}
"""Clip name -> (first frame, end frame) of the squat video (65 frames at 5 fps)."""


@pytest.fixture(scope="session")
def clips(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """``{name: path}`` of the clips of :data:`CLIPS`, re-encoded (mp4v) at the source's rate."""
    folder = tmp_path_factory.mktemp("clips")
    capture = cv2.VideoCapture(str(shared_data / "media" / "pose_squats.mp4"))
    fps = capture.get(cv2.CAP_PROP_FPS)
    frames = []
    while (read := capture.read())[0]:
        frames.append(read[1])
    capture.release()
    paths = {}
    for name, (first, end) in CLIPS.items():
        paths[name] = folder / f"{name}.mp4"
        height, width = frames[0].shape[:2]
        writer = cv2.VideoWriter(str(paths[name]), cv2.VideoWriter_fourcc(*"mp4v"), fps, (width, height))
        for frame in frames[first:end]:
            writer.write(frame)
        writer.release()
    return paths


@pytest.fixture(scope="session")
def run_outputs(tmp_path_factory: pytest.TempPathFactory, pose_models: Path) -> Callable[..., dict[str, bytes]]:
    """``run_outputs(media, landmarks_format="jsonl")`` -> ``{"landmarks": bytes, "overlay": bytes}``: the
    files ``posegraph run pose_tracking --input MEDIA --landmarks X.FORMAT --output X.SUFFIX`` writes."""
    cache: dict[tuple[Path, str], dict[str, bytes]] = {}

    def outputs(media: Path, landmarks_format: str = "jsonl") -> dict[str, bytes]:
        if (media, landmarks_format) not in cache:
            folder = tmp_path_factory.mktemp("run")
            suffix = media.suffix if media.suffix.lower() in (".jpg", ".jpeg", ".png") else ".mp4"
            landmarks, overlay = folder / f"out.{landmarks_format}", folder / f"out{suffix}"
            assert main(["run", "pose_tracking", "--input", str(media), "--landmarks", str(landmarks),
                         "--output", str(overlay), "-q"]) == 0
            cache[media, landmarks_format] = {"landmarks": landmarks.read_bytes(), "overlay": overlay.read_bytes()}
        return cache[media, landmarks_format]

    return outputs


def manifest_rows(out: Path) -> list[dict[str, Any]]:
    """Every line of ``OUT/manifest.jsonl``, parsed (a malformed line fails the test)."""
    return [json.loads(line) for line in (out / "manifest.jsonl").read_text().splitlines()]


def start_batch(*args: str | Path) -> subprocess.Popen[str]:
    """``posegraph batch pose_tracking ARGS -q`` in a subprocess, its output captured."""
    return subprocess.Popen([sys.executable, "-m", "posegraph.app.cli", "batch", "pose_tracking", *map(str, args),
                             "-q"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for(condition: Callable[[], Any], what: str, timeout: float = 120) -> Any:
    """Polls ``condition()`` until it returns something true; fails the test after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.02)
    pytest.fail(f"timed out after {timeout} s waiting for {what}")


def processes(marker: str, parent: int | None = None) -> list[int]:
    """Pids of this machine's processes whose command line contains ``marker`` (and whose parent
    is ``parent``, when given)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            if marker in cmdline and parent in (None, ppid):
                found.append(int(entry.name))
    return found


def partial_lines(out: Path, name: str) -> int:
    """Landmark lines written so far to input ``name``'s staging file in ``OUT/.partial``."""
    try:
        return len((out / ".partial" / name / f"{name}.jsonl").read_bytes().splitlines())
    except OSError:
        return 0
