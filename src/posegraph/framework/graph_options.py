"""Graph options (MediaPipe's ``tool/options_util.cc`` and ``options_field_util.cc``): a subgraph
declares an options message, the node using the subgraph sets it, and nodes inside copy fields of
it into their own options with ``option_value``::

    # the subgraph file
    type: "PoseDetection"
    graph_options: { [type.googleapis.com/mediapipe.PoseDetectionGraphOptions] { min_score: 0.5 } }
    node {
      calculator: "TensorsToDetectionsCalculator"
      option_value: "min_score_thresh:options/min_score"      # NODE_FIELD_PATH:GRAPH_FIELD_PATH
      ...
    }

    # the graph using it
    node {
      calculator: "PoseDetection"
      node_options: { [type.googleapis.com/mediapipe.PoseDetectionGraphOptions] { min_score: 0.7 } }
    }

The graph options are the subgraph's ``graph_options`` (its defaults) merged with the parent node's
options of the same type (protobuf merge: the parent's fields win, repeated fields append). A field
path is slash-separated field names, after an optional ``OPTIONS/`` or ``options/``; a number after a
repeated field picks an element (element 0 when none is given), and setting element ``len`` appends.
The value replaces the node's field (a message is copied through the wire format, field number by
field number, as MediaPipe copies it). A node that has no options message yet gets its calculator's
(or its subgraph's graph options type); a node whose options are a YAML mapping cannot take
``option_value``. An options message type is one posegraph knows: a calculator's, or one derived
with :func:`posegraph.framework.options.options_message` from a dataclass.
"""

from __future__ import annotations

from typing import Any, Callable

from posegraph.framework.config.loader import Key, SourceMap, is_repeated
from posegraph.framework.config.schema import message_class
from posegraph.framework.errors import GraphConfigError


def _unpack(any_message: Any) -> Any:
    """The message inside a ``google.protobuf.Any``."""
    msg = message_class(any_message.TypeName())()
    any_message.Unpack(msg)
    return msg


def options_of_type(node: Any, full_name: str) -> Any | None:
    """A copy of the node's options message of type ``full_name`` (an ``options`` extension or a
    ``node_options`` entry), or ``None``."""
    if node.HasField("options"):
        for fd, value in node.options.ListFields():
            if fd.is_extension and fd.message_type.full_name == full_name:
                copy = message_class(full_name)()
                copy.CopyFrom(value)
                return copy
    for any_message in node.node_options:
        if any_message.TypeName() == full_name:
            return _unpack(any_message)
    return None


def graph_options(config: Any, parent: Any | None) -> Any | None:
    """The options a subgraph config runs with: its first ``graph_options`` merged with the parent
    node's options of that type (``None`` when the config declares none)."""
    if not config.graph_options:
        return None
    merged = _unpack(config.graph_options[0])
    if parent is not None and (given := options_of_type(parent, merged.DESCRIPTOR.full_name)) is not None:
        merged.MergeFrom(given)
    return merged


def _path(text: str) -> list[tuple[str, int | None]]:
    """``[(field name, index or None), ...]`` of a field path such as ``options/ranges/1/begin``."""
    names = [n for n in text.split("/") if n]
    if names[:1] == ["OPTIONS"]:
        names = names[1:]
    if names[:1] == ["options"]:
        names = names[1:]
    if not names or names[0].isdigit():
        raise ValueError(f"field path {text!r} names no field")
    path: list[tuple[str, int | None]] = []
    for name in names:
        if name.isdigit():
            if path[-1][1] is not None:
                raise ValueError(f"field path {text!r}: two indexes in a row")
            path[-1] = (path[-1][0], int(name))
        else:
            path.append((name, None))
    return path


def _field(msg: Any, name: str, where: str) -> Any:
    fd = msg.DESCRIPTOR.fields_by_name.get(name)
    if fd is None:
        raise ValueError(f"{where}: {msg.DESCRIPTOR.full_name} has no field {name!r} "
                         f"(fields: {', '.join(msg.DESCRIPTOR.fields_by_name)})")
    return fd


def get_field(msg: Any, path_text: str) -> Any:
    """The value at a field path of ``msg``. Raises ValueError for a bad path or a missing element."""
    value = msg
    for name, index in _path(path_text):
        fd = _field(value, name, path_text)
        if is_repeated(fd):
            items = getattr(value, name)
            i = index or 0
            if i >= len(items):
                raise ValueError(f"{path_text}: {name} has {len(items)} element(s), no element {i}")
            value = items[i]
        else:
            if index:
                raise ValueError(f"{path_text}: {name} is not a repeated field")
            value = getattr(value, name)
    return value


