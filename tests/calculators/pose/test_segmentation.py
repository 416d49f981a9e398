import cv2
import numpy as np

from posegraph import Graph
from posegraph.calculators.formats import SegmentationMask
import pytest

from posegraph.calculators.image.image_to_tensor import warp_roi_to_tensor, warp_tensor_to_image
from posegraph.calculators.image.segmentation_smoothing import blend_with_previous
from posegraph.calculators.tensor.segmentation import mask_from_logits


def test_blend_keeps_confident_pixels_and_averages_uncertain_ones():
    new = np.array([[1.0, 0.5]], np.float32)
    old = np.array([[0.0, 0.0]], np.float32)
    out = blend_with_previous(new, old, 0.7)
    assert abs(out[0, 0] - 1.0) < 1e-4          # certain: the polynomial is ~1 at t = 0.5, u ~ 0
    assert np.isclose(out[0, 1], 0.5 - 0.5 * 0.7)   # p = 0.5: u = 1
    np.testing.assert_array_equal(blend_with_previous(new, old), new)   # ratio 0 (MediaPipe's)
    np.testing.assert_array_equal(blend_with_previous(new, None, 0.7), new)   # the first frame
    with pytest.raises(ValueError, match=r"mask \(1, 2\) and previous \(2, 1\) differ"):
        blend_with_previous(new, old.T, 0.7)


def test_mask_from_logits_is_the_float32_sigmoid():
    logits = np.array([[-50.0, 0.0, 2.0]], np.float32)
    expected = np.float32(1.0) / (np.exp(-logits) + np.float32(1.0))
    np.testing.assert_array_equal(mask_from_logits(logits[None, :, :, None]), expected)
    assert mask_from_logits(logits).dtype == np.float32
    with pytest.raises(ValueError, match=r"got shape \(2, 1, 3\)"):
        mask_from_logits(np.zeros((2, 1, 3), np.float32))


def test_mask_on_pose_jpg_matches_golden(shared_data, tflite_model, pose_still):
    run = tflite_model("pose_landmark_full.tflite")
    rgb, rect = pose_still.rgb, pose_still.roi
    height, width = rgb.shape[:2]
    tensor, _ = warp_roi_to_tensor(rgb, rect)
    logits = {o.shape: o for o in run(tensor)}[(1, 256, 256, 1)]
    mask = warp_tensor_to_image(mask_from_logits(logits), rect, (width, height))
    assert mask.shape == (height, width) and mask.dtype == np.float32
    # The golden paints the person (255, 0, 0) and the background (0, 0, 255), as OpenCV reads it.
    golden = cv2.imread(str(shared_data / "media" / "pose_segmentation.png"))[..., 0] > 127
    ours = mask >= 0.5
    iou = (ours & golden).sum() / (ours | golden).sum()
    # The spec's bar: IoU >= 0.85 after rounding (measured 0.955).
    assert iou >= 0.85, f"IoU {iou:.3f}"


SMOOTHING = '''
input_stream: "mask"
output_stream: "smoothed"
node {
  calculator: "SegmentationSmoothingCalculator"
  input_stream: "MASK:mask"
  input_stream: "MASK_PREVIOUS:previous"
  output_stream: "MASK_SMOOTHED:smoothed"
  options: { [mediapipe.SegmentationSmoothingCalculatorOptions.ext] { combine_with_previous_ratio: 0.7 } }
}
node {
  calculator: "PreviousLoopbackCalculator"
  input_stream: "MAIN:mask"
  input_stream: "LOOP:smoothed"
  input_stream_info: { tag_index: "LOOP" back_edge: true }
  output_stream: "PREV_LOOP:previous"
}
'''


def _masks(seed: int = 0) -> list[SegmentationMask]:
    rng = np.random.default_rng(seed)
    return [SegmentationMask(rng.random((4, 6), dtype=np.float32)) for _ in range(3)]


def test_smoothing_blends_each_mask_with_the_previous_output():
    masks = _masks()
    out = [o["smoothed"].data for _, o in Graph.from_string(SMOOTHING).process_frames(enumerate(masks))]
    np.testing.assert_array_equal(out[0], masks[0].data)
    np.testing.assert_array_equal(out[1], blend_with_previous(masks[1].data, out[0], 0.7))
    np.testing.assert_array_equal(out[2], blend_with_previous(masks[2].data, out[1], 0.7))


@pytest.mark.parametrize("enable", [True, False])
def test_pose_segmentation_filtering_passes_masks_as_mediapipe_runs_it(enable):
    # MediaPipe 0.10.21's Python package runs the smoothing with ratio 0: masks pass unchanged.
    graph = Graph.from_string('''
        input_stream: "mask"
        output_stream: "filtered"
        input_side_packet: "enable"
        node { calculator: "PoseSegmentationFiltering" input_side_packet: "ENABLE:enable"
               input_stream: "SEGMENTATION_MASK:mask" output_stream: "FILTERED_SEGMENTATION_MASK:filtered" }''')
    masks = _masks(1)
    out = [o["filtered"] for _, o in graph.process_frames(enumerate(masks), side_packets={"enable": enable})]
    for got, mask in zip(out, masks):
        np.testing.assert_array_equal(got.data, mask.data)
    assert repr(out[0]) == f"SegmentationMask(6x4, mean={masks[0].data.mean():.3f})"
