"""The pose pipeline's cost per frame, split by stage, next to its models' own inference time.

Frames are decoded up front (decode time reported on its own), the graph runs inline on this
thread with smoothing on, segmentation off and no rendering, and every calculator call is traced.
A tracked frame is one where the detector did not run. Right after each frame, a bare LiteRT
interpreter runs the landmark model the graph runs (without its segmentation head: the model
cache's pruned copy) once on that frame's own input tensor (the floor), and another runs the whole
model, as MediaPipe does; the machine's speed drifts, so the figures that count are medians over
tracked frames of (frame wall time / floor call), all measured within milliseconds of each other.
Beside them, the loop's floor (``loop_floor``): the warp and the landmark decoding that each frame
waits on, timed with their inputs in the CPU's caches, against the model's call.
This is done for each model complexity (0 lite, 1 full, 2 heavy: the graph's ``model_complexity``
side packet, the floor the same model); the stage split is the default model's (full). The whole
model's call against the graph's is what leaving the segmentation head out saves.
"""

from __future__ import annotations

import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.common import REPO, decode, detector_frames, elapsed_ms, percentile
from posegraph import graphs
from posegraph.calculators.pose.pose_landmark_model_calculator import LANDMARK_MODELS as MODELS
from posegraph.calculators.pose.pose_landmark_model_calculator import SEGMENTATION_OUTPUT

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


def interpreter(name: str, unused_outputs: tuple[int, ...] = ()) -> Any:
    """A bare LiteRT interpreter for a model, with the graph's thread count; with
    ``unused_outputs``, for the model cache's copy without them (what the graph runs)."""
    from ai_edge_litert.interpreter import Interpreter

    from posegraph.calculators.tensor.inference_calculator import default_num_threads
    from posegraph.calculators.tensor.runtimes import pruned_model_file
    from posegraph.models import model_path

    path = model_path(name)
    if unused_outputs:
        path = pruned_model_file(path, unused_outputs)
        if path is None:
            raise RuntimeError(f"no pruned copy of {name} in the model cache (see the log)")
    it = Interpreter(model_path=str(path), num_threads=default_num_threads())
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
    graph.start({"smooth_landmarks": True, "model_complexity": complexity, "enable_segmentation": False})
    floor_model = interpreter(MODELS[complexity], (SEGMENTATION_OUTPUT,))
    whole_model = interpreter(MODELS[complexity])
    wall: dict[int, float] = {}
    floor: dict[int, float] = {}
    whole: dict[int, float] = {}
    for t, image in played:
        start = time.perf_counter()
        graph.add_packet("image", image, t)
        wall[t] = (time.perf_counter() - start) * 1000
        if t in rois:
            tensor, _ = warp_roi_to_tensor(image, rois[t], output_size=(256, 256))
            floor[t] = timed_invoke(floor_model, tensor[np.newaxis])
            whole[t] = timed_invoke(whole_model, tensor[np.newaxis])
    graph.close()
    return {"wall": wall, "floor": floor, "whole": whole, "landmarks": landmarks, "rois": rois,
            "tracer": graph.tracer, "calculators": {n.name: n.calculator for n in graph.validated.nodes}}


