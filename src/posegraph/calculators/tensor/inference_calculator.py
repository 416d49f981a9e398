"""InferenceCalculator: runs a TFLite model with LiteRT and XNNPACK (MediaPipe's InferenceCalculatorCpu)."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from posegraph import Calculator, CalculatorContext, Contract, ModelError, Port

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class InferenceCalculatorOptions:
    """Options of :class:`InferenceCalculator`.

    Attributes:
        model_path: a model name from posegraph's manifest (``"pose_detection"``,
            ``"pose_landmark_full"``), MediaPipe's in-package path
            (``"mediapipe/modules/pose_detection/pose_detection.tflite"``), or a ``.tflite`` file path.
        num_threads: interpreter threads; 0 picks one per core, at most 4.
    """

    model_path: str = ""
    num_threads: int = 0


def resolve_model(model: str) -> Path:
    """The verified file for a manifest name, MediaPipe in-package path or file path.

    Raises:
        ModelError: unknown name, or a missing/corrupt file (the message says how to fix it).
    """
    from posegraph.models import MODELS, model_path

    if not model:
        raise ModelError("InferenceCalculator needs options.model_path (a model name or a .tflite file)")
    name = Path(model).name.removesuffix(".tflite")
    if model in MODELS or (not Path(model).exists() and name in MODELS):
        return model_path(model if model in MODELS else name)
    path = Path(model).expanduser()
    if not path.is_file():
        raise ModelError(f"model file {path} does not exist (known model names: {', '.join(sorted(MODELS))})")
    return path


def default_num_threads() -> int:
    """One interpreter thread per core available to this process, at most 4."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count() or 1
    return max(1, min(cores, 4))


class InterpreterPool:
    """Interpreters of closed InferenceCalculators, kept for the next graph in this process.

    Creating an interpreter (reading the model, allocating tensors, XNNPACK packing the weights)
    costs more than a frame; a process that runs one graph after another (a batch worker) reuses
    them. An interpreter keeps no state between invocations, so results are unchanged. Each is
    used by one calculator at a time: ``take`` hands it out, ``give`` puts it back.
    """

    def __init__(self) -> None:
        self._idle: dict[tuple[Path, int], list] = {}
        self._lock = threading.Lock()

    def take(self, path: Path, threads: int) -> object | None:
        """An idle interpreter of the model file ``path`` with ``threads`` threads, or ``None``."""
        with self._lock:
            idle = self._idle.get((path, threads))
            return idle.pop() if idle else None

    def give(self, path: Path, threads: int, interpreter: object) -> None:
        """Puts an interpreter no calculator uses any more back for reuse."""
        with self._lock:
            self._idle.setdefault((path, threads), []).append(interpreter)


_pool: InterpreterPool | None = None


def reuse_interpreters() -> None:
    """From now on, InferenceCalculators of this process take their interpreters from, and give
    them back to, one :class:`InterpreterPool` (without it, closing a calculator frees its
    interpreter's threads and memory at once)."""
    global _pool
    _pool = _pool or InterpreterPool()


class InferenceCalculator(Calculator):
    """Runs the model on TENSORS (a list of float32 arrays, one per model input) and sends the
    model's outputs, in the model's order, as TENSORS (a list of float32 arrays, copied).

    The model is side packet MODEL_PATH when given (a model name or file, as options.model_path),
    else options.model_path. The interpreter is created in ``open`` (or, after
    :func:`reuse_interpreters`, taken from the process's pool, and given back in ``close``). Input
    shapes are checked against the model's.

    Raises (in ``open``/``process``, reported as CalculatorError):
        ModelError: the model file is missing, corrupt, or its inputs do not match the tensors given.
    """

    contract = Contract(inputs={"TENSORS": Port(list)}, outputs={"TENSORS": Port(list)},
                        input_side_packets={"MODEL_PATH": Port(str, optional=True)},
                        options=InferenceCalculatorOptions)

    def open(self, cc: CalculatorContext) -> None:
        from ai_edge_litert.interpreter import Interpreter

        self.path = resolve_model(cc.side_input("MODEL_PATH", default=cc.options.model_path))
        self.threads = cc.options.num_threads or default_num_threads()
        self.pool = _pool
        self.interpreter = self.pool.take(self.path, self.threads) if self.pool is not None else None
        if self.interpreter is None:
            try:
                with _litert_info_silenced():
                    self.interpreter = Interpreter(model_path=str(self.path), num_threads=self.threads)
                    self.interpreter.allocate_tensors()
            except (ValueError, RuntimeError) as e:
                raise ModelError(f"cannot load model {self.path}: {e}. If it is a posegraph model, "
                                 "run `posegraph models fetch` to download a verified copy") from e
        self.inputs = [(d["index"], tuple(int(n) for n in d["shape"])) for d in self.interpreter.get_input_details()]
        self.outputs = [d["index"] for d in self.interpreter.get_output_details()]

    def process(self, cc: CalculatorContext) -> None:
        tensors = cc.value("TENSORS")
        if len(tensors) != len(self.inputs):
            raise ModelError(f"model {self.path} takes {len(self.inputs)} input tensor(s), got {len(tensors)}")
        for (index, shape), tensor in zip(self.inputs, tensors):
            if tuple(tensor.shape) != shape:
                raise ModelError(f"model {self.path} expects an input of shape {list(shape)}, got "
                                 f"{list(tensor.shape)}: the graph feeds this model the wrong tensor")
            self.interpreter.set_tensor(index, np.ascontiguousarray(tensor, dtype=np.float32))
        self.interpreter.invoke()
        cc.send("TENSORS", [self.interpreter.get_tensor(i) for i in self.outputs])

    def close(self, cc: CalculatorContext) -> None:
        # Dropping the interpreter releases its threads and the mapped model file now, not
        # whenever the finished graph is garbage-collected; with a pool, the next graph reuses it.
        if self.pool is not None:
            self.pool.give(self.path, self.threads, self.interpreter)
        self.interpreter = None


@contextlib.contextmanager
def _litert_info_silenced() -> Iterator[None]:
    """Hides the lines LiteRT's native code writes to file descriptor 2 starting ``INFO: `` (e.g.
    ``INFO: Created TensorFlow Lite XNNPACK delegate for CPU.``) while the block runs, unless this
    module's logger is enabled for DEBUG (``posegraph -v``); anything else written there meanwhile
    is written back when the block ends."""
    if log.isEnabledFor(logging.DEBUG):
        yield
        return
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            captured.seek(0)
            kept = [line for line in captured.read().splitlines(keepends=True) if not line.startswith(b"INFO: ")]
            if kept:
                os.write(2, b"".join(kept))
