"""Reading graph configs: protobuf text format (``.pbtxt``), YAML and MediaPipe's binary
``CalculatorGraphConfig`` (``.binarypb``), into one schema.

The text syntaxes produce the ``CalculatorGraphConfig`` message plus a :class:`SourceMap` that
remembers where each node and each stream entry stood, so that later checks (unknown calculator,
dangling stream, cycle, ...) can point at ``file:line:column`` too; a binary config has no
positions, and its problems name the file and the node.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from google.protobuf import descriptor, descriptor_pool, text_format, unknown_fields
from google.protobuf.message import DecodeError

from posegraph.framework.config.schema import CalculatorGraphConfig, message_class
from posegraph.framework.errors import ConfigProblem, GraphConfigError

Key = tuple  # e.g. ("node", 2, "input_stream", 0)


@dataclass
class SourceMap:
    """1-based (line, column) of config entries, keyed by their path in the message.

    Keys are tuples of field names and repeated-field indexes, e.g. ``("node", 2)`` for the third
    node and ``("node", 2, "input_stream", 0)`` for its first input stream.
    """

    file: str
    positions: dict[Key, tuple[int, int]] = field(default_factory=dict)
    #: Options left unparsed because their node's calculator is unknown: node key -> option names
    #: (see :func:`parse_config`).
    unparsed_options: dict[Key, list[str]] = field(default_factory=dict)

    def problem(self, key: Key, message: str) -> ConfigProblem:
        """A problem located at ``key``, or at its nearest recorded ancestor."""
        while key and key not in self.positions:
            key = key[:-1]
        line, col = self.positions.get(key, (None, None))
        return ConfigProblem(self.file, line, col, message)


@dataclass
class LoadedConfig:
    """A parsed graph config with where it came from.

    ``plain_options`` holds YAML's plain ``options: {field: value}`` mappings per node index; they are
    typed later, against the node's calculator's options dataclass. After subgraph expansion,
    ``node_sources`` maps a node index to the source map and key of the file the node was written in,
    and ``subgraph_types`` lists the subgraph types found on the search path (for suggestions).
    """

    config: Any
    source_map: SourceMap
    plain_options: dict[int, dict[str, Any]] = field(default_factory=dict)
    node_sources: dict[int, tuple[SourceMap, Key]] = field(default_factory=dict)
    subgraph_types: list[str] = field(default_factory=list)

    @property
    def file(self) -> str:
        return self.source_map.file


#: File suffixes read as a binary (serialized) CalculatorGraphConfig, as MediaPipe compiles graphs.
BINARY_SUFFIXES = (".binarypb", ".pb")


def load_config(path: str | Path) -> LoadedConfig:
    """Reads a graph config file; the syntax follows the extension (``.yaml``/``.yml``; ``.binarypb``
    or ``.pb`` for a binary CalculatorGraphConfig, see :func:`parse_binary_config`; else text format).

    Raises:
        GraphConfigError: the file cannot be read, or has a syntax error, unknown field or wrong
            type (with file, line and column).
    """
    path = Path(path)
    if path.suffix.lower() in BINARY_SUFFIXES:
        try:
            data = path.read_bytes()
        except OSError as e:
            raise GraphConfigError(f"cannot read graph config: {e.strerror}", str(path)) from e
        return parse_binary_config(data, str(path))
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise GraphConfigError(f"cannot read graph config: {e.strerror if isinstance(e, OSError) else e}",
                               str(path)) from e
    return parse_config(text, text_syntax(path), str(path))


def text_syntax(path: str | Path) -> str:
    """A text graph file's syntax by its extension: ``"yaml"`` for ``.yaml``/``.yml``, else ``"pbtxt"``."""
    return "yaml" if Path(path).suffix.lower() in (".yaml", ".yml") else "pbtxt"


