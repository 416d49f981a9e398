import numpy as np

from posegraph.calculators.pose.landmark_smoothing import (PoseLandmarkSmoother,
                                                           object_scale_from_auxiliary)

SIZE = (720, 1280)


def _frame(offset):
    body = np.full((33, 5), 0.5, np.float32)
    body[:, 0] += offset
    aux = np.array([[0.5 + offset, 0.6, 0, 1, 1], [0.5 + offset, 0.4, 0, 1, 1]], np.float32)
    world = np.zeros((33, 5), np.float32)
    world[:, 0] = offset
    return body, aux, world


def test_object_scale_is_twice_the_aux_distance_in_pixels():
    _, aux, _ = _frame(0.0)
    assert object_scale_from_auxiliary(aux, SIZE) == np.float32(0.2 * 1280 * 2)


def test_disabled_smoothing_keeps_body_and_world_but_smooths_aux():
    s = PoseLandmarkSmoother(enabled=False)
    s.apply(*_frame(0.0), 0, SIZE)
    body, aux, world = _frame(0.1)
    b, a, w = s.apply(body, aux, world, 200_000, SIZE)
    np.testing.assert_array_equal(b, body)
    np.testing.assert_array_equal(w, world)
    assert a[0, 0] < aux[0, 0]


def test_enabled_smoothing_and_reset_rules():
    s = PoseLandmarkSmoother(enabled=True)
    first = s.apply(*_frame(0.0), 0, SIZE)
    np.testing.assert_array_equal(first[0], _frame(0.0)[0])       # first sample passes through
    body, aux, world = _frame(0.1)
    b, a, w = s.apply(body, aux, world, 200_000, SIZE)
    assert b[0, 0] < body[0, 0] and w[0, 0] < world[0, 0]
    # Visibility low-pass alpha 0.1: 0.5 then 0.9 -> 0.54.
    body2 = body.copy()
    body2[:, 3] = 0.9
    s.no_landmarks()
    b2, a2, w2 = s.apply(body2, aux, world, 400_000, SIZE)
    # Body and aux filters were reset: pass through; world and visibility kept their state.
    np.testing.assert_array_equal(b2[:, :3], body2[:, :3])
    np.testing.assert_array_equal(a2[:, :3], aux[:, :3])
    assert w2[0, 0] < world[0, 0]
    np.testing.assert_allclose(b2[:, 3], 0.1 * 0.9 + 0.9 * 0.5, rtol=1e-6)
