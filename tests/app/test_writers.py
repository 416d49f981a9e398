"""Landmark files by extension: JSONL, CSV and Parquet, with the streams sorted by payload type (single-person
landmark lists, or the multi-person graph's Poses)."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

from posegraph import MediaError
from posegraph.app.writers import (PARQUET_ROW_GROUP_FRAMES, POSES_ROW_COLUMNS, ROW_COLUMNS, ImageInfo,
                                   check_landmark_path, open_landmark_writer)
from posegraph.calculators.formats import LandmarkList, NormalizedLandmarkList, NormalizedRect, Pose, Poses
from posegraph.calculators.pose.landmarks import POSE_LANDMARK_NAMES

STREAMS = {"pose_landmarks": NormalizedLandmarkList, "pose_world_landmarks": LandmarkList, "wrist_up": bool}
IMAGE = ImageInfo(720, 1280, 5.0)


def pose(seed: int) -> tuple[NormalizedLandmarkList, LandmarkList]:
    rng = np.random.default_rng(seed)
    return (NormalizedLandmarkList(rng.uniform(0, 1, (33, 5)).astype(np.float32)),
            LandmarkList(rng.uniform(-1, 1, (33, 5)).astype(np.float32)))


def test_unknown_extension_is_refused_before_anything_is_created(tmp_path):
    with pytest.raises(MediaError, match=r"out\.txt: cannot write landmarks as \.txt; use one of \.jsonl, \.csv, "
                                         r"\.parquet$"):
        open_landmark_writer(tmp_path / "out.txt", STREAMS, IMAGE)
    with pytest.raises(MediaError, match="a file without an extension"):
        check_landmark_path(tmp_path / "out")
    assert list(tmp_path.iterdir()) == []


def test_jsonl_lines_are_flushed_per_frame(tmp_path):
    path = tmp_path / "landmarks.jsonl"
    image, world = pose(0)
    image.data[0] = (0.1, 0.25, -0.5, 0.9, 1.0)
    image.data[1, 0] = np.nan
    streams = {**STREAMS, "rect": NormalizedRect}
    with open_landmark_writer(path, streams, IMAGE) as writer:
        writer.write(0, 0, {"pose_landmarks": image, "pose_world_landmarks": world, "wrist_up": True,
                            "rect": NormalizedRect(0.5, 0.25, 0.1, 0.2, np.float32(0.5))})
        writer.write(1, 200_000, {"pose_landmarks": None, "pose_world_landmarks": None, "wrist_up": False, "rect": None})
        lines = path.read_text().splitlines()  # before close
    assert len(lines) == 2
    first, second = (json.loads(line) for line in lines)
    assert list(first) == ["frame", "timestamp_us", "width", "height", "fps", "pose_landmarks",
                           "pose_world_landmarks", "wrist_up", "rect"]
    assert (first["frame"], first["timestamp_us"], first["width"], first["height"], first["fps"]) == (0, 0, 720, 1280, 5.0)
    assert first["pose_landmarks"][0] == [0.1, 0.25, -0.5, 0.9, 1.0]
    assert first["pose_landmarks"][1][0] is None and len(first["pose_landmarks"]) == 33
    assert first["pose_world_landmarks"][32] == [float(str(v)) for v in world.data[32]]  # float32's shortest form
    assert (first["wrist_up"], first["rect"]) == (True, {"x_center": 0.5, "y_center": 0.25, "width": 0.1,
                                                         "height": 0.2, "rotation": 0.5,
                                                         "rect_id": None})
    assert second == {"frame": 1, "timestamp_us": 200000, "width": 720, "height": 1280, "fps": 5.0,
                      "pose_landmarks": None, "pose_world_landmarks": None, "wrist_up": False, "rect": None}


def test_jsonl_names_a_stream_it_cannot_write(tmp_path):
    with open_landmark_writer(tmp_path / "l.jsonl", {"thing": object}, IMAGE) as writer:
        with pytest.raises(MediaError, match=r"l\.jsonl: stream 'thing': a set cannot be written as JSON"):
            writer.write(0, 0, {"thing": {1, 2}})


def test_csv_has_a_row_per_frame_and_landmark_flushed_per_frame(tmp_path):
    path = tmp_path / "landmarks.csv"
    image, world = pose(1)
    with open_landmark_writer(path, STREAMS, IMAGE) as writer:
        writer.write(0, 0, {"pose_landmarks": image, "pose_world_landmarks": world, "wrist_up": True})
        writer.write(1, 200_000, {"pose_landmarks": None, "pose_world_landmarks": None, "wrist_up": None})
        rows = list(csv.reader(path.open()))  # before close
    assert rows[0] == list(ROW_COLUMNS) + ["wrist_up"]
    assert len(rows) == 1 + 33 + 1
    assert [r[2] for r in rows[1:34]] == list(POSE_LANDMARK_NAMES)
    left_shoulder = rows[1 + 11]
    assert left_shoulder[:3] == ["0", "0", "left_shoulder"]
    assert [np.float32(v) for v in left_shoulder[3:8]] == list(image.data[11])  # exact at float32
    assert [np.float32(v) for v in left_shoulder[8:11]] == list(world.data[11, :3])
    assert left_shoulder[11] == "True"
    assert rows[34] == ["1", "200000"] + [""] * 10  # a frame without a pose is one empty row


def test_csv_refuses_two_landmark_streams(tmp_path):
    with pytest.raises(MediaError, match=r"one NormalizedLandmarkList per frame, but the graph writes 2 "
                                         r"\(a, b\); write \.jsonl instead"):
        open_landmark_writer(tmp_path / "l.csv", {"a": NormalizedLandmarkList, "b": NormalizedLandmarkList}, IMAGE)


def test_parquet_is_written_in_row_groups_and_finalised_on_close(tmp_path):
    import pyarrow.parquet as pq

    path = tmp_path / "landmarks.parquet"
    frames = PARQUET_ROW_GROUP_FRAMES + 3
    poses = [pose(i) for i in range(frames)]
    with open_landmark_writer(path, STREAMS, IMAGE) as writer:
        for i, (image, world) in enumerate(poses):
            writer.write(i, i * 200_000, {"pose_landmarks": image if i != 5 else None,
                                          "pose_world_landmarks": world if i != 5 else None, "wrist_up": i % 2 == 0})
    file = pq.ParquetFile(path)
    assert file.metadata.num_row_groups == 2
    table = file.read()
    assert table.schema.names == list(ROW_COLUMNS) + ["wrist_up"]
    assert [str(table.schema.field(n).type) for n in ("frame", "landmark", "x", "world_z", "wrist_up")] == \
        ["int64", "string", "float", "float", "bool"]
    assert table.num_rows == (frames - 1) * 33 + 1
    columns = table.to_pydict()
    at = columns["frame"].index(7) + 23  # frame 7's left_hip
    assert columns["landmark"][at] == "left_hip"
    assert [columns[c][at] for c in ("x", "y", "z", "visibility", "presence")] == list(poses[7][0].data[23])
    assert [columns[c][at] for c in ("world_x", "world_y", "world_z")] == list(poses[7][1].data[23, :3])
    assert columns["timestamp_us"][at] == 1_400_000 and columns["wrist_up"][at] is False
    empty = columns["frame"].index(5)
    assert [columns[c][empty] for c in ROW_COLUMNS[2:]] == [None] * 9


def people(*ids: int) -> tuple[Pose, ...]:
    """One Pose per id, landmarks from :func:`pose` seeded by the id."""
    return tuple(Pose(id=i, score=0.5 + i / 100, box=(0.1, 0.2, 0.3 + i / 10, 0.4), landmarks=pose(i)[0],
                      world_landmarks=pose(i)[1]) for i in ids)


MULTI = {"poses": Poses, "wrist_up": bool}


def test_jsonl_writes_each_person_with_id_score_box_and_landmarks(tmp_path):
    path = tmp_path / "poses.jsonl"
    with open_landmark_writer(path, MULTI, IMAGE) as writer:
        writer.write(0, 0, {"poses": people(3, 7), "wrist_up": True})
        writer.write(1, 200_000, {"poses": (), "wrist_up": False})
    first, second = (json.loads(line) for line in path.read_text().splitlines())
    assert list(first) == ["frame", "timestamp_us", "width", "height", "fps", "poses", "wrist_up"]
    assert [list(p) for p in first["poses"]] == [["id", "score", "box", "landmarks", "world_landmarks"]] * 2
    three = first["poses"][0]
    assert (three["id"], three["score"], three["box"]) == (3, 0.53, [0.1, 0.2, 0.6, 0.4])  # float32's shortest form
    assert three["landmarks"] == [[float(str(v)) for v in row] for row in pose(3)[0].data]
    assert three["world_landmarks"] == [[float(str(v)) for v in row] for row in pose(3)[1].data]
    assert first["poses"][1]["id"] == 7
    assert second["poses"] == []  # nobody there


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_rows_have_an_id_per_person_and_one_empty_row_for_nobody(tmp_path, suffix):
    path = tmp_path / f"poses{suffix}"
    with open_landmark_writer(path, MULTI, IMAGE) as writer:
        writer.write(0, 0, {"poses": people(3, 7), "wrist_up": True})
        writer.write(1, 200_000, {"poses": (), "wrist_up": None})
    if suffix == ".csv":
        rows = list(csv.reader(path.open()))
        header, body = rows[0], rows[1:]
    else:
        import pyarrow.parquet as pq

        table = pq.read_table(path)
        assert [str(table.schema.field(n).type) for n in ("id", "score", "x")] == ["int64", "float", "float"]
        header = table.schema.names
        body = [["" if v is None else str(v) for v in row.values()] for row in table.to_pylist()]
    assert header == list(POSES_ROW_COLUMNS) + ["wrist_up"] == [
        "frame", "timestamp_us", "id", "score", "landmark", "x", "y", "z", "visibility", "presence",
        "world_x", "world_y", "world_z", "wrist_up"]
    assert len(body) == 2 * 33 + 1
    assert [r[2] for r in body[:66]] == ["3"] * 33 + ["7"] * 33
    assert [r[4] for r in body[:66]] == list(POSE_LANDMARK_NAMES) * 2
    seven_hip = body[33 + 23]
    assert np.float32(seven_hip[3]) == np.float32(0.57)
    assert [np.float32(v) for v in seven_hip[5:10]] == list(pose(7)[0].data[23])  # exact at float32
    assert [np.float32(v) for v in seven_hip[10:13]] == list(pose(7)[1].data[23, :3])
    assert body[66] == ["1", "200000"] + [""] * 12  # nobody: one row, id and landmark empty


def test_rows_refuse_people_beside_single_pose_landmarks(tmp_path):
    with pytest.raises(MediaError, match=r"cannot also hold the landmark lists a beside the people of poses; "
                                         r"write \.jsonl instead"):
        open_landmark_writer(tmp_path / "l.csv", {"poses": Poses, "a": NormalizedLandmarkList}, IMAGE)


def edge_case_landmarks(seed: int) -> np.ndarray:
    """(33, 5) float32 landmarks drawn from every magnitude a float32 has, with the values where
    numpy's and Python's float text part ways (1e-04, 1e6 and above) and non-finite ones mixed in."""
    rng = np.random.default_rng(seed)
    values = rng.integers(0, 2**32, 33 * 5, dtype=np.uint64).astype(np.uint32).view(np.float32)
    values = np.where(np.isfinite(values), values, np.float32(0.25))  # random bits can be signalling NaNs
    values = np.where(rng.random(values.shape) < 0.5, rng.normal(0, 1, values.shape).astype(np.float32), values)
    specials = np.array([0.0, -0.0, 1e-4, -1e-4, 1e-5, 999_999.94, 1e6, 1.5e7, np.nan, np.inf, -np.inf], np.float32)
    if seed % 2:  # half the arrays have no special value: the one-step text path
        values = np.where(np.isfinite(values) & (np.abs(values) < 1e6), values, 0.5)
    else:
        picks = rng.integers(0, values.size, 3)
        values[picks] = rng.choice(specials, 3)
    return values.reshape(33, 5)


def test_jsonl_text_is_json_dumps_of_the_values_for_any_float32():
    """The writer builds a landmark list's JSON text from numpy's float32 strings in one step; it
    must be exactly the text ``json.dumps`` writes for the same values (float32's shortest form,
    non-finite values null)."""
    from posegraph.app.writers import json_text, json_value

    for seed in range(400):
        data = edge_case_landmarks(seed)
        for value in (NormalizedLandmarkList(data), LandmarkList(data.astype(np.float64)),
                      NormalizedLandmarkList(data[:seed % 5])):
            expected = json.dumps(json_value(value, "here"), separators=(",", ":"))
            assert json_text(value, "here") == expected, seed
    people_there = tuple(Pose(i, 0.5 + i / 10, (0.1, 0.2, 0.3, 0.4), NormalizedLandmarkList(edge_case_landmarks(i)),
                              LandmarkList(edge_case_landmarks(i + 1))) for i in range(4))
    for value in (people_there, people_there[:1], (), None, {"a": [1.5, np.float32(0.1)]}):
        assert json_text(value, "here") == json.dumps(json_value(value, "here"), separators=(",", ":"))
