"""RectToRenderDataCalculator: rects as RenderData rectangles (MediaPipe's)."""

from __future__ import annotations

from dataclasses import dataclass

from posegraph import Calculator, CalculatorContext, Contract, Port
from posegraph.calculators.formats import Color, NormalizedRect, RenderData
from posegraph.calculators.util.render_data import rect_to_render_data


@dataclass(frozen=True)
class RectToRenderDataCalculatorOptions:
    """MediaPipe's RectToRenderDataCalculatorOptions. ``oval`` and ``top_left_thickness`` are not
    implemented (an error when set)."""

    filled: bool = False
    color: Color = Color()
    thickness: float = 1.0
    oval: bool = False
    top_left_thickness: float | None = None


class RectToRenderDataCalculator(Calculator):
    """Sends RENDER_DATA with NORM_RECT, and each rect of NORM_RECTS (a list), as a rectangle
    (rotated by the rect's rotation, filled with ``filled``); an empty RenderData where there are
    none. Math: ``util.render_data.rect_to_render_data``."""

    contract = Contract(
        inputs={"NORM_RECT": Port(NormalizedRect, optional=True), "NORM_RECTS": Port(list, optional=True)},
        outputs={"RENDER_DATA": Port(RenderData)},
        options=RectToRenderDataCalculatorOptions,
    )

    def open(self, cc: CalculatorContext) -> None:
        if cc.options.oval or cc.options.top_left_thickness is not None:
            raise NotImplementedError("RectToRenderDataCalculator: oval and top_left_thickness are not implemented "
                                      "in posegraph")
        if not (cc.has_input("NORM_RECT") or cc.has_input("NORM_RECTS")):
            raise ValueError("connect NORM_RECT or NORM_RECTS")

    def process(self, cc: CalculatorContext) -> None:
        rects = [] if cc.value("NORM_RECT") is None else [cc.value("NORM_RECT")]
        rects += list(cc.value("NORM_RECTS") or [])
        o = cc.options
        cc.send("RENDER_DATA", rect_to_render_data(rects, color=o.color, thickness=o.thickness, filled=o.filled))
