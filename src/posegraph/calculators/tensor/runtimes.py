"""The TFLite runtimes InferenceCalculator can run a model with, behind one small interface.

- ``litert`` (the default; ``ai-edge-litert``, a posegraph dependency): LiteRT's ``Interpreter``
  with XNNPACK, as MediaPipe's InferenceCalculatorCpu, or with ``api="compiled_model"`` LiteRT's
  ``CompiledModel`` API, the only one that reaches a GPU (``accelerator="gpu"``: WebGPU, with the
  CPU running the ops the GPU rejects).
- ``tflite_runtime`` (``pip install 'posegraph[tflite-runtime]'``): the ``tflite_runtime``
  package's ``Interpreter``, the same API.
- ``tensorflow`` (``pip install 'posegraph[tensorflow]'``): ``tf.lite.Interpreter``.

Every runner is built once (in ``open``) and then called once a frame with float32 arrays; it
returns the model's outputs in the model's order, as arrays the caller owns.

A model with sparse weights (the person detector) is loaded from a copy with those weights stored
dense (:func:`dense_model_file`), made once and kept in the model cache: the same model, bit for
bit, that loads without expanding them. A model some of whose outputs the graph does not read
(``unused_outputs``: the landmark models' segmentation output, unless segmentation is on) is
loaded from a copy without the operators that compute only those (:func:`pruned_model_file`),
kept there too.
"""

from __future__ import annotations

import hashlib
import importlib
import logging
import mmap
import os
import struct
import warnings
from pathlib import Path
from typing import Any, Callable, Protocol

import numpy as np

from posegraph import ModelError

log = logging.getLogger(__name__)

RUNTIMES = ("litert", "tflite_runtime", "tensorflow")
APIS = ("interpreter", "compiled_model")
ACCELERATORS = ("cpu", "gpu")

# runtime -> (module holding an Interpreter class, attribute path to it, the extra that installs it)
_INTERPRETERS = {
    "litert": ("ai_edge_litert.interpreter", "Interpreter", "ai-edge-litert (a posegraph dependency)"),
    "tflite_runtime": ("tflite_runtime.interpreter", "Interpreter", "posegraph[tflite-runtime]"),
    "tensorflow": ("tensorflow", "lite.Interpreter", "posegraph[tensorflow]"),
}


class ModelRunner(Protocol):
    """A loaded model: ``input_shapes`` (one tuple per input, the model's order), ``output_count``
    and ``run``."""

    input_shapes: list[tuple[int, ...]]
    output_count: int

    def run(self, tensors: list[np.ndarray]) -> list[np.ndarray]: ...


def load_runner(path: Path | str, *, runtime: str = "litert", api: str = "interpreter",
                accelerator: str = "cpu", num_threads: int = 1, content: bytes | None = None,
                unused_outputs: tuple[int, ...] = ()) -> ModelRunner:
    """Loads ``path`` (or the model bytes ``content``, ``path`` then only naming it in errors) with
    a runtime, an API and an accelerator.

    ``accelerator="gpu"`` needs ``runtime="litert"`` and uses the compiled-model API whatever
    ``api`` says; model bytes need the interpreter API. With ``unused_outputs`` (indices in the
    model's output order) the model runs without the operators that compute only those outputs
    (:func:`pruned_model_file`, or :func:`without_outputs` on model bytes), and the runner's
    outputs hold ``None`` in their places (:class:`WithoutOutputs`); where no pruned copy can be
    kept, made or loaded, the whole model runs and those outputs are dropped.

    Raises:
        ValueError: an unknown runtime, API or accelerator, or a combination that does not exist.
        ModelError: the runtime is not installed (the message names the extra that installs it),
            no GPU accelerator can be created, the model cannot be loaded, or ``unused_outputs``
            names an output the model does not have, or all of them.
    """
    for name, value, allowed in (("runtime", runtime, RUNTIMES), ("api", api, APIS),
                                 ("accelerator", accelerator, ACCELERATORS)):
        if value not in allowed:
            raise ValueError(f"InferenceCalculator: unknown {name} {value!r} (one of {', '.join(allowed)})")
    if (accelerator == "gpu" or api == "compiled_model") and runtime != "litert":
        raise ValueError(f"InferenceCalculator: api 'compiled_model' and accelerator 'gpu' need runtime "
                         f"'litert', not {runtime!r}")
    if (accelerator == "gpu" or api == "compiled_model") and content is not None:
        raise ValueError("InferenceCalculator: a model given as bytes (MODEL side packet) runs with api "
                         "'interpreter' on the CPU")

    def load(path: Path | str, content: bytes | None) -> ModelRunner:
        if accelerator == "gpu" or api == "compiled_model":
            return CompiledModelRunner(Path(path), gpu=accelerator == "gpu", num_threads=num_threads)
        return InterpreterRunner(path, runtime, num_threads, content)

    unused = tuple(sorted(set(unused_outputs)))
    if not unused:
        return load(path, content)
    if content is not None:
        return WithoutOutputs(load(path, without_outputs(content, unused, path)), unused, pruned=True)
    runner = _from_copy(pruned_model_file(Path(path), unused), lambda copy: load(copy, None), "pruned", path,
                        ModelError)
    if runner is not None:
        return WithoutOutputs(runner, unused, pruned=True)
    return WithoutOutputs(load(path, None), unused, pruned=False)


