"""SplitVectorCalculator: picks elements of a list-valued packet (MediaPipe's SplitVectorCalculator)."""

from __future__ import annotations

from dataclasses import dataclass, field

from posegraph import Calculator, CalculatorContext, Contract, Port


@dataclass(frozen=True)
class Range:
    """Half-open index range ``[begin, end)``."""

    begin: int = field(default=0, metadata={"number": 1})
    end: int = field(default=1, metadata={"number": 2})


@dataclass(frozen=True)
class SplitVectorCalculatorOptions:
    """MediaPipe's SplitVectorCalculatorOptions: output ``i`` gets ``ranges[i]``; with
    ``element_only`` each range must hold one element, which is sent alone rather than as a list;
    with ``combine_outputs`` the single output gets the elements of every range, in order."""

    __proto_ext_number__ = 259438222

    ranges: tuple[Range, ...] = field(default=(Range(),), metadata={"number": 1})
    element_only: bool = field(default=False, metadata={"number": 2})
    combine_outputs: bool = field(default=False, metadata={"number": 3})


class SplitVectorCalculator(Calculator):
    """Sends ``vector[begin:end]`` of each range on the output of the same index; nothing for a range
    the vector is too short to fill."""

    contract = Contract(inputs={"": Port((list, tuple))}, outputs={"": Port(object, repeated=True)},
                        options=SplitVectorCalculatorOptions)

    def open(self, cc: CalculatorContext) -> None:
        o = cc.options
        if o.element_only and any(r.end - r.begin != 1 for r in o.ranges):
            raise ValueError("element_only needs every range to hold exactly one element")
        if o.combine_outputs:
            if o.element_only:
                raise ValueError("combine_outputs and element_only cannot both be set")
            if cc.output_count("") != 1:
                raise ValueError(f"combine_outputs sends one list, but {cc.output_count('')} outputs are connected")
            spans = sorted((r.begin, r.end) for r in o.ranges)
            if any(b < e0 for (_, e0), (b, _) in zip(spans, spans[1:])):
                raise ValueError("combine_outputs needs ranges that do not overlap")

    def process(self, cc: CalculatorContext) -> None:
        vector = cc.value("")
        if cc.options.combine_outputs:
            if all(r.end <= len(vector) for r in cc.options.ranges):
                cc.send("", [v for r in cc.options.ranges for v in vector[r.begin:r.end]])
            return
        for i, r in enumerate(cc.options.ranges):
            if r.end <= len(vector):
                cc.send("", vector[r.begin] if cc.options.element_only else list(vector[r.begin:r.end]), i)


class SplitDetectionVectorCalculator(SplitVectorCalculator):
    """:class:`SplitVectorCalculator` under MediaPipe's name for lists of Detections."""
