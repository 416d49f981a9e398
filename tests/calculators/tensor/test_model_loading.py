"""Loading models as MediaPipe's graphs do: a path constant, a resource or the file's contents, a
TfLiteModel side packet, and InferenceCalculator running it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from posegraph import Graph, parse_config

_CHAIN = '''
input_stream: "t"
output_stream: "by_packet"
output_stream: "by_path"
node {
  calculator: "ConstantSidePacketCalculator"
  output_side_packet: "PACKET:path"
  options: { [mediapipe.ConstantSidePacketCalculatorOptions.ext]: {
    packet { string_value: "mediapipe/modules/pose_detection/pose_detection.tflite" } } }
}
%s
node {
  calculator: "InferenceCalculator"
  input_side_packet: "MODEL:model"
  input_stream: "TENSORS:t"
  output_stream: "TENSORS:by_packet"
  options: { [mediapipe.InferenceCalculatorOptions.ext] { delegate { xnnpack {} } } }
}
node {
  calculator: "InferenceCalculator"
  input_stream: "TENSORS:t"
  output_stream: "TENSORS:by_path"
  options: { [mediapipe.InferenceCalculatorOptions.ext] { model_path: "pose_detection" } }
}
'''
_BY_RESOURCE = '''
node { calculator: "ResourceProviderCalculator" input_side_packet: "RESOURCE_ID:path"
       output_side_packet: "RESOURCE:resource" }
node { calculator: "TfLiteModelCalculator" input_side_packet: "MODEL_RESOURCE:resource"
       output_side_packet: "MODEL:model" }
'''
_BY_BLOB = '''
node { calculator: "LocalFileContentsCalculator" input_side_packet: "FILE_PATH:path"
       output_side_packet: "CONTENTS:blob" }
node { calculator: "TfLiteModelCalculator" input_side_packet: "MODEL_BLOB:blob" output_side_packet: "MODEL:model" }
'''


@pytest.mark.parametrize("loader", [_BY_RESOURCE, _BY_BLOB], ids=["resource", "blob"])
def test_a_loaded_model_runs_as_the_model_named_in_the_options(pose_models: Path, loader: str) -> None:
    graph = Graph(parse_config(_CHAIN % loader))
    out: dict[str, list] = {"by_packet": [], "by_path": []}
    for name in out:
        graph.observe(name, lambda p, name=name: out[name].append(p.payload))
    tensor = np.random.default_rng(0).uniform(-1, 1, (1, 224, 224, 3)).astype(np.float32)
    with graph:
        graph.start()
        graph.add_packet("t", [tensor], 0)
    assert len(out["by_packet"]) == 1
    for a, b in zip(out["by_packet"][0], out["by_path"][0]):
        np.testing.assert_array_equal(a, b)


def test_a_missing_resource_names_the_file(tmp_path: Path) -> None:
    text = f'''
    node {{ calculator: "ResourceProviderCalculator" output_side_packet: "RESOURCE:r"
           node_options: {{ [type.googleapis.com/mediapipe.ResourceProviderCalculatorOptions] {{
             resource_id: "{tmp_path / 'absent.tflite'}" }} }} }}
    '''
    graph = Graph(parse_config(text))
    with pytest.raises(Exception, match="absent.tflite does not exist"):
        with graph:
            graph.start()


def test_tflite_model_refuses_a_file_that_is_no_model(tmp_path: Path) -> None:
    path = tmp_path / "not_a_model.tflite"
    path.write_bytes(b"hello, world")
    text = f'''
    node {{ calculator: "ConstantSidePacketCalculator" output_side_packet: "PACKET:p"
           options: {{ [mediapipe.ConstantSidePacketCalculatorOptions.ext]: {{ packet {{ string_value: "{path}" }} }} }} }}
    {_BY_BLOB.replace("FILE_PATH:path", "FILE_PATH:p")}
    '''
    graph = Graph(parse_config(text))
    with pytest.raises(Exception, match="is not a TFLite model"):
        with graph:
            graph.start()
