"""PoseRendererCalculator: draws the pose skeleton on the image."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from posegraph import Calculator, CalculatorContext, Contract, Port
from posegraph.calculators.formats import NormalizedLandmarkList
from posegraph.calculators.pose.render import draw_landmark_list


@dataclass(frozen=True)
class PoseRendererCalculatorOptions:
    """Attributes:
        visibility_threshold: landmarks below it are not drawn when they carry no ``visible`` marks.
    """

    visibility_threshold: float = 0.5


class PoseRendererCalculator(Calculator):
    """Sends IMAGE (uint8 RGB (H, W, 3)) with NORM_LANDMARKS' 35 connections drawn on a copy (left
    orange, right cyan). Landmarks marked not ``visible`` are skipped; without marks, those with
    visibility below the threshold. A frame without landmarks is sent unchanged.
    """

    contract = Contract(inputs={"IMAGE": Port(np.ndarray), "NORM_LANDMARKS": Port(NormalizedLandmarkList, optional=True)},
                        outputs={"IMAGE": Port(np.ndarray)}, options=PoseRendererCalculatorOptions)

    def process(self, cc: CalculatorContext) -> None:
        image = cc.value("IMAGE")
        if image is not None:
            cc.send("IMAGE", draw_landmark_list(image, cc.value("NORM_LANDMARKS"), cc.options.visibility_threshold))
