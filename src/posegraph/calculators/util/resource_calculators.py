"""Loading files named in a graph: MediaPipe's ResourceProviderCalculator and
LocalFileContentsCalculator.

MediaPipe's graphs name their models by their path inside the mediapipe package
(``mediapipe/modules/pose_landmark/pose_landmark_full.tflite``); a resource id or file path whose
file name is one of posegraph's models (``posegraph.models.MODELS``, e.g. ``pose_landmark_full``)
resolves to the verified copy in posegraph's model cache, so MediaPipe's graphs run unchanged.
Any other id is a file path.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import Path

from posegraph import Calculator, CalculatorContext, Contract, ModelError, Port
from posegraph.framework.options import proto_field


def manifest_name(resource_id: str) -> str | None:
    """The posegraph model a resource id names (``pose_landmark_full`` for itself or for
    ``mediapipe/modules/pose_landmark/pose_landmark_full.tflite``), ``None`` for a plain file: a
    file that exists at that path is that file."""
    from posegraph.models import MODELS

    if resource_id in MODELS:
        return resource_id
    path = Path(resource_id).expanduser()
    name = path.name.removesuffix(".tflite")
    return name if name in MODELS and not path.is_file() else None


def resolve_resource(resource_id: str) -> Path:
    """The file for a resource id: a posegraph model name or a MediaPipe model path (resolved to
    the verified model cache), else a file path.

    Raises:
        ModelError: a model that is missing or corrupt in the cache (the message says how to fetch
            it), or a file that does not exist.
    """
    from posegraph.models import MODELS, model_path

    if not resource_id:
        raise ModelError("empty resource id: give a model name, a MediaPipe model path or a file path")
    if (name := manifest_name(resource_id)) is not None:
        return model_path(name)
    path = Path(resource_id).expanduser()
    if not path.is_file():
        raise ModelError(f"model or resource file {path} does not exist (known model names: "
                         f"{', '.join(sorted(MODELS))})")
    return path


@dataclass(frozen=True)
class Resource:
    """A resource a ResourceProviderCalculator provides: its id and the file holding it."""

    resource_id: str
    path: Path
    text: bool = False

    def read(self) -> bytes | str:
        """The file's contents: bytes, or str when the resource was read as text."""
        return self.path.read_text(encoding="utf-8") if self.text else self.path.read_bytes()


class ReadMode(enum.Enum):
    """MediaPipe's ResourceProviderCalculatorOptions.ReadMode (UNDEFINED reads binary)."""

    READ_MODE_UNDEFINED = 0
    READ_MODE_BINARY = 1
    READ_MODE_TEXT = 2


@dataclass(frozen=True)
class ResourceProviderCalculatorOptions:
    """MediaPipe's ResourceProviderCalculatorOptions (util/resource_provider_calculator.proto)."""

    resource_id: tuple[str, ...] = proto_field(1, ())
    read_mode: ReadMode = proto_field(2, ReadMode.READ_MODE_UNDEFINED)


class ResourceProviderCalculator(Calculator):
    """Provides output side packets ``RESOURCE:i`` (a :class:`Resource`) for the ids given by input
    side packets ``RESOURCE_ID:i`` (strings), else by ``options.resource_id[i]``.

    Raises (in ``open``, reported as CalculatorError):
        ModelError: a resource cannot be found (see :func:`resolve_resource`).
        ValueError: ids given both ways, or not as many ids as RESOURCE outputs.
    """

    contract = Contract(input_side_packets={"RESOURCE_ID": Port(str, optional=True, repeated=True)},
                        output_side_packets={"RESOURCE": Port(Resource, repeated=True)},
                        options=ResourceProviderCalculatorOptions)

    def open(self, cc: CalculatorContext) -> None:
        options: ResourceProviderCalculatorOptions = cc.options
        ids = [cc.side_input("RESOURCE_ID", i) for i in range(cc.side_input_count("RESOURCE_ID"))]
        if ids and options.resource_id:
            raise ValueError("give resource ids as RESOURCE_ID side packets or as options.resource_id, not both")
        ids = ids or list(options.resource_id)
        outputs = cc.side_output_count("RESOURCE")
        if len(ids) != outputs:
            raise ValueError(f"{len(ids)} resource id(s) for {outputs} RESOURCE output(s)")
        for i, resource_id in enumerate(ids):
            cc.set_side_output("RESOURCE", Resource(resource_id, resolve_resource(resource_id),
                                                    options.read_mode is ReadMode.READ_MODE_TEXT), i)


@dataclass(frozen=True)
class LocalFileContentsCalculatorOptions:
    """MediaPipe's LocalFileContentsCalculatorOptions (util/local_file_contents_calculator.proto)."""

    __proto_ext_number__ = 346849340

    read_as_binary: bool = proto_field(1, True)


class LocalFileContentsCalculator(Calculator):
    """Reads each file ``FILE_PATH:i`` (a path, or a model name/MediaPipe model path as
    :func:`resolve_resource` resolves it) into output side packet ``CONTENTS:i`` (bytes, or str
    when ``read_as_binary`` is false).

    Raises (in ``open``, reported as CalculatorError):
        ModelError: a file cannot be found.
    """

    contract = Contract(input_side_packets={"FILE_PATH": Port(str, repeated=True)},
                        output_side_packets={"CONTENTS": Port((bytes, str), repeated=True)},
                        options=LocalFileContentsCalculatorOptions)

    def open(self, cc: CalculatorContext) -> None:
        for i in range(cc.side_input_count("FILE_PATH")):
            path = resolve_resource(cc.side_input("FILE_PATH", i))
            contents = path.read_bytes() if cc.options.read_as_binary else path.read_text(encoding="utf-8")
            cc.set_side_output("CONTENTS", contents, i)
