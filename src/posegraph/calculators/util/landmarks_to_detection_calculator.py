"""LandmarksToDetectionCalculator: the detection spanning landmarks (MediaPipe's)."""

from __future__ import annotations

from dataclasses import dataclass

from posegraph import Calculator, CalculatorContext, Contract, Port
from posegraph.calculators.formats import Detection, NormalizedLandmarkList
from posegraph.calculators.util.landmark_projection import landmarks_to_detection


@dataclass(frozen=True)
class LandmarksToDetectionCalculatorOptions:
    """MediaPipe's LandmarksToDetectionCalculatorOptions: ``selected_landmark_indices`` picks the
    landmarks to use (all when empty)."""

    selected_landmark_indices: tuple[int, ...] = ()


class LandmarksToDetectionCalculator(Calculator):
    """Sends DETECTION: NORM_LANDMARKS as keypoints, with the box spanning them. Math:
    ``util.landmark_projection.landmarks_to_detection``.

    Raises: an empty landmark list, or a selected index out of range.
    """

    contract = Contract(inputs={"NORM_LANDMARKS": Port(NormalizedLandmarkList)},
                        outputs={"DETECTION": Port(Detection)},
                        options=LandmarksToDetectionCalculatorOptions)

    def process(self, cc: CalculatorContext) -> None:
        landmarks = cc.value("NORM_LANDMARKS")
        if landmarks is not None:
            cc.send("DETECTION", landmarks_to_detection(landmarks.data, cc.options.selected_landmark_indices))
