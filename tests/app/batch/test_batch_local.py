"""``posegraph batch`` on the local engine: outputs identical to ``posegraph run``'s, failed inputs
recorded while the others finish, resume, the lock, a killed worker, Ctrl-C."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import manifest_rows, partial_lines, processes, start_batch, wait_for
from posegraph.app.batch import BatchError, run
from posegraph.app.batch.store import LOCK, BatchLock, LocalStore
from posegraph.app.cli import main

FIELDS = ["input", "status", "frames", "frames_with_pose", "seconds", "outputs", "error"]


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet"])
def test_outputs_are_those_of_posegraph_run(tmp_path, clips, shared_data, run_outputs, fmt):
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    shutil.copy(clips["clip_a"], folder / "clip_a.mp4")
    shutil.copy(clips["clip_b"], folder / "sub" / "clip_b.mp4")
    shutil.copy(shared_data / "media" / "pose.jpg", folder / "pose.jpg")
    out = tmp_path / "out"
    assert main(["batch", "pose_tracking", str(folder), "--out", str(out), "--overlay", "--workers", "2",
                 "--landmarks-format", fmt, "-q"]) == 0
    rows = manifest_rows(out)
    assert [list(r) for r in rows] == [FIELDS] * 3
    by_name = {Path(r["input"]).relative_to(folder).as_posix(): r for r in rows}
    assert sorted(by_name) == ["clip_a.mp4", "pose.jpg", "sub/clip_b.mp4"]
    for relative, row in by_name.items():
        stem = relative.rsplit(".", 1)[0]
        suffix = ".jpg" if relative.endswith(".jpg") else ".mp4"
        expected = run_outputs(folder / relative, fmt)
        assert row["status"] == "done" and row["error"] is None
        assert row["outputs"] == [f"{stem}.{fmt}", stem + suffix]
        assert row["frames"] == row["frames_with_pose"] == (1 if suffix == ".jpg" else 6)
        assert (out / f"{stem}.{fmt}").read_bytes() == expected["landmarks"]
        assert (out / f"{stem}{suffix}").read_bytes() == expected["overlay"]
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*")) == sorted([
        f"clip_a.{fmt}", "clip_a.mp4", "manifest.jsonl", "pose.jpg", f"pose.{fmt}", "sub", f"sub/clip_b.{fmt}",
        "sub/clip_b.mp4"])


def test_overlay_needs_an_image_output(tmp_path, clips, pose_models):
    with pytest.raises(BatchError, match="--overlay writes the graph's image output, but the graph declares no "
                                         "output stream of images"):
        run("pose_tracking_module", [clips["clip_a"]], tmp_path / "out", overlay=True)
    assert not (tmp_path / "out").exists()


def test_damaged_and_unreadable_inputs_fail_while_the_others_finish(tmp_path, clips, streamable_squats):
    """Unreadable inputs: a FIFO named like a video and a symlink to a file that is gone (chmod
    000 does not stop root, who runs the tests)."""
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(clips["clip_a"], folder / "good.mp4")
    (folder / "truncated.mp4").write_bytes(streamable_squats[: len(streamable_squats) // 3])
    (folder / "notes.mp4").write_text("this is not a video\n")
    os.mkfifo(folder / "fifo.mp4")
    (folder / "gone.mp4").symlink_to(tmp_path / "deleted.mp4")
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "posegraph.app.cli", "batch", "pose_tracking", str(folder), "--out",
                           str(out), "--workers", "2", "-q"], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1, proc.stderr
    rows = {Path(r["input"]).name: r for r in manifest_rows(out)}
    assert {name: r["status"] for name, r in rows.items()} == {
        "fifo.mp4": "failed", "gone.mp4": "failed", "good.mp4": "done", "notes.mp4": "failed",
        "truncated.mp4": "failed"}
    assert rows["fifo.mp4"]["error"] == f"{folder / 'fifo.mp4'}: not a file"
    assert rows["gone.mp4"]["error"] == f"{folder / 'gone.mp4'}: no such file"
    assert rows["notes.mp4"]["error"] == (f"{folder / 'notes.mp4'}: not a video or image OpenCV can read "
                                          "(unknown format, or the file is damaged)")
    truncated = rows["truncated.mp4"]
    assert 5 < truncated["frames"] < 65
    assert truncated["error"] == (f"{folder / 'truncated.mp4'}: reading stopped after frame {truncated['frames'] - 1} "
                                  "of the 65 the container states: the file is truncated or damaged")
    assert all(r["outputs"] == [] for name, r in rows.items() if name != "good.mp4")
    assert sorted(p.name for p in out.iterdir()) == ["good.jsonl", "manifest.jsonl"]
    assert f"posegraph: failed: {folder / 'gone.mp4'}: no such file" in proc.stderr
    assert "posegraph: 1 of 5 inputs done (6 frames), 4 failed" in proc.stderr


def test_resume_skips_inputs_done_and_force_redoes_them(tmp_path, clips, pose_models):
    out = tmp_path / "out"
    inputs = [str(clips["clip_a"]), str(clips["clip_b"])]
    first = run("pose_tracking", inputs[:1], out, workers=1)
    assert [r["status"] for r in first] == ["done"]
    landmarks = (out / "clip_a.jsonl").stat()
    second = run("pose_tracking", inputs, out, workers=1)
    assert second[0] == first[0] and second[1]["status"] == "done"
    assert (out / "clip_a.jsonl").stat().st_mtime_ns == landmarks.st_mtime_ns
    assert len(manifest_rows(out)) == 2
    run("pose_tracking", inputs, out, workers=1, overlay=True)  # asks for an output the rows lack
    assert [r["outputs"] for r in manifest_rows(out)[2:]] == [["clip_a.jsonl", "clip_a.mp4"],
                                                                ["clip_b.jsonl", "clip_b.mp4"]]
    run("pose_tracking", inputs, out, workers=1, overlay=True, force=True)
    assert len(manifest_rows(out)) == 6


def test_a_second_batch_on_the_same_directory_is_refused(tmp_path, clips, pose_models):
    out = tmp_path / "out"
    out.mkdir()
    holder = subprocess.Popen(["sleep", "60"])
    try:
        (out / LOCK).write_text(f'{{"pid": {holder.pid}, "host": "{os.uname().nodename}", "started": "then"}}\n')
        with pytest.raises(BatchError, match=rf"^{out} is in use by another posegraph batch \(pid {holder.pid} on "
                                             rf"{os.uname().nodename}, since then\); wait for it to finish, or if that "
                                             rf"process is gone, delete {out}/{LOCK}$"):
            run("pose_tracking", [clips["clip_a"]], out)
    finally:
        holder.kill()
        holder.wait()
    assert not (out / "manifest.jsonl").exists()
    # The holder is gone: its lock is stale, and taken over.
    assert [r["status"] for r in run("pose_tracking", [clips["clip_a"]], out)] == ["done"]
    assert not (out / LOCK).exists()


@pytest.mark.parametrize("holder", ["this process", "a live pid started at another time", "unreadable"])
def test_a_stale_lock_is_taken_over(tmp_path, holder):
    store = LocalStore(tmp_path)
    host = os.uname().nodename
    (tmp_path / LOCK).write_text({
        "this process": f'{{"pid": {os.getpid()}, "host": "{host}"}}',
        "a live pid started at another time": f'{{"pid": 1, "host": "{host}", "pid_started": "-1"}}',
        "unreadable": "{"}[holder])
    with BatchLock(store):
        assert json.loads((tmp_path / LOCK).read_text())["pid"] == os.getpid()
    assert not (tmp_path / LOCK).exists()


def test_a_worker_killed_mid_input_leaves_nothing_partial_and_the_input_is_retried(tmp_path, clips, run_outputs):
    out = tmp_path / "out"
    batch = start_batch(clips["long"], "--out", out, "--workers", "1")
    wait_for(lambda: partial_lines(out, "long") >= 3, "the worker to be in the middle of the input")
    (worker,) = processes("multiprocessing.spawn", parent=batch.pid)
    os.kill(worker, signal.SIGKILL)
    _, stderr = batch.communicate(timeout=300)
    assert batch.returncode == 0, stderr
    assert f"the worker on {clips['long']} (pid {worker}) killed by signal 9; retrying it (attempt 2 of 3)" in stderr
    (row,) = manifest_rows(out)
    assert row["status"] == "done" and row["frames"] == 65
    assert (out / "long.jsonl").read_bytes() == run_outputs(clips["long"])["landmarks"]
    assert sorted(p.name for p in out.iterdir()) == ["long.jsonl", "manifest.jsonl"]


def test_ctrl_c_keeps_only_complete_outputs_and_running_again_finishes(tmp_path, clips, run_outputs):
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("clip_a", "long", "clip_b"):
        shutil.copy(clips[name], folder / f"{name}.mp4")
    listing = tmp_path / "inputs.txt"
    listing.write_text("# one per line\nin/clip_a.mp4\nin/long.mp4\nin/clip_b.mp4\n")
    out = tmp_path / "out"
    batch = start_batch(listing, "--out", out, "--workers", "1")
    wait_for(lambda: partial_lines(out, "long") >= 3, "the batch to be in the middle of its second input")
    batch.send_signal(signal.SIGINT)
    _, stderr = batch.communicate(timeout=120)
    assert batch.returncode == 130, stderr
    assert "batch stopped" in stderr
    rows = manifest_rows(out)
    assert [(Path(r["input"]).name, r["status"]) for r in rows] == [("clip_a.mp4", "done")]
    assert sorted(p.name for p in out.iterdir()) == ["clip_a.jsonl", "manifest.jsonl"]
    assert processes("multiprocessing.spawn", parent=batch.pid) == []

    assert main(["batch", "pose_tracking", str(listing), "--out", str(out), "-q"]) == 0
    rows = manifest_rows(out)
    assert [(Path(r["input"]).name, r["status"]) for r in rows[:1]] == [("clip_a.mp4", "done")]
    assert sorted((Path(r["input"]).name, r["status"]) for r in rows[1:]) == [("clip_b.mp4", "done"),
                                                                                ("long.mp4", "done")]
    for name in ("clip_a", "long", "clip_b"):
        assert (out / f"{name}.jsonl").read_bytes() == run_outputs(folder / f"{name}.mp4")["landmarks"]


def test_the_progress_bar_counts_frames_and_inputs_done_and_failed(tmp_path, shared_data, pose_models):
    (tmp_path / "notes.mp4").write_text("this is not a video\n")
    proc = subprocess.run([sys.executable, "-m", "posegraph.app.cli", "batch", "pose_tracking",
                           str(shared_data / "media" / "pose.jpg"), str(tmp_path / "notes.mp4"), "--out",
                           str(tmp_path / "out"), "--workers", "1"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stderr
    final = re.findall(r"batch: [^\r\n]*", proc.stderr)[-1]
    assert final.startswith("batch: 100%") and "1/1 [" in final
    # tqdm writes the rate as frame/s, or as s/frame when a frame takes over a second (a loaded machine).
    assert re.search(r"(frame/s|s/frame), done=1, failed=1, left=0\]$", final), final