def _from_copy(copy: Path | None, load: Callable[[Path], Any], kind: str, model: Path | str,
               errors: type[Exception]) -> Any | None:
    """``load(copy)`` for the model cache's ``kind`` copy of ``model``; ``None`` when there is no
    copy, or when it does not load (``errors``): the copy is then removed (logged), and the caller
    loads the model as it is."""
    if copy is None:
        return None
    try:
        return load(copy)
    except errors as e:
        log.warning("the %s copy %s of model %s does not load (%s): removed; loading the model as it is",
                    kind, copy, model, e)
        copy.unlink(missing_ok=True)
        return None


def _check_unused(unused: tuple[int, ...], count: int, name: object) -> None:
    """Raises ModelError unless ``unused`` are indices of some, not all, of ``count`` outputs."""
    wrong = sorted(i for i in set(unused) if not 0 <= i < count)
    if wrong:
        raise ModelError(f"model {name} has {count} outputs (0 to {count - 1}); unused_outputs names "
                         f"{', '.join(map(str, wrong))}")
    if len(set(unused)) == count:
        raise ModelError(f"model {name}: unused_outputs leaves none of its {count} outputs to compute")


class WithoutOutputs:
    """A runner whose model's outputs ``unused`` are not wanted: not computed when ``pruned`` (the
    runner runs the model's copy without them), computed and dropped otherwise. ``run`` returns
    every output in the model's order with ``None`` in the unused ones' places, so the others keep
    their indices.

    Raises:
        ModelError: ``unused`` names an output the whole model does not have, or all of them.
    """

    def __init__(self, runner: ModelRunner, unused: tuple[int, ...], *, pruned: bool) -> None:
        self.runner, self.unused, self.pruned = runner, frozenset(unused), pruned
        self.input_shapes = runner.input_shapes
        self.output_count = runner.output_count + (len(self.unused) if pruned else 0)
        if not pruned:
            _check_unused(unused, self.output_count, getattr(runner, "path", "<model>"))

    def resize(self, batch_size: int) -> None:
        """The wrapped runner's ``resize`` (:meth:`InterpreterRunner.resize`)."""
        self.runner.resize(batch_size)  # type: ignore[attr-defined]

    def run(self, tensors: list[np.ndarray]) -> list[np.ndarray | None]:
        outputs = self.runner.run(tensors)
        if not self.pruned:
            return [None if i in self.unused else out for i, out in enumerate(outputs)]
        computed = iter(outputs)
        return [None if i in self.unused else next(computed) for i in range(self.output_count)]


def interpreter_class(runtime: str) -> Any:
    """The ``Interpreter`` class of a runtime.

    Raises:
        ModelError: the runtime's package is not installed; the message names its extra.
    """
    module, attribute, extra = _INTERPRETERS[runtime]
    try:
        found: Any = importlib.import_module(module)
    except ImportError as e:
        raise ModelError(f"InferenceCalculator runtime {runtime!r} needs the {module.split('.')[0]} package, "
                         f"which is not installed ({e}): pip install '{extra}'") from e
    for part in attribute.split("."):
        found = getattr(found, part)
    return found


