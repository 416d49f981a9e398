"""Parity with MediaPipe: the pose pipeline's figures against a reference made by MediaPipe itself.

A reference (spec section 10 schema: per frame ``landmarks``, ``world``, ``roi``, ``detection``)
comes from ``tools/mediapipe_reference.py``-style runs of MediaPipe 0.10.21. Two ways to compare:

- closed loop: the whole tracking graph on the media, as a user runs it;
- open loop: each frame's landmark stage fed the reference's own ROI (so the tracking loop, which
  amplifies last-bit differences, is taken out), and the detector checked on the frames where
  the reference ran it.

Errors are Euclidean distances in image pixels between matching landmarks' (x, y). A reference made
with ``--segmentation`` has its masks beside it (``NAME.masks.npz``: key ``f{i}``, frame i's float16
(H, W) mask); the graph then runs with ``enable_segmentation`` (and the reference's
``smooth_segmentation``) and each of those frames' masks is compared pixel by pixel.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Collection, Iterable, Sequence

import numpy as np

from posegraph import Graph
from posegraph.calculators.formats import NormalizedRect
from posegraph.framework.subgraph import builtin_graph_dir


def bundled_graph(name: str) -> Path:
    """A graph shipped with posegraph, e.g. ``bundled_graph("pose_tracking_module.pbtxt")``."""
    return builtin_graph_dir() / name


def distance_stats(values: Sequence[float]) -> dict[str, float | None]:
    """``{"median", "p99", "max"}`` of ``values`` (distances, any unit), rounded to 5 decimals;
    ``None`` each when there are none."""
    if len(values) == 0:
        return {"median": None, "p99": None, "max": None}
    a = np.asarray(values, dtype=np.float64)
    return {"median": round(float(np.median(a)), 5), "p99": round(float(np.percentile(a, 99)), 5),
            "max": round(float(a.max()), 5)}


def mask_frames(reference_path: str | Path) -> dict[int, np.ndarray]:
    """The reference's segmentation masks by frame index, float16 (H, W) in [0, 1] (empty when the
    reference has no ``.masks.npz`` beside it)."""
    path = Path(reference_path).with_suffix(".masks.npz")
    if not path.exists():
        return {}
    with np.load(path) as masks:
        return {int(key[1:]): masks[key] for key in masks.files}


def mask_error(mine: np.ndarray | None, reference: np.ndarray) -> tuple[float, float] | None:
    """Mean and 99th percentile of |mine - reference| over the pixels (float32 (H, W) masks in
    [0, 1]; ``reference`` may be float16), or ``None`` when ``mine`` is missing or of another size."""
    if mine is None or mine.shape != reference.shape:
        return None
    diff = np.abs(mine - reference.astype(np.float32))
    return float(diff.mean()), float(np.percentile(diff, 99))


def worst_mask_errors(errors: Sequence[tuple[float, float]]) -> dict[str, float | None]:
    """The largest mean and the largest 99th percentile of :func:`mask_error`'s figures."""
    return {"mean_abs_max": round(max(e[0] for e in errors), 6) if errors else None,
            "p99_abs_max": round(max(e[1] for e in errors), 6) if errors else None}


def _mask_figures(reference_masks: dict[int, np.ndarray], ours: list[dict[str, Any]]) -> dict[str, Any]:
    """Per-frame mean and 99th percentile of |ours - reference| over the pixels, their worst frame."""
    errors, missing = [], []
    for i, ref in sorted(reference_masks.items()):
        error = mask_error(ours[i].get("mask"), ref)
        if error is None:
            missing.append(i)
        else:
            errors.append(error)
    return {"frames": len(errors), "missing_frames": missing[:20], **worst_mask_errors(errors)}


