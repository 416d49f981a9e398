"""RectToRenderScaleCalculator: a drawing scale from a ROI's size (MediaPipe's)."""

from __future__ import annotations

from dataclasses import dataclass

from posegraph import Calculator, CalculatorContext, Contract, Port
from posegraph.calculators.formats import NormalizedRect
from posegraph.calculators.util.render_data import rect_render_scale


@dataclass(frozen=True)
class RectToRenderScaleCalculatorOptions:
    """MediaPipe's RectToRenderScaleCalculatorOptions. ``process_timestamp_bounds`` (a scale sent
    at every timestamp bound) is not implemented (an error when true)."""

    multiplier: float = 0.01
    process_timestamp_bounds: bool = False


class RectToRenderScaleCalculator(Calculator):
    """Sends RENDER_SCALE = ``max(w_px, h_px) * multiplier`` of NORM_RECT in an IMAGE_SIZE
    ``(width, height)`` image, or ``multiplier`` where the rect is missing. Math:
    ``util.render_data.rect_render_scale``."""

    contract = Contract(
        inputs={"NORM_RECT": Port(NormalizedRect), "IMAGE_SIZE": Port(tuple, doc="(width, height) px")},
        outputs={"RENDER_SCALE": Port(float)},
        options=RectToRenderScaleCalculatorOptions,
    )

    def open(self, cc: CalculatorContext) -> None:
        if cc.options.process_timestamp_bounds:
            raise NotImplementedError("RectToRenderScaleCalculator: process_timestamp_bounds is not implemented "
                                      "in posegraph")

    def process(self, cc: CalculatorContext) -> None:
        rect, size = cc.value("NORM_RECT"), cc.value("IMAGE_SIZE")
        if rect is not None and size is None:
            raise ValueError("IMAGE_SIZE is missing at a timestamp with NORM_RECT")
        cc.send("RENDER_SCALE", rect_render_scale(rect, size, cc.options.multiplier))
