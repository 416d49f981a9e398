"""Subgraphs (MediaPipe's): a graph file with ``type: "Name"`` used as a node ``calculator: "Name"``.

Subgraph files are found on a search path, in this order (the first file declaring a type wins):
the ``search_path`` directories given to :class:`~posegraph.Graph`, the directories in the
``POSEGRAPH_GRAPH_PATH`` environment variable (``os.pathsep``-separated), the graph file's own
folder or MediaPipe tree (see :func:`beside`), then the graphs shipped in ``posegraph.graphs``.
Every ``.pbtxt``, ``.yaml`` and ``.yml`` file in each directory's tree (subdirectories included, as
MediaPipe's ``mediapipe/modules/...`` layout needs; a graph file's own folder alone excepted) is
indexed by its ``type`` field, read from the file's text without parsing it (only a top-level
``type`` counts, not an executor's); a subgraph's file is parsed when a graph uses it, once, and
cached by path and modification time. A file declaring a type that does not parse is an error
when that type is used (with the file's line and column), and is otherwise left alone.

Expansion follows MediaPipe's ``subgraph_expansion.cc``: the node is replaced by the subgraph's
nodes (themselves expanded first); inner node, stream and side packet names get the prefix
``<lower-cased node name>__``; the subgraph's own ``input_stream``, ``output_stream``,
``input_side_packet`` and ``output_side_packet`` entries are wired to the parent node's entries of
the same tag and index. Beyond MediaPipe, inputs and input side packets the parent leaves
unconnected are removed from the inner nodes (which then fall back to their options), and a back
edge the parent marks with ``input_stream_info`` is marked on the inner nodes that read it.

Graph options follow MediaPipe's ``options_util.cc`` (see :mod:`posegraph.framework.graph_options`):
the parent node's options of the subgraph's ``graph_options`` type are merged over the subgraph's
own, and inner nodes' ``option_value`` entries copy fields of the result into their options before
the subgraph's nodes are expanded in turn.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable

from posegraph.framework.config.loader import Key, LoadedConfig, SourceMap, load_config, text_syntax
from posegraph.framework.config.schema import CalculatorGraphConfig
from posegraph.framework.errors import ConfigProblem, GraphConfigError
from posegraph.framework.graph_options import apply_option_values
from posegraph.framework.options import options_message
from posegraph.framework.registry import get_calculator
from posegraph.framework.validated_graph import canonical_node_names, format_tag_index, parse_refs

log = logging.getLogger(__name__)

GRAPH_PATH_ENV = "POSEGRAPH_GRAPH_PATH"
GRAPH_SUFFIXES = (".pbtxt", ".yaml", ".yml")
MAX_DEPTH = 32
_STREAM_FIELDS = ("input_stream", "output_stream", "input_side_packet", "output_side_packet")
_NAMESPACE = {"input_stream": "stream", "output_stream": "stream",  # streams and side packets are
              "input_side_packet": "side", "output_side_packet": "side"}  # named independently
_REMOVABLE = ("input_stream", "input_side_packet")  # inputs the parent may leave unconnected


# --- finding subgraph files ------------------------------------------------------------------

def builtin_graph_dir() -> Path:
    """The directory of the graphs shipped with posegraph (package data of ``posegraph.graphs``)."""
    from posegraph import graphs  # data only: the bundled graph files

    return graphs.directory()


#: How many folders up from a graph file :func:`beside` looks for a MediaPipe tree's root.
MEDIAPIPE_ROOT_LEVELS = 3


def beside(graph_file: str | Path) -> list[tuple[Path, bool]]:
    """Where a graph file's own subgraphs are looked for, as ``(folder, with_subfolders)``: the
    root of the MediaPipe tree the file lies in, with its subfolders, if there is one (the nearest
    of the file's folder and its ``MEDIAPIPE_ROOT_LEVELS`` ancestors that holds a ``modules``
    folder, as MediaPipe's ``mediapipe/`` holds ``modules/`` and ``graphs/``); else the file's own
    folder, without its subfolders (a graph saved in a big folder does not walk it). So
    ``Graph.from_file(".../modules/pose_landmark/pose_landmark_cpu.pbtxt")`` finds
    ``modules/pose_detection/`` without a search path. Nothing for a config that is not a file
    (``"<string>"``).
    """
    path = Path(graph_file)
    if not path.is_file():
        return []
    folder = path.resolve().parent
    for candidate in [folder, *folder.parents][:MEDIAPIPE_ROOT_LEVELS + 1]:
        if (candidate / "modules").is_dir():
            return [(candidate, True)]
    return [(folder, False)]


def subgraph_search_path(search_path: Iterable[str | Path] = (),
                         graph_file: str | Path | None = None) -> list[tuple[Path, bool]]:
    """The directories searched for subgraph files, in priority order (existing ones only), each
    with whether its subfolders are searched too: ``search_path``, ``POSEGRAPH_GRAPH_PATH``,
    :func:`beside` ``graph_file``, the bundled graphs."""
    dirs = [(Path(p), True) for p in search_path]
    dirs += [(Path(p), True) for p in os.environ.get(GRAPH_PATH_ENV, "").split(os.pathsep) if p]
    if graph_file is not None:
        dirs += beside(graph_file)
    dirs.append((builtin_graph_dir(), True))
    out: dict[Path, tuple[Path, bool]] = {}  # resolved -> (as given, recursive): first place, either flag
    for d, recursive in dirs:
        resolved = d.resolve()
        if resolved.is_dir():
            first, deep = out.get(resolved, (d, False))
            out[resolved] = (first, deep or recursive)
    return list(out.values())


_cache: dict[Path, tuple[int, LoadedConfig | GraphConfigError]] = {}
_types: dict[Path, tuple[int, str | None]] = {}
_cache_lock = threading.Lock()


def _by_mtime(cache: dict[Path, tuple[int, Any]], path: Path, compute: Callable[[Path], Any]) -> Any:
    """``compute(path)``, kept in ``cache`` and computed again only when the file changed."""
    mtime = path.stat().st_mtime_ns
    with _cache_lock:
        hit = cache.get(path)
    if hit is None or hit[0] != mtime:
        hit = (mtime, compute(path))
        with _cache_lock:
            cache[path] = hit
    return hit[1]


def _parsed(path: Path) -> LoadedConfig | GraphConfigError:
    try:
        return load_config(path)
    except GraphConfigError as e:
        return e


def _load_cached(path: Path) -> LoadedConfig:
    """The parsed file, reparsed only when the file changed.

    Raises:
        GraphConfigError: the file does not parse (the error is cached as well).
    """
    result = _by_mtime(_cache, path, _parsed)
    if isinstance(result, GraphConfigError):
        raise result
    return result


# A pbtxt file's tokens: comments, quoted strings, brackets, names and any other character.
_PBTXT_TOKEN = re.compile(r"""#[^\n]*|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|[{}<>\[\]]|[\w.]+|\S""")
_YAML_TYPE = re.compile(r"""^type[ \t]*:[ \t]*(["']?)([\w.]+)\1[ \t]*(?:#.*)?$""", re.MULTILINE)


def _declared_type_in_text(text: str, syntax: str) -> str | None:
    """The top-level ``type`` a graph file's text declares, without parsing it; ``None`` when it
    declares none. For pbtxt, ``type: "Name"`` outside every ``{}``/``<>`` block; for YAML, a
    ``type: Name`` line at the left margin (block style, as graph files are written)."""
    if syntax == "yaml":
        match = _YAML_TYPE.search(text)
        return match.group(2) if match else None
    depth = 0
    tokens = [t for t in _PBTXT_TOKEN.findall(text) if not t.startswith("#")]
    for i, token in enumerate(tokens):
        if token in "{<":
            depth += 1
        elif token in "}>":
            depth -= 1
        elif depth == 0 and token == "type":
            colon, value = (tokens[i + 1:i + 3] + ["", ""])[:2]
            if colon == ":" and value[:1] in ("\"", "'"):
                return value[1:-1]
    return None


def _declared_type(path: Path) -> str | None:
    """:func:`_declared_type_in_text` of a file, cached by path and modification time; ``None``
    for a file that cannot be read as text."""
    def read(path: Path) -> str | None:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None
        return _declared_type_in_text(text, text_syntax(path))

    return _by_mtime(_types, path, read)


@dataclass
class _Index:
    """Subgraph type -> the file declaring it, each parsed when first asked for."""

    files: dict[str, Path]

    def get(self, type_name: str) -> LoadedConfig | None:
        """The parsed subgraph declaring ``type_name``, or ``None`` when no file declares it.

        Raises:
            GraphConfigError: the file declaring it does not parse.
        """
        path = self.files.get(type_name)
        return None if path is None else _load_cached(path)


def _index(search_path: Iterable[str | Path], graph_file: str | Path | None = None) -> _Index:
    files: dict[str, Path] = {}
    for directory, recursive in subgraph_search_path(search_path, graph_file):
        for path in sorted(directory.rglob("*") if recursive else directory.iterdir()):
            if path.suffix.lower() not in GRAPH_SUFFIXES or not path.is_file():
                continue
            name = _declared_type(path)
            if not name:
                continue
            if name in files:
                log.debug("subgraph %r in %s is shadowed by %s", name, path, files[name])
                continue
            files[name] = path
    return _Index(files)


def find_subgraphs(search_path: Iterable[str | Path] = (), graph_file: str | Path | None = None) -> dict[str, Path]:
    """Subgraph types found on the search path (:func:`subgraph_search_path`), each with the file
    that declares it."""
    return dict(_index(search_path, graph_file).files)


# --- expansion -------------------------------------------------------------------------------

@dataclass
class _ExpandedNode:
    """One node of the expanded graph and where it was written."""

    config: Any  # CalculatorGraphConfig.Node
    source_map: SourceMap
    key: Key
    plain_options: dict[str, Any] | None


def expand_subgraphs(loaded: LoadedConfig, search_path: Iterable[str | Path] = ()) -> LoadedConfig:
    """Replaces nodes whose calculator names a subgraph by the subgraph's nodes, recursively.

    Returns ``loaded`` itself when no node names a subgraph; otherwise a new :class:`LoadedConfig`
    whose ``node_sources`` maps each node index to the source map and key of the file the node was
    written in, so that later errors point into the subgraph file.

    Raises:
        GraphConfigError: a subgraph includes itself (the message names the cycle), is nested more
            than ``MAX_DEPTH`` deep, or a node connects a tag its subgraph does not declare.
    """
    index = None
    if any(node.option_value for node in loaded.config.node):
        index = _index(search_path, loaded.file)
        loaded = _with_option_values(loaded, None, index)
    if all(get_calculator(node.calculator) is not None or not node.calculator for node in loaded.config.node):
        return loaded
    if index is None:
        index = _index(search_path, loaded.file)
    if not any(node.calculator in index.files for node in loaded.config.node):
        loaded.subgraph_types = sorted(index.files)
        return loaded
    nodes = _expand(loaded, index, ())
    config = CalculatorGraphConfig()
    config.CopyFrom(loaded.config)
    del config.node[:]
    expanded = LoadedConfig(config, loaded.source_map)
    node_sources: dict[int, tuple[SourceMap, Key]] = {}
    for i, n in enumerate(nodes):
        config.node.add().CopyFrom(n.config)
        node_sources[i] = (n.source_map, n.key)
        if n.plain_options is not None:
            expanded.plain_options[i] = n.plain_options
    expanded.node_sources = node_sources
    expanded.subgraph_types = sorted(index.files)
    return expanded


def _expand(loaded: LoadedConfig, index: _Index, stack: tuple[str, ...]) -> list[_ExpandedNode]:
    """The nodes of ``loaded`` with every subgraph node replaced by its (expanded) nodes."""
    sources: dict[int, tuple[SourceMap, Key]] = loaded.node_sources
    names = canonical_node_names(list(loaded.config.node))
    out: list[_ExpandedNode] = []
    for i, node in enumerate(loaded.config.node):
        smap, key = sources.get(i, (loaded.source_map, ("node", i)))
        sub = index.get(node.calculator) if get_calculator(node.calculator) is None else None
        if sub is None:
            out.append(_ExpandedNode(node, smap, key, loaded.plain_options.get(i)))
            continue
        chain = stack + (node.calculator,)
        if node.calculator in stack:
            cycle = " -> ".join(chain[chain.index(node.calculator):])
            raise GraphConfigError(problems=[smap.problem(key + ("calculator", 0),
                                   f"subgraph {node.calculator!r} includes itself: {cycle} ({sub.file})")])
        if len(chain) > MAX_DEPTH:
            raise GraphConfigError(problems=[smap.problem(key + ("calculator", 0),
                                   f"subgraphs nested more than {MAX_DEPTH} deep: {' -> '.join(chain)}")])
        inner = _expand(_with_option_values(sub, node, index), index, chain)
        out += _instantiate(node, names[i], smap, key, sub, inner)
    return out


def _with_option_values(loaded: LoadedConfig, parent: Any | None, index: _Index) -> LoadedConfig:
    """``loaded`` with its nodes' ``option_value`` entries resolved against its graph options as
    ``parent`` sets them (a copy; ``loaded`` itself when no node has one)."""
    if not any(node.option_value for node in loaded.config.node):
        return loaded
    config = CalculatorGraphConfig()
    config.CopyFrom(loaded.config)
    keys = [loaded.node_sources.get(i, (loaded.source_map, ("node", i)))[1] for i in range(len(config.node))]

    def options_type(i: int) -> str | None:
        node = config.node[i]
        if i in loaded.plain_options:
            raise ValueError("options written as a plain mapping cannot take option_value; write them as "
                             "a message ([mediapipe.XOptions.ext] or node_options)")
        cls = get_calculator(node.calculator)
        if cls is not None:
            if cls.contract.options is None:
                return None
            return options_message(cls.contract.options).full_name
        sub = index.get(node.calculator)
        if sub is None:
            raise ValueError(f"unknown calculator {node.calculator!r}")
        return sub.config.graph_options[0].TypeName() if sub.config.graph_options else None

    apply_option_values(config, parent, loaded.source_map, keys, options_type)
    return LoadedConfig(config, loaded.source_map, dict(loaded.plain_options), dict(loaded.node_sources),
                        list(loaded.subgraph_types))


def _entry(entry: str, counters: dict[str, int]) -> tuple[str, int, str]:
    """(tag, index, name) of a ``TAG:index:name`` entry, numbering repeated tags as validate() does."""
    parts = entry.split(":")
    tag = parts[0] if len(parts) > 1 else ""
    index = int(parts[1]) if len(parts) == 3 and parts[1].isdigit() else counters.get(tag, 0)
    counters[tag] = max(counters.get(tag, 0), index + 1)
    return tag, index, parts[-1]


def _instantiate(parent: Any, parent_name: str, smap: SourceMap, key: Key, sub: LoadedConfig,
                 inner: list[_ExpandedNode]) -> list[_ExpandedNode]:
    """The subgraph's expanded nodes, renamed and wired for one parent node."""
    prefix = parent_name.lower() + "__"
    problems: list[ConfigProblem] = []
    given = ([fd.message_type.full_name for fd, _ in parent.options.ListFields() if fd.is_extension]
             if parent.HasField("options") else []) + [a.TypeName() for a in parent.node_options]
    takes = [a.TypeName() for a in sub.config.graph_options[:1]]
    given += smap.unparsed_options.get(key, [])
    if any(t not in takes for t in given):
        wanted = f"takes options {takes[0]}" if takes else "declares no graph_options, so it takes no options"
        problems.append(smap.problem(key + ("options",), f"node {parent_name!r}: subgraph {parent.calculator!r} "
                                     f"{wanted}, not {', '.join(t for t in given if t not in takes)}"))
    renames: dict[tuple[str, str], str] = {}  # (namespace, prefixed inner name) -> parent's name
    removed: set[tuple[str, str]] = set()
    for field_name in _STREAM_FIELDS:
        declared = {(r.tag, r.index): r.name
                    for r in parse_refs(list(getattr(sub.config, field_name)), sub.source_map, (), field_name, problems)}
        given = parse_refs(list(getattr(parent, field_name)), smap, key, field_name, problems)
        for j, r in enumerate(given):
            if (r.tag, r.index) not in declared:
                shown = ", ".join(format_tag_index(t, i) or "(untagged)" for t, i in declared) or "none"
                problems.append(smap.problem(key + (field_name, j),
                                f"node {parent_name!r}: subgraph {parent.calculator!r} ({sub.file}) has no "
                                f"{field_name.replace('_', ' ')} {format_tag_index(r.tag, r.index) or '(untagged)'} "
                                f"(it declares: {shown})"))
        connected = {(r.tag, r.index): r.name for r in given}
        for tag_index, inner_name in declared.items():
            inner_key = (_NAMESPACE[field_name], prefix + inner_name)
            if tag_index in connected:
                renames[inner_key] = connected[tag_index]
            elif field_name in _REMOVABLE:
                removed.add(inner_key)
    if problems:
        raise GraphConfigError(problems=problems)

    back_edges = set()
    counters: dict[str, int] = {}
    parent_inputs = [_entry(e, counters) for e in parent.input_stream]
    for info in parent.input_stream_info:
        if info.back_edge:
            back_edges |= {name for tag, idx, name in parent_inputs if format_tag_index(tag, idx) == info.tag_index}

    names = canonical_node_names([n.config for n in inner])
    out = []
    for n, name in zip(inner, names):
        node = CalculatorGraphConfig.Node()
        node.CopyFrom(n.config)
        node.name = prefix + name
        if parent.executor and not node.executor:
            node.executor = parent.executor
        source_map = n.source_map
        for field_name in _STREAM_FIELDS:
            entries = list(getattr(node, field_name))
            counters = {}
            kept, dropped, dropped_tags = [], [], set()
            for j, entry in enumerate(entries):
                tag, idx, stream = _entry(entry, counters)
                inner_key = (_NAMESPACE[field_name], prefix + stream)
                stream = renames.get(inner_key, inner_key[1])
                if field_name in _REMOVABLE and inner_key in removed:
                    dropped.append(j)
                    dropped_tags.add(format_tag_index(tag, idx))
                    continue
                kept.append(entry[: len(entry) - len(entry.split(":")[-1])] + stream)
                if field_name == "input_stream" and stream in back_edges and not any(
                        i.tag_index == format_tag_index(tag, idx) for i in node.input_stream_info):
                    node.input_stream_info.add(tag_index=format_tag_index(tag, idx), back_edge=True)
            del getattr(node, field_name)[:]
            getattr(node, field_name).extend(kept)
            if dropped:
                source_map = _without_entries(source_map, n.key, field_name, dropped)
            if field_name == "input_stream" and dropped_tags:
                gone = [j for j, info in enumerate(node.input_stream_info) if info.tag_index in dropped_tags]
                for j in reversed(gone):
                    del node.input_stream_info[j]
                source_map = _without_entries(source_map, n.key, "input_stream_info", gone)
        out.append(_ExpandedNode(node, source_map, n.key, n.plain_options))
    return out


def _without_entries(smap: SourceMap, key: Key, field_name: str, dropped: list[int]) -> SourceMap:
    """A copy of ``smap`` whose positions under ``key + (field_name, i)`` skip the dropped entries."""
    prefix = key + (field_name,)
    positions = {}
    for k, pos in smap.positions.items():
        if k[: len(prefix)] == prefix and len(k) > len(prefix):
            i = k[len(prefix)]
            if i in dropped:
                continue
            k = prefix + (i - sum(d < i for d in dropped),) + k[len(prefix) + 1:]
        positions[k] = pos
    return SourceMap(smap.file, positions)
