"""Decoding of SSD detector tensors, as MediaPipe's TensorsToDetectionsCalculator does it.

The BlazePose detector outputs, per anchor, 12 regressors (box centre x, y, width, height, then 4
keypoints as x, y) in pixels of its 224x224 input, relative to the anchor, plus one score logit.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from posegraph.calculators.tensor.activations import sigmoid

__all__ = ["DecodedDetections", "decode_detections"]


@dataclass(frozen=True)
class DecodedDetections:
    """Detections decoded from the detector tensors, before non-maximum suppression.

    All arrays are float32 and normalized to the detector's input tensor (the letterboxed square).

    Attributes:
        scores: (M,) probabilities, each >= the decoding threshold.
        boxes: (M, 4) ``xmin, ymin, width, height``.
        keypoints: (M, K, 2) ``x, y``.
    """

    scores: np.ndarray = field(repr=False)
    boxes: np.ndarray = field(repr=False)
    keypoints: np.ndarray = field(repr=False)

    def __len__(self) -> int:
        return int(self.scores.shape[0])


def decode_detections(raw_boxes: np.ndarray, raw_scores: np.ndarray, anchors: np.ndarray, *,
                      num_keypoints: int = 4, x_scale: float = 224.0, y_scale: float = 224.0,
                      w_scale: float = 224.0, h_scale: float = 224.0,
                      score_clipping_thresh: float = 100.0,
                      min_score_thresh: float = 0.5) -> DecodedDetections:
    """Decode box regressors and score logits against anchors (MediaPipe's
    TensorsToDetectionsCalculator with ``reverse_output_order``, ``sigmoid_score``, one class).

    Per anchor ``a = (ax, ay, aw, ah)`` and regressors ``r`` (x first):
    ``xc = r0/x_scale*aw + ax``, ``yc = r1/y_scale*ah + ay``, ``w = r2/w_scale*aw``,
    ``h = r3/h_scale*ah``; keypoint k is ``(r[4+2k]/x_scale*aw + ax, r[5+2k]/y_scale*ah + ay)``.
    The score is ``sigmoid(clip(logit, -thresh, thresh))``; detections with score below
    ``min_score_thresh`` are dropped, and so are boxes whose width or height is negative or NaN.
    All arithmetic is float32, in MediaPipe's order.

    Args:
        raw_boxes: (N, 4 + 2*num_keypoints) or (1, N, ...) float32 regressors.
        raw_scores: (N,), (N, 1) or (1, N, 1) float32 score logits.
        anchors: (N, 4) float32 ``x_center, y_center, w, h`` (``ssd_anchors.generate_anchors``).

    Returns:
        The kept detections in anchor order (not sorted by score).

    Raises:
        ValueError: if the shapes of the three arrays disagree.
    """
    anchors = np.asarray(anchors, np.float32)
    n = anchors.shape[0]
    num_coords = 4 + 2 * num_keypoints
    try:
        boxes = np.asarray(raw_boxes, np.float32).reshape(n, num_coords)
        logits = np.asarray(raw_scores, np.float32).reshape(n)
    except ValueError as exc:
        raise ValueError(
            f"decode_detections: expected {n} x {num_coords} box regressors and {n} scores for "
            f"{n} anchors, got shapes {np.shape(raw_boxes)} and {np.shape(raw_scores)}") from exc

    thresh = np.float32(score_clipping_thresh)
    scores = sigmoid(np.clip(logits, -thresh, thresh))
    keep = scores >= np.float32(min_score_thresh)
    if not keep.any():
        return DecodedDetections(np.zeros(0, np.float32), np.zeros((0, 4), np.float32),
                                 np.zeros((0, num_keypoints, 2), np.float32))
    r = boxes[keep]
    ax, ay, aw, ah = (anchors[keep, i] for i in range(4))
    sx, sy, sw, sh = (np.float32(s) for s in (x_scale, y_scale, w_scale, h_scale))
    xc = r[:, 0] / sx * aw + ax
    yc = r[:, 1] / sy * ah + ay
    w = r[:, 2] / sw * aw
    h = r[:, 3] / sh * ah
    half = np.float32(2.0)
    xmin, ymin = xc - w / half, yc - h / half
    xmax, ymax = xc + w / half, yc + h / half
    out_boxes = np.stack([xmin, ymin, xmax - xmin, ymax - ymin], axis=1)
    kp = r[:, 4:].reshape(-1, num_keypoints, 2)
    keypoints = np.stack([kp[..., 0] / sx * aw[:, None] + ax[:, None],
                          kp[..., 1] / sy * ah[:, None] + ay[:, None]], axis=2)
    # NaN compares false, so this also drops NaN sizes, as MediaPipe does.
    valid = (out_boxes[:, 2] >= 0) & (out_boxes[:, 3] >= 0)
    return DecodedDetections(scores[keep][valid], out_boxes[valid], keypoints[valid])
