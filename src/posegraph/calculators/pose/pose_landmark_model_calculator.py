"""PoseLandmarkModelCalculator: which BlazePose landmark model a model complexity names (MediaPipe's
PoseLandmarkModelLoader subgraph, whose SwitchContainer picks one of three model paths)."""

from __future__ import annotations

from dataclasses import dataclass

from posegraph import Calculator, CalculatorContext, Contract, Port

#: model_complexity -> the landmark model's name in posegraph's manifest (0 lite, 1 full, 2 heavy).
LANDMARK_MODELS = {0: "pose_landmark_lite", 1: "pose_landmark_full", 2: "pose_landmark_heavy"}


@dataclass(frozen=True)
class PoseLandmarkModelCalculatorOptions:
    """Attributes:
        model_complexity: used when the MODEL_COMPLEXITY side packet is not given (MediaPipe's
            default, 1: the full model).
    """

    model_complexity: int = 1


class PoseLandmarkModelCalculator(Calculator):
    """Outputs side packet MODEL, the manifest name of the landmark model for side packet
    MODEL_COMPLEXITY (int 0, 1 or 2; ``pose_landmark_lite``, ``_full`` or ``_heavy``), for an
    InferenceCalculator's MODEL_PATH.

    Raises (when the graph starts):
        SidePacketError: MODEL_COMPLEXITY is not an int 0, 1 or 2.
        ValueError: options.model_complexity is not 0, 1 or 2.
    """

    contract = Contract(
        input_side_packets={"MODEL_COMPLEXITY": Port(int, optional=True, choices=tuple(LANDMARK_MODELS),
                                                     doc="the landmark model: 0 lite, 1 full, 2 heavy")},
        output_side_packets={"MODEL": Port(str)},
        options=PoseLandmarkModelCalculatorOptions,
    )

    def open(self, cc: CalculatorContext) -> None:
        complexity = cc.side_input("MODEL_COMPLEXITY", default=cc.options.model_complexity)
        if complexity not in LANDMARK_MODELS:
            raise ValueError(f"options.model_complexity must be 0, 1 or 2, got {complexity!r}")
        cc.set_side_output("MODEL", LANDMARK_MODELS[complexity])