def loop_floor(played: list[tuple[int, np.ndarray]], rois: dict[int, Any], complexity: int = 1,
               frames: int = 40, tries: int = 3) -> dict[str, Any]:
    """The least the work on the tracking loop can cost: on ``frames`` of ``played`` with a ROI,
    the warp of the frame's ROI into the landmark model's tensor and the decoding of the model's
    outputs into landmarks (``pose_landmarks_from_tensors``: refinement, projection, world
    landmarks), each timed with its inputs in the CPU's caches (the best of ``tries`` calls after
    an untimed one), beside the landmark model's call (as the graph runs it) on that tensor.

    The next frame's warp needs this frame's landmarks, so both are on the loop whatever the
    framework costs; ``1 + (warp + decoding) / model`` (median over the frames) is a floor for
    the tracked frame / landmark model ratio, before smoothing, the next ROI and the framework.
    """
    from posegraph.calculators.image.image_to_tensor import warp_roi_to_tensor
    from posegraph.calculators.pose.landmark_decoding import pose_landmarks_from_tensors

    def best(work: Any) -> float:
        work()  # its inputs into the caches
        return min(elapsed_ms(work) for _ in range(tries))

    model = interpreter(MODELS[complexity], (SEGMENTATION_OUTPUT,))
    outputs = [d["index"] for d in model.get_output_details()]  # landmarks, presence, heatmap, world
    with_roi = [(t, image) for t, image in played if t in rois]
    every = max(1, len(with_roi) // frames)
    warp_ms, decoding_ms, model_ms, floors = [], [], [], []
    for t, image in with_roi[::every][:frames]:
        warp_ms.append(best(lambda: warp_roi_to_tensor(image, rois[t], output_size=(256, 256))))
        tensor, _ = warp_roi_to_tensor(image, rois[t], output_size=(256, 256))
        model_ms.append(timed_invoke(model, tensor[np.newaxis]))
        landmarks, _, heatmap, world = [model.get_tensor(i) for i in outputs]
        decoding_ms.append(best(lambda: pose_landmarks_from_tensors(landmarks, heatmap, world, rois[t])))
        floors.append(1 + (warp_ms[-1] + decoding_ms[-1]) / model_ms[-1])
    return {"frames": len(floors), "warp_ms": round(percentile(warp_ms, 50), 3),
            "decoding_ms": round(percentile(decoding_ms, 50), 3), "model_ms": round(percentile(model_ms, 50), 3),
            "tracked_over_model_floor": round(percentile(floors, 50), 3)}


def tracked_vs_model(run: dict[str, Any]) -> dict[str, Any]:
    """Median tracked frame and bare landmark model calls (the graph's model and the whole one)
    of ``track``'s run, and their ratios."""
    detected = detector_frames(run["tracer"])
    wall, floor, whole = run["wall"], run["floor"], run["whole"]
    tracked_ts = [t for t in wall if t not in detected and t in run["landmarks"] and t in floor]
    tracked = [wall[t] for t in tracked_ts]
    floors = [floor[t] for t in tracked_ts]
    wholes = [whole[t] for t in tracked_ts]
    return {"tracked_frames": len(tracked),
            "tracked_frame_ms": {"median": round(percentile(tracked, 50), 3), "p90": round(percentile(tracked, 90), 3)},
            "landmark_model_ms": {"median": round(percentile(floors, 50), 3), "p90": round(percentile(floors, 90), 3)},
            "whole_model_ms": {"median": round(percentile(wholes, 50), 3)},
            "tracked_over_model": round(percentile([wall[t] / floor[t] for t in tracked_ts], 50), 3),
            "tracked_over_whole_model": round(percentile([wall[t] / whole[t] for t in tracked_ts], 50), 3),
            "segmentation_head_share": round(1 - percentile([floor[t] / whole[t] for t in tracked_ts], 50), 3)}


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
        "loop_floor": loop_floor(played, full["rois"]),
        "by_complexity": {str(c): {"model": MODELS[c], **tracked_vs_model(runs[c])} for c in sorted(complexities)},
    }


def format_report(r: dict[str, Any]) -> str:
    lines = [f"pose pipeline: {r['video']} {r['width']}x{r['height']}, {r['frames']} frames "
             f"({r['tracked_frames']} tracked), smoothing on, no rendering in the graph",
             "  stage                      ms/frame"]
    lines += [f"  {k:<26} {v:8.3f}" for k, v in r["per_frame_ms"].items()]
    lines += [f"  tracked frame (median)     {r['tracked_frame_ms']['median']:8.3f}",
              f"  landmark model alone       {r['landmark_model_ms']['median']:8.3f}   (bare LiteRT, after each frame: "
              "the graph's model, without the segmentation head)",
              f"  whole landmark model alone {r['whole_model_ms']['median']:8.3f}   (bare LiteRT, after each frame: "
              "with the segmentation head, as MediaPipe runs it)",
              f"  detector model alone       {r['detector_model_ms']['median']:8.3f}",
              f"  tracked frame / landmark model = {r['tracked_over_model']:.3f}  (median of per-frame ratios; goal <= 1.15)",
              f"  tracked frame / whole landmark model = {r['tracked_over_whole_model']:.3f}",
              "  the loop's floor ({frames} tracked frames, each step's inputs in the CPU's caches, best of 3): "
              "warp {warp_ms:.3f} ms + landmark decoding {decoding_ms:.3f} ms against the model's call "
              "{model_ms:.3f} ms: tracked frame / landmark model >= {tracked_over_model_floor:.3f} (median of "
              "per-frame ratios) before smoothing, the next ROI and the framework".format(**r["loop_floor"]),
              "  per model complexity, medians over tracked frames (ms; the segmentation head's share of the whole "
              "model's call: 1 - model / whole model, median of per-frame ratios):",
              "  complexity  model                 tracked frame  model alone  whole model  tracked / model  "
              "tracked / whole  head's share"]
    lines += [f"  {c:<11} {m['model']:<21} {m['tracked_frame_ms']['median']:13.3f}  "
              f"{m['landmark_model_ms']['median']:11.3f}  {m['whole_model_ms']['median']:11.3f}  "
              f"{m['tracked_over_model']:15.3f}  {m['tracked_over_whole_model']:15.3f}  "
              f"{m['segmentation_head_share']:12.0%}"
              for c, m in r["by_complexity"].items()]
    return "\n".join(lines)
