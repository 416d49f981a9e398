"""float32 ``exp``, ``sin``, ``cos`` and ``atan2`` as the C library's ``expf``, ``sinf``, ``cosf`` and
``atan2f`` give them: what MediaPipe's calculators compute when their C++ calls ``std::exp``,
``std::sin``, ``std::cos`` or ``std::atan2`` on floats (sigmoids of model outputs, the rotation of
a ROI, the projection of landmarks by it).

These functions are not correctly rounded, and implementations differ: NumPy's float32 versions
differ from glibc 2.36's by an ulp on 39% (exp), 12% (sin), 17% (cos) and, on a CPU with AVX-512,
40% (atan2) of random inputs (``tests/calculators/util/test_float_math.py`` prints the shares;
without AVX-512 NumPy's float32 atan2 is the C library's), and the float64 value
rounded once differs from them too, more rarely. An ulp of a ROI's rotation or of a heatmap's
weight moves the next frame's ROI, and a tracking loop (each frame's ROI from the last frame's
landmarks) amplifies the difference frame after frame. So the C library's own functions are
called (through ``ctypes``): ``sinf``, ``cosf`` and ``atan2f`` for every value (a few per ROI),
``expf`` (thousands of values a frame) only where the float64 value lies so near a float32
rounding boundary that a function within 0.505 ulp could round it the other way (about 1% of
values); elsewhere the float64 value rounded once is what ``expf`` gives (the test compares a
million random inputs with glibc's). Where no C math library can be loaded, the float64 value
rounded once stands in for all four.
"""

from __future__ import annotations

import ctypes
import math
from typing import Callable

import numpy as np

__all__ = ["expf", "sinf", "cosf", "atan2f"]


def _c_math_library() -> ctypes.CDLL | None:
    """The C math library: glibc's and macOS's by name (no search), else where ``ctypes`` finds
    it (a search that runs ``ldconfig``: milliseconds), else ``None``."""
    for name in ("libm.so.6", "libm.dylib"):
        try:
            return ctypes.CDLL(name)
        except OSError:
            pass
    from ctypes.util import find_library  # here: it imports subprocess, which the usual case does without

    path = find_library("m")
    try:
        return ctypes.CDLL(path) if path else None
    except OSError:
        return None


def _c_function(library: ctypes.CDLL | None, name: str, arity: int) -> Callable[..., float] | None:
    """The C math library's float function ``name`` taking ``arity`` floats, or ``None``."""
    function = getattr(library, name, None) if library is not None else None
    if function is None:
        return None
    function.restype = ctypes.c_float
    function.argtypes = [ctypes.c_float] * arity
    return function


_LIBM = _c_math_library()
_EXPF = _c_function(_LIBM, "expf", 1)
_SINF = _c_function(_LIBM, "sinf", 1)
_COSF = _c_function(_LIBM, "cosf", 1)
_ATAN2F = _c_function(_LIBM, "atan2f", 2)


#: Within this many float32 ulps of a rounding boundary the C library's ``expf`` decides: enough
#: for any ``expf`` within 0.505 ulp of the exact value (glibc's: 0.502).
_EXPF_MARGIN = 0.005
#: A float64 has 29 more mantissa bits than a float32: these are the ones rounding drops. The
#: values whose dropped bits lie within ``_NEAR`` of half their range (``_HALF``) are near a
#: rounding boundary; ``(dropped - _LOW) < _WIDTH`` (unsigned) finds them in two steps.
_DROPPED = np.uint64((1 << 29) - 1)
_HALF = 1 << 28
_NEAR = int(_EXPF_MARGIN * (1 << 29))
_LOW = np.uint64(_HALF - _NEAR)
_WIDTH = np.uint64(2 * _NEAR)
_FLT_MIN = float(np.finfo(np.float32).tiny)


def expf(x: np.ndarray) -> np.ndarray:
    """float32 array (same shape): ``expf`` of each float32 value of ``x``."""
    x = np.asarray(x, np.float32)
    with np.errstate(over="ignore"):
        wide = np.exp(x.astype(np.float64))
        out = wide.astype(np.float32)
    if _EXPF is None or not out.size:
        return out
    # Near a float32 rounding boundary, and below float32's normal range (and for NaN), the C
    # library decides.
    dropped = wide.view(np.uint64) & _DROPPED
    dropped -= _LOW
    doubtful = dropped < _WIDTH
    doubtful |= ~(wide >= _FLT_MIN)
    where = np.flatnonzero(doubtful)
    if where.size:
        out.reshape(-1)[where] = [_EXPF(v) for v in x.reshape(-1)[where].tolist()]
    return out


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
