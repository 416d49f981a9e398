"""TensorsToSegmentationCalculator: a segmentation tensor as a mask (MediaPipe's, CPU)."""

from __future__ import annotations

import enum
from dataclasses import dataclass

import numpy as np

from posegraph import Calculator, CalculatorContext, Contract, Port
from posegraph.calculators.formats import SegmentationMask
from posegraph.calculators.formats import GpuOrigin
from posegraph.calculators.tensor.segmentation import mask_from_tensor


class Activation(enum.Enum):
    """MediaPipe's TensorsToSegmentationCalculatorOptions.Activation."""

    NONE = 0
    SIGMOID = 1
    SOFTMAX = 2


@dataclass(frozen=True)
class TensorsToSegmentationCalculatorOptions:
    """MediaPipe's TensorsToSegmentationCalculatorOptions.

    Attributes:
        gpu_origin: GPU texture origin; no effect on the CPU (MediaPipe's CPU converter ignores it).
        activation: NONE and SIGMOID take one channel, SOFTMAX two.
        output_layer_index: the channel SOFTMAX reports.
    """

    gpu_origin: GpuOrigin = GpuOrigin.DEFAULT
    activation: Activation = Activation.NONE
    output_layer_index: int = 1


class TensorsToSegmentationCalculator(Calculator):
    """Sends MASK, a :class:`SegmentationMask` (float32 (H, W)), from TENSORS[0] (or TENSOR), a
    (1, h, w, c) float32 tensor: the activation per pixel, resized bilinearly to OUTPUT_SIZE
    ``(width, height)`` when that is connected. Math: ``tensor.segmentation.mask_from_tensor``.
    """

    contract = Contract(
        inputs={"TENSORS": Port(list, optional=True), "TENSOR": Port(np.ndarray, optional=True),
                "OUTPUT_SIZE": Port(tuple, optional=True, doc="(width, height) px")},
        outputs={"MASK": Port(SegmentationMask)},
        options=TensorsToSegmentationCalculatorOptions,
    )

    def open(self, cc: CalculatorContext) -> None:
        if cc.has_input("TENSORS") == cc.has_input("TENSOR"):
            raise ValueError("connect exactly one of TENSORS and TENSOR")

    def process(self, cc: CalculatorContext) -> None:
        tensor = cc.value("TENSOR")
        if cc.has_input("TENSORS"):
            tensors = cc.value("TENSORS")
            tensor = tensors[0] if tensors else None
        if tensor is None:
            return
        size = None
        if cc.has_input("OUTPUT_SIZE"):
            size = cc.value("OUTPUT_SIZE")
            if size is None:
                return
        o = cc.options
        cc.send("MASK", SegmentationMask(mask_from_tensor(tensor, activation=o.activation.name.lower(),
                                                          output_layer_index=o.output_layer_index,
                                                          output_size=size)))