def _interpreter(cls: Any, path: Path | str, runtime: str, num_threads: int, content: bytes | None) -> Any:
    """An interpreter of ``cls`` on the model bytes ``content``, else on the file at ``path`` (with
    LiteRT, from its dense copy when it has sparse weights: :func:`dense_model_file`; a copy that
    does not load is removed, and the model loads as it is)."""
    if content is not None:
        return cls(model_content=content, num_threads=num_threads)
    dense = dense_model_file(Path(path)) if runtime == "litert" else None
    interpreter = _from_copy(dense, lambda copy: cls(model_path=str(copy), num_threads=num_threads), "dense", path,
                             ValueError)
    return interpreter if interpreter is not None else cls(model_path=str(path), num_threads=num_threads)


class InterpreterRunner:
    """A TFLite ``Interpreter`` (LiteRT's, tflite_runtime's or TensorFlow's: the same API) with
    ``num_threads`` threads. Inputs are copied into the interpreter with ``set_tensor``; outputs
    are copied out with ``get_tensor``. :meth:`resize` changes the batch one call runs.

    Raises:
        ModelError: the runtime cannot start, or the model cannot be loaded.
    """

    def __init__(self, path: Path | str, runtime: str, num_threads: int, content: bytes | None = None) -> None:
        cls = interpreter_class(runtime)
        try:
            self.interpreter = _interpreter(cls, path, runtime, num_threads, content)
            self.interpreter.allocate_tensors()
        except SystemError as e:
            # tflite-runtime 2.14.0 (its last release) is built against NumPy 1.x: under NumPy 2 its
            # extension fails to import NumPy's C API when it creates an interpreter.
            raise ModelError(f"InferenceCalculator runtime {runtime!r} cannot start: {e.__context__ or e} "
                             f"(its native module does not work with NumPy {np.__version__}; tflite-runtime "
                             "2.14.0 needs NumPy < 2). Use runtime 'litert', the default") from e
        except (ValueError, RuntimeError) as e:
            raise ModelError(f"cannot load model {path}: {e}. If it is a posegraph model, "
                             "run `posegraph models fetch` to download a verified copy") from e
        details = self.interpreter.get_input_details()
        self._inputs = [d["index"] for d in details]
        self.input_shapes = [tuple(int(n) for n in d["shape"]) for d in details]
        self._outputs = [d["index"] for d in self.interpreter.get_output_details()]
        self.output_count = len(self._outputs)
        self.path, self.batch_size = path, 1

    def resize(self, batch_size: int) -> None:
        """Makes each call run ``batch_size`` inputs stacked on the first axis: every input's first
        dimension (the model's batch of 1) resized and the tensors allocated again, when it is not
        already that size. For the pose landmark model the first resize to a size took 1 to 4.5 ms
        (XNNPACK plans the new shapes), later ones to a size used before 0.03 to 0.04 ms (two runs
        of ``python -m benchmarks multi_pose``); the outputs of each batch entry are those of a
        call on it alone.

        Raises:
            ModelError: a model input without a batch dimension of 1.
        """
        if batch_size == self.batch_size:
            return
        for index, shape in zip(self._inputs, self.input_shapes):
            if len(shape) == 0 or shape[0] != 1:
                raise ModelError(f"model {self.path}: an input of shape {list(shape)} has no batch dimension of 1 "
                                 "to run batches on")
            self.interpreter.resize_tensor_input(index, [batch_size, *shape[1:]])
        self.interpreter.allocate_tensors()
        self.batch_size = batch_size

    def run(self, tensors: list[np.ndarray]) -> list[np.ndarray]:
        for index, tensor in zip(self._inputs, tensors):
            self.interpreter.set_tensor(index, tensor)
        self.interpreter.invoke()
        return [self.interpreter.get_tensor(i) for i in self._outputs]


#: TFLite's builtin operator code of ``DENSIFY`` (``BuiltinOperator`` in TFLite's schema.fbs).
_DENSIFY = 124


