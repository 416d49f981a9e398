import math

import numpy as np
import pytest

from posegraph.calculators.formats import NormalizedRect
from posegraph.calculators.image.image_to_tensor import warp_roi_to_tensor
from posegraph.calculators.pose.landmark_decoding import (decode_landmarks,
                                                            decode_world_landmarks,
                                                            pose_landmarks_from_tensors,
                                                            project_landmarks,
                                                            refine_landmarks_from_heatmap,
                                                            remove_landmark_letterbox)


def test_decode_landmarks():
    raw = np.zeros((1, 195), np.float32)
    raw[0, :5] = [128.0, 64.0, -25.6, 0.0, 100.0]
    out = decode_landmarks(raw)
    assert out.shape == (39, 5) and out.dtype == np.float32
    np.testing.assert_allclose(out[0], [0.5, 0.25, -0.1, 0.5, 1.0])
    with pytest.raises(ValueError, match="195"):
        decode_landmarks(np.zeros(194, np.float32))


def _heatmap_with_blob(n, row, col, value=10.0):
    hm = np.full((1, 64, 64, n), -10.0, np.float32)
    hm[0, row, col, :] = value
    return hm


def test_refine_moves_to_weighted_cell_index():
    lms = np.zeros((2, 5), np.float32)
    lms[:, :2] = [[20.5 / 64, 30.5 / 64], [0.9, 0.9]]       # 2nd: blob outside its 9x9 window
    hm = _heatmap_with_blob(2, row=33, col=22)
    out = refine_landmarks_from_heatmap(lms, hm)
    # Window 9: the blob dominates; the result is its cell index / 64 (no half-cell shift).
    np.testing.assert_allclose(out[0, :2], [22 / 64, 33 / 64], atol=2e-4)
    np.testing.assert_array_equal(out[1], lms[1])            # max conf < 0.5: unchanged
    # Kernel 3 does not reach the blob two cells away.
    np.testing.assert_array_equal(refine_landmarks_from_heatmap(lms, hm, kernel_size=3)[0],
                                  lms[0])


def test_refine_truncation_and_bounds_check():
    hm = _heatmap_with_blob(3, row=63, col=0)
    lms = np.zeros((3, 5), np.float32)
    lms[0, :2] = [-0.01, 63.5 / 64]      # int(-0.64) == 0: inside, refined
    lms[1, :2] = [1.0, 63.5 / 64]        # col 64: outside, kept
    lms[2, :2] = [0.01, 66.0 / 64]       # row 66: past the grid, kept (MediaPipe >= 0.10.2 checks rows)
    out = refine_landmarks_from_heatmap(lms, hm)
    np.testing.assert_allclose(out[0, :2], [0.0, 63 / 64], atol=2e-4)
    np.testing.assert_array_equal(out[1], lms[1])
    np.testing.assert_array_equal(out[2], lms[2])


def _refine_as_mediapipe_loops(lms, hm, kernel_size):
    """RefineLandmarksFromHeatmap of MediaPipe 0.10.21, transcribed loop for loop in float32."""
    from posegraph.calculators.tensor.activations import sigmoid

    f32 = np.float32
    hm_h, hm_w, n = hm.shape
    out = lms.copy()
    conf_of = sigmoid(hm)
    for i in range(n):
        center_col, center_row = int(lms[i, 0] * f32(hm_w)), int(lms[i, 1] * f32(hm_h))
        if not (0 <= center_col < hm_w and 0 <= center_row < hm_h):
            continue
        offset = (kernel_size - 1) // 2
        total, weighted_col, weighted_row, max_conf = f32(0), f32(0), f32(0), f32(0)
        for row in range(max(0, center_row - offset), min(hm_h, center_row + offset + 1)):
            for col in range(max(0, center_col - offset), min(hm_w, center_col + offset + 1)):
                conf = conf_of[row, col, i]
                total = f32(total + conf)
                max_conf = max(max_conf, conf)
                weighted_col = f32(weighted_col + f32(col) * conf)
                weighted_row = f32(weighted_row + f32(row) * conf)
        if max_conf >= f32(0.5) and total > 0:
            out[i, 0] = weighted_col / f32(hm_w) / total
            out[i, 1] = weighted_row / f32(hm_h) / total
    return out


