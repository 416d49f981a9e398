"""TfLiteModelCalculator: a loaded TFLite model as a side packet (MediaPipe's, tflite/tflite_model_calculator.cc)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from posegraph import Calculator, CalculatorContext, Contract, ModelError, Port
from posegraph.calculators.util.resource_calculators import Resource


@dataclass(frozen=True)
class TfLiteModel:
    """A TFLite model an InferenceCalculator can run (its ``MODEL`` side packet): the verified file
    it came from, or its bytes when it came as a blob."""

    path: Path | None = None
    content: bytes | None = None

    def __repr__(self) -> str:
        return f"TfLiteModel({self.path})" if self.path else f"TfLiteModel(<{len(self.content or b'')} bytes>)"


class TfLiteModelCalculator(Calculator):
    """Sends output side packet MODEL (a :class:`TfLiteModel`) for input side packet MODEL_RESOURCE
    (a ResourceProviderCalculator's Resource) or MODEL_BLOB (the model file's bytes).

    Raises (in ``open``, reported as CalculatorError):
        ModelError: neither or both inputs are connected, or the file is not a TFLite model.
    """

    contract = Contract(input_side_packets={"MODEL_RESOURCE": Port(Resource, optional=True),
                                            "MODEL_BLOB": Port((bytes, str), optional=True)},
                        output_side_packets={"MODEL": Port(TfLiteModel)})

    def open(self, cc: CalculatorContext) -> None:
        resource = cc.side_input("MODEL_RESOURCE")
        blob = cc.side_input("MODEL_BLOB")
        if (resource is None) == (blob is None):
            raise ModelError("TfLiteModelCalculator needs exactly one of MODEL_RESOURCE and MODEL_BLOB")
        if resource is not None:
            model = TfLiteModel(path=resource.path)
            with resource.path.open("rb") as f:
                head = f.read(8)
        else:
            content = blob.encode("latin-1") if isinstance(blob, str) else bytes(blob)
            model = TfLiteModel(content=content)
            head = content[:8]
        if head[4:8] != b"TFL3":
            raise ModelError(f"{model!r} is not a TFLite model (no TFL3 identifier)")
        cc.set_side_output("MODEL", model)
