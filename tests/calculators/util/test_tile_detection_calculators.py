"""The pieces of the tiled person detector: tiles over the frame, detections projected from a
tile's tensor back to the frame, and the merge of the tiles' people into the whole frame's."""

from __future__ import annotations

import math

import numpy as np
import pytest

from posegraph import Graph, SidePacketError, graphs
from posegraph.calculators.formats import Detection, NormalizedRect
from posegraph.calculators.util.detection_projection_calculator import project_detection
from posegraph.calculators.util.merge_tile_detections_calculator import (
    MergeTileDetectionsCalculatorOptions,
    merge_tile_detections,
)
from posegraph.calculators.util.tile_rects_calculator import tile_rects


def pixels(rect: NormalizedRect, width: int, height: int) -> tuple[float, float, float, float]:
    """(x0, y0, x1, y1) of an unrotated rect, in pixels."""
    return ((rect.x_center - rect.width / 2) * width, (rect.y_center - rect.height / 2) * height,
            (rect.x_center + rect.width / 2) * width, (rect.y_center + rect.height / 2) * height)


@pytest.mark.parametrize("width,height,tiles", [(1440, 1440, 2), (1440, 1440, 3), (1280, 720, 2), (720, 1280, 4),
                                                (960, 540, 3)])
def test_tiles_are_square_inside_the_frame_and_hold_anything_half_a_tile_across(width, height, tiles):
    rects = tile_rects(width, height, tiles)
    side = 2 * min(width, height) / (tiles + 1)
    boxes = [pixels(r, width, height) for r in rects]
    for x0, y0, x1, y1 in boxes:
        assert x1 - x0 == pytest.approx(side) and y1 - y0 == pytest.approx(side)
        assert -1e-6 <= x0 and x1 <= width + 1e-6 and -1e-6 <= y0 and y1 <= height + 1e-6
    rng = np.random.default_rng(0)
    for _ in range(2000):  # any square half a tile across, anywhere in the frame, is inside one tile
        s = side / 2
        x, y = rng.uniform(0, width - s), rng.uniform(0, height - s)
        assert any(x0 - 1e-6 <= x and x + s <= x1 + 1e-6 and y0 - 1e-6 <= y and y + s <= y1 + 1e-6
                   for x0, y0, x1, y1 in boxes)


def test_one_tile_means_none():
    assert tile_rects(1280, 720, 1) == []


def test_a_detection_in_a_tiles_tensor_lands_on_the_tile_in_the_frame():
    """Through ImageToTensorCalculator's MATRIX for a square tile: the tensor's corners and centre
    are the tile's, in the frame's normalized coordinates."""
    from posegraph.calculators.image.image_to_tensor import (
        roi_in_pixels,
        subrect_to_rect_matrix,
    )

    width, height = 1280, 720
    tile = tile_rects(width, height, 2)[3]
    matrix = subrect_to_rect_matrix(roi_in_pixels(tile, (width, height)), (width, height))
    detection = Detection(score=0.9, xmin=0.25, ymin=0.5, width=0.5, height=0.25,
                          keypoints=np.array([[0, 0], [1, 1], [0.5, 0.5]], np.float32))
    projected = project_detection(detection, matrix)
    x0, y0, x1, y1 = pixels(tile, width, height)
    expected = np.array([[x0, y0], [x1, y1], [(x0 + x1) / 2, (y0 + y1) / 2]]) / (width, height)
    np.testing.assert_allclose(projected.keypoints, expected, atol=1e-6)
    side = (x1 - x0)
    assert projected.xmin == pytest.approx((x0 + 0.25 * side) / width, abs=1e-6)
    assert projected.ymin == pytest.approx((y0 + 0.5 * side) / height, abs=1e-6)
    assert projected.width == pytest.approx(0.5 * side / width, abs=1e-6)
    assert projected.height == pytest.approx(0.25 * side / height, abs=1e-6)
    assert projected.score == 0.9


