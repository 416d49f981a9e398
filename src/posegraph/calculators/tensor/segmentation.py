"""A segmentation model's output tensor as a mask (MediaPipe's TensorsToSegmentationCalculator,
its OpenCV converter): a per-pixel activation, then an optional resize."""

from __future__ import annotations

from typing import Literal

import cv2
import numpy as np

from posegraph.calculators.tensor.activations import sigmoid
from posegraph.calculators.util.float_math import expf

__all__ = ["mask_from_logits", "mask_from_tensor"]

_F = np.float32
MaskActivation = Literal["none", "sigmoid", "softmax"]


def mask_from_logits(logits: np.ndarray) -> np.ndarray:
    """The probability of each pixel of the model's crop: ``1 / (exp(-x) + 1)`` in float32
    (MediaPipe's TensorsToSegmentationCalculator with SIGMOID activation, one channel).

    Args:
        logits: float32 segmentation logits, (1, h, w, 1) as a model gives them, or (h, w).

    Returns:
        float32 (h, w) in [0, 1], in the pixels of the model's input crop.

    Raises:
        ValueError: if ``logits`` is neither (1, h, w, 1) nor (h, w).
    """
    logits = np.asarray(logits, _F)
    if logits.ndim == 4 and logits.shape[0] == 1 and logits.shape[3] == 1:
        logits = logits[0, :, :, 0]
    if logits.ndim != 2:
        raise ValueError(f"mask_from_logits: expected (1, h, w, 1) or (h, w) logits, got shape {logits.shape}")
    return sigmoid(logits)


def mask_from_tensor(tensor: np.ndarray, *, activation: MaskActivation = "none",
                     output_layer_index: int = 1,
                     output_size: tuple[int, int] | None = None) -> np.ndarray:
    """A float32 (H, W) mask from a (1, h, w, c) or (h, w, c) tensor (MediaPipe's
    TensorsToSegmentationCalculator, CPU).

    ``"none"`` passes one channel through; ``"sigmoid"`` is :func:`mask_from_logits`;
    ``"softmax"`` (two channels) gives channel ``output_layer_index``'s softmax probability,
    ``exp(v[i] - max) / (1 + exp(min - max))``. With ``output_size`` ``(W, H)`` the mask is
    resized bilinearly (``cv2.resize``), else it keeps the tensor's size.

    Raises:
        ValueError: a channel count other than 1 or 2, softmax on one channel, or an unknown
            activation.
    """
    t = np.asarray(tensor, _F)
    if t.ndim == 4:
        t = t[0]
    if t.ndim == 2:
        t = t[..., None]
    channels = t.shape[2]
    if channels not in (1, 2):
        raise ValueError(f"mask_from_tensor: unsupported number of tensor channels {channels}")
    if activation == "softmax":
        if channels != 2:
            raise ValueError("mask_from_tensor: SOFTMAX needs a 2-channel tensor")
        hi, lo = t.max(axis=2), t.min(axis=2)
        mask = expf(t[..., output_layer_index] - hi) / (_F(1.0) + expf(lo - hi))  # std::exp on floats
    elif activation == "sigmoid":
        mask = mask_from_logits(t[..., 0])
    elif activation == "none":
        mask = t[..., 0].copy()
    else:
        raise ValueError(f"mask_from_tensor: activation must be none, sigmoid or softmax, got {activation!r}")
    mask = mask.astype(_F)
    if output_size is not None and (mask.shape[1], mask.shape[0]) != tuple(output_size):
        mask = cv2.resize(mask, (int(output_size[0]), int(output_size[1])))
    return mask
