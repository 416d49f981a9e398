"""EndLoopCalculator: gathers a loop body's results back at the outer timestamp (MediaPipe's).

The companion of :class:`~posegraph.calculators.core.begin_loop.BeginLoopCalculator`
(``end_loop_calculator.h``): ITEM packets arrive at loop-internal timestamps and are collected until
the BATCH_END packet, whose payload is the outer timestamp T; the collection is then sent on
ITERABLE at T. Elements the loop body dropped (no ITEM at their internal timestamp) are simply
missing. A batch with no element sends nothing and advances ITERABLE's bound past T, as MediaPipe's
does, so readers see T settle empty.
"""

from __future__ import annotations

from posegraph import Calculator, CalculatorContext, Contract, Port


class EndLoopCalculator(Calculator):
    """Collects ITEM values (at loop-internal timestamps) and sends them as a tuple on ITERABLE at
    the outer timestamp carried by BATCH_END."""

    contract = Contract(
        inputs={"ITEM": Port(object), "BATCH_END": Port(int, doc="the outer timestamp")},
        outputs={"ITERABLE": Port(tuple)},
        timestamp_offset=None,
    )

    def open(self, cc: CalculatorContext) -> None:
        self.items: list = []

    def process(self, cc: CalculatorContext) -> None:
        item = cc.input("ITEM")
        if item is not None:
            self.items.append(item.payload)
        outer = cc.value("BATCH_END")
        if outer is None:
            return
        if self.items:
            cc.send("ITERABLE", tuple(self.items), timestamp=outer)
            self.items = []
        else:
            cc.set_next_timestamp_bound("ITERABLE", outer + 1)


class EndLoopNormalizedLandmarkListVectorCalculator(EndLoopCalculator):
    """:class:`EndLoopCalculator` under MediaPipe's name for NormalizedLandmarkLists."""


class EndLoopLandmarkListVectorCalculator(EndLoopCalculator):
    """:class:`EndLoopCalculator` under MediaPipe's name for (world) LandmarkLists."""


class EndLoopNormalizedRectCalculator(EndLoopCalculator):
    """:class:`EndLoopCalculator` under MediaPipe's name for NormalizedRects."""


class EndLoopTensorsCalculator(EndLoopCalculator):
    """:class:`EndLoopCalculator` for TENSORS lists (one list of arrays per element): its tuple
    feeds an InferenceCalculator's TENSORS_VECTOR (posegraph's; MediaPipe's EndLoopTensorCalculator
    gathers single tensors)."""


class EndLoopFloatCalculator(EndLoopCalculator):
    """:class:`EndLoopCalculator` under MediaPipe's name for floats."""


class EndLoopImageCalculator(EndLoopCalculator):
    """:class:`EndLoopCalculator` under MediaPipe's name for images (per-person segmentation masks)."""


class EndLoopDetectionVectorCalculator(EndLoopCalculator):
    """:class:`EndLoopCalculator` for lists of Detections, one list per element (e.g. per tile of a
    tiled detector): sends a tuple of lists (posegraph's; MediaPipe's EndLoopDetectionCalculator
    gathers single Detections)."""
