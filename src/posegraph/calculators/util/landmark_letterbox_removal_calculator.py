"""LandmarkLetterboxRemovalCalculator: landmarks freed of a tensor's letterbox (MediaPipe's)."""

from __future__ import annotations

import numpy as np

from posegraph import Calculator, CalculatorContext, Contract, Port
from posegraph.calculators.formats import NormalizedLandmarkList
from posegraph.calculators.util.landmark_projection import remove_landmark_letterbox


class LandmarkLetterboxRemovalCalculator(Calculator):
    """Maps each LANDMARKS input (normalized to a letterboxed tensor) onto the output of the same
    index (normalized to the content without the padding), with LETTERBOX_PADDING = float32 (4,)
    ``[left, top, right, bottom]``. Nothing is sent where the padding is missing. Math:
    ``util.landmark_projection.remove_landmark_letterbox``."""

    contract = Contract(
        inputs={"LANDMARKS": Port(NormalizedLandmarkList, repeated=True), "LETTERBOX_PADDING": Port(np.ndarray)},
        outputs={"LANDMARKS": Port(NormalizedLandmarkList, repeated=True)},
    )

    def open(self, cc: CalculatorContext) -> None:
        if cc.input_count("LANDMARKS") != cc.output_count("LANDMARKS"):
            raise ValueError("connect as many LANDMARKS outputs as inputs")

    def process(self, cc: CalculatorContext) -> None:
        padding = cc.value("LETTERBOX_PADDING")
        if padding is None:
            return
        for i in range(cc.input_count("LANDMARKS")):
            landmarks = cc.value("LANDMARKS", i)
            if landmarks is not None:
                cc.send("LANDMARKS", NormalizedLandmarkList(remove_landmark_letterbox(landmarks.data, padding),
                                                            landmarks.visible), i)
