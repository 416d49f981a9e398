"""The GPU path against the CPU: each model alone, the main job's frames per second, and how far
the GPU's landmarks move (``posegraph parity --open-loop``).

- Models alone: milliseconds per call (median of ``calls`` after warm-up calls), and to load, of the person
  detector and each landmark model whose file is in the model cache, on the CPU through LiteRT's
  Interpreter (the default path) and through its CompiledModel, and on the GPU (CompiledModel with
  ``HardwareAccelerator.GPU | CPU``: the ops WebGPU rejects run on the CPU). Each with the
  InferenceCalculator's default thread count.
- The main job: ``posegraph run pose_tracking_module --input CLIP --landmarks OUT.jsonl -q``, with
  and without ``--accelerator gpu``, each in its own process timed from start to exit (start-up
  included), alternating, ``rounds`` times; frames per second from the median wall time. The clip is
  the shared squat video looped ``loops`` times, as in the ``main_job`` section.
- The open-loop distance: ``posegraph parity --open-loop`` against MediaPipe's CPU reference
  ``pose_squats.raw.json``, on the CPU and on the GPU: landmark pixels, world metres, the detector's
  keypoints and score, presence agreement.

Without a GPU LiteRT can use, the section says why and measures nothing.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.common import SHARED_VIDEO
from benchmarks.main_job import looped_clip, wall_seconds

REFERENCE = SHARED_VIDEO.parent.parent / "reference" / "pose_squats.raw.json"
MODELS = ("pose_detection", "pose_landmark_lite", "pose_landmark_full", "pose_landmark_heavy")


def model_milliseconds(calls: int = 200, warmup: int = 20) -> dict[str, dict[str, float]]:
    """Per model in the cache: median ms per call on ``interpreter_cpu``, ``compiled_cpu``, ``gpu``,
    and the ms each took to load (``WAY_load``: reading, compiling, the GPU's kernels)."""
    import numpy as np

    from posegraph.calculators.tensor.inference_calculator import default_num_threads
    from posegraph.calculators.tensor.runtimes import load_runner
    from posegraph.models import default_cache_dir

    threads = default_num_threads()
    ways = {"interpreter_cpu": {}, "compiled_cpu": {"api": "compiled_model"}, "gpu": {"accelerator": "gpu"}}
    out: dict[str, dict[str, float]] = {}
    for name in MODELS:
        path = default_cache_dir() / f"{name}.tflite"
        if not path.exists():
            continue
        out[name] = {}
        for way, options in ways.items():
            start = time.perf_counter()
            runner = load_runner(path, num_threads=threads, **options)
            out[name][f"{way}_load"] = round((time.perf_counter() - start) * 1000, 1)
            rng = np.random.default_rng(0)
            tensors = [rng.uniform(-1, 1, shape).astype(np.float32) for shape in runner.input_shapes]
            times = []
            for i in range(warmup + calls):
                start = time.perf_counter()
                runner.run(tensors)
                if i >= warmup:
                    times.append(time.perf_counter() - start)
            out[name][way] = round(statistics.median(times) * 1000, 3)
    return out


def open_loop(video: Path) -> dict[str, dict[str, Any]]:
    """``posegraph parity --open-loop`` figures against MediaPipe's CPU reference, per accelerator."""
    from posegraph.app.parity import parity

    out = {}
    for accelerator in ("cpu", "gpu"):
        report = parity(REFERENCE, str(video), open_loop=True, accelerator=accelerator)
        out[accelerator] = {key: report[key] for key in ("landmark_px", "world_m", "detection", "presence_agreement")}
    return out


def run(video: Path = SHARED_VIDEO, loops: int = 6, rounds: int = 3) -> dict[str, Any]:
    from posegraph.calculators.tensor.runtimes import gpu_unavailable_reason
    from posegraph.models import default_cache_dir

    reason = gpu_unavailable_reason(default_cache_dir() / "pose_landmark_full.tflite")
    if reason is not None:
        return {"gpu": False, "reason": reason}
    from posegraph.calculators.tensor.inference_calculator import default_num_threads

    models = model_milliseconds()
    with tempfile.TemporaryDirectory() as tmp:
        clip = Path(tmp) / "clip.mp4"
        frames = looped_clip(video, loops, clip)
        command = [sys.executable, "-m", "posegraph.app.cli", "run", "pose_tracking_module", "--input", str(clip),
                   "--landmarks", str(Path(tmp) / "out.jsonl"), "-q"]
        runs: dict[str, list[float]] = {"cpu": [], "gpu": []}
        for accelerator in runs:  # a first run of each writes the bytecode caches and warms the disk
            wall_seconds(command + ["--accelerator", accelerator])
        for _ in range(rounds):
            for accelerator, walls in runs.items():
                walls.append(wall_seconds(command + ["--accelerator", accelerator])[0])
    fps = {a: round(frames / statistics.median(w), 1) for a, w in runs.items()}
    return {"gpu": True, "threads": default_num_threads(), "models_ms": models, "frames": frames, "rounds": rounds,
            "main_job_s": {a: [round(w, 2) for w in walls] for a, walls in runs.items()},
            "main_job_fps": fps, "open_loop": open_loop(video)}


def format_report(r: dict[str, Any]) -> str:
    if not r["gpu"]:
        return f"accelerators: no GPU LiteRT can use here, nothing measured ({r['reason']})"
    lines = [(f"accelerators (CPU threads: {r['threads']}): models alone, ms per call (median), "
              "Interpreter CPU / CompiledModel CPU / GPU:")]
    for name, ms in r["models_ms"].items():
        lines.append(f"  {name}: {ms['interpreter_cpu']:.2f} / {ms['compiled_cpu']:.2f} / {ms['gpu']:.2f} (load "
                     f"{ms['interpreter_cpu_load']:.0f} / {ms['compiled_cpu_load']:.0f} / {ms['gpu_load']:.0f} ms)")
    lines.append(f"  main job ({r['frames']} frames, whole process, {r['rounds']} alternating rounds): CPU "
                 f"{', '.join(f'{v:.2f}' for v in r['main_job_s']['cpu'])} s, GPU "
                 f"{', '.join(f'{v:.2f}' for v in r['main_job_s']['gpu'])} s: {r['main_job_fps']['cpu']:.1f} vs "
                 f"{r['main_job_fps']['gpu']:.1f} frames/s")
    for accelerator, f in r["open_loop"].items():
        px, world, det = f["landmark_px"], f["world_m"], f["detection"]
        lines.append(f"  open loop vs MediaPipe (CPU), on the {accelerator.upper()}: landmarks median {px['median']} "
                     f"p99 {px['p99']} max {px['max']} px; world median {world['median']} max {world['max']} m; "
                     f"detector keypoints max {det['keypoint_max_abs']}, score max {det['score_max_abs']}; "
                     f"presence agreement {f['presence_agreement']}")
    return "\n".join(lines)
