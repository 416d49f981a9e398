"""The packet payloads of the pose pipeline, named as MediaPipe names its protos.

Landmark lists are numpy arrays rather than one object per landmark, so that the per-frame math
stays vectorised; the dataclasses are frozen because a packet's payload is immutable.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class NormalizedRect:
    """A rotated rectangle in normalized image coordinates (MediaPipe's NormalizedRect).

    ``x_center``/``y_center`` are fractions of the image width/height, ``width``/``height`` fractions
    of the image width/height, ``rotation`` radians clockwise in the image (an upright person is 0).
    ``rect_id`` names what the rect follows across frames (MediaPipe's ``rect_id``; the
    multi-person graph's track id), ``None`` when nothing does.
    """

    x_center: float
    y_center: float
    width: float
    height: float
    rotation: float = 0.0
    rect_id: int | None = None

    def as_list(self) -> list[float]:
        """``[x_center, y_center, width, height, rotation]``, the reference schema's order."""
        return [self.x_center, self.y_center, self.width, self.height, self.rotation]


@dataclass(frozen=True)
class Detection:
    """One detection (MediaPipe's Detection with RELATIVE_BOUNDING_BOX location data).

    Attributes:
        score: confidence in [0, 1].
        xmin, ymin, width, height: the box, normalized to the image it refers to.
        keypoints: float32 array of shape (K, 2), (x, y) normalized to the same image.
    """

    score: float
    xmin: float
    ymin: float
    width: float
    height: float
    keypoints: np.ndarray = field(repr=False)


@dataclass(frozen=True)
class NormalizedLandmarkList:
    """Landmarks normalized to an image (MediaPipe's NormalizedLandmarkList).

    ``data`` is float32 of shape (N, 5): x, y (fractions of the image width/height, may lie outside
    [0, 1]), z (same scale as x, smaller is nearer), visibility and presence (probabilities).
    ``visible``, when set by the visibility-gating stage, is bool (N,): whether renderers and
    exporters should show each landmark.
    """

    data: np.ndarray = field(repr=False)
    visible: np.ndarray | None = field(default=None, repr=False)

    def __len__(self) -> int:
        return int(self.data.shape[0])

    def __repr__(self) -> str:
        return _landmarks_repr(self)


@dataclass(frozen=True)
class LandmarkList:
    """World landmarks (MediaPipe's LandmarkList): ``data`` float32 (N, 5), x, y, z in metres with the
    origin at the hip centre, then visibility and presence."""

    data: np.ndarray = field(repr=False)

    def __len__(self) -> int:
        return int(self.data.shape[0])

    def __repr__(self) -> str:
        return _landmarks_repr(self)


def _landmarks_repr(landmarks: NormalizedLandmarkList | LandmarkList) -> str:
    """``Name(33 landmarks, first: x=0.4963 y=0.1855 z=-0.3198 visibility=1.0000 presence=1.0000)``."""
    name, count = type(landmarks).__name__, len(landmarks)
    if count == 0:
        return f"{name}(0 landmarks)"
    first = " ".join(f"{k}={v:.4f}" for k, v in zip(("x", "y", "z", "visibility", "presence"), landmarks.data[0]))
    return f"{name}({count} landmarks, first: {first})"


@dataclass(frozen=True)
class SegmentationMask:
    """A person-segmentation mask (MediaPipe's mask Image, ImageFormat VEC32F1).

    ``data`` is float32 (H, W): each pixel's probability, in [0, 1], that it shows the person; in
    the pixels of the image it covers (the input image for a pose graph's SEGMENTATION_MASK output,
    the landmark model's 256x256 crop for the ROI-space mask inside the graph).
    """

    data: np.ndarray = field(repr=False)

    def __repr__(self) -> str:
        height, width = self.data.shape
        return f"SegmentationMask({width}x{height}, mean={float(self.data.mean()):.3f})"

@dataclass(frozen=True)
class Pose:
    """One person in one frame of the multi-person graph (``graphs/multi_pose_tracking_module.pbtxt``).

    Attributes:
        id: the person's track id: kept while the person is tracked from frame to frame; a person
            found anew gets a new id, and ids are never reused within a run (0, 1, 2, ...).
        score: the landmark model's pose presence probability for this frame, in [0, 1].
        box: ``(xmin, ymin, xmax, ymax)`` of the 33 landmarks, normalized to the image (fractions
            of its width and height) and clipped to [0, 1].
        landmarks: the 33 pose landmarks normalized to the image (see :class:`NormalizedLandmarkList`).
        world_landmarks: the 33 world landmarks, metres, origin at the hip centre.
        segmentation_mask: the person's segmentation mask over the whole input image (float32
            (H, W) in [0, 1], 0 outside the person's ROI) when the graph runs with
            ``enable_segmentation``, else ``None``.
    """

    id: int
    score: float
    box: tuple[float, float, float, float]
    landmarks: NormalizedLandmarkList = field(repr=False)
    world_landmarks: LandmarkList = field(repr=False)
    segmentation_mask: SegmentationMask | None = field(default=None, repr=False)

    def __repr__(self) -> str:
        box = ", ".join(f"{v:.3f}" for v in self.box)
        mask = "" if self.segmentation_mask is None else f", segmentation_mask={self.segmentation_mask!r}"
        return f"Pose(id={self.id}, score={self.score:.3f}, box=({box}), landmarks={len(self.landmarks)}{mask})"


Poses = tuple[Pose, ...]
"""The payload of a multi-person ``POSES`` stream: the people of one frame (empty when nobody is
there), as the output type ``MultiPoseTrackingCalculator`` declares, by which the runner's writers
know such a stream."""


class GpuOrigin(enum.Enum):
    """MediaPipe's GpuOrigin.Mode (gpu/gpu_origin.proto): where a GPU texture's first row is.
    Options of MediaPipe's image calculators carry it; on the CPU it has no effect."""

    DEFAULT = 0
    CONVENTIONAL = 1
    TOP_LEFT = 2


@dataclass(frozen=True)
class Color:
    """An RGB colour, each channel 0..255 (MediaPipe's Color)."""

    r: int = 0
    g: int = 0
    b: int = 0


@dataclass(frozen=True)
class RenderPoint:
    """A dot at (x, y) (MediaPipe's RenderAnnotation.Point): normalized to the image, or pixels."""

    x: float
    y: float
    normalized: bool = False


@dataclass(frozen=True)
class RenderLine:
    """A line segment (MediaPipe's RenderAnnotation.Line)."""

    x_start: float
    y_start: float
    x_end: float
    y_end: float
    normalized: bool = False


@dataclass(frozen=True)
class RenderGradientLine:
    """A line whose colour goes from ``color1`` to ``color2`` (MediaPipe's
    RenderAnnotation.GradientLine)."""

    x_start: float
    y_start: float
    x_end: float
    y_end: float
    normalized: bool = False
    color1: Color = Color()
    color2: Color = Color()


@dataclass(frozen=True)
class RenderRectangle:
    """A rectangle, rotated by ``rotation`` radians about its centre (MediaPipe's
    RenderAnnotation.Rectangle); ``filled`` draws it solid (MediaPipe's FilledRectangle)."""

    left: float
    top: float
    right: float
    bottom: float
    normalized: bool = False
    rotation: float = 0.0
    filled: bool = False


@dataclass(frozen=True)
class RenderAnnotation:
    """One thing to draw (MediaPipe's RenderAnnotation): its shape, line thickness in pixels (a
    point's radius), colour, and an optional scene tag."""

    shape: RenderPoint | RenderLine | RenderGradientLine | RenderRectangle
    thickness: float = 1.0
    color: Color = Color()
    scene_tag: str = ""


@dataclass(frozen=True)
class RenderData:
    """Annotations to draw on an image, in order (MediaPipe's RenderData, the parts posegraph's
    renderers use: points, lines, gradient lines and rectangles)."""

    render_annotations: tuple[RenderAnnotation, ...] = ()
    scene_class: str = ""

    def __repr__(self) -> str:
        return f"RenderData({len(self.render_annotations)} annotations)"
