"""Fixtures shared by the test suite: the shared reference data and the model files."""

from __future__ import annotations

import os
import struct
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
#: With POSEGRAPH_STRICT_TESTS=1 (as CI sets it), missing shared data or models fail the tests
#: that need them instead of skipping them.
STRICT = os.environ.get("POSEGRAPH_STRICT_TESTS") == "1"


def skip_or_fail(reason: str) -> None:
    """Skips the test, or fails it under POSEGRAPH_STRICT_TESTS=1."""
    if STRICT:
        pytest.fail(f"{reason} (POSEGRAPH_STRICT_TESTS=1)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data`` beside the repository: media, MediaPipe goldens and references."""
    path = REPO_ROOT.parent / "shared" / "data"
    if not path.is_dir():
        skip_or_fail(f"shared reference data not found at {path}")
    return path


def _model_dir() -> Path:
    from posegraph.models import default_cache_dir

    return default_cache_dir()


def _verified_models(*names: str) -> Path:
    from posegraph import ModelError
    from posegraph.models import model_path

    try:
        for name in names:
            model_path(name)
    except ModelError as e:
        skip_or_fail(f"pose models not available: {e}")
    return _model_dir()


def _verified_model(name: str) -> Path:
    from posegraph import ModelError
    from posegraph.models import model_path

    try:  # verified against the manifest's checksum, not just present
        return model_path(name)
    except ModelError as e:
        skip_or_fail(str(e))


@pytest.fixture(scope="session")
def model_file() -> Callable[[str], Path]:
    """``model_file(name)`` -> the verified model ``name`` (e.g. ``"pose_landmark_lite"``) from the
    model cache; skips (or fails, strictly) when it is missing or damaged."""
    return _verified_model


@pytest.fixture(scope="session")
def pose_models() -> Path:
    """The cache directory holding verified pose_detection and pose_landmark_full models
    (skips, or fails under POSEGRAPH_STRICT_TESTS=1, when they are not fetched)."""
    return _verified_models("pose_detection", "pose_landmark_full")


@pytest.fixture(scope="session")
def all_pose_models(pose_models: Path) -> Path:
    """As ``pose_models``, with the lite and heavy landmark models (model_complexity 0 and 2) too."""
    return _verified_models("pose_landmark_lite", "pose_landmark_heavy")


@pytest.fixture(scope="session")
def tflite_model() -> Callable[[str], Callable[[np.ndarray], list[np.ndarray]]]:
    """``tflite_model(file_name)`` -> ``run(input_hwc) -> outputs``: the verified model from the
    model cache (``posegraph.models``) on LiteRT; skips (or fails, strictly) when it is missing or
    damaged."""
    cache: dict[str, Callable[[np.ndarray], list[np.ndarray]]] = {}

    def load(name: str) -> Callable[[np.ndarray], list[np.ndarray]]:
        if name not in cache:
            path = _verified_model(name.removesuffix(".tflite"))
            from ai_edge_litert.interpreter import Interpreter

            interpreter = Interpreter(model_path=str(path), num_threads=2)
            interpreter.allocate_tensors()

            def run(tensor: np.ndarray) -> list[np.ndarray]:
                interpreter.set_tensor(interpreter.get_input_details()[0]["index"],
                                       np.asarray(tensor, np.float32)[None])
                interpreter.invoke()
                return [interpreter.get_tensor(o["index"])
                        for o in interpreter.get_output_details()]

            cache[name] = run
        return cache[name]

    return load


def _boxes(data: bytes | bytearray, start: int, end: int):
    """(type, offset, header size, size) of the ISO-BMFF boxes in data[start:end]."""
    i = start
    while i < end:
        size, kind = struct.unpack(">I4s", data[i:i + 8])
        header = 8
        if size == 1:
            size, header = struct.unpack(">Q", data[i + 8:i + 16])[0], 16
        yield kind, i, header, size
        i += size


def faststart(data: bytes) -> bytes:
    """The mp4 with its moov box moved before mdat (chunk offsets patched), as a streamable
    file is laid out, so that cutting its tail loses frames rather than the index."""
    top = {kind: (i, size) for kind, i, _, size in _boxes(data, 0, len(data))}
    moov_at, moov_size = top[b"moov"]
    moov = bytearray(data[moov_at:moov_at + moov_size])

    def patch(start: int, end: int) -> None:
        for kind, i, header, size in _boxes(moov, start, end):
            if kind in (b"trak", b"mdia", b"minf", b"stbl"):
                patch(i + header, i + size)
            elif kind == b"stco":
                (count,) = struct.unpack(">I", moov[i + 12:i + 16])
                for k in range(count):
                    at = i + 16 + 4 * k
                    (offset,) = struct.unpack(">I", moov[at:at + 4])
                    moov[at:at + 4] = struct.pack(">I", offset + moov_size)

    patch(8, moov_size)
    ftyp_end = sum(top[b"ftyp"])
    return data[:ftyp_end] + bytes(moov) + data[ftyp_end:moov_at] + data[moov_at + moov_size:]


@pytest.fixture(scope="session")
def streamable_squats(shared_data: Path) -> bytes:
    """The shared squat video with its index moved to the front (:func:`faststart`): cutting its
    tail then loses frames, not the whole file, which is how tests build a truncated video."""
    return faststart((shared_data / "media" / "pose_squats.mp4").read_bytes())