def compare(reference: dict[str, Any], ours: list[dict[str, Any]],
            reference_masks: dict[int, np.ndarray] | None = None) -> dict[str, Any]:
    """Figures of spec section 11 for per-frame results ``ours`` (dicts with ``landmarks`` and
    ``world`` as float arrays (33, >=2) or None, ``detection`` as ``{"score", "keypoints"}`` or
    None, and ``mask`` as float32 (H, W) or None) against the reference's frames, and the masks
    against ``reference_masks`` (frame index -> (H, W)) when given."""
    width, height = reference["width"], reference["height"]
    frames = reference["frames"]
    if len(ours) != len(frames):
        raise ValueError(f"the media gave {len(ours)} frames, the reference has {len(frames)}")
    px, world_m, mismatches = [], [], []
    kp_err, score_err, det_mismatch = [], [], []
    for i, (ref, mine) in enumerate(zip(frames, ours)):
        if (ref["landmarks"] is None) != (mine["landmarks"] is None):
            mismatches.append(i)
        elif ref["landmarks"] is not None:
            d = (np.asarray(mine["landmarks"])[:, :2] - np.asarray(ref["landmarks"])[:, :2]) * (width, height)
            px.extend(np.hypot(d[:, 0], d[:, 1]).tolist())
            if ref.get("world") is not None and mine.get("world") is not None:
                w = np.asarray(mine["world"])[:, :3] - np.asarray(ref["world"])[:, :3]
                world_m.extend(np.linalg.norm(w, axis=1).tolist())
        rd, md = ref.get("detection"), mine.get("detection")
        if rd is not None and md is not None:
            kp_err.append(float(np.abs(np.asarray(md["keypoints"]) - np.asarray(rd["keypoints"])).max()))
            score_err.append(abs(md["score"] - rd["score"]))
        elif rd is not None and "detection" in mine:
            det_mismatch.append(i)
    n = len(frames)
    masks = {"mask_abs": _mask_figures(reference_masks, ours)} if reference_masks else {}
    return {
        "frames": n,
        "frames_with_pose": {"reference": sum(f["landmarks"] is not None for f in frames),
                             "posegraph": sum(m["landmarks"] is not None for m in ours)},
        "presence_agreement": round((n - len(mismatches)) / n, 5) if n else None,
        "presence_mismatch_frames": mismatches[:20],
        "landmark_px": distance_stats(px),
        "world_m": distance_stats(world_m),
        "detection": {"frames": len(kp_err), "missed_frames": det_mismatch[:20],
                      "keypoint_max_abs": round(max(kp_err), 6) if kp_err else None,
                      "score_max_abs": round(max(score_err), 6) if score_err else None},
        **masks,
    }


def decode_frames(media: str) -> list[tuple[int, np.ndarray]]:
    """Every frame of ``media`` (a video or an image) as ``(timestamp_us, uint8 RGB (H, W, 3))``.

    Raises:
        ValueError: the file is damaged (a reference is compared frame by frame, so a partial
            decode would misalign them).
    """
    from posegraph.app.media import open_source

    with open_source(media) as source:
        frames = [(f.timestamp_us, f.image) for f in source]
        if source.truncated:
            raise ValueError(f"{media} is damaged: {source.error}")
    return frames


def _detection_dict(detection: Any) -> dict[str, Any] | None:
    if detection is None:
        return None
    return {"score": float(detection.score), "keypoints": np.asarray(detection.keypoints).tolist()}


def _result(landmarks: Any, world: Any, mask: Any, keep_mask: bool) -> dict[str, Any]:
    return {"landmarks": None if landmarks is None else landmarks.data, "world": None if world is None else world.data,
            "mask": mask.data if keep_mask and mask is not None else None}


def run_closed_loop(graph: Graph, media: str, side_packets: dict[str, Any],
                    keep_masks: Collection[int] = ()) -> list[dict[str, Any]]:
    """Runs a tracking graph on ``media``; per frame its landmarks, world landmarks, when the graph
    has a DETECTION output its detection, and on the frames ``keep_masks`` its SEGMENTATION_MASK."""
    from posegraph.app.runner import tagged_output

    names = {tag: tagged_output(graph, tag) for tag in ("LANDMARKS", "WORLD_LANDMARKS", "DETECTION", "SEGMENTATION_MASK")}
    results = []
    for i, (_, out) in enumerate(graph.process_frames(iter(decode_frames(media)), outputs=[n for n in names.values() if n],
                                                      side_packets=side_packets)):
        result = _result(out.get(names["LANDMARKS"]), out.get(names["WORLD_LANDMARKS"]),
                         out.get(names["SEGMENTATION_MASK"]), i in keep_masks)
        if names["DETECTION"]:
            result["detection"] = _detection_dict(out[names["DETECTION"]])
        results.append(result)
    return results


