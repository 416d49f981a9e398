"""``posegraph batch`` on all cores: frames per second for ``--workers`` 1..cores on copies of one
video, the scaling efficiency, and the same work by MediaPipe 0.10.21 run as one process per core.

The work is ``2 x cores`` copies of the video (so every worker count divides it into whole inputs
per worker at the top end): pose tracking with landmarks written per input, no overlay. Each
figure is wall time from the call to the last manifest row, starting the workers included.
Efficiency at N workers is ``fps(N) / (N x fps(1))``. Each figure is the best of two alternating
rounds (a shared machine's other load only ever slows a run down).

Beside it, what reusing a worker buys: the start-up cost of one input in a new ``posegraph run``
process against that in a worker, with the parsed config and the models' interpreters reused.

MediaPipe runs ``benchmarks/mediapipe_batch.py`` in its own environment (``--mediapipe-python``):
``cores`` processes at once, each taking its share of the copies one after another.
"""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.common import REPO, SHARED_VIDEO, child_env

STILL = SHARED_VIDEO.with_name("pose.jpg")


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


_STARTUP = r"""
import json, statistics, sys, time
from posegraph import Graph, graphs
from posegraph.app.batch.work import single_threaded_inference
from posegraph.calculators.tensor.inference_calculator import reuse_interpreters

def start_ms(make, rounds=5):
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        graph = make()
        single_threaded_inference(graph)
        graph.start({})
        times.append((time.perf_counter() - t) * 1000)
        graph.close()
    return round(statistics.median(times), 1)

path = graphs.path("pose_tracking")
config = Graph(path).loaded
result = {"parse_and_start_ms": start_ms(lambda: Graph(path)), "config_reused_ms": start_ms(lambda: Graph(config))}
reuse_interpreters()
start_ms(lambda: Graph(config), rounds=1)  # fills the pool
result["interpreters_reused_ms"] = start_ms(lambda: Graph(config))
print(json.dumps(result))
"""


def _startup_costs(image: Path) -> dict[str, float]:
    """What one input costs before its first frame: a new ``posegraph run`` process (on a one-frame
    image, median of 3), and in a worker a graph from the config file, from the parsed config, and
    from the parsed config with the interpreters reused (median of 5 each; in a subprocess, as the
    interpreter pool is process-wide)."""
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(3):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", "posegraph.app.cli", "run", "pose_tracking", "--input", str(image),
                            "--landmarks", str(Path(tmp) / "out.jsonl"), "-q"], check=True, capture_output=True,
                           env=child_env())
            runs.append(time.perf_counter() - start)
    proc = subprocess.run([sys.executable, "-c", _STARTUP], check=True, capture_output=True, text=True,
                          env=child_env())
    return {"process_s": round(statistics.median(runs), 2), **json.loads(proc.stdout)}


def _mediapipe(python: str, copies: list[Path], processes: int, out: Path) -> tuple[int, float]:
    script = REPO / "benchmarks" / "mediapipe_batch.py"
    shares = [copies[i::processes] for i in range(processes)]
    start = time.perf_counter()
    running = [subprocess.Popen([python, str(script), str(out), *map(str, share)], stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, text=True, env=child_env()) for share in shares if share]
    frames = 0
    for proc in running:
        stdout, _ = proc.communicate(timeout=3600)
        if proc.returncode:
            raise RuntimeError(f"{script.name} under {python} exited with status {proc.returncode}")
        frames += int(stdout.split()[-1])
    return frames, time.perf_counter() - start


def run(video: Path, mediapipe_python: str | None = None, cores: int | None = None, rounds: int = 2) -> dict[str, Any]:
    """Each figure is the best of ``rounds`` runs, the rounds alternating over every configuration."""
    from posegraph.app.batch.local import available_cores

    cores = cores or available_cores()
    result: dict[str, Any] = {"video": video.name, "cores": cores, "copies": 2 * cores, "rounds": rounds,
                              "workers": {}}
    with tempfile.TemporaryDirectory() as tmp:
        copies = _copies(video, Path(tmp), 2 * cores)
        for round_ in range(rounds):
            for workers in range(1, cores + 1):
                frames, seconds = _posegraph(copies, workers, Path(tmp) / f"out{round_}-{workers}")
                result["frames"] = frames
                result["workers"][workers] = max(result["workers"].get(workers, 0), round(frames / seconds, 1))
            if mediapipe_python:
                out = Path(tmp) / f"mediapipe{round_}"
                out.mkdir()
                frames, seconds = _mediapipe(mediapipe_python, copies, cores, out)
                result["mediapipe_fps"] = max(result.get("mediapipe_fps", 0), round(frames / seconds, 1))
    result["startup"] = _startup_costs(STILL)
    one = result["workers"][1]
    result["efficiency"] = {n: round(fps / (n * one), 3) for n, fps in result["workers"].items()}
    return result


def format_report(r: dict[str, Any]) -> str:
    lines = [f"batch ({r['copies']} copies of {r['video']}, {r['frames']} frames, {r['cores']} cores; landmarks "
             f"only; wall time, starting workers included; best of {r['rounds']} alternating rounds):"]
    for n, fps in r["workers"].items():
        lines.append(f"  posegraph batch --workers {n}: {fps} frames/s, scaling efficiency "
                     f"{r['efficiency'][n] * 100:.0f}% of linear")
    s = r["startup"]
    lines.append(f"  what one input costs before its first frame: a new posegraph run process {s['process_s']} s; in a "
                 f"worker, the graph from its file {s['parse_and_start_ms']} ms, from the parsed config "
                 f"{s['config_reused_ms']} ms, and with the interpreters reused {s['interpreters_reused_ms']} ms")
    if "mediapipe_fps" in r:
        top = r["workers"][r["cores"]]
        lines.append(f"  MediaPipe 0.10.21, {r['cores']} processes (one per core): {r['mediapipe_fps']} frames/s; "
                     f"posegraph batch --workers {r['cores']} is {top / r['mediapipe_fps']:.2f}x as fast")
    else:
        lines.append("  MediaPipe: not run (pass --mediapipe-python PATH)")
    return "\n".join(lines)
