"""Shared helpers of the benchmarks: the machine description, media decoding, RSS readings, the
frames a traced pose graph ran its person detector on."""

from __future__ import annotations

import os
import platform
from pathlib import Path
from typing import Any, Callable

import numpy as np

REPO = Path(__file__).resolve().parents[1]
SHARED_VIDEO = REPO.parent / "shared" / "data" / "media" / "pose_squats.mp4"


def child_env() -> dict[str, str]:
    """This process's environment for a timed child process, less ``PYTHONDONTWRITEBYTECODE``:
    with it set, Python compiles every module from source on each start and never writes the
    bytecode caches that installing a package writes (``pip install`` compiles them; MediaPipe's
    environment has them), so a timed run would pay a compile that no installed copy pays."""
    return {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def machine() -> str:
    """One line describing this machine: CPU model, cores, Python and library versions."""
    import cv2
    from importlib.metadata import version

    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, numpy {np.__version__}, "
            f"OpenCV {cv2.__version__}, ai-edge-litert {version('ai-edge-litert')}")


def decode(path: Path) -> tuple[list[tuple[int, np.ndarray]], float]:
    """All frames of a video as ``(timestamp_us, rgb)`` plus the decode time in ms per frame."""
    import time

    from posegraph.app.media import open_source

    start = time.perf_counter()
    with open_source(str(path)) as source:
        frames = [(f.timestamp_us, f.image) for f in source]
    return frames, (time.perf_counter() - start) * 1000 / max(len(frames), 1)


def elapsed_ms(work: Callable[[], Any]) -> float:
    """Milliseconds ``work()`` takes (wall time)."""
    import time

    start = time.perf_counter()
    work()
    return (time.perf_counter() - start) * 1000


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values, dtype=np.float64), q)) if values else float("nan")


def detector_frames(tracer: list[Any]) -> set[int]:
    """The timestamps at which a traced pose graph's person detector (the PoseDetection subgraph's
    InferenceCalculator) ran: ``tracer`` is the graph's ``tracer`` list after the run."""
    return {ts for node, method, ts, *_ in tracer
            if method == "process" and node.startswith("posedetection__InferenceCalculator")}