def parse_config(text: str, syntax: str = "pbtxt", file: str = "<string>") -> LoadedConfig:
    """Parses graph config text. ``syntax`` is ``"pbtxt"`` or ``"yaml"``.

    Raises:
        GraphConfigError: syntax errors, unknown fields and wrong types, with file, line and column.
    """
    if syntax == "yaml":
        from posegraph.framework.config.yaml_reader import parse_yaml  # PyYAML only for YAML

        return parse_yaml(text, file)
    if syntax != "pbtxt":
        raise ValueError(f"unknown config syntax {syntax!r} (use 'pbtxt' or 'yaml')")
    _load_named_calculators(text)  # their options messages must exist before options can be parsed
    text, unparsed = _blank_options_of_unknown_calculators(text)
    config = CalculatorGraphConfig()
    try:
        text_format.Parse(text, config)
    except text_format.ParseError as e:
        message = re.sub(r"^\d+:\d+ : ", "", str(e))
        unknown = re.match(r'Extension "([\w.]+)" not registered', message)
        if unknown:
            message = (f"unknown options [{unknown.group(1)}]: no registered calculator declares options "
                       f"of that name (a calculator's options message is mediapipe.<OptionsDataclassName>)")
        raise GraphConfigError(message, file, e.GetLine(), e.GetColumn()) from None
    smap = SourceMap(file, _pbtxt_positions(text))
    for (line, col), names in unparsed.items():
        key = next((k for k, pos in smap.positions.items() if pos == (line, col) and k[-2:-1] == ("node",)), None)
        if key is not None:
            smap.unparsed_options[key] = names
    return LoadedConfig(config, smap)


def parse_binary_config(data: bytes, file: str = "<bytes>") -> LoadedConfig:
    """Parses a binary (serialized) ``CalculatorGraphConfig``, e.g. a ``.binarypb`` of MediaPipe's wheel.

    Options are encoded by extension and field number, so they decode into the options messages of
    the calculators the config names (which carry MediaPipe's numbers). MediaPipe's ``float``
    fields arrive as 32-bit floats; those posegraph declares as doubles take the shortest decimal
    that reads back as that float (what the text form of the same graph says). Options of a
    calculator posegraph does not have are left for validation to report the unknown calculator.

    Raises:
        GraphConfigError: the bytes are no CalculatorGraphConfig, or hold fields posegraph does not
            know (named by message and field number).
    """
    from posegraph.framework.registry import get_calculator

    config = CalculatorGraphConfig()
    loaded_names: set[str] = set()
    while True:  # calculators register their options; contained nodes appear once their container has
        try:
            config.Clear()
            config.MergeFromString(data)
        except DecodeError as e:
            raise GraphConfigError(f"not a binary CalculatorGraphConfig: {e}", file) from None
        names = _calculator_names(config) - loaded_names
        if not names:
            break
        _load_calculators(names)
        loaded_names |= names
    problems: list[str] = []
    smap = SourceMap(file)
    for i, node in enumerate(config.node):
        known = get_calculator(node.calculator) is not None
        where = f"node {i} ({node.calculator})"
        if not known and (node.HasField("options") or node.node_options):
            names = [f"extension {f.field_number}" for f in unknown_fields.UnknownFieldSet(node.options)]
            names += [a.TypeName() for a in node.node_options if not _options_type_known("/" + a.TypeName())]
            smap.unparsed_options[("node", i)] = names
            node.ClearField("options")
            del node.node_options[:]
            continue
        _repair_binary_message(node, where, problems)
    _repair_binary_message(config, "the graph", problems, nodes=False)
    if problems:
        raise GraphConfigError(problems=[ConfigProblem(file, None, None, p) for p in problems])
    return LoadedConfig(config, smap)


def _calculator_names(config: Any) -> set[str]:
    """Every calculator a config names, contained nodes of parsed containers included."""
    names = set()
    stack: list[Any] = [config]
    while stack:
        msg = stack.pop()
        if msg.DESCRIPTOR.full_name == "mediapipe.CalculatorGraphConfig.Node" and msg.calculator:
            names.add(msg.calculator)
        for fd, value in msg.ListFields():
            if fd.message_type is None:
                continue
            stack.extend(value if is_repeated(fd) else [value])
    return names


def _shortest_float32(bits: int) -> float:
    """The shortest decimal that reads back as the 32-bit float with these bits (``0.3``, not
    ``0.30000001192092896``): what a text config would have said."""
    value = struct.unpack("<f", struct.pack("<I", bits))[0]
    for digits in range(1, 10):
        candidate = float(f"{value:.{digits}g}")
        if struct.unpack("<f", struct.pack("<f", candidate))[0] == value:
            return candidate
    return value


