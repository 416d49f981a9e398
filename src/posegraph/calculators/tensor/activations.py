"""Activation functions applied to model outputs, in float32 like MediaPipe's C++ code."""

from __future__ import annotations

import numpy as np

from posegraph.calculators.util.float_math import expf

_F = np.float32


def sigmoid(x: np.ndarray) -> np.ndarray:
    """``1 / (1 + exp(-x))`` in float32, step by step as MediaPipe's Sigmoid activation computes
    it (``1.0f / (1.0f + std::exp(-x))``, the C library's ``expf``: ``util.float_math``); same
    shape as ``x``."""
    x = np.asarray(x, _F)
    return _F(1.0) / (_F(1.0) + expf(-x))
