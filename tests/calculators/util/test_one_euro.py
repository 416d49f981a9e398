import math

import numpy as np
import pytest

from posegraph.calculators.util.one_euro import LowPassFilter, OneEuroFilter

MS = 1_000_000  # nanoseconds


def test_low_pass_first_sample_then_blend():
    lp = LowPassFilter(0.25)
    assert lp.apply(np.float32(4.0)) == 4.0
    assert lp.apply(np.float32(8.0)) == pytest.approx(5.0)
    lp.reset()
    assert not lp.has_last_raw_value and lp.apply(np.float32(8.0)) == 8.0


def _alpha(cutoff, frequency):
    return 1.0 / (1.0 + frequency / (2 * math.pi * cutoff))


def test_first_sample_passes_through_at_any_time():
    for t in (0, 123 * MS):
        f = OneEuroFilter(min_cutoff=1.0, beta=0.0)
        assert f.apply(np.float32([3.5]), t)[0] == 3.5


def test_second_sample_after_t0_uses_configured_frequency():
    # MediaPipe's quirk: no rate update when the previous time is 0, so 30 Hz applies even though
    # the samples are 200 ms (5 Hz) apart.
    f = OneEuroFilter(min_cutoff=1.0, beta=0.0)
    f.apply(np.float32([0.0]), 0)
    out = f.apply(np.float32([1.0]), 200 * MS)[0]
    assert out == pytest.approx(_alpha(1.0, 30.0), rel=1e-6)
    out = f.apply(np.float32([1.0]), 400 * MS)[0]    # now 5 Hz
    a = _alpha(1.0, 5.0)
    assert out == pytest.approx(a * 1.0 + (1 - a) * _alpha(1.0, 30.0), rel=1e-6)


def test_stale_timestamp_returns_value_and_keeps_state():
    f = OneEuroFilter(min_cutoff=1.0, beta=0.0)
    f.apply(np.float32([0.0]), 10 * MS)
    assert f.apply(np.float32([7.0]), 10 * MS)[0] == 7.0
    assert f.last_time_ns == 10 * MS


def test_beta_speeds_up_on_fast_motion_and_reset_forgets():
    slow = OneEuroFilter(min_cutoff=0.05, beta=0.0)
    fast = OneEuroFilter(min_cutoff=0.05, beta=80.0)
    for filt in (slow, fast):
        filt.apply(np.float32([0.0]), 1 * MS)
    assert fast.apply(np.float32([10.0]), 34 * MS)[0] > slow.apply(np.float32([10.0]), 34 * MS)[0]
    fast.reset()
    assert fast.frequency == 30.0 and fast.apply(np.float32([2.0]), 50 * MS)[0] == 2.0


def test_rejects_nonpositive_cutoff():
    with pytest.raises(ValueError, match="min_cutoff"):
        OneEuroFilter(min_cutoff=0.0, beta=1.0)
