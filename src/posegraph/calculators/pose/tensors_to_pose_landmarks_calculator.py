"""TensorsToPoseLandmarksCalculator: the BlazePose landmark model's tensors to landmarks in the image."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from posegraph import Calculator, CalculatorContext, Contract, ModelError, Port
from posegraph.calculators.formats import LandmarkList, NormalizedLandmarkList, NormalizedRect
from posegraph.calculators.pose.landmark_decoding import pose_landmarks_from_tensors
from posegraph.calculators.pose.segmentation import segmentation_mask

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
    WORLD_LANDMARKS (33, metres, hip-centred), SEGMENTATION_MASK (float32 (H, W) probabilities over
    the whole image; computed only when connected, with IMAGE_SIZE). No presence threshold is applied
    here: that is the visibility-gating stage's job. Math: ``tensor.landmark_decoding`` (MediaPipe's
    pose_landmark_by_roi graph) and ``util.segmentation``.
    """

    contract = Contract(
        inputs={"TENSORS": Port(list), "NORM_RECT": Port(NormalizedRect),
                "LETTERBOX_PADDING": Port(np.ndarray, optional=True), "IMAGE_SIZE": Port(tuple, optional=True)},
        input_side_packets={"REFINEMENT_KERNEL_SIZE": Port(int, optional=True)},
        outputs={"PRESENCE": Port(float, optional=True), "NORM_LANDMARKS": Port(NormalizedLandmarkList, optional=True),
                 "AUXILIARY_LANDMARKS": Port(NormalizedLandmarkList, optional=True),
                 "WORLD_LANDMARKS": Port(LandmarkList, optional=True), "SEGMENTATION_MASK": Port(np.ndarray, optional=True)},
        options=TensorsToPoseLandmarksCalculatorOptions,
    )

    def open(self, cc: CalculatorContext) -> None:
        self.kernel_size = cc.side_input("REFINEMENT_KERNEL_SIZE", default=cc.options.refinement_kernel_size)
        self.mask = cc.has_output("SEGMENTATION_MASK")
        if self.mask and not cc.has_input("IMAGE_SIZE"):
            raise ValueError("SEGMENTATION_MASK needs the IMAGE_SIZE input")

    def process(self, cc: CalculatorContext) -> None:
        tensors, rect = cc.value("TENSORS"), cc.value("NORM_RECT")
        if tensors is None or rect is None:
            return
        shapes = [tuple(t.shape) for t in tensors]
        if shapes != _SHAPES:
            raise ModelError(f"landmark model outputs {shapes} do not match BlazePose's {_SHAPES}: "
                             "wrong model for this graph")
        padding = cc.value("LETTERBOX_PADDING", default=(0.0, 0.0, 0.0, 0.0))
        landmarks, aux, world = pose_landmarks_from_tensors(tensors[0], tensors[3], tensors[4], rect, padding,
                                                            kernel_size=self.kernel_size)
        cc.send("PRESENCE", float(tensors[1].reshape(())))
        cc.send("NORM_LANDMARKS", landmarks)
        cc.send("AUXILIARY_LANDMARKS", aux)
        cc.send("WORLD_LANDMARKS", world)
        if self.mask:
            size = cc.value("IMAGE_SIZE")
            cc.send("SEGMENTATION_MASK", segmentation_mask(tensors[2], rect, size))
