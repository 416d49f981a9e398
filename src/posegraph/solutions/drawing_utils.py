"""MediaPipe's ``solutions.drawing_utils`` (0.10.21) for pose landmarks: the same OpenCV drawing.

:func:`draw_landmarks` draws what MediaPipe's draws, pixel for pixel given the same landmarks:
connections as ``cv2.line``, then each landmark as a white ``cv2.circle`` border and a filled one
in its colour. Colours are (B, G, R) as OpenCV expects for a BGR image (on an RGB image the
channels swap, as with MediaPipe).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

_PRESENCE_THRESHOLD = 0.5
_VISIBILITY_THRESHOLD = 0.5
_BGR_CHANNELS = 3

WHITE_COLOR = (224, 224, 224)
BLACK_COLOR = (0, 0, 0)
RED_COLOR = (0, 0, 255)
GREEN_COLOR = (0, 128, 0)
BLUE_COLOR = (255, 0, 0)


@dataclass
class DrawingSpec:
    """How to draw a landmark or a connection (MediaPipe's DrawingSpec).

    Attributes:
        color: (B, G, R), 0-255.
        thickness: line thickness in pixels (-1 fills a landmark's circle).
        circle_radius: landmark circle radius in pixels.
    """

    color: tuple[int, int, int] = WHITE_COLOR
    thickness: int = 2
    circle_radius: int = 2


def _normalized_to_pixel_coordinates(normalized_x: float, normalized_y: float, image_width: int,
                                     image_height: int) -> tuple[int, int] | None:
    """Pixel (column, row) of a normalized point, or ``None`` outside [0, 1] (MediaPipe's rule)."""

    def is_valid_normalized_value(value: float) -> bool:
        return (value > 0 or math.isclose(0, value)) and (value < 1 or math.isclose(1, value))

    if not (is_valid_normalized_value(normalized_x) and is_valid_normalized_value(normalized_y)):
        return None
    x_px = min(math.floor(normalized_x * image_width), image_width - 1)
    y_px = min(math.floor(normalized_y * image_height), image_height - 1)
    return x_px, y_px


def _hidden(landmark: Any) -> bool:
    return ((landmark.HasField("visibility") and landmark.visibility < _VISIBILITY_THRESHOLD)
            or (landmark.HasField("presence") and landmark.presence < _PRESENCE_THRESHOLD))


def _checked_connections(connections: Iterable[tuple[int, int]], num_landmarks: int) -> Iterable[tuple[int, int]]:
    for connection in connections:
        start_idx, end_idx = connection[0], connection[1]
        if not (0 <= start_idx < num_landmarks and 0 <= end_idx < num_landmarks):
            raise ValueError(f"Landmark index is out of range. Invalid connection "
                             f"from landmark #{start_idx} to landmark #{end_idx}.")
        yield connection


def draw_landmarks(image: np.ndarray, landmark_list: Any, connections: Iterable[tuple[int, int]] | None = None,
                   landmark_drawing_spec: DrawingSpec | Mapping[int, DrawingSpec] | None = DrawingSpec(color=RED_COLOR),
                   connection_drawing_spec: DrawingSpec | Mapping[tuple[int, int], DrawingSpec] = DrawingSpec(),
                   is_drawing_landmarks: bool = True) -> None:
    """Draws the landmarks and their connections on ``image``, in place (MediaPipe's draw_landmarks).

    A landmark is skipped, with its connections, when its visibility (or presence, when set) is
    below 0.5, or when it lies outside the image.

    Args:
        image: uint8 array (H, W, 3), BGR (the colours are BGR); drawn on in place.
        landmark_list: a ``NormalizedLandmarkList`` (``results.pose_landmarks``): x, y as fractions
            of the image's width and height; ``None`` draws nothing.
        connections: pairs of landmark indices to join (e.g. ``pose.POSE_CONNECTIONS``).
        landmark_drawing_spec: one :class:`DrawingSpec` for all landmarks, or one per landmark index
            (``drawing_styles.get_default_pose_landmarks_style()``); ``None`` draws no landmarks.
        connection_drawing_spec: one :class:`DrawingSpec` for all connections, or one per pair;
            ``None`` draws no connections.
        is_drawing_landmarks: ``False`` draws the connections only.

    Raises:
        ValueError: the image does not have three channels, or a connection names an index outside
            the landmark list.
    """
    if not landmark_list:
        return
    if image.shape[2] != _BGR_CHANNELS:
        raise ValueError("Input image must contain three channel bgr data.")
    image_rows, image_cols, _ = image.shape
    idx_to_coordinates = {}
    for idx, landmark in enumerate(landmark_list.landmark):
        if _hidden(landmark):
            continue
        landmark_px = _normalized_to_pixel_coordinates(landmark.x, landmark.y, image_cols, image_rows)
        if landmark_px:
            idx_to_coordinates[idx] = landmark_px
    if connections and connection_drawing_spec:
        for connection in _checked_connections(connections, len(landmark_list.landmark)):
            start_idx, end_idx = connection[0], connection[1]
            if start_idx in idx_to_coordinates and end_idx in idx_to_coordinates:
                spec = (connection_drawing_spec[connection] if isinstance(connection_drawing_spec, Mapping)
                        else connection_drawing_spec)
                cv2.line(image, idx_to_coordinates[start_idx], idx_to_coordinates[end_idx], spec.color, spec.thickness)
    # Landmarks after the connections, so that the dots lie on top.
    if is_drawing_landmarks and landmark_drawing_spec:
        for idx, landmark_px in idx_to_coordinates.items():
            spec = landmark_drawing_spec[idx] if isinstance(landmark_drawing_spec, Mapping) else landmark_drawing_spec
            circle_border_radius = max(spec.circle_radius + 1, int(spec.circle_radius * 1.2))
            cv2.circle(image, landmark_px, circle_border_radius, WHITE_COLOR, spec.thickness)
            cv2.circle(image, landmark_px, spec.circle_radius, spec.color, spec.thickness)


def _normalize_color(color: tuple[int, int, int]) -> tuple[float, ...]:
    return tuple(v / 255. for v in color)


def plot_landmarks(landmark_list: Any, connections: Iterable[tuple[int, int]] | None = None,
                   landmark_drawing_spec: DrawingSpec = DrawingSpec(color=RED_COLOR, thickness=5),
                   connection_drawing_spec: DrawingSpec = DrawingSpec(color=BLACK_COLOR, thickness=5),
                   elevation: int = 10, azimuth: int = 10) -> None:
    """Plots the landmarks and connections in a matplotlib 3-D figure and shows it (MediaPipe's
    plot_landmarks): axes (-z, x, -y) of each landmark, hidden ones skipped as in :func:`draw_landmarks`.

    Args:
        landmark_list: a ``LandmarkList`` (``results.pose_world_landmarks``, metres) or a
            ``NormalizedLandmarkList``; ``None`` plots nothing.
        connections, landmark_drawing_spec, connection_drawing_spec: as for :func:`draw_landmarks`.
        elevation, azimuth: the view angles, degrees.

    Raises:
        ImportError: matplotlib is not installed (posegraph does not depend on it).
        ValueError: a connection names an index outside the landmark list.
    """
    if not landmark_list:
        return
    try:
        import matplotlib.pyplot as plt
    except ImportError as e:
        raise ImportError("plot_landmarks needs matplotlib, which posegraph does not install: "
                          "pip install matplotlib") from e
    plt.figure(figsize=(10, 10))
    ax = plt.axes(projection="3d")
    ax.view_init(elev=elevation, azim=azimuth)
    plotted_landmarks = {}
    for idx, landmark in enumerate(landmark_list.landmark):
        if _hidden(landmark):
            continue
        ax.scatter3D(xs=[-landmark.z], ys=[landmark.x], zs=[-landmark.y],
                     color=_normalize_color(landmark_drawing_spec.color[::-1]),
                     linewidth=landmark_drawing_spec.thickness)
        plotted_landmarks[idx] = (-landmark.z, landmark.x, -landmark.y)
    for start_idx, end_idx in _checked_connections(connections or (), len(landmark_list.landmark)):
        if start_idx in plotted_landmarks and end_idx in plotted_landmarks:
            start, end = plotted_landmarks[start_idx], plotted_landmarks[end_idx]
            ax.plot3D(xs=[start[0], end[0]], ys=[start[1], end[1]], zs=[start[2], end[2]],
                      color=_normalize_color(connection_drawing_spec.color[::-1]),
                      linewidth=connection_drawing_spec.thickness)
    plt.show()
