"""The main job, end to end, against MediaPipe 0.10.21: decode a video, track the pose with
smoothing on, write one JSON line of landmarks per frame; each in its own process, timed from
the process's start to its exit (imports and model loading included, as a user waits for them).

MediaPipe runs ``benchmarks/mediapipe_batch.py OUT_DIR CLIP`` in its own environment
(``mp.solutions.pose.Pose(model_complexity=1, smooth_landmarks=True)`` on the frames OpenCV
decodes, one JSON line of the pose landmarks per frame); posegraph writes the same, ``posegraph
run pose_tracking_module --input CLIP --landmarks OUT.jsonl --streams pose_landmarks -q``, and,
for comparison, every output of the module (``--landmarks`` alone: world landmarks, detection and
both ROIs as well). The clip is the shared squat video looped ``loops`` times (written once, mp4v,
to a temporary file). Runs alternate, ``rounds`` times; the ratio of median wall times is
reported, and beside it that of the CPU time each process used (less sensitive to a shared
machine's other load).

Beside them, the floor under posegraph's time, measured in this process on the same clip: the
landmark model alone (as the graph runs it: without the segmentation head, which MediaPipe
computes and drops), called once per frame on one frame's tensor with the graph's thread count,
and decoding with the colour conversion, each with its wall and CPU time.
"""

from __future__ import annotations

import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.common import REPO, child_env, decode

MEDIAPIPE_SCRIPT = REPO / "benchmarks" / "mediapipe_batch.py"


def looped_clip(video: Path, loops: int, out: Path) -> int:
    """Writes ``video`` played ``loops`` times to ``out`` (mp4v, same size and rate); returns the frame count."""
    import cv2

    fps = cv2.VideoCapture(str(video)).get(cv2.CAP_PROP_FPS) or 30.0
    frames = [cv2.cvtColor(image, cv2.COLOR_RGB2BGR) for _, image in decode(video)[0]]
    height, width = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(out), cv2.VideoWriter_fourcc(*"mp4v"), fps, (width, height))
    for _ in range(loops):
        for frame in frames:
            writer.write(frame)
    writer.release()
    return len(frames) * loops


def wall_seconds(command: list[str]) -> tuple[float, float]:
    """(seconds from starting ``command`` to its exit, CPU seconds it used: user + system, all its
    threads). The command must succeed; it runs with :func:`child_env`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, timeout=900, env=child_env())
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def floor(clip: Path, frames: int) -> dict[str, float]:
    """Wall and CPU seconds of the landmark model alone (``frames`` calls) and of decoding ``clip``
    with the colour conversion, in this process."""
    from benchmarks.pose_pipeline import interpreter

    from posegraph.app.media import open_source
    from posegraph.calculators.image.image_to_tensor import warp_roi_to_tensor
    from posegraph.calculators.pose.pose_landmark_model_calculator import SEGMENTATION_OUTPUT

    wall, cpu = time.perf_counter(), _cpu_seconds()
    with open_source(str(clip)) as source:
        first = None
        for frame in source:
            first = frame.image if first is None else first
    decode = (time.perf_counter() - wall, _cpu_seconds() - cpu)
    it = interpreter("pose_landmark_full", (SEGMENTATION_OUTPUT,))  # as the graph runs it
    index = it.get_input_details()[0]["index"]
    tensor = warp_roi_to_tensor(first, None)[0][None]
    it.set_tensor(index, tensor)
    it.invoke()
    wall, cpu = time.perf_counter(), _cpu_seconds()
    for _ in range(frames):
        it.set_tensor(index, tensor)
        it.invoke()
    return {"model_wall_s": round(time.perf_counter() - wall, 2), "model_cpu_s": round(_cpu_seconds() - cpu, 2),
            "decode_wall_s": round(decode[0], 2), "decode_cpu_s": round(decode[1], 2)}


def run(mediapipe_python: str, video: Path, loops: int = 6, rounds: int = 3) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        clip = Path(tmp) / "clip.mp4"
        frames = looped_clip(video, loops, clip)
        every_output = [sys.executable, "-m", "posegraph.app.cli", "run", "pose_tracking_module", "--input",
                        str(clip), "--landmarks", str(Path(tmp) / "posegraph.jsonl"), "-q"]
        ours = every_output + ["--streams", "pose_landmarks"]
        theirs = [mediapipe_python, str(MEDIAPIPE_SCRIPT), tmp, str(clip)]
        wall_seconds(ours)  # a first run writes Python's bytecode caches and warms the disk cache
        wall_seconds(theirs)
        mp, pg, pg_all = [], [], []
        for _ in range(rounds):
            mp.append(wall_seconds(theirs))
            pg.append(wall_seconds(ours))
            pg_all.append(wall_seconds(every_output))
        bound = floor(clip, frames)
    mp_cpu, pg_cpu = statistics.median(c for _, c in mp), statistics.median(c for _, c in pg)
    mp_wall = statistics.median(w for w, _ in mp)
    return {"video": video.name, "loops": loops, "frames": frames, "rounds": rounds,
            "mediapipe_s": [round(w, 2) for w, _ in mp], "posegraph_s": [round(w, 2) for w, _ in pg],
            "ratio": round(statistics.median(w for w, _ in pg) / mp_wall, 3),
            "mediapipe_cpu_s": round(mp_cpu, 2), "posegraph_cpu_s": round(pg_cpu, 2),
            "cpu_ratio": round(pg_cpu / mp_cpu, 3),
            "every_output_s": [round(w, 2) for w, _ in pg_all],
            "every_output_ratio": round(statistics.median(w for w, _ in pg_all) / mp_wall, 3), "floor": bound}


def format_report(r: dict[str, Any]) -> str:
    return (f"main job ({r['video']} looped {r['loops']}x = {r['frames']} frames; decode, track with smoothing, "
            f"write the pose landmarks as JSONL; whole process; {r['rounds']} alternating rounds): MediaPipe 0.10.21 "
            f"{', '.join(f'{v:.2f}' for v in r['mediapipe_s'])} s, posegraph "
            f"{', '.join(f'{v:.2f}' for v in r['posegraph_s'])} s: posegraph / MediaPipe = {r['ratio']:.3f} "
            f"(goal <= 0.5); CPU used (median) MediaPipe {r['mediapipe_cpu_s']:.2f} s, posegraph "
            f"{r['posegraph_cpu_s']:.2f} s: {r['cpu_ratio']:.3f}\n"
            f"  posegraph writing every output of the module (world landmarks, detection, ROIs too): "
            f"{', '.join(f'{v:.2f}' for v in r['every_output_s'])} s: {r['every_output_ratio']:.3f} of MediaPipe\n"
            f"  floor, in this process: the landmark model alone (without the segmentation head), {r['frames']} "
            f"calls: {r['floor']['model_wall_s']:.2f} s wall, {r['floor']['model_cpu_s']:.2f} s CPU; "
            f"decoding with colour conversion: "
            f"{r['floor']['decode_wall_s']:.2f} s wall, {r['floor']['decode_cpu_s']:.2f} s CPU")
