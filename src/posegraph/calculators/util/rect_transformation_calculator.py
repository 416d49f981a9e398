"""RectTransformationCalculator: scales, shifts and squares a rotated ROI (MediaPipe's)."""

from __future__ import annotations

from dataclasses import dataclass

from posegraph import Calculator, CalculatorContext, Contract, Port
from posegraph.calculators.formats import NormalizedRect
from posegraph.calculators.util.rect_geometry import transform_rect
from posegraph.framework.options import proto_field


@dataclass(frozen=True)
class RectTransformationCalculatorOptions:
    """MediaPipe's RectTransformationCalculatorOptions (BlazePose uses scale 1.25, square_long);
    ``rotation``, ``rotation_degrees`` and ``square_short`` are accepted at their defaults only."""

    __proto_ext_number__ = 262226312

    scale_x: float = proto_field(1, 1.0)
    scale_y: float = proto_field(2, 1.0)
    shift_x: float = proto_field(5, 0.0)
    shift_y: float = proto_field(6, 0.0)
    square_long: bool = proto_field(7, False)
    rotation: float = proto_field(3, 0.0, unsupported="rotating the rect is not implemented")
    rotation_degrees: int = proto_field(4, 0, unsupported="rotating the rect is not implemented")
    square_short: bool = proto_field(8, False, unsupported="squaring on the short side is not implemented")


class RectTransformationCalculator(Calculator):
    """Sends the NORM_RECT transformed: shifted along its own rotated axes (in units of its size),
    made square on its long side in pixels (``square_long``), then scaled. IMAGE_SIZE is
    ``(width, height)``. Given NORM_RECTS (a list of rects) instead, sends each transformed, as a
    tuple in the same order. ``rect_id`` is kept.
    Math: ``posegraph.calculators.util.rect_geometry.transform_rect``."""

    contract = Contract(inputs={"NORM_RECT": Port(NormalizedRect, optional=True),
                                "NORM_RECTS": Port((list, tuple), optional=True), "IMAGE_SIZE": Port(tuple)},
                        outputs={"": Port((NormalizedRect, tuple))}, options=RectTransformationCalculatorOptions)

    def open(self, cc: CalculatorContext) -> None:
        if cc.has_input("NORM_RECT") == cc.has_input("NORM_RECTS"):
            raise ValueError("connect exactly one of NORM_RECT and NORM_RECTS")
        self.tag = "NORM_RECT" if cc.has_input("NORM_RECT") else "NORM_RECTS"

    def process(self, cc: CalculatorContext) -> None:
        rects, size = cc.value(self.tag), cc.value("IMAGE_SIZE")
        if rects is None or size is None:
            return
        o = cc.options

        def transform(rect: NormalizedRect) -> NormalizedRect:
            return transform_rect(rect, size, scale_x=o.scale_x, scale_y=o.scale_y, shift_x=o.shift_x,
                                  shift_y=o.shift_y, square_long=o.square_long)

        cc.send("", transform(rects) if self.tag == "NORM_RECT" else tuple(transform(r) for r in rects))
