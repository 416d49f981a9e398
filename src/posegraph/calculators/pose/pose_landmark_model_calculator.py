"""PoseLandmarkModelCalculator: which BlazePose landmark model a model complexity names (MediaPipe's
PoseLandmarkModelLoader subgraph, whose SwitchContainer picks one of three model paths), and which
of its outputs the graph leaves unread."""

from __future__ import annotations

from dataclasses import dataclass

from posegraph import Calculator, CalculatorContext, Contract, Port

#: model_complexity -> the landmark model's name in posegraph's manifest (0 lite, 1 full, 2 heavy).
LANDMARK_MODELS = {0: "pose_landmark_lite", 1: "pose_landmark_full", 2: "pose_landmark_heavy"}
#: The segmentation logits' place among the landmark models' five outputs (landmarks, presence,
#: segmentation, heatmap, world landmarks).
SEGMENTATION_OUTPUT = 2


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
    InferenceCalculator's MODEL_PATH, and side packet UNUSED_OUTPUTS for the same
    InferenceCalculator: ``(2,)``, the segmentation output, unless side packet ENABLE_SEGMENTATION
    is true, else ``()``. MediaPipe's graph computes the mask on every call and drops it when
    segmentation is off; without it the full model's call takes 30% less (the lite one's 42%, the
    heavy one's 8%; one run of ``python -m benchmarks pose_pipeline``), the other outputs the same,
    bit for bit.

    Raises (when the graph starts):
        SidePacketError: MODEL_COMPLEXITY is not an int 0, 1 or 2.
        ValueError: options.model_complexity is not 0, 1 or 2.
    """

    contract = Contract(
        input_side_packets={"MODEL_COMPLEXITY": Port(int, optional=True, choices=tuple(LANDMARK_MODELS),
                                                     doc="the landmark model: 0 lite, 1 full, 2 heavy"),
                            "ENABLE_SEGMENTATION": Port(bool, optional=True,
                                                        doc="the graph reads the segmentation output (default false)")},
        output_side_packets={"MODEL": Port(str),
                             "UNUSED_OUTPUTS": Port(tuple, optional=True,
                                                    doc="for the InferenceCalculator: (2,) without segmentation")},
        options=PoseLandmarkModelCalculatorOptions,
    )

    def open(self, cc: CalculatorContext) -> None:
        complexity = cc.side_input("MODEL_COMPLEXITY", default=cc.options.model_complexity)
        if complexity not in LANDMARK_MODELS:
            raise ValueError(f"options.model_complexity must be 0, 1 or 2, got {complexity!r}")
        cc.set_side_output("MODEL", LANDMARK_MODELS[complexity])
        segmentation = bool(cc.side_input("ENABLE_SEGMENTATION", default=False))
        cc.set_side_output("UNUSED_OUTPUTS", () if segmentation else (SEGMENTATION_OUTPUT,))
