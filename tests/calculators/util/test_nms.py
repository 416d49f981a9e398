import numpy as np
import pytest

from posegraph.calculators.util.nms import iou, weighted_nms


def test_iou():
    box = np.array([0.0, 0.0, 2.0, 2.0], np.float32)
    others = np.array([[1, 1, 2, 2], [2, 2, 1, 1], [0, 0, 2, 2], [5, 5, 1, 1]], np.float32)
    np.testing.assert_allclose(iou(box, others), [1 / 7, 0.0, 1.0, 0.0], rtol=1e-6)


def test_weighted_merge_of_overlapping_group():
    scores = np.array([0.6, 0.9, 0.8], np.float32)
    boxes = np.array([[0.0, 0.0, 1.0, 1.0],      # overlaps the best (IoU 0.68)
                      [0.1, 0.1, 1.0, 1.0],      # best
                      [3.0, 3.0, 1.0, 1.0]],     # separate
                     np.float32)
    keypoints = np.array([[[0.0, 0.0]], [[1.0, 2.0]], [[5.0, 5.0]]], np.float32)
    out = weighted_nms(scores, boxes, keypoints, iou_threshold=0.3)
    assert [d.score for d in out] == pytest.approx([0.9, 0.8])
    total = 0.9 + 0.6
    assert out[0].xmin == pytest.approx((0.1 * 0.9 + 0.0 * 0.6) / total, rel=1e-6)
    assert out[0].width == pytest.approx(1.0, rel=1e-6)
    np.testing.assert_allclose(out[0].keypoints, [[0.9 / total, 1.8 / total]], rtol=1e-6)
    np.testing.assert_allclose(out[1].keypoints, [[5.0, 5.0]])


def test_threshold_is_strict():
    # Two boxes with IoU exactly 1/3 apart from 0.3: above -> merged; a pair with IoU 0.3 stays.
    boxes = np.array([[0, 0, 1, 1], [0.5, 0, 1, 1]], np.float32)   # IoU = 0.5 / 1.5
    keypoints = np.zeros((2, 1, 2), np.float32)
    scores = np.array([0.9, 0.8], np.float32)
    assert len(weighted_nms(scores, boxes, keypoints, iou_threshold=0.3)) == 1
    assert len(weighted_nms(scores, boxes, keypoints, iou_threshold=float(iou(
        boxes[0], boxes[1:])[0]))) == 2


def test_empty_input():
    assert weighted_nms(np.zeros(0), np.zeros((0, 4)), np.zeros((0, 4, 2))) == []
