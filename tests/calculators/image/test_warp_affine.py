"""ImageToTensorCalculator's MATRIX, InverseMatrixCalculator, WarpAffineCalculator and
FromImageCalculator against MediaPipe's CPU runner (OpenCV-compatible, no half-pixel shift)."""

from __future__ import annotations

import numpy as np
import pytest

from posegraph import CalculatorError, GraphConfigError
from posegraph.calculators.formats import NormalizedRect, SegmentationMask
from posegraph.testing import run_calculator

F = np.float32


def test_image_to_tensor_matrix_maps_tensor_corners_to_the_roi():
    image = np.zeros((100, 200, 3), np.uint8)
    rect = NormalizedRect(0.5, 0.5, 0.5, 0.5)                    # 100 x 50 px, letterboxed to a square
    out = run_calculator("ImageToTensorCalculator", {"IMAGE": [image], "NORM_RECT": [rect]},
                         options={"output_tensor_width": 64, "output_tensor_height": 64, "keep_aspect_ratio": True})
    matrix = out["MATRIX"][0].payload
    # Padded ROI: 100 x 100 px about (100, 50): tensor (0, 0) -> pixel (50, 0) = (0.25, 0), (1, 1) -> (0.75, 1).
    np.testing.assert_allclose(matrix @ [0, 0, 0, 1], [0.25, 0.0, 0, 1], atol=1e-6)
    np.testing.assert_allclose(matrix @ [1, 1, 0, 1], [0.75, 1.0, 0, 1], atol=1e-6)


def test_inverse_matrix_and_warp_back():
    matrix = np.array([[0.5, 0, 0, 0.25], [0, 0.5, 0, 0.25], [0, 0, 1, 0], [0, 0, 0, 1]], F)
    inverse = run_calculator("InverseMatrixCalculator", {"MATRIX": [matrix]})["MATRIX"][0].payload
    np.testing.assert_allclose(inverse @ matrix, np.eye(4), atol=1e-6)
    # A 2x2 mask of ones placed by the inverse into the middle of an 8x8 output, zero outside.
    mask = SegmentationMask(np.ones((4, 4), F))
    out = run_calculator("WarpAffineCalculator", {"IMAGE": [mask], "MATRIX": [inverse], "OUTPUT_SIZE": [(8, 8)]},
                         options={"border_mode": "BORDER_ZERO", "gpu_origin": "TOP_LEFT"})
    warped = out["IMAGE"][0].payload
    assert isinstance(warped, SegmentationMask) and warped.data.shape == (8, 8)
    # Output pixel (u, v) samples input (2 * (u/8) - 0.5) * 4 = u - 2: ones for u in 2..5.
    np.testing.assert_array_equal(warped.data[4], [0, 0, 1, 1, 1, 1, 0, 0])
    replicate = run_calculator("WarpAffineCalculator", {"IMAGE": [mask], "MATRIX": [inverse], "OUTPUT_SIZE": [(8, 8)]})
    np.testing.assert_array_equal(replicate["IMAGE"][0].payload.data, np.ones((8, 8), F))  # default: replicate
    with pytest.raises((CalculatorError, GraphConfigError), match="INTER_NEAREST is not implemented"):
        run_calculator("WarpAffineCalculator", {"IMAGE": [mask], "MATRIX": [inverse], "OUTPUT_SIZE": [(8, 8)]},
                       options={"interpolation": "INTER_NEAREST"})


def test_from_image_is_the_identity():
    mask = SegmentationMask(np.zeros((2, 2), F))
    assert run_calculator("FromImageCalculator", {"IMAGE": [mask]})["IMAGE_CPU"][0].payload is mask
