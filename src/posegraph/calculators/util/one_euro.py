"""The one-euro filter and the low-pass filter, as MediaPipe's OneEuroFilter and LowPassFilter
compute them, vectorised: one filter per element of a fixed-shape array, all sharing one clock.

Precision follows MediaPipe: the low-pass state is float32, each step ``alpha * value`` in float32
plus ``(1 - alpha) * previous`` in double; the one-euro rates, cutoffs and alphas are double; the
options are float32 constants (proto floats).
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["LowPassFilter", "OneEuroFilter"]

_F = np.float32


class LowPassFilter:
    """Exponential smoothing of an array (MediaPipe's LowPassFilter).

    The first call returns the value; later calls return ``alpha * value + (1 - alpha) * previous
    output``. Values are float32 arrays of one fixed shape.
    """

    def __init__(self, alpha: float = 1.0) -> None:
        self.alpha = _F(alpha)
        self.reset()

    def reset(self) -> None:
        """Forget all state: the next call passes its value through."""
        self._raw: np.ndarray | None = None
        self._stored: np.ndarray | None = None

    @property
    def has_last_raw_value(self) -> bool:
        """Whether a value was filtered since construction or ``reset()``."""
        return self._raw is not None

    @property
    def last_raw_value(self) -> np.ndarray:
        """The last unfiltered input (float32). Raises RuntimeError before the first call."""
        if self._raw is None:
            raise RuntimeError("LowPassFilter has no value yet; call apply() first")
        return self._raw

    def apply(self, value: np.ndarray, alpha: float | np.ndarray | None = None) -> np.ndarray:
        """Filter one sample.

        Args:
            value: float32 array (the shape must stay the same between resets).
            alpha: float32 smoothing factor in [0, 1], scalar or per element; the filter's own
                ``alpha`` when ``None`` (MediaPipe's ApplyWithAlpha / Apply).

        Returns:
            The filtered float32 array.
        """
        value = np.asarray(value, _F)
        a = self.alpha if alpha is None else np.asarray(alpha, _F)
        if self._stored is None:
            result = value.copy()
        else:
            result = ((a * value).astype(np.float64)
                      + (1.0 - a.astype(np.float64)) * self._stored.astype(np.float64)).astype(_F)
        self._raw = value.copy()
        self._stored = result
        return result


class OneEuroFilter:
    """A bank of one-euro filters on one clock (MediaPipe's OneEuroFilter, one per array element).

    On a sample at ``t`` ns: if the last time is ``>= t`` the value is returned unfiltered and no
    state changes. If the last time is not 0 and ``t`` is not 0, the frequency becomes
    ``1 / ((t - last) * 1e-9)``; then ``last = t``. The last time starts at -1 and the frequency at
    ``frequency`` (so a second sample after a first one at t = 0 still uses the configured rate,
    as MediaPipe does). ``dx = (value - previous raw value) * value_scale * frequency`` (0 on the
    first sample), ``edx = lowpass_dx(dx, alpha(derivate_cutoff))``,
    ``cutoff = min_cutoff + beta * |edx|``, ``out = lowpass_x(value, alpha(cutoff))``, with
    ``alpha(c) = 1 / (1 + tau / te)``, ``te = 1 / frequency``, ``tau = 1 / (2 pi c)``.
    """

    def __init__(self, *, min_cutoff: float, beta: float, derivate_cutoff: float = 1.0,
                 frequency: float = 30.0) -> None:
        for name, v in (("min_cutoff", min_cutoff), ("derivate_cutoff", derivate_cutoff),
                        ("frequency", frequency)):
            if not v > 1e-6:
                raise ValueError(f"OneEuroFilter: {name} must be > 0, got {v}")
        self.min_cutoff = float(_F(min_cutoff))
        self.beta = float(_F(beta))
        self.derivate_cutoff = float(_F(derivate_cutoff))
        self.initial_frequency = float(_F(frequency))
        self._x = LowPassFilter()
        self._dx = LowPassFilter()
        self.reset()

    def reset(self) -> None:
        """Forget all state, as a freshly constructed filter (MediaPipe re-creates it)."""
        self._x.reset()
        self._dx.reset()
        self.frequency = self.initial_frequency
        self.last_time_ns = -1

    def _alpha(self, cutoff: float | np.ndarray) -> np.ndarray:
        te = 1.0 / self.frequency
        tau = 1.0 / (2 * math.pi * np.asarray(cutoff, np.float64))
        return (1.0 / (1.0 + tau / te)).astype(_F)

    def apply(self, value: np.ndarray, timestamp_ns: int, value_scale: float = 1.0) -> np.ndarray:
        """Filter one sample of every element.

        Args:
            value: float32 array, same shape on every call between resets.
            timestamp_ns: the sample's time in nanoseconds.
            value_scale: multiplies the derivative (MediaPipe passes 1 / object scale).

        Returns:
            The filtered float32 array (the input unchanged if time did not advance).
        """
        value = np.asarray(value, _F)
        t = int(timestamp_ns)
        if self.last_time_ns >= t:
            return value.copy()
        if self.last_time_ns != 0 and t != 0:
            self.frequency = 1.0 / ((t - self.last_time_ns) * 1e-9)
        self.last_time_ns = t
        if self._x.has_last_raw_value:
            dvalue = ((value.astype(np.float64) - self._x.last_raw_value.astype(np.float64))
                      * float(_F(value_scale)) * self.frequency)
        else:
            dvalue = np.zeros(value.shape, np.float64)
        edvalue = self._dx.apply(dvalue.astype(_F), self._alpha(self.derivate_cutoff))
        cutoff = self.min_cutoff + self.beta * np.abs(edvalue.astype(np.float64))
        return self._x.apply(value, self._alpha(cutoff))
