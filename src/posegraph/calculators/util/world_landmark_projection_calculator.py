"""WorldLandmarkProjectionCalculator: world landmarks rotated by the ROI (MediaPipe's)."""

from __future__ import annotations

from posegraph import Calculator, CalculatorContext, Contract, Port
from posegraph.calculators.formats import LandmarkList, NormalizedRect
from posegraph.calculators.util.landmark_projection import rotate_world_landmarks


class WorldLandmarkProjectionCalculator(Calculator):
    """Sends LANDMARKS (:class:`LandmarkList`, metres) with x, y rotated by NORM_RECT's rotation
    (unchanged without NORM_RECT); nothing at a timestamp where a connected NORM_RECT is missing.
    Math: ``util.landmark_projection.rotate_world_landmarks``."""

    contract = Contract(inputs={"LANDMARKS": Port(LandmarkList), "NORM_RECT": Port(NormalizedRect, optional=True)},
                        outputs={"LANDMARKS": Port(LandmarkList)})

    def process(self, cc: CalculatorContext) -> None:
        landmarks, rect = cc.value("LANDMARKS"), cc.value("NORM_RECT")
        if landmarks is None or (cc.has_input("NORM_RECT") and rect is None):
            return
        cc.send("LANDMARKS", LandmarkList(rotate_world_landmarks(landmarks.data, rect)))
