"""Calculator options: declared once as a dataclass, usable from every config syntax.

A calculator declares its options as a (frozen) dataclass. From it posegraph derives a protobuf
message named, by default, ``mediapipe.<DataclassName>``, with an ``ext`` extension of
``mediapipe.CalculatorOptions``, so that a graph config can give the options in any of the forms
MediaPipe users write:

- ``options { [mediapipe.GateCalculatorOptions.ext] { empty_packets_as_allow: true } }``
- ``node_options: { [type.googleapis.com/mediapipe.GateCalculatorOptions] { ... } }``
- in YAML, a plain mapping: ``options: {empty_packets_as_allow: true}``

Field types map as: ``bool`` -> bool, ``int`` -> int64, ``float`` -> double, ``str`` -> string,
an ``enum.Enum`` -> a proto enum of the member names, a nested dataclass -> a nested message, a
protobuf message class (e.g. ``CalculatorGraphConfig.Node``) -> that message, and
``tuple[T, ...]``/``list[T]`` of those -> a repeated field. ``X | None`` is ``X``.

Field numbers follow the declaration order unless a field says otherwise with
:func:`proto_field` (``dataclasses.field(metadata={"number": 3})``), an enum's values are its
members' integer values, and the ``ext`` extension gets a number derived from the message name
unless the dataclass sets ``__proto_ext_number__``: give MediaPipe's numbers (from its ``.proto``
files) where a calculator stands for one of MediaPipe's, so that the message matches MediaPipe's
field for field and binary configs decode. A field declared with ``proto_field(...,
unsupported="why")`` is accepted at its default only: any other value is an options error that says
why, so that a MediaPipe option posegraph does not implement is never silently ignored.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import types
import typing
from typing import Any

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

import posegraph.framework.config.schema  # noqa: F401  (mediapipe.CalculatorOptions must be in the pool)

_FDP = descriptor_pb2.FieldDescriptorProto
_SCALARS = {bool: _FDP.TYPE_BOOL, int: _FDP.TYPE_INT64, float: _FDP.TYPE_DOUBLE, str: _FDP.TYPE_STRING}
_OPTIONS_FILE = "posegraph/config/calculator_options.proto"

_built: dict[type, "OptionsMessage"] = {}
_by_proto_name: dict[str, type] = {}


@dataclasses.dataclass(frozen=True)
class OptionsMessage:
    """The protobuf side of an options dataclass."""

    dataclass: type
    full_name: str
    message_class: type
    extension: Any


def _unwrap(tp: Any) -> tuple[Any, bool]:
    """Returns (element type, repeated) for a field annotation, dropping ``| None``."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) != 1:
            raise TypeError(f"unsupported union {tp!r} in options")
        return _unwrap(args[0])
    if origin in (tuple, list):
        args = [a for a in typing.get_args(tp) if a is not Ellipsis]
        if len(args) != 1:
            raise TypeError(f"options sequences must be tuple[T, ...] or list[T], not {tp!r}")
        return args[0], True
    return tp, False


def _extension_number(full_name: str) -> int:
    """A stable extension number per message name, outside protobuf's reserved 19000-19999."""
    n = int.from_bytes(hashlib.sha256(full_name.encode()).digest()[:4], "big") % 500_000_000
    return 20_000 + n


def proto_field(number: int, default: Any, *, unsupported: str = "") -> Any:
    """A dataclass field of an options dataclass with protobuf field number ``number``.

    ``unsupported``, when given, says why posegraph refuses any value but ``default`` (e.g.
    ``"multi-scale anchors are not implemented"``); setting one is an options error.
    """
    metadata: dict[str, Any] = {"number": number}
    if unsupported:
        metadata["unsupported"] = unsupported
    return dataclasses.field(default=default, metadata=metadata)


def _enum_numbers(tp: type[enum.Enum]) -> dict[Any, int]:
    """Member -> proto number: the members' values when they are distinct ints, else positions."""
    values = [m.value for m in tp]
    if all(isinstance(v, int) and not isinstance(v, bool) for v in values) and len(set(values)) == len(values):
        return {m: m.value for m in tp}
    return {m: i for i, m in enumerate(tp)}


def _check_supported(cls: type, instance: Any, where: str) -> None:
    for f in dataclasses.fields(cls):
        reason = f.metadata.get("unsupported")
        if reason and getattr(instance, f.name) != f.default:
            raise ValueError(f"{where}: {cls.__name__}.{f.name} = {getattr(instance, f.name)!r} is not "
                             f"supported ({reason}); leave it at {f.default!r}")


def _is_proto_message(tp: Any) -> bool:
    return isinstance(tp, type) and hasattr(tp, "DESCRIPTOR") and hasattr(tp, "CopyFrom")


def _describe(cls: type, msg: descriptor_pb2.DescriptorProto, scope: str, deps: set[str]) -> None:
    hints = typing.get_type_hints(cls)
    for position, f in enumerate(dataclasses.fields(cls), start=1):
        tp, repeated = _unwrap(hints[f.name])
        field = msg.field.add(name=f.name, number=f.metadata.get("number", position),
                              label=_FDP.LABEL_REPEATED if repeated else _FDP.LABEL_OPTIONAL)
        if tp in _SCALARS:
            field.type = _SCALARS[tp]
        elif isinstance(tp, type) and issubclass(tp, enum.Enum):
            if all(e.name != tp.__name__ for e in msg.enum_type):  # two fields may share one enum
                enum_proto = msg.enum_type.add(name=tp.__name__)
                for member, number in _enum_numbers(tp).items():
                    enum_proto.value.add(name=member.name, number=number)
            field.type = _FDP.TYPE_ENUM
            field.type_name = f".{scope}.{tp.__name__}"
        elif dataclasses.is_dataclass(tp):
            if all(n.name != tp.__name__ for n in msg.nested_type):  # two fields may share one message
                _describe(tp, msg.nested_type.add(name=tp.__name__), f"{scope}.{tp.__name__}", deps)
            field.type = _FDP.TYPE_MESSAGE
            field.type_name = f".{scope}.{tp.__name__}"
        elif _is_proto_message(tp):
            field.type = _FDP.TYPE_MESSAGE
            field.type_name = f".{tp.DESCRIPTOR.full_name}"
            deps.add(tp.DESCRIPTOR.file.name)
        else:
            raise TypeError(f"{cls.__name__}.{f.name}: unsupported options field type {tp!r}")


