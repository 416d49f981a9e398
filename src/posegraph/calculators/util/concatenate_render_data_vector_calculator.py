"""ConcatenateRenderDataVectorCalculator: RenderData packets collected into one list (MediaPipe's)."""

from __future__ import annotations

from dataclasses import dataclass

from posegraph import Calculator, CalculatorContext, Contract, Port
from posegraph.calculators.formats import RenderData


@dataclass(frozen=True)
class ConcatenateVectorCalculatorOptions:
    """MediaPipe's ConcatenateVectorCalculatorOptions: ``only_emit_if_all_present`` sends nothing
    at a timestamp where an input is missing."""

    only_emit_if_all_present: bool = False


class ConcatenateRenderDataVectorCalculator(Calculator):
    """Sends, on the one untagged output, the list of the untagged inputs' RenderData in input
    order (an input may also carry a list of RenderData, which is spliced in); missing inputs are
    skipped."""

    contract = Contract(inputs={"": Port((RenderData, list), repeated=True)}, outputs={"": Port(list)},
                        options=ConcatenateVectorCalculatorOptions)

    def process(self, cc: CalculatorContext) -> None:
        items: list[RenderData] = []
        for i in range(cc.input_count("")):
            value = cc.value("", i)
            if value is None:
                if cc.options.only_emit_if_all_present:
                    return
                continue
            items.extend(value if isinstance(value, list) else [value])
        cc.send("", items)
