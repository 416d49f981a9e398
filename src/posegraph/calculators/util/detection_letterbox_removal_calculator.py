"""DetectionLetterboxRemovalCalculator: detections from letterboxed-tensor to image coordinates (MediaPipe's)."""

from __future__ import annotations

import numpy as np

from posegraph import Calculator, CalculatorContext, Contract, Port
from posegraph.calculators.util.rect_geometry import remove_detection_letterbox


class DetectionLetterboxRemovalCalculator(Calculator):
    """Maps DETECTIONS (list[Detection] normalized to the letterboxed tensor) to the image, undoing
    LETTERBOX_PADDING (float32 (4,) ``[left, top, right, bottom]``): ``x' = (x - left)/(1 - left - right)``,
    likewise for y; sizes divided alike."""

    contract = Contract(inputs={"DETECTIONS": Port(list), "LETTERBOX_PADDING": Port(np.ndarray)},
                        outputs={"DETECTIONS": Port(list)})

    def process(self, cc: CalculatorContext) -> None:
        detections, padding = cc.value("DETECTIONS"), cc.value("LETTERBOX_PADDING")
        if detections is None or padding is None:
            return
        cc.send("DETECTIONS", [remove_detection_letterbox(d, padding) for d in detections])
