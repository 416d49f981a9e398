"""ImageToTensorCalculator: an image, or a rotated ROI of it, as a model input tensor (MediaPipe's)."""

from __future__ import annotations

import enum
from dataclasses import dataclass

import numpy as np

from posegraph import Calculator, CalculatorContext, Contract, Port
from posegraph.calculators.formats import GpuOrigin, NormalizedRect
from posegraph.calculators.image.image_to_tensor import (WarpScratch, pad_roi, roi_in_pixels,
                                                         subrect_to_rect_matrix, warp_roi_to_tensor)
from posegraph.framework.options import proto_field


class BorderMode(enum.Enum):
    """How pixels outside the image are filled (MediaPipe's BorderMode)."""

    BORDER_UNSPECIFIED = 0
    BORDER_ZERO = 1
    BORDER_REPLICATE = 2


@dataclass(frozen=True)
class FloatRange:
    """MediaPipe's ImageToTensorCalculatorOptions.FloatRange."""

    min: float = proto_field(1, 0.0)
    max: float = proto_field(2, 1.0)


@dataclass(frozen=True)
class ImageToTensorCalculatorOptions:
    """MediaPipe's ImageToTensorCalculatorOptions (CPU subset).

    Attributes:
        output_tensor_width, output_tensor_height: tensor size in pixels.
        keep_aspect_ratio: letterbox instead of stretching (padding reported on LETTERBOX_PADDING).
        output_tensor_float_range: the range [0, 255] maps onto.
        border_mode: fill outside the image (MediaPipe's default on CPU is replicate; UNSPECIFIED
            is replicate too).
        gpu_origin: accepted and ignored, as MediaPipe's CPU path ignores it (it orients GPU
            textures).
    """

    __proto_ext_number__ = 334361939

    output_tensor_width: int = proto_field(1, 256)
    output_tensor_height: int = proto_field(2, 256)
    keep_aspect_ratio: bool = proto_field(3, False)
    output_tensor_float_range: FloatRange = proto_field(4, FloatRange())
    gpu_origin: GpuOrigin = proto_field(5, GpuOrigin.DEFAULT)
    border_mode: BorderMode = proto_field(6, BorderMode.BORDER_REPLICATE)


class ImageToTensorCalculator(Calculator):
    """Warps IMAGE (uint8 RGB (H, W, 3)) or its NORM_RECT ROI into a float32 tensor.

    Outputs TENSORS = ``[tensor]`` with the tensor shaped (1, H_t, W_t, 3), LETTERBOX_PADDING =
    float32 (4,) ``[left, top, right, bottom]`` fractions of the tensor, and MATRIX = the float32
    (4, 4) row-major matrix from a point normalized to the tensor to the same point normalized to
    the image (MediaPipe's MATRIX, its 16 floats as a 4x4 array). Without NORM_RECT the whole
    image is used; with it, a timestamp where NORM_RECT is empty produces nothing (no ROI, nothing
    to crop). Math: ``posegraph.calculators.image.image_to_tensor``.
    """

    contract = Contract(
        inputs={"IMAGE": Port(np.ndarray), "NORM_RECT": Port(NormalizedRect, optional=True)},
        outputs={"TENSORS": Port(list), "LETTERBOX_PADDING": Port(np.ndarray, optional=True),
                 "MATRIX": Port(np.ndarray, optional=True, doc="float32 (4, 4) tensor -> image, normalized")},
        options=ImageToTensorCalculatorOptions,
    )

    def open(self, cc: CalculatorContext) -> None:
        o = cc.options
        self.size = (o.output_tensor_width, o.output_tensor_height)
        self.range = (o.output_tensor_float_range.min, o.output_tensor_float_range.max)
        self.border = "zero" if o.border_mode == BorderMode.BORDER_ZERO else "replicate"
        self.needs_rect = cc.has_input("NORM_RECT")
        self.scratch = WarpScratch()  # the warp's output, reused frame to frame

    def process(self, cc: CalculatorContext) -> None:
        image = cc.value("IMAGE")
        if image is None:
            return  # a ROI without its image: nothing to crop
        rect = cc.value("NORM_RECT") if self.needs_rect else None
        if self.needs_rect and rect is None:
            return  # no ROI at this timestamp: nothing to track
        tensor, padding = warp_roi_to_tensor(image, rect, output_size=self.size, value_range=self.range,
                                             border_mode=self.border,
                                             keep_aspect_ratio=cc.options.keep_aspect_ratio, scratch=self.scratch)
        cc.send("TENSORS", [tensor[np.newaxis]])
        cc.send("LETTERBOX_PADDING", padding)
        if cc.has_output("MATRIX"):
            size = (image.shape[1], image.shape[0])
            roi, _ = pad_roi(roi_in_pixels(rect, size), self.size, cc.options.keep_aspect_ratio)
            cc.send("MATRIX", subrect_to_rect_matrix(roi, size))
