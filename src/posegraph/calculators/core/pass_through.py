"""PassThroughCalculator: forwards each input to the output of the same index (MediaPipe's)."""

from __future__ import annotations

from posegraph import Calculator, CalculatorContext, Contract, Port


class PassThroughCalculator(Calculator):
    """Forwards untagged input ``i`` to untagged output ``i`` unchanged."""

    contract = Contract(inputs={"": Port(object, repeated=True)}, outputs={"": Port(object, repeated=True)})

    def open(self, cc: CalculatorContext) -> None:
        self.count = cc.input_count("")

    def process(self, cc: CalculatorContext) -> None:
        for i in range(self.count):
            packet = cc.input("", i)
            if packet is not None:
                cc.send_packet("", packet, i)