def has_sparse_weights(path: Path) -> bool:
    """Whether the TFLite model at ``path`` expands sparse weights at load time (has ``DENSIFY``
    ops), read from its operator codes without loading it; ``False`` for a file that is no TFLite
    model (loading it then says what is wrong)."""
    from flatbuffers import encode, number_types
    from flatbuffers.table import Table

    def field(table: Table, number: int, flags: Any) -> int:
        slot = table.Offset(4 + 2 * number)  # flatbuffers: field n's vtable slot
        return table.Get(flags, table.Pos + slot) if slot else 0

    try:
        with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
            model = Table(data, encode.Get(number_types.UOffsetTFlags.packer_type, data, 0))
            codes = model.Offset(4 + 2 * 1)  # schema.fbs: Model.operator_codes is field 1
            start = model.Vector(codes) if codes else 0
            for i in range(model.VectorLen(codes) if codes else 0):
                code = Table(data, model.Indirect(start + 4 * i))
                # OperatorCode: deprecated_builtin_code (field 0, int8), builtin_code (field 3,
                # int32); the operator is the larger, as TFLite's GetBuiltinCode reads it.
                if max(field(code, 0, number_types.Int8Flags), field(code, 3, number_types.Int32Flags)) == _DENSIFY:
                    return True
    except (OSError, ValueError, IndexError, struct.error):
        return False
    return False


def dense_model_file(path: Path) -> Path | None:
    """A copy of the model at ``path`` with its sparse weights stored dense (:func:`densified`), or
    ``None`` when it has none.

    The copy is made the first time (378 ms for the person detector) and kept in the ``dense``
    folder of the model cache (:func:`posegraph.models.default_cache_dir`), named after the model's
    path, size and modification time, so that a changed model gets a new copy (the old one is
    removed); it is written whole or not at all. Loading it skips expanding the weights: the
    person detector's interpreter is ready in 10.7 ms instead of 60.9 (both figures from one run
    of ``python -m benchmarks startup``, the README's), and computes the same outputs, bit for bit
    (``tests/calculators/tensor/test_runtimes.py``). Where the copy cannot be kept (a read-only
    cache, found before any expanding, so each load costs nothing more) or made, this logs why and
    returns ``None``: the model then loads as it is.
    """
    if not has_sparse_weights(path):
        return None
    return _model_copy(path, "dense", "", lambda: densified(path) or b"", "with its sparse weights")


def pruned_model_file(path: Path, unused_outputs: tuple[int, ...]) -> Path | None:
    """A copy of the model at ``path`` that does not compute its outputs ``unused_outputs``
    (:func:`without_outputs`), or ``None`` where it cannot be kept or made (logged; the model then
    loads whole).

    Kept in the ``pruned`` folder of the model cache, named after the model's path, size and
    modification time and the outputs left out, made once (225 ms for the full landmark model
    without its segmentation output, in one run of ``python -m benchmarks startup``) and written
    whole or not at all, as :func:`dense_model_file`'s copies are.

    Raises:
        ModelError: ``unused_outputs`` names an output the model does not have, or all of them.
    """
    unused = tuple(sorted(set(unused_outputs)))  # one copy, one name, whatever the order given
    tag = "-without-" + "-".join(str(i) for i in unused)
    return _model_copy(path, "pruned", tag, lambda: without_outputs(path.read_bytes(), unused, path), "whole")


def _model_copy(path: Path, folder_name: str, tag: str, make: Callable[[], bytes], otherwise: str) -> Path | None:
    """The model cache's copy of ``path`` in ``folder_name``, its name ending in ``tag``: made by
    ``make()`` (the copy's bytes) the first time, kept whole or not at all, older copies of the
    same model removed; ``None`` (logged: the model loads ``otherwise``) where it cannot be kept
    or made. A :class:`ModelError` from ``make`` propagates."""
    from posegraph.models import default_cache_dir, write_atomically

    stat = path.stat()
    source = hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:8]
    version = hashlib.sha256(f"{stat.st_size}:{stat.st_mtime_ns}".encode()).hexdigest()[:8]
    folder = default_cache_dir() / folder_name
    target = folder / f"{path.stem}-{source}-{version}{tag}.tflite"
    if target.is_file():
        return target
    try:  # a place for the copy first: a cache that cannot hold one costs no rewriting
        folder.mkdir(parents=True, exist_ok=True)
        if not os.access(folder, os.W_OK):
            raise PermissionError(f"{folder} is not writable")
    except OSError as e:
        log.info("model %s loads %s: cannot keep a %s copy in %s (%s)", path, otherwise, folder_name, folder, e)
        return None
    try:
        write_atomically(target, make())  # also with runs starting side by side
    except ModelError:
        raise
    except Exception as e:  # a full disk, or a model TFLite's object API cannot rewrite
        log.warning("model %s loads %s: its %s copy could not be made (%s: %s)",
                    path, otherwise, folder_name, type(e).__name__, e)
        return None
    for old in folder.glob(f"{path.stem}-{source}-*{tag}.tflite"):
        if old != target:
            old.unlink(missing_ok=True)
    return target


