"""ImagePropertiesCalculator: an image's size (MediaPipe's)."""

from __future__ import annotations

import numpy as np

from posegraph import Calculator, CalculatorContext, Contract, Port


class ImagePropertiesCalculator(Calculator):
    """Sends SIZE = ``(width, height)`` in pixels of each IMAGE (a uint8 (H, W, C) array)."""

    contract = Contract(inputs={"IMAGE": Port(np.ndarray)}, outputs={"SIZE": Port(tuple, doc="(width, height) px")})

    def process(self, cc: CalculatorContext) -> None:
        image = cc.value("IMAGE")
        cc.send("SIZE", (int(image.shape[1]), int(image.shape[0])))