def options_message(cls: type, full_name: str | None = None) -> OptionsMessage:
    """Derives (once) and returns the protobuf message for an options dataclass.

    Raises:
        TypeError: a field's type cannot be expressed, or another dataclass took the same name.
    """
    if cls in _built:
        return _built[cls]
    if not dataclasses.is_dataclass(cls):
        raise TypeError(f"options must be a dataclass, not {cls!r}")
    full_name = full_name or getattr(cls, "__proto_name__", None) or f"mediapipe.{cls.__name__}"
    if full_name in _by_proto_name and _by_proto_name[full_name] is not cls:
        raise TypeError(f"options message name {full_name!r} is already used by "
                        f"{_by_proto_name[full_name].__qualname__}; set __proto_name__ on {cls.__qualname__}")
    package, _, name = full_name.rpartition(".")
    file = descriptor_pb2.FileDescriptorProto(name=f"posegraph/options/{full_name}.proto", package=package,
                                              syntax="proto2", dependency=[_OPTIONS_FILE])
    msg = file.message_type.add(name=name)
    deps: set[str] = set()
    _describe(cls, msg, full_name, deps)
    file.dependency.extend(sorted(deps - {_OPTIONS_FILE}))
    number = getattr(cls, "__proto_ext_number__", None) or _extension_number(full_name)
    msg.extension.add(name="ext", number=number, label=_FDP.LABEL_OPTIONAL,
                      type=_FDP.TYPE_MESSAGE, type_name=f".{full_name}", extendee=".mediapipe.CalculatorOptions")
    pool = descriptor_pool.Default()
    pool.Add(file)
    descriptor = pool.FindMessageTypeByName(full_name)
    built = OptionsMessage(cls, full_name, message_factory.GetMessageClass(descriptor),
                           pool.FindExtensionByName(f"{full_name}.ext"))
    _built[cls] = built
    _by_proto_name[full_name] = cls
    return built


def from_message(cls: type, message: Any) -> Any:
    """Converts a parsed options message to an instance of its dataclass (unset fields keep defaults)."""
    hints = typing.get_type_hints(cls)
    values = {}
    for f in dataclasses.fields(cls):
        tp, repeated = _unwrap(hints[f.name])
        if repeated:
            items = list(getattr(message, f.name))
            if not items:
                continue
            values[f.name] = tuple(_value(tp, v) for v in items)
        elif message.HasField(f.name):
            values[f.name] = _value(tp, getattr(message, f.name))
    instance = cls(**values)
    _check_supported(cls, instance, "options")
    return instance


def _value(tp: Any, v: Any) -> Any:
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return next(m for m, number in _enum_numbers(tp).items() if number == v)
    if _is_proto_message(tp):
        copy = tp()
        copy.CopyFrom(v)
        return copy
    if dataclasses.is_dataclass(tp):
        return from_message(tp, v)
    return tp(v)


def from_mapping(cls: type, mapping: dict[str, Any], where: str = "options") -> Any:
    """Builds an options dataclass from a plain mapping (the YAML form), checking names and types.

    Raises:
        TypeError: an unknown field or a value of the wrong type; the message names the field.
    """
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    values = {}
    for key, raw in mapping.items():
        if key not in names:
            raise TypeError(f"{where}: unknown field {key!r} (fields of {cls.__name__}: {', '.join(sorted(names))})")
        tp, repeated = _unwrap(hints[key])
        if repeated:
            seq = raw if isinstance(raw, (list, tuple)) else [raw]
            values[key] = tuple(_coerce(tp, v, f"{where}.{key}") for v in seq)
        else:
            values[key] = _coerce(tp, raw, f"{where}.{key}")
    instance = cls(**values)
    _check_supported(cls, instance, where)
    return instance


def _coerce(tp: Any, v: Any, where: str) -> Any:
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        if isinstance(v, tp):
            return v
        try:
            return tp[str(v)]
        except KeyError:
            raise TypeError(f"{where}: {v!r} is not one of {', '.join(m.name for m in tp)}") from None
    if _is_proto_message(tp):
        if isinstance(v, tp):
            return v
        if not isinstance(v, dict):
            raise TypeError(f"{where}: expected a mapping for {tp.DESCRIPTOR.name}, got {type(v).__name__}")
        from google.protobuf import json_format
        try:
            return json_format.ParseDict(v, tp())
        except json_format.ParseError as e:
            raise TypeError(f"{where}: {e}") from None
    if dataclasses.is_dataclass(tp):
        if not isinstance(v, dict):
            raise TypeError(f"{where}: expected a mapping for {tp.__name__}, got {type(v).__name__}")
        return from_mapping(tp, v, where)
    if tp is float and isinstance(v, int) and not isinstance(v, bool):
        return float(v)
    if tp in _SCALARS and not (isinstance(v, tp) and not (tp is int and isinstance(v, bool))):
        raise TypeError(f"{where}: expected {tp.__name__}, got {type(v).__name__} {v!r}")
    return v
