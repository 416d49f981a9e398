"""The model files posegraph runs: the manifest, the cache directory and the fetcher.

The detector and the full landmark model ship inside the ``mediapipe==0.10.21`` wheel, the lite and
heavy landmark models (model_complexity 0 and 2) inside the npm package
``@mediapipe/pose@0.5.1675469404``; :func:`fetch` downloads the wheel with pip (without installing
it) and the package's tarball from the npm registry, extracts the files and verifies their SHA-256.
:func:`model_path` is what a graph calls to get a verified file::

    from posegraph.models import model_path
    path = model_path("pose_landmark_full")   # raises ModelError saying how to fix a bad file
"""

from ._cli import add_parser, fetch_command, path_command
from ._files import write_atomically
from ._manifest import MODELS, NPM_PACKAGE, WHEEL_REQUIREMENT, ModelSpec, get_spec
from ._store import ENV_VAR, default_cache_dir, fetch, file_sha256, missing_models, model_path

__all__ = [
    "ENV_VAR",
    "MODELS",
    "NPM_PACKAGE",
    "WHEEL_REQUIREMENT",
    "ModelSpec",
    "add_parser",
    "default_cache_dir",
    "fetch",
    "fetch_command",
    "file_sha256",
    "get_spec",
    "missing_models",
    "model_path",
    "path_command",
    "write_atomically",
]
