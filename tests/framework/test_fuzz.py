"""Property tests: whatever config or packets come in, only PosegraphError comes out, and nothing hangs.

Configs are valid ones with characters or tokens deleted, duplicated or swapped, and random YAML
trees; packets are random streams, timestamps and payloads fed through small graphs (a gate and
loopback loop, fixed-size and immediate handlers), whose every stream must keep strictly increasing
timestamps.
"""

from __future__ import annotations

import re
from typing import Any, Callable

import yaml
from hypothesis import event, HealthCheck, given, settings
from hypothesis import strategies as st

import posegraph
from posegraph import Graph, PosegraphError, Timestamp, parse_config

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

VALID_PBTXT = '''
input_stream: "frame"
input_stream: "allow"
input_side_packet: "unused"
output_stream: "merged"
num_threads: 2
max_queue_size: 4
node {
  calculator: "PreviousLoopbackCalculator"
  input_stream: "MAIN:frame"
  input_stream: "LOOP:loop"
  input_stream_info { tag_index: "LOOP" back_edge: true }
  output_stream: "PREV_LOOP:prev"
}
node {
  name: "gate"
  calculator: "GateCalculator"
  input_stream: "prev"
  input_stream: "ALLOW:allow"
  output_stream: "loop"
  output_stream: "STATE_CHANGE:change"
  options { [mediapipe.GateCalculatorOptions.ext] { empty_packets_as_allow: true } }
}
node {
  calculator: "PacketPresenceCalculator"
  input_stream: "PACKET:prev"
  output_stream: "PRESENCE:has_prev"
}
node {
  calculator: "MergeCalculator"
  input_stream: "loop"
  input_stream: "frame"
  output_stream: "merged"
  input_stream_handler {
    input_stream_handler: "FixedSizeInputStreamHandler"
    options { [mediapipe.FixedSizeInputStreamHandlerOptions.ext] { trigger_queue_size: 2 target_queue_size: 1 } }
  }
}
node {
  calculator: "ConstantSidePacketCalculator"
  output_side_packet: "PACKET:0:k"
  node_options: { [type.googleapis.com/mediapipe.ConstantSidePacketCalculatorOptions] { packet { int_value: 3 } } }
}
node {
  calculator: "SplitVectorCalculator"
  input_stream: "frame"
  output_stream: "first"
  options { [mediapipe.SplitVectorCalculatorOptions.ext] { ranges { begin: 0 end: 1 } element_only: true } }
}
'''
TOKENS = re.findall(r'"[^"]*"|[A-Za-z0-9_.]+|\S', VALID_PBTXT)


def test_the_base_config_is_valid() -> None:
    graph = Graph(parse_config(VALID_PBTXT))
    assert len(graph.validated.nodes) == 6


def build_and_run(loaded: Callable[[], Any], within: Callable) -> None:
    """Parses and builds a config; if it builds, runs a few frames. Only PosegraphError may escape."""

    def attempt() -> None:
        try:
            graph = Graph(loaded(), num_threads=1)
            if any(not node.inputs and node.outputs for node in graph.validated.nodes):
                return  # none of these calculators is a source: see test_a_calculator_left_without_inputs_...
            graph.start()
            for t in range(3):
                for name in graph.input_streams:
                    graph.add_packet(name, [t], t)
            graph.close()
        except PosegraphError:
            pass

    within(attempt, timeout=10)


@st.composite
def mutated_pbtxt(draw: st.DrawFn) -> str:
    text = VALID_PBTXT
    tokens = list(TOKENS)
    by_token = draw(st.booleans())
    for _ in range(draw(st.integers(1, 3))):
        seq: Any = tokens if by_token else text
        if len(seq) < 2:
            break
        i = draw(st.integers(0, len(seq) - 1))
        j = draw(st.integers(0, len(seq) - 1))
        op = draw(st.sampled_from(["delete", "duplicate", "swap", "insert"]))
        if by_token:
            if op == "delete":
                del tokens[i]
            elif op == "duplicate":
                tokens.insert(i, tokens[i])
            elif op == "swap":
                tokens[i], tokens[j] = tokens[j], tokens[i]
            else:
                tokens.insert(i, draw(st.sampled_from(["{", "}", ":", '"x"', "node", "[", "]", "<", ">", "-1",
                                                       "input_stream", '"A:0:b"', "back_edge", "true", "#"])))
        else:
            if op == "delete":
                text = text[:i] + text[i + 1:]
            elif op == "duplicate":
                text = text[:i] + text[i] + text[i:]
            elif op == "swap":
                a, b = sorted((i, j))
                text = text[:a] + text[b] + text[a + 1:b] + text[a] + text[b + 1:] if a != b else text
            else:
                text = text[:i] + draw(st.sampled_from(list('{}[]<>:"\'#\\\n ,;-0A_z.'))) + text[i:]
    return " ".join(tokens) if by_token else text


@FUZZ
@given(text=mutated_pbtxt())
def test_mutated_pbtxt_raises_only_posegraph_errors(within: Callable, text: str) -> None:
    build_and_run(lambda: parse_config(text, "pbtxt", "mutated.pbtxt"), within)


FIELDS = ["node", "calculator", "name", "input_stream", "output_stream", "input_side_packet",
          "output_side_packet", "options", "node_options", "input_stream_info", "tag_index", "back_edge",
          "num_threads", "max_queue_size", "max_in_flight", "input_stream_handler", "executor", "type",
          "empty_packets_as_allow", "allow", "packet", "int_value", "ranges", "begin", "end"]
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-3, 2**40), st.floats(allow_nan=True),
                    st.sampled_from(["frame", "ALLOW:allow", "GateCalculator", "PreviousLoopbackCalculator",
                                     "MergeCalculator", "LOOP", "MAIN:frame", "[x]", "", "Bad-Name", "A:1:b"]),
                    st.text(max_size=8))
