"""The multi-person graph's cost: landmark-model runs per person, and what running the model on
the batch of ROIs in one call saves.

The module (``multi_pose_tracking_module``, video mode, smoothing on) runs inline with every calculator
call traced. Per frame: k = people given out, L = ROIs the landmark model runs on (the length of
the module's ``multi_input_tensors``: one model evaluation each, whether in one batched call or
not), and whether the detector ran. The claim checked: L <= 1.1 k summed over the frames where the
detector does not run (one evaluation per tracked person), and how many more the detector's frames
add (ROIs from detections that the model rejects or that repeat a person).

With ``redetect_interval`` 10 the detector runs every 10 frames (and when nobody is tracked) instead
of whenever fewer than ``num_poses`` people are tracked.

Batching: LiteRT can resize the landmark model's input to ``[k, 256, 256, 3]``. Two measures:
the model alone, the same k ROIs timed as one batched call and as k calls of batch 1 (median of
repeats, interleaved, which one runs first alternating); and the module on a two-person clip with
the InferenceCalculator's ``max_batch_size`` 4 (the module's) against 1 (one call per ROI), the
two graphs fed the same frames side by side: the median of per-frame ratios on tracked frames with
two people.
"""

from __future__ import annotations

import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.common import REPO, decode, detector_frames, percentile

MULTI_MEDIA = REPO.parent / "shared" / "data" / "multi"
CLIPS = ("two_people_walk.mp4", "hug.mp4", "bedroom_kids.mp4", "basketball_low_res.mp4")
#: Frames left out of the per-frame times (the interpreters' first calls are slow).
WARM_UP_FRAMES = 5


def graph_cost(video: Path, num_poses: int = 2, redetect_interval: int = 0) -> dict[str, Any]:
    """Per-frame landmark-model runs and people on ``video``."""
    from posegraph import Graph

    frames = decode(video)[0]
    graph = Graph.from_name("multi_pose_tracking_module")
    graph.tracer = []
    poses: dict[int, int] = {}
    calls: dict[int, int] = defaultdict(int)  # ROIs the landmark model ran on, by frame
    graph.observe("poses", lambda p: poses.__setitem__(p.timestamp, len(p.payload)))
    graph.observe("multi_input_tensors", lambda p: calls.__setitem__(p.timestamp, len(p.payload)))
    graph.start({"num_poses": num_poses, "redetect_interval": redetect_interval})
    wall = {}
    for t, image in frames:
        start = time.perf_counter()
        graph.add_packet("image", image, t)
        wall[t] = (time.perf_counter() - start) * 1000
    graph.close()
    landmark_ms = [(t1 - t0) / 1e6 for node, method, ts, _, t0, t1 in graph.tracer  # calls on one ROI
                   if method == "process" and node == "InferenceCalculator" and calls.get(ts) == 1]
    detector = detector_frames(graph.tracer)
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
            "landmark_call_ms": round(percentile(landmark_ms, 50), 3) if landmark_ms else None,
            "tracked_frame_ms_by_people": {k: round(percentile(v, 50), 2) for k, v in sorted(by_k.items())}}


def batching(ks: tuple[int, ...] = (1, 2, 4, 8), repeats: int = 15) -> dict[str, Any]:
    """The landmark model as InferenceCalculator runs it (``load_runner``, without the segmentation
    head, as the module runs it unless masks are asked for): median ms of k calls of batch 1
    against one call on a batch of k, for each k; the first resize to each k (ms), and the median
    of later resizes between sizes used before (ms)."""
    from posegraph.calculators.pose.pose_landmark_model_calculator import SEGMENTATION_OUTPUT
    from posegraph.calculators.tensor.inference_calculator import default_num_threads
    from posegraph.calculators.tensor.runtimes import load_runner
    from posegraph.models import model_path

    path = model_path("pose_landmark_full")
    unused = (SEGMENTATION_OUTPUT,)
    single = load_runner(path, num_threads=default_num_threads(), unused_outputs=unused)
    batched = load_runner(path, num_threads=default_num_threads(), unused_outputs=unused)
    rng = np.random.default_rng(0)
    out: dict[int, dict[str, float]] = {}
    for k in ks:
        start = time.perf_counter()
        batched.resize(k)
        first_resize_ms = (time.perf_counter() - start) * 1000
        tensors = rng.random((k, 256, 256, 3), dtype=np.float32)
        one_by_one, at_once = [], []
        for repeat in range(repeats):
            # Which way goes first alternates: the second of two back-to-back runs finds the
            # cores warmer, which otherwise favours the batch by several percent.
            for way in ((0, 1) if repeat % 2 else (1, 0)):
                start = time.perf_counter()
                if way == 0:
                    for i in range(k):
                        single.run([tensors[i:i + 1]])
                    one_by_one.append((time.perf_counter() - start) * 1000)
                else:
                    batched.run([tensors])
                    at_once.append((time.perf_counter() - start) * 1000)
        out[k] = {"k_calls_ms": round(percentile(one_by_one, 50), 2), "batched_ms": round(percentile(at_once, 50), 2),
                  "first_resize_ms": round(first_resize_ms, 2)}
    later = []
    for _ in range(repeats):
        for k in ks:
            start = time.perf_counter()
            batched.resize(k)
            later.append((time.perf_counter() - start) * 1000)
    return {"by_k": out, "later_resize_ms": round(percentile(later, 50), 3)}


