"""GateCalculator: passes or drops packets depending on an ALLOW/DISALLOW signal (MediaPipe's)."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from posegraph import Calculator, CalculatorContext, Contract, Port
from posegraph.framework.options import proto_field


class GateState(enum.Enum):
    """MediaPipe's GateCalculatorOptions.GateState."""

    UNSPECIFIED = 0
    GATE_UNINITIALIZED = 1
    GATE_ALLOW = 2
    GATE_DISALLOW = 3


@dataclass(frozen=True)
class GateCalculatorOptions:
    """Options of :class:`GateCalculator` (MediaPipe's GateCalculatorOptions).

    Attributes:
        empty_packets_as_allow: an empty ALLOW/DISALLOW stream at a timestamp counts as "allow".
        allow: the decision when neither an ALLOW nor a DISALLOW stream or side packet is connected.
    """

    __proto_ext_number__ = 261754847

    empty_packets_as_allow: bool = proto_field(1, False)
    allow: bool = proto_field(2, True)
    initial_gate_state: GateState = proto_field(3, GateState.GATE_UNINITIALIZED,
                                                unsupported="STATE_CHANGE starts from an unknown state")


class GateCalculator(Calculator):
    """Forwards the untagged input streams to the untagged outputs at timestamps where it is allowed.

    Exactly one of ALLOW/DISALLOW may be connected, as a stream of ``bool`` or as a side packet.
    A dropped timestamp sends nothing, but the outputs' timestamp bound still advances, so the nodes
    after the gate are not stalled. STATE_CHANGE carries the new decision when it flips.
    """

    contract = Contract(
        inputs={"": Port(object, optional=True, repeated=True, doc="streams to gate"),
                "ALLOW": Port(bool, optional=True), "DISALLOW": Port(bool, optional=True)},
        outputs={"": Port(object, optional=True, repeated=True, doc="the gated streams"),
                 "STATE_CHANGE": Port(bool, optional=True)},
        input_side_packets={"ALLOW": Port(bool, optional=True), "DISALLOW": Port(bool, optional=True)},
        options=GateCalculatorOptions,
    )

    def open(self, cc: CalculatorContext) -> None:
        signals = [f"{kind} {tag}" for tag in ("ALLOW", "DISALLOW")
                   for kind, connected in (("stream", cc.has_input(tag)), ("side packet", (tag, 0) in cc.side_inputs))
                   if connected]
        if len(signals) > 1:
            raise ValueError(f"connect only one of ALLOW and DISALLOW (as a stream or a side packet), got {', '.join(signals)}")
        self.count = cc.input_count("")
        self.fixed: bool | None = None
        if cc.side_input("ALLOW") is not None:
            self.fixed = bool(cc.side_input("ALLOW"))
        elif cc.side_input("DISALLOW") is not None:
            self.fixed = not cc.side_input("DISALLOW")
        elif not (cc.has_input("ALLOW") or cc.has_input("DISALLOW")):
            self.fixed = cc.options.allow
        self.last_state: bool | None = None

    def process(self, cc: CalculatorContext) -> None:
        allow = self.fixed
        if allow is None:
            tag = "ALLOW" if cc.has_input("ALLOW") else "DISALLOW"
            packet = cc.input(tag)
            if packet is None:
                allow = cc.options.empty_packets_as_allow
            else:
                allow = bool(packet.payload) == (tag == "ALLOW")
        if allow != self.last_state and self.last_state is not None:
            cc.send("STATE_CHANGE", allow)
        self.last_state = allow
        if allow:
            for i in range(self.count):
                packet = cc.input("", i)
                if packet is not None:
                    cc.send_packet("", packet, i)
