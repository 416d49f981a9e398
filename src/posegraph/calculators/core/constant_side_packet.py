"""ConstantSidePacketCalculator: side packets whose values are written in the config (MediaPipe's)."""

from __future__ import annotations

from dataclasses import dataclass

from posegraph import Calculator, CalculatorContext, Contract, Port
from posegraph.framework.options import proto_field


@dataclass(frozen=True)
class StringVector:
    """MediaPipe's ConstantSidePacketCalculatorOptions.StringVector: a list of strings."""

    string_value: tuple[str, ...] = proto_field(1, ())


@dataclass(frozen=True)
class ConstantSidePacket:
    """One constant (MediaPipe's ConstantSidePacketCalculatorOptions.ConstantSidePacket): set
    exactly one of the fields; a ``string_vector_value`` is sent as a tuple of strings."""

    int_value: int | None = proto_field(1, None)
    uint64_value: int | None = proto_field(5, None)
    int64_value: int | None = proto_field(11, None)
    float_value: float | None = proto_field(2, None)
    double_value: float | None = proto_field(9, None)
    bool_value: bool | None = proto_field(3, None)
    string_value: str | None = proto_field(4, None)
    string_vector_value: StringVector | None = proto_field(13, None)

    def value(self) -> object:
        """The constant. Raises ValueError unless exactly one field is set."""
        set_fields = [v for v in (self.int_value, self.uint64_value, self.int64_value, self.float_value,
                                  self.double_value, self.bool_value, self.string_value, self.string_vector_value)
                      if v is not None]
        if len(set_fields) != 1:
            raise ValueError("set exactly one of int_value, uint64_value, int64_value, float_value, double_value, "
                             "bool_value, string_value, string_vector_value")
        value = set_fields[0]
        return value.string_value if isinstance(value, StringVector) else value


@dataclass(frozen=True)
class ConstantSidePacketCalculatorOptions:
    """MediaPipe's ConstantSidePacketCalculatorOptions: one ``packet`` per PACKET output index."""

    __proto_ext_number__ = 291214597

    packet: tuple[ConstantSidePacket, ...] = proto_field(1, ())


class ConstantSidePacketCalculator(Calculator):
    """Outputs ``options.packet[i]`` on output side packet ``PACKET:i`` when opened."""

    contract = Contract(output_side_packets={"PACKET": Port(object, repeated=True)},
                        options=ConstantSidePacketCalculatorOptions)

    def open(self, cc: CalculatorContext) -> None:
        for i, packet in enumerate(cc.options.packet):
            try:
                cc.set_side_output("PACKET", packet.value(), i)
            except ValueError as e:
                raise ValueError(f"packet {i}: {e}") from None
