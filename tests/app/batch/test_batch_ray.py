"""``posegraph batch --engine ray`` on a real two-node Ray cluster started here
(``ray.cluster_utils.Cluster``, one CPU per node): outputs identical to ``posegraph run``'s,
written through fsspec to a ``file://`` URL, resume, a Ray worker killed mid-input, Ctrl-C."""

from __future__ import annotations

import os
import shutil
import signal
import threading
from pathlib import Path

import pytest
import ray

from conftest import manifest_rows, partial_lines, processes, start_batch, wait_for
from posegraph.app.batch import run


@pytest.fixture(scope="module")
def cluster():
    from ray.cluster_utils import Cluster

    small = {"num_cpus": 1, "object_store_memory": 100 * 2**20}  # the tasks pass only small rows
    cluster = Cluster(initialize_head=True, head_node_args={**small, "include_dashboard": False})
    cluster.add_node(**small)
    ray.init(address=cluster.address, log_to_driver=False)
    try:
        cluster.wait_for_nodes()
        assert len([n for n in ray.nodes() if n["Alive"]]) == 2
        yield cluster
    finally:
        ray.shutdown()
        cluster.shutdown()


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_outputs_through_fsspec_are_those_of_posegraph_run(tmp_path, clips, run_outputs, cluster, fmt):
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("clip_a", "clip_b"):
        shutil.copy(clips[name], folder / f"{name}.mp4")
    (folder / "notes.mp4").write_text("this is not a video\n")
    out = tmp_path / "out"
    rows = run("pose_tracking", [folder], f"file://{out}", engine="ray", overlay=True, landmarks_format=fmt)
    assert [(Path(r["input"]).name, r["status"]) for r in rows] == [
        ("clip_a.mp4", "done"), ("clip_b.mp4", "done"), ("notes.mp4", "failed")]
    for name in ("clip_a", "clip_b"):
        expected = run_outputs(folder / f"{name}.mp4", fmt)
        assert (out / f"{name}.{fmt}").read_bytes() == expected["landmarks"]
        assert (out / f"{name}.mp4").read_bytes() == expected["overlay"]
    assert sorted(r["input"] for r in manifest_rows(out)) == [r["input"] for r in rows]
    assert sorted(p.name for p in out.iterdir()) == [f"clip_a.{fmt}", "clip_a.mp4", f"clip_b.{fmt}", "clip_b.mp4",
                                                      "manifest.jsonl"]
    again = run("pose_tracking", [folder], f"file://{out}", engine="ray", overlay=True, landmarks_format=fmt)
    assert again[:2] == rows[:2] and again[2]["status"] == "failed"
    assert len(manifest_rows(out)) == 4


def test_a_ray_worker_killed_mid_input_leaves_nothing_partial_and_the_task_is_retried(tmp_path, clips, run_outputs,
                                                                                      cluster):
    out = tmp_path / "out"
    result: list = []
    driver = threading.Thread(target=lambda: result.append(run("pose_tracking", [clips["long"]], out, engine="ray")))
    driver.start()
    wait_for(lambda: partial_lines(out, "long") >= 3, "the Ray task to be in the middle of the input")
    (worker,) = wait_for(lambda: processes("ray::_process"), "the Ray worker running the task")
    os.kill(worker, signal.SIGKILL)
    driver.join(300)
    assert not driver.is_alive()
    (row,) = result[0]
    assert row["status"] == "done" and row["frames"] == 65
    assert (out / "long.jsonl").read_bytes() == run_outputs(clips["long"])["landmarks"]
    assert sorted(p.name for p in out.iterdir()) == ["long.jsonl", "manifest.jsonl"]


def test_ctrl_c_cancels_the_tasks_and_running_again_finishes(tmp_path, clips, run_outputs, cluster):
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("clip_a", "long", "clip_b"):
        shutil.copy(clips[name], folder / f"{name}.mp4")
    for attempt in range(3):
        # Ray 2.x's driver can abort inside its own task bookkeeping when a cancelled task is just
        # completing ("Tried to complete task that was not pending"); that upstream crash, and
        # only that one, is retried on a fresh output folder.
        out = tmp_path / f"out{attempt}"
        batch = start_batch(folder, "--out", out, "--engine", "ray", "--ray-address", cluster.address)
        wait_for(lambda: partial_lines(out, "long") >= 3, "the Ray task on long.mp4 to be in the middle of it")
        batch.send_signal(signal.SIGINT)
        _, stderr = batch.communicate(timeout=120)
        if "Tried to complete task that was not pending" not in stderr:
            break
        wait_for(lambda: not processes("ray::_process"), "the cancelled tasks to end", timeout=60)
    assert batch.returncode == 130, stderr
    finished = [Path(r["input"]).stem for r in manifest_rows(out)]  # those done before the cancel took hold
    assert sorted(p.name for p in out.iterdir()) == sorted(["manifest.jsonl", *(f"{n}.jsonl" for n in finished)])
    wait_for(lambda: not processes("ray::_process"), "the cancelled tasks to end", timeout=60)

    rows = run("pose_tracking", [folder], out, engine="ray")
    assert [r["status"] for r in rows] == ["done"] * 3
    for name in ("clip_a", "long", "clip_b"):
        assert (out / f"{name}.jsonl").read_bytes() == run_outputs(folder / f"{name}.mp4")["landmarks"]
