"""MultiPoseRendererCalculator: draws every person of a multi-person frame, each in its own colour."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from posegraph import Calculator, CalculatorContext, Contract, Port
from posegraph.calculators.formats import Poses
from posegraph.calculators.pose.render import draw_poses


@dataclass(frozen=True)
class MultiPoseRendererCalculatorOptions:
    """Attributes:
        visibility_threshold: landmarks below it are not drawn when they carry no ``visible`` marks.
    """

    visibility_threshold: float = 0.5


class MultiPoseRendererCalculator(Calculator):
    """Sends IMAGE (uint8 RGB (H, W, 3)) with each pose of POSES drawn on a copy: its 35
    connections in the colour of its track id (``render.person_color``, the same on every frame)
    and the id written above its head (``render.draw_poses``). A frame without POSES, or with an
    empty tuple, is sent unchanged.
    """

    contract = Contract(inputs={"IMAGE": Port(np.ndarray), "POSES": Port(Poses, optional=True)},
                        outputs={"IMAGE": Port(np.ndarray)}, options=MultiPoseRendererCalculatorOptions)

    def process(self, cc: CalculatorContext) -> None:
        image = cc.value("IMAGE")
        if image is not None:
            poses = cc.value("POSES", default=())
            cc.send("IMAGE", draw_poses(image, poses, cc.options.visibility_threshold) if poses else image)