def _repair_binary_message(msg: Any, where: str, problems: list[str], nodes: bool = True) -> None:
    """Moves 32-bit floats that arrived for double fields into those fields, unpacks and repacks
    ``Any`` options likewise, and records every other unknown field as a problem; recursively."""
    by_number = {fd.number: fd for fd in msg.DESCRIPTOR.fields}
    leftovers = []
    for f in unknown_fields.UnknownFieldSet(msg):
        fd = by_number.get(f.field_number)
        if fd is not None and fd.type == _FD.TYPE_DOUBLE and f.wire_type == 5:
            value = _shortest_float32(f.data)
            if is_repeated(fd):
                getattr(msg, fd.name).append(value)
            else:
                setattr(msg, fd.name, value)
        else:
            leftovers.append(f.field_number)
    if leftovers:
        problems.append(f"{where}: {msg.DESCRIPTOR.full_name} field(s) {', '.join(map(str, leftovers))} are not "
                        f"declared by posegraph's {msg.DESCRIPTOR.full_name} (a MediaPipe option posegraph "
                        "does not have?)")
    for fd, value in msg.ListFields():
        if fd.message_type is None or (not nodes and fd.name == "node"):
            continue
        for sub in value if is_repeated(fd) else [value]:
            inner = f"{where}: {fd.full_name if fd.is_extension else fd.name}"
            if sub.DESCRIPTOR.full_name != "google.protobuf.Any":
                _repair_binary_message(sub, inner, problems)
            elif not _options_type_known("/" + sub.TypeName()):
                problems.append(f"{inner}: unknown options type {sub.TypeName()}")
            else:
                unpacked = message_class(sub.TypeName())()
                sub.Unpack(unpacked)
                _repair_binary_message(unpacked, inner, problems)
                sub.Pack(unpacked)
    msg.DiscardUnknownFields()


_CALCULATOR_FIELD = re.compile(r'\bcalculator\s*:\s*"([^"]+)"')
# An options extension or Any type named as MediaPipe names them: ``[mediapipe.FooCalculatorOptions.ext]``
# or ``[type.googleapis.com/mediapipe.FooCalculatorOptions]``, declared by ``FooCalculator``.
_OPTIONS_NAME = re.compile(r'\[(?:type\.googleapis\.com/)?mediapipe\.(\w+)Options(?:\.ext)?\]')


def _load_calculators(names: Iterable[str]) -> None:
    """Loads the named calculators, each registering its options message; unknown names are left
    for validation to report with their position."""
    from posegraph.framework.registry import get_calculator

    for name in names:
        get_calculator(name)


def _load_named_calculators(text: str) -> None:
    """Loads the calculators a pbtxt names, and those whose options messages it names (options
    given to the wrong calculator), and so derives their options messages."""
    _load_calculators(set(_CALCULATOR_FIELD.findall(text)) | set(_OPTIONS_NAME.findall(text)))


def _options_type_known(name: str) -> bool:
    """Whether ``[name]`` (an extension such as ``mediapipe.FooOptions.ext``, or an Any type URL such
    as ``type.googleapis.com/mediapipe.FooOptions``) names something in protobuf's default pool."""
    pool = descriptor_pool.Default()
    try:
        if "/" in name:
            pool.FindMessageTypeByName(name.rsplit("/", 1)[1])
        else:
            pool.FindExtensionByName(name)
    except KeyError:
        return False
    return True


def _blank_options_of_unknown_calculators(text: str) -> tuple[str, dict[tuple[int, int], list[str]]]:
    """``text`` with the options blocks that cannot be parsed because their node's calculator is
    unknown (so is its options message) replaced by spaces, which keeps every position.

    Validation then reports the unknown calculator, at its node, instead of the parser stopping at
    its options. Options of unknown type on a known calculator are left for the parser to reject.
    Returns the text and, per node (``node`` or ``contained_node`` block, by the (line, column) of
    its field name), the option names blanked.
    """
    from posegraph.framework.registry import get_calculator

    toks = [(m.group(), m.start()) for m in _TOKEN.finditer(text) if m.lastgroup in ("word", "string", "punct")]
    blocks: list[tuple[int, int, str, int]] = []  # (start, end, option name, owning node's token index)
    nodes: dict[int, str] = {}  # token index of a node block's field name -> its calculator
    stack: list[tuple[str, int, int]] = []  # (kind, token index, start offset) of open blocks
    i = 0
    while i < len(toks):
        tok, start = toks[i]
        if tok == "[":
            j = i + 1
            while j < len(toks) and toks[j][0] != "]":
                j += 1
            name = "".join(t for t, _ in toks[i + 1:j])
            j += 1
            if j < len(toks) and toks[j][0] == ":":
                j += 1
            if j < len(toks) and toks[j][0] in ("{", "<"):
                stack.append(("[" + name, i, start))
                i = j + 1
                continue
            i = j
            continue
        if tok in ("{", "<"):
            prev = toks[i - 2][0] if i >= 2 and toks[i - 1][0] == ":" else toks[i - 1][0] if i else ""
            prev_index = i - 2 if i >= 2 and toks[i - 1][0] == ":" else i - 1
            stack.append((prev if prev in ("node", "contained_node") else "", prev_index, start))
        elif tok in ("}", ">") and stack:
            kind, index, begin = stack.pop()
            if kind.startswith("["):
                owner = next((ix for k, ix, _ in reversed(stack) if k in ("node", "contained_node")), None)
                if owner is not None:
                    blocks.append((begin, start + 1, kind[1:], owner))
        elif tok == "calculator" and stack and stack[-1][0] in ("node", "contained_node"):
            j = i + 1 + (i + 1 < len(toks) and toks[i + 1][0] == ":")
            if j < len(toks) and toks[j][0][:1] in "\"'":
                nodes[stack[-1][1]] = toks[j][0][1:-1]
        i += 1
    unparsed: dict[tuple[int, int], list[str]] = {}
    chars = list(text)
    for begin, end, name, owner in blocks:
        calculator = nodes.get(owner, "")
        if not calculator or get_calculator(calculator) is not None or _options_type_known(name):
            continue
        if any(b <= begin and end <= e for b, e, n, o in blocks if (b, e) != (begin, end) and
               not _options_type_known(n) and get_calculator(nodes.get(o, "")) is None):
            continue  # inside a block already blanked
        for k in range(begin, end):
            if chars[k] != "\n":
                chars[k] = " "
        offset = toks[owner][1]
        line = text.count("\n", 0, offset) + 1
        col = offset - (text.rfind("\n", 0, offset) + 1) + 1
        unparsed.setdefault((line, col), []).append(name)
    return "".join(chars), unparsed


