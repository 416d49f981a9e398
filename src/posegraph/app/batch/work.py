"""One input's work, as a worker process does it: build the graph from the batch's checked config,
run it over the input into a staging directory, publish the outputs, return the manifest row.

A worker keeps what outlives one input: the imported calculators and model checks, the parsed and
expanded config (a :class:`~posegraph.Graph` runs once, so each input gets a new one built from
it), the models' interpreters (``reuse_interpreters``) and the output store.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import pickle
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

from posegraph.app.batch.inputs import BatchInput
from posegraph.app.batch.store import Store, open_store
from posegraph.app.media import IMAGE_SUFFIXES, MediaSource, SourceFrame, open_source
from posegraph.app.runner import RunSummary, run_media
from posegraph.app.writers import LANDMARK_FORMATS as LANDMARK_SUFFIXES
from posegraph.framework.config.loader import LoadedConfig
from posegraph.framework.errors import PosegraphError
from posegraph.framework.graph import Graph
from posegraph.framework.registry import get_calculator

log = logging.getLogger(__name__)

LANDMARK_FORMATS = tuple(suffix.lstrip(".") for suffix in LANDMARK_SUFFIXES)
"""Landmark file formats a batch can ask for (``jsonl``, ``csv``, ``parquet``): those of the runner's
writers (:mod:`posegraph.app.writers`), which pick the writer by the file's suffix."""


@dataclass(frozen=True)
class BatchSettings:
    """What every input of a batch shares; sent once to each worker.

    Attributes:
        config: the graph's config, subgraphs expanded and validated by the driver.
        load: modules or ``.py`` files to import first (calculators they register).
        side_packets: the graph's input side packets, typed.
        landmarks_format: suffix of the landmarks file (one of :data:`LANDMARK_FORMATS`).
        overlay: whether to also write the graph's image output (pose_tracking: the input with the
            skeleton drawn).
        num_threads: the scheduler's threads per graph (``None``: the config's).
        out: the output directory, a path or an fsspec URL.
    """

    config: LoadedConfig
    out: str
    load: tuple[str, ...] = ()
    side_packets: dict[str, Any] = field(default_factory=dict)
    landmarks_format: str = "jsonl"
    overlay: bool = False
    num_threads: int | None = None

    @property
    def fingerprint(self) -> str:
        """Tells batches apart in a long-lived worker (a Ray worker serves many)."""
        return hashlib.sha256(pickle.dumps(dataclasses.astuple(self))).hexdigest()


def output_names(item: BatchInput, settings: BatchSettings) -> dict[str, str]:
    """``{"landmarks": "NAME.jsonl", "overlay": "NAME.mp4"}``: each output's name relative to the
    output directory (an image's overlay keeps the image's suffix)."""
    names = {"landmarks": f"{item.name}.{settings.landmarks_format}"}
    if settings.overlay:
        suffix = item.path.suffix.lower()
        names["overlay"] = item.name + (suffix if suffix in IMAGE_SUFFIXES else ".mp4")
    return names


class _CountingSource(MediaSource):
    """``source``, calling ``on_frame()`` as each frame is handed on (the batch's progress)."""

    def __init__(self, source: MediaSource, on_frame: Callable[[], None]) -> None:
        self._source, self._on_frame = source, on_frame
        self.name, self.fps, self.frame_count = source.name, source.fps, source.frame_count
        self.width, self.height = source.width, source.height
        self.is_live, self.is_still = source.is_live, source.is_still

    def __iter__(self) -> Iterator[SourceFrame]:
        for frame in self._source:
            yield frame
            self._on_frame()
        self.truncated, self.error = self._source.truncated, self._source.error

    def close(self) -> None:
        self._source.close()


