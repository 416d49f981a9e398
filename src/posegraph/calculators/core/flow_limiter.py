"""FlowLimiterCalculator: keeps a bounded number of frames in flight through a graph (MediaPipe's)."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from posegraph import Calculator, CalculatorContext, Contract, Packet, Port, Timestamp
from posegraph.framework.options import proto_field


@dataclass(frozen=True)
class FlowLimiterCalculatorOptions:
    """MediaPipe's FlowLimiterCalculatorOptions.

    Attributes:
        max_in_flight: frames let into the graph before one comes out on FINISHED.
        max_in_queue: frames held back while the graph is full; when the queue is full the oldest
            waiting frame is dropped (0: drop every frame that arrives while the graph is full).
    """

    __proto_ext_number__ = 326963320

    max_in_flight: int = proto_field(1, 1)
    max_in_queue: int = proto_field(2, 0)
    in_flight_timeout: int = proto_field(3, 0, unsupported="frames in flight never time out")


class FlowLimiterCalculator(Calculator):
    """Passes the untagged inputs through (index ``i`` to output ``i``) while fewer than
    ``max_in_flight`` frames are in flight; a frame is finished once FINISHED — a back edge from the
    graph's output — is settled at its timestamp (a packet there, or nothing there and the bound
    past it). Frames arriving while the graph is full wait (up to ``max_in_queue``) or are dropped,
    so a live source stays current instead of falling behind. ALLOW says, at each input timestamp,
    whether that frame went in. A dropped frame's timestamp is settled on the outputs (its bound
    advances), so nothing downstream waits for it.
    """

    contract = Contract(
        inputs={"": Port(object, repeated=True, doc="frames (and what travels with them)"),
                "FINISHED": Port(object, doc="back edge: the graph's output for a frame")},
        outputs={"": Port(object, repeated=True), "ALLOW": Port(bool, optional=True)},
        options=FlowLimiterCalculatorOptions,
        input_stream_handler="ImmediateInputStreamHandler",
        timestamp_offset=None,
        process_timestamp_bounds=True,
    )

    def open(self, cc: CalculatorContext) -> None:
        if cc.options.max_in_flight < 1 or cc.options.max_in_queue < 0:
            raise ValueError("max_in_flight must be >= 1 and max_in_queue >= 0")
        self.count = cc.input_count("")
        self.in_flight: deque[int] = deque()
        self.waiting: deque[tuple[int, list[Packet | None]]] = deque()
        self.sent_bound = Timestamp.UNSTARTED
        self.closed = False

    def process(self, cc: CalculatorContext) -> None:
        finished_below = cc.input_bound("FINISHED")
        while self.in_flight and self.in_flight[0] < finished_below:
            self.in_flight.popleft()
        packets = [cc.input("", i) for i in range(self.count)]
        if any(p is not None for p in packets):
            self.waiting.append((cc.input_timestamp, packets))
            if len(self.waiting) > cc.options.max_in_queue + self._free(cc):
                self._drop(cc, self.waiting.popleft()[0])
        while self.waiting and self._free(cc):
            t, frame = self.waiting.popleft()
            self.in_flight.append(t)
            for i, packet in enumerate(frame):
                if packet is not None:
                    cc.send_packet("", packet, i)
            cc.send("ALLOW", True, timestamp=t)
        if not self.closed and not self.waiting and cc.input_bound("") == Timestamp.DONE:
            for i in range(self.count):
                cc.set_next_timestamp_bound("", Timestamp.DONE, i)
            cc.set_next_timestamp_bound("ALLOW", Timestamp.DONE)
            self.closed = True  # the frames are over: let the graph (and FINISHED) close

    def _free(self, cc: CalculatorContext) -> int:
        return max(cc.options.max_in_flight - len(self.in_flight), 0)

    def _drop(self, cc: CalculatorContext, t: int) -> None:
        for i in range(self.count):
            cc.set_next_timestamp_bound("", t + 1, i)
        cc.send("ALLOW", False, timestamp=t)
