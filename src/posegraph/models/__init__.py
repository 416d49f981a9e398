"""The model files posegraph runs: the manifest, the cache directory and the fetcher.

The BlazePose models ship inside the ``mediapipe==0.10.21`` wheel; :func:`fetch` downloads that
wheel with pip (without installing it), extracts the files and verifies their SHA-256.
:func:`model_path` is what a graph calls to get a verified file::

    from posegraph.models import model_path
    path = model_path("pose_landmark_full")   # raises ModelError saying how to fix a bad file
"""

from ._cli import add_parser, fetch_command, path_command
from ._manifest import MODELS, WHEEL_REQUIREMENT, ModelSpec, fetchable_names, get_spec
from ._store import ENV_VAR, default_cache_dir, fetch, file_sha256, missing_models, model_path

__all__ = [
    "ENV_VAR",
    "MODELS",
    "WHEEL_REQUIREMENT",
    "ModelSpec",
    "add_parser",
    "default_cache_dir",
    "fetch",
    "fetch_command",
    "fetchable_names",
    "file_sha256",
    "get_spec",
    "missing_models",
    "model_path",
    "path_command",
]
