import math
from pathlib import Path

import cv2
import numpy as np
import pytest

from posegraph.calculators.formats import NormalizedRect
from posegraph.calculators.image.image_to_tensor import (RotatedRect, letterbox_to_tensor,
                                                         subrect_to_rect_matrix, warp_roi_to_tensor,
                                                         warp_tensor_to_image)


def _rotation(degrees: float) -> float:
    # As MediaPipe's test computes it: M_PI * deg / 180 in float.
    return float(np.float32(math.pi * np.float32(degrees) / np.float32(180.0)))


MEDIUM = dict(x_center=0.65, y_center=0.4, width=0.5, height=0.5)
LARGE = dict(x_center=0.5, y_center=0.5, width=1.5, height=1.1)

# name: (roi, rotation degrees, tensor size, keep aspect, border, value range), the parameters of
# MediaPipe's image_to_tensor_calculator_test for each golden.
CASES = {
    "medium_sub_rect_keep_aspect": (MEDIUM, 0, 256, True, "replicate", (0.0, 1.0)),
    "medium_sub_rect_keep_aspect_border_zero": (MEDIUM, 0, 256, True, "zero", (0.0, 1.0)),
    "medium_sub_rect_keep_aspect_with_rotation": (MEDIUM, 90, 256, True, "replicate", (0.0, 1.0)),
    "medium_sub_rect_keep_aspect_with_rotation_border_zero":
        (MEDIUM, 90, 256, True, "zero", (0.0, 1.0)),
    "medium_sub_rect_with_rotation": (MEDIUM, -45, 256, False, "replicate", (-1.0, 1.0)),
    "medium_sub_rect_with_rotation_border_zero": (MEDIUM, -45, 256, False, "zero", (-1.0, 1.0)),
    "large_sub_rect": (LARGE, 0, 128, False, "replicate", (0.0, 1.0)),
    "large_sub_rect_border_zero": (LARGE, 0, 128, False, "zero", (0.0, 1.0)),
    "large_sub_rect_keep_aspect": (LARGE, 0, 128, True, "replicate", (0.0, 1.0)),
    "large_sub_rect_keep_aspect_border_zero": (LARGE, 0, 128, True, "zero", (0.0, 1.0)),
}


def _rgb(path) -> np.ndarray:
    return cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB)


def _to_uint8(tensor: np.ndarray, value_range: tuple[float, float]) -> np.ndarray:
    lo, hi = value_range
    return np.clip(np.rint((tensor - lo) * (255.0 / (hi - lo))), 0, 255)


@pytest.mark.parametrize("name", sorted(CASES))
def test_warp_matches_mediapipe_golden(shared_data, name):
    folder = shared_data / "mediapipe_goldens" / "image_to_tensor"
    roi, degrees, size, keep_aspect, border, value_range = CASES[name]
    rect = NormalizedRect(rotation=_rotation(degrees), **roi)
    tensor, _ = warp_roi_to_tensor(_rgb(folder / "input.jpg"), rect, output_size=(size, size),
                                   value_range=value_range, border_mode=border,
                                   keep_aspect_ratio=keep_aspect)
    assert tensor.dtype == np.float32 and tensor.shape == (size, size, 3)
    diff = np.abs(_to_uint8(tensor, value_range) - _rgb(folder / f"{name}.png"))
    # MediaPipe's own test allows a max abs difference of 5 (of 255).
    assert diff.max() <= 5


def test_noop_except_range(shared_data):
    folder = shared_data / "mediapipe_goldens" / "image_to_tensor"
    tensor, padding = warp_roi_to_tensor(_rgb(folder / "input.jpg"),
                                         NormalizedRect(0.5, 0.5, 1.0, 1.0), output_size=(64, 128))
    np.testing.assert_array_equal(padding, 0)
    assert np.abs(_to_uint8(tensor, (0, 1)) - _rgb(folder / "noop_except_range.png")).max() <= 5


def test_letterbox_padding_and_range():
    image = np.full((100, 200, 3), 255, np.uint8)
    tensor, padding = letterbox_to_tensor(image, output_size=(224, 224))
    np.testing.assert_allclose(padding, [0.0, 0.25, 0.0, 0.25])
    # 255 * (2 / 255 in float32) - 1, rounded once as OpenCV's convertTo rounds it in MediaPipe: one
    # ulp above 1 (MediaPipe's own detector tensor on a frame with white pixels holds this value).
    white = np.float32(255 * np.float64(np.float32(2.0) / np.float32(255.0)) - 1.0)
    assert white == np.nextafter(np.float32(1.0), np.float32(2.0))
    assert tensor[0, 112, 0] == -1.0 and tensor[112, 112, 0] == white
    assert tensor.min() == -1.0 and tensor.max() == white


