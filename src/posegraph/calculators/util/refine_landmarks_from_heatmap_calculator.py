"""RefineLandmarksFromHeatmapCalculator: landmarks moved to their heatmap's peak (MediaPipe's)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from posegraph import Calculator, CalculatorContext, Contract, Port
from posegraph.calculators.formats import NormalizedLandmarkList
from posegraph.calculators.tensor.landmark_tensors import refine_landmarks_from_heatmap


@dataclass(frozen=True)
class RefineLandmarksFromHeatmapCalculatorOptions:
    """MediaPipe's RefineLandmarksFromHeatmapCalculatorOptions (its defaults)."""

    kernel_size: int = 9
    min_confidence_to_refine: float = 0.5
    refine_presence: bool = False
    refine_visibility: bool = False


class RefineLandmarksFromHeatmapCalculator(Calculator):
    """Sends NORM_LANDMARKS refined by TENSORS[0], the (1, H, W, N) heatmap logits of the N input
    landmarks (normalized to the model's input). Math:
    ``tensor.landmark_tensors.refine_landmarks_from_heatmap``.

    Raises: a heatmap whose channel count differs from the landmark count.
    """

    contract = Contract(inputs={"NORM_LANDMARKS": Port(NormalizedLandmarkList), "TENSORS": Port(list)},
                        outputs={"NORM_LANDMARKS": Port(NormalizedLandmarkList)},
                        options=RefineLandmarksFromHeatmapCalculatorOptions)

    def process(self, cc: CalculatorContext) -> None:
        landmarks, tensors = cc.value("NORM_LANDMARKS"), cc.value("TENSORS")
        if landmarks is None or tensors is None:
            return
        o = cc.options
        cc.send("NORM_LANDMARKS", NormalizedLandmarkList(refine_landmarks_from_heatmap(
            landmarks.data, np.asarray(tensors[0]), kernel_size=o.kernel_size,
            min_confidence_to_refine=o.min_confidence_to_refine, refine_presence=o.refine_presence,
            refine_visibility=o.refine_visibility)))
