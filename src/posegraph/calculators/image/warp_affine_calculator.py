"""WarpAffineCalculator: an image or mask warped by a normalized affine matrix (MediaPipe's, CPU)."""

from __future__ import annotations

import enum
from dataclasses import dataclass

import numpy as np

from posegraph import Calculator, CalculatorContext, Contract, Port
from posegraph.calculators.formats import SegmentationMask
from posegraph.calculators.formats import GpuOrigin
from posegraph.calculators.image.warp_affine import warp_affine


class BorderMode(enum.Enum):
    """MediaPipe's WarpAffineCalculatorOptions.BorderMode (unspecified means replicate)."""

    BORDER_UNSPECIFIED = 0
    BORDER_ZERO = 1
    BORDER_REPLICATE = 2


class Interpolation(enum.Enum):
    """MediaPipe's WarpAffineCalculatorOptions.Interpolation (unspecified means linear)."""

    INTER_UNSPECIFIED = 0
    INTER_LINEAR = 1
    INTER_CUBIC = 2
    INTER_NEAREST = 3


@dataclass(frozen=True)
class WarpAffineCalculatorOptions:
    """MediaPipe's WarpAffineCalculatorOptions. INTER_NEAREST, which MediaPipe's CPU runner does
    not offer either, is an error."""

    border_mode: BorderMode = BorderMode.BORDER_UNSPECIFIED
    gpu_origin: GpuOrigin = GpuOrigin.DEFAULT
    interpolation: Interpolation = Interpolation.INTER_UNSPECIFIED


class WarpAffineCalculator(Calculator):
    """Sends IMAGE warped onto OUTPUT_SIZE ``(width, height)`` pixels by MATRIX (float32 4x4,
    mapping output-normalized points to input-normalized ones). IMAGE is an image array (uint8
    (H, W[, C])) or a :class:`SegmentationMask`, and the output is of the same kind. Nothing is
    sent where an input is missing. Math: ``image.warp_affine.warp_affine``."""

    contract = Contract(
        inputs={"IMAGE": Port((np.ndarray, SegmentationMask)), "MATRIX": Port(np.ndarray),
                "OUTPUT_SIZE": Port(tuple, doc="(width, height) px")},
        outputs={"IMAGE": Port((np.ndarray, SegmentationMask))},
        options=WarpAffineCalculatorOptions,
    )

    def open(self, cc: CalculatorContext) -> None:
        o = cc.options
        if o.interpolation is Interpolation.INTER_NEAREST:
            raise NotImplementedError("WarpAffineCalculator: INTER_NEAREST is not implemented on the CPU "
                                      "(nor in MediaPipe's CPU runner); use INTER_LINEAR or INTER_CUBIC")
        self.border = "zero" if o.border_mode is BorderMode.BORDER_ZERO else "replicate"
        self.interpolation = "cubic" if o.interpolation is Interpolation.INTER_CUBIC else "linear"

    def process(self, cc: CalculatorContext) -> None:
        image, matrix, size = cc.value("IMAGE"), cc.value("MATRIX"), cc.value("OUTPUT_SIZE")
        if image is None or matrix is None or size is None:
            return
        pixels = image.data if isinstance(image, SegmentationMask) else image
        warped = warp_affine(pixels, matrix, size, border_mode=self.border, interpolation=self.interpolation)
        cc.send("IMAGE", SegmentationMask(warped) if isinstance(image, SegmentationMask) else warped)
