"""SplitVectorCalculator: picks elements of a list-valued packet (MediaPipe's SplitVectorCalculator)."""

from __future__ import annotations

from dataclasses import dataclass

from posegraph import Calculator, CalculatorContext, Contract, Port


@dataclass(frozen=True)
class Range:
    """Half-open index range ``[begin, end)``."""

    begin: int = 0
    end: int = 1


@dataclass(frozen=True)
class SplitVectorCalculatorOptions:
    """MediaPipe's SplitVectorCalculatorOptions: output ``i`` gets ``ranges[i]``; with
    ``element_only`` each range must hold one element, which is sent alone rather than as a list."""

    ranges: tuple[Range, ...] = (Range(),)
    element_only: bool = False


class SplitVectorCalculator(Calculator):
    """Sends ``vector[begin:end]`` of each range on the output of the same index; nothing for a range
    the vector is too short to fill."""

    contract = Contract(inputs={"": Port((list, tuple))}, outputs={"": Port(object, repeated=True)},
                        options=SplitVectorCalculatorOptions)

    def open(self, cc: CalculatorContext) -> None:
        if cc.options.element_only and any(r.end - r.begin != 1 for r in cc.options.ranges):
            raise ValueError("element_only needs every range to hold exactly one element")

    def process(self, cc: CalculatorContext) -> None:
        vector = cc.value("")
        for i, r in enumerate(cc.options.ranges):
            if r.end <= len(vector):
                cc.send("", vector[r.begin] if cc.options.element_only else list(vector[r.begin:r.end]), i)


class SplitDetectionVectorCalculator(SplitVectorCalculator):
    """:class:`SplitVectorCalculator` under MediaPipe's name for lists of Detections."""
