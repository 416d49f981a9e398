"""VisibilitySmoothingCalculator and LandmarksSmoothingCalculator against MediaPipe's filters,
worked from its C++ (one-euro in double here; tolerance 1e-5 on normalized values)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from posegraph import CalculatorError, GraphConfigError
from posegraph.calculators.formats import LandmarkList, NormalizedLandmarkList, NormalizedRect
from posegraph.testing import run_calculator

F = np.float32


def _norm(rows) -> NormalizedLandmarkList:
    return NormalizedLandmarkList(np.array(rows, F))


def test_visibility_low_pass_and_no_filter():
    frames = {0: _norm([[0, 0, 0, 1.0, 1.0]]), 1: _norm([[0, 0, 0, 0.0, 1.0]])}
    out = run_calculator("VisibilitySmoothingCalculator", {"NORM_LANDMARKS": frames},
                         options={"low_pass_filter": {"alpha": 0.1}})
    assert [p.payload.data[0, 3] for p in out["NORM_FILTERED_LANDMARKS"]] == [1.0, pytest.approx(0.9)]
    passed = run_calculator("VisibilitySmoothingCalculator", {"NORM_LANDMARKS": frames}, options={"no_filter": {}})
    assert passed["NORM_FILTERED_LANDMARKS"][1].payload is frames[1]
    with pytest.raises((CalculatorError, GraphConfigError), match="exactly one"):
        run_calculator("VisibilitySmoothingCalculator", {"NORM_LANDMARKS": frames})


def _alpha(cutoff: float, frequency: float) -> float:
    return 1.0 / (1.0 + (1.0 / (2 * math.pi * cutoff)) * frequency)


def test_one_euro_on_normalized_landmarks_in_pixels():
    # Two landmarks, so the object scale (their extent) is not zero; 100x50 image; frames 0.1 s apart.
    first = _norm([[0.2, 0.2, 0, 1, 1], [0.6, 0.4, 0, 1, 1]])
    second = _norm([[0.3, 0.2, 0, 1, 1], [0.6, 0.4, 0, 1, 1]])
    options = {"one_euro_filter": {"min_cutoff": 0.05, "beta": 80.0, "derivate_cutoff": 1.0}}
    out = run_calculator("LandmarksSmoothingCalculator",
                         {"NORM_LANDMARKS": {0: first, 100_000: second}, "IMAGE_SIZE": {0: (100, 50), 100_000: (100, 50)}},
                         options=options)
    smoothed = [p.payload.data for p in out["NORM_FILTERED_LANDMARKS"]]
    np.testing.assert_array_equal(smoothed[0], first.data)                 # the first sample passes
    # Second sample: MediaPipe keeps 30 Hz after a first sample at t = 0. Pixels: x 20 -> 30.
    scale = ((60 - 30) + (20 - 10)) / 2                     # this sample's landmark extent in pixels
    dx = (30 - 20) / scale * 30.0
    edx = _alpha(1.0, 30.0) * dx
    a = _alpha(0.05 + 80.0 * abs(edx), 30.0)
    assert smoothed[1][0, 0] == pytest.approx((a * 30 + (1 - a) * 20) / 100, abs=1e-5)
    assert smoothed[1][1, 0] == pytest.approx(0.6, abs=1e-6)              # unmoved


def test_object_scale_roi_and_reset_on_a_frame_without_landmarks():
    lms = [_norm([[0.2, 0.2, 0, 1, 1]]), _norm([[0.3, 0.2, 0, 1, 1]]), _norm([[0.5, 0.2, 0, 1, 1]])]
    roi = NormalizedRect(0.5, 0.5, 0.4, 0.8)                               # (40 + 40) / 2 = 40 px
    inputs = {"NORM_LANDMARKS": {0: lms[0], 1000: lms[1], 3000: lms[2]},
              "IMAGE_SIZE": {t: (100, 50) for t in (0, 1000, 2000, 3000)},
              "OBJECT_SCALE_ROI": {0: roi, 1000: roi, 3000: roi}}
    out = run_calculator("LandmarksSmoothingCalculator", inputs,
                         options={"one_euro_filter": {"min_cutoff": 0.01, "beta": 10.0}})
    got = {p.timestamp: p.payload.data[0, 0] for p in out["NORM_FILTERED_LANDMARKS"]}
    dx = (30 - 20) / 40 * 30.0
    a = _alpha(0.01 + 10.0 * abs(_alpha(1.0, 30.0) * dx), 30.0)
    assert got[1000] == pytest.approx((a * 30 + (1 - a) * 20) / 100, abs=1e-5)
    assert got[3000] == pytest.approx(0.5, abs=1e-7)                      # reset at 2000: passes again


def test_world_landmarks_without_value_scaling():
    world = [LandmarkList(np.array([[0.0, 0, 0, 1, 1]], F)), LandmarkList(np.array([[0.1, 0, 0, 1, 1]], F))]
    out = run_calculator("LandmarksSmoothingCalculator", {"LANDMARKS": {0: world[0], 100_000: world[1]}},
                         options={"one_euro_filter": {"min_cutoff": 0.1, "beta": 40.0, "disable_value_scaling": True}})
    a = _alpha(0.1 + 40.0 * abs(_alpha(1.0, 30.0) * 0.1 * 30.0), 30.0)
    assert out["FILTERED_LANDMARKS"][1].payload.data[0, 0] == pytest.approx(a * 0.1, abs=1e-6)


def test_unimplemented_options_are_errors():
    lms = {"NORM_LANDMARKS": [_norm([[0, 0, 0, 1, 1]])], "IMAGE_SIZE": [(10, 10)]}
    with pytest.raises((CalculatorError, GraphConfigError), match="velocity_filter is not implemented"):
        run_calculator("LandmarksSmoothingCalculator", lms, options={"velocity_filter": {}})
    with pytest.raises((CalculatorError, GraphConfigError), match="EMPTY_LANDMARKS_POLICY_RESET is not implemented"):
        run_calculator("LandmarksSmoothingCalculator", lms, options={"empty_landmarks_policy": "EMPTY_LANDMARKS_POLICY_RESET"})
