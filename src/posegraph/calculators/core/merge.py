"""MergeCalculator: the first non-empty input at each timestamp (MediaPipe's)."""

from __future__ import annotations

from posegraph import Calculator, CalculatorContext, Contract, Port


class MergeCalculator(Calculator):
    """Sends, at each timestamp, the packet of the first untagged input (in index order) that has one."""

    contract = Contract(inputs={"": Port(object, repeated=True)}, outputs={"": Port(object)})

    def open(self, cc: CalculatorContext) -> None:
        self.count = cc.input_count("")

    def process(self, cc: CalculatorContext) -> None:
        for i in range(self.count):
            packet = cc.input("", i)
            if packet is not None:
                cc.send_packet("", packet)
                return
