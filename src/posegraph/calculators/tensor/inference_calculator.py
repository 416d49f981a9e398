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
from typing import TYPE_CHECKING

import numpy as np

from posegraph import Calculator, CalculatorContext, Contract, ModelError, Port
from posegraph.calculators.tensor.tflite_model_calculator import TfLiteModel
from posegraph.calculators.util.resource_calculators import resolve_resource
from posegraph.framework.options import proto_field

if TYPE_CHECKING:
    from posegraph.calculators.tensor.runtimes import ModelRunner

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TfLite:
    """Delegate ``tflite {}``: TFLite's CPU kernels."""


@dataclass(frozen=True)
class Gpu:
    """Delegate ``gpu {}`` (not supported: posegraph runs on the CPU)."""

    use_advanced_gpu_api: bool = proto_field(1, False)


@dataclass(frozen=True)
class Nnapi:
    """Delegate ``nnapi {}`` (Android only; not supported)."""

    cache_dir: str = proto_field(1, "")
    model_token: str = proto_field(2, "")
    accelerator_name: str = proto_field(3, "")


@dataclass(frozen=True)
class Xnnpack:
    """Delegate ``xnnpack {}``: XNNPACK on the CPU (what posegraph's interpreter uses)."""

    num_threads: int = proto_field(1, -1)
    enable_zero_copy_tensor_io: bool = proto_field(7, False)


@dataclass(frozen=True)
class Delegate:
    """MediaPipe's InferenceCalculatorOptions.Delegate: set one of the fields."""

    tflite: TfLite | None = proto_field(1, None)
    gpu: Gpu | None = proto_field(2, None)
    nnapi: Nnapi | None = proto_field(3, None)
    xnnpack: Xnnpack | None = proto_field(4, None)


