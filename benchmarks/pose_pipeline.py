"""The pose pipeline's cost per frame, split by stage, next to its models' own inference time.

Frames are decoded up front (decode time reported on its own), the graph runs inline on this
thread with smoothing on and no rendering, and every calculator call is traced. A tracked frame is
one where the detector did not run. Right after each frame, a bare LiteRT interpreter runs the
landmark model once on that frame's own input tensor (the floor); the machine's speed drifts, so
the figure that counts is the median over tracked frames of (frame wall time / floor call), both
measured within milliseconds of each other. This is done for each model complexity (0 lite,
1 full, 2 heavy: the graph's ``model_complexity`` side packet, the floor the same model); the stage
split is the default model's (full).
"""

from __future__ import annotations

import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.common import REPO, decode, detector_frames, percentile
from posegraph import graphs
from posegraph.calculators.pose.pose_landmark_model_calculator import LANDMARK_MODELS as MODELS

STAGES = {
    "ImageToTensorCalculator": "preprocessing (warp)",
    "ImagePropertiesCalculator": "preprocessing (warp)",
    "InferenceCalculator": "inference",
    "TensorsToDetectionsCalculator": "postprocessing",
    "NonMaxSuppressionCalculator": "postprocessing",
    "DetectionLetterboxRemovalCalculator": "postprocessing",
    "SplitDetectionVectorCalculator": "postprocessing",
    "AlignmentPointsRectsCalculator": "postprocessing",
    "RectTransformationCalculator": "postprocessing",
    "TensorsToPoseLandmarksCalculator": "postprocessing",
    "VisibilityGatingCalculator": "postprocessing",
    "PoseLandmarkFilteringCalculator": "smoothing",
}
ORDER = ["decode", "preprocessing (warp)", "inference", "postprocessing", "smoothing", "routing",
         "framework overhead", "rendering/writing"]


def interpreter(name: str) -> Any:
    """A bare LiteRT interpreter for a model, with the graph's thread count."""
    from ai_edge_litert.interpreter import Interpreter

    from posegraph.calculators.tensor.inference_calculator import default_num_threads
    from posegraph.models import model_path

    it = Interpreter(model_path=str(model_path(name)), num_threads=default_num_threads())
    it.allocate_tensors()
    return it


def timed_invoke(it: Any, tensor: np.ndarray) -> float:
    """Milliseconds for one set_tensor + invoke."""
    start = time.perf_counter()
    it.set_tensor(it.get_input_details()[0]["index"], tensor)
    it.invoke()
    return (time.perf_counter() - start) * 1000


def track(played: list[tuple[int, np.ndarray]], complexity: int) -> dict[str, Any]:
    """Runs the tracking module with ``model_complexity`` on ``played``, timing each frame and,
    right after it, the bare landmark model on that frame's tensor.

    Returns ``wall`` and ``floor`` (ms by timestamp), ``landmarks`` by timestamp, the trace and
    the graph's node calculators (``tracer``, ``calculators``).
    """
    from posegraph import Graph
    from posegraph.calculators.image.image_to_tensor import warp_roi_to_tensor

    graph = Graph(graphs.path("pose_tracking_module"))
    graph.tracer = []
    landmarks: dict[int, Any] = {}
    rois: dict[int, Any] = {}
    graph.observe("pose_landmarks", lambda p: landmarks.__setitem__(p.timestamp, p.payload))
    graph.observe("pose_rect", lambda p: rois.__setitem__(p.timestamp, p.payload))
    graph.start({"smooth_landmarks": True, "model_complexity": complexity})
    floor_model = interpreter(MODELS[complexity])
    wall: dict[int, float] = {}
    floor: dict[int, float] = {}
    for t, image in played:
        start = time.perf_counter()
        graph.add_packet("image", image, t)
        wall[t] = (time.perf_counter() - start) * 1000
        if t in rois:
            tensor, _ = warp_roi_to_tensor(image, rois[t], output_size=(256, 256))
            floor[t] = timed_invoke(floor_model, tensor[np.newaxis])
    graph.close()
    return {"wall": wall, "floor": floor, "landmarks": landmarks, "tracer": graph.tracer,
            "calculators": {n.name: n.calculator for n in graph.validated.nodes}}


