"""ROI geometry of the BlazePose pipeline: letterbox removal, the rotated ROI from two alignment
points, and the ROI enlargement, each as the MediaPipe calculator of the same job computes it
(in float32, the C++ code's precision).

Images are ``W x H`` pixels; rects are :class:`NormalizedRect` (fractions of W and H, rotation in
radians, clockwise in the image).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from posegraph.calculators.formats import Detection, NormalizedRect
from posegraph.calculators.util.float_math import atan2f, cosf, sinf

__all__ = ["normalize_radians", "remove_detection_letterbox", "rect_from_alignment_points",
           "transform_rect", "roi_from_alignment_points"]

_F = np.float32


def normalize_radians(angle: float) -> float:
    """Wrap an angle into [-pi, pi) (MediaPipe's NormalizeRadius, double arithmetic, float result)."""
    return float(_F(angle - 2 * math.pi * math.floor((angle + math.pi) / (2 * math.pi))))


def remove_detection_letterbox(detection: Detection, padding: Sequence[float]) -> Detection:
    """Map a detection from the letterboxed tensor back to the original image
    (MediaPipe's DetectionLetterboxRemovalCalculator).

    ``x' = (x - left) / (1 - left - right)``, ``y' = (y - top) / (1 - top - bottom)``; widths and
    heights are divided likewise. Float32 arithmetic.

    Args:
        detection: box and keypoints normalized to the letterboxed tensor.
        padding: ``[left, top, right, bottom]`` fractions of the tensor that are padding.

    Returns:
        A new detection normalized to the original image; the score is unchanged.
    """
    left, top, right, bottom = (_F(p) for p in padding)
    sx = _F(1.0) - (left + right)
    sy = _F(1.0) - (top + bottom)
    kp = np.asarray(detection.keypoints, _F)
    new_kp = np.stack([(kp[:, 0] - left) / sx, (kp[:, 1] - top) / sy], axis=1).astype(_F)
    return Detection(score=detection.score,
                     xmin=float((_F(detection.xmin) - left) / sx),
                     ymin=float((_F(detection.ymin) - top) / sy),
                     width=float(_F(detection.width) / sx),
                     height=float(_F(detection.height) / sy),
                     keypoints=new_kp)


def rect_from_alignment_points(start: Sequence[float], end: Sequence[float],
                               image_size: tuple[int, int], *,
                               target_angle_degrees: float = 90.0) -> NormalizedRect:
    """The rotated ROI defined by a centre point and a scale/rotation point
    (MediaPipe's AlignmentPointsRectsCalculator and DetectionsToRectsCalculator's rotation).

    Centre = ``start``; side = ``2 * |end - start|`` in pixels, so the rect is square in pixels;
    rotation = ``normalize(target - atan2(-(y1 - y0) * H, (x1 - x0) * W))`` (0 when ``end`` is
    straight above ``start`` for the default 90 degrees).

    Args:
        start, end: ``(x, y)`` normalized to the image (detection keypoints 0 and 1, or pose
            landmarks 33 and 34).
        image_size: ``(W, H)`` in pixels.
        target_angle_degrees: the direction of ``start -> end`` that means "no rotation".

    Returns:
        The (unscaled) ROI, normalized to the image.
    """
    w, h = _F(image_size[0]), _F(image_size[1])
    x0, y0 = _F(start[0]) * w, _F(start[1]) * h
    x1, y1 = _F(end[0]) * w, _F(end[1]) * h
    dx, dy = x1 - x0, y1 - y0
    box = _F(float(np.sqrt(dx * dx + dy * dy)) * 2.0)
    target = _F(math.pi * float(_F(target_angle_degrees)) / float(_F(180.0)))
    rotation = _F(target - atan2f(-dy, dx))  # std::atan2 on floats: atan2f
    return NormalizedRect(x_center=float(x0 / w), y_center=float(y0 / h),
                          width=float(box / w), height=float(box / h),
                          rotation=normalize_radians(float(rotation)))


def transform_rect(rect: NormalizedRect, image_size: tuple[int, int], *, scale_x: float = 1.25,
                   scale_y: float = 1.25, shift_x: float = 0.0, shift_y: float = 0.0,
                   square_long: bool = True) -> NormalizedRect:
    """Shift, square and scale a ROI (MediaPipe's RectTransformationCalculator on a NormalizedRect).

    The shift is along the rect's own rotated axes, in units of its size. With ``square_long`` the
    rect becomes a square in pixels with the long side of the original; then width and height are
    multiplied by ``scale_x`` and ``scale_y``. Float32 arithmetic.

    Args:
        rect: the ROI, normalized to the image.
        image_size: ``(W, H)`` in pixels.

    Returns:
        The transformed ROI, normalized to the image; the rotation and ``rect_id`` are unchanged.
    """
    iw, ih = _F(image_size[0]), _F(image_size[1])
    width, height, rotation = _F(rect.width), _F(rect.height), _F(rect.rotation)
    sx, sy = _F(shift_x), _F(shift_y)
    xc, yc = _F(rect.x_center), _F(rect.y_center)
    if rotation == 0:
        xc, yc = xc + width * sx, yc + height * sy
    else:
        c, s = cosf(rotation), sinf(rotation)
        xc = xc + (iw * width * sx * c - ih * height * sy * s) / iw
        yc = yc + (iw * width * sx * s + ih * height * sy * c) / ih
    if square_long:
        long_side = max(width * iw, height * ih)
        width, height = long_side / iw, long_side / ih
    return NormalizedRect(x_center=float(xc), y_center=float(yc),
                          width=float(width * _F(scale_x)), height=float(height * _F(scale_y)),
                          rotation=float(rotation), rect_id=rect.rect_id)


def roi_from_alignment_points(start: Sequence[float], end: Sequence[float],
                              image_size: tuple[int, int], *, scale: float = 1.25) -> NormalizedRect:
    """The landmark model's ROI from two alignment points: ``rect_from_alignment_points`` then
    ``transform_rect`` (square on the long side, times ``scale``), as MediaPipe's
    pose_detection_to_roi and pose_landmarks_to_roi graphs do.

    Args:
        start, end: ``(x, y)`` normalized to the image: detection keypoints 0 and 1, or the
            auxiliary landmarks 33 and 34.
        image_size: ``(W, H)`` in pixels.
        scale: enlargement of the square's side.

    Returns:
        The ROI, normalized to the image.
    """
    rect = rect_from_alignment_points(start, end, image_size)
    return transform_rect(rect, image_size, scale_x=scale, scale_y=scale)
