"""TensorsToPoseLandmarksCalculator: the BlazePose landmark model's tensors to landmarks in the image."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from posegraph import Calculator, CalculatorContext, Contract, ModelError, Port
from posegraph.calculators.formats import LandmarkList, NormalizedLandmarkList, NormalizedRect, SegmentationMask
from posegraph.calculators.pose.landmark_decoding import pose_landmarks_from_tensors
from posegraph.calculators.pose.pose_landmark_model_calculator import SEGMENTATION_OUTPUT
from posegraph.calculators.tensor.segmentation import mask_from_logits

_SHAPES = [(1, 195), (1, 1), (1, 256, 256, 1), (1, 64, 64, 39), (1, 117)]


@dataclass(frozen=True)
class TensorsToPoseLandmarksCalculatorOptions:
    """Attributes:
        refinement_kernel_size: heatmap refinement window (MediaPipe's
            RefineLandmarksFromHeatmapCalculator default 9, which its legacy Python solution runs;
            its Tasks PoseLandmarker runs 7). Side packet REFINEMENT_KERNEL_SIZE overrides it.
    """

    refinement_kernel_size: int = 9


class TensorsToPoseLandmarksCalculator(Calculator):
    """Decodes the landmark model's TENSORS (its 5 outputs, in order: landmarks (1, 195),
    presence (1, 1), segmentation (1, 256, 256, 1), heatmap (1, 64, 64, 39), world (1, 117)) for the
    ROI NORM_RECT it was cropped from (and LETTERBOX_PADDING, if the crop was letterboxed).

    Outputs: PRESENCE (float, the model's pose presence probability), NORM_LANDMARKS (33
    landmarks normalized to the image), AUXILIARY_LANDMARKS (landmarks 33 and 34, for the next ROI),
    WORLD_LANDMARKS (33, metres, hip-centred), and, when side packet ENABLE_SEGMENTATION is true,
    SEGMENTATION_MASK: the person probability of each pixel of the model's 256x256 crop (a
    :class:`SegmentationMask`; ``image.image_to_tensor.warp_tensor_to_image`` maps it onto the
    image). The segmentation entry of TENSORS may be ``None`` (the model ran without its
    segmentation head: PoseLandmarkModelCalculator's UNUSED_OUTPUTS) when ENABLE_SEGMENTATION is
    not true. No presence threshold is applied here: that is the visibility-gating stage's job. Math:
    ``pose.landmark_decoding`` and ``tensor.segmentation`` (MediaPipe's
    TensorsToPoseLandmarksAndSegmentation subgraph).
    """

    contract = Contract(
        inputs={"TENSORS": Port(list), "NORM_RECT": Port(NormalizedRect),
                "LETTERBOX_PADDING": Port(np.ndarray, optional=True)},
        outputs={"PRESENCE": Port(float, optional=True), "NORM_LANDMARKS": Port(NormalizedLandmarkList, optional=True),
                 "AUXILIARY_LANDMARKS": Port(NormalizedLandmarkList, optional=True),
                 "WORLD_LANDMARKS": Port(LandmarkList, optional=True),
                 "SEGMENTATION_MASK": Port(SegmentationMask, optional=True)},
        input_side_packets={"ENABLE_SEGMENTATION": Port(bool, optional=True,
                                                        doc="send SEGMENTATION_MASK (default false)"),
                            "REFINEMENT_KERNEL_SIZE": Port(int, optional=True,
                                                           doc="overrides options.refinement_kernel_size")},
        options=TensorsToPoseLandmarksCalculatorOptions,
    )

    def open(self, cc: CalculatorContext) -> None:
        self.mask = bool(cc.side_input("ENABLE_SEGMENTATION", default=False)) and cc.has_output("SEGMENTATION_MASK")
        self.kernel_size = cc.side_input("REFINEMENT_KERNEL_SIZE", default=cc.options.refinement_kernel_size)

    def process(self, cc: CalculatorContext) -> None:
        tensors, rect = cc.value("TENSORS"), cc.value("NORM_RECT")
        if tensors is None or rect is None:
            return
        shapes = [None if t is None else tuple(t.shape) for t in tensors]
        expected = list(_SHAPES)
        if len(shapes) == len(expected) and shapes[SEGMENTATION_OUTPUT] is None:
            expected[SEGMENTATION_OUTPUT] = None  # the model ran without its segmentation head
        if shapes != expected:
            raise ModelError(f"landmark model outputs {shapes} do not match BlazePose's {_SHAPES}: "
                             "wrong model for this graph")
        if self.mask and tensors[SEGMENTATION_OUTPUT] is None:
            raise ModelError("ENABLE_SEGMENTATION is true but the landmark model ran without its segmentation "
                             "output (the InferenceCalculator's UNUSED_OUTPUTS): give the "
                             "PoseLandmarkModelCalculator that sets UNUSED_OUTPUTS the same ENABLE_SEGMENTATION")
        padding = cc.value("LETTERBOX_PADDING", default=(0.0, 0.0, 0.0, 0.0))
        landmarks, aux, world = pose_landmarks_from_tensors(tensors[0], tensors[3], tensors[4], rect, padding,
                                                            kernel_size=self.kernel_size)
        cc.send("PRESENCE", float(tensors[1].reshape(())))
        cc.send("NORM_LANDMARKS", landmarks)
        cc.send("AUXILIARY_LANDMARKS", aux)
        cc.send("WORLD_LANDMARKS", world)
        if self.mask:
            cc.send("SEGMENTATION_MASK", SegmentationMask(mask_from_logits(tensors[SEGMENTATION_OUTPUT])))
