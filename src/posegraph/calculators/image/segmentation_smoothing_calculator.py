"""SegmentationSmoothingCalculator: a mask blended with the previous frame's (MediaPipe's)."""

from __future__ import annotations

from dataclasses import dataclass

from posegraph import Calculator, CalculatorContext, Contract, Port
from posegraph.calculators.formats import SegmentationMask
from posegraph.calculators.image.segmentation_smoothing import blend_with_previous
from posegraph.framework.options import proto_field


@dataclass(frozen=True)
class SegmentationSmoothingCalculatorOptions:
    """Attributes:
        combine_with_previous_ratio: the previous mask's weight for the most uncertain pixels, in
            [0, 1]. Default 0, what MediaPipe 0.10.21's Python package runs (its graph file asks for
            0.7, but the wheel's graph drops the option and the proto default, 0, applies): with it
            the output is MASK unchanged, whatever MASK_PREVIOUS holds.
    """

    __proto_ext_number__ = 377425128

    combine_with_previous_ratio: float = proto_field(1, 0.0)


class SegmentationSmoothingCalculator(Calculator):
    """Sends MASK_SMOOTHED: MASK blended with MASK_PREVIOUS (the previous smoothed mask, same size)
    where that is given, else MASK itself. Both float32 (H, W) :class:`SegmentationMask`. Math:
    ``image.segmentation_smoothing.blend_with_previous`` (MediaPipe's SegmentationSmoothingCalculator, CPU).

    Raises (in ``open``/``process``, reported as CalculatorError):
        ValueError: the ratio is outside [0, 1], or the two masks differ in size.
    """

    contract = Contract(
        inputs={"MASK": Port(SegmentationMask), "MASK_PREVIOUS": Port(SegmentationMask, optional=True)},
        outputs={"MASK_SMOOTHED": Port(SegmentationMask)},
        options=SegmentationSmoothingCalculatorOptions,
    )

    def open(self, cc: CalculatorContext) -> None:
        if not 0.0 <= cc.options.combine_with_previous_ratio <= 1.0:
            raise ValueError(f"options.combine_with_previous_ratio must be in [0, 1], got "
                             f"{cc.options.combine_with_previous_ratio}")

    def process(self, cc: CalculatorContext) -> None:
        mask, previous = cc.value("MASK"), cc.value("MASK_PREVIOUS")
        if mask is None:
            return
        cc.send("MASK_SMOOTHED", SegmentationMask(blend_with_previous(
            mask.data, None if previous is None else previous.data, cc.options.combine_with_previous_ratio)))
