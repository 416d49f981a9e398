"""Image to tensor: the rotated-ROI warp and the letterbox, as MediaPipe 0.10.21's
ImageToTensorCalculator does them on the CPU (its OpenCV converter).

The ROI rectangle (centre, size and rotation in pixels) is mapped corner to corner onto the output
tensor: corners as OpenCV 4.11's ``boxPoints`` gives them in float32, ``getPerspectiveTransform``
and ``warpPerspective`` (bilinear, on uint8), then one multiply-add per value into the output range,
rounded once (OpenCV's ``convertTo``).
With ``keep_aspect_ratio`` the ROI is first enlarged to the tensor's aspect ratio and the padding
fractions ``[left, top, right, bottom]`` are returned, to undo the letterbox later.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from posegraph.calculators.formats import NormalizedRect
from posegraph.calculators.image.warp_affine import CV_BORDER, BorderMode, inverse_matrix, warp_affine
from posegraph.calculators.util.float_math import cosf, sinf

__all__ = ["RotatedRect", "BorderMode", "WarpScratch", "roi_in_pixels", "pad_roi", "value_range_transform",
           "roi_warp_matrix", "warp_roi_to_tensor", "letterbox_to_tensor", "subrect_to_rect_matrix",
           "warp_tensor_to_image"]

_F = np.float32


@dataclass(frozen=True)
class RotatedRect:
    """A rotated rectangle in pixels of an image (MediaPipe's RotatedRect): centre, size, rotation
    in radians (clockwise in the image). Values are float32-exact."""

    center_x: float
    center_y: float
    width: float
    height: float
    rotation: float


def roi_in_pixels(rect: NormalizedRect | None, image_size: tuple[int, int]) -> RotatedRect:
    """A normalized ROI in pixels of a ``(W, H)`` image (MediaPipe's GetRoi, float32); ``None``
    means the whole image."""
    w, h = _F(image_size[0]), _F(image_size[1])
    if rect is None:
        return RotatedRect(float(_F(0.5) * w), float(_F(0.5) * h), float(w), float(h), 0.0)
    return RotatedRect(float(_F(rect.x_center) * w), float(_F(rect.y_center) * h),
                       float(_F(rect.width) * w), float(_F(rect.height) * h),
                       float(_F(rect.rotation)))


def pad_roi(roi: RotatedRect, output_size: tuple[int, int],
            keep_aspect_ratio: bool) -> tuple[RotatedRect, np.ndarray]:
    """Enlarge a ROI to the tensor's aspect ratio (MediaPipe's PadRoi, float32).

    Args:
        roi: the ROI in pixels.
        output_size: the tensor's ``(width, height)``.
        keep_aspect_ratio: without it the ROI is returned unchanged with zero padding.

    Returns:
        The padded ROI and float32 (4,) padding ``[left, top, right, bottom]`` as fractions of the
        tensor.

    Raises:
        ValueError: if the ROI or the output size is not positive.
    """
    if not keep_aspect_ratio:
        return roi, np.zeros(4, _F)
    if output_size[0] <= 0 or output_size[1] <= 0:
        raise ValueError(f"pad_roi: output size must be positive, got {output_size}")
    if not (roi.width > 0 and roi.height > 0):
        raise ValueError(f"pad_roi: ROI width and height must be > 0, got {roi}")
    tensor_aspect = _F(output_size[1]) / _F(output_size[0])
    roi_aspect = _F(roi.height) / _F(roi.width)
    vertical = horizontal = _F(0.0)
    if tensor_aspect > roi_aspect:
        new_w, new_h = _F(roi.width), _F(roi.width) * tensor_aspect
        vertical = (_F(1.0) - roi_aspect / tensor_aspect) / _F(2.0)
    else:
        new_w, new_h = _F(roi.height) / tensor_aspect, _F(roi.height)
        horizontal = (_F(1.0) - tensor_aspect / roi_aspect) / _F(2.0)
    padded = RotatedRect(roi.center_x, roi.center_y, float(new_w), float(new_h), roi.rotation)
    return padded, np.array([horizontal, vertical, horizontal, vertical], _F)


def value_range_transform(range_min: float, range_max: float) -> tuple[np.float32, np.float32]:
    """``(scale, offset)`` mapping [0, 255] onto ``[range_min, range_max]``
    (MediaPipe's GetValueRangeTransformation, float32).

    Raises:
        ValueError: if ``range_min >= range_max``.
    """
    if not range_min < range_max:
        raise ValueError(f"value range must have min < max, got [{range_min}, {range_max}]")
    scale = (_F(range_max) - _F(range_min)) / _F(255.0)
    return scale, _F(range_min) - _F(0.0) * scale


def _box_corners(roi: RotatedRect) -> np.ndarray:
    """float32 (4, 2): the ROI's corners as MediaPipe's OpenCV converter gets them from
    ``cv::boxPoints`` (bottom-left, top-left, top-right, bottom-right for rotation 0), the angle in
    degrees computed as MediaPipe does (``rotation * 180.f / M_PI``).

    Computed here rather than by ``cv2.boxPoints``: OpenCV 4.11's ``RotatedRect::points``, which
    gives MediaPipe 0.10.21's tensors bit for bit (``tests/calculators/image/test_image_to_tensor.py``),
    takes the last two corners as ``2 * center - p0`` and ``2 * center - p1``; OpenCV 4.14 computes
    them otherwise, a float32 ulp apart at places, which moves tensor pixels by one level.
    """
    angle = _F(float(_F(roi.rotation) * _F(180.0)) / math.pi)
    radians = float(angle) * math.pi / 180.0
    b = _F(math.cos(radians)) * _F(0.5)
    a = _F(math.sin(radians)) * _F(0.5)
    cx, cy, w, h = _F(roi.center_x), _F(roi.center_y), _F(roi.width), _F(roi.height)
    x0, y0 = cx - a * h - b * w, cy + b * h - a * w
    x1, y1 = cx + a * h - b * w, cy - b * h - a * w
    two = _F(2.0)
    return np.array([[x0, y0], [x1, y1], [two * cx - x0, two * cy - y0], [two * cx - x1, two * cy - y1]], _F)


def roi_warp_matrix(roi: RotatedRect, output_size: tuple[int, int],
                    box: np.ndarray | None = None) -> np.ndarray:
    """The 3x3 float64 perspective matrix taking the ROI (pixels of the image, as :func:`pad_roi`
    returns it) onto a tensor of ``output_size`` = (width, height): its corners
    (:func:`_box_corners`, or ``box`` when the caller has them) onto the tensor's, as MediaPipe's
    OpenCV converter builds it for ``warpPerspective``."""
    out_w, out_h = int(output_size[0]), int(output_size[1])
    corners = np.array([[0, out_h], [0, 0], [out_w, 0], [out_w, out_h]], _F)
    return cv2.getPerspectiveTransform(_box_corners(roi) if box is None else box, corners)


#: The ROI's pixels are read in order before the warp when it is more than this many times the
#: tensor's size both ways (the warp then samples every second pixel or more sparsely) ...
_READ_FIRST_SCALE = 2.0
#: ... and turned so that each row of the tensor crosses more than this many rows of the image.
_READ_FIRST_ROWS = 16.0


def _reads_first(roi: RotatedRect, out_w: int, out_h: int) -> bool:
    """Whether the warp of ``roi`` (pixels) onto a tensor of ``out_w`` x ``out_h`` goes faster after
    :func:`_read_in_order`: a ROI much larger than the tensor, turned. An upright ROI's tensor rows
    walk along the image's rows, which the CPU's prefetcher follows by itself (there the read only
    costs: 0.1 to 0.2 ms on a 720x1280 frame); a turned one's walk across them."""
    return (roi.width > _READ_FIRST_SCALE * out_w and roi.height > _READ_FIRST_SCALE * out_h
            and abs(math.sin(roi.rotation)) * roi.width > _READ_FIRST_ROWS)


def _read_in_order(image: np.ndarray, box: np.ndarray) -> None:
    """Reads the image's pixels under the ROI (the bounding box of its corners ``box``, one pixel
    more each side for the bilinear neighbours, clipped to the image) once, row by row, so that
    the warp's scattered reads find them in the CPU's caches.

    Right after a landmark-model call the frame is out of the caches; warping a turned ROI much
    larger than the tensor, ``warpPerspective`` waits on memory at almost every sample, while a
    read in memory order is streamed by the CPU's prefetcher. It changes no pixel of the result. On
    the tracking graph's ROIs of the squat video (about 4 times the tensor) the warp then takes
    about 0.9 ms instead of 1.3 in most runs, the same or 0.15 ms more in runs where the 2-core
    VM's cache seems busy with other work; on a turned ROI 2.5 times the tensor 0.6 to 0.9 ms
    instead of 1.0 to 1.4 in one run, about the same in another; on a small or an upright one it
    costs 0.1 to 0.2 ms (``python -m benchmarks warp``): see :func:`_reads_first`.
    """
    height, width = image.shape[:2]
    x0, y0 = np.floor(box.min(axis=0)).astype(int) - 1
    x1, y1 = np.ceil(box.max(axis=0)).astype(int) + 2
    x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, width), min(y1, height)
    if x0 < x1 and y0 < y1:
        cv2.sumElems(image[y0:y1, x0:x1])


def subrect_to_rect_matrix(roi: RotatedRect, image_size: tuple[int, int]) -> np.ndarray:
    """The 4x4 float32 row-major matrix mapping a point of the ROI's crop, normalized to [0, 1] of
    the crop, to the same point normalized to the ``(W, H)`` image (MediaPipe's
    GetRotatedSubRectToRectTransformMatrix without flip: ImageToTensorCalculator's MATRIX output).

    ``x' = (a*c*(x - 0.5) - b*d*(y - 0.5) + e) / W``, ``y' = (a*d*(x - 0.5) + b*c*(y - 0.5) + f) / H``,
    ``z' = a*z / W``, with the ROI's size ``a, b``, centre ``e, f`` (pixels) and ``c, d`` the cosine
    and sine of its rotation; float32, in MediaPipe's order of operations.
    """
    a, b = _F(roi.width), _F(roi.height)
    c, d = cosf(roi.rotation), sinf(roi.rotation)  # std::cos, std::sin on a float
    e, f = _F(roi.center_x), _F(roi.center_y)
    g, h = _F(1.0) / _F(image_size[0]), _F(1.0) / _F(image_size[1])
    half = _F(0.5)
    return np.array([
        [a * c * g, -b * d * g, 0.0, (-half * a * c + half * b * d + e) * g],
        [a * d * h, b * c * h, 0.0, (-half * b * c - half * a * d + f) * h],
        [0.0, 0.0, a * g, 0.0],
        [0.0, 0.0, 0.0, 1.0],
    ], _F)


def warp_roi_to_tensor(image: np.ndarray, rect: NormalizedRect | None, *,
                       output_size: tuple[int, int] = (256, 256),
                       value_range: tuple[float, float] = (0.0, 1.0),
                       border_mode: BorderMode = "replicate",
                       keep_aspect_ratio: bool = True,
                       scratch: WarpScratch | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Crop a rotated ROI of an image into a float32 tensor (MediaPipe 0.10.21's
    ImageToTensorCalculator, OpenCV converter).

    OpenCV's ``warpPerspective`` runs on the whole frame, as MediaPipe runs it, after the pixels
    under a large, turned ROI have been read once in memory order (:func:`_read_in_order`: into the CPU's
    caches; the result is unchanged). (Warping a copy of the ROI's bounding box instead, with the
    copy's origin folded into the map, is not bit for bit: OpenCV rounds the shifted map's source
    coordinates to 1/32 pixel differently at rare pixels, and a tracking loop amplifies any
    difference; ``python -m benchmarks warp`` times the three.)

    Tensor pixel ``(u, v)`` samples image point ``c + R(rotation) @ ((u/W_t - 0.5) * w,
    (v/H_t - 0.5) * h)`` (corner to corner, no half-pixel shift), bilinear on uint8, then
    ``value * scale + offset``.

    Args:
        image: uint8 RGB (H, W, 3), RGBA (H, W, 4; alpha dropped) or gray (H, W).
        rect: the ROI normalized to the image; ``None`` for the whole image.
        output_size: tensor ``(width, height)``.
        value_range: the output range that [0, 255] maps onto.
        border_mode: ``"replicate"`` or ``"zero"`` (pixels outside the image).
        keep_aspect_ratio: enlarge the ROI to the tensor's aspect ratio instead of stretching.
        scratch: optional ``WarpScratch``, the warp's uint8 output buffer, reused by a caller
            that calls once a frame (not to be shared between threads).

    Returns:
        ``(tensor, padding)``: float32 (H_t, W_t, C) tensor, C = 3 (1 for gray input), and float32
        (4,) letterbox padding ``[left, top, right, bottom]`` as fractions of the tensor.

    Raises:
        ValueError: on a non-uint8 image, an unknown border mode, or an empty or NaN ROI.
    """
    image = np.asarray(image)
    if image.dtype != np.uint8 or image.ndim not in (2, 3):
        raise ValueError(f"warp_roi_to_tensor: expected a uint8 (H, W[, C]) image, got "
                         f"{image.dtype} {image.shape}")
    if border_mode not in CV_BORDER:
        raise ValueError(f"warp_roi_to_tensor: border_mode must be 'replicate' or 'zero', "
                         f"got {border_mode!r}")
    roi = roi_in_pixels(rect, (image.shape[1], image.shape[0]))
    values = (roi.center_x, roi.center_y, roi.width, roi.height, roi.rotation)
    if any(math.isnan(v) for v in values) or roi.width <= 0 or roi.height <= 0:
        raise ValueError(f"warp_roi_to_tensor: the ROI must have positive size and no NaN, got "
                         f"{rect}")
    roi, padding = pad_roi(roi, output_size, keep_aspect_ratio)
    out_w, out_h = int(output_size[0]), int(output_size[1])
    box = _box_corners(roi)
    matrix = roi_warp_matrix(roi, (out_w, out_h), box)
    if _reads_first(roi, out_w, out_h):
        _read_in_order(image, box)
    if scratch is None:
        scratch = WarpScratch()
    warped = cv2.warpPerspective(image, matrix, (out_w, out_h), dst=scratch.output((out_h, out_w) + image.shape[2:]),
                                 flags=cv2.INTER_LINEAR, borderMode=CV_BORDER[border_mode], borderValue=0)
    if warped.ndim == 3 and warped.shape[2] == 4:
        warped = warped[..., :3]
    scale, offset = value_range_transform(*value_range)
    # OpenCV's convertTo(CV_32F, scale, offset), as MediaPipe calls it: p * scale + offset rounded
    # once to float32. Without an offset one float32 multiply is that; with one, p * scale + offset
    # is exact in float64 (p has 8 bits, scale and offset 24), so rounding it once gives the same.
    if offset:
        tensor = np.multiply(warped, np.float64(scale))
        tensor += np.float64(offset)
        tensor = tensor.astype(_F)
    else:
        tensor = np.multiply(warped, scale, dtype=_F)
    if tensor.ndim == 2:
        tensor = tensor[..., None]
    return tensor, padding


class WarpScratch:
    """The warp's uint8 output buffer, reused by ``warp_roi_to_tensor`` from call to call: it grows
    to the largest size asked for and is handed out as a view of its front. Not to be shared
    between threads."""

    def __init__(self) -> None:
        self._output = np.empty(0, np.uint8)

    def output(self, shape: tuple[int, ...]) -> np.ndarray:
        """A uint8 array of ``shape`` (C-contiguous), contents undefined."""
        self._output = _grown(self._output, shape)
        return self._output[:math.prod(shape)].reshape(shape)


def _grown(buffer: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    size = math.prod(shape)
    return buffer if buffer.size >= size else np.empty(size, np.uint8)


def letterbox_to_tensor(image: np.ndarray, *, output_size: tuple[int, int] = (224, 224),
                        value_range: tuple[float, float] = (-1.0, 1.0)
                        ) -> tuple[np.ndarray, np.ndarray]:
    """The whole image letterboxed into a tensor, zero border (the BlazePose detector's input:
    224x224, [-1, 1], so the padding reads -1.0). See ``warp_roi_to_tensor`` for the returns."""
    return warp_roi_to_tensor(image, None, output_size=output_size, value_range=value_range,
                              border_mode="zero", keep_aspect_ratio=True)


def warp_tensor_to_image(tensor: np.ndarray, rect: NormalizedRect,
                         image_size: tuple[int, int], *,
                         keep_aspect_ratio: bool = True) -> np.ndarray:
    """Map a float tensor made from ``rect`` back onto the full image, zero outside the ROI, as
    MediaPipe 0.10.21's pose graph warps its segmentation mask back: ImageToTensorCalculator's
    MATRIX (:func:`subrect_to_rect_matrix` of the padded ROI), InverseMatrixCalculator, then
    WarpAffineCalculator with a zero border (``image.warp_affine``).

    Args:
        tensor: float32 (H_t, W_t) tensor, e.g. a mask probability.
        rect: the ROI the tensor was cropped from, normalized to the image.
        image_size: ``(W, H)`` of the image in pixels.
        keep_aspect_ratio: as given to ``warp_roi_to_tensor``.

    Returns:
        float32 (H, W) array: the tensor resampled bilinearly into image pixels.

    Raises:
        ValueError: if ``tensor`` is not 2-D or the ROI is empty.
    """
    tensor = np.asarray(tensor, _F)
    if tensor.ndim != 2:
        raise ValueError(f"warp_tensor_to_image: expected a (H, W) tensor, got shape {tensor.shape}")
    height_t, width_t = tensor.shape
    width, height = int(image_size[0]), int(image_size[1])
    roi, _ = pad_roi(roi_in_pixels(rect, (width, height)), (width_t, height_t), keep_aspect_ratio)
    inverse = inverse_matrix(subrect_to_rect_matrix(roi, (width, height)))
    return warp_affine(tensor, inverse, (width, height), border_mode="zero")
