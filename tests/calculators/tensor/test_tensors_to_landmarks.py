"""TensorsToLandmarksCalculator, TensorsToFloatsCalculator and TensorsToSegmentationCalculator
against MediaPipe's C++ (numbers worked from its source; float32, exact unless stated)."""

from __future__ import annotations

import ctypes
import ctypes.util

import numpy as np
import pytest

from posegraph import CalculatorError, GraphConfigError
from posegraph.testing import run_calculator

F = np.float32


def _expf(x):
    """C's expf, as MediaPipe's sigmoid calls it (float64 exp rounded once where no C library loads)."""
    x = np.asarray(x, F)
    libm = ctypes.util.find_library("m")
    if libm is None:
        return np.exp(x.astype(np.float64)).astype(F)
    expf = ctypes.CDLL(libm).expf
    expf.restype, expf.argtypes = ctypes.c_float, [ctypes.c_float]
    return np.array([expf(float(v)) for v in x.ravel()], F).reshape(x.shape)


def _sigmoid(x):
    return F(1.0) / (F(1.0) + _expf(-F(x)))


def test_landmarks_normalized_with_activations_and_flips():
    raw = np.array([[10.0, 20.0, 4.0, 0.0, 2.0, 30.0, 5.0, -8.0, -1.0, 1.0]], F)   # 2 landmarks x 5
    options = {"num_landmarks": 2, "input_image_width": 40, "input_image_height": 50,
               "visibility_activation": "SIGMOID", "presence_activation": "SIGMOID", "normalize_z": 2.0}
    out = run_calculator("TensorsToLandmarksCalculator", {"TENSORS": [[raw]]}, options=options)
    norm = out["NORM_LANDMARKS"][0].payload.data
    np.testing.assert_array_equal(norm[0], [F(10) / F(40), F(20) / F(50), F(4) / F(40) / F(2), _sigmoid(0), _sigmoid(2)])
    np.testing.assert_array_equal(out["LANDMARKS"][0].payload.data[1], [30, 5, -8, _sigmoid(-1), _sigmoid(1)])
    flipped = run_calculator("TensorsToLandmarksCalculator", {"TENSORS": [[raw]]},
                             side_packets={"FLIP_HORIZONTALLY": True},
                             options={**options, "flip_vertically": True})
    np.testing.assert_array_equal(flipped["LANDMARKS"][0].payload.data[0, :3], [30, 30, 4])   # 40-10, 50-20


def test_three_values_per_landmark_leave_visibility_and_presence_zero():
    raw = np.arange(6, dtype=F)
    out = run_calculator("TensorsToLandmarksCalculator", {"TENSORS": [[raw]]}, options={"num_landmarks": 2},
                         outputs=["LANDMARKS"])
    np.testing.assert_array_equal(out["LANDMARKS"][0].payload.data, [[0, 1, 2, 0, 0], [3, 4, 5, 0, 0]])


def test_normalized_output_needs_the_input_size():
    with pytest.raises((CalculatorError, GraphConfigError), match="input_image_width"):
        run_calculator("TensorsToLandmarksCalculator", {"TENSORS": [[np.zeros(5, F)]]}, options={"num_landmarks": 1})


def test_floats_with_sigmoid_and_single_float():
    out = run_calculator("TensorsToFloatsCalculator", {"TENSORS": [[np.array([[0.0, 1.0]], F)]]},
                         options={"activation": "SIGMOID"}, outputs=["FLOATS"])
    assert out["FLOATS"][0].payload == [0.5, float(_sigmoid(1.0))]
    one = run_calculator("TensorsToFloatsCalculator", {"TENSORS": [[np.array([[0.75]], F)]]}, outputs=["FLOAT"])
    assert one["FLOAT"][0].payload == 0.75
    with pytest.raises(CalculatorError, match="one value"):
        run_calculator("TensorsToFloatsCalculator", {"TENSORS": [[np.zeros(2, F)]]}, outputs=["FLOAT"])


def test_segmentation_sigmoid_softmax_and_resize():
    logits = np.array([[[[-2.0], [0.0]], [[1.0], [3.0]]]], F)         # (1, 2, 2, 1)
    out = run_calculator("TensorsToSegmentationCalculator", {"TENSORS": [[logits]]},
                         options={"activation": "SIGMOID", "gpu_origin": "TOP_LEFT"})
    np.testing.assert_array_equal(out["MASK"][0].payload.data, _sigmoid(logits[0, :, :, 0]))
    two = np.stack([np.zeros((2, 2), F), np.log(np.full((2, 2), 3.0, F))], axis=-1)[None]
    soft = run_calculator("TensorsToSegmentationCalculator", {"TENSORS": [[two]], "OUTPUT_SIZE": [(4, 3)]},
                          options={"activation": "SOFTMAX"})
    mask = soft["MASK"][0].payload.data
    assert mask.shape == (3, 4)
    np.testing.assert_allclose(mask, 0.75, atol=1e-6)    # exp(ln 3) / (exp(0) + exp(ln 3))
