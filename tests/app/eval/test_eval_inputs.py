"""Bad input to posegraph eval: each error names the file and the entry, and says what is wrong."""

from __future__ import annotations

import json

import pytest

from posegraph.app.eval import AnnotationError, load_annotations, load_results, score
from posegraph.app.eval.layouts import resolve


def write(tmp_path, data, name="ann.json"):
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return path


def keypoint_file(names, annotations=()):
    return {"images": [{"id": 1, "file_name": "a.jpg"}], "annotations": list(annotations),
            "categories": [{"id": 1, "name": "person", "keypoints": names}]}


def test_a_detection_file_is_not_coco_keypoints(tmp_path):
    path = write(tmp_path, {"images": [], "annotations": [], "categories": [{"id": 1, "name": "person"}]})
    with pytest.raises(AnnotationError, match=rf"^{path}: categories\[0\] has no 'keypoints' list of names"):
        load_annotations(path)


@pytest.mark.parametrize("data, message", [
    ("{not json", "the annotation file is not JSON"),
    ([1, 2], r"not a COCO keypoint annotation file \(the top level is not an object\)"),
    ({"images": [], "categories": []}, "not a COCO keypoint annotation file: no 'annotations' list"),
])
def test_a_file_that_is_not_coco_says_so(tmp_path, data, message):
    path = write(tmp_path, data)
    with pytest.raises(AnnotationError, match=rf"^{path}: {message}"):
        load_annotations(path)


def test_a_layout_with_no_joint_in_common_with_blazepose_is_an_error(tmp_path):
    path = write(tmp_path, keypoint_file(["beak", "left_wing", "tail"]))
    with pytest.raises(AnnotationError, match=rf"^{path}: categories\[0\]\.keypoints \(beak, left_wing, tail\) "
                                              "has no keypoint in common with BlazePose"):
        load_annotations(path)


def test_an_annotation_of_the_wrong_length_is_named(tmp_path):
    ann = {"id": 7, "image_id": 1, "category_id": 1, "keypoints": [1, 2, 2] * 16, "bbox": [0, 0, 10, 10]}
    path = write(tmp_path, keypoint_file(["nose"] * 17, [ann]))
    with pytest.raises(AnnotationError, match=rf"^{path}: annotations\[0\] \(id 7\): 'keypoints' must be 51 numbers"):
        load_annotations(path)


def test_an_annotation_of_an_unlisted_image_is_named(tmp_path):
    ann = {"id": 3, "image_id": 9, "category_id": 1, "keypoints": [1, 2, 2], "bbox": [0, 0, 10, 10]}
    path = write(tmp_path, keypoint_file(["nose"], [ann]))
    with pytest.raises(AnnotationError, match=rf"^{path}: annotations\[0\] \(id 3\): image_id 9 is not in 'images'"):
        load_annotations(path)


def test_an_annotation_without_area_or_bbox_is_named(tmp_path):
    ann = {"id": 3, "image_id": 1, "category_id": 1, "keypoints": [1, 2, 2]}
    path = write(tmp_path, keypoint_file(["nose"], [ann]))
    with pytest.raises(AnnotationError, match=r"annotations\[0\] \(id 3\): no 'area' and no 'bbox'"):
        load_annotations(path)


def test_a_bad_results_entry_is_named(tmp_path):
    annotations = load_annotations(write(tmp_path, keypoint_file(["nose", "neck"])))
    path = write(tmp_path, [{"image_id": 1, "keypoints": [1, 2, 1, 0, 0, 0], "score": 0.5},
                            {"image_id": 1, "keypoints": [1, 2, 1], "score": 0.5}], "results.json")
    with pytest.raises(AnnotationError, match=rf"^{path}: \[1\]: 'keypoints' must be 6 numbers"):
        load_results(path, annotations)
    path = write(tmp_path, [{"image_id": 5, "keypoints": [1, 2, 1, 0, 0, 0], "score": 0.5}], "results.json")
    with pytest.raises(AnnotationError, match=rf"^{path}: \[0\]: image_id 5 is not in {tmp_path / 'ann.json'}"):
        load_results(path, annotations)


def test_joints_must_be_in_the_layout_and_in_blazepose(tmp_path):
    annotations = load_annotations(write(tmp_path, keypoint_file(["nose", "neck"])))
    with pytest.raises(AnnotationError, match="--joints left_knee: .* has no keypoint 'left_knee' "
                                              r"\(it has: nose, neck\)"):
        score(annotations, [], [1], ["left_knee"])
    with pytest.raises(AnnotationError, match="--joints neck: BlazePose has no landmark for 'neck'; scorable: nose"):
        score(annotations, [], [1], ["neck"])


def test_layouts_are_recognised_by_name_and_their_sigmas_said():
    aic = resolve(["Right Shoulder", "Right Elbow", "Right Wrist", "Left Shoulder", "Left Elbow", "Left Wrist",
                   "Right Hip", "Right Knee", "Right Ankle", "Left Hip", "Left Knee", "Left Ankle", "Head top",
                   "Neck"])
    assert aic.name == "AI Challenger" and aic.unscored == ("head_top", "neck")
    assert aic.sigmas[0] == 0.01388152 and aic.blazepose[:3] == (12, 14, 16)
    posetrack = resolve(["nose", "head_bottom", "head_top", "left_ear", "right_ear", "left_shoulder", "right_shoulder",
                         "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_hip", "right_hip",
                         "left_knee", "right_knee", "left_ankle", "right_ankle"])
    assert posetrack.name == "PoseTrack" and posetrack.unscored == ("head_bottom", "head_top")
    assert posetrack.sigmas[:4] == (.026, None, None, .035) and "COCO's for the same joint" in posetrack.sigma_source
    custom = resolve(["Left-Knee", "tail"])
    assert (custom.name, custom.blazepose, custom.sigmas) == ("custom", (25, None), (.087, None))


def test_a_repeated_annotation_id_is_named(tmp_path):
    ann = {"id": 3, "image_id": 1, "category_id": 1, "keypoints": [1, 2, 2], "bbox": [0, 0, 10, 10]}
    path = write(tmp_path, keypoint_file(["nose"], [ann, ann]))
    with pytest.raises(AnnotationError, match=rf"^{path}: annotations\[1\] \(id 3\): the id is also annotations\[0\]'s"):
        load_annotations(path)


def test_joints_are_named_as_the_layout_names_them(shared_data):
    annotations = load_annotations(shared_data / "multi" / "aic" / "test_aic.json")
    report = score(annotations, [], [1], ["Right Shoulder", "left_hip"])
    assert report.keypoints == ("right_shoulder", "left_hip")
