"""ConstantSidePacketCalculator: side packets whose values are written in the config (MediaPipe's)."""

from __future__ import annotations

from dataclasses import dataclass

from posegraph import Calculator, CalculatorContext, Contract, Port


@dataclass(frozen=True)
class ConstantSidePacketValue:
    """One constant: set exactly one of the fields."""

    int_value: int | None = None
    float_value: float | None = None
    bool_value: bool | None = None
    string_value: str | None = None


@dataclass(frozen=True)
class ConstantSidePacketCalculatorOptions:
    """MediaPipe's ConstantSidePacketCalculatorOptions: one ``packet`` per PACKET output index."""

    packet: tuple[ConstantSidePacketValue, ...] = ()


class ConstantSidePacketCalculator(Calculator):
    """Outputs ``options.packet[i]`` on output side packet ``PACKET:i`` when opened."""

    contract = Contract(output_side_packets={"PACKET": Port(object, repeated=True)},
                        options=ConstantSidePacketCalculatorOptions)

    def open(self, cc: CalculatorContext) -> None:
        for i, value in enumerate(cc.options.packet):
            set_fields = [v for v in (value.int_value, value.float_value, value.bool_value, value.string_value)
                          if v is not None]
            if len(set_fields) != 1:
                raise ValueError(f"packet {i}: set exactly one of int_value, float_value, bool_value, string_value")
            cc.set_side_output("PACKET", set_fields[0], i)
