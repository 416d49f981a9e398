"""PreviousLoopbackCalculator: the LOOP packet of the previous MAIN timestamp, re-stamped (MediaPipe's)."""

from __future__ import annotations

from collections import deque

from posegraph import Calculator, CalculatorContext, Contract, Port, Timestamp


class PreviousLoopbackCalculator(Calculator):
    """At each MAIN timestamp, emits the LOOP packet that belonged to the previous MAIN timestamp.

    LOOP is normally a back edge (``input_stream_info { tag_index: "LOOP" back_edge: true }``) fed
    from further down the graph. Nothing is emitted for the first MAIN packet; when the previous
    timestamp's LOOP was settled without a packet, PREV_LOOP's bound just advances ("no previous
    value"), so readers see an empty input rather than waiting.
    """

    contract = Contract(
        inputs={"MAIN": Port(object, doc="any stream that paces the loop, e.g. the frames"),
                "LOOP": Port(object, doc="the value to feed back")},
        outputs={"PREV_LOOP": Port(object)},
        input_stream_handler="ImmediateInputStreamHandler",
        timestamp_offset=None,
        process_timestamp_bounds=True,
    )

    def open(self, cc: CalculatorContext) -> None:
        self.main: deque[int] = deque()  # MAIN timestamps not answered yet
        self.prev_main = Timestamp.UNSET
        self.loop: dict[int, object] = {}
        self.bound_sent = Timestamp.UNSTARTED

    def process(self, cc: CalculatorContext) -> None:
        main = cc.input("MAIN")
        if main is not None:
            self.main.append(main.timestamp)
        loop = cc.input("LOOP")
        if loop is not None:
            self.loop[loop.timestamp] = loop
        loop_settled = cc.input_bound("LOOP")  # LOOP is settled below this
        while self.main:
            t = self.main[0]
            prev = self.prev_main
            if prev != Timestamp.UNSET and loop_settled <= prev:
                break  # the previous frame's LOOP value is not known yet
            self.main.popleft()
            packet = self.loop.pop(prev, None)
            for stale in [k for k in self.loop if k < t]:
                del self.loop[stale]
            if packet is not None:
                cc.send("PREV_LOOP", packet.payload, timestamp=t)
            else:
                cc.set_next_timestamp_bound("PREV_LOOP", t + 1)
            self.prev_main = t
        if not self.main and cc.input_bound("MAIN") > max(self.bound_sent, self.prev_main + 1):
            # Every MAIN packet is answered: PREV_LOOP has nothing before MAIN's bound. At Done this
            # closes PREV_LOOP, so the loop downstream can finish (and close LOOP).
            self.bound_sent = cc.input_bound("MAIN")
            cc.set_next_timestamp_bound("PREV_LOOP", self.bound_sent)
