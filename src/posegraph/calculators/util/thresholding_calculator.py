"""ThresholdingCalculator: a float compared with a threshold (MediaPipe's)."""

from __future__ import annotations

from dataclasses import dataclass

from posegraph import Calculator, CalculatorContext, Contract, Port


@dataclass(frozen=True)
class ThresholdingCalculatorOptions:
    """MediaPipe's ThresholdingCalculatorOptions: ``threshold``, when set, excludes the THRESHOLD
    stream and side packet."""

    threshold: float | None = None


class ThresholdingCalculator(Calculator):
    """Compares FLOAT with the threshold (``float(value) > threshold``, in double, as MediaPipe):
    FLAG gets the result, ACCEPT ``True`` when above, REJECT ``False`` when not. The threshold is
    the option, the THRESHOLD side packet, or the latest THRESHOLD stream packet (0 until one comes).

    Raises (at open): the threshold given in more than one way.
    """

    contract = Contract(
        inputs={"FLOAT": Port(float), "THRESHOLD": Port(float, optional=True)},
        outputs={"FLAG": Port(bool, optional=True), "ACCEPT": Port(bool, optional=True),
                 "REJECT": Port(bool, optional=True)},
        input_side_packets={"THRESHOLD": Port(float, optional=True)},
        options=ThresholdingCalculatorOptions,
    )

    def open(self, cc: CalculatorContext) -> None:
        given = [what for what, on in (("options.threshold", cc.options.threshold is not None),
                                       ("the THRESHOLD stream", cc.has_input("THRESHOLD")),
                                       ("the THRESHOLD side packet", ("THRESHOLD", 0) in cc.side_inputs)) if on]
        if len(given) > 1:
            raise ValueError(f"give the threshold one way only, got {' and '.join(given)}")
        self.threshold = float(cc.side_input("THRESHOLD", default=cc.options.threshold or 0.0))

    def process(self, cc: CalculatorContext) -> None:
        if cc.has_input("THRESHOLD") and cc.value("THRESHOLD") is not None:
            self.threshold = float(cc.value("THRESHOLD"))
        value = cc.value("FLOAT")
        if value is None:
            return
        accept = float(value) > self.threshold
        cc.send("FLAG", accept)
        if accept:
            cc.send("ACCEPT", True)
        else:
            cc.send("REJECT", False)
