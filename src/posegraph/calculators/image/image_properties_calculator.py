"""ImagePropertiesCalculator: an image's size (MediaPipe's)."""

from __future__ import annotations

import numpy as np

from posegraph import Calculator, CalculatorContext, Contract, Port


class ImagePropertiesCalculator(Calculator):
    """Sends SIZE = ``(width, height)`` in pixels of each image (a uint8 (H, W, C) array) on IMAGE
    or IMAGE_CPU (MediaPipe's tags for an ``Image`` and an ``ImageFrame``; both are arrays here).

    Raises (in ``open``, reported as CalculatorError):
        ValueError: neither or both of IMAGE and IMAGE_CPU are connected.
    """

    contract = Contract(inputs={"IMAGE": Port(np.ndarray, optional=True),
                                "IMAGE_CPU": Port(np.ndarray, optional=True, doc="MediaPipe's ImageFrame tag")},
                        outputs={"SIZE": Port(tuple, doc="(width, height) px")})

    def open(self, cc: CalculatorContext) -> None:
        tags = [tag for tag in ("IMAGE", "IMAGE_CPU") if cc.has_input(tag)]
        if len(tags) != 1:
            raise ValueError(f"ImagePropertiesCalculator takes one image input, IMAGE or IMAGE_CPU; {len(tags)} connected")
        self.tag = tags[0]

    def process(self, cc: CalculatorContext) -> None:
        image = cc.value(self.tag)
        cc.send("SIZE", (int(image.shape[1]), int(image.shape[0])))
