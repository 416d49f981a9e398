"""Landmarks from model tensors: MediaPipe's TensorsToLandmarksCalculator and
RefineLandmarksFromHeatmapCalculator, for any landmark model. Float32 throughout, like the C++ code.

Landmark arrays are float32 (N, 5): x, y, z, visibility, presence (see ``formats``); values a
model does not give (fewer than 5 per landmark) are 0, as an unset proto field reads.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from posegraph.calculators.tensor.activations import sigmoid

__all__ = ["Activation", "tensor_to_landmarks", "normalize_landmarks", "refine_landmarks_from_heatmap"]

_F = np.float32
Activation = Literal["none", "sigmoid"]


def _activate(values: np.ndarray, activation: Activation) -> np.ndarray:
    if activation == "sigmoid":
        return sigmoid(values)
    if activation == "none":
        return values
    raise ValueError(f"activation must be 'none' or 'sigmoid', got {activation!r}")


def tensor_to_landmarks(raw: np.ndarray, num_landmarks: int, *,
                        input_size: tuple[int, int] | None = None,
                        flip_horizontally: bool = False, flip_vertically: bool = False,
                        visibility_activation: Activation = "none",
                        presence_activation: Activation = "none") -> np.ndarray:
    """Landmarks in the model's input pixels (MediaPipe's TensorsToLandmarksCalculator, its
    LANDMARKS output).

    The tensor holds ``D = raw.size // num_landmarks`` values per landmark: x, then (if D > 1) y,
    z, the visibility and the presence logits (or values). A flip maps ``x`` to ``width - x``
    (``y`` to ``height - y``).

    Args:
        raw: float32 tensor of any shape with at least ``num_landmarks`` values per landmark.
        num_landmarks: landmarks in the tensor.
        input_size: the model's input ``(width, height)`` in pixels, needed to flip.
        flip_horizontally, flip_vertically: mirror x (y) in the input.
        visibility_activation, presence_activation: ``"none"`` or ``"sigmoid"``.

    Returns:
        float32 (num_landmarks, 5), absent values 0.

    Raises:
        ValueError: fewer values than landmarks, or a flip without ``input_size``.
    """
    flat = np.asarray(raw, _F).reshape(-1)
    dims = flat.size // num_landmarks if num_landmarks > 0 else 0
    if dims <= 0:
        raise ValueError(f"tensor_to_landmarks: a tensor of {flat.size} values cannot hold "
                         f"{num_landmarks} landmarks")
    if (flip_horizontally or flip_vertically) and input_size is None:
        raise ValueError("tensor_to_landmarks: flipping needs the input size")
    values = flat[:num_landmarks * dims].reshape(num_landmarks, dims)
    out = np.zeros((num_landmarks, 5), _F)
    out[:, :min(dims, 3)] = values[:, :3]
    if flip_horizontally:
        out[:, 0] = _F(input_size[0]) - out[:, 0]
    if flip_vertically and dims > 1:
        out[:, 1] = _F(input_size[1]) - out[:, 1]
    if dims > 4 and visibility_activation == presence_activation:  # both in one pass: the same values
        out[:, 3:5] = _activate(values[:, 3:5], visibility_activation)
    else:
        if dims > 3:
            out[:, 3] = _activate(values[:, 3], visibility_activation)
        if dims > 4:
            out[:, 4] = _activate(values[:, 4], presence_activation)
    return out


def normalize_landmarks(landmarks: np.ndarray, input_size: tuple[int, int],
                        normalize_z: float = 1.0) -> np.ndarray:
    """Landmarks in input pixels normalized to the input (MediaPipe's TensorsToLandmarksCalculator,
    its NORM_LANDMARKS output): ``x / width``, ``y / height``, ``z / width / normalize_z``.
    Float32 (N, 5) in and out; visibility and presence unchanged."""
    out = np.array(landmarks, _F, copy=True)
    out[:, 0] = out[:, 0] / _F(input_size[0])
    out[:, 1] = out[:, 1] / _F(input_size[1])
    out[:, 2] = out[:, 2] / _F(input_size[0]) / _F(normalize_z)
    return out


def refine_landmarks_from_heatmap(landmarks: np.ndarray, heatmap: np.ndarray, *,
                                  kernel_size: int = 9,
                                  min_confidence_to_refine: float = 0.5,
                                  refine_presence: bool = False,
                                  refine_visibility: bool = False) -> np.ndarray:
    """Refine x, y from the heatmap (MediaPipe 0.10.21's RefineLandmarksFromHeatmapCalculator).

    For landmark i: ``col = int(x * W_hm)``, ``row = int(y * H_hm)`` (truncation toward zero); it
    is kept as is if the cell is outside the grid. In the ``kernel_size`` window around the cell,
    clipped to the grid, ``conf = sigmoid(heatmap[..., i])``; if ``max(conf) >=
    min_confidence_to_refine``, ``x = sum(col * conf) / W_hm / sum(conf)`` and likewise y (cell
    indices, no half-cell shift). With ``refine_presence`` (``refine_visibility``) the presence
    (visibility) becomes ``min(itself, max(conf))``.

    Args:
        landmarks: float32 (N, 5) normalized to the model's input tensor.
        heatmap: float32 (H_hm, W_hm, N) or (1, H_hm, W_hm, N) logits.
        kernel_size: window side in cells (MediaPipe's default 9).
        min_confidence_to_refine: the window maximum needed to refine.
        refine_presence, refine_visibility: also cap presence / visibility by the window maximum.

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
    inside = (col >= 0) & (col < hm_w) & (row >= 0) & (row < hm_h)

    offset = (kernel_size - 1) // 2
    steps = np.arange(-offset, offset + 1)[:, None]
    k = len(steps)
    rows = row + steps                     # (k, N): the window's rows (columns) for each landmark
    cols = col + steps
    # The window's cells (k, k, N) in MediaPipe's loop order, row by row, one cell after another,
    # landmark last; cells outside the grid read a clamped cell and are masked to 0 below.
    cells = (np.minimum(np.maximum(rows, 0), hm_h - 1)[:, None, :] * hm_w
             + np.minimum(np.maximum(cols, 0), hm_w - 1)[None, :, :]) * n + np.arange(n)
    logits = np.ravel(hm).take(cells)
    mask = ((rows >= 0) & (rows < hm_h))[:, None, :] & ((cols >= 0) & (cols < hm_w))[None, :, :]
    conf = np.where(mask, sigmoid(logits), _F(0.0))
    # MediaPipe adds each landmark's terms one cell after another into float32 running sums (the
    # cells outside the grid add 0, which changes nothing). Reducing over the leading axis of a
    # C-ordered array adds whole rows in order (NumPy's pairwise summation applies only along
    # the innermost axis), so the three sums of all landmarks come from one reduction.
    terms = np.empty((k, k, 3, n), _F)
    terms[:, :, 0] = conf
    np.multiply(conf, cols.astype(_F)[None, :, :], out=terms[:, :, 1])
    np.multiply(conf, rows.astype(_F)[:, None, :], out=terms[:, :, 2])
    total, weighted_col, weighted_row = np.add.reduce(terms.reshape(k * k, 3, n), axis=0)
    max_conf = conf.max(axis=(0, 1))
    refine = inside & (max_conf >= _F(min_confidence_to_refine)) & (total > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        new_x = weighted_col / _F(hm_w) / total
        new_y = weighted_row / _F(hm_h) / total
    lms[refine, 0] = new_x[refine]
    lms[refine, 1] = new_y[refine]
    capped = inside & (total > 0)
    if refine_visibility:
        lms[capped, 3] = np.minimum(lms[capped, 3], max_conf[capped])
    if refine_presence:
        lms[capped, 4] = np.minimum(lms[capped, 4], max_conf[capped])
    return lms
