"""Fixtures shared by the test suite: the shared reference data and the model files."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data`` beside the repository: media, MediaPipe goldens and references."""
    path = REPO_ROOT.parent / "shared" / "data"
    if not path.is_dir():
        pytest.skip(f"shared reference data not found at {path}")
    return path


def _model_dir() -> Path:
    env = os.environ.get("POSEGRAPH_MODEL_DIR")
    return Path(env) if env else Path.home() / ".cache" / "posegraph" / "models"


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
                pytest.skip(f"model {name} not found in {path.parent}; set POSEGRAPH_MODEL_DIR "
                            f"or fetch the models")
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
