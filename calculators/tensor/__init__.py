"""Tensor calculators: inference, detector and landmark tensor decoding."""

from posegraph.calculators.tensor import inference_calculator, tensors_to_detections_calculator  # noqa: F401
