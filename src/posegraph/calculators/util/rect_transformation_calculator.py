"""RectTransformationCalculator: scales, shifts and squares a rotated ROI (MediaPipe's)."""

from __future__ import annotations

from dataclasses import dataclass

from posegraph import Calculator, CalculatorContext, Contract, Port
from posegraph.calculators.formats import NormalizedRect
from posegraph.calculators.util.rect_geometry import transform_rect


@dataclass(frozen=True)
class RectTransformationCalculatorOptions:
    """MediaPipe's RectTransformationCalculatorOptions (BlazePose uses scale 1.25, square_long)."""

    scale_x: float = 1.0
    scale_y: float = 1.0
    shift_x: float = 0.0
    shift_y: float = 0.0
    square_long: bool = False


class RectTransformationCalculator(Calculator):
    """Sends the NORM_RECT transformed: shifted along its own rotated axes (in units of its size),
    made square on its long side in pixels (``square_long``), then scaled. IMAGE_SIZE is
    ``(width, height)``.
    Math: ``posegraph.calculators.util.rect_geometry.transform_rect``."""

    contract = Contract(inputs={"NORM_RECT": Port(NormalizedRect), "IMAGE_SIZE": Port(tuple)},
                        outputs={"": Port(NormalizedRect)}, options=RectTransformationCalculatorOptions)

    def process(self, cc: CalculatorContext) -> None:
        rect, size = cc.value("NORM_RECT"), cc.value("IMAGE_SIZE")
        if rect is None or size is None:
            return
        o = cc.options
        cc.send("", transform_rect(rect, size, scale_x=o.scale_x, scale_y=o.scale_y, shift_x=o.shift_x,
                                   shift_y=o.shift_y, square_long=o.square_long))
