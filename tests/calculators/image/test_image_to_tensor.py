import math

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
    assert tensor[0, 112, 0] == -1.0 and tensor[112, 112, 0] == 1.0
    assert tensor.min() == -1.0 and tensor.max() == 1.0


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


# --- the crop before the warp: MediaPipe's pixels, bit for bit ------------------------------------

def _border(name: str) -> int:
    return cv2.BORDER_REPLICATE if name == "replicate" else cv2.BORDER_CONSTANT


def forward_matrix(image: np.ndarray, rect: NormalizedRect, size: int, keep_aspect: bool = True) -> np.ndarray:
    """The perspective matrix from ``rect``'s padded ROI onto a square tensor of ``size``."""
    from posegraph.calculators.image.image_to_tensor import pad_roi, roi_in_pixels, roi_warp_matrix

    roi, _ = pad_roi(roi_in_pixels(rect, (image.shape[1], image.shape[0])), (size, size), keep_aspect)
    return roi_warp_matrix(roi, (size, size))


def whole_frame_tensor(image: np.ndarray, rect: NormalizedRect, size: int = 256, border: int = cv2.BORDER_REPLICATE,
                       keep_aspect: bool = True) -> np.ndarray:
    """MediaPipe's CPU warp: ``warpPerspective`` on the whole frame, then to [0, 1] float32."""
    warped = cv2.warpPerspective(image, forward_matrix(image, rect, size, keep_aspect), (size, size),
                                 flags=cv2.INTER_LINEAR, borderMode=border, borderValue=0)
    return np.multiply(warped, np.float32(1.0) / np.float32(255.0), dtype=np.float32)


def test_the_crop_gives_the_whole_frame_warps_pixels(shared_data):
    """Every frame of the squat video, random ROIs (rotated, partly or wholly outside the image,
    smaller and larger than the tensor), both border modes: warp_roi_to_tensor, which warps a copy
    of the ROI's bounding box, equals MediaPipe's warp of the whole frame bit for bit."""
    from posegraph.app.media import open_source
    from posegraph.calculators.image.image_to_tensor import WarpScratch, _crop_for_warp

    rng = np.random.default_rng(13)
    scratch = WarpScratch()
    compared = cropped = 0
    with open_source(str(shared_data / "media" / "pose_squats.mp4")) as source:
        for frame in source:
            for _ in range(6):
                rect = NormalizedRect(x_center=float(rng.uniform(-0.3, 1.3)), y_center=float(rng.uniform(-0.3, 1.3)),
                                      width=float(rng.uniform(0.05, 1.6)), height=float(rng.uniform(0.05, 1.6)),
                                      rotation=float(rng.uniform(-math.pi, math.pi)))
                source_image, _ = _crop_for_warp(frame.image, forward_matrix(frame.image, rect, 256), (256, 256), scratch)
                cropped += source_image is not frame.image
                for border in ("replicate", "zero"):
                    tensor, _ = warp_roi_to_tensor(frame.image, rect, border_mode=border, scratch=scratch)
                    np.testing.assert_array_equal(tensor, whole_frame_tensor(frame.image, rect, border=_border(border)))
                    compared += 1
    assert compared == 65 * 6 * 2
    assert cropped >= 0.5 * 65 * 6  # most ROIs take the crop; the rest cover or miss the whole frame


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_crop_gives_the_goldens_pixels(shared_data, name):
    roi, degrees, size, keep, border, _ = CASES[name]
    image = _rgb(shared_data / "mediapipe_goldens" / "image_to_tensor" / "input.jpg")
    rect = NormalizedRect(rotation=_rotation(degrees), **roi)
    tensor, _ = warp_roi_to_tensor(image, rect, output_size=(size, size), border_mode=border, keep_aspect_ratio=keep)
    np.testing.assert_array_equal(tensor, whole_frame_tensor(image, rect, size, _border(border), keep))


def test_scratch_buffers_give_the_same_tensor_and_are_not_returned():
    """RGB, gray and RGBA images, each large enough for the crop (checked), one WarpScratch reused
    across sizes and channel counts: the same tensor as MediaPipe's whole-frame warp, never a view
    of the scratch buffers."""
    from posegraph.calculators.image.image_to_tensor import WarpScratch, _crop_for_warp

    rng = np.random.default_rng(1)
    scratch = WarpScratch()
    rect = NormalizedRect(x_center=0.4, y_center=0.6, width=0.7, height=0.5, rotation=0.3)
    for shape, size in (((480, 360, 3), 64), ((300, 200, 3), 32), ((400, 300), 64), ((320, 280, 4), 48)):
        image = rng.integers(0, 256, shape, np.uint8)
        source, _ = _crop_for_warp(image, forward_matrix(image, rect, size), (size, size), WarpScratch())
        assert source is not image and source.shape[2:] == image.shape[2:]  # the crop path, channels kept
        reused, _ = warp_roi_to_tensor(image, rect, output_size=(size, size), scratch=scratch)
        expected = whole_frame_tensor(image, rect, size)
        np.testing.assert_array_equal(reused, expected[..., :3] if expected.ndim == 3 else expected[..., None])
        assert not np.shares_memory(reused, scratch.crop((1,))) and not np.shares_memory(reused, scratch.output((1,)))
