"""FromImageCalculator: MediaPipe's Image as an ImageFrame (MediaPipe's), an identity here."""

from __future__ import annotations

import numpy as np

from posegraph import Calculator, CalculatorContext, Contract, Port
from posegraph.calculators.formats import SegmentationMask


class FromImageCalculator(Calculator):
    """Sends IMAGE on IMAGE_CPU unchanged. posegraph has one CPU representation for MediaPipe's
    ``Image`` and ``ImageFrame`` alike (an RGB uint8 array, or a :class:`SegmentationMask` for a
    VEC32F1 mask), so the conversion is the identity. The GPU outputs (IMAGE_GPU, SOURCE_ON_GPU)
    are not offered: posegraph runs on the CPU."""

    contract = Contract(inputs={"IMAGE": Port((np.ndarray, SegmentationMask))},
                        outputs={"IMAGE_CPU": Port((np.ndarray, SegmentationMask))})

    def process(self, cc: CalculatorContext) -> None:
        packet = cc.input("IMAGE")
        if packet is not None:
            cc.send_packet("IMAGE_CPU", packet)
