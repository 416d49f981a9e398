"""RecolorCalculator: an image tinted where a mask says (MediaPipe's, CPU)."""

from __future__ import annotations

import enum
from dataclasses import dataclass

import numpy as np

from posegraph import Calculator, CalculatorContext, Contract, Port
from posegraph.calculators.formats import Color, SegmentationMask
from posegraph.calculators.util.render_data import recolor


class MaskChannel(enum.Enum):
    """MediaPipe's RecolorCalculatorOptions.MaskChannel."""

    UNKNOWN = 0
    RED = 1
    ALPHA = 2


@dataclass(frozen=True)
class RecolorCalculatorOptions:
    """MediaPipe's RecolorCalculatorOptions. ``mask_channel`` picks the channel of a multi-channel
    uint8 mask (RED: the first, ALPHA: the fourth); a one-channel mask is used as is."""

    mask_channel: MaskChannel = MaskChannel.RED
    color: Color = Color()
    invert_mask: bool = False
    adjust_with_luminance: bool = True


class RecolorCalculator(Calculator):
    """Sends IMAGE (uint8 RGB) with ``color`` blended in by MASK (a :class:`SegmentationMask`, or a
    uint8 (H, W[, C]) mask array); the image unchanged where the mask is missing. Math:
    ``util.render_data.recolor``."""

    contract = Contract(
        inputs={"IMAGE": Port(np.ndarray), "MASK": Port((SegmentationMask, np.ndarray), optional=True)},
        outputs={"IMAGE": Port(np.ndarray)},
        options=RecolorCalculatorOptions,
    )

    def process(self, cc: CalculatorContext) -> None:
        image, mask = cc.input("IMAGE"), cc.value("MASK")
        if image is None:
            return
        if mask is None:
            cc.send_packet("IMAGE", image)
            return
        data = mask.data if isinstance(mask, SegmentationMask) else np.asarray(mask)
        if data.ndim == 3:
            data = data[..., 3 if cc.options.mask_channel is MaskChannel.ALPHA else 0]
        o = cc.options
        cc.send("IMAGE", recolor(image.payload, data, o.color, invert_mask=o.invert_mask,
                                 adjust_with_luminance=o.adjust_with_luminance))
