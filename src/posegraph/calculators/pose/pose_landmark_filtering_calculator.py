"""PoseLandmarkFilteringCalculator: one-euro smoothing of pose landmarks (MediaPipe's
pose_landmark_filtering graph)."""

from __future__ import annotations

from posegraph import Calculator, CalculatorContext, Contract, Port
from posegraph.calculators.formats import LandmarkList, NormalizedLandmarkList
from posegraph.calculators.pose.landmark_smoothing import PoseLandmarkSmoother

#: The side packets that switch pose smoothing: ENABLE (default true; the pose graph wires
#: ``smooth_landmarks``) and DISABLE (default false; it wires ``static_image_mode``).
SMOOTHING_SIDE_PACKETS = {"ENABLE": Port(bool, optional=True), "DISABLE": Port(bool, optional=True)}


def smoothing_enabled(cc: CalculatorContext) -> bool:
    """Whether pose smoothing is on: unless side packet ENABLE is false or DISABLE is true."""
    return bool(cc.side_input("ENABLE", default=True)) and not cc.side_input("DISABLE", default=False)


class PoseLandmarkFilteringCalculator(Calculator):
    """Smooths NORM_LANDMARKS, WORLD_LANDMARKS and AUX_NORM_LANDMARKS over time.

    IMAGE_SIZE (``(width, height)``, one per frame) paces it: a frame with an image size but no
    landmarks resets the body and auxiliary filters, as MediaPipe's graph does. Smoothing is on
    unless side packet ENABLE is false or DISABLE is true (the pose graph wires ``smooth_landmarks``
    and ``static_image_mode``); the auxiliary landmarks, which drive the next ROI, are smoothed
    regardless. ``visible`` marks pass through. Math: ``pose.landmark_smoothing.PoseLandmarkSmoother``.
    """

    contract = Contract(
        inputs={"IMAGE_SIZE": Port(tuple), "NORM_LANDMARKS": Port(NormalizedLandmarkList),
                "AUX_NORM_LANDMARKS": Port(NormalizedLandmarkList), "WORLD_LANDMARKS": Port(LandmarkList, optional=True)},
        outputs={"FILTERED_NORM_LANDMARKS": Port(NormalizedLandmarkList),
                 "FILTERED_AUX_NORM_LANDMARKS": Port(NormalizedLandmarkList, optional=True),
                 "FILTERED_WORLD_LANDMARKS": Port(LandmarkList, optional=True)},
        input_side_packets=SMOOTHING_SIDE_PACKETS,
    )

    def open(self, cc: CalculatorContext) -> None:
        self.smoother = PoseLandmarkSmoother(enabled=smoothing_enabled(cc))

    def process(self, cc: CalculatorContext) -> None:
        size, landmarks, aux = cc.value("IMAGE_SIZE"), cc.value("NORM_LANDMARKS"), cc.value("AUX_NORM_LANDMARKS")
        if landmarks is None or aux is None or size is None:
            self.smoother.no_landmarks()
            return
        world = cc.value("WORLD_LANDMARKS")
        body, aux_out, world_out = self.smoother.apply(landmarks.data, aux.data, None if world is None else world.data,
                                                       cc.input_timestamp, size)
        cc.send("FILTERED_NORM_LANDMARKS", NormalizedLandmarkList(body, landmarks.visible))
        cc.send("FILTERED_AUX_NORM_LANDMARKS", NormalizedLandmarkList(aux_out))
        if world_out is not None:
            cc.send("FILTERED_WORLD_LANDMARKS", LandmarkList(world_out))
