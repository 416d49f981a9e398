"""posegraph eval's figures against known answers: truth scored against itself, and a hand-made
case whose OKS, AP and PCK are worked out by hand from COCO's and the BlazePose paper's formulas."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from posegraph.app.eval import load_annotations, load_results, score
from posegraph.app.eval.coco import AREA_FROM_BBOX
from posegraph.app.eval.layouts import COCO_SIGMAS, LIMBS


def truth_as_results(annotations):
    """Every person with a labelled keypoint, predicted exactly, score 1."""
    return [{"image_id": p["image_id"], "keypoints": list(p["keypoints"]), "score": 1.0}
            for p in annotations.people if any(v > 0 for v in p["keypoints"][2::3])]


@pytest.mark.parametrize("name", ["aic/test_aic.json", "crowdpose/test_crowdpose.json"])
@pytest.mark.parametrize("joints", [None, ["limbs"]])
def test_truth_scores_ap_1_and_pck_100(shared_data, name, joints):
    annotations = load_annotations(shared_data / "multi" / name)
    report = score(annotations, truth_as_results(annotations), [im["id"] for im in annotations.images], joints)
    assert (report.ap, report.ap50, report.ap75, report.ar) == (1.0, 1.0, 1.0, 1.0)
    people = {"aic/test_aic.json": 9, "crowdpose/test_crowdpose.json": 4}[name]  # crowdpose: one has no keypoint
    assert (report.people, report.found, len(report.false_poses)) == (people, people, 0)
    assert report.pck_0_2 == 100.0
    assert set(report.per_keypoint.values()) == {100.0}
    assert report.keypoints == (tuple(k for k in annotations.layout.keypoints if k in LIMBS))
    assert report.unscored == (("head_top", "neck") if "aic" in name else ("head", "neck"))


def coco_file(tmp_path, people, images=(1, 2)):
    names = list(COCO_SIGMAS)
    annotations = []
    for n, (image_id, points, extra) in enumerate(people, start=1):
        keypoints = [0.0] * 51
        for joint, (x, y) in points.items():
            keypoints[3 * names.index(joint):3 * names.index(joint) + 3] = [x, y, 2]
        annotations.append({"id": n, "image_id": image_id, "category_id": 1, "keypoints": keypoints,
                            "num_keypoints": len(points), "iscrowd": 0, **extra})
    path = tmp_path / "hand.json"
    path.write_text(json.dumps({
        "images": [{"id": i, "file_name": f"{i}.jpg", "width": 200, "height": 200} for i in images],
        "annotations": annotations,
        "categories": [{"id": 1, "name": "person", "keypoints": names}]}))
    return path


TRUTH_A = {"left_shoulder": (60, 20), "right_shoulder": (40, 20), "left_hip": (60, 70), "right_hip": (40, 70),
           "left_wrist": (80, 50)}
# Displacements in pixels: 3, 0, 5, 12 and exactly 10 (the PCK radius, 0.2 x torso 50: not within).
PRED_A = {"left_shoulder": (63, 20), "right_shoulder": (40, 20), "left_hip": (63, 74), "right_hip": (40, 82),
          "left_wrist": (80, 60)}


def result(image_id, points, score_):
    names = list(COCO_SIGMAS)
    keypoints = [0.0] * 51
    for joint, (x, y) in points.items():
        keypoints[3 * names.index(joint):3 * names.index(joint) + 3] = [x, y, 1]
    return {"image_id": image_id, "keypoints": keypoints, "score": score_}


def test_hand_made_displacements_give_the_oks_ap_and_pck_worked_out_by_hand(tmp_path):
    # Person A (image 1, area 10000) found by a pose; person B (image 2) missed; a pose far from
    # anyone in image 2 is a false pose.
    truth_b = {"left_shoulder": (150, 40), "right_shoulder": (130, 40), "left_hip": (150, 90), "right_hip": (130, 90)}
    path = coco_file(tmp_path, [(1, TRUTH_A, {"area": 10000.0, "bbox": [30, 10, 60, 70]}),
                                (2, truth_b, {"bbox": [120, 30, 40, 70]})])
    annotations = load_annotations(path)
    far = {joint: (5000 + i, 5000) for i, joint in enumerate(COCO_SIGMAS)}  # OKS 0 (underflow) to B
    results = [result(1, PRED_A, 0.9), result(2, far, 0.5)]
    report = score(annotations, results, [1, 2])

    # OKS = mean over labelled keypoints of exp(-d^2 / (2 * area * (2 * sigma)^2)) (COCO).
    d2 = {"left_shoulder": 9, "right_shoulder": 0, "left_hip": 25, "right_hip": 144, "left_wrist": 100}
    oks = sum(math.exp(-d / (2 * 10000.0 * (2 * COCO_SIGMAS[j]) ** 2)) for j, d in d2.items()) / 5
    assert oks == pytest.approx(0.906424, abs=1e-6)
    row_a, row_b = report.rows
    assert (row_a.status, row_b.status) == ("found", "missed")
    assert row_a.oks == pytest.approx(oks, rel=1e-12)
    # A passes the OKS thresholds .50 ... .90 (9 of 10) at recall 1/2 (B is missed) with precision
    # 1: COCO's 101-point AP is 51/101 at each of them, 0 at .95; AR is 1/2 at 9 of 10.
    assert report.ap == pytest.approx(0.9 * 51 / 101, rel=1e-12)
    assert (report.ap50, report.ap75) == (pytest.approx(51 / 101, rel=1e-12), pytest.approx(51 / 101, rel=1e-12))
    assert report.ar == pytest.approx(0.45, rel=1e-12)
    # PCK@0.2: A's torso is 50 px (shoulder midpoint (50, 20) to hip midpoint (50, 70)), radius
    # 10 px: 3 of A's 5 keypoints within it; B's 4 all count as wrong.
    assert (row_a.torso_px, row_a.correct, row_a.keypoints) == (50.0, 3, 5)
    assert (row_b.torso_px, row_b.correct, row_b.keypoints) == (50.0, 0, 4)
    assert report.pck_0_2 == 100 * 3 / 9
    assert report.per_keypoint["left_shoulder"] == 50.0 and report.per_keypoint["right_hip"] == 0.0
    assert report.per_keypoint["left_wrist"] == 0.0 and report.per_keypoint["nose"] is None
    assert [(image_id, index) for image_id, _, index, _ in report.false_poses] == [(2, 1)]
    assert (report.people, report.found) == (2, 1)


def test_an_annotation_without_area_uses_0_53_of_its_bbox(tmp_path):
    path = coco_file(tmp_path, [(1, TRUTH_A, {"bbox": [30, 10, 100, 200]})], images=(1,))
    annotations = load_annotations(path)
    assert annotations.people[0]["area"] == AREA_FROM_BBOX * 100 * 200
    report = score(annotations, [result(1, PRED_A, 1.0)], [1])
    d2 = {"left_shoulder": 9, "right_shoulder": 0, "left_hip": 25, "right_hip": 144, "left_wrist": 100}
    area = 0.53 * 100 * 200
    expected = sum(math.exp(-d / (2 * area * (2 * COCO_SIGMAS[j]) ** 2)) for j, d in d2.items()) / 5
    assert report.rows[0].oks == pytest.approx(expected, rel=1e-12)


def test_a_person_without_a_labelled_hip_is_left_out_of_pck(tmp_path):
    truth = {k: v for k, v in TRUTH_A.items() if k != "right_hip"}
    path = coco_file(tmp_path, [(1, truth, {"area": 10000.0, "bbox": [30, 10, 60, 70]})], images=(1,))
    report = score(load_annotations(path), [result(1, PRED_A, 1.0)], [1])
    assert (report.rows[0].torso_px, report.rows[0].correct, report.pck_skipped) == (None, None, 1)
    assert report.pck_0_2 is None and report.found == 1


def test_joints_restrict_every_figure(tmp_path):
    path = coco_file(tmp_path, [(1, TRUTH_A, {"area": 10000.0, "bbox": [30, 10, 60, 70]})], images=(1,))
    report = score(load_annotations(path), [result(1, PRED_A, 1.0)], [1], joints=["left_shoulder", "right_hip"])
    expected = (math.exp(-9 / (2 * 10000.0 * (2 * .079) ** 2)) + math.exp(-144 / (2 * 10000.0 * (2 * .107) ** 2))) / 2
    assert report.rows[0].oks == pytest.approx(expected, rel=1e-12)
    assert report.keypoints == ("left_shoulder", "right_hip")
    assert (report.rows[0].correct, report.rows[0].keypoints, report.pck_0_2) == (1, 2, 50.0)


def test_a_results_file_round_trips(tmp_path, shared_data):
    annotations = load_annotations(shared_data / "multi" / "crowdpose" / "test_crowdpose.json")
    path = tmp_path / "results.json"
    path.write_text(json.dumps(truth_as_results(annotations)))
    results = load_results(path, annotations)
    assert len(results) == 4 and all(r["category_id"] == 1 for r in results)
    assert np.array_equal(results[0]["keypoints"], annotations.people[0]["keypoints"])
