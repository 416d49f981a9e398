"""TensorsToFloatsCalculator: a tensor's values as floats (MediaPipe's)."""

from __future__ import annotations

import enum
from dataclasses import dataclass

import numpy as np

from posegraph import Calculator, CalculatorContext, Contract, Port
from posegraph.calculators.tensor.activations import sigmoid


class Activation(enum.Enum):
    """MediaPipe's TensorsToFloatsCalculatorOptions.Activation."""

    NONE = 0
    SIGMOID = 1


@dataclass(frozen=True)
class TensorsToFloatsCalculatorOptions:
    """MediaPipe's TensorsToFloatsCalculatorOptions: ``activation`` applied to every value."""

    activation: Activation = Activation.NONE


class TensorsToFloatsCalculator(Calculator):
    """Sends TENSORS[0]'s values, float32 (after the activation): FLOAT, a ``float``, for a
    one-value tensor, or FLOATS, a list of floats. Exactly one of the two must be connected.

    Raises: connecting both or neither (at open); FLOAT for a tensor of more than one value.
    """

    contract = Contract(inputs={"TENSORS": Port(list)},
                        outputs={"FLOAT": Port(float, optional=True), "FLOATS": Port(list, optional=True)},
                        options=TensorsToFloatsCalculatorOptions)

    def open(self, cc: CalculatorContext) -> None:
        if cc.has_output("FLOAT") == cc.has_output("FLOATS"):
            raise ValueError("connect exactly one of FLOAT and FLOATS")

    def process(self, cc: CalculatorContext) -> None:
        tensors = cc.value("TENSORS")
        if not tensors:
            raise ValueError("TENSORS is empty: expected at least one tensor")
        values = np.asarray(tensors[0], np.float32).reshape(-1)
        if cc.options.activation is Activation.SIGMOID:
            values = sigmoid(values)
        if cc.has_output("FLOAT"):
            if values.size != 1:
                raise ValueError(f"FLOAT needs a tensor of one value, got {values.size}")
            cc.send("FLOAT", float(values[0]))
        else:
            cc.send("FLOATS", [float(v) for v in values])