@pytest.mark.parametrize("kernel_size", [7, 9])
def test_refine_adds_in_mediapipes_loop_order(kernel_size):
    # Float32 sums depend on their order; the refinement must add as MediaPipe's loops do, to the
    # last bit (a tracking loop amplifies any difference). Windows inside, across and outside the grid.
    rng = np.random.default_rng(kernel_size)
    for _ in range(4):
        hm = rng.normal(rng.uniform(-4, 2), 3, (64, 64, 39)).astype(np.float32)
        lms = np.concatenate([rng.uniform(-0.1, 1.1, (39, 2)), rng.normal(0, 1, (39, 3))], 1).astype(np.float32)
        expected = _refine_as_mediapipe_loops(lms, hm, kernel_size)
        assert (expected[:, :2] != lms[:, :2]).any(axis=1).sum() > 20  # most landmarks refined
        np.testing.assert_array_equal(refine_landmarks_from_heatmap(lms, hm[None], kernel_size=kernel_size).view(np.uint32),
                                      expected.view(np.uint32))


def test_letterbox_removal_and_projection():
    lms = np.array([[0.5, 0.25, 0.1, 0.9, 0.8]], np.float32)
    np.testing.assert_allclose(remove_landmark_letterbox(lms, [0.25, 0.0, 0.25, 0.0])[0],
                               [0.5, 0.25, 0.2, 0.9, 0.8])
    rect = NormalizedRect(0.4, 0.6, 0.5, 0.2, rotation=math.pi / 2)
    out = project_landmarks(lms, rect)
    # (x-0.5, y-0.5) = (0, -0.25) rotated by 90 degrees -> (0.25, 0), scaled by (w, h).
    np.testing.assert_allclose(out[0], [0.4 + 0.25 * 0.5, 0.6, 0.05, 0.9, 0.8], atol=1e-6)


def test_world_landmarks_rotate_xy_only():
    raw = np.array([1.0, 0.0, 0.3], np.float32)
    out = decode_world_landmarks(raw, NormalizedRect(0.5, 0.5, 1, 1, rotation=math.pi / 2),
                                 np.array([[0.7, 0.6]], np.float32))
    np.testing.assert_allclose(out[0], [0.0, 1.0, 0.3, 0.7, 0.6], atol=1e-6)


def test_landmarks_on_pose_jpg_match_mediapipe(tflite_model, pose_still):
    run = tflite_model("pose_landmark_full.tflite")
    rgb, rect, frame = pose_still.rgb, pose_still.roi, pose_still.reference
    height, width = rgb.shape[:2]
    tensor, padding = warp_roi_to_tensor(rgb, rect, output_size=(256, 256),
                                         value_range=(0.0, 1.0), border_mode="replicate")
    outputs = {o.shape: o for o in run(tensor)}
    assert outputs[(1, 1)][0, 0] > 0.5
    body, aux, world = pose_landmarks_from_tensors(outputs[(1, 195)], outputs[(1, 64, 64, 39)],
                                                   outputs[(1, 117)], rect, padding)
    assert body.data.shape == (33, 5) and aux.data.shape == (2, 5)
    ref = np.array(frame["landmarks"])
    err = np.hypot((body.data[:, 0] - ref[:, 0]) * width, (body.data[:, 1] - ref[:, 1]) * height)
    # Parity target for stills: median 0.1 px, p99 1 px (measured 0.0002 / 0.005 px).
    assert np.median(err) <= 0.1 and np.percentile(err, 99) <= 1.0
    np.testing.assert_allclose(body.data[:, 3], ref[:, 3], atol=1e-3)
    # World landmarks in metres: measured within 3e-5.
    np.testing.assert_allclose(world.data[:, :3], np.array(frame["world"])[:, :3], atol=1e-3)