def test_rgba_and_gray_inputs():
    rgba = np.zeros((32, 32, 4), np.uint8)
    assert warp_roi_to_tensor(rgba, None, output_size=(8, 8))[0].shape == (8, 8, 3)
    gray = np.zeros((32, 32), np.uint8)
    assert warp_roi_to_tensor(gray, None, output_size=(8, 8))[0].shape == (8, 8, 1)


def test_rejects_bad_input():
    with pytest.raises(ValueError, match="uint8"):
        warp_roi_to_tensor(np.zeros((4, 4, 3), np.float32), None)
    with pytest.raises(ValueError, match="positive size"):
        warp_roi_to_tensor(np.zeros((4, 4, 3), np.uint8), NormalizedRect(0.5, 0.5, 0.0, 1.0))
    with pytest.raises(ValueError, match="border_mode"):
        warp_roi_to_tensor(np.zeros((4, 4, 3), np.uint8), None, border_mode="wrap")


def test_inverse_warp_round_trip():
    # A ramp warped into a rotated ROI and back lands on itself inside the ROI (bilinear twice:
    # within 1 grey level of 255 on a smooth ramp).
    w, h = 320, 240
    ramp = np.tile(np.linspace(0, 255, w, dtype=np.float32), (h, 1))
    image = np.repeat(ramp[..., None], 3, axis=2).astype(np.uint8)
    rect = NormalizedRect(0.5, 0.5, 0.4, 0.5, rotation=0.3)
    tensor, _ = warp_roi_to_tensor(image, rect, output_size=(128, 128))
    back = warp_tensor_to_image(tensor[..., 0], rect, (w, h))
    centre = back[100:140, 140:180] * 255.0
    assert np.abs(centre - image[100:140, 140:180, 0]).max() <= 1.0
    assert back[0, 0] == 0.0


def test_subrect_matrix_maps_the_crop_onto_the_rotated_roi():
    # A 200x100 px ROI centred at (300, 120) of a 640x480 image, turned 90 degrees clockwise: the
    # crop's centre lands on the ROI's centre, its top-left corner at (300 + 50, 120 - 100).
    roi = RotatedRect(300.0, 120.0, 200.0, 100.0, math.pi / 2)
    matrix = subrect_to_rect_matrix(roi, (640, 480))
    assert matrix.dtype == np.float32 and matrix.shape == (4, 4)
    centre = matrix @ np.array([0.5, 0.5, 0.0, 1.0], np.float32)
    corner = matrix @ np.array([0.0, 0.0, 0.0, 1.0], np.float32)
    np.testing.assert_allclose(centre[:2] * (640, 480), (300.0, 120.0), atol=1e-3)
    np.testing.assert_allclose(corner[:2] * (640, 480), (350.0, 20.0), atol=1e-3)
    assert matrix[2, 2] == np.float32(200.0) / np.float32(640.0)  # z on the x scale


def test_warp_tensor_to_image_wants_a_2d_tensor():
    with pytest.raises(ValueError, match=r"expected a \(H, W\) tensor, got shape \(4, 4, 3\)"):
        warp_tensor_to_image(np.zeros((4, 4, 3), np.float32), NormalizedRect(0.5, 0.5, 0.5, 0.5), (8, 8))


# --- MediaPipe's own tensors, bit for bit -----------------------------------------------------------

MEDIAPIPE_TENSORS = Path(__file__).parents[2] / "e2e" / "data" / "mediapipe" / "image_to_tensor.npz"


