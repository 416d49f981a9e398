"""posegraph.app.multi_parity's bookkeeping on hand-made poses: id switches and where they happen,
and the masks beside a Tasks reference."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from posegraph.app.multi_parity import id_switches, reference_masks
from posegraph.calculators.formats import LandmarkList, NormalizedLandmarkList, Pose

LANDMARKS = np.zeros((33, 5), np.float32)
LEFT, RIGHT = (0.1, 0.1, 0.4, 0.9), (0.6, 0.1, 0.9, 0.9)


def pose(track: int, box: tuple[float, float, float, float]) -> Pose:
    return Pose(track, 1.0, box, NormalizedLandmarkList(LANDMARKS), LandmarkList(LANDMARKS))


def test_a_swap_counts_two_switches_at_its_frame_and_a_new_person_none() -> None:
    frames = [(pose(0, LEFT),), (pose(0, LEFT), pose(1, RIGHT)), (pose(1, LEFT), pose(0, RIGHT)),
              (pose(1, LEFT), pose(0, RIGHT))]
    assert id_switches(frames) == {"person_frames": 7, "switches": 2, "per_100_person_frames": round(200 / 7, 3),
                                   "ids": 2, "switch_frames": [2, 2]}


def test_a_person_found_again_with_a_new_id_is_a_switch_within_five_frames_only() -> None:
    back_soon = [(pose(0, LEFT),), (), (), (pose(1, LEFT),)]
    back_late = [(pose(0, LEFT),), (), (), (), (), (), (), (pose(1, LEFT),)]
    assert id_switches(back_soon)["switch_frames"] == [3]
    assert id_switches(back_late)["switch_frames"] == []


def test_reference_masks_are_keyed_by_frame_and_pose(tmp_path: Path) -> None:
    mask = np.full((2, 3), 0.5, np.float16)
    np.savez_compressed(tmp_path / "clip.full.masks.image.masks.npz", f0_p0=mask, f4_p1=mask)
    masks = reference_masks(tmp_path / "clip.full.masks.image.json.gz")
    assert sorted(masks) == [(0, 0), (4, 1)] and masks[(4, 1)].shape == (2, 3)
    assert reference_masks(tmp_path / "other.json") == {}
