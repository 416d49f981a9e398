"""ClipVectorSizeCalculator: keeps the first N elements of a collection (MediaPipe's)."""

from __future__ import annotations

from dataclasses import dataclass

from posegraph import Calculator, CalculatorContext, Contract, Port, SidePacketError


@dataclass(frozen=True)
class ClipVectorSizeCalculatorOptions:
    """MediaPipe's ClipVectorSizeCalculatorOptions.

    Attributes:
        max_vec_size: how many leading elements to keep (at least 1); the untagged side packet,
            when given, overrides it.
    """

    max_vec_size: int = 1


class ClipVectorSizeCalculator(Calculator):
    """Sends the input collection's first ``max_vec_size`` elements, as a tuple.

    Raises (in ``open``):
        SidePacketError: the side packet is below 1 (MediaPipe requires at least 1).
        ValueError: ``options.max_vec_size`` is below 1.
    """

    contract = Contract(inputs={"": Port((list, tuple))}, outputs={"": Port(tuple)},
                        input_side_packets={"": Port(int, optional=True, doc="overrides max_vec_size")},
                        options=ClipVectorSizeCalculatorOptions)

    def open(self, cc: CalculatorContext) -> None:
        size = cc.side_input("")
        if size is not None and size < 1:
            raise SidePacketError(f"node {cc.node_name!r}: the maximum collection size side packet must be at "
                                  f"least 1, got {size}")
        self.max = cc.options.max_vec_size if size is None else size
        if self.max < 1:
            raise ValueError(f"max_vec_size must be at least 1, got {self.max}")

    def process(self, cc: CalculatorContext) -> None:
        cc.send("", tuple(cc.value("")[:self.max]))


class ClipNormalizedRectVectorSizeCalculator(ClipVectorSizeCalculator):
    """:class:`ClipVectorSizeCalculator` under MediaPipe's name for NormalizedRects."""
