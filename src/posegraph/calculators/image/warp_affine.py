"""Affine warps by MediaPipe's 4x4 normalized transformation matrices: InverseMatrixCalculator
and WarpAffineCalculator's OpenCV runner (MediaPipe 0.10.21).

A matrix is float32 (4, 4), row-major (MediaPipe's ``std::array<float, 16>``), mapping a point
normalized to one image (x, y in [0, 1] of its width and height) to a point normalized to another,
as ImageToTensorCalculator's MATRIX output does from the tensor to the image.
"""

from __future__ import annotations

from typing import Literal

import cv2
import numpy as np

__all__ = ["BorderMode", "CV_BORDER", "inverse_matrix", "warp_affine"]

_F = np.float32
BorderMode = Literal["replicate", "zero"]
#: OpenCV's border mode for each :data:`BorderMode` (the warps fill with 0 under "zero").
CV_BORDER = {"replicate": cv2.BORDER_REPLICATE, "zero": cv2.BORDER_CONSTANT}
_CV_INTERPOLATION = {"linear": cv2.INTER_LINEAR, "cubic": cv2.INTER_CUBIC}


def inverse_matrix(matrix: np.ndarray) -> np.ndarray:
    """The inverse of a 4x4 matrix, float32 (MediaPipe's InverseMatrixCalculator).

    Raises:
        ValueError: if the matrix is not 4x4 (16 values) or not invertible.
    """
    m = np.asarray(matrix, _F)
    if m.size != 16:
        raise ValueError(f"inverse_matrix: expected a 4x4 matrix (16 values), got shape {m.shape}")
    try:
        return np.linalg.inv(m.reshape(4, 4).astype(np.float64)).astype(_F)
    except np.linalg.LinAlgError:
        raise ValueError(f"inverse_matrix: the matrix is not invertible:\n{m.reshape(4, 4)}") from None


def warp_affine(image: np.ndarray, matrix: np.ndarray, output_size: tuple[int, int], *,
                border_mode: BorderMode = "replicate",
                interpolation: Literal["linear", "cubic"] = "linear") -> np.ndarray:
    """Warp an image onto an output of ``(W, H)`` pixels (MediaPipe's WarpAffineCalculator, CPU).

    ``matrix`` maps a point normalized to the output to the point normalized to the input that it
    samples. It is scaled to absolute pixels in float32, ``diag(in_w, in_h) @ matrix @ diag(1/W,
    1/H)`` (OpenCV-compatible: no half-pixel shifts), and its 2x3 part given to ``cv2.warpAffine``
    with WARP_INVERSE_MAP.

    Args:
        image: (h, w) or (h, w, c) array, uint8 or float32.
        matrix: float32 4x4 row-major.
        output_size: ``(W, H)`` of the output in pixels.
        border_mode: ``"zero"`` or ``"replicate"`` for samples outside the input.
        interpolation: ``"linear"`` (bilinear) or ``"cubic"``.

    Returns:
        The warped array, (H, W[, c]), the input's dtype.

    Raises:
        ValueError: an unknown border mode or interpolation, or a non-positive output size.
    """
    if border_mode not in CV_BORDER:
        raise ValueError(f"warp_affine: border_mode must be 'zero' or 'replicate', got {border_mode!r}")
    if interpolation not in _CV_INTERPOLATION:
        raise ValueError(f"warp_affine: interpolation must be 'linear' or 'cubic', got {interpolation!r}")
    width, height = int(output_size[0]), int(output_size[1])
    if width <= 0 or height <= 0:
        raise ValueError(f"warp_affine: output size must be positive, got {output_size}")
    image = np.asarray(image)
    in_h, in_w = image.shape[:2]
    to_input = np.diag(np.array([in_w, in_h, 1.0, 1.0], _F))
    from_output = np.diag(np.array([_F(1.0) / _F(width), _F(1.0) / _F(height), 1.0, 1.0], _F))
    absolute = to_input @ np.asarray(matrix, _F).reshape(4, 4) @ from_output
    affine = absolute[np.ix_([0, 1], [0, 1, 3])]
    return cv2.warpAffine(image, affine, (width, height),
                          flags=_CV_INTERPOLATION[interpolation] | cv2.WARP_INVERSE_MAP,
                          borderMode=CV_BORDER[border_mode], borderValue=0)
