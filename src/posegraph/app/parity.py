"""Parity with MediaPipe: the pose pipeline's figures against a reference made by MediaPipe itself.

A reference (spec section 10 schema: per frame ``landmarks``, ``world``, ``roi``, ``detection``)
comes from ``tools/mediapipe_reference.py``-style runs of MediaPipe 0.10.21. Two ways to compare:

- closed loop: the whole tracking graph on the media, as a user runs it;
- open loop: each frame's landmark stage fed the reference's own ROI (so the tracking loop, which
  amplifies last-bit differences, is taken out), and the detector checked on the frames where
  the reference ran it.

Errors are Euclidean distances in image pixels between matching landmarks' (x, y).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np

from posegraph import Graph
from posegraph.calculators.formats import NormalizedRect
from posegraph.framework.subgraph import builtin_graph_dir


def bundled_graph(name: str) -> Path:
    """A graph shipped with posegraph, e.g. ``bundled_graph("pose_tracking_module.pbtxt")``."""
    return builtin_graph_dir() / name


def _stats(values: Sequence[float]) -> dict[str, float | None]:
    if len(values) == 0:
        return {"median": None, "p99": None, "max": None}
    a = np.asarray(values, dtype=np.float64)
    return {"median": round(float(np.median(a)), 5), "p99": round(float(np.percentile(a, 99)), 5),
            "max": round(float(a.max()), 5)}


def compare(reference: dict[str, Any], ours: list[dict[str, Any]]) -> dict[str, Any]:
    """Figures of spec section 11 for per-frame results ``ours`` (dicts with ``landmarks`` and
    ``world`` as float arrays (33, >=2) or None, and ``detection`` as ``{"score", "keypoints"}`` or
    None) against the reference's frames."""
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
    return {
        "frames": n,
        "frames_with_pose": {"reference": sum(f["landmarks"] is not None for f in frames),
                             "posegraph": sum(m["landmarks"] is not None for m in ours)},
        "presence_agreement": round((n - len(mismatches)) / n, 5) if n else None,
        "presence_mismatch_frames": mismatches[:20],
        "landmark_px": _stats(px),
        "world_m": _stats(world_m),
        "detection": {"frames": len(kp_err), "missed_frames": det_mismatch[:20],
                      "keypoint_max_abs": round(max(kp_err), 6) if kp_err else None,
                      "score_max_abs": round(max(score_err), 6) if score_err else None},
    }


def _frames(media: str) -> list[tuple[int, np.ndarray]]:
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


def _result(landmarks: Any, world: Any) -> dict[str, Any]:
    return {"landmarks": None if landmarks is None else landmarks.data, "world": None if world is None else world.data}


def run_closed_loop(graph: Graph, media: str, side_packets: dict[str, Any]) -> list[dict[str, Any]]:
    """Runs a tracking graph on ``media``; per frame its landmarks, world landmarks and, when the
    graph has a DETECTION output, its detection."""
    from posegraph.app.runner import tagged_output

    names = {tag: tagged_output(graph, tag) for tag in ("LANDMARKS", "WORLD_LANDMARKS", "DETECTION")}
    results = []
    for _, out in graph.process_frames(iter(_frames(media)), outputs=[n for n in names.values() if n],
                                       side_packets=side_packets):
        result = _result(out.get(names["LANDMARKS"]), out.get(names["WORLD_LANDMARKS"]))
        if names["DETECTION"]:
            result["detection"] = _detection_dict(out[names["DETECTION"]])
        results.append(result)
    return results


def run_open_loop(graph: Graph, reference: dict[str, Any], media: str,
                  side_packets: dict[str, Any]) -> list[dict[str, Any]]:
    """Feeds each frame's reference ROI to the landmark stage, and the frames where the reference
    ran the detector to the detector, of ``graph`` (graphs/pose_open_loop.pbtxt)."""
    frames = _frames(media)
    got: dict[str, dict[int, Any]] = {"pose_landmarks": {}, "pose_world_landmarks": {}, "pose_detection": {}}
    for name, store in got.items():
        graph.observe(name, lambda p, store=store: store.__setitem__(p.timestamp, p.payload))
    graph.start(side_packets)
    for (t, image), ref in zip(frames, reference["frames"]):
        graph.add_packet("image", image, t)
        if ref.get("roi") is not None:
            graph.add_packet("roi", NormalizedRect(*map(float, ref["roi"])), t)
        if ref.get("detection") is not None:
            graph.add_packet("detector_image", image, t)
    graph.close()
    return [{**_result(got["pose_landmarks"].get(t), got["pose_world_landmarks"].get(t)),
             "detection": _detection_dict(got["pose_detection"].get(t))} for t, _ in frames]


def parity(reference_path: str | Path, media: str, *, graph: str | Path | None = None, open_loop: bool = False,
           side_packet_items: Sequence[str] = (), search_path: Iterable[str | Path] = (),
           num_threads: int | None = None) -> dict[str, Any]:
    """The ``posegraph parity`` report: a JSON-able dict (see :func:`compare`) plus what was run.

    Side packets default to the reference's own mode (``smooth``, ``static``) where the graph takes
    them; ``NAME=VALUE`` items override them.

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
    types = runner.side_packet_types
    mode = {"smooth_landmarks": bool(reference.get("smooth", False)),
            "static_image_mode": bool(reference.get("static", False))}
    side_packets = {name: value for name, value in mode.items() if name in types}
    side_packets.update(parse_side_packets(side_packet_items, types))
    if open_loop:
        ours = run_open_loop(runner, reference, media, side_packets)
    else:
        ours = run_closed_loop(runner, media, side_packets)
    report = {"reference": Path(reference_path).name, "input": Path(media).name,
              "mode": "open_loop" if open_loop else "closed_loop", "side_packets": side_packets}
    report.update(compare(reference, ours))
    return report
