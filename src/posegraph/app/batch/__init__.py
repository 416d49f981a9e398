"""``posegraph batch``: one graph over many videos and images, on all cores or on a Ray cluster.

A tracking graph keeps state across a video's frames, so the unit of parallel work is a whole
input: each worker process runs one single-threaded graph over one input at a time. Per input,
the outputs ``posegraph run`` would write (the landmarks file in JSONL, CSV or Parquet, and with
``overlay`` the graph's image output: the input with the skeleton drawn) are made under temporary names and published under the input's name when
complete; ``OUT/manifest.jsonl`` gets one row per input (see :data:`MANIFEST_FIELDS`). A second
batch on the same output directory resumes: inputs already done are skipped.

Modules: ``inputs`` (what the input specs name), ``store`` (output directory, manifest, lock),
``work`` (one input's work in a worker), ``local`` (the process pool), ``ray_engine`` (Ray tasks;
imported only for ``engine="ray"``).
"""

from __future__ import annotations

import collections
import os
from pathlib import Path
from typing import Any, Iterable

from posegraph.app.batch.inputs import BatchError, BatchInput, collect_inputs
from posegraph.app.batch.store import MANIFEST_FIELDS, BatchLock, Manifest, is_url, open_store
from posegraph.app.batch.work import LANDMARK_FORMATS, BatchSettings, output_names
from posegraph.framework.graph import Graph

ENGINES = ("local", "ray")

__all__ = ["BatchError", "ENGINES", "LANDMARK_FORMATS", "MANIFEST_FIELDS", "run"]


def run(graph: str | os.PathLike[str] | Graph, inputs: Iterable[str | os.PathLike[str]], out: str | os.PathLike[str],
        workers: int | None = None, engine: str = "local", side_packets: dict[str, Any] | None = None, *,
        landmarks_format: str = "jsonl", overlay: bool = False, force: bool = False, ray_address: str | None = None,
        load: Iterable[str] = (), search_path: Iterable[str | os.PathLike[str]] = (), num_threads: int | None = None,
        progress: bool = False) -> list[dict[str, Any]]:
    """Runs ``graph`` over every input and returns the inputs' manifest rows, in input order.

    Args:
        graph: a config file, a bundled graph's name (``"pose_tracking"``), or a :class:`Graph` not
            started (its config is used).
        inputs: files, folders (searched for videos and images), glob patterns, or ``.txt`` files
            listing such specs one per line.
        out: the output directory, a path or an fsspec URL (``s3://bucket/poses``; needs fsspec).
        workers: worker processes of the local engine (default: the cores this process may use);
            with ``engine="ray"``, the CPUs of a local Ray started for the run.
        engine: ``"local"`` (a process pool) or ``"ray"`` (Ray tasks; ``ray_address``, else
            ``RAY_ADDRESS``, else a local Ray).
        side_packets: the graph's input side packets, typed (``{"smooth_landmarks": False}``).
        landmarks_format: the landmarks file's format and suffix (:data:`LANDMARK_FORMATS`).
        overlay: also write the graph's image output for each input (``NAME.mp4``; an image keeps its
            suffix): pose_tracking's is the input with the skeleton drawn.
        force: redo inputs the manifest lists as done.
        load: modules or ``.py`` files registering calculators, imported in every worker.
        search_path: extra directories to find subgraphs in.
        num_threads: scheduler threads per graph (default: the config's).
        progress: show a progress bar over all frames on stderr.

    Returns:
        One dict per input with the keys of :data:`MANIFEST_FIELDS`: ``input`` (absolute path),
        ``status`` (``"done"`` or ``"failed"``), ``frames``, ``frames_with_pose``, ``seconds`` (wall
        seconds of that input), ``outputs`` (names relative to ``out``) and ``error`` (``None`` when
        done). An input that fails (unreadable, damaged, the graph failed on it) is a failed row; the
        others go on.

    Raises:
        BatchError: no inputs, clashing output names, ``out`` unusable or in use by another batch,
            an unknown engine or format, ``overlay`` for a graph without an image output, or Ray
            missing or unreachable.
        GraphConfigError, SidePacketError, ModelError, PosegraphError: a bad graph, side packet,
            model or ``load`` module (checked before any input starts).
        KeyboardInterrupt: the batch was interrupted; finished inputs are in the manifest, the
            others have no output and no row, and running again finishes them.
    """
    from posegraph.app.cli import ensure_models, graph_file, load_calculators
    from posegraph.app.runner import graph_outputs

    if engine not in ENGINES:
        raise BatchError(f"unknown engine {engine!r}; use one of {', '.join(ENGINES)}")
    if landmarks_format not in LANDMARK_FORMATS:
        raise BatchError(f"unknown landmarks format {landmarks_format!r}; use one of {', '.join(LANDMARK_FORMATS)}")
    if workers is not None and workers < 1:
        raise BatchError(f"workers must be at least 1, got {workers}")
    load = tuple(load)
    if not isinstance(graph, Graph):  # a Graph's calculators are loaded already
        load_calculators(load)
        graph = Graph(graph_file(os.fspath(graph)), search_path=search_path)
    side_packets = dict(side_packets or {})
    graph.check_side_packets(side_packets)
    if overlay and not graph_outputs(graph).images:
        raise BatchError("--overlay writes the graph's image output, but the graph declares no output stream of "
                         "images (tag one IMAGE, e.g. output_stream: \"IMAGE:output_video\")")
    ensure_models(graph)
    items = collect_inputs(inputs, exclude=None if is_url(os.fspath(out)) else Path(out).absolute())
    store = open_store(out)
    settings = BatchSettings(graph.loaded, store.root, load, side_packets, landmarks_format, overlay, num_threads)
    with BatchLock(store):
        store.clear_partial()
        manifest = Manifest(store)
        rows: dict[str, dict[str, Any]] = {}
        todo: list[BatchInput] = []
        for item in items:
            row = manifest.rows.get(str(item.path))
            if (not force and row is not None and row.get("status") == "done"
                    and sorted(row.get("outputs") or ()) == sorted(output_names(item, settings).values())):
                rows[row["input"]] = row
            else:
                todo.append(item)
        _run_engine(engine, settings, todo, store, manifest, rows, workers, ray_address, progress, len(items))
    return [rows[str(item.path)] for item in items if str(item.path) in rows]


def _run_engine(engine: str, settings: BatchSettings, todo: list[BatchInput], store: Any, manifest: Manifest,
                rows: dict[str, dict[str, Any]], workers: int | None, ray_address: str | None, progress: bool,
                total: int) -> None:
    from tqdm import tqdm

    counts = collections.Counter({"skipped": total - len(todo)})
    bar = tqdm(total=None, unit="frame", desc="batch", disable=not progress or not todo, dynamic_ncols=True)

    def on_row(row: dict[str, Any]) -> None:
        manifest.add(row)
        rows[row["input"]] = row
        counts[row["status"]] += 1
        bar.set_postfix(done=counts["done"], failed=counts["failed"], left=len(todo) - counts["done"] - counts["failed"])

    bar.set_postfix(done=0, failed=0, left=len(todo))
    try:
        if engine == "ray" and todo:
            from posegraph.app.batch.ray_engine import run_ray

            run_ray(settings, todo, store, ray_address, workers, on_row, bar)
        elif todo:
            from posegraph.app.batch.local import available_cores, run_local

            run_local(settings, todo, store, workers or available_cores(), on_row, bar)
    finally:
        bar.close()
        manifest.close()
        store.clear_partial()
