"""Poses from a graph, as COCO results: what ``posegraph eval`` scores.

A graph is run once over every annotated image, each image a frame (timestamps 0, 1, 2, ...; the
side packet ``static_image_mode`` is set true when the graph takes it and it is not given, so no
frame depends on the one before). Its poses come from the output stream tagged ``LANDMARKS`` (else
``POSES``): a ``NormalizedLandmarkList`` payload is one pose; a list or tuple is several (a
multi-person graph), each a ``NormalizedLandmarkList`` or a pose record with one as its
``landmarks`` attribute and its presence as ``score`` (the multi-person graph's ``Pose``); no packet
is none.

Score rule (for AP, which ranks poses by score): a pose's score is its detector score times its
presence. The detector score is that of the graph's ``DETECTION`` output (one ``Detection``, the
single-person graph's ``pose_detection``) when the frame has one pose. The presence is the pose
record's ``score`` where there is one, else the mean of the landmarks' presence (column 4 of
``NormalizedLandmarkList.data``; the single-person graph does not output its pose-level presence).
A factor the source does not give counts as 1: no detection paired with the pose (a multi-person
graph, MediaPipe's Tasks PoseLandmarker), or landmarks without a presence column (MediaPipe's legacy
solution).
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


def pose_score(landmarks: np.ndarray, detection_score: float | None, presence: float | None = None) -> float:
    """The score rule: ``detection_score`` (1 when ``None``) times ``presence``, which defaults to the
    mean of column 4 of ``landmarks`` (N, 5) (1 when it has only 4 columns: x, y, z, visibility)."""
    if presence is None:
        presence = float(np.mean(landmarks[:, 4])) if landmarks.shape[1] > 4 else 1.0
    return (1.0 if detection_score is None else float(detection_score)) * float(presence)


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


def poses_of(payload: Any, where: str) -> list[tuple[np.ndarray, float | None]]:
    """``(landmarks data (33, 5), presence or None)`` of each pose in a pose stream's payload (see the
    module docstring).

    Raises:
        GraphRunError: an element is neither a ``NormalizedLandmarkList`` nor a pose record
            (``where`` names the image and the stream).
    """
    items = [] if payload is None else list(payload) if isinstance(payload, (list, tuple)) else [payload]
    poses = []
    for item in items:
        if isinstance(item, NormalizedLandmarkList):
            poses.append((item.data, None))
        elif isinstance(getattr(item, "landmarks", None), NormalizedLandmarkList):
            presence = getattr(item, "score", None)
            poses.append((item.landmarks.data, None if presence is None else float(presence)))
        else:
            raise GraphRunError(f"{where} gave a {type(item).__name__}; eval needs a NormalizedLandmarkList, a "
                                "pose with one as .landmarks, or a list of either")
    return poses


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
        GraphRunError: the graph has no output stream tagged LANDMARKS or POSES, or that stream
            gives something else than poses.
        PosegraphError: what the graph raised.
    """
    from posegraph.app.media import ImageSource
    from posegraph.app.runner import tagged_output

    landmarks_stream = tagged_output(graph, "LANDMARKS") or tagged_output(graph, "POSES")
    if landmarks_stream is None:
        raise GraphRunError("eval needs a graph output stream tagged LANDMARKS or POSES (one "
                            "NormalizedLandmarkList, or a list of poses)")
    detection_stream = tagged_output(graph, "DETECTION")
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
        poses = poses_of(out.get(landmarks_stream), f"{image['file_name']}: {landmarks_stream}")
        detection = out.get(detection_stream) if detection_stream and len(poses) == 1 else None
        for landmarks, presence in poses:
            score = pose_score(landmarks, None if detection is None else detection.score, presence)
            results.append(to_result(image["id"], landmarks, width, height, annotations.layout, score))
    return Predictions(results, missing, [image["id"] for image, _ in scored])