def _run_one(graph: Graph, input_path: Path, outputs: dict[str, Path], side_packets: dict[str, Any],
             on_start: Callable[[int | None], None], on_frame: Callable[[], None]) -> RunSummary:
    """The runner on one input: ``outputs`` maps ``landmarks`` (and ``overlay``) to the files to write.

    The one place the batch calls the runner, so each input's files are those ``posegraph run``
    writes: the landmarks in the format of the file's suffix (the runner's writers), the overlay
    from the graph's image output. ``on_start`` gets the frame count the input states.
    """
    with open_source(input_path) as source:
        on_start(source.frame_count)
        return run_media(graph, _CountingSource(source, on_frame), output=outputs.get("overlay"),
                         landmarks=outputs["landmarks"], side_packets=side_packets, progress=False)


def failed_row(item: BatchInput, error: str | None) -> dict[str, Any]:
    """The manifest row of an input that produced nothing: status ``failed``, no frames, no outputs."""
    return {"input": str(item.path), "status": "failed", "frames": 0, "frames_with_pose": 0, "seconds": 0.0,
            "outputs": [], "error": error}


def single_threaded_inference(graph: Graph) -> None:
    """Gives every InferenceCalculator of ``graph`` (not started) that leaves its interpreter's
    thread count to the default one thread: a batch runs one graph per core."""
    for spec in graph.validated.nodes:
        if spec.calculator == "InferenceCalculator" and spec.options.num_threads == 0:
            spec.options = dataclasses.replace(spec.options, num_threads=1)


def _with_options_resolved(config: LoadedConfig) -> LoadedConfig:
    """``config`` as unpickled in a fresh process holds its nodes' options as unknown fields until
    their calculators (which declare the options messages) are registered: registers them and
    parses the message again."""
    for node in config.config.node:
        get_calculator(node.calculator)
    message = type(config.config)()
    message.ParseFromString(config.config.SerializeToString())
    return dataclasses.replace(config, config=message)


class Worker:
    """Runs inputs one after another with one batch's settings.

    Raises (on construction):
        PosegraphError: a ``load`` module cannot be imported, or a model is missing and cannot be fetched.
    """

    def __init__(self, settings: BatchSettings) -> None:
        from posegraph.app.cli import ensure_models, load_calculators
        from posegraph.calculators.tensor.inference_calculator import reuse_interpreters

        load_calculators(settings.load)
        reuse_interpreters()
        self.settings = settings
        self.config = _with_options_resolved(settings.config)
        self.store: Store = open_store(settings.out)
        ensure_models(self._graph())

    def _graph(self) -> Graph:
        graph = Graph(self.config, num_threads=self.settings.num_threads)
        single_threaded_inference(graph)
        return graph

    def process(self, item: BatchInput, on_start: Callable[[int | None], None] = lambda n: None,
                on_frame: Callable[[], None] = lambda: None) -> dict[str, Any]:
        """Runs the graph on ``item`` and publishes its outputs; returns its manifest row.

        A failure of the input (unreadable, damaged, the graph failed on it, an output that cannot be
        published) is the row's ``error``, with status ``failed`` and no outputs published.
        """
        started = time.perf_counter()
        names = output_names(item, self.settings)
        staging = self.store.staging(item.name)
        files = {kind: staging / Path(name).name for kind, name in names.items()}
        row = failed_row(item, None)
        try:
            summary = _run_one(self._graph(), item.path, files, self.settings.side_packets, on_start, on_frame)
            row.update(frames=summary.frames, frames_with_pose=summary.frames_with_pose)
            if summary.truncated:
                row["error"] = f"{item.path}: {summary.input_error}"
            else:
                for kind, name in names.items():
                    self.store.publish(files[kind], name)
                row.update(status="done", outputs=list(names.values()))
        except PosegraphError as e:
            row["error"] = str(e)
        except Exception as e:  # not foreseen (an OpenCV or store error): the row says it, the log shows where
            log.warning("%s: unexpected %s", item.path, type(e).__name__, exc_info=True)
            row["error"] = f"{type(e).__name__}: {e}"
        finally:
            self.store.discard(item.name)
        row["seconds"] = round(time.perf_counter() - started, 3)
        return row

