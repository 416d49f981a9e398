"""SplitVectorCalculator and its typed variants: ranges to outputs by index, element_only,
combine_outputs, vectors too short, landmark lists and tensor vectors."""

from __future__ import annotations

from typing import Callable

import numpy as np
import pytest

from posegraph import CalculatorError, GraphConfigError
from posegraph.calculators.formats import LandmarkList, NormalizedLandmarkList
from posegraph.testing import run_calculator

SPLIT = '''
input_stream: "v"
node {{
  name: "split"
  calculator: "{calculator}"
  input_stream: "v"
  output_stream: "first"
  output_stream: "rest"
  options {{ [mediapipe.SplitVectorCalculatorOptions.ext] {{ {options} }} }}
}}
'''
RANGES = "ranges { begin: 0 end: 1 } ranges { begin: 1 end: 4 }"


@pytest.mark.parametrize("calculator", ["SplitVectorCalculator", "SplitDetectionVectorCalculator"])
def test_ranges_go_to_the_outputs_of_the_same_index(run_graph: Callable, calculator: str) -> None:
    text = SPLIT.format(calculator=calculator, options=RANGES)
    out = run_graph(text, [("v", [10, 11, 12, 13, 14], 0), ("v", (20, 21, 22, 23), 5)], ["first", "rest"])
    assert out == {"first": [(0, [10]), (5, [20])], "rest": [(0, [11, 12, 13]), (5, [21, 22, 23])]}


def test_a_range_the_vector_is_too_short_for_sends_nothing(run_graph: Callable) -> None:
    text = SPLIT.format(calculator="SplitVectorCalculator", options=RANGES) + '''
    node { calculator: "MergeCalculator" input_stream: "rest" input_stream: "first" output_stream: "m" }
    '''
    out = run_graph(text, [("v", [1, 2, 3], 0), ("v", [4, 5, 6, 7], 1), ("v", [], 2)], ["first", "rest", "m"])
    assert out["first"] == [(0, [1]), (1, [4])]
    assert out["rest"] == [(1, [5, 6, 7])]
    assert out["m"] == [(0, [1]), (1, [5, 6, 7])]  # and the merge after it was not stalled


def test_element_only_sends_the_element_itself(run_graph: Callable) -> None:
    options = "ranges { begin: 0 end: 1 } ranges { begin: 2 end: 3 } element_only: true"
    text = SPLIT.format(calculator="SplitVectorCalculator", options=options)
    out = run_graph(text, [("v", ["a", "b", "c"], 0), ("v", ["d", "e"], 1)], ["first", "rest"])
    assert out == {"first": [(0, "a"), (1, "d")], "rest": [(0, "c")]}


def test_element_only_with_a_wide_range_fails_at_open(run_graph: Callable) -> None:
    text = SPLIT.format(calculator="SplitVectorCalculator", options=RANGES + " element_only: true")
    with pytest.raises(CalculatorError) as info:
        run_graph(text, [], ["first"])
    assert (info.value.node, info.value.method) == ("split", "open")
    assert "element_only needs every range to hold exactly one element" in str(info.value)


def test_default_options_take_the_first_element(run_graph: Callable) -> None:
    text = 'input_stream: "v"\nnode { calculator: "SplitVectorCalculator" input_stream: "v" output_stream: "o" }'
    assert run_graph(text, [("v", [7, 8], 3)], ["o"]) == {"o": [(3, [7])]}


def test_a_payload_that_is_not_a_vector_is_a_calculator_error(run_graph: Callable) -> None:
    text = SPLIT.format(calculator="SplitVectorCalculator", options=RANGES)
    with pytest.raises(CalculatorError) as info:
        run_graph(text, [("v", 5, 9)], ["first"])
    assert (info.value.node, str(info.value.timestamp)) == ("split", "9")


def test_landmark_lists_split_and_combine():
    data = np.arange(35 * 5, dtype=np.float32).reshape(35, 5)
    out = run_calculator("SplitNormalizedLandmarkListCalculator", {"": [NormalizedLandmarkList(data)]},
                         options={"ranges": [{"begin": 0, "end": 33}, {"begin": 33, "end": 35}]}, outputs=[":0", ":1"])
    np.testing.assert_array_equal(out[":0"][0].payload.data, data[:33])
    np.testing.assert_array_equal(out[":1"][0].payload.data, data[33:])
    combined = run_calculator("SplitNormalizedLandmarkListCalculator", {"": [NormalizedLandmarkList(data)]},
                              options={"ranges": [{"begin": 1, "end": 4}, {"begin": 7, "end": 8}],
                                       "combine_outputs": True})
    np.testing.assert_array_equal(combined[""][0].payload.data, data[[1, 2, 3, 7]])
    world = run_calculator("SplitLandmarkListCalculator", {"": [LandmarkList(data)]},
                           options={"ranges": [{"begin": 0, "end": 33}]})
    assert isinstance(world[""][0].payload, LandmarkList) and len(world[""][0].payload) == 33


def test_tensor_vector_split_and_overlapping_combine_fails():
    tensors = [np.zeros(1), np.ones(2), np.full(3, 2.0)]
    out = run_calculator("SplitTensorVectorCalculator", {"": [tensors]},
                         options={"ranges": [{"begin": 0, "end": 1}, {"begin": 2, "end": 3}]}, outputs=[":0", ":1"])
    assert out[":1"][0].payload[0] is tensors[2]
    with pytest.raises((CalculatorError, GraphConfigError), match="overlap"):
        run_calculator("SplitTensorVectorCalculator", {"": [tensors]},
                       options={"ranges": [{"begin": 0, "end": 2}, {"begin": 1, "end": 3}], "combine_outputs": True})
