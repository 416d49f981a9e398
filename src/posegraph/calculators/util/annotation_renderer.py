"""Drawing RenderData on an image with OpenCV, as MediaPipe's AnnotationRenderer does it on the
CPU (scale factor 1): points as filled circles of radius ``thickness``, lines with ``cv2.line``,
gradient lines as MediaPipe's 4-connected run of filled squares (the run's pixels from a
4-connected Bresenham walk, which may break ties differently from OpenCV's LineIterator), rectangles (rotated ones as four
lines); normalized coordinates become pixels by ``round(v * size)``, pixel ones by truncation.
Colours are RGB, drawn on an RGB image."""

from __future__ import annotations

import math
from collections.abc import Iterable

import cv2
import numpy as np

from posegraph.calculators.formats import (Color, RenderAnnotation, RenderData, RenderGradientLine, RenderLine,
                                           RenderPoint, RenderRectangle)

__all__ = ["render_on_image"]

_MAX_THICKNESS = 32767   # OpenCV's MAX_THICKNESS
_SPAN = 1 << 20          # pixel coordinates are clipped to +-2^20 to stay within OpenCV's ints


def _thickness(value: float) -> int:
    return int(min(max(round(value), 1), _MAX_THICKNESS))


def _pixel(x: float, y: float, normalized: bool, size: tuple[int, int]) -> tuple[int, int]:
    if normalized:
        px, py = round(x * size[0]), round(y * size[1])
    else:
        px, py = int(x), int(y)
    return int(min(max(px, -_SPAN), _SPAN)), int(min(max(py, -_SPAN), _SPAN))


def _rgb(color: Color) -> tuple[int, int, int]:
    return (int(color.r), int(color.g), int(color.b))


def _gradient_line(image: np.ndarray, start: tuple[int, int], end: tuple[int, int], color1: Color,
                   color2: Color, thickness: int) -> None:
    """MediaPipe's cv_line2: along the 4-connected line, a thickness x thickness square per pixel,
    its colour mixed from color1 to color2."""
    height, width = image.shape[:2]
    ok, p1, p2 = cv2.clipLine((0, 0, width, height), start, end)
    if not ok:
        return
    points = _line4(p1, p2)
    count = len(points)
    c1, c2 = np.array(_rgb(color1), np.float64), np.array(_rgb(color2), np.float64)
    for i, (x, y) in enumerate(points):
        alpha = i / count
        color = tuple(float(v) for v in c1 * (1.0 - alpha) + c2 * alpha)
        cv2.rectangle(image, (x, y), (x + thickness - 1, y + thickness - 1), color, -1, cv2.LINE_4)


def _line4(start: tuple[int, int], end: tuple[int, int]) -> list[tuple[int, int]]:
    """The pixels of a 4-connected Bresenham line (OpenCV's LineIterator with connectivity 4)."""
    x0, y0 = start
    x1, y1 = end
    dx, dy = abs(x1 - x0), abs(y1 - y0)
    sx, sy = (1 if x1 >= x0 else -1), (1 if y1 >= y0 else -1)
    points = [(x0, y0)]
    err = dx - dy
    x, y = x0, y0
    while (x, y) != (x1, y1):
        if 2 * err > -dy and (2 * err >= dx or dx >= dy) and x != x1:
            err -= dy
            x += sx
        else:
            err += dx
            y += sy
        points.append((x, y))
    return points


def _draw(image: np.ndarray, annotation: RenderAnnotation) -> None:
    size = (image.shape[1], image.shape[0])
    shape, color = annotation.shape, _rgb(annotation.color)
    thickness = _thickness(annotation.thickness)
    if isinstance(shape, RenderPoint):
        cv2.circle(image, _pixel(shape.x, shape.y, shape.normalized, size), thickness, color, -1)
    elif isinstance(shape, RenderGradientLine):
        _gradient_line(image, _pixel(shape.x_start, shape.y_start, shape.normalized, size),
                       _pixel(shape.x_end, shape.y_end, shape.normalized, size), shape.color1, shape.color2,
                       thickness)
    elif isinstance(shape, RenderLine):
        cv2.line(image, _pixel(shape.x_start, shape.y_start, shape.normalized, size),
                 _pixel(shape.x_end, shape.y_end, shape.normalized, size), color, thickness)
    elif isinstance(shape, RenderRectangle):
        left, top = _pixel(shape.left, shape.top, shape.normalized, size)
        right, bottom = _pixel(shape.right, shape.bottom, shape.normalized, size)
        if shape.rotation != 0.0:
            box = ((np.float32((left + right) / 2.0), np.float32((top + bottom) / 2.0)),
                   (float(right - left), float(bottom - top)), float(np.float32(shape.rotation / math.pi * 180.0)))
            vertices = cv2.boxPoints(box)
            if shape.filled:
                cv2.fillConvexPoly(image, np.rint(vertices).astype(np.int32), color)
            else:
                corners = [tuple(int(round(float(v))) for v in p) for p in vertices]
                for i in range(4):
                    cv2.line(image, corners[i], corners[(i + 1) % 4], color, thickness)
        elif (right - left) * (bottom - top) > 0:   # cv::rectangle(Mat, Rect) draws nothing for an empty Rect
            cv2.rectangle(image, (left, top), (right - 1, bottom - 1), color, -1 if shape.filled else thickness)
    else:
        raise TypeError(f"render_on_image: cannot draw {type(shape).__name__}")


def render_on_image(image: np.ndarray, render_data: Iterable[RenderData]) -> np.ndarray:
    """Draw each RenderData's annotations, in order, on a copy of ``image``.

    Args:
        image: uint8 RGB (H, W, 3); left unchanged.
        render_data: the RenderData to draw, first drawn first.

    Returns:
        The annotated uint8 (H, W, 3) copy.

    Raises:
        ValueError: if ``image`` is not uint8 (H, W, 3).
    """
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"render_on_image: expected a uint8 (H, W, 3) image, got {image.dtype} {image.shape}")
    out = np.ascontiguousarray(image).copy()
    for data in render_data:
        for annotation in data.render_annotations:
            _draw(out, annotation)
    return out
