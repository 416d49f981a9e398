"""Weighted non-maximum suppression, as MediaPipe's NonMaxSuppressionCalculator (WEIGHTED algorithm,
INTERSECTION_OVER_UNION overlap) does it."""

from __future__ import annotations

import numpy as np

from posegraph.calculators.formats import Detection

__all__ = ["iou", "weighted_nms"]


def iou(box: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """Intersection over union of one box with many (MediaPipe's OverlapSimilarity, IoU type).

    Args:
        box: (4,) float32 ``xmin, ymin, width, height``.
        boxes: (M, 4) float32, same layout and coordinate space.

    Returns:
        (M,) float32 IoU; 0 where the boxes do not intersect or the union is not positive.
    """
    box = np.asarray(box, np.float32)
    boxes = np.asarray(boxes, np.float32)
    x0 = np.maximum(box[0], boxes[:, 0])
    y0 = np.maximum(box[1], boxes[:, 1])
    x1 = np.minimum(box[0] + box[2], boxes[:, 0] + boxes[:, 2])
    y1 = np.minimum(box[1] + box[3], boxes[:, 1] + boxes[:, 3])
    intersects = (x1 >= x0) & (y1 >= y0)
    inter = np.where(intersects, (x1 - x0) * (y1 - y0), np.float32(0.0)).astype(np.float32)
    union = box[2] * box[3] + boxes[:, 2] * boxes[:, 3] - inter
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where((inter > 0) & (union > 0), inter / union, np.float32(0.0))
    return out.astype(np.float32)


def weighted_nms(scores: np.ndarray, boxes: np.ndarray, keypoints: np.ndarray, *,
                 iou_threshold: float = 0.3, max_detections: int | None = None) -> list[Detection]:
    """Weighted non-maximum suppression (MediaPipe's NonMaxSuppressionCalculator, WEIGHTED).

    Candidates are visited best score first. The best remaining one gathers every remaining
    candidate (itself included) whose IoU with it is strictly greater than ``iou_threshold``; its box
    corners and keypoints become the score-weighted mean over that group (float32, summed in score
    order), and it keeps its own score. The group is removed and the loop repeats.

    Args:
        scores: (M,) float32 probabilities.
        boxes: (M, 4) float32 ``xmin, ymin, width, height`` (any one normalized space).
        keypoints: (M, K, 2) float32 ``x, y`` in the same space.
        iou_threshold: overlap above which candidates are merged (MediaPipe's
            ``min_suppression_threshold``).
        max_detections: stop after this many outputs; ``None`` for no limit.

    Returns:
        Detections sorted by descending score, coordinates in the input space.

    Raises:
        ValueError: if the array lengths disagree.
    """
    scores = np.asarray(scores, np.float32).reshape(-1)
    boxes = np.asarray(boxes, np.float32).reshape(-1, 4)
    keypoints = np.asarray(keypoints, np.float32)
    m = scores.shape[0]
    if boxes.shape[0] != m or keypoints.shape[0] != m:
        raise ValueError(f"weighted_nms: {m} scores but {boxes.shape[0]} boxes and "
                         f"{keypoints.shape[0]} keypoint sets; pass one of each per candidate")
    if m == 0:
        return []
    keypoints = keypoints.reshape(m, -1, 2)

    remaining = np.argsort(-scores, kind="stable")
    corners = np.concatenate([boxes[:, :2], boxes[:, :2] + boxes[:, 2:]], axis=1)
    thresh = np.float32(iou_threshold)
    out: list[Detection] = []
    while remaining.size and (max_detections is None or len(out) < max_detections):
        best = remaining[0]
        overlap = iou(boxes[best], boxes[remaining]) > thresh
        group = remaining[overlap]
        if group.size == 0:
            # A degenerate box does not even overlap itself: MediaPipe emits it as is and stops.
            out.append(Detection(score=float(scores[best]), xmin=float(boxes[best, 0]),
                                 ymin=float(boxes[best, 1]), width=float(boxes[best, 2]),
                                 height=float(boxes[best, 3]), keypoints=keypoints[best].copy()))
            break
        w = scores[group]
        total = np.cumsum(w, dtype=np.float32)[-1]
        # cumsum adds in order, like MediaPipe's running float sums.
        mean_corners = np.cumsum(corners[group] * w[:, None], axis=0, dtype=np.float32)[-1] / total
        mean_kp = np.cumsum(keypoints[group] * w[:, None, None], axis=0,
                            dtype=np.float32)[-1] / total
        xmin, ymin = mean_corners[0], mean_corners[1]
        out.append(Detection(score=float(scores[best]), xmin=float(xmin), ymin=float(ymin),
                             width=float(mean_corners[2] - xmin),
                             height=float(mean_corners[3] - ymin),
                             keypoints=mean_kp.astype(np.float32)))
        remaining = remaining[~overlap]
    return out
