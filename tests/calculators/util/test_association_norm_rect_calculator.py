"""AssociationNormRectCalculator on MediaPipe 0.10.21's own test cases
(``mediapipe/calculators/util/association_calculator_test.cc``, AssociationNormRectCalculatorTest:
the rects and the expected outputs are copied from there), and its edges."""

from __future__ import annotations

import pytest

from posegraph import CalculatorError, GraphConfigError
from posegraph.calculators.formats import NormalizedRect
from posegraph.testing import run_calculator

NR = [NormalizedRect(0.2, 0.2, 0.2, 0.2), NormalizedRect(0.4, 0.2, 0.2, 0.2), NormalizedRect(1.0, 0.3, 0.2, 0.2),
      NormalizedRect(0.35, 0.15, 0.3, 0.3), NormalizedRect(1.1, 0.3, 0.2, 0.2), NormalizedRect(0.45, 0.05, 0.3, 0.3)]
OPTIONS = {"min_similarity_threshold": 0.1}


def associate(*streams: list[NormalizedRect], options: dict | None = OPTIONS, **extra) -> tuple:
    inputs = {("" if i == 0 else f":{i}"): {1: list(stream)} for i, stream in enumerate(streams)}
    out = run_calculator("AssociationNormRectCalculator", {**inputs, **extra}, options=options)[""]
    assert [p.timestamp for p in out] == [1]
    return out[0].payload


def test_mediapipe_norm_rect_assoc() -> None:
    # MediaPipe: nr_3 overlaps nr_0 and nr_1, nr_5 overlaps nr_3 (nr_5 has the highest priority);
    # nr_4 overlaps nr_2 and is of higher priority. Outputs in input order.
    assert associate(NR[0:3], [NR[3], NR[4]], [NR[5]]) == (NR[4], NR[5])


def test_mediapipe_norm_rect_assoc_reverse() -> None:
    assert associate([NR[5]], [NR[3], NR[4]], NR[0:3]) == (NR[0], NR[1], NR[2])


def test_mediapipe_norm_rect_assoc_single_input_stream() -> None:
    # nr_5 comes after nr_3 in the same stream and overlaps it: nr_5 stays.
    assert associate([NR[3], NR[5]]) == (NR[5],)


def test_ids_are_not_carried_and_prev_changes_nothing_as_in_mediapipe() -> None:
    tracked = NormalizedRect(0.35, 0.15, 0.3, 0.3, rect_id=7)
    assert associate([tracked], [NR[5]], PREV={1: [tracked]}) == (NR[5],)


def test_a_missing_input_is_skipped_and_the_default_threshold_replaces_nothing() -> None:
    out = run_calculator("AssociationNormRectCalculator", {"": {1: [NR[3]], 2: [NR[0]]}, ":1": {1: [NR[5]]}},
                         options=OPTIONS)[""]
    assert [(p.timestamp, p.payload) for p in out] == [(1, (NR[5],)), (2, (NR[0],))]
    assert associate([NR[3], NR[3]], [NR[3]], options=None) == (NR[3], NR[3], NR[3])


def test_a_negative_threshold_is_refused() -> None:
    with pytest.raises((CalculatorError, GraphConfigError, ValueError), match="min_similarity_threshold"):
        associate([NR[0]], options={"min_similarity_threshold": -0.5})
