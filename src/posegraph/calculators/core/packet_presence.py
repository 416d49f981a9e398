"""PacketPresenceCalculator: whether a stream has a packet at each timestamp (MediaPipe's)."""

from __future__ import annotations

from posegraph import Calculator, CalculatorContext, Contract, Port


class PacketPresenceCalculator(Calculator):
    """Sends ``True`` on PRESENCE at timestamps where PACKET has a packet, and ``False`` at timestamps
    where PACKET was settled empty (e.g. a gate dropped it)."""

    contract = Contract(inputs={"PACKET": Port(object)}, outputs={"PRESENCE": Port(bool)},
                        process_timestamp_bounds=True)

    def process(self, cc: CalculatorContext) -> None:
        cc.send("PRESENCE", cc.input("PACKET") is not None)