# --- text format positions -------------------------------------------------------------------

_TOKEN = re.compile(r"""
    (?P<space>\s+) | (?P<comment>\#[^\n]*) |
    (?P<string>"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*') |
    (?P<word>[A-Za-z0-9_.+\-]+) | (?P<punct>.)""", re.VERBOSE)


def _tokens(text: str) -> list[tuple[str, int, int]]:
    out = []
    line, line_start = 1, 0
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup
        if kind in ("word", "string", "punct"):
            out.append((m.group(), line, m.start() - line_start + 1))
        newlines = m.group().count("\n")
        if newlines:
            line += newlines
            line_start = m.start() + m.group().rindex("\n") + 1
    return out


def _pbtxt_positions(text: str) -> dict[Key, tuple[int, int]]:
    """Walks already-validated text-format tokens and records where each field occurrence starts."""
    toks = _tokens(text)
    positions: dict[Key, tuple[int, int]] = {}
    i = 0

    def walk(prefix: Key, closer: str | None) -> None:
        nonlocal i
        counts: dict[str, int] = {}
        while i < len(toks) and toks[i][0] != closer:
            name, line, col = toks[i]
            if name in (";", ","):
                i += 1
                continue
            if name == "[":  # extension or Any type URL: skip to the closing bracket
                while toks[i][0] != "]":
                    i += 1
            i += 1
            if i < len(toks) and toks[i][0] == ":":
                i += 1
            values = []
            if toks[i][0] == "[":  # list syntax: field: [a, b]
                i += 1
                while toks[i][0] != "]":
                    if toks[i][0] != ",":
                        values.append(toks[i])
                        if toks[i][0] in ("{", "<"):
                            positions[prefix + (name, counts.get(name, 0) + len(values) - 1)] = toks[i][1:]
                            opener = toks[i][0]
                            i += 1
                            walk(prefix + (name, counts.get(name, 0) + len(values) - 1), "}" if opener == "{" else ">")
                    i += 1
                i += 1
            elif toks[i][0] in ("{", "<"):
                key = prefix + (name, counts.get(name, 0))
                positions[key] = (line, col)
                opener = toks[i][0]
                i += 1
                walk(key, "}" if opener == "{" else ">")
                i += 1
                counts[name] = counts.get(name, 0) + 1
                continue
            else:
                values.append(toks[i])
                i += 1
                while i < len(toks) and toks[i][0].startswith(("\"", "'")) and toks[i - 1][0].startswith(("\"", "'")):
                    i += 1  # adjacent string literals concatenate
            for _, vline, vcol in values:
                positions[prefix + (name, counts.get(name, 0))] = (vline, vcol)
                counts[name] = counts.get(name, 0) + 1

    walk((), None)
    return positions


_FD = descriptor.FieldDescriptor


def is_repeated(fd: Any) -> bool:
    """Whether a protobuf field descriptor is a repeated field (protobuf >= 6 has
    ``FieldDescriptor.is_repeated``; earlier releases only the label)."""
    repeated = getattr(fd, "is_repeated", None)
    return bool(repeated) if repeated is not None else fd.label == _FD.LABEL_REPEATED
