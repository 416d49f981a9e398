"""VisibilityCopyCalculator: visibility and presence copied between landmark lists (MediaPipe's)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from posegraph import Calculator, CalculatorContext, Contract, Port
from posegraph.calculators.formats import LandmarkList, NormalizedLandmarkList


@dataclass(frozen=True)
class VisibilityCopyCalculatorOptions:
    """MediaPipe's VisibilityCopyCalculatorOptions (both default true)."""

    copy_visibility: bool = True
    copy_presence: bool = True


class VisibilityCopyCalculator(Calculator):
    """Sends the TO list (LANDMARKS_TO or NORM_LANDMARKS_TO, on the output of the same tag) with
    the visibility and/or presence of the FROM list (LANDMARKS_FROM or NORM_LANDMARKS_FROM),
    landmark by landmark; the output has as many landmarks as FROM, as MediaPipe's. Nothing is sent
    where either list is missing.

    Raises (at open): not exactly one FROM and one TO input, or the output tag not matching TO.
    """

    contract = Contract(
        inputs={"LANDMARKS_FROM": Port(LandmarkList, optional=True),
                "NORM_LANDMARKS_FROM": Port(NormalizedLandmarkList, optional=True),
                "LANDMARKS_TO": Port(LandmarkList, optional=True),
                "NORM_LANDMARKS_TO": Port(NormalizedLandmarkList, optional=True)},
        outputs={"LANDMARKS_TO": Port(LandmarkList, optional=True),
                 "NORM_LANDMARKS_TO": Port(NormalizedLandmarkList, optional=True)},
        options=VisibilityCopyCalculatorOptions,
    )

    def open(self, cc: CalculatorContext) -> None:
        froms = [t for t in ("LANDMARKS_FROM", "NORM_LANDMARKS_FROM") if cc.has_input(t)]
        tos = [t for t in ("LANDMARKS_TO", "NORM_LANDMARKS_TO") if cc.has_input(t)]
        if len(froms) != 1 or len(tos) != 1:
            raise ValueError("connect exactly one of LANDMARKS_FROM and NORM_LANDMARKS_FROM, and exactly one of "
                             "LANDMARKS_TO and NORM_LANDMARKS_TO")
        self.source, self.target = froms[0], tos[0]
        if not cc.has_output(self.target):
            raise ValueError(f"the output must be {self.target}, the same tag as the list copied to")

    def process(self, cc: CalculatorContext) -> None:
        source, target = cc.value(self.source), cc.value(self.target)
        if source is None or target is None:
            return
        n = len(source)
        data = np.array(target.data[:n], np.float32, copy=True)
        if data.shape[0] < n:
            raise ValueError(f"{self.target} has {data.shape[0]} landmarks, fewer than {self.source}'s {n}")
        if cc.options.copy_visibility:
            data[:, 3] = source.data[:, 3]
        if cc.options.copy_presence:
            data[:, 4] = source.data[:, 4]
        out = (LandmarkList(data) if isinstance(target, LandmarkList)
               else NormalizedLandmarkList(data, None if target.visible is None else target.visible[:n]))
        cc.send(self.target, out)
