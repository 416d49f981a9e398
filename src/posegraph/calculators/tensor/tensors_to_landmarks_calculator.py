"""TensorsToLandmarksCalculator: a landmark model's tensor as landmarks (MediaPipe's)."""

from __future__ import annotations

import enum
from dataclasses import dataclass

import numpy as np

from posegraph import Calculator, CalculatorContext, Contract, Port
from posegraph.calculators.formats import LandmarkList, NormalizedLandmarkList
from posegraph.calculators.tensor.landmark_tensors import normalize_landmarks, tensor_to_landmarks


class Activation(enum.Enum):
    """MediaPipe's TensorsToLandmarksCalculatorOptions.Activation."""

    NONE = 0
    SIGMOID = 1


@dataclass(frozen=True)
class TensorsToLandmarksCalculatorOptions:
    """MediaPipe's TensorsToLandmarksCalculatorOptions.

    Attributes:
        num_landmarks: landmarks in the tensor (required).
        input_image_width, input_image_height: the model's input size in pixels; required for
            NORM_LANDMARKS and for flipping.
        flip_vertically, flip_horizontally: mirror y (x) in the model's input.
        normalize_z: divides the normalized z (after the division by the width).
        visibility_activation, presence_activation: applied to the 4th and 5th value.
    """

    num_landmarks: int | None = None
    input_image_width: int | None = None
    input_image_height: int | None = None
    flip_vertically: bool = False
    flip_horizontally: bool = False
    normalize_z: float = 1.0
    visibility_activation: Activation = Activation.NONE
    presence_activation: Activation = Activation.NONE


class TensorsToLandmarksCalculator(Calculator):
    """Decodes TENSORS[0] (float32, ``num_landmarks`` x D values: x, y, z in input pixels, then
    visibility and presence) into LANDMARKS (:class:`LandmarkList`, input pixels) and/or
    NORM_LANDMARKS (:class:`NormalizedLandmarkList`, normalized to the model's input). FLIP_HORIZONTALLY
    and FLIP_VERTICALLY, as a stream or a side packet, override the options' flips. Math:
    ``tensor.landmark_tensors``.

    Raises (at open): ``num_landmarks`` unset; NORM_LANDMARKS, or a flip with LANDMARKS, without the
    input size.
    """

    contract = Contract(
        inputs={"TENSORS": Port(list), "FLIP_HORIZONTALLY": Port(bool, optional=True),
                "FLIP_VERTICALLY": Port(bool, optional=True)},
        outputs={"LANDMARKS": Port(LandmarkList, optional=True),
                 "NORM_LANDMARKS": Port(NormalizedLandmarkList, optional=True)},
        input_side_packets={"FLIP_HORIZONTALLY": Port(bool, optional=True),
                            "FLIP_VERTICALLY": Port(bool, optional=True)},
        options=TensorsToLandmarksCalculatorOptions,
    )

    def open(self, cc: CalculatorContext) -> None:
        o = cc.options
        if o.num_landmarks is None:
            raise ValueError("options.num_landmarks is required")
        self.size = (None if o.input_image_width is None or o.input_image_height is None
                     else (o.input_image_width, o.input_image_height))
        if cc.has_output("NORM_LANDMARKS") and self.size is None:
            raise ValueError("NORM_LANDMARKS needs options.input_image_width and input_image_height")
        flips = (o.flip_horizontally or o.flip_vertically
                 or any(cc.has_input(t) or (t, 0) in cc.side_inputs for t in ("FLIP_HORIZONTALLY", "FLIP_VERTICALLY")))
        if cc.has_output("LANDMARKS") and flips and self.size is None:
            raise ValueError("flipping LANDMARKS needs options.input_image_width and input_image_height")

    def _flip(self, cc: CalculatorContext, tag: str, default: bool) -> bool:
        if cc.has_input(tag):
            value = cc.value(tag)
            return default if value is None else bool(value)
        return bool(cc.side_input(tag, default=default))

    def process(self, cc: CalculatorContext) -> None:
        tensors = cc.value("TENSORS")
        if tensors is None:
            return
        o = cc.options
        landmarks = tensor_to_landmarks(
            np.asarray(tensors[0]), o.num_landmarks, input_size=self.size,
            flip_horizontally=self._flip(cc, "FLIP_HORIZONTALLY", o.flip_horizontally),
            flip_vertically=self._flip(cc, "FLIP_VERTICALLY", o.flip_vertically),
            visibility_activation=o.visibility_activation.name.lower(),
            presence_activation=o.presence_activation.name.lower())
        if cc.has_output("NORM_LANDMARKS"):
            cc.send("NORM_LANDMARKS", NormalizedLandmarkList(normalize_landmarks(landmarks, self.size, o.normalize_z)))
        if cc.has_output("LANDMARKS"):
            cc.send("LANDMARKS", LandmarkList(landmarks))