@dataclass(frozen=True)
class InferenceCalculatorOptions:
    """Options of :class:`InferenceCalculator`: MediaPipe's InferenceCalculatorOptions
    (tensor/inference_calculator.proto, without ``input_output_config``) plus ``num_threads``.

    Attributes:
        model_path: a model name from posegraph's manifest (``"pose_detection"``,
            ``"pose_landmark_full"``), MediaPipe's in-package path
            (``"mediapipe/modules/pose_detection/pose_detection.tflite"``), or a ``.tflite`` file path.
        num_threads: interpreter threads; 0 picks one per core, at most 4 (posegraph's own field).
        try_mmap_model: accepted; the model file is always memory-mapped by LiteRT.
        use_gpu, use_nnapi: deprecated in MediaPipe; true is not supported.
        cpu_num_thread: interpreter threads as MediaPipe writes it; -1 leaves it to ``num_threads``.
        delegate: ``tflite {}`` or ``xnnpack {}`` (both run on the CPU, XNNPACK's
            ``num_threads`` counts like ``cpu_num_thread``); ``gpu``/``nnapi`` are not supported
            (a GPU is asked for with ``accelerator``).
        runtime: ``"litert"`` (the default), ``"tflite_runtime"`` (extra
            ``posegraph[tflite-runtime]``) or ``"tensorflow"`` (extra ``posegraph[tensorflow]``)
            (posegraph's own field).
        api: ``"interpreter"`` (the default; MediaPipe's path) or ``"compiled_model"`` (LiteRT's
            CompiledModel API; ``litert`` only) (posegraph's own field).
        accelerator: ``"cpu"`` (the default) or ``"gpu"`` (LiteRT's CompiledModel with
            ``HardwareAccelerator.GPU | CPU``; results are close to, not bit-identical with, the
            CPU's; an error, not a CPU run, where no GPU accelerator can be created) (posegraph's
            own field).
        load_on_first_packet: build the interpreter when the first tensors arrive rather than in
            ``open``, for a node that may never run (the tiled detector with ``detection_tiles``
            1); the model file is still found in ``open``, but a model that cannot be loaded is
            then reported at that first packet (posegraph's own field).
        max_batch_size: with input TENSORS_VECTOR, the most elements run in one call of the model
            (their inputs stacked on the batch axis); a longer vector runs in groups of at most
            this many, 1 runs each element on its own. The one interpreter is resized to each
            group's size (0.03 to 0.04 ms to a size used before, 1 to 4.5 ms the first time;
            interpreter API only: the compiled-model API and a GPU run one element a call)
            (posegraph's own field; the default 4: on the 2-core machine one call on 2 to 4 of the
            pose landmark model's ROIs cost 2 to 5% less than as many calls in the benchmark's
            earlier runs, on 8 more; its latest run, on a busy host, found 2 cheaper and 4 and 8
            dearer as one call, and the module's tracked frames with two people 1.5 to 2.2% cheaper
            batched, ``python -m benchmarks multi_pose``).
        unused_outputs: indices (in the model's output order) of outputs the graph does not read:
            the model runs without the operators that compute only them (a pruned copy kept in
            the model cache, the other outputs bit for bit the same), and TENSORS holds ``None``
            in their places. Side packet UNUSED_OUTPUTS overrides it (posegraph's own field).
    """

    model_path: str = proto_field(1, "")
    num_threads: int = proto_field(1000, 0)
    try_mmap_model: bool = proto_field(7, False)
    use_gpu: bool = proto_field(2, False)
    use_nnapi: bool = proto_field(3, False)
    cpu_num_thread: int = proto_field(4, -1)
    delegate: Delegate | None = proto_field(5, None)
    runtime: str = proto_field(1001, "litert")
    api: str = proto_field(1002, "interpreter")
    accelerator: str = proto_field(1003, "cpu")
    load_on_first_packet: bool = proto_field(1004, False)
    max_batch_size: int = proto_field(1005, 4)
    unused_outputs: tuple[int, ...] = proto_field(1006, ())

    __proto_ext_number__ = 336783863

    def threads(self) -> int:
        """Interpreter threads these options ask for (0: the default).

        Raises:
            ModelError: a GPU or NNAPI delegate, which posegraph does not have.
        """
        d = self.delegate
        if self.use_gpu or self.use_nnapi or (d is not None and (d.gpu is not None or d.nnapi is not None)):
            raise ModelError("InferenceCalculator: GPU and NNAPI delegates are not supported (use delegate "
                             "{ xnnpack {} } or delegate { tflite {} }; for a GPU, posegraph's option "
                             "accelerator: \"gpu\")")
        if d is not None and d.xnnpack is not None and d.xnnpack.num_threads > 0:
            return d.xnnpack.num_threads
        if self.cpu_num_thread > 0:
            return self.cpu_num_thread
        return self.num_threads


def resolve_model(model: str) -> Path:
    """The verified file for a manifest name, MediaPipe in-package path or file path (see
    :func:`~posegraph.calculators.util.resource_calculators.resolve_resource`).

    Raises:
        ModelError: no model named, unknown name, or a missing/corrupt file (the message says how
            to fix it).
    """
    if not model:
        raise ModelError("InferenceCalculator needs options.model_path (a model name or a .tflite file) "
                         "or a MODEL side packet")
    return resolve_resource(model)