def run_open_loop(graph: Graph, reference: dict[str, Any], media: str,
                  side_packets: dict[str, Any], keep_masks: Collection[int] = ()) -> list[dict[str, Any]]:
    """Feeds each frame's reference ROI to the landmark stage, and the frames where the reference
    ran the detector to the detector, of ``graph`` (graphs/pose_open_loop.pbtxt); keeps the
    segmentation masks of the frames ``keep_masks``."""
    frames = decode_frames(media)
    keep_times = {frames[i][0] for i in keep_masks if i < len(frames)}
    got: dict[str, dict[int, Any]] = {"pose_landmarks": {}, "pose_world_landmarks": {}, "pose_detection": {},
                                      "segmentation_mask": {}}

    def keeper(store: dict[int, Any], only: set[int] | None) -> Any:
        def keep(packet: Any) -> None:
            if only is None or packet.timestamp in only:
                store[packet.timestamp] = packet.payload
        return keep

    for name, store in got.items():  # masks are large: only those of the frames compared
        graph.observe(name, keeper(store, keep_times if name == "segmentation_mask" else None))
    graph.start(side_packets)
    for (t, image), ref in zip(frames, reference["frames"]):
        graph.add_packet("image", image, t)
        if ref.get("roi") is not None:
            graph.add_packet("roi", NormalizedRect(*map(float, ref["roi"])), t)
        if ref.get("detection") is not None:
            graph.add_packet("detector_image", image, t)
    graph.close()
    return [{**_result(got["pose_landmarks"].get(t), got["pose_world_landmarks"].get(t),
                       got["segmentation_mask"].get(t), t in keep_times),
             "detection": _detection_dict(got["pose_detection"].get(t))} for t, _ in frames]


def parity(reference_path: str | Path, media: str, *, graph: str | Path | None = None, open_loop: bool = False,
           side_packet_items: Sequence[str] = (), search_path: Iterable[str | Path] = (),
           num_threads: int | None = None, accelerator: str = "cpu") -> dict[str, Any]:
    """The ``posegraph parity`` report: a JSON-able dict (see :func:`compare`) plus what was run.

    ``accelerator`` is set on every InferenceCalculator (``"gpu"``: how far the GPU's landmarks
    are from MediaPipe's CPU ones; the report says which accelerator ran when it is not the CPU).

    Side packets default to the reference's own mode (``smooth``, ``static``, ``model_complexity``,
    and with masks beside it ``enable_segmentation`` and ``smooth_segmentation``) where the graph
    takes them; ``NAME=VALUE`` items override them.

    Raises:
        ValueError: the media and the reference disagree on frame count or size.
        PosegraphError: the graph failed.
    """
    from posegraph.app.cli import parse_side_packets

    reference = json.loads(Path(reference_path).read_text())
    if open_loop and reference.get("smooth"):
        raise ValueError(f"{reference_path} holds smoothed landmarks; open-loop parity compares single frames "
                         "without smoothing, so use a reference made with smoothing off (e.g. pose_squats.raw.json)")
    if open_loop:
        runner = Graph(bundled_graph("pose_open_loop.pbtxt"), num_threads=num_threads)
    else:
        runner = Graph(graph or bundled_graph("pose_tracking_module.pbtxt"), search_path=search_path, num_threads=num_threads)
    if accelerator != "cpu":
        runner.set_options("InferenceCalculator", accelerator=accelerator)
    types = runner.side_packet_types
    masks = mask_frames(reference_path)
    mode = {"smooth_landmarks": bool(reference.get("smooth", False)),
            "static_image_mode": bool(reference.get("static", False)),
            "model_complexity": int(reference.get("model_complexity", 1))}
    if masks:
        mode.update(enable_segmentation=True, smooth_segmentation=bool(reference.get("smooth_segmentation", False)))
    side_packets = {name: value for name, value in mode.items() if name in types}
    side_packets.update(parse_side_packets(side_packet_items, types))
    if open_loop:
        ours = run_open_loop(runner, reference, media, side_packets, keep_masks=masks.keys())
    else:
        ours = run_closed_loop(runner, media, side_packets, keep_masks=masks.keys())
    report = {"reference": Path(reference_path).name, "input": Path(media).name,
              "mode": "open_loop" if open_loop else "closed_loop", "side_packets": side_packets}
    if accelerator != "cpu":
        report["accelerator"] = accelerator
    report.update(compare(reference, ours, masks))
    return report
