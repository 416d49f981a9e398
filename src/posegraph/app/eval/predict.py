"""Poses from a graph, as COCO results: what ``posegraph eval`` scores.

A graph is run once over every annotated image, each image a frame (timestamps 0, 1, 2, ...; the
side packet ``static_image_mode`` is set true when the graph takes it and it is not given, so no
frame depends on the one before). Its poses come from the output stream tagged ``LANDMARKS``: a
``NormalizedLandmarkList`` payload is one pose, a list or tuple of them is several (a multi-person
graph), no packet is none. The output tagged ``DETECTION`` (or ``DETECTIONS``), when the graph has
one, gives each pose's detector score: one ``Detection`` for one pose, or a list in the poses' order.

Score rule (for AP, which ranks poses by score): a pose's score is its detector score times its
presence, the presence being the mean of its landmarks' presence (column 4 of
``NormalizedLandmarkList.data``; the pose-level presence the tracker gates on is not a graph output).
A factor the source does not give counts as 1: no detection output (MediaPipe's Tasks
PoseLandmarker), or landmarks without a presence column (MediaPipe's legacy solution).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from posegraph.app.eval.coco import Annotations
from posegraph.app.eval.layouts import Layout
from posegraph.calculators.formats import NormalizedLandmarkList
from posegraph.framework.errors import GraphRunError, MediaError

log = logging.getLogger(__name__)


def pose_score(landmarks: np.ndarray, detection_score: float | None) -> float:
    """The score rule: ``detection_score`` (1 when ``None``) times the mean of column 4 of
    ``landmarks`` (N, 5) (1 when it has only 4 columns: x, y, z, visibility)."""
    presence = float(np.mean(landmarks[:, 4])) if landmarks.shape[1] > 4 else 1.0
    return (1.0 if detection_score is None else float(detection_score)) * presence


def to_result(image_id: Any, landmarks: np.ndarray, width: int, height: int, layout: Layout,
              score: float) -> dict[str, Any]:
    """A COCO keypoint result in ``layout`` from BlazePose landmarks (33, >=2) normalized to an image
    of ``width`` x ``height`` pixels: x, y in pixels (x * width, y * height), v = 1 for a keypoint
    with a BlazePose counterpart, ``[0, 0, 0]`` for one without."""
    keypoints: list[float] = []
    for index in layout.blazepose:
        if index is None:
            keypoints += [0.0, 0.0, 0.0]
        else:
            keypoints += [float(landmarks[index, 0]) * width, float(landmarks[index, 1]) * height, 1.0]
    return {"image_id": image_id, "keypoints": keypoints, "score": score}


def _as_list(payload: Any) -> list[Any]:
    if payload is None:
        return []
    return list(payload) if isinstance(payload, (list, tuple)) else [payload]


@dataclass
class Predictions:
    """A graph's poses on an annotation file's images.

    Attributes:
        results: COCO keypoint results (``to_result``), image by image.
        missing: ``file_name`` -> why the image was not scored (missing or undecodable).
        scored_images: ids of the images the graph ran on.
    """

    results: list[dict[str, Any]]
    missing: dict[str, str]
    scored_images: list[Any]


def run_graph(graph: Any, annotations: Annotations, images_dir: Path, side_packets: dict[str, Any],
              progress: bool = False) -> Predictions:
    """Runs ``graph`` on every image of ``annotations`` found in ``images_dir`` (by ``file_name``)
    and returns its poses as COCO results. A missing or undecodable image is reported in
    ``missing`` (and logged) and the others are still run.

    Raises:
        GraphRunError: the graph has no output stream tagged LANDMARKS, that stream gives something
            else than NormalizedLandmarkList(s), or its detections do not pair with its poses.
        PosegraphError: what the graph raised.
    """
    from posegraph.app.media import ImageSource
    from posegraph.app.runner import tagged_output

    landmarks_stream = tagged_output(graph, "LANDMARKS")
    if landmarks_stream is None:
        raise GraphRunError("eval needs a graph output stream tagged LANDMARKS (one NormalizedLandmarkList, "
                            "or a list of them)")
    detection_stream = tagged_output(graph, "DETECTION") or tagged_output(graph, "DETECTIONS")
    input_stream = next((r.name for r in graph.validated.input_streams if r.tag == "IMAGE"), None)
    if "static_image_mode" in graph.side_packet_types:
        side_packets = {"static_image_mode": True, **side_packets}
    missing: dict[str, str] = {}
    scored: list[tuple[dict[str, Any], tuple[int, int]]] = []  # image entry, (height, width) as decoded

    def frames() -> Iterator[tuple[int, np.ndarray]]:
        for image in annotations.images:
            try:
                with ImageSource(images_dir / image["file_name"]) as source:
                    frame = next(iter(source)).image
            except MediaError as e:
                reason = "no such file" if not (images_dir / image["file_name"]).exists() else str(e)
                log.warning("%s: image %s (id %s): %s; scoring the others", annotations.path, image["file_name"],
                            image["id"], reason)
                missing[image["file_name"]] = reason
                continue
            scored.append((image, frame.shape[:2]))
            yield len(scored) - 1, frame

    outputs = [s for s in (landmarks_stream, detection_stream) if s]
    results: list[dict[str, Any]] = []
    run = graph.process_frames(frames(), input_stream=input_stream, outputs=outputs, side_packets=side_packets)
    if progress:
        from tqdm import tqdm

        run = tqdm(run, total=len(annotations.images), unit="image", desc="posegraph eval")
    for t, out in run:
        image, (height, width) = scored[t]
        poses = _as_list(out.get(landmarks_stream))
        wrong = next((p for p in poses if not isinstance(p, NormalizedLandmarkList)), None)
        if wrong is not None:
            raise GraphRunError(f"{image['file_name']}: {landmarks_stream} gave a {type(wrong).__name__}; eval needs a "
                                "NormalizedLandmarkList or a list of them")
        detections = _as_list(out.get(detection_stream)) if detection_stream else []
        if detection_stream and poses and len(detections) != len(poses):
            raise GraphRunError(f"{image['file_name']}: the graph gave {len(poses)} pose(s) on {landmarks_stream} "
                                f"but {len(detections)} detection(s) on {detection_stream}; eval pairs them by order")
        for k, pose in enumerate(poses):
            score = pose_score(pose.data, detections[k].score if detections else None)
            results.append(to_result(image["id"], pose.data, width, height, annotations.layout, score))
    return Predictions(results, missing, [image["id"] for image, _ in scored])
