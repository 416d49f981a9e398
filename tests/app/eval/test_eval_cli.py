"""``posegraph eval`` end to end: a results file, the bundled pose graph, a graph that gives a list of
poses, a missing image."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from posegraph import Graph
from posegraph.app.cli import main
from posegraph.app.eval import load_annotations
from posegraph.app.eval.predict import pose_score, run_graph


def images_without(tmp_path: Path, source: Path, left_out: str) -> Path:
    """A folder of links to the images of ``source`` but ``left_out``."""
    folder = tmp_path / "images"
    folder.mkdir()
    for image in source.glob("*.jpg"):
        if image.name != left_out:
            (folder / image.name).symlink_to(image)
    return folder


def test_a_missing_image_is_reported_and_the_rest_scored(tmp_path, shared_data, capsys):
    aic = shared_data / "multi" / "aic"
    annotations = load_annotations(aic / "test_aic.json")
    truth = [{"image_id": p["image_id"], "keypoints": p["keypoints"], "score": 1.0} for p in annotations.people]
    (tmp_path / "truth.json").write_text(json.dumps(truth))
    missing = "054d9ce9201beffc76e5ff2169d2af2f027002ca.jpg"  # image 1, 3 people
    folder = images_without(tmp_path, aic, missing)
    rc = main(["eval", str(aic / "test_aic.json"), "--images", str(folder), "--predictions",
               str(tmp_path / "truth.json"), "--json", str(tmp_path / "out.json"), "--per-image",
               str(tmp_path / "people.csv")])
    assert rc == 0
    assert f"image not scored: {missing}: no such file" in capsys.readouterr().out
    figures = json.loads((tmp_path / "out.json").read_text())
    assert {k: figures[k] for k in ("ap", "ap50", "ap75", "ar", "pck_0_2", "people", "found", "images")} == {
        "ap": 1.0, "ap50": 1.0, "ap75": 1.0, "ar": 1.0, "pck_0_2": 100.0, "people": 6, "found": 6, "images": 2}
    assert figures["missing_images"] == {missing: "no such file"}
    rows = list(csv.DictReader((tmp_path / "people.csv").open()))
    assert [(r["annotation_id"], r["status"], r["oks"]) for r in rows] == [(str(i), "found", "1.0") for i in range(7, 13)]


def test_a_bad_annotation_file_exits_2_naming_it(tmp_path, capsys):
    (tmp_path / "ann.json").write_text('{"images": [], "annotations": [], "categories": [{"id": 1}]}')
    assert main(["eval", str(tmp_path / "ann.json"), "--images", str(tmp_path), "--predictions", "x.json"]) == 2
    assert capsys.readouterr().err.startswith(f"posegraph: error: {tmp_path / 'ann.json'}: categories[0] has no")


def test_the_pose_graph_on_crowdpose(tmp_path, shared_data, pose_models, capsys):
    crowdpose = shared_data / "multi" / "crowdpose"
    rc = main(["eval", str(crowdpose / "test_crowdpose.json"), "--images", str(crowdpose), "--joints", "limbs", "-q",
               "--json", str(tmp_path / "out.json"), "--draw", str(tmp_path / "drawn")])
    assert rc == 0
    figures = json.loads((tmp_path / "out.json").read_text())
    # The README's figures (posegraph full, CrowdPose); one pose per image from the single-person graph.
    assert (figures["people"], figures["found"], figures["false_poses"], figures["pck_skipped"]) == (4, 2, 0, 1)
    assert figures["ap"] == pytest.approx(0.178, abs=5e-4) and figures["ap50"] == pytest.approx(0.505, abs=5e-4)
    assert figures["pck_0_2"] == 100 * 12 / 34  # 12 of the 34 limb keypoints of the 3 people with a torso
    assert figures["left_out_keypoints"] == [] and figures["unscored_keypoints"] == ["head", "neck"]
    assert sorted(p.name for p in (tmp_path / "drawn").iterdir()) == ["103319.jpg", "106848.jpg"]


def test_a_missing_image_with_the_pose_graph(tmp_path, shared_data, pose_models, capsys):
    aic = shared_data / "multi" / "aic"
    folder = images_without(tmp_path, aic, "fa436c914fe4a8ec1ec5474af4d3820b84d17561.jpg")
    (folder / "ff945ae2e729f24eea992814639d59b3bdec8bd8.jpg").unlink()
    (folder / "ff945ae2e729f24eea992814639d59b3bdec8bd8.jpg").write_bytes(b"not a jpeg")
    annotations = load_annotations(aic / "test_aic.json")
    predictions = run_graph(Graph.from_name("pose_tracking_module"), annotations, folder, {})
    assert predictions.scored_images == [1]
    assert predictions.missing["fa436c914fe4a8ec1ec5474af4d3820b84d17561.jpg"] == "no such file"
    assert "not an image OpenCV can decode" in predictions.missing["ff945ae2e729f24eea992814639d59b3bdec8bd8.jpg"]
    assert [r["image_id"] for r in predictions.results] == [1]
    # The score rule on the single-person graph: its detection's score x the mean landmark presence.
    from posegraph.app.media import ImageSource

    with ImageSource(aic / "054d9ce9201beffc76e5ff2169d2af2f027002ca.jpg") as source:
        frame = next(iter(source)).image
    (_, out), = Graph.from_name("pose_tracking_module").process_frames(
        [(0, frame)], outputs=["pose_landmarks", "pose_detection"], side_packets={"static_image_mode": True})
    expected = out["pose_detection"].score * float(np.mean(out["pose_landmarks"].data[:, 4]))
    assert predictions.results[0]["score"] == pytest.approx(expected, rel=1e-12)


MULTI_POSE = '''
from dataclasses import dataclass

import numpy as np

from posegraph import Calculator, Contract, Port, register_calculator
from posegraph.calculators.formats import NormalizedLandmarkList


@dataclass(frozen=True)
class EvalTestPose:
    """A pose record as the multi-person graph gives them: landmarks, and the presence as score."""
    id: int
    score: float
    landmarks: NormalizedLandmarkList


def two_poses():
    """Every landmark at (0.25, 0.5) (landmark presence 0.5, pose presence 0.4) and at (0.75, 0.5)
    (landmark presence 1, pose presence 0.9)."""
    out = []
    for k, (x, landmark_presence, pose_presence) in enumerate(((0.25, 0.5, 0.4), (0.75, 1.0, 0.9))):
        data = np.zeros((33, 5), np.float32)
        data[:, 0], data[:, 1], data[:, 3], data[:, 4] = x, 0.5, 1.0, landmark_presence
        out.append(EvalTestPose(k, pose_presence, NormalizedLandmarkList(data)))
    return out


@register_calculator
class EvalTestLandmarkListsCalculator(Calculator):
    contract = Contract(inputs={"IMAGE": Port(np.ndarray)}, outputs={"LANDMARKS": Port(list)})

    def process(self, cc):
        cc.send("LANDMARKS", [pose.landmarks for pose in two_poses()])


@register_calculator
class EvalTestPoseRecordsCalculator(Calculator):
    contract = Contract(inputs={"IMAGE": Port(np.ndarray)}, outputs={"POSES": Port(tuple)})

    def process(self, cc):
        cc.send("POSES", tuple(two_poses()))
'''


@pytest.mark.parametrize("calculator, tag, scores", [
    ("EvalTestLandmarkListsCalculator", "LANDMARKS", (0.5, 1.0)),  # mean landmark presence
    ("EvalTestPoseRecordsCalculator", "POSES", (0.4, 0.9)),  # the records' presence
])
def test_a_graph_that_gives_a_list_of_poses(tmp_path, shared_data, calculator, tag, scores):
    (tmp_path / "two.py").write_text(MULTI_POSE)
    (tmp_path / "two.pbtxt").write_text(
        f'input_stream: "IMAGE:image"\noutput_stream: "{tag}:poses"\n'
        f'node {{ calculator: "{calculator}" input_stream: "IMAGE:image" output_stream: "{tag}:poses" }}\n')
    from posegraph.app.cli import load_calculators

    load_calculators([str(tmp_path / "two.py")])
    crowdpose = shared_data / "multi" / "crowdpose"
    annotations = load_annotations(crowdpose / "test_crowdpose.json")
    predictions = run_graph(Graph(tmp_path / "two.pbtxt"), annotations, crowdpose, {})
    # 106848.jpg is 640x425, 103319.jpg 640x480: x 0.25 -> 160 px, y 0.5 -> 212.5 / 240 px. No
    # DETECTION output: the detector factor is 1.
    assert [(r["image_id"], r["keypoints"][:3], r["score"]) for r in predictions.results] == [
        (106848, [160.0, 212.5, 1.0], pytest.approx(scores[0])), (106848, [480.0, 212.5, 1.0], pytest.approx(scores[1])),
        (103319, [160.0, 240.0, 1.0], pytest.approx(scores[0])), (103319, [480.0, 240.0, 1.0], pytest.approx(scores[1]))]
    assert predictions.results[0]["keypoints"][-6:] == [0.0] * 6  # head and neck: no BlazePose landmark


def test_the_score_rule():
    landmarks = np.zeros((33, 5), np.float32)
    landmarks[:, 4] = np.linspace(0, 1, 33)
    assert pose_score(landmarks, 0.8) == pytest.approx(0.4, rel=1e-6)
    assert pose_score(landmarks, None) == pytest.approx(0.5, rel=1e-6)
    assert pose_score(landmarks[:, :4], 0.8) == 0.8
    assert pose_score(landmarks, 0.8, presence=0.25) == 0.2


def test_a_landmarks_output_of_another_type_is_an_error(tmp_path, shared_data):
    from posegraph import GraphRunError

    (tmp_path / "g.pbtxt").write_text('input_stream: "IMAGE:image"\noutput_stream: "LANDMARKS:image"\n')
    crowdpose = shared_data / "multi" / "crowdpose"
    with pytest.raises(GraphRunError, match="106848.jpg: image gave a ndarray; eval needs a NormalizedLandmarkList, a "
                                            "pose with one as .landmarks, or a list of either"):
        run_graph(Graph(tmp_path / "g.pbtxt"), load_annotations(crowdpose / "test_crowdpose.json"), crowdpose, {})


def test_predictions_and_a_graph_are_not_given_together(tmp_path, capsys):
    assert main(["eval", "ann.json", "pose_tracking", "--images", str(tmp_path), "--predictions", "r.json"]) == 2
    assert "--predictions scores a results file: give it no GRAPH" in capsys.readouterr().err


def test_the_multi_person_graphs_poses_are_scored_each(shared_data, pose_models):
    from posegraph.app.eval.predict import poses_of
    from posegraph.app.media import ImageSource
    from posegraph.calculators.formats import Pose

    crowdpose = shared_data / "multi" / "crowdpose"
    annotations = load_annotations(crowdpose / "test_crowdpose.json")
    graph = Graph.from_name("multi_pose_tracking_module")
    predictions = run_graph(graph, annotations, crowdpose, {"num_poses": 5})
    expected = []
    for image in annotations.images:
        with ImageSource(crowdpose / image["file_name"]) as source:
            frame = next(iter(source)).image
        (_, out), = Graph.from_name("multi_pose_tracking_module").process_frames(
            [(0, frame)], outputs=["poses"], side_packets={"num_poses": 5, "static_image_mode": True})
        assert out["poses"] and all(isinstance(p, Pose) for p in out["poses"])
        assert [(lm.tolist(), s) for lm, s in poses_of(out["poses"], "test")] == [
            (p.landmarks.data.tolist(), p.score) for p in out["poses"]]
        height, width = frame.shape[:2]
        # No DETECTION output: a pose's score is its presence; the first CrowdPose keypoint is left_shoulder (11).
        expected += [(image["id"], [float(p.landmarks.data[11, 0]) * width, float(p.landmarks.data[11, 1]) * height],
                      pytest.approx(p.score)) for p in out["poses"]]
    assert [(r["image_id"], r["keypoints"][:2], r["score"]) for r in predictions.results] == expected