def set_field(msg: Any, path_text: str, value: Any) -> None:
    """Sets the field at a path of ``msg`` to ``value`` (replacing it; ``len`` appends to a repeated
    field). Raises ValueError for a bad path or a value of the wrong kind."""
    path = _path(path_text)
    target = msg
    for name, index in path[:-1]:
        fd = _field(target, name, path_text)
        if fd.message_type is None:
            raise ValueError(f"{path_text}: {name} is not a message")
        if is_repeated(fd):
            items = getattr(target, name)
            i = _settable_index(items, index, path_text, name)
            target = items[i] if i < len(items) else items.add()
        else:
            target = getattr(target, name)
    name, index = path[-1]
    fd = _field(target, name, path_text)
    is_message = fd.message_type is not None
    if is_message and not hasattr(value, "DESCRIPTOR"):
        raise ValueError(f"{path_text}: {name} is a {fd.message_type.full_name} message, the graph option is not")
    try:
        if is_repeated(fd):
            items = getattr(target, name)
            i = _settable_index(items, index, path_text, name)
            if is_message:
                _copy_message(items[i] if i < len(items) else items.add(), value)
            elif i < len(items):
                items[i] = value
            else:
                items.append(value)
        elif is_message:
            _copy_message(getattr(target, name), value)
        else:
            setattr(target, name, value)
    except TypeError as e:
        raise ValueError(f"{path_text}: {e}") from None


def _settable_index(items: Any, index: int | None, path_text: str, name: str) -> int:
    """The element of repeated field ``name`` a path sets (0 when it names none; ``len`` appends).
    Raises ValueError past the end."""
    i = index or 0
    if i > len(items):
        raise ValueError(f"{path_text}: {name} has {len(items)} element(s), cannot set element {i}")
    return i


def _copy_message(target: Any, value: Any) -> None:
    """Replaces ``target`` by ``value``, through the wire format as MediaPipe copies it (so a message
    of another type with the same field numbers copies too)."""
    target.Clear()
    target.MergeFromString(value.SerializeToString())


def apply_option_values(config: Any, parent: Any | None, smap: SourceMap, keys: list[Key],
                        options_type: Callable[[int], str | None]) -> None:
    """Resolves every ``option_value`` of the config's nodes against its graph options, in place,
    and clears them (MediaPipe's CopyLiteralOptions).

    ``keys[i]`` locates node ``i`` in ``smap``; ``options_type(i)`` names the options message of
    node ``i`` when it has none yet (its calculator's, or its subgraph's), ``None`` when it takes
    none, and raises ValueError when it cannot say.

    Raises:
        GraphConfigError: a malformed ``option_value``, a path naming no field, no graph options to
            read from, or a node whose options cannot be set; each at its ``option_value`` entry.
    """
    problems = []
    options = None
    for i, node in enumerate(config.node):
        if not node.option_value:
            continue
        if options is None:
            options = graph_options(config, parent)
        for j, entry in enumerate(node.option_value):
            where = keys[i] + ("option_value", j)
            try:
                _apply_one(node, entry, options, lambda: options_type(i))
            except ValueError as e:
                problems.append(smap.problem(where, f"node {node.name or node.calculator!r}: option_value "
                                                    f"{entry!r}: {e}"))
        del node.option_value[:]
    if problems:
        raise GraphConfigError(problems=problems)


def _apply_one(node: Any, entry: str, options: Any | None, options_type: Callable[[], str | None]) -> None:
    node_path, sep, graph_path = entry.partition(":")
    if not sep or not node_path or not graph_path:
        raise ValueError("expected 'NODE_FIELD_PATH:GRAPH_FIELD_PATH', e.g. 'min_score_thresh:options/min_score'")
    if options is None:
        raise ValueError("the graph declares no graph_options to read from")
    value = get_field(options, graph_path)
    extensions = [fd for fd, _ in node.options.ListFields() if fd.is_extension] if node.HasField("options") else []
    if extensions:
        set_field(node.options.Extensions[extensions[0]], node_path, value)
        return
    if node.node_options:
        msg = _unpack(node.node_options[0])
        set_field(msg, node_path, value)
        node.node_options[0].Pack(msg)
        return
    full_name = options_type()
    if full_name is None:
        raise ValueError(f"{node.calculator} takes no options")
    msg = message_class(full_name)()
    set_field(msg, node_path, value)
    node.node_options.add().Pack(msg)