def test_warp_gives_mediapipes_own_tensors_bit_for_bit(shared_data):
    """40 random ROIs (rotated, partly or wholly outside the frame, both border modes, with and
    without keep_aspect_ratio, ranges [0, 1] and [-1, 1]) on squat frames, against MediaPipe
    0.10.21's ImageToTensorCalculator (``tests/e2e/make_tensor_references.py``). Exact, whatever
    OpenCV is installed: OpenCV 4.14 computes ``boxPoints``' last two corners otherwise than the
    OpenCV MediaPipe runs, and with ``cv2.boxPoints`` from OpenCV 4.14 this test fails."""
    from posegraph.app.parity import decode_frames

    reference = np.load(MEDIAPIPE_TENSORS)
    frames = decode_frames(str(shared_data / "media" / "pose_squats.mp4"))
    signed = iter(reference["signed_tensors"])
    for k, (index, roi) in enumerate(zip(reference["frames"], reference["rois"])):
        rect = NormalizedRect(*(float(v) for v in roi))
        value_range = (-1.0, 1.0) if reference["signed"][k] else (0.0, 1.0)
        tensor, _ = warp_roi_to_tensor(frames[int(index)][1], rect, output_size=(64, 64), value_range=value_range,
                                       border_mode="zero" if reference["zero_border"][k] else "replicate",
                                       keep_aspect_ratio=bool(reference["keep"][k]))
        if reference["signed"][k]:
            np.testing.assert_array_equal(tensor, next(signed), err_msg=f"case {k}")
        else:
            expected = np.multiply(reference["levels"][k], np.float32(1.0) / np.float32(255.0), dtype=np.float32)
            np.testing.assert_array_equal(tensor, expected, err_msg=f"case {k}")


def test_the_output_buffer_is_reused_but_never_returned():
    """RGB, gray and RGBA images, one WarpScratch reused across sizes and channel counts: the same
    tensor as without it, never a view of its buffer."""
    from posegraph.calculators.image.image_to_tensor import WarpScratch

    rng = np.random.default_rng(1)
    scratch = WarpScratch()
    rect = NormalizedRect(x_center=0.4, y_center=0.6, width=0.7, height=0.5, rotation=0.3)
    for shape, size in (((480, 360, 3), 64), ((300, 200, 3), 32), ((400, 300), 64), ((320, 280, 4), 48)):
        image = rng.integers(0, 256, shape, np.uint8)
        reused, _ = warp_roi_to_tensor(image, rect, output_size=(size, size), scratch=scratch)
        fresh, _ = warp_roi_to_tensor(image, rect, output_size=(size, size))
        np.testing.assert_array_equal(reused, fresh)
        assert reused.shape[2] == (1 if len(shape) == 2 else 3)
        assert not np.shares_memory(reused, scratch.output((1,)))


def test_reading_first_is_for_large_turned_rois_and_changes_no_pixel(monkeypatch):
    """The pixels under a large, turned ROI are read in order before the warp (into the CPU's
    caches); the tensor is the one the plain warp gives, for ROIs inside, across and wholly outside
    the image, RGB, gray and RGBA."""
    from posegraph.calculators.image import image_to_tensor

    reads_first = image_to_tensor._reads_first
    assert reads_first(RotatedRect(360, 640, 1016, 1016, 0.1), 256, 256)
    assert reads_first(RotatedRect(360, 640, 1016, 1016, -math.pi / 2), 256, 256)
    assert not reads_first(RotatedRect(360, 640, 1016, 1016, 0.0), 256, 256)  # upright: rows in order
    assert not reads_first(RotatedRect(360, 640, 1016, 1016, math.pi), 256, 256)
    assert reads_first(RotatedRect(360, 640, 648, 648, 0.5), 256, 256)
    assert not reads_first(RotatedRect(360, 640, 500, 500, 0.5), 256, 256)  # not twice the tensor

    rng = np.random.default_rng(7)
    cases = []
    for shape in ((1280, 720, 3), (480, 640), (600, 800, 4)):
        image = rng.integers(0, 256, shape, np.uint8)
        for _ in range(12):
            rect = NormalizedRect(x_center=float(rng.uniform(-0.5, 1.5)), y_center=float(rng.uniform(-0.5, 1.5)),
                                  width=float(rng.uniform(0.8, 2.0)), height=float(rng.uniform(0.8, 2.0)),
                                  rotation=float(rng.uniform(-math.pi, math.pi)))
            cases.append((image, rect))
    calls = []
    monkeypatch.setattr(image_to_tensor, "_read_in_order",
                        lambda image, box, read=image_to_tensor._read_in_order: calls.append(read(image, box)))
    with_read = [warp_roi_to_tensor(image, rect, output_size=(64, 64))[0] for image, rect in cases]
    read = len(calls)
    monkeypatch.setattr(image_to_tensor, "_reads_first", lambda *_: False)
    for (image, rect), tensor in zip(cases, with_read):
        np.testing.assert_array_equal(tensor, warp_roi_to_tensor(image, rect, output_size=(64, 64))[0])
    assert read >= len(cases) // 2, f"only {read} of {len(cases)} ROIs were read first"
