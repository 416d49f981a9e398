"""What a batch's input specs name and what the outputs are called; errors before anything runs."""

from __future__ import annotations

import subprocess
import sys

import pytest

from posegraph import SidePacketError
from posegraph.app.batch import BatchError, run
from posegraph.app.batch.inputs import collect_inputs
from posegraph.app.cli import main


def touch(*paths):
    for path in paths:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"")


def test_files_folders_globs_and_lists(tmp_path, monkeypatch):
    touch(tmp_path / "a.mp4", tmp_path / "set" / "b.MOV", tmp_path / "set" / "deep" / "c.jpg",
          tmp_path / "set" / "notes.md", tmp_path / "set" / ".hidden.mp4", tmp_path / "more" / "d.avi",
          tmp_path / "odd.bin")
    (tmp_path / "list.txt").write_text("# inputs\nmore/*.avi\n\nodd.bin  # any file named on its own\n")
    monkeypatch.chdir(tmp_path)
    items = collect_inputs(["a.mp4", "set", tmp_path / "list.txt", "set/**/*.jpg"])
    assert [(i.path.relative_to(tmp_path).as_posix(), i.name) for i in items] == [
        ("a.mp4", "a"), ("set/b.MOV", "b"), ("set/deep/c.jpg", "deep/c"), ("more/d.avi", "d"), ("odd.bin", "odd")]


@pytest.mark.parametrize("spec, message", [
    ("absent.mp4", "input absent.mp4: no such file or folder"),
    ("empty", "input empty: the folder {tmp}/empty holds no video or image"),
    ("*.webm", r"input \*.webm: the pattern matches no file"),
    ("bad.txt", r"{tmp}/bad.txt:2: input nothing/: no such file or folder"),
])
def test_a_spec_that_names_nothing_is_an_error(tmp_path, monkeypatch, spec, message):
    (tmp_path / "empty").mkdir()
    (tmp_path / "bad.txt").write_text("empty/../a.mp4\nnothing/\n")
    touch(tmp_path / "a.mp4")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(BatchError, match=message.format(tmp=tmp_path)):
        collect_inputs([spec])


def test_a_folder_search_leaves_out_the_output_directory(tmp_path):
    touch(tmp_path / "clip.mp4", tmp_path / "poses" / "clip.mp4", tmp_path / "poses" / ".partial" / "x" / "x.mp4")
    assert [i.path for i in collect_inputs([tmp_path], exclude=tmp_path / "poses")] == [tmp_path / "clip.mp4"]


def test_two_inputs_with_one_output_name_are_an_error(tmp_path):
    touch(tmp_path / "x" / "clip.mp4", tmp_path / "y" / "clip.mp4")
    with pytest.raises(BatchError, match=f"inputs {tmp_path}/x/clip.mp4 and {tmp_path}/y/clip.mp4 would both write "
                                         "outputs named 'clip'"):
        collect_inputs([tmp_path / "x" / "clip.mp4", tmp_path / "y"])


@pytest.mark.parametrize("args, message", [
    (["--engine", "spark"], "unknown engine 'spark'; use one of local, ray"),
    (["--landmarks-format", "xml"], "unknown landmarks format 'xml'; use one of jsonl, csv, parquet"),
    (["--workers", "0"], "workers must be at least 1, got 0"),
    (["--side-packet", "smooth=1"], "--side-packet smooth: the graph has no side packet 'smooth'"),
])
def test_bad_options_exit_2_and_write_nothing(tmp_path, capsys, shared_data, args, message):
    out = tmp_path / "out"
    assert main(["batch", "pose_tracking", str(shared_data / "media" / "pose.jpg"), "--out", str(out), *args]) == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_importing_the_batch_api_does_not_import_ray():
    code = ("import sys, posegraph; posegraph.batch.run; import posegraph.app.batch.local; "
            "assert 'ray' not in sys.modules and 'fsspec' not in sys.modules, 'ray imported'")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_run_refuses_an_unknown_side_packet(tmp_path, shared_data):
    with pytest.raises(SidePacketError, match="unknown side packet"):
        run("pose_tracking", [shared_data / "media" / "pose.jpg"], tmp_path / "out", side_packets={"nope": 1})