def test_a_rotated_projection_keeps_the_box_around_the_rotated_corners():
    c, s = math.cos(math.pi / 2), math.sin(math.pi / 2)  # a quarter turn about the origin
    matrix = np.array([[c, -s, 0, 0], [s, c, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]], np.float32)
    projected = project_detection(Detection(0.5, 0.1, 0.2, 0.3, 0.4, np.zeros((1, 2), np.float32)), matrix)
    assert (projected.xmin, projected.ymin) == pytest.approx((-0.6, 0.1), abs=1e-6)
    assert (projected.width, projected.height) == pytest.approx((0.4, 0.3), abs=1e-6)


def person(cx: float, cy: float, radius: float, size=(1000, 1000), score=0.9) -> Detection:
    """A detection normalized to a frame of ``size`` px: hip centre (cx, cy) px, scale point ``radius`` px above."""
    w, h = size
    return Detection(score=score, xmin=(cx - radius) / w, ymin=(cy - radius) / h, width=2 * radius / w,
                     height=2 * radius / h, keypoints=np.array([[cx / w, cy / h], [cx / w, (cy - radius) / h]],
                                                               np.float32))


OPTIONS = MergeTileDetectionsCalculatorOptions()
LEFT, RIGHT = NormalizedRect(0.3, 0.5, 0.6, 1.0), NormalizedRect(0.7, 0.5, 0.6, 1.0)  # overlap 0.4..0.6


def test_without_tiles_the_whole_frames_detections_pass_unchanged():
    whole = [person(500, 500, 100)]
    assert merge_tile_detections(whole, (), (), (1000, 1000), OPTIONS) is whole
    assert merge_tile_detections(whole, ([], []), (LEFT, RIGHT), (1000, 1000), OPTIONS) is whole


def test_a_person_cut_by_a_tiles_inner_edge_counts_only_where_whole():
    # At x = 550 with radius 80, the person crosses the left tile's inner edge (x = 600) but lies
    # inside the right tile (400..1000): the left tile's detection is dropped, the right one's kept.
    cut, inside = person(550, 500, 80, score=0.8), person(551, 500, 80, score=0.7)
    merged = merge_tile_detections([], ([cut], [inside]), (LEFT, RIGHT), (1000, 1000), OPTIONS)
    assert [d.score for d in merged] == [pytest.approx(0.7)]


def test_the_image_border_is_not_an_inner_edge():
    at_border = person(40, 500, 80)  # crosses x = 0, the frame's own edge: kept
    assert len(merge_tile_detections([], ([at_border], []), (LEFT, RIGHT), (1000, 1000), OPTIONS)) == 1


def test_one_person_seen_by_two_tiles_is_one_detection_and_the_whole_frames_win():
    a, b = person(500, 500, 60, score=0.9), person(503, 502, 60, score=0.8)  # inside both tiles
    merged = merge_tile_detections([], ([a], [b]), (LEFT, RIGHT), (1000, 1000), OPTIONS)
    assert len(merged) == 1 and merged[0].score == pytest.approx(0.9)
    whole = [person(502, 500, 62, score=0.6)]
    assert merge_tile_detections(whole, ([a], [b]), (LEFT, RIGHT), (1000, 1000), OPTIONS) is whole
    other = person(200, 300, 50, score=0.7)  # someone the whole frame missed joins after its own
    merged = merge_tile_detections(whole, ([a, other], [b]), (LEFT, RIGHT), (1000, 1000), OPTIONS)
    assert merged[0] is whole[0] and [d.score for d in merged[1:]] == [pytest.approx(0.7)]


@pytest.mark.parametrize("tiles", [0, 9])
def test_detection_tiles_out_of_range_is_a_side_packet_error(pose_models, tiles):
    graph = Graph(graphs.path("multi_pose_tracking_module"))
    with pytest.raises(SidePacketError, match="detection_tiles must be between 1"):
        graph.start({"detection_tiles": tiles})