def without_outputs(data: bytes, unused_outputs: tuple[int, ...], name: object = "<model bytes>") -> bytes:
    """The TFLite model ``data`` without its outputs ``unused_outputs`` (indices in the model's
    output order) and the operators that compute nothing else: each operator of the main subgraph
    is kept only if a kept output depends on it, or it has no outputs (it acts by side effect) or
    one of those depends on it. The kept outputs keep their order; tensors and weights stay in the
    file, unused. Every kept operator reads the same inputs and runs the same kernel as before, so
    the kept outputs are the same, bit for bit (``tests/calculators/tensor/test_unused_outputs.py``):
    dropping BlazePose's segmentation head takes 30% off the full landmark model's call, 42% off the
    lite one's and 8% off the heavy one's (one run of ``python -m benchmarks pose_pipeline``,
    medians over the squat video's frames).

    Raises:
        ModelError: an index that is not one of the model's outputs, or every output left out
            (``name`` names the model in the message).
    """
    import flatbuffers
    from ai_edge_litert import schema_py_generated as schema

    model = schema.ModelT.InitFromObj(schema.Model.GetRootAsModel(data, 0))
    graph = model.subgraphs[0]
    outputs = list(graph.outputs)
    _check_unused(unused_outputs, len(outputs), name)
    unused = set(unused_outputs)
    kept = [t for i, t in enumerate(outputs) if i not in unused]

    def tensors(field: Any) -> list[int]:  # an operator's inputs or outputs, optional ones (-1) left out
        return [] if field is None else [int(t) for t in field if t >= 0]

    producer = {t: k for k, op in enumerate(graph.operators) for t in tensors(op.outputs)}
    # An operator without outputs acts by side effect (assigning a variable, calling an
    # initialising subgraph): it stays, with what it reads.
    needed = {k for k, op in enumerate(graph.operators) if not tensors(op.outputs)}
    pending = [int(t) for t in kept] + [t for k in needed for t in tensors(graph.operators[k].inputs)]
    while pending:
        k = producer.get(pending.pop())
        if k is not None and k not in needed:
            needed.add(k)
            pending.extend(tensors(graph.operators[k].inputs))
    graph.operators = [op for k, op in enumerate(graph.operators) if k in needed]
    graph.outputs = kept
    for signature in model.signatureDefs or []:
        if signature.subgraphIndex == 0:
            signature.outputs = [o for o in signature.outputs or [] if o.tensorIndex in kept]
    builder = flatbuffers.Builder(len(data) + 1024)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


def densified(path: Path) -> bytes | None:
    """The model at ``path`` with its sparse weights stored dense, or ``None`` when it has none.

    The person detector keeps its convolution weights sparse (float16, TFLite's sparsity format),
    expanded at run time by ``DENSIFY`` ops. WebGPU runs no ``DENSIFY``, and with those ops on the
    CPU feeding weights into the GPU's convolutions LiteRT 2.3.0 computes wrong outputs (no person
    found on the squat video). So for the GPU the expanded weights are computed once, by TFLite's
    own ``DENSIFY`` kernel (an Interpreter without delegates, keeping every tensor), stored as
    constants, and the ``DENSIFY`` ops dropped: the same model, whose outputs on the CPU are
    bit-identical to the original's (``tests/calculators/tensor/test_runtimes.py``).
    """
    import flatbuffers
    from ai_edge_litert import schema_py_generated as schema
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    data = Path(path).read_bytes()
    model = schema.ModelT.InitFromObj(schema.Model.GetRootAsModel(data, 0))
    codes = [max(c.builtinCode, c.deprecatedBuiltinCode) for c in model.operatorCodes]
    graph = model.subgraphs[0]
    densify = [op for op in graph.operators if codes[op.opcodeIndex] == schema.BuiltinOperator.DENSIFY]
    if not densify:
        return None
    with warnings.catch_warnings():  # "preserve_all_tensors is for debugging": it is what is wanted here
        warnings.simplefilter("ignore", UserWarning)
        interpreter = Interpreter(model_content=data, experimental_preserve_all_tensors=True,
                                  experimental_op_resolver_type=OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES)
    interpreter.allocate_tensors()
    interpreter.invoke()  # DENSIFY reads only constants: any input expands the same weights
    for op in densify:
        buffer = schema.BufferT()
        buffer.data = np.frombuffer(interpreter.get_tensor(op.outputs[0]).tobytes(), dtype=np.uint8)
        model.buffers.append(buffer)
        graph.tensors[op.outputs[0]].buffer = len(model.buffers) - 1
    graph.operators = [op for op in graph.operators if op not in densify]
    builder = flatbuffers.Builder(len(data) * 3)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


