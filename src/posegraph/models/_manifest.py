"""The model manifest: which files the pipeline uses, where they come from and their checksums.

The data lives in ``manifest.json`` beside this module; this module turns it into
:class:`ModelSpec` values once, at import.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from posegraph.framework.errors import ModelError


@dataclass(frozen=True)
class ModelSpec:
    """One model file.

    Attributes:
        name: the name used by graphs and the CLI (``pose_landmark_full``).
        file: the file's name in the model cache directory (``pose_landmark_full.tflite``).
        wheel_path: the file's path inside the MediaPipe wheel, or ``None``.
        npm_path: the file's path inside the npm package's tarball (``package/...``), or ``None``;
            exactly one of ``wheel_path`` and ``npm_path`` is set.
        sha256: lowercase hex SHA-256 of the file, or ``None`` when unknown (not verified).
        size: the file's size in bytes, or ``None`` when unknown.
        description: what the model is, one line.
    """

    name: str
    file: str
    wheel_path: str | None = None
    npm_path: str | None = None
    sha256: str | None = None
    size: int | None = None
    description: str = ""

    @property
    def source(self) -> str:
        """Where ``posegraph models fetch`` gets the file: the wheel's requirement or the npm package."""
        return WHEEL_REQUIREMENT if self.wheel_path is not None else NPM_PACKAGE["package"]


def _load() -> tuple[str, dict[str, str], dict[str, ModelSpec]]:
    # Beside this module, as posegraph.graphs finds its graphs: importlib.resources would import
    # tempfile and zipfile into every run, at start-up.
    text = Path(__file__).with_name("manifest.json").read_text(encoding="utf-8")
    data = json.loads(text)
    specs = {name: ModelSpec(name=name, **fields) for name, fields in data["models"].items()}
    for spec in specs.values():
        if (spec.wheel_path is None) == (spec.npm_path is None):
            raise ModelError(f"manifest.json: model {spec.name!r} needs exactly one of wheel_path and npm_path")
    return data["wheel"]["requirement"], data["npm"], specs


WHEEL_REQUIREMENT, NPM_PACKAGE, MODELS = _load()
"""The pip requirement of the wheel; the npm package (``package``, ``tarball`` URL and the
registry's ``integrity``); every model by name."""


def get_spec(name: str) -> ModelSpec:
    """The manifest entry for ``name``; raises :class:`ModelError` listing the known names."""
    try:
        return MODELS[name]
    except KeyError:
        known = ", ".join(sorted(MODELS))
        raise ModelError(f"unknown model {name!r}; known models: {known}") from None
