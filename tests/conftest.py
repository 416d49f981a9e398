"""Fixtures shared by the test suite: the shared reference data and the model files."""

from __future__ import annotations

import os
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


@pytest.fixture(scope="session")
def pose_models() -> Path:
    """The cache directory holding verified pose_detection and pose_landmark_full models
    (skips, or fails under POSEGRAPH_STRICT_TESTS=1, when they are not fetched)."""
    from posegraph import ModelError
    from posegraph.models import model_path

    try:
        for name in ("pose_detection", "pose_landmark_full"):
            model_path(name)
    except ModelError as e:
        skip_or_fail(f"pose models not available: {e}")
    return _model_dir()


@pytest.fixture(scope="session")
def tflite_model() -> Callable[[str], Callable[[np.ndarray], list[np.ndarray]]]:
    """``tflite_model(file_name)`` -> ``run(input_hwc) -> outputs``: the model from
    ``$POSEGRAPH_MODEL_DIR`` (default ``~/.cache/posegraph/models``) on LiteRT; skips the test when
    the file is absent."""
    cache: dict[str, Callable[[np.ndarray], list[np.ndarray]]] = {}

    def load(name: str) -> Callable[[np.ndarray], list[np.ndarray]]:
        if name not in cache:
            path = _model_dir() / name
            if not path.is_file():
                skip_or_fail(f"model {name} not found in {path.parent}; set POSEGRAPH_MODEL_DIR "
                             f"or run `posegraph models fetch`")
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
