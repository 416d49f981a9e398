"""VisibilityGatingCalculator: lets a tracked pose through only when the tracker is confident, and
marks which landmarks are visible."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from posegraph import Calculator, CalculatorContext, Contract, Port
from posegraph.calculators.formats import LandmarkList, NormalizedLandmarkList, SegmentationMask

#: Shoulders and hips: the joints ``require_torso`` asks to see.
TORSO_LANDMARKS = (11, 12, 23, 24)


@dataclass(frozen=True)
class VisibilityGatingCalculatorOptions:
    """Attributes:
        min_tracking_confidence: the pose passes when PRESENCE is strictly greater (MediaPipe's
            ThresholdingCalculator rule); side packet MIN_TRACKING_CONFIDENCE overrides it.
        visibility_threshold: a landmark is marked visible when its visibility is at least this
            (MediaPipe's drawing threshold) and it lies inside the image.
        require_torso: also drop the pose unless all four torso landmarks are visible. Off by
            default, since it changes tracking decisions MediaPipe would not make.
    """

    min_tracking_confidence: float = 0.5
    visibility_threshold: float = 0.5
    require_torso: bool = False


def visible_mask(landmarks: np.ndarray, threshold: float) -> np.ndarray:
    """bool (N,): visibility >= ``threshold`` and x, y inside [0, 1] (landmarks float32 (N, 5))."""
    x, y, visibility = landmarks[:, 0], landmarks[:, 1], landmarks[:, 3]
    return (visibility >= threshold) & (x >= 0) & (x <= 1) & (y >= 0) & (y <= 1)


class VisibilityGatingCalculator(Calculator):
    """At each timestamp with PRESENCE > threshold, forwards NORM_LANDMARKS (with ``visible``
    marks set), AUXILIARY_LANDMARKS, WORLD_LANDMARKS and SEGMENTATION_MASK unchanged in value;
    otherwise sends nothing, so the ROI loop breaks and the next frame goes back to the detector (MediaPipe's
    presence gate in pose_landmark_by_roi). Landmark values are never altered.
    """

    contract = Contract(
        inputs={"PRESENCE": Port(float), "NORM_LANDMARKS": Port(NormalizedLandmarkList),
                "AUXILIARY_LANDMARKS": Port(NormalizedLandmarkList, optional=True),
                "WORLD_LANDMARKS": Port(LandmarkList, optional=True),
                "SEGMENTATION_MASK": Port(SegmentationMask, optional=True)},
        outputs={"NORM_LANDMARKS": Port(NormalizedLandmarkList), "AUXILIARY_LANDMARKS": Port(NormalizedLandmarkList, optional=True),
                 "WORLD_LANDMARKS": Port(LandmarkList, optional=True),
                 "SEGMENTATION_MASK": Port(SegmentationMask, optional=True)},
        input_side_packets={"MIN_TRACKING_CONFIDENCE": Port(float, optional=True, range=(0.0, 1.0))},
        options=VisibilityGatingCalculatorOptions,
    )

    def open(self, cc: CalculatorContext) -> None:
        self.threshold = float(cc.side_input("MIN_TRACKING_CONFIDENCE", default=cc.options.min_tracking_confidence))

    def process(self, cc: CalculatorContext) -> None:
        presence, landmarks = cc.value("PRESENCE"), cc.value("NORM_LANDMARKS")
        if presence is None or landmarks is None or not presence > self.threshold:
            return
        visible = visible_mask(landmarks.data, cc.options.visibility_threshold)
        if cc.options.require_torso and not visible[list(TORSO_LANDMARKS)].all():
            return
        cc.send("NORM_LANDMARKS", NormalizedLandmarkList(landmarks.data, visible))
        for tag in ("AUXILIARY_LANDMARKS", "WORLD_LANDMARKS", "SEGMENTATION_MASK"):
            packet = cc.input(tag)
            if packet is not None:
                cc.send_packet(tag, packet)
