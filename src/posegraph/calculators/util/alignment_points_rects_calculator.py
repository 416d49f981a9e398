"""AlignmentPointsRectsCalculator: a rotated ROI from two alignment points (MediaPipe's)."""

from __future__ import annotations

import enum
from dataclasses import dataclass

import numpy as np

from posegraph import Calculator, CalculatorContext, Contract, Port
from posegraph.calculators.formats import Detection, NormalizedLandmarkList, NormalizedRect
from posegraph.calculators.util.rect_geometry import rect_from_alignment_points
from posegraph.framework.options import proto_field


class ConversionMode(enum.Enum):
    """MediaPipe's DetectionsToRectsCalculatorOptions.ConversionMode."""

    DEFAULT = 0
    USE_BOUNDING_BOX = 1
    USE_KEYPOINTS = 2


@dataclass(frozen=True)
class DetectionsToRectsCalculatorOptions:
    """MediaPipe's DetectionsToRectsCalculatorOptions, the fields used for alignment points (MediaPipe's
    AlignmentPointsRectsCalculator takes this message, so configs write
    ``[mediapipe.DetectionsToRectsCalculatorOptions.ext]``).

    Attributes:
        rotation_vector_start_keypoint_index: the centre point (BlazePose: 0, the hip centre).
        rotation_vector_end_keypoint_index: the point whose distance sets the size and whose
            direction sets the rotation (BlazePose: 1).
        rotation_vector_target_angle_degrees: the direction that counts as upright (90: up).
    """

    __proto_name__ = "mediapipe.DetectionsToRectsCalculatorOptions"
    __proto_ext_number__ = 262691807

    rotation_vector_start_keypoint_index: int = proto_field(1, 0)
    rotation_vector_end_keypoint_index: int = proto_field(2, 1)
    rotation_vector_target_angle_degrees: float = proto_field(4, 90.0)
    rotation_vector_target_angle: float = proto_field(3, 0.0, unsupported="give the angle in degrees")
    output_zero_rect_for_empty_detections: bool = proto_field(5, False, unsupported="not implemented")
    conversion_mode: ConversionMode = proto_field(6, ConversionMode.DEFAULT,
                                                  unsupported="alignment points always use keypoints")


class AlignmentPointsRectsCalculator(Calculator):
    """Sends NORM_RECT: centre at the start point, size 2x the start-end distance in pixels (square
    in pixels), rotation from the start-end direction. The points come from DETECTION's keypoints
    or NORM_LANDMARKS (e.g. BlazePose's two auxiliary landmarks); IMAGE_SIZE is ``(width, height)``.
    With DETECTIONS (a list of Detections) it sends NORM_RECTS instead, one rect per detection in
    the same order (a tuple, empty for no detection), as MediaPipe's does.
    Math: ``posegraph.calculators.util.rect_geometry.rect_from_alignment_points``."""

    contract = Contract(
        inputs={"DETECTION": Port(Detection, optional=True), "DETECTIONS": Port((list, tuple), optional=True),
                "NORM_LANDMARKS": Port(NormalizedLandmarkList, optional=True), "IMAGE_SIZE": Port(tuple)},
        outputs={"NORM_RECT": Port(NormalizedRect, optional=True), "NORM_RECTS": Port(tuple, optional=True)},
        options=DetectionsToRectsCalculatorOptions,
    )

    def open(self, cc: CalculatorContext) -> None:
        tags = [tag for tag in ("DETECTION", "DETECTIONS", "NORM_LANDMARKS") if cc.has_input(tag)]
        if len(tags) != 1:
            raise ValueError(f"connect exactly one of DETECTION, DETECTIONS and NORM_LANDMARKS, got {tags or 'none'}")
        self.tag = tags[0]

    @staticmethod
    def _rect(points: np.ndarray, size: tuple[int, int], o: DetectionsToRectsCalculatorOptions) -> NormalizedRect:
        return rect_from_alignment_points(
            points[o.rotation_vector_start_keypoint_index], points[o.rotation_vector_end_keypoint_index], size,
            target_angle_degrees=o.rotation_vector_target_angle_degrees)

    def process(self, cc: CalculatorContext) -> None:
        value, size = cc.value(self.tag), cc.value("IMAGE_SIZE")
        if value is None or size is None:
            return
        o = cc.options
        if self.tag == "DETECTIONS":
            cc.send("NORM_RECTS", tuple(self._rect(d.keypoints, size, o) for d in value))
        else:
            cc.send("NORM_RECT", self._rect(value.keypoints if self.tag == "DETECTION" else value.data[:, :2], size, o))
