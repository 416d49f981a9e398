"""The multi-person graph's cost: landmark-model calls per person, and whether one batched call
would be cheaper than k single calls.

The module (``multi_pose_tracking_module``, video mode, smoothing on) runs inline with every calculator
call traced. Landmark-model calls run at loop-internal timestamps; the BATCH_END packets say which
frame each belongs to. Per frame: k = people given out, L = landmark-model calls, and whether the
detector ran. The claim checked: L <= 1.1 k summed over the frames where the detector does not run
(the loop runs the model once per tracked person), and how many more calls the detector's frames
add (ROIs from detections that the model rejects or that repeat a person).

With ``redetect_interval`` 10 the detector runs every 10 frames (and when nobody is tracked) instead
of whenever fewer than ``num_poses`` people are tracked.

Batching: LiteRT can resize the landmark model's input to ``[k, 256, 256, 3]``; the same k ROIs are
timed as one batched call and as k calls of batch 1 (median of repeats, interleaved, which one
runs first alternating).
"""

from __future__ import annotations

import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.common import REPO, decode, percentile

MULTI_MEDIA = REPO.parent / "shared" / "data" / "multi"
CLIPS = ("two_people_walk.mp4", "hug.mp4", "bedroom_kids.mp4", "basketball_low_res.mp4")
#: Frames left out of the per-frame times (the interpreters' first calls are slow).
WARM_UP_FRAMES = 5


def graph_cost(video: Path, num_poses: int = 2, redetect_interval: int = 0) -> dict[str, Any]:
    """Per-frame landmark-model calls and people on ``video``."""
    from posegraph import Graph

    frames, _ = decode(video)
    graph = Graph.from_name("multi_pose_tracking_module")
    graph.tracer = []
    poses: dict[int, int] = {}
    batch_end: list[tuple[int, int]] = []  # (internal timestamp, outer timestamp)
    graph.observe("poses", lambda p: poses.__setitem__(p.timestamp, len(p.payload)))
    graph.observe("pose_rects_timestamp", lambda p: batch_end.append((p.timestamp, p.payload)))
    graph.start({"num_poses": num_poses, "redetect_interval": redetect_interval})
    wall = {}
    for t, image in frames:
        start = time.perf_counter()
        graph.add_packet("image", image, t)
        wall[t] = (time.perf_counter() - start) * 1000
    graph.close()
    calls: dict[int, int] = defaultdict(int)
    landmark_ms: list[float] = []
    detector = set()
    ends = sorted(batch_end)
    for node, method, ts, _, t0, t1 in graph.tracer:
        if method != "process":
            continue
        if node == "poselandmarkbyroi__InferenceCalculator":
            outer = next(o for i, o in ends if i >= ts)
            calls[outer] += 1
            landmark_ms.append((t1 - t0) / 1e6)
        elif node == "posedetection__InferenceCalculator":
            detector.add(ts)
    people, total_calls = sum(poses.values()), sum(calls.values())
    tracked = [t for t in wall if t not in detector]
    tracked_people, tracked_calls = sum(poses.get(t, 0) for t in tracked), sum(calls[t] for t in tracked)
    by_k: dict[int, list[float]] = defaultdict(list)
    for t in tracked[WARM_UP_FRAMES:]:
        by_k[poses.get(t, 0)].append(wall[t])
    return {"video": video.name, "frames": len(frames), "num_poses": num_poses,
            "redetect_interval": redetect_interval, "person_frames": people,
            "landmark_calls": total_calls, "calls_per_person": round(total_calls / people, 3) if people else None,
            "tracked_frames": len(tracked),
            "tracked_calls_per_person": round(tracked_calls / tracked_people, 3) if tracked_people else None,
            "detector_frames": len(detector),
            "worst_frame_extra_calls": max((calls[t] - poses.get(t, 0) for t in wall), default=0),
            "landmark_call_ms": round(percentile(landmark_ms, 50), 3),
            "tracked_frame_ms_by_people": {k: round(percentile(v, 50), 2) for k, v in sorted(by_k.items())}}


def batching(ks: tuple[int, ...] = (1, 2, 4, 8), repeats: int = 15) -> dict[int, dict[str, float]]:
    """Median ms of k batch-1 calls vs one call on a batch of k, for each k."""
    from ai_edge_litert.interpreter import Interpreter

    from posegraph.calculators.tensor.inference_calculator import default_num_threads
    from posegraph.models import model_path

    path = str(model_path("pose_landmark_full"))
    single = Interpreter(model_path=path, num_threads=default_num_threads())
    single.allocate_tensors()
    rng = np.random.default_rng(0)
    out: dict[int, dict[str, float]] = {}
    for k in ks:
        batched = Interpreter(model_path=path, num_threads=default_num_threads())
        index = batched.get_input_details()[0]["index"]
        batched.resize_tensor_input(index, [k, 256, 256, 3])
        batched.allocate_tensors()
        tensors = rng.random((k, 256, 256, 3), dtype=np.float32)
        one_by_one, at_once = [], []
        for repeat in range(repeats):
            # Which way goes first alternates: the second of two back-to-back runs finds the
            # cores warmer, which otherwise favours the batch by several percent.
            for way in ((0, 1) if repeat % 2 else (1, 0)):
                start = time.perf_counter()
                if way == 0:
                    for i in range(k):
                        single.set_tensor(single.get_input_details()[0]["index"], tensors[i:i + 1])
                        single.invoke()
                    one_by_one.append((time.perf_counter() - start) * 1000)
                else:
                    batched.set_tensor(index, tensors)
                    batched.invoke()
                    at_once.append((time.perf_counter() - start) * 1000)
        out[k] = {"k_calls_ms": round(percentile(one_by_one, 50), 2), "batched_ms": round(percentile(at_once, 50), 2)}
    return out


def run() -> dict[str, Any]:
    """The cost on each shared two-person clip (the detector on MediaPipe's schedule, then every
    10 frames), and the batching comparison."""
    return {"clips": [graph_cost(MULTI_MEDIA / clip, redetect_interval=n) for n in (0, 10) for clip in CLIPS],
            "batching": batching()}


def format_report(r: dict[str, Any]) -> str:
    lines = ["multi-person graph (num_poses 2, video mode): landmark-model calls per person-frame"]
    for c in r["clips"]:
        lines.append(f"  {c['video']}, redetect_interval {c['redetect_interval']}: {c['person_frames']} person-frames, {c['landmark_calls']} landmark calls "
                     f"({c['calls_per_person']} per person), detector on {c['detector_frames']}/{c['frames']} "
                     f"frames ({c['tracked_calls_per_person']} per person on the other frames), worst frame "
                     f"+{c['worst_frame_extra_calls']} call(s); one call "
                     f"{c['landmark_call_ms']} ms; tracked frame ms by people {c['tracked_frame_ms_by_people']}")
    lines.append("  landmark model, k ROIs: k calls of batch 1 vs one call of batch k (ms)")
    for k, v in r["batching"].items():
        lines.append(f"    k={k}: {v['k_calls_ms']} vs {v['batched_ms']}")
    return "\n".join(lines)


if __name__ == "__main__":
    print(format_report(run()))