def default_num_threads() -> int:
    """One interpreter thread per core available to this process, at most 4."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count() or 1
    return max(1, min(cores, 4))


class InterpreterPool:
    """Interpreters (model runners) of closed InferenceCalculators, kept for the next graph in
    this process.

    Creating an interpreter (reading the model, allocating tensors, XNNPACK packing the weights)
    costs more than a frame; a process that runs one graph after another (a batch worker) reuses
    them. An interpreter keeps no state between invocations, so results are unchanged. Each is
    used by one calculator at a time: ``take`` hands it out, ``give`` puts it back. Runners are
    keyed by model file, threads, runtime, API and accelerator.
    """

    def __init__(self) -> None:
        self._idle: dict[tuple, list] = {}
        self._lock = threading.Lock()

    def take(self, key: tuple) -> object | None:
        """An idle runner for ``key`` (model file, threads, runtime, API, accelerator), or ``None``."""
        with self._lock:
            idle = self._idle.get(key)
            return idle.pop() if idle else None

    def give(self, key: tuple, runner: object) -> None:
        """Puts a runner no calculator uses any more back for reuse."""
        with self._lock:
            self._idle.setdefault(key, []).append(runner)


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

    Or, posegraph's addition, on TENSORS_VECTOR (a tuple of such lists, one per element, e.g. one
    per person's ROI, each input of batch 1) and sends TENSORS_VECTOR (a tuple of output lists,
    element by element, each output of batch 1): the elements run in groups of at most
    ``options.max_batch_size``, one call of the model per group. The model's kernels treat each
    batch entry on its own: each element's outputs are bit-identical to a call on that element
    alone (pose landmark models, ``tests/calculators/tensor/test_inference_calculator.py``). Connect
    TENSORS or TENSORS_VECTOR, with the output of the same tag.

    The model is side packet MODEL when given (a TfLiteModelCalculator's loaded model, as
    MediaPipe's graphs pass it), else side packet MODEL_PATH (a model name or file, as
    options.model_path), else options.model_path. The interpreter is created in ``open`` (or, after
    :func:`reuse_interpreters`, taken from the process's pool, and given back in ``close``; a model
    given as bytes is never pooled). Input shapes are checked against the model's.

    Outputs the graph does not read are named by side packet UNUSED_OUTPUTS (or
    options.unused_outputs): the model then runs without the operators that compute only them,
    and their places in each output list hold ``None`` (see ``runtimes.load_runner``).

    Raises (in ``open``/``process``, reported as CalculatorError):
        ModelError: the model file is missing, corrupt, or its inputs do not match the tensors
            given, or unused_outputs names an output the model does not have, or all of them.
        ValueError: TENSORS and TENSORS_VECTOR both or neither connected, max_batch_size < 1, or
            unused_outputs holds something other than ints.
    """

    contract = Contract(inputs={"TENSORS": Port(list, optional=True),
                                "TENSORS_VECTOR": Port((list, tuple), optional=True,
                                                       doc="one list of input tensors per element")},
                        outputs={"TENSORS": Port(list, optional=True),
                                 "TENSORS_VECTOR": Port(tuple, optional=True,
                                                        doc="one list of output tensors per element")},
                        input_side_packets={"MODEL_PATH": Port(str, optional=True),
                                            "MODEL": Port(TfLiteModel, optional=True),
                                            "UNUSED_OUTPUTS": Port((list, tuple), optional=True,
                                                                   doc="overrides options.unused_outputs")},
                        options=InferenceCalculatorOptions)

    def open(self, cc: CalculatorContext) -> None:
        o = cc.options
        self.vector = cc.input_count("TENSORS_VECTOR") > 0
        if self.vector == (cc.input_count("TENSORS") > 0) or self.vector != (cc.output_count("TENSORS_VECTOR") > 0):
            raise ValueError("InferenceCalculator: connect input TENSORS (output TENSORS) or input TENSORS_VECTOR "
                             "(output TENSORS_VECTOR), one of the two")
        if o.max_batch_size < 1:
            raise ValueError(f"InferenceCalculator: max_batch_size must be at least 1, got {o.max_batch_size}")
        batches = self.vector and o.api == "interpreter" and o.accelerator == "cpu"
        self.max_batch = o.max_batch_size if batches else 1
        self.threads = o.threads() or default_num_threads()
        model = cc.side_input("MODEL")
        self.content = None
        if model is not None:
            self.path, self.content = model.path, (None if model.path is not None else model.content)
        else:
            self.path = resolve_model(cc.side_input("MODEL_PATH", default=o.model_path))
        unused = cc.side_input("UNUSED_OUTPUTS", default=o.unused_outputs)
        if not all(isinstance(i, int) and not isinstance(i, bool) for i in unused):
            raise ValueError(f"InferenceCalculator: unused_outputs must be output indices (ints), got {unused!r}")
        self.unused = tuple(sorted(set(unused)))
        self.key = (self.path, self.threads, o.runtime, o.api, o.accelerator, self.unused)
        self.pool = _pool if self.content is None else None
        self.runner: ModelRunner | None = None
        if not o.load_on_first_packet:
            self._load(o)

    def _load(self, o: InferenceCalculatorOptions) -> None:
        """Takes an idle runner for this model from the pool, else builds one."""
        from posegraph.calculators.tensor.runtimes import load_runner

        self.runner = self.pool.take(self.key) if self.pool is not None else None
        if self.runner is None:
            if self.content is not None:
                self.path = "<model from the MODEL side packet>"
            with _litert_log_silenced():
                self.runner = load_runner(self.path, runtime=o.runtime, api=o.api, accelerator=o.accelerator,
                                          num_threads=self.threads, content=self.content,
                                          unused_outputs=self.unused)
        self.content = None  # the runner holds the model now
        self.shapes = self.runner.input_shapes

    def _checked(self, tensors: list) -> list[np.ndarray]:
        """``tensors`` as contiguous float32 arrays, after checking them against the model's inputs."""
        if len(tensors) != len(self.shapes):
            raise ModelError(f"model {self.path} takes {len(self.shapes)} input tensor(s), got {len(tensors)}")
        for shape, tensor in zip(self.shapes, tensors):
            if tensor.shape != shape:
                raise ModelError(f"model {self.path} expects an input of shape {list(shape)}, got "
                                 f"{list(tensor.shape)}: the graph feeds this model the wrong tensor")
        return [np.ascontiguousarray(t, dtype=np.float32) for t in tensors]

    def process(self, cc: CalculatorContext) -> None:
        if self.runner is None:
            self._load(cc.options)
        if not self.vector:
            cc.send("TENSORS", self.runner.run(self._checked(cc.value("TENSORS"))))
            return
        elements = [self._checked(tensors) for tensors in cc.value("TENSORS_VECTOR")]
        outputs: list[list[np.ndarray]] = []
        for start in range(0, len(elements), self.max_batch):
            group = elements[start:start + self.max_batch]
            if self.max_batch > 1:
                self.runner.resize(len(group))
            if len(group) == 1:  # as it is: no stacking copy
                outputs.append(self.runner.run(group[0]))
                continue
            stacked = self.runner.run([np.concatenate(inputs) for inputs in zip(*group)])
            outputs.extend([None if out is None else out[i:i + 1] for out in stacked] for i in range(len(group)))
        cc.send("TENSORS_VECTOR", tuple(outputs))

    def close(self, cc: CalculatorContext) -> None:
        # Dropping the runner releases its threads and the mapped model file now, not
        # whenever the finished graph is garbage-collected; with a pool, the next graph reuses it.
        if self.pool is not None and self.runner is not None:
            if self.max_batch > 1:
                self.runner.resize(1)  # as the pool's other users expect it
            self.pool.give(self.key, self.runner)
        with _litert_log_silenced():
            self.runner = None


# How LiteRT's native code starts the lines it logs to file descriptor 2 while it loads a model
# ("INFO: Created TensorFlow Lite XNNPACK delegate for CPU.", the CompiledModel API's
# "WARNING: [model_load.cc:329] ...", WebGPU's and Dawn's reasons for finding no GPU).
_LITERT_LOG = (b"INFO: ", b"WARNING: ", b"ERROR: ", b"E0000 ", b"W0000 ", b"I0000 ", b"\xe2\x94\x94 ",
               b"=== Source Location Trace", b"third_party/", b"Warning: Couldn't load Vulkan", b"    at ")


@contextlib.contextmanager
def _litert_log_silenced() -> Iterator[None]:
    """Hides the lines LiteRT's native code writes to file descriptor 2 while the block runs (see
    ``_LITERT_LOG``), unless this module's logger is enabled for DEBUG (``posegraph -v``); anything
    else written there meanwhile is written back when the block ends. Errors LiteRT reports reach
    the caller as exceptions, whose messages say what to do."""
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
            kept = [line for line in captured.read().splitlines(keepends=True)
                    if line.strip() and not line.startswith(_LITERT_LOG)]
            if kept:
                os.write(2, b"".join(kept))