class CompiledModelRunner:
    """LiteRT's ``CompiledModel`` on the CPU (XNNPACK, ``num_threads`` threads) or on the GPU
    with the CPU for the ops the GPU rejects (in float32; a model with sparse weights gets them
    dense first: :func:`dense_model_file`, else :func:`densified`). Input and output buffers are
    created once.

    GPU results are not bit-identical to the CPU's (different kernels, sums in another order);
    ``posegraph parity --open-loop --accelerator gpu`` says how far they move.

    Raises:
        ModelError: no GPU accelerator can be created (no GPU, no Vulkan driver), or the model
            cannot be compiled.
    """

    def __init__(self, path: Path, *, gpu: bool, num_threads: int) -> None:
        from ai_edge_litert.compiled_model import CompiledModel, CpuOptions, GpuOptions, HardwareAccelerator, Options

        accelerators = HardwareAccelerator.GPU | HardwareAccelerator.CPU if gpu else HardwareAccelerator.CPU
        # float32 on the GPU: float16, LiteRT's default there, moved the landmarks further from
        # MediaPipe's and was no faster on an H200.
        options = Options(hardware_accelerators=accelerators, cpu_options=CpuOptions(num_threads=num_threads),
                          gpu_options=GpuOptions(enforce_f32=True) if gpu else None)
        failure = ""
        try:
            # The GPU needs the sparse weights dense: the cached copy, else expanded here.
            dense = dense_model_file(path) if gpu else None
            if gpu and dense is None and has_sparse_weights(path):
                self.model = CompiledModel.from_buffer(densified(path), options=options)
            else:
                self.model = CompiledModel.from_file(str(dense or path), options=options)
        except RuntimeError as e:
            failure = " ".join(str(e).split())
        # Raised here, not inside ``except``, so that LiteRT's environment is released now.
        if failure and gpu:
            raise ModelError(f"cannot run model {path} on a GPU: LiteRT could not create a GPU accelerator "
                             f"(WebGPU over Vulkan: it needs a GPU and libvulkan1) or compile the model for it "
                             f"({failure}; `posegraph -v` shows LiteRT's log). Run on the CPU instead "
                             "(accelerator 'cpu', the default)")
        if failure:
            raise ModelError(f"cannot compile model {path}: {failure}")
        self._in = self.model.create_input_buffers(0)
        self._out = self.model.create_output_buffers(0)
        self.input_shapes = [tuple(int(n) for n in b.get_tensor_details()["shape"]) for b in self._in]
        out = [b.get_tensor_details() for b in self._out]
        self._out_specs = [(int(np.prod(d["shape"])), np.dtype(d["dtype"]), tuple(int(n) for n in d["shape"]))
                           for d in out]
        self.output_count, self.path = len(out), path

    def run(self, tensors: list[np.ndarray]) -> list[np.ndarray]:
        for buffer, tensor in zip(self._in, tensors):
            buffer.write(tensor)
        self.model.run_by_index(0, self._in, self._out)
        return [b.read(n, dtype).reshape(shape) for b, (n, dtype, shape) in zip(self._out, self._out_specs)]


def gpu_unavailable_reason(path: Path | str) -> str | None:
    """Why LiteRT cannot run the model at ``path`` on a GPU here (the :class:`ModelError`'s
    message), or ``None`` when it can. Compiles the model for the GPU once to find out."""
    try:
        CompiledModelRunner(Path(path), gpu=True, num_threads=1)
    except ModelError as e:
        return str(e)
    return None
