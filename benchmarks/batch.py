"""``posegraph batch`` on all cores: frames per second for ``--workers`` 1..cores on copies of one
video, the scaling efficiency, and the same work by MediaPipe 0.10.21 run as one process per core.

The work is ``2 x cores`` copies of the video (so every worker count divides it into whole inputs
per worker at the top end): pose tracking with landmarks written per input, no overlay. Each
figure is wall time from the call to the last manifest row, starting the workers included.
Efficiency at N workers is ``fps(N) / (N x fps(1))``.

Beside it, what reusing a worker buys: the same copies through ``posegraph run``, one process per
input, one at a time (fresh imports, config and models for each) against ``--workers 1``.

MediaPipe runs ``benchmarks/mediapipe_batch.py`` in its own environment (``--mediapipe-python``):
``cores`` processes at once, each taking its share of the copies one after another.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.common import REPO


def _copies(video: Path, folder: Path, count: int) -> list[Path]:
    paths = []
    for i in range(count):
        paths.append(folder / f"copy{i:03d}{video.suffix}")
        shutil.copy(video, paths[-1])
    return paths


def _posegraph(copies: list[Path], workers: int, out: Path) -> tuple[int, float]:
    import posegraph.batch

    start = time.perf_counter()
    rows = posegraph.batch.run("pose_tracking", copies, out, workers=workers)
    seconds = time.perf_counter() - start
    failed = [r for r in rows if r["status"] != "done"]
    if failed:
        raise RuntimeError(f"the batch failed on {failed[0]['input']}: {failed[0]['error']}")
    return sum(r["frames"] for r in rows), seconds


def _process_per_input(copies: list[Path], out: Path) -> tuple[int, float]:
    out.mkdir()
    start = time.perf_counter()
    for copy in copies:
        subprocess.run([sys.executable, "-m", "posegraph.app.cli", "run", "pose_tracking", "--input", str(copy),
                        "--landmarks", str(out / f"{copy.stem}.jsonl"), "-q"], check=True, capture_output=True)
    seconds = time.perf_counter() - start
    frames = sum(len((out / f"{copy.stem}.jsonl").read_bytes().splitlines()) for copy in copies)
    return frames, seconds


def _mediapipe(python: str, copies: list[Path], processes: int, out: Path) -> tuple[int, float]:
    script = REPO / "benchmarks" / "mediapipe_batch.py"
    shares = [copies[i::processes] for i in range(processes)]
    start = time.perf_counter()
    running = [subprocess.Popen([python, str(script), str(out), *map(str, share)], stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, text=True) for share in shares if share]
    frames = 0
    for proc in running:
        stdout, _ = proc.communicate(timeout=3600)
        if proc.returncode:
            raise RuntimeError(f"{script.name} under {python} exited with status {proc.returncode}")
        frames += int(stdout.split()[-1])
    return frames, time.perf_counter() - start


def run(video: Path, mediapipe_python: str | None = None, cores: int | None = None) -> dict[str, Any]:
    from posegraph.app.batch.local import available_cores

    cores = cores or available_cores()
    result: dict[str, Any] = {"video": video.name, "cores": cores, "copies": 2 * cores, "workers": {}}
    with tempfile.TemporaryDirectory() as tmp:
        copies = _copies(video, Path(tmp), 2 * cores)
        for workers in range(1, cores + 1):
            frames, seconds = _posegraph(copies, workers, Path(tmp) / f"out{workers}")
            result["frames"] = frames
            result["workers"][workers] = round(frames / seconds, 1)
        frames, seconds = _process_per_input(copies, Path(tmp) / "per_input")
        result["process_per_input_fps"] = round(frames / seconds, 1)
        if mediapipe_python:
            out = Path(tmp) / "mediapipe"
            out.mkdir()
            frames, seconds = _mediapipe(mediapipe_python, copies, cores, out)
            result["mediapipe_fps"] = round(frames / seconds, 1)
    one = result["workers"][1]
    result["efficiency"] = {n: round(fps / (n * one), 3) for n, fps in result["workers"].items()}
    return result


def format_report(r: dict[str, Any]) -> str:
    lines = [f"batch ({r['copies']} copies of {r['video']}, {r['frames']} frames, {r['cores']} cores; landmarks "
             "only; wall time, starting workers included):"]
    for n, fps in r["workers"].items():
        lines.append(f"  posegraph batch --workers {n}: {fps} frames/s, scaling efficiency "
                     f"{r['efficiency'][n] * 100:.0f}% of linear")
    lines.append(f"  posegraph run, one process per input, one at a time: {r['process_per_input_fps']} frames/s "
                 f"(--workers 1 reuses its worker: {r['workers'][1] / r['process_per_input_fps']:.2f}x)")
    if "mediapipe_fps" in r:
        top = r["workers"][r["cores"]]
        lines.append(f"  MediaPipe 0.10.21, {r['cores']} processes (one per core): {r['mediapipe_fps']} frames/s; "
                     f"posegraph batch --workers {r['cores']} is {top / r['mediapipe_fps']:.2f}x as fast")
    else:
        lines.append("  MediaPipe: not run (pass --mediapipe-python PATH)")
    return "\n".join(lines)
