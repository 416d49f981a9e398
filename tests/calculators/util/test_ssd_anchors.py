import numpy as np
import pytest

from posegraph.calculators.util.ssd_anchors import SsdAnchorsOptions, generate_anchors
from posegraph.calculators.util.ssd_anchors_calculator import SsdAnchorsCalculatorOptions

# The configs of MediaPipe's ssd_anchors_calculator_test for its two golden files.
FACE_256 = SsdAnchorsOptions(input_size_width=256, input_size_height=256, min_scale=0.1171875,
                             max_scale=0.75, num_layers=5, strides=(8, 16, 32, 32, 32),
                             aspect_ratios=(1.0,), fixed_anchor_size=True)
OBJECT_300 = SsdAnchorsOptions(input_size_width=300, input_size_height=300, min_scale=0.2,
                               max_scale=0.95, num_layers=6, strides=(16, 32, 64, 128, 256, 512),
                               aspect_ratios=(1.0, 2.0, 0.5, 3.0, 0.3333),
                               reduce_boxes_in_lowest_layer=True)


@pytest.mark.parametrize("index, options", [(0, FACE_256), (1, OBJECT_300)])
def test_matches_mediapipe_golden(shared_data, index, options):
    golden = np.loadtxt(shared_data / "mediapipe_goldens" / "ssd_anchors" /
                        f"anchor_golden_file_{index}.txt", dtype=np.float32)
    anchors = generate_anchors(options)
    assert anchors.dtype == np.float32
    assert anchors.shape == golden.shape
    # The golden files print 6 significant digits.
    np.testing.assert_allclose(anchors, golden, rtol=0, atol=1e-5)


def test_pose_detector_anchors_layout():
    anchors = generate_anchors(SsdAnchorsCalculatorOptions())
    assert anchors.shape == (2254, 4)
    # 28x28x2, then 14x14x2, then 7x7x6; rows outer, columns inner, w = h = 1.
    np.testing.assert_allclose(anchors[:2, :2], [[0.5 / 28, 0.5 / 28]] * 2, rtol=1e-6)
    np.testing.assert_allclose(anchors[2, :2], [1.5 / 28, 0.5 / 28], rtol=1e-6)
    np.testing.assert_allclose(anchors[1568, :2], [0.5 / 14, 0.5 / 14], rtol=1e-6)
    np.testing.assert_allclose(anchors[1960:1966, :2], [[0.5 / 7, 0.5 / 7]] * 6, rtol=1e-6)
    assert (anchors[:, 2:] == 1).all()


def test_rejects_layer_stride_mismatch():
    with pytest.raises(ValueError, match="num_layers"):
        generate_anchors(SsdAnchorsOptions(224, 224, 0.1, 0.7, num_layers=3, strides=(8, 16)))
