"""ImageToTensorCalculator's MATRIX output (MediaPipe's): tensor-normalized points to image-normalized."""

from __future__ import annotations

import numpy as np

from posegraph import Graph, parse_config
from posegraph.calculators.formats import NormalizedRect


def test_matrix_maps_the_tensors_corners_onto_the_padded_roi() -> None:
    text = '''
    input_stream: "image"
    input_stream: "roi"
    output_stream: "matrix"
    node { calculator: "ImageToTensorCalculator" input_stream: "IMAGE:image" input_stream: "NORM_RECT:roi"
           output_stream: "TENSORS:t" output_stream: "MATRIX:matrix"
           options: { [mediapipe.ImageToTensorCalculatorOptions.ext] {
             output_tensor_width: 16 output_tensor_height: 16 keep_aspect_ratio: true } } }
    '''
    graph = Graph(parse_config(text))
    out = []
    graph.observe("matrix", lambda p: out.append(p.payload))
    with graph:
        graph.start()
        graph.add_packet("image", np.zeros((100, 200, 3), np.uint8), 0)
        # 100 x 50 px ROI centred at (100, 50): padded to a 100 x 100 px square for the square tensor
        graph.add_packet("roi", NormalizedRect(0.5, 0.5, 0.5, 0.5), 0)
    (matrix,) = out
    assert matrix.shape == (4, 4) and matrix.dtype == np.float32
    corners = np.array([[0, 0, 0, 1], [1, 1, 0, 1]], np.float32) @ matrix.T
    np.testing.assert_allclose(corners[:, :2], [[0.25, 0.0], [0.75, 1.0]], atol=1e-6)
