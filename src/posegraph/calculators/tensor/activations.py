"""Activation functions applied to model outputs, in float32 like MediaPipe's C++ code."""

from __future__ import annotations

import numpy as np

_F = np.float32


def sigmoid(x: np.ndarray) -> np.ndarray:
    """``1 / (1 + exp(-x))`` in float32 (MediaPipe's Sigmoid activation); same shape as ``x``."""
    x = np.asarray(x, _F)
    with np.errstate(over="ignore"):
        return _F(1.0) / (_F(1.0) + np.exp(-x))