def graph_batching(video: Path = MULTI_MEDIA / "bedroom_kids.mp4", passes: int = 2,
                   redetect_interval: int = 10) -> dict[str, Any]:
    """The module on ``video`` with max_batch_size 4 and with 1, two graphs fed frame by frame side
    by side (which one first alternating by frame), ``passes`` times over the clip: for each frame
    both give two people on without running the detector (the detector every 10 frames, so that
    most frames are such), the ratio of the batched graph's time to the other's; their median, and
    each graph's median frame, ms. Paired by frame, so the machine's drift cancels. Also whether
    the two gave the same poses, bit for bit."""
    from posegraph import Graph

    frames = decode(video)[0]
    span = frames[-1][0] + 1
    runs = {}
    for size in (4, 1):
        graph = Graph.from_name("multi_pose_tracking_module")
        graph.set_options("InferenceCalculator", max_batch_size=size)
        graph.tracer = []
        poses: dict[int, tuple] = {}
        graph.observe("poses", lambda p, poses=poses: poses.__setitem__(p.timestamp, p.payload))
        graph.start({"num_poses": 2, "redetect_interval": redetect_interval})
        runs[size] = (graph, poses, {})
    for n in range(passes):
        for i, (t, image) in enumerate(frames):
            for size in ((4, 1) if i % 2 else (1, 4)):
                graph, _, wall = runs[size]
                start = time.perf_counter()
                graph.add_packet("image", image, n * span + t)
                wall[n * span + t] = (time.perf_counter() - start) * 1000
    for graph, _, _ in runs.values():
        graph.close()
    detector = set().union(*(detector_frames(graph.tracer) for graph, _, _ in runs.values()))
    (_, batched_poses, batched), (_, single_poses, single) = runs[4], runs[1]
    identical = batched_poses.keys() == single_poses.keys() and all(
        [(a.id, a.landmarks.data.tobytes(), a.world_landmarks.data.tobytes()) for a in batched_poses[t]]
        == [(b.id, b.landmarks.data.tobytes(), b.world_landmarks.data.tobytes()) for b in single_poses[t]]
        for t in batched_poses)
    paired = [t for t in list(batched)[WARM_UP_FRAMES:]
              if t not in detector and len(batched_poses.get(t, ())) == len(single_poses.get(t, ())) == 2]
    return {"video": video.name, "redetect_interval": redetect_interval, "identical_poses": identical,
            "frames": len(paired),
            "batched_ms": round(percentile([batched[t] for t in paired], 50), 2),
            "one_by_one_ms": round(percentile([single[t] for t in paired], 50), 2),
            "ratio": round(percentile([batched[t] / single[t] for t in paired], 50), 3)}


def run() -> dict[str, Any]:
    """The cost on each shared two-person clip (the detector on MediaPipe's schedule, then every
    10 frames), and the batching comparisons."""
    return {"clips": [graph_cost(MULTI_MEDIA / clip, redetect_interval=n) for n in (0, 10) for clip in CLIPS],
            "batching": batching(),
            "graph_batching": [graph_batching(MULTI_MEDIA / "two_people_walk.mp4", passes=5), graph_batching()]}


def format_report(r: dict[str, Any]) -> str:
    lines = ["multi-person graph (num_poses 2, video mode): landmark-model runs (ROIs) per person-frame"]
    for c in r["clips"]:
        lines.append(f"  {c['video']}, redetect_interval {c['redetect_interval']}: {c['person_frames']} person-frames, {c['landmark_calls']} landmark runs "
                     f"({c['calls_per_person']} per person), detector on {c['detector_frames']}/{c['frames']} "
                     f"frames ({c['tracked_calls_per_person']} per person on the other frames), worst frame "
                     f"+{c['worst_frame_extra_calls']} run(s); one call on one ROI "
                     f"{c['landmark_call_ms'] or 'n/a (never one)'} ms; tracked frame ms by people {c['tracked_frame_ms_by_people']}")
    lines.append("  landmark model, k ROIs: k calls of batch 1 vs one call of batch k (ms); the first resize to k")
    for k, v in r["batching"]["by_k"].items():
        lines.append(f"    k={k}: {v['k_calls_ms']} vs {v['batched_ms']}; first resize {v['first_resize_ms']} ms")
    lines.append(f"    later resizes between sizes used before: {r['batching']['later_resize_ms']} ms (median)")
    for g in r["graph_batching"]:
        lines.append(f"  the module on {g['video']} (redetect_interval {g['redetect_interval']}), {g['frames']} "
                     f"tracked frames with 2 people, max_batch_size 4 vs 1: median {g['batched_ms']} vs "
                     f"{g['one_by_one_ms']} ms, median per-frame ratio {g['ratio']}; poses bit-identical: "
                     f"{g['identical_poses']}")
    return "\n".join(lines)


if __name__ == "__main__":
    print(format_report(run()))
