"""Reading YAML graph configs (see :mod:`posegraph.framework.config.loader`, which calls
:func:`parse_yaml` for ``.yaml``/``.yml`` files). Kept apart so that PyYAML is imported only when a
YAML config is read.
"""

from __future__ import annotations

from typing import Any

import yaml
from google.protobuf import descriptor

from posegraph.framework.config.loader import Key, LoadedConfig, SourceMap, is_repeated
from posegraph.framework.config.schema import CalculatorGraphConfig
from posegraph.framework.errors import GraphConfigError

_FD = descriptor.FieldDescriptor
# (min, max) of each protobuf integer type a YAML value may set.
_INT_RANGES = {_FD.TYPE_INT32: (-2**31, 2**31 - 1), _FD.TYPE_INT64: (-2**63, 2**63 - 1),
               _FD.TYPE_UINT32: (0, 2**32 - 1), _FD.TYPE_UINT64: (0, 2**64 - 1)}


def parse_yaml(text: str, file: str) -> LoadedConfig:
    """Parses a YAML graph config (the same fields as the protobuf text format, as mappings and
    lists) into a ``CalculatorGraphConfig`` with its :class:`SourceMap`.

    Raises:
        GraphConfigError: a YAML syntax error, an unknown field, or a value of the wrong type,
            with ``file``, line and column.
    """
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        what = getattr(e, "problem", None) or str(e)
        raise GraphConfigError(f"YAML syntax error: {what}", file,
                               mark.line + 1 if mark else None, mark.column + 1 if mark else None) from None
    loaded = LoadedConfig(CalculatorGraphConfig(), SourceMap(file))
    if root is None:
        return loaded
    _YamlReader(loaded, file).message(root, loaded.config, ())
    return loaded


def _pos(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


class _YamlReader:
    """Fills a message from composed YAML nodes, checking names and types against its descriptor."""

    def __init__(self, loaded: LoadedConfig, file: str) -> None:
        self.loaded = loaded
        self.file = file
        self.constructor = yaml.SafeLoader("")

    def fail(self, node: yaml.Node, message: str) -> GraphConfigError:
        return GraphConfigError(message, self.file, *_pos(node))

    def message(self, node: yaml.Node, msg: Any, key: Key) -> None:
        if not isinstance(node, yaml.MappingNode):
            raise self.fail(node, f"expected a mapping for {msg.DESCRIPTOR.name}, got {node.tag.rsplit(':', 1)[-1]}")
        self.loaded.source_map.positions.setdefault(key, _pos(node))
        fields = msg.DESCRIPTOR.fields_by_name
        for knode, vnode in node.value:
            if not isinstance(knode, yaml.ScalarNode):
                raise self.fail(knode, f"a field name must be a plain word, not a {type(knode).__name__[:-4].lower()}")
            name = self.constructor.construct_object(knode)
            if key and key[0] == "node" and len(key) == 2 and name == "options" and self._is_plain(vnode):
                self.loaded.plain_options[key[1]] = self.constructor.construct_object(vnode, deep=True)
                self.loaded.source_map.positions[key + ("options", 0)] = _pos(vnode)
                continue
            if name not in fields:
                from difflib import get_close_matches
                close = get_close_matches(str(name), list(fields), n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                raise self.fail(knode, f"unknown field {name!r} in {msg.DESCRIPTOR.name}{hint}")
            fd = fields[name]
            if is_repeated(fd):
                items = vnode.value if isinstance(vnode, yaml.SequenceNode) else [vnode]
                target = getattr(msg, name)
                for j, item in enumerate(items):
                    if fd.type == _FD.TYPE_MESSAGE:
                        self.message(item, target.add(), key + (name, j))
                    else:
                        self.loaded.source_map.positions[key + (name, j)] = _pos(item)
                        target.append(self.scalar(item, fd))
            elif fd.type == _FD.TYPE_MESSAGE:
                self.message(vnode, getattr(msg, name), key + (name, 0))
            else:
                self.loaded.source_map.positions[key + (name, 0)] = _pos(vnode)
                setattr(msg, name, self.scalar(vnode, fd))

    @staticmethod
    def _is_plain(node: yaml.Node) -> bool:
        return isinstance(node, yaml.MappingNode) and not any(
            isinstance(k, yaml.ScalarNode) and str(k.value).startswith("[") for k, _ in node.value)

    def scalar(self, node: yaml.Node, fd: Any) -> Any:
        if not isinstance(node, yaml.ScalarNode):
            raise self.fail(node, f"field {fd.name!r} takes a single value, not a {type(node).__name__[:-4].lower()}")
        value = self.constructor.construct_object(node)
        expected = {_FD.TYPE_STRING: str, _FD.TYPE_BOOL: bool}.get(fd.type)
        if fd.type in _INT_RANGES:
            low, high = _INT_RANGES[fd.type]
            ok = isinstance(value, int) and not isinstance(value, bool)
            kind = "an integer"
            if ok and not low <= value <= high:
                raise self.fail(node, f"field {fd.name!r} takes an integer from {low} to {high}, got {value}")
        elif fd.type in (_FD.TYPE_FLOAT, _FD.TYPE_DOUBLE):
            ok = isinstance(value, (int, float)) and not isinstance(value, bool)
            kind = "a number"
        elif expected is not None:
            ok = isinstance(value, expected)
            kind = "a string" if expected is str else "true or false"
        else:
            raise self.fail(node, f"field {fd.name!r} cannot be given in YAML")
        if not ok:
            raise self.fail(node, f"field {fd.name!r} takes {kind}, got {value!r}")
        return value