def tracked_vs_model(run: dict[str, Any]) -> dict[str, Any]:
    """Median tracked frame and bare landmark model call of ``track``'s run, and their ratio."""
    detected = detector_frames(run["tracer"])
    wall, floor = run["wall"], run["floor"]
    tracked_ts = [t for t in wall if t not in detected and t in run["landmarks"] and t in floor]
    tracked = [wall[t] for t in tracked_ts]
    floors = [floor[t] for t in tracked_ts]
    return {"tracked_frames": len(tracked),
            "tracked_frame_ms": {"median": round(percentile(tracked, 50), 3), "p90": round(percentile(tracked, 90), 3)},
            "landmark_model_ms": {"median": round(percentile(floors, 50), 3), "p90": round(percentile(floors, 90), 3)},
            "tracked_over_model": round(percentile([wall[t] / floor[t] for t in tracked_ts], 50), 3)}


def run(video: Path, repeat: int = 3, complexities: tuple[int, ...] = (0, 1, 2)) -> dict[str, Any]:
    """Measures the pipeline on ``video`` (played ``repeat`` times back to back) for each of
    ``complexities``; the stage split and the top-level figures are the full model's."""
    from posegraph.calculators.image.image_to_tensor import letterbox_to_tensor
    from posegraph.calculators.pose.render import draw_landmark_list
    from posegraph.app.media import DEFAULT_FPS, open_sink

    frames, decode_ms = decode(video)
    step = frames[1][0] if len(frames) > 1 else 33_333
    played = [(k * len(frames) * step + t, image) for k in range(repeat) for t, image in frames]
    runs = {c: track(played, c) for c in sorted({1, *complexities})}
    full = runs[1]
    wall, landmarks = full["wall"], full["landmarks"]

    stage_ms: dict[str, float] = defaultdict(float)
    calls_ms: dict[int, float] = defaultdict(float)
    calculators = full["calculators"]
    for node, method, ts, _, t0, t1 in full["tracer"]:
        if method != "process" or ts not in wall:
            continue
        calculator = calculators[node]
        ms = (t1 - t0) / 1e6
        stage_ms[STAGES.get(calculator, "routing")] += ms
        calls_ms[ts] += ms
    n = len(played)
    per_frame = {k: v / n for k, v in stage_ms.items()}
    per_frame["framework overhead"] = (sum(wall.values()) - sum(calls_ms.values())) / n
    per_frame["decode"] = decode_ms

    # Rendering and writing, on the graph's own results.
    out = Path("/tmp") / f"posegraph-bench-{time.time_ns()}.mp4"
    sink = open_sink(out, DEFAULT_FPS, (frames[0][1].shape[1], frames[0][1].shape[0]))
    start = time.perf_counter()
    for t, image in played[: len(frames)]:
        sink.write(draw_landmark_list(image, landmarks.get(t)))
    sink.close()
    per_frame["rendering/writing"] = (time.perf_counter() - start) * 1000 / len(frames)
    out.unlink(missing_ok=True)

    detector = interpreter("pose_detection")
    det_tensor, _ = letterbox_to_tensor(played[0][1])
    det_floor = [timed_invoke(detector, det_tensor[np.newaxis]) for _ in range(20)]
    return {
        "video": video.name, "frames": n, "width": frames[0][1].shape[1], "height": frames[0][1].shape[0],
        "per_frame_ms": {k: round(per_frame.get(k, 0.0), 3) for k in ORDER},
        **tracked_vs_model(full),
        "detector_model_ms": {"median": round(percentile(det_floor, 50), 3)},
        "by_complexity": {str(c): {"model": MODELS[c], **tracked_vs_model(runs[c])} for c in sorted(complexities)},
    }


def format_report(r: dict[str, Any]) -> str:
    lines = [f"pose pipeline: {r['video']} {r['width']}x{r['height']}, {r['frames']} frames "
             f"({r['tracked_frames']} tracked), smoothing on, no rendering in the graph",
             "  stage                      ms/frame"]
    lines += [f"  {k:<26} {v:8.3f}" for k, v in r["per_frame_ms"].items()]
    lines += [f"  tracked frame (median)     {r['tracked_frame_ms']['median']:8.3f}",
              f"  landmark model alone       {r['landmark_model_ms']['median']:8.3f}   (bare LiteRT, after each frame)",
              f"  detector model alone       {r['detector_model_ms']['median']:8.3f}",
              f"  tracked frame / landmark model = {r['tracked_over_model']:.3f}  (median of per-frame ratios; goal <= 1.15)",
              "  per model complexity, medians over tracked frames:",
              "  complexity  model                 tracked frame ms  model alone ms  tracked / model"]
    lines += [f"  {c:<11} {m['model']:<21} {m['tracked_frame_ms']['median']:16.3f}  "
              f"{m['landmark_model_ms']['median']:14.3f}  {m['tracked_over_model']:15.3f}"
              for c, m in r["by_complexity"].items()]
    return "\n".join(lines)
