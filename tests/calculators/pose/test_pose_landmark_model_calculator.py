"""model_complexity -> the landmark model (MediaPipe's PoseLandmarkModelLoader), and its checks."""

from __future__ import annotations

import pytest

from posegraph import Graph, GraphRunError, SidePacketError

SELECT = '''
input_stream: "in"
input_side_packet: "model_complexity"
input_side_packet: "enable_segmentation"
output_side_packet: "model"
output_side_packet: "unused"
node { calculator: "PassThroughCalculator" input_stream: "in" output_stream: "out" }
node { name: "select" calculator: "PoseLandmarkModelCalculator"
       input_side_packet: "MODEL_COMPLEXITY:model_complexity" input_side_packet: "ENABLE_SEGMENTATION:enable_segmentation"
       output_side_packet: "MODEL:model" output_side_packet: "UNUSED_OUTPUTS:unused" }
'''


def selected(side_packets: dict, output: str = "model") -> object:
    graph = Graph.from_string(SELECT)
    with graph:
        graph.start(side_packets)
        return graph.output_side_packet(output)


@pytest.mark.parametrize("complexity,model", [(0, "pose_landmark_lite"), (1, "pose_landmark_full"),
                                              (2, "pose_landmark_heavy")])
def test_each_complexity_names_its_model(complexity, model):
    assert selected({"model_complexity": complexity}) == model


def test_default_is_the_full_model():
    assert selected({}) == "pose_landmark_full"


@pytest.mark.parametrize("value,error", [
    (3, "side packet 'model_complexity' for node 'select' (PoseLandmarkModelCalculator) must be one of 0, 1, 2 "
        "(the landmark model: 0 lite, 1 full, 2 heavy), got 3"),
    (-1, "must be one of 0, 1, 2 (the landmark model: 0 lite, 1 full, 2 heavy), got -1"),
    (True, "must be int, got bool True"),
    ("2", "must be int, got str '2'"),
])
def test_other_values_are_a_side_packet_error(value, error):
    with pytest.raises(SidePacketError) as info:
        selected({"model_complexity": value})
    assert error in str(info.value)


def test_output_side_packet_errors_name_the_problem():
    graph = Graph.from_string(SELECT)
    with pytest.raises(GraphRunError, match="'model' is not produced yet: call start"):
        graph.output_side_packet("model")
    with pytest.raises(GraphRunError, match=r"no graph output side packet 'nope' \(declared: model, unused\)"):
        graph.output_side_packet("nope")



@pytest.mark.parametrize("side_packets,unused", [({}, (2,)), ({"enable_segmentation": False}, (2,)),
                                                 ({"enable_segmentation": True}, ())])
def test_the_segmentation_output_is_unused_unless_segmentation_is_on(side_packets, unused):
    assert selected(side_packets, "unused") == unused