KEYS = st.one_of(st.sampled_from(FIELDS), st.text(max_size=6), st.integers(-2, 2), st.booleans())
YAML_TREES = st.recursive(SCALARS, lambda children: st.one_of(
    st.lists(children, max_size=4), st.dictionaries(KEYS, children, max_size=5)), max_leaves=25)


@FUZZ
@given(tree=st.dictionaries(st.sampled_from(FIELDS), YAML_TREES, max_size=6))
def test_random_yaml_trees_raise_only_posegraph_errors(within: Callable, tree: dict) -> None:
    text = yaml.safe_dump(tree)
    build_and_run(lambda: parse_config(text, "yaml", "random.yaml"), within)


VALID_YAML_NODES = [
    {"calculator": "PassThroughCalculator", "input_stream": ["frame"], "output_stream": ["copy"]},
    {"calculator": "GateCalculator", "input_stream": ["copy", "ALLOW:allow"], "output_stream": ["gated"],
     "options": {"empty_packets_as_allow": True}},
    {"calculator": "PacketPresenceCalculator", "input_stream": "PACKET:gated", "output_stream": "PRESENCE:p"},
]


@FUZZ
@given(data=st.data())
def test_yaml_configs_with_replaced_values_raise_only_posegraph_errors(within: Callable, data: st.DataObject) -> None:
    nodes = [dict(n) for n in VALID_YAML_NODES]
    for _ in range(data.draw(st.integers(1, 3))):
        node = data.draw(st.sampled_from(nodes))
        key = data.draw(st.sampled_from(sorted(node) + ["max_in_flight", "input_stream_info"]))
        node[key] = data.draw(YAML_TREES)
    text = yaml.safe_dump({"input_stream": ["frame", "allow"], "node": nodes})
    build_and_run(lambda: parse_config(text, "yaml", "replaced.yaml"), within)


# --- random packets ---------------------------------------------------------------------------------------

GRAPHS = {
    "loop": (VALID_PBTXT, ["frame", "allow"]),
    # FlowLimiterCalculator runs on the immediate handler, with a FINISHED back edge.
    "immediate": ('''
        input_stream: "a"
        input_stream: "b"
        node { calculator: "FlowLimiterCalculator" input_stream: "a" input_stream: "FINISHED:m"
               input_stream_info { tag_index: "FINISHED" back_edge: true }
               output_stream: "a2" output_stream: "ALLOW:allowed" }
        node { calculator: "MergeCalculator" input_stream: "a2" input_stream: "b" output_stream: "m" }
        node { calculator: "PacketPresenceCalculator" input_stream: "PACKET:a2" output_stream: "PRESENCE:pa" }
        ''', ["a", "b"]),
    "fixed": ('''
        input_stream: "a"
        input_stream: "b"
        node {
          calculator: "GateCalculator" input_stream: "a" input_stream: "DISALLOW:b" output_stream: "g"
          output_stream: "STATE_CHANGE:s"
          input_stream_handler {
            input_stream_handler: "FixedSizeInputStreamHandler"
            options { [mediapipe.FixedSizeInputStreamHandlerOptions.ext] { trigger_queue_size: 1 target_queue_size: 1 } }
          }
        }
        node { calculator: "MergeCalculator" input_stream: "g" input_stream: "a" output_stream: "m" }
        ''', ["a", "b"]),
}
TIMESTAMPS = st.one_of(st.integers(-3, 40), st.sampled_from([
    Timestamp.UNSET, Timestamp.UNSTARTED, Timestamp.PRESTREAM, Timestamp.MIN, Timestamp.MAX,
    Timestamp.POSTSTREAM, Timestamp.ONE_OVER_POSTSTREAM, Timestamp.DONE]))
PAYLOADS = st.one_of(st.integers(-5, 5), st.booleans(), st.none(), st.lists(st.integers(0, 3), max_size=3),
                     st.text(max_size=3))


def all_streams(graph: Graph) -> list[str]:
    names = set(graph.input_streams)
    for node in graph.validated.nodes:
        names.update(r.name for r in node.outputs)
    return sorted(names)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(sorted(GRAPHS)), num_threads=st.sampled_from([1, 3]),
       ops=st.lists(st.tuples(st.integers(0, 2), TIMESTAMPS, PAYLOADS), max_size=25))
def test_random_packets_keep_every_stream_increasing(within: Callable, name: str, num_threads: int,
                                                     ops: list[tuple[int, int, Any]]) -> None:
    text, inputs = GRAPHS[name]

    def run() -> tuple[dict[str, list[int]], str]:
        graph = Graph(parse_config(text), num_threads=num_threads)
        seen: dict[str, list[int]] = {s: [] for s in all_streams(graph)}
        for s in seen:
            graph.observe(s, lambda p, s=s: seen[s].append(p.timestamp))
        try:
            graph.start()
            for which, timestamp, payload in ops:
                if which == 2:
                    graph.close_input_stream(inputs[timestamp % 2])
                    continue
                try:
                    graph.add_packet(inputs[which], payload, timestamp)
                except posegraph.GraphRunError:
                    pass  # out of order, not allowed, or a closed stream: the app's mistake, said clearly
            graph.close()
        except PosegraphError as e:  # e.g. a calculator given a payload it cannot take: said, not hung
            return seen, type(e).__name__
        return seen, "completed"

    seen, outcome = within(run, timeout=10)
    event(f"{name}: {outcome}")
    for stream, stamps in seen.items():
        assert all(a < b for a, b in zip(stamps, stamps[1:])), (stream, stamps)
        assert all(Timestamp.is_allowed_in_stream(t) for t in stamps), (stream, stamps)
