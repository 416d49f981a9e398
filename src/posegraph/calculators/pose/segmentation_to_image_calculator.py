"""SegmentationToImageCalculator: a mask over the landmark model's crop, mapped onto the whole image
(MediaPipe's pose graph: ImageToTensorCalculator's MATRIX, InverseMatrixCalculator and
WarpAffineCalculator)."""

from __future__ import annotations

from dataclasses import dataclass

from posegraph import Calculator, CalculatorContext, Contract, Port
from posegraph.calculators.formats import NormalizedRect, SegmentationMask
from posegraph.calculators.image.image_to_tensor import warp_tensor_to_image


@dataclass(frozen=True)
class SegmentationToImageCalculatorOptions:
    """Attributes:
        keep_aspect_ratio: as the ImageToTensorCalculator that made the crop (the pose graph's: true).
    """

    keep_aspect_ratio: bool = True


class SegmentationToImageCalculator(Calculator):
    """Sends MASK, the ROI-space mask input MASK warped onto the ``(W, H)`` image of IMAGE_SIZE from
    the crop of NORM_RECT (the ROI the model ran on, normalized to the image): a float32 (H, W)
    :class:`SegmentationMask`, 0 outside the ROI. Math: ``image.image_to_tensor.warp_tensor_to_image``
    (bilinear, cv2.warpAffine as MediaPipe's WarpAffineCalculator runs it on the CPU).
    """

    contract = Contract(
        inputs={"MASK": Port(SegmentationMask, doc="the mask over the model's crop"),
                "NORM_RECT": Port(NormalizedRect), "IMAGE_SIZE": Port(tuple, doc="(width, height) px")},
        outputs={"MASK": Port(SegmentationMask, doc="the mask over the image")},
        options=SegmentationToImageCalculatorOptions,
    )

    def process(self, cc: CalculatorContext) -> None:
        mask, rect, size = cc.value("MASK"), cc.value("NORM_RECT"), cc.value("IMAGE_SIZE")
        if mask is None or rect is None or size is None:
            return
        cc.send("MASK", SegmentationMask(warp_tensor_to_image(mask.data, rect, size,
                                                              keep_aspect_ratio=cc.options.keep_aspect_ratio)))
