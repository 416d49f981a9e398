"""RenderData from landmarks, detections and rects, the render scale of a ROI, and recolouring by a
mask: MediaPipe's LandmarksToRenderDataCalculator, DetectionsToRenderDataCalculator,
RectToRenderDataCalculator, RectToRenderScaleCalculator and RecolorCalculator (CPU), with their
float32 arithmetic. Drawing the RenderData is ``util.annotation_renderer``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from posegraph.calculators.formats import (Color, Detection, NormalizedRect, RenderAnnotation, RenderData,
                                           RenderGradientLine, RenderLine, RenderPoint, RenderRectangle)

__all__ = ["LandmarkStyle", "landmarks_to_render_data", "detections_to_render_data", "rect_to_render_data",
           "rect_render_scale", "recolor"]

_F = np.float32
_FLT_MIN = float(np.finfo(_F).tiny)


@dataclass(frozen=True)
class LandmarkStyle:
    """How landmarks are drawn (MediaPipe's LandmarksToRenderDataCalculatorOptions, its defaults)."""

    landmark_color: Color = Color()
    connection_color: Color = Color()
    thickness: float = 1.0
    render_landmarks: bool = True
    visualize_landmark_depth: bool = True
    utilize_visibility: bool = False
    visibility_threshold: float = 0.0
    utilize_presence: bool = False
    presence_threshold: float = 0.0
    min_depth_circle_thickness: float = 0.0
    max_depth_circle_thickness: float = 18.0
    min_depth_line_color: Color = Color(0, 0, 0)
    max_depth_line_color: Color = Color(255, 255, 255)


def _remap(x: float, lo: float, hi: float, scale: float) -> float:
    """MediaPipe's Remap: ``(x - lo) / (hi - lo + 1e-6) * scale`` (the 1e-6 makes it double), as float."""
    return float(_F(float(_F(x) - _F(lo)) / (float(_F(hi) - _F(lo)) + 1e-6) * float(scale)))


def _mix(color1: Color, color2: Color, weight: float) -> Color:
    w = _F(weight)
    one_minus = _F(1.0) - w

    def channel(a: int, b: int) -> int:
        return int(_F(a) * w + _F(b) * one_minus)
    return Color(channel(color1.r, color2.r), channel(color1.g, color2.g), channel(color1.b, color2.b))


def landmarks_to_render_data(landmarks: np.ndarray, connections: Sequence[int], style: LandmarkStyle, *,
                             normalized: bool = True, render_scale: float | None = None) -> RenderData:
    """Lines for the connections and points for the landmarks (MediaPipe's
    LandmarksToRenderDataCalculator).

    Landmarks below the visibility (presence) threshold, when used, are skipped with their
    connections. The thickness is ``style.thickness * render_scale`` (float32). With depth
    visualisation (and a z spread > 1e-3) connections become gradient lines coloured by z and each
    point's colour and radius follow its z; z_max starts at FLT_MIN, as MediaPipe's.

    Args:
        landmarks: float32 (N, 5): x, y (normalized to the image, or pixels), z, visibility, presence.
        connections: flat pairs of landmark indices; pairs naming a landmark past the list are skipped.
        style: colours, thickness and thresholds.
        normalized: whether x, y are normalized (NORM_LANDMARKS) or pixels (LANDMARKS).
        render_scale: multiplies the thickness.

    Returns:
        The RenderData: connections first, then points.
    """
    points = np.asarray(landmarks, _F)
    n = points.shape[0]
    thickness = _F(style.thickness)
    if render_scale is not None:
        thickness = thickness * _F(render_scale)
    thickness = float(thickness)
    shown = np.ones(n, bool)
    if style.utilize_visibility:
        shown &= ~(points[:, 3] < _F(style.visibility_threshold))
    if style.utilize_presence:
        shown &= ~(points[:, 4] < _F(style.presence_threshold))
    depth = style.visualize_landmark_depth
    z_min = z_max = 0.0
    if depth and n:
        z_min = float(min(float(points[:, 2].min()), float(np.finfo(_F).max)))
        z_max = float(max(float(points[:, 2].max()), _FLT_MIN))
    depth = depth and (float(_F(z_max) - _F(z_min)) > 1e-3)
    out: list[RenderAnnotation] = []
    for a, b in zip(connections[0::2], connections[1::2]):
        if a >= n or b >= n or not (shown[a] and shown[b]):
            continue
        (x0, y0, z0), (x1, y1, z1) = points[a, :3].tolist(), points[b, :3].tolist()
        if depth:
            c0 = _mix(style.min_depth_line_color, style.max_depth_line_color, _remap(z0, z_min, z_max, 1.0))
            c1 = _mix(style.min_depth_line_color, style.max_depth_line_color, _remap(z1, z_min, z_max, 1.0))
            out.append(RenderAnnotation(RenderGradientLine(x0, y0, x1, y1, normalized, c0, c1), thickness))
        else:
            out.append(RenderAnnotation(RenderLine(x0, y0, x1, y1, normalized), thickness, style.connection_color))
    if style.render_landmarks:
        for i in np.flatnonzero(shown):
            x, y, z = points[i, :3].tolist()
            color, radius = style.landmark_color, thickness
            if depth:
                value = 255 - int(_remap(z, z_min, z_max, 255.0))
                color = Color(value, value, value)
                scale = _F(style.max_depth_circle_thickness) - _F(style.min_depth_circle_thickness)
                radius = float(int(_F(style.min_depth_circle_thickness)
                                   + (_F(1.0) - _F(_remap(z, z_min, z_max, 1.0))) * scale))
            out.append(RenderAnnotation(RenderPoint(x, y, normalized), radius, color, "KEYPOINT"))
    return RenderData(tuple(out))


def detections_to_render_data(detections: Sequence[Detection], *, color: Color, thickness: float,
                              scene_class: str = "DETECTION") -> RenderData:
    """Each detection's box (normalized) and keypoints (MediaPipe's DetectionsToRenderDataCalculator
    for RELATIVE_BOUNDING_BOX detections without labels, which posegraph's are)."""
    out: list[RenderAnnotation] = []
    for d in detections:
        out.append(RenderAnnotation(RenderRectangle(d.xmin, d.ymin, d.xmin + d.width, d.ymin + d.height, True),
                                    thickness, color, "LOCATION"))
        for x, y in np.asarray(d.keypoints, _F).reshape(-1, 2).tolist():
            out.append(RenderAnnotation(RenderPoint(x, y, True), thickness, color, "KEYPOINT"))
    return RenderData(tuple(out), scene_class)


def rect_to_render_data(rects: Sequence[NormalizedRect], *, color: Color, thickness: float,
                        filled: bool = False) -> RenderData:
    """Each rect as a (rotated) rectangle, normalized (MediaPipe's RectToRenderDataCalculator).
    An unrotated rect wholly left of or above the image, or right of or below it, gets an empty
    rectangle at the origin, which draws nothing, as MediaPipe's."""
    out: list[RenderAnnotation] = []
    for r in rects:
        w, h = _F(r.width), _F(r.height)
        xmin = float(_F(r.x_center) - w / _F(2.0))
        ymin = float(_F(r.y_center) - h / _F(2.0))
        rotation = float(_F(r.rotation))
        off = rotation == 0.0 and (xmin + float(w) < 0.0 or ymin + float(h) < 0.0 or xmin > 1.0 or ymin > 1.0)
        shape = (RenderRectangle(0.0, 0.0, 0.0, 0.0, False, 0.0, filled) if off
                 else RenderRectangle(xmin, ymin, xmin + float(w), ymin + float(h), True, rotation, filled))
        out.append(RenderAnnotation(shape, thickness, color))
    return RenderData(tuple(out))


def rect_render_scale(rect: NormalizedRect | None, image_size: tuple[int, int], multiplier: float) -> float:
    """``max(w_px, h_px) * multiplier`` in float32 (MediaPipe's RectToRenderScaleCalculator);
    ``multiplier`` itself without a rect."""
    if rect is None:
        return float(_F(multiplier))
    size = max(_F(rect.width) * _F(image_size[0]), _F(rect.height) * _F(image_size[1]))
    return float(size * _F(multiplier))


def recolor(image: np.ndarray, mask: np.ndarray, color: Color, *, invert_mask: bool = False,
            adjust_with_luminance: bool = True) -> np.ndarray:
    """Blend ``color`` into the image by the mask (MediaPipe's RecolorCalculator, CPU).

    The mask is resized bilinearly to the image; per pixel ``w`` = mask (or ``1 - mask``
    inverted; a uint8 mask is divided by 255), ``m = w * luminance`` (luminance
    ``(0.299 r + 0.587 g + 0.114 b) / 255`` or 1), ``out = round(pixel * (1 - m)) + round(color * m)``,
    saturated, as OpenCV's Vec3b arithmetic does.

    Args:
        image: uint8 RGB (H, W, 3).
        mask: float32 (h, w) in [0, 1], or uint8 (h, w).
        color: the colour to blend in.

    Returns:
        uint8 RGB (H, W, 3).

    Raises:
        ValueError: if the image is not uint8 RGB.
    """
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"recolor: expected a uint8 (H, W, 3) image, got {image.dtype} {image.shape}")
    height, width = image.shape[:2]
    m = np.asarray(mask)
    if m.shape[:2] != (height, width):
        m = cv2.resize(m, (width, height))
    weight = m.astype(_F) if m.dtype != np.uint8 else (m * (1.0 / 255.0)).astype(_F)
    if invert_mask:
        weight = _F(1.0) - weight
    pixels = image.astype(np.float64)
    if adjust_with_luminance:
        luminance = ((pixels[..., 0] * 0.299 + pixels[..., 1] * 0.587 + pixels[..., 2] * 0.114) / 255).astype(_F)
    else:
        luminance = np.ones((height, width), _F)
    mix = (weight * luminance).astype(np.float64)[..., None]
    recolor_rgb = np.array([color.r, color.g, color.b], np.float64)
    first = np.clip(np.rint(pixels * (1.0 - mix)), 0, 255)
    second = np.clip(np.rint(recolor_rgb * mix), 0, 255)
    return np.clip(first + second, 0, 255).astype(np.uint8)
