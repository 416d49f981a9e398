"""Decoding of the BlazePose landmark model's tensors into image and world landmarks, as MediaPipe's
pose_landmark_by_roi graph does it: TensorsToLandmarksCalculator, RefineLandmarksFromHeatmap-
Calculator, LandmarkLetterboxRemovalCalculator, LandmarkProjectionCalculator and
WorldLandmarkProjectionCalculator. Float32 throughout, like the C++ code.

Landmark arrays are float32 (N, 5): x, y, z, visibility, presence (see ``formats``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from posegraph.calculators.formats import LandmarkList, NormalizedLandmarkList, NormalizedRect
from posegraph.calculators.tensor.activations import sigmoid

__all__ = ["NUM_BODY_LANDMARKS", "NUM_MODEL_LANDMARKS", "decode_landmarks",
           "refine_landmarks_from_heatmap", "remove_landmark_letterbox", "project_landmarks",
           "decode_world_landmarks", "pose_landmarks_from_tensors"]

_F = np.float32
#: Landmarks 0..32 are the body; 33 (hip centre) and 34 (size/rotation point) are auxiliary.
NUM_BODY_LANDMARKS = 33
#: The model's landmark count (35..38 unused).
NUM_MODEL_LANDMARKS = 39


def decode_landmarks(raw: np.ndarray, *, num_landmarks: int = NUM_MODEL_LANDMARKS,
                     input_size: tuple[int, int] = (256, 256)) -> np.ndarray:
    """Landmarks in the model's input tensor, normalized (MediaPipe's TensorsToLandmarksCalculator
    with sigmoid visibility and presence activations).

    Args:
        raw: float32 (num_landmarks*5,) or (1, num_landmarks*5): x, y, z in pixels of the input
            tensor, visibility logit, presence logit per landmark.
        num_landmarks: landmarks in the tensor.
        input_size: the model's input ``(width, height)`` in pixels.

    Returns:
        float32 (num_landmarks, 5): x/width, y/height, z/width, sigmoid(visibility logit),
        sigmoid(presence logit), normalized to the input tensor.

    Raises:
        ValueError: if ``raw`` does not hold ``num_landmarks * 5`` values.
    """
    raw = np.asarray(raw, _F)
    if raw.size != num_landmarks * 5:
        raise ValueError(f"decode_landmarks: expected {num_landmarks * 5} values "
                         f"({num_landmarks} x 5), got shape {raw.shape}")
    raw = raw.reshape(num_landmarks, 5)
    out = np.empty_like(raw)
    out[:, 0] = raw[:, 0] / _F(input_size[0])
    out[:, 1] = raw[:, 1] / _F(input_size[1])
    out[:, 2] = raw[:, 2] / _F(input_size[0])
    out[:, 3:] = sigmoid(raw[:, 3:])
    return out


def refine_landmarks_from_heatmap(landmarks: np.ndarray, heatmap: np.ndarray, *,
                                  kernel_size: int = 9,
                                  min_confidence_to_refine: float = 0.5) -> np.ndarray:
    """Refine x, y from the heatmap (MediaPipe's RefineLandmarksFromHeatmapCalculator).

    For landmark i: ``col = int(x * W_hm)``, ``row = int(y * H_hm)`` (truncation toward zero). It is
    kept as is if ``col`` is outside the grid or ``row < 0``; like MediaPipe, a row past the bottom
    edge is not checked (``col >= H_hm`` is tested instead), so such a landmark still uses whatever
    part of its window lies inside the grid. In the ``kernel_size`` window around the cell, clipped
    to the grid, ``conf = sigmoid(heatmap[..., i])``; if ``max(conf) >= min_confidence_to_refine``,
    ``x = sum(col * conf) / W_hm / sum(conf)`` and likewise y (cell indices, no half-cell shift).
    Visibility and presence are not changed (the calculator's defaults).

    Args:
        landmarks: float32 (N, 5) normalized to the model's input tensor.
        heatmap: float32 (H_hm, W_hm, N) or (1, H_hm, W_hm, N) logits.
        kernel_size: window side in cells. MediaPipe's Python package runs 9 (the calculator's
            default; its graph's 7 is dropped), which the references match.
        min_confidence_to_refine: the window maximum needed to refine.

    Returns:
        A refined float32 (N, 5) copy.

    Raises:
        ValueError: if the heatmap's channel count is not N.
    """
    lms = np.array(landmarks, _F, copy=True)
    hm = np.asarray(heatmap, _F)
    if hm.ndim == 4:
        hm = hm[0]
    hm_h, hm_w, channels = hm.shape
    n = lms.shape[0]
    if channels != n:
        raise ValueError(f"refine_landmarks_from_heatmap: heatmap has {channels} channels but "
                         f"there are {n} landmarks; they must match")
    col = (lms[:, 0] * _F(hm_w)).astype(np.int64)
    row = (lms[:, 1] * _F(hm_h)).astype(np.int64)
    inside = (col >= 0) & (col < hm_w) & (row >= 0) & (col < hm_h)

    offset = (kernel_size - 1) // 2
    steps = np.arange(-offset, offset + 1)
    rows = row[:, None] + steps            # (N, k)
    cols = col[:, None] + steps
    row_ok = (rows >= 0) & (rows < hm_h)
    col_ok = (cols >= 0) & (cols < hm_w)
    logits = hm[np.clip(rows, 0, hm_h - 1)[:, :, None], np.clip(cols, 0, hm_w - 1)[:, None, :],
                np.arange(n)[:, None, None]]                       # (N, k, k)
    mask = row_ok[:, :, None] & col_ok[:, None, :]
    conf = np.where(mask, sigmoid(logits), _F(0.0))
    total = conf.sum(axis=(1, 2), dtype=_F)
    max_conf = conf.max(axis=(1, 2))
    weighted_col = (conf * cols[:, None, :].astype(_F)).sum(axis=(1, 2), dtype=_F)
    weighted_row = (conf * rows[:, :, None].astype(_F)).sum(axis=(1, 2), dtype=_F)
    refine = inside & (max_conf >= _F(min_confidence_to_refine)) & (total > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        new_x = weighted_col / _F(hm_w) / total
        new_y = weighted_row / _F(hm_h) / total
    lms[refine, 0] = new_x[refine]
    lms[refine, 1] = new_y[refine]
    return lms


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


def project_landmarks(landmarks: np.ndarray, rect: NormalizedRect) -> np.ndarray:
    """Project ROI-normalized landmarks into the image (MediaPipe's LandmarkProjectionCalculator).

    ``x' = (cos a * (x - 0.5) - sin a * (y - 0.5)) * w + cx``,
    ``y' = (sin a * (x - 0.5) + cos a * (y - 0.5)) * h + cy``, ``z' = z * w``, float32.

    Args:
        landmarks: float32 (N, 5) normalized to the ROI.
        rect: the ROI, normalized to the image.

    Returns:
        float32 (N, 5) normalized to the image (may lie outside [0, 1]).
    """
    out = np.array(landmarks, _F, copy=True)
    a = _F(rect.rotation)
    c, s = np.cos(a), np.sin(a)
    x = out[:, 0] - _F(0.5)
    y = out[:, 1] - _F(0.5)
    out[:, 0] = (c * x - s * y) * _F(rect.width) + _F(rect.x_center)
    out[:, 1] = (s * x + c * y) * _F(rect.height) + _F(rect.y_center)
    out[:, 2] = out[:, 2] * _F(rect.width)
    return out


def decode_world_landmarks(raw: np.ndarray, rect: NormalizedRect,
                           visibility_presence: np.ndarray | None = None) -> np.ndarray:
    """World landmarks in metres, rotated by the ROI (MediaPipe's TensorsToLandmarksCalculator on
    the world tensor, then WorldLandmarkProjectionCalculator): ``x' = cos a * x - sin a * y``,
    ``y' = sin a * x + cos a * y``, z unchanged, float32.

    Args:
        raw: float32 (N*3,) or (1, N*3): x, y, z in metres, origin at the hip centre.
        rect: the ROI the model ran on (only its rotation is used).
        visibility_presence: optional float32 (N, 2) copied into columns 3..4 (MediaPipe copies
            them from the image landmarks); zeros otherwise.

    Returns:
        float32 (N, 5).
    """
    raw = np.asarray(raw, _F).reshape(-1, 3)
    out = np.zeros((raw.shape[0], 5), _F)
    a = _F(rect.rotation)
    c, s = np.cos(a), np.sin(a)
    out[:, 0] = c * raw[:, 0] - s * raw[:, 1]
    out[:, 1] = s * raw[:, 0] + c * raw[:, 1]
    out[:, 2] = raw[:, 2]
    if visibility_presence is not None:
        out[:, 3:] = np.asarray(visibility_presence, _F)
    return out


def pose_landmarks_from_tensors(landmark_tensor: np.ndarray, heatmap: np.ndarray,
                                world_tensor: np.ndarray, rect: NormalizedRect,
                                padding: Sequence[float] = (0.0, 0.0, 0.0, 0.0), *,
                                kernel_size: int = 9
                                ) -> tuple[NormalizedLandmarkList, NormalizedLandmarkList,
                                           LandmarkList]:
    """The whole landmark decoding of MediaPipe's pose_landmark_by_roi graph, unsmoothed.

    decode -> heatmap refinement -> letterbox removal -> projection through ``rect``; world
    landmarks rotated by ``rect`` with visibility and presence copied from the image landmarks.

    Args:
        landmark_tensor: the model's (1, 195) output.
        heatmap: the model's (1, 64, 64, 39) output.
        world_tensor: the model's (1, 117) output.
        rect: the ROI the tensor was cropped from, normalized to the image.
        padding: the warp's letterbox padding ``[left, top, right, bottom]``.
        kernel_size: heatmap refinement window (see ``refine_landmarks_from_heatmap``).

    Returns:
        ``(landmarks, auxiliary, world)``: the 33 body landmarks normalized to the image, the 2
        auxiliary landmarks (33, 34) likewise, and the 33 world landmarks in metres.
    """
    lms = decode_landmarks(landmark_tensor)
    lms = refine_landmarks_from_heatmap(lms, heatmap, kernel_size=kernel_size)
    lms = project_landmarks(remove_landmark_letterbox(lms, padding), rect)
    world = decode_world_landmarks(world_tensor, rect, lms[:, 3:5])
    body = NUM_BODY_LANDMARKS
    return (NormalizedLandmarkList(lms[:body].copy()),
            NormalizedLandmarkList(lms[body:body + 2].copy()),
            LandmarkList(world[:body].copy()))
