"""LandmarkProjectionCalculator: ROI-normalized landmarks into the image (MediaPipe's)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from posegraph import Calculator, CalculatorContext, Contract, Port
from posegraph.calculators.formats import NormalizedLandmarkList, NormalizedRect
from posegraph.calculators.image.image_to_tensor import roi_in_pixels, subrect_to_rect_matrix
from posegraph.calculators.util.landmark_projection import project_landmarks, project_landmarks_with_matrix


@dataclass(frozen=True)
class LandmarkProjectionCalculatorOptions:
    """MediaPipe's LandmarkProjectionCalculatorOptions: ``ignore_rotation`` projects through the
    NORM_RECT as if its rotation were 0."""

    ignore_rotation: bool = False


class LandmarkProjectionCalculator(Calculator):
    """Projects each NORM_LANDMARKS input (normalized to a ROI) onto the output of the same index
    (normalized to the image), through NORM_RECT, or NORM_RECT with IMAGE_DIMENSIONS ``(width,
    height)`` (exact for non-square ROIs), or a 4x4 PROJECTION_MATRIX. Nothing is sent at a
    timestamp where the rect (or dimensions, or matrix) is missing. Math:
    ``util.landmark_projection``.

    Raises (at open): both or neither of NORM_RECT and PROJECTION_MATRIX, IMAGE_DIMENSIONS without
    NORM_RECT, or input and output counts that differ.
    """

    contract = Contract(
        inputs={"NORM_LANDMARKS": Port(NormalizedLandmarkList, repeated=True),
                "NORM_RECT": Port(NormalizedRect, optional=True),
                "IMAGE_DIMENSIONS": Port(tuple, optional=True, doc="(width, height) px"),
                "PROJECTION_MATRIX": Port(np.ndarray, optional=True, doc="float32 4x4 row-major")},
        outputs={"NORM_LANDMARKS": Port(NormalizedLandmarkList, repeated=True)},
        options=LandmarkProjectionCalculatorOptions,
    )

    def open(self, cc: CalculatorContext) -> None:
        if cc.input_count("NORM_LANDMARKS") != cc.output_count("NORM_LANDMARKS"):
            raise ValueError("connect as many NORM_LANDMARKS outputs as inputs")
        if cc.has_input("NORM_RECT") == cc.has_input("PROJECTION_MATRIX"):
            raise ValueError("connect exactly one of NORM_RECT and PROJECTION_MATRIX")
        if cc.has_input("IMAGE_DIMENSIONS") and not cc.has_input("NORM_RECT"):
            raise ValueError("IMAGE_DIMENSIONS can only be given with NORM_RECT")

    def process(self, cc: CalculatorContext) -> None:
        rect = cc.value("NORM_RECT")
        if cc.has_input("PROJECTION_MATRIX"):
            matrix = cc.value("PROJECTION_MATRIX")
            if matrix is None:
                return
        elif cc.has_input("IMAGE_DIMENSIONS"):
            size = cc.value("IMAGE_DIMENSIONS")
            if rect is None or size is None:
                return
            roi = roi_in_pixels(rect, size)
            if cc.options.ignore_rotation:
                roi = dataclasses.replace(roi, rotation=0.0)
            matrix = subrect_to_rect_matrix(roi, (int(size[0]), int(size[1])))
        else:
            if rect is None:
                return
            matrix = None
        for i in range(cc.input_count("NORM_LANDMARKS")):
            landmarks = cc.value("NORM_LANDMARKS", i)
            if landmarks is not None:
                data = (project_landmarks(landmarks.data, rect, ignore_rotation=cc.options.ignore_rotation)
                        if matrix is None else project_landmarks_with_matrix(landmarks.data, matrix))
                cc.send("NORM_LANDMARKS", NormalizedLandmarkList(data, landmarks.visible), i)
