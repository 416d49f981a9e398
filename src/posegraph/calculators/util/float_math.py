"""float32 ``sin``, ``cos`` and ``atan2`` as the C library's ``sinf``, ``cosf`` and ``atan2f`` give
them: what MediaPipe's calculators compute when their C++ calls ``std::sin``, ``std::cos`` or
``std::atan2`` on floats (the rotation of a ROI, the projection of landmarks by it).

These functions are not correctly rounded, and implementations differ: on a sample of 20,000 inputs
NumPy's float32 versions differed from glibc 2.36's by an ulp on 11% (sin), 17% (cos) and 40%
(atan2) of them, and the float64 value rounded once on 1%, 1% and 16%. An ulp of a ROI's rotation
moves pixels of the warped tensor, and a tracking loop (each frame's ROI from the last frame's
landmarks) amplifies the difference frame after frame. So the C library's own functions are
called (through ``ctypes``, a few calls per ROI); where no C math library can be loaded, the
float64 value rounded once stands in.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import math
from typing import Callable

import numpy as np

__all__ = ["sinf", "cosf", "atan2f"]


def _c_function(name: str, arity: int) -> Callable[..., float] | None:
    """The C math library's float function ``name`` taking ``arity`` floats, or ``None``."""
    path = ctypes.util.find_library("m")
    if path is None:
        return None
    try:
        function = getattr(ctypes.CDLL(path), name)
    except (OSError, AttributeError):
        return None
    function.restype = ctypes.c_float
    function.argtypes = [ctypes.c_float] * arity
    return function


_SINF = _c_function("sinf", 1)
_COSF = _c_function("cosf", 1)
_ATAN2F = _c_function("atan2f", 2)


def sinf(x: float) -> np.float32:
    """``sinf(x)`` for a float32 ``x`` (radians)."""
    x = float(np.float32(x))
    return np.float32(_SINF(x) if _SINF else math.sin(x))


def cosf(x: float) -> np.float32:
    """``cosf(x)`` for a float32 ``x`` (radians)."""
    x = float(np.float32(x))
    return np.float32(_COSF(x) if _COSF else math.cos(x))


def atan2f(y: float, x: float) -> np.float32:
    """``atan2f(y, x)`` for float32 ``y`` and ``x``, in radians, (-pi, pi]."""
    y, x = float(np.float32(y)), float(np.float32(x))
    return np.float32(_ATAN2F(y, x) if _ATAN2F else math.atan2(y, x))
