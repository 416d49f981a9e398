"""Input stream handlers are classes registered by name; a user registers one as MediaPipe allows."""

from __future__ import annotations

import pytest

from posegraph import Graph, GraphConfigError, InputStreamHandler, PosegraphError, register_input_stream_handler
from posegraph.framework.stream_handlers import DefaultInputStreamHandler, registered_input_stream_handlers


@register_input_stream_handler
class EvenTimestampsInputStreamHandler(InputStreamHandler):
    """One input: processes the packets at even timestamps as they arrive and drops the others."""

    def next(self):
        queue = self.queues[0]
        while queue.packets:
            packet = queue.packets.popleft()
            if packet.timestamp % 2 == 0:
                return packet.timestamp, [packet]
        return queue.bound, None


CONFIG = '''
input_stream: "a"
output_stream: "b"
node {
  calculator: "PassThroughCalculator"
  input_stream: "a"
  output_stream: "b"
  input_stream_handler { input_stream_handler: "EvenTimestampsInputStreamHandler" }
}
'''


@pytest.mark.parametrize("threads", [1, 2])
def test_a_registered_handler_decides_what_the_node_processes(threads: int) -> None:
    graph = Graph.from_string(CONFIG, num_threads=threads)
    assert graph.validated.nodes[0].input_stream_handler == "EvenTimestampsInputStreamHandler"
    out: list[tuple[int, str]] = []
    graph.observe("b", lambda p: out.append((p.timestamp, p.payload)))
    with graph:
        graph.start()
        for t in range(7):
            graph.add_packet("a", f"p{t}", t)
    assert out == [(0, "p0"), (2, "p2"), (4, "p4"), (6, "p6")]


def test_a_name_is_held_by_one_handler_class() -> None:
    class Another(InputStreamHandler):
        pass

    with pytest.raises(PosegraphError, match="'DefaultInputStreamHandler' is already registered by "
                                             "posegraph.framework.stream_handlers.DefaultInputStreamHandler"):
        register_input_stream_handler(name="DefaultInputStreamHandler")(Another)
    assert register_input_stream_handler(EvenTimestampsInputStreamHandler) is EvenTimestampsInputStreamHandler
    assert register_input_stream_handler(DefaultInputStreamHandler) is DefaultInputStreamHandler
    with pytest.raises(TypeError, match="is not a subclass of posegraph.InputStreamHandler"):
        register_input_stream_handler(dict)  # type: ignore[arg-type]


def test_an_unknown_handler_is_reported_with_the_registered_ones() -> None:
    text = CONFIG.replace("EvenTimestamps", "OddTimestamps")
    with pytest.raises(GraphConfigError) as caught:
        Graph.from_string(text)
    problem, unproduced = caught.value.problems
    assert (problem.file, problem.line, problem.column) == ("<string>", 8, 3)
    registered = registered_input_stream_handlers()
    assert {"DefaultInputStreamHandler", "EvenTimestampsInputStreamHandler", "FixedSizeInputStreamHandler",
            "ImmediateInputStreamHandler"} <= set(registered)
    assert problem.message == ("node 'PassThroughCalculator': unknown input stream handler "
                               f"'OddTimestampsInputStreamHandler' (registered: {', '.join(registered)})")
    assert unproduced.message == "graph output_stream 'b' is not produced by any node"


@register_input_stream_handler
class NeedsOptionsInputStreamHandler(DefaultInputStreamHandler):
    """Rejects every config: stands for a handler whose options are wrong."""

    def __init__(self, queues, options):
        raise ValueError("trigger must be positive")


def test_a_handler_that_rejects_its_options_is_a_config_error_at_its_node() -> None:
    with pytest.raises(GraphConfigError) as caught:
        Graph.from_string(CONFIG.replace("EvenTimestamps", "NeedsOptions"))
    (problem,) = caught.value.problems
    assert (problem.line, problem.column) == (8, 3)
    assert problem.message == ("node 'PassThroughCalculator': input stream handler NeedsOptionsInputStreamHandler "
                               "rejected its options: ValueError: trigger must be positive")
