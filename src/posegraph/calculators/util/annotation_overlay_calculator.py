"""AnnotationOverlayCalculator: RenderData drawn on an image (MediaPipe's, CPU)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from posegraph import Calculator, CalculatorContext, Contract, Port
from posegraph.calculators.formats import Color, RenderData
from posegraph.calculators.util.annotation_renderer import render_on_image


@dataclass(frozen=True)
class AnnotationOverlayCalculatorOptions:
    """MediaPipe's AnnotationOverlayCalculatorOptions. The canvas options apply only without an
    IMAGE input, which posegraph does not offer; the GPU ones have no effect on the CPU."""

    canvas_width_px: int = 1920
    canvas_height_px: int = 1080
    canvas_color: Color = Color()
    flip_text_vertically: bool = False
    gpu_uses_top_left_origin: bool = True
    gpu_scale_factor: float = 1.0


class AnnotationOverlayCalculator(Calculator):
    """Sends IMAGE (uint8 RGB) with the RenderData of the untagged inputs, then of the VECTOR
    inputs (lists of RenderData), drawn in that order, as MediaPipe iterates its inputs. Missing
    RenderData are skipped; nothing is sent where IMAGE is missing. Math:
    ``util.annotation_renderer``."""

    contract = Contract(
        inputs={"IMAGE": Port(np.ndarray), "": Port(RenderData, optional=True, repeated=True),
                "VECTOR": Port(list, optional=True, repeated=True)},
        outputs={"IMAGE": Port(np.ndarray)},
        options=AnnotationOverlayCalculatorOptions,
    )

    def process(self, cc: CalculatorContext) -> None:
        image = cc.value("IMAGE")
        if image is None:
            return
        data = [cc.value("", i) for i in range(cc.input_count(""))]
        for i in range(cc.input_count("VECTOR")):
            data += list(cc.value("VECTOR", i) or [])
        cc.send("IMAGE", render_on_image(image, [d for d in data if d is not None]))
