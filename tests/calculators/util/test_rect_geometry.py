import math

import numpy as np
import pytest

from posegraph.calculators.formats import Detection, NormalizedRect
from posegraph.calculators.util.rect_geometry import (normalize_radians,
                                                      rect_from_alignment_points,
                                                      remove_detection_letterbox,
                                                      roi_from_alignment_points, transform_rect)

# MediaPipe's golden for pose.jpg (1000 x 667): detection keypoints 0 and 1 and the expanded rect.
POSE_KP0 = (0.49192297, 0.7013345)
POSE_KP1 = (0.48453212, 0.32265595)
POSE_ROI = [0.49192297, 0.7013345, 0.6317167, 0.9471016, -0.029253244]


def test_roi_from_golden_keypoints():
    roi = roi_from_alignment_points(POSE_KP0, POSE_KP1, (1000, 667))
    # Same math in float32: within 1e-6 of MediaPipe's numbers.
    np.testing.assert_allclose(roi.as_list(), POSE_ROI, atol=1e-6)


def test_upright_rect_and_rotation_sign():
    rect = rect_from_alignment_points((0.5, 0.5), (0.5, 0.25), (100, 200))
    assert rect.rotation == 0.0
    assert rect.width == pytest.approx(1.0) and rect.height == pytest.approx(0.5)
    # Scale point to the right of the centre: the person lies rotated by +90 degrees.
    rect = rect_from_alignment_points((0.5, 0.5), (0.75, 0.5), (100, 100))
    assert rect.rotation == pytest.approx(math.pi / 2)


def test_normalize_radians():
    assert normalize_radians(3 * math.pi / 2) == pytest.approx(-math.pi / 2)
    assert normalize_radians(-math.pi) == pytest.approx(-math.pi)
    assert normalize_radians(0.25) == pytest.approx(0.25)


def test_transform_rect_square_long_and_scale():
    rect = NormalizedRect(0.5, 0.5, 0.2, 0.5, rotation=0.0)
    out = transform_rect(rect, (200, 100))            # 40 x 50 px -> 50 x 50 px, x 1.25
    assert out.width == pytest.approx(62.5 / 200) and out.height == pytest.approx(62.5 / 100)
    shifted = transform_rect(NormalizedRect(0.5, 0.5, 0.2, 0.2, rotation=math.pi / 2),
                             (100, 100), scale_x=1.0, scale_y=1.0, shift_y=0.5,
                             square_long=False)
    assert shifted.x_center == pytest.approx(0.4) and shifted.y_center == pytest.approx(0.5)


def test_remove_detection_letterbox():
    det = Detection(score=0.9, xmin=0.25, ymin=0.3, width=0.5, height=0.2,
                    keypoints=np.array([[0.5, 0.5], [0.25, 0.125]], np.float32))
    out = remove_detection_letterbox(det, [0.0, 0.125, 0.0, 0.125])
    assert out.score == 0.9
    assert (out.xmin, out.width) == (0.25, 0.5)
    assert out.ymin == pytest.approx((0.3 - 0.125) / 0.75)
    assert out.height == pytest.approx(0.2 / 0.75)
    np.testing.assert_allclose(out.keypoints, [[0.5, 0.5], [0.25, 0.0]])
