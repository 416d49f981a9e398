"""float_math: float32 exp, sin, cos and atan2 as the C library computes them (what MediaPipe's C++
calls on floats), compared with the C library itself through ctypes, and why NumPy's own float32
functions would not do (``python -m pytest tests/calculators/util/test_float_math.py -s`` prints how
often they differ)."""

from __future__ import annotations

import ctypes
import ctypes.util

import numpy as np
import pytest

from posegraph.calculators.util.float_math import atan2f, cosf, expf, sinf

LIBM = ctypes.util.find_library("m")
pytestmark = pytest.mark.skipif(LIBM is None, reason="no C math library to compare with")


def c_function(name: str, arity: int):
    function = getattr(ctypes.CDLL(LIBM), name)
    function.restype, function.argtypes = ctypes.c_float, [ctypes.c_float] * arity
    return function


def test_expf_is_the_c_librarys_on_a_million_inputs():
    c_expf = c_function("expf", 1)
    x = np.random.default_rng(7).uniform(-30, 30, 1_000_000).astype(np.float32)
    expected = np.fromiter((c_expf(float(v)) for v in x), np.float32, x.size)
    np.testing.assert_array_equal(expf(x), expected)
    special = np.float32([100, -200, np.inf, -np.inf, 0, -0.0])
    np.testing.assert_array_equal(expf(special), np.float32([np.inf, 0, np.inf, 0, 1, 1]))
    assert np.isnan(expf(np.float32([np.nan])))[0]


def test_sin_cos_atan2_are_the_c_librarys():
    rng = np.random.default_rng(3)
    angles = rng.uniform(-3.3, 3.3, 20_000).astype(np.float32)
    y, x = rng.uniform(-500, 500, (2, 20_000)).astype(np.float32)
    for ours, theirs in ((sinf, c_function("sinf", 1)), (cosf, c_function("cosf", 1))):
        assert all(ours(a) == theirs(float(a)) for a in angles)
    c_atan2f = c_function("atan2f", 2)
    assert all(atan2f(a, b) == c_atan2f(float(a), float(b)) for a, b in zip(y, x))


def numpy_has_its_own_atan2f() -> bool:
    """Whether NumPy's float32 arctan2 is its own here: its AVX-512 (Skylake-X) version; on other
    CPUs NumPy calls the C library's ``atan2f``."""
    try:
        from numpy._core._multiarray_umath import __cpu_features__
    except ImportError:  # NumPy 1.x
        from numpy.core._multiarray_umath import __cpu_features__
    return bool(__cpu_features__.get("AVX512_SKX"))


def test_numpys_float32_functions_differ_from_the_c_librarys():
    """Why float_math exists: NumPy's float32 exp, sin and cos (and atan2, on a CPU with AVX-512)
    round differently from the C library on a large share of inputs (an ulp moves a ROI, and a
    tracking loop grows it). Without AVX-512 NumPy's float32 atan2 is the C library's."""
    rng = np.random.default_rng(1)
    x = rng.uniform(-20, 20, 20_000).astype(np.float32)
    angles = rng.uniform(-3.2, 3.2, 20_000).astype(np.float32)
    y, z = rng.uniform(-500, 500, (2, 20_000)).astype(np.float32)
    shares = {
        "exp": np.mean(np.exp(x) != expf(x)),
        "sin": np.mean(np.sin(angles) != np.array([sinf(a) for a in angles])),
        "cos": np.mean(np.cos(angles) != np.array([cosf(a) for a in angles])),
        "atan2": np.mean(np.arctan2(y, z) != np.array([atan2f(a, b) for a, b in zip(y, z)])),
    }
    print({name: round(float(share), 4) for name, share in shares.items()})
    own_atan2 = numpy_has_its_own_atan2f()
    assert all(share > 0.01 for name, share in shares.items() if name != "atan2"), shares
    assert (shares["atan2"] > 0.01) if own_atan2 else (shares["atan2"] == 0), (own_atan2, shares)
