"""The generic landmark calculators against MediaPipe's C++ (numbers worked from its source;
float32, exact unless stated)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from posegraph import CalculatorError, GraphConfigError
from posegraph.calculators.formats import LandmarkList, NormalizedLandmarkList, NormalizedRect
from posegraph.calculators.image.image_to_tensor import RotatedRect, subrect_to_rect_matrix
from posegraph.testing import run_calculator

F = np.float32


def _lms(rows) -> NormalizedLandmarkList:
    return NormalizedLandmarkList(np.array(rows, F))


def test_thresholding_is_strictly_greater():
    out = run_calculator("ThresholdingCalculator", {"FLOAT": [0.25, 0.5, 0.75]}, options={"threshold": 0.5})
    assert [p.payload for p in out["FLAG"]] == [False, False, True]
    assert [p.timestamp for p in out["ACCEPT"]] == [2]
    assert [p.payload for p in out["REJECT"]] == [False, False]
    streamed = run_calculator("ThresholdingCalculator", {"FLOAT": [0.3, 0.3], "THRESHOLD": [0.2, 0.4]},
                              outputs=["FLAG"])
    assert [p.payload for p in streamed["FLAG"]] == [True, False]
    with pytest.raises((CalculatorError, GraphConfigError), match="one way"):
        run_calculator("ThresholdingCalculator", {"FLOAT": [0.1]}, side_packets={"THRESHOLD": 0.2},
                       options={"threshold": 0.5})


def test_refine_from_heatmap_calculator_caps_visibility_and_presence():
    heatmap = np.full((1, 4, 4, 1), -10.0, F)
    heatmap[0, 2, 3, 0] = 10.0                                  # the peak at row 2, col 3
    lms = _lms([[0.6, 0.6, 0.0, 0.9, 0.99]])                    # cell (2, 2)
    out = run_calculator("RefineLandmarksFromHeatmapCalculator", {"NORM_LANDMARKS": [lms], "TENSORS": [[heatmap]]},
                         options={"kernel_size": 3, "refine_visibility": True})
    data = out["NORM_LANDMARKS"][0].payload.data[0]
    conf_peak, conf_low = 1 / (1 + math.exp(-10)), 1 / (1 + math.exp(10))
    total = conf_peak + 8 * conf_low
    assert data[0] == pytest.approx((3 * conf_peak + conf_low * (1 + 2 + 3 + 1 + 2 + 1 + 2 + 3)) / 4 / total, abs=1e-6)
    assert data[3] == pytest.approx(0.9) and data[4] == pytest.approx(0.99)   # min(v, max conf ~ 1)


def test_letterbox_removal_and_projection_calculators():
    lms = _lms([[0.5, 0.25, 0.1, 0.9, 0.8]])
    out = run_calculator("LandmarkLetterboxRemovalCalculator",
                         {"LANDMARKS": [lms], "LETTERBOX_PADDING": [np.array([0.25, 0.0, 0.25, 0.0], F)]})
    np.testing.assert_allclose(out["LANDMARKS"][0].payload.data[0], [0.5, 0.25, 0.2, 0.9, 0.8])
    rect = NormalizedRect(0.4, 0.6, 0.5, 0.2, rotation=math.pi / 2)
    projected = run_calculator("LandmarkProjectionCalculator", {"NORM_LANDMARKS": [lms], "NORM_RECT": [rect]})
    np.testing.assert_allclose(projected["NORM_LANDMARKS"][0].payload.data[0], [0.525, 0.6, 0.05, 0.9, 0.8], atol=1e-6)
    ignored = run_calculator("LandmarkProjectionCalculator", {"NORM_LANDMARKS": [lms], "NORM_RECT": [rect]},
                             options={"ignore_rotation": True})
    np.testing.assert_allclose(ignored["NORM_LANDMARKS"][0].payload.data[0, :2], [0.4, 0.55], atol=1e-6)


def test_projection_by_matrix_and_image_dimensions_agree():
    lms = _lms([[0.2, 0.7, 0.3, 1.0, 1.0], [0.9, 0.1, -0.2, 1.0, 1.0]])
    rect = NormalizedRect(0.4, 0.6, 0.5, 0.3, rotation=0.3)
    size = (640, 480)
    by_dims = run_calculator("LandmarkProjectionCalculator",
                             {"NORM_LANDMARKS": [lms], "NORM_RECT": [rect], "IMAGE_DIMENSIONS": [size]})
    roi = RotatedRect(0.4 * 640, 0.6 * 480, 0.5 * 640, 0.3 * 480, 0.3)
    matrix = subrect_to_rect_matrix(roi, size)
    by_matrix = run_calculator("LandmarkProjectionCalculator", {"NORM_LANDMARKS": [lms], "PROJECTION_MATRIX": [matrix]})
    np.testing.assert_allclose(by_dims["NORM_LANDMARKS"][0].payload.data, by_matrix["NORM_LANDMARKS"][0].payload.data,
                               atol=1e-6)
    # MediaPipe's z scale: the length of the projected unit x segment, |(w cos a, w sin a * W / H)|.
    z_scale = math.hypot(0.5 * math.cos(0.3), 0.5 * math.sin(0.3) * 640 / 480)
    np.testing.assert_allclose(by_matrix["NORM_LANDMARKS"][0].payload.data[:, 2], [0.3 * z_scale, -0.2 * z_scale],
                               atol=1e-6)
    # Centre of the ROI maps to the rect's centre.
    centre = run_calculator("LandmarkProjectionCalculator",
                            {"NORM_LANDMARKS": [_lms([[0.5, 0.5, 0, 0, 0]])], "PROJECTION_MATRIX": [matrix]})
    np.testing.assert_allclose(centre["NORM_LANDMARKS"][0].payload.data[0, :2], [0.4, 0.6], atol=1e-6)


def test_world_projection_rotates_xy():
    world = LandmarkList(np.array([[1.0, 0.0, 0.3, 0.5, 0.6]], F))
    out = run_calculator("WorldLandmarkProjectionCalculator",
                         {"LANDMARKS": [world], "NORM_RECT": [NormalizedRect(0.5, 0.5, 1, 1, rotation=math.pi / 2)]})
    np.testing.assert_allclose(out["LANDMARKS"][0].payload.data[0], [0.0, 1.0, 0.3, 0.5, 0.6], atol=1e-6)


def test_landmarks_to_detection_box_keypoints_and_flt_min_quirk():
    out = run_calculator("LandmarksToDetectionCalculator",
                         {"NORM_LANDMARKS": [_lms([[0.2, 0.7, 0, 0, 0], [0.6, 0.1, 0, 0, 0], [0.4, 0.4, 0, 0, 0]])]},
                         options={"selected_landmark_indices": [0, 1]})
    d = out["DETECTION"][0].payload
    assert (d.xmin, d.ymin) == (pytest.approx(0.2), pytest.approx(0.1))
    assert (d.width, d.height) == (pytest.approx(0.4), pytest.approx(0.6))
    np.testing.assert_array_equal(d.keypoints, np.array([[0.2, 0.7], [0.6, 0.1]], F))
    negative = run_calculator("LandmarksToDetectionCalculator", {"NORM_LANDMARKS": [_lms([[-0.5, -0.25, 0, 0, 0]])]})
    d = negative["DETECTION"][0].payload
    # MediaPipe's maxima start at FLT_MIN, so the box ends at ~0, not at the landmark.
    assert d.width == pytest.approx(0.5) and d.height == pytest.approx(0.25)


def test_visibility_copy_from_normalized_to_world():
    norm = _lms([[0, 0, 0, 0.7, 0.8], [0, 0, 0, 0.1, 0.2]])
    world = LandmarkList(np.array([[1, 2, 3, 0, 0], [4, 5, 6, 0, 0], [7, 8, 9, 0, 0]], F))
    out = run_calculator("VisibilityCopyCalculator", {"NORM_LANDMARKS_FROM": [norm], "LANDMARKS_TO": [world]},
                         options={"copy_presence": False})
    data = out["LANDMARKS_TO"][0].payload.data
    np.testing.assert_array_equal(data, np.array([[1, 2, 3, 0.7, 0], [4, 5, 6, 0.1, 0]], F))   # as many as FROM
