"""Landmark geometry any graph can use: undoing a tensor's letterbox, projecting ROI-normalized
landmarks into the image, rotating world landmarks, and the box around landmarks. MediaPipe's
LandmarkLetterboxRemovalCalculator, LandmarkProjectionCalculator, WorldLandmarkProjection-
Calculator and LandmarksToDetectionCalculator, in float32 like the C++ code.

Landmark arrays are float32 (N, 5): x, y, z, visibility, presence (see ``formats``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from posegraph.calculators.formats import Detection, NormalizedRect
from posegraph.calculators.util.float_math import cosf, sinf

__all__ = ["remove_landmark_letterbox", "project_landmarks", "project_landmarks_with_matrix",
           "rotate_world_landmarks", "landmarks_to_detection"]

_F = np.float32


def remove_landmark_letterbox(landmarks: np.ndarray, padding: Sequence[float]) -> np.ndarray:
    """Undo the tensor's letterbox (MediaPipe's LandmarkLetterboxRemovalCalculator):
    ``x' = (x - left) / (1 - left - right)``, ``y' = (y - top) / (1 - top - bottom)``,
    ``z' = z / (1 - left - right)``. Float32 (N, 5) in, float32 (N, 5) out (normalized to the ROI)."""
    left, top, right, bottom = (_F(p) for p in padding)
    out = np.array(landmarks, _F, copy=True)
    lr = _F(1.0) - (left + right)
    tb = _F(1.0) - (top + bottom)
    out[:, 0] = (out[:, 0] - left) / lr
    out[:, 1] = (out[:, 1] - top) / tb
    out[:, 2] = out[:, 2] / lr
    return out


def project_landmarks(landmarks: np.ndarray, rect: NormalizedRect, *,
                      ignore_rotation: bool = False) -> np.ndarray:
    """Project ROI-normalized landmarks into the image (MediaPipe's LandmarkProjectionCalculator
    with NORM_RECT and no IMAGE_DIMENSIONS).

    ``x' = (cos a * (x - 0.5) - sin a * (y - 0.5)) * w + cx``,
    ``y' = (sin a * (x - 0.5) + cos a * (y - 0.5)) * h + cy``, ``z' = z * w``, float32.

    Args:
        landmarks: float32 (N, 5) normalized to the ROI.
        rect: the ROI, normalized to the image.
        ignore_rotation: project as if the rect's rotation were 0.

    Returns:
        float32 (N, 5) normalized to the image (may lie outside [0, 1]).
    """
    out = np.array(landmarks, _F, copy=True)
    a = _F(0.0 if ignore_rotation else rect.rotation)
    c, s = cosf(a), sinf(a)  # std::cos, std::sin on a float
    x = out[:, 0] - _F(0.5)
    y = out[:, 1] - _F(0.5)
    out[:, 0] = (c * x - s * y) * _F(rect.width) + _F(rect.x_center)
    out[:, 1] = (s * x + c * y) * _F(rect.height) + _F(rect.y_center)
    out[:, 2] = out[:, 2] * _F(rect.width)
    return out


def project_landmarks_with_matrix(landmarks: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """Project landmarks by a 4x4 row-major matrix (MediaPipe's LandmarkProjectionCalculator with
    PROJECTION_MATRIX): ``x' = m0 x + m1 y + m2 z + m3``, ``y' = m4 x + m5 y + m6 z + m7``,
    ``z' = z * |P(1, 0) - P(0, 0)|`` (the projected unit x segment), float32."""
    m = np.asarray(matrix, _F).reshape(16)
    out = np.array(landmarks, _F, copy=True)
    x, y, z = out[:, 0].copy(), out[:, 1].copy(), out[:, 2].copy()
    out[:, 0] = x * m[0] + y * m[1] + z * m[2] + m[3]
    out[:, 1] = x * m[4] + y * m[5] + z * m[6] + m[7]
    dx = (m[0] + m[3]) - m[3]   # the unit x segment (0, 0) -> (1, 0), projected
    dy = (m[4] + m[7]) - m[7]
    z_scale = _F(np.sqrt(np.float64(dx) ** 2 + np.float64(dy) ** 2))
    out[:, 2] = z_scale * z
    return out


def rotate_world_landmarks(landmarks: np.ndarray, rect: NormalizedRect | None) -> np.ndarray:
    """World landmarks rotated by the ROI's rotation (MediaPipe's WorldLandmarkProjectionCalculator):
    ``x' = cos a * x - sin a * y``, ``y' = sin a * x + cos a * y``, the rest unchanged, float32;
    without a rect, a copy."""
    out = np.array(landmarks, _F, copy=True)
    if rect is None:
        return out
    a = _F(rect.rotation)
    c, s = cosf(a), sinf(a)  # std::cos, std::sin on a float
    x, y = out[:, 0].copy(), out[:, 1].copy()
    out[:, 0] = c * x - s * y
    out[:, 1] = s * x + c * y
    return out


def landmarks_to_detection(landmarks: np.ndarray,
                           selected: Sequence[int] = ()) -> Detection:
    """A detection around landmarks (MediaPipe's LandmarksToDetectionCalculator): every landmark
    (or the ``selected`` ones, in that order) becomes a keypoint, the box spans their x and y.

    Args:
        landmarks: float32 (N, >=2) normalized to an image.
        selected: indices of the landmarks to use; all when empty.

    Returns:
        A :class:`Detection` with score 0 (MediaPipe sets none) and float32 (K, 2) keypoints. Like
        MediaPipe, the running maxima start at FLT_MIN (the smallest positive float), so a box whose
        landmarks all lie left of (above) 0 still ends at FLT_MIN.

    Raises:
        ValueError: no landmarks, or a selected index out of range.
    """
    points = np.asarray(landmarks, _F)
    if points.shape[0] == 0:
        raise ValueError("landmarks_to_detection: the landmark list is empty")
    if selected:
        if max(selected) >= points.shape[0] or min(selected) < 0:
            raise ValueError(f"landmarks_to_detection: selected indices {list(selected)} out of range "
                             f"for {points.shape[0]} landmarks")
        points = points[list(selected)]
    keypoints = points[:, :2].copy()
    x_min, y_min = keypoints.min(axis=0)
    x_max, y_max = np.maximum(keypoints.max(axis=0), np.finfo(_F).tiny)
    return Detection(score=0.0, xmin=float(x_min), ymin=float(y_min), width=float(x_max - x_min),
                     height=float(y_max - y_min), keypoints=keypoints)
