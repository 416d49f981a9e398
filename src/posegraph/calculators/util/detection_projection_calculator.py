"""DetectionProjectionCalculator: detections from one coordinate space to another by a matrix (MediaPipe's)."""

from __future__ import annotations

import numpy as np

from posegraph import Calculator, CalculatorContext, Contract, Port
from posegraph.calculators.formats import Detection

_F = np.float32


def project_detection(detection: Detection, matrix: np.ndarray) -> Detection:
    """``detection`` mapped by ``matrix`` (MediaPipe's ``ProjectDetection``,
    ``util/detection_projection_calculator.cc``).

    Each keypoint ``(x, y)`` goes to ``(m00 x + m01 y + m03, m10 x + m11 y + m13)`` (float32); the box's
    four corners go the same way and the new box is the axis-aligned box around them, so a rotated
    projection gives the box that encloses the rotated one.

    Args:
        detection: box and keypoints normalized to the source space (e.g. a tensor).
        matrix: float32 (4, 4) row-major, source -> destination (e.g. ImageToTensorCalculator's
            MATRIX: tensor -> image, both normalized).

    Returns:
        A new detection in the destination space; the score is unchanged.
    """
    m = np.asarray(matrix, _F).reshape(4, 4)

    def project(points: np.ndarray) -> np.ndarray:
        x, y = points[:, 0], points[:, 1]
        return np.stack([x * m[0, 0] + y * m[0, 1] + m[0, 3], x * m[1, 0] + y * m[1, 1] + m[1, 3]], axis=1).astype(_F)

    xmin, ymin, width, height = (_F(v) for v in (detection.xmin, detection.ymin, detection.width, detection.height))
    corners = project(np.array([[xmin, ymin], [xmin + width, ymin], [xmin + width, ymin + height],
                                [xmin, ymin + height]], _F))
    left_top, right_bottom = corners.min(axis=0), corners.max(axis=0)
    return Detection(score=detection.score, xmin=float(left_top[0]), ymin=float(left_top[1]),
                     width=float(right_bottom[0] - left_top[0]), height=float(right_bottom[1] - left_top[1]),
                     keypoints=project(np.asarray(detection.keypoints, _F)))


class DetectionProjectionCalculator(Calculator):
    """Maps DETECTIONS (list[Detection]) by PROJECTION_MATRIX (float32 (4, 4), row-major), each with
    :func:`project_detection`. Nothing is sent at a timestamp without a matrix."""

    contract = Contract(inputs={"DETECTIONS": Port(list), "PROJECTION_MATRIX": Port(np.ndarray)},
                        outputs={"DETECTIONS": Port(list)})

    def process(self, cc: CalculatorContext) -> None:
        detections, matrix = cc.value("DETECTIONS"), cc.value("PROJECTION_MATRIX")
        if detections is None or matrix is None:
            return
        cc.send("DETECTIONS", [project_detection(d, matrix) for d in detections])
