"""Turning a parsed config into a checked graph: nodes, streams, side packets, topological order.

Every problem is collected (not only the first) and reported at once as a
:class:`~posegraph.GraphConfigError` with file, line and column for each.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from posegraph.framework.calculator import Calculator
from posegraph.framework.config.loader import Key, LoadedConfig, SourceMap
from posegraph.framework.config.schema import MediaPipeOptions, ThreadPoolExecutorOptions
from posegraph.framework.errors import ConfigProblem, GraphConfigError
from posegraph.framework.options import from_mapping, from_message, options_message
from posegraph.framework.registry import closest_calculators, get_calculator
from posegraph.framework.stream_handlers import (InputStreamHandler, get_input_stream_handler,
                                                 registered_input_stream_handlers)

_REF = re.compile(r"^(?:([A-Z_][A-Z0-9_]*):(?:(\d+):)?)?([a-z_][a-z0-9_]*)$")
_TAG_INDEX = re.compile(r"^([A-Z_][A-Z0-9_]*)?(?::(\d+))?$")


def format_tag_index(tag: str, index: int) -> str:
    """How MediaPipe names a port in ``input_stream_info``: ``"TAG"``, ``"TAG:1"``, ``""`` or ``":1"``."""
    return f"{tag}:{index}" if index else tag


def canonical_node_names(nodes: list[Any]) -> list[str]:
    """The name of each node config (MediaPipe's ``CanonicalNodeName``, ``tool/name_util.cc``): its
    ``name``, else its ``calculator``; a name that several nodes share gets ``_1``, ``_2``, ... in
    node order on every one of them."""
    bases = [n.name or n.calculator for n in nodes]
    counts = {b: bases.count(b) for b in bases}
    seen: dict[str, int] = {}
    names = []
    for b in bases:
        seen[b] = seen.get(b, 0) + 1
        names.append(b if counts[b] == 1 else f"{b}_{seen[b]}")
    return names


def parse_tag_index(text: str) -> tuple[str, int] | None:
    """``(tag, index)`` of a ``"TAG"``, ``"TAG:1"``, ``""`` or ``":1"`` port name; ``None`` if malformed."""
    m = _TAG_INDEX.match(text)
    return (m.group(1) or "", int(m.group(2) or 0)) if m else None


@dataclass(frozen=True)
class StreamRef:
    """One ``TAG:index:name`` entry of a node or graph (tag ``""`` when untagged)."""

    tag: str
    index: int
    name: str
    back_edge: bool = False

    @property
    def tag_index(self) -> str:
        """The port's name as ``input_stream_info`` writes it (see :func:`format_tag_index`)."""
        return format_tag_index(self.tag, self.index)


@dataclass
class NodeSpec:
    """A node as validated: its calculator, wiring, options and scheduling settings.

    ``handler`` is its input stream handler class and ``handler_options`` the ``options`` message
    (``mediapipe.MediaPipeOptions``) of the config entry that chose it (empty when none did).
    """

    name: str
    calculator: str
    cls: type[Calculator]
    inputs: list[StreamRef]
    outputs: list[StreamRef]
    side_inputs: list[StreamRef]
    side_outputs: list[StreamRef]
    options: Any
    handler: type[InputStreamHandler]
    handler_options: Any
    executor: str
    max_in_flight: int
    key: Key
    source_map: SourceMap
    rank: int = 0
    contract: Any = None  # the node's Contract: its calculator's, or what a container derives per node

    def __post_init__(self) -> None:
        if self.contract is None:
            self.contract = self.cls.contract

    @property
    def input_stream_handler(self) -> str:
        """The name of the node's input stream handler."""
        return self.handler.name


@dataclass
class ValidatedGraph:
    """A graph config that passed every check; what the scheduler runs."""

    nodes: list[NodeSpec]
    input_streams: list[StreamRef]
    output_streams: list[StreamRef]
    input_side_packets: list[StreamRef]
    output_side_packets: list[StreamRef]
    num_threads: int
    max_queue_size: int
    executors: dict[str, int]
    producers: dict[str, tuple[int, int]] = field(default_factory=dict)  # stream -> (node, output slot)
    file: str = "<string>"


def parse_refs(entries: list[str], where: SourceMap, key: Key, field_name: str,
               problems: list[ConfigProblem]) -> list[StreamRef]:
    """Parses ``TAG:index:name`` entries; untagged entries and repeated tags are indexed in order."""
    refs = []
    counters: dict[str, int] = {}
    for i, entry in enumerate(entries):
        m = _REF.match(entry)
        if not m:
            problems.append(where.problem(key + (field_name, i),
                f"bad {field_name} entry {entry!r}: expected 'TAG:index:name', 'TAG:name' or 'name' "
                "(tag [A-Z_][A-Z0-9_]*, name [a-z_][a-z0-9_]*)"))
            continue
        tag, index, name = m.group(1) or "", m.group(2), m.group(3)
        idx = int(index) if index is not None else counters.get(tag, 0)
        counters[tag] = max(counters.get(tag, 0), idx + 1)
        if any(r.tag == tag and r.index == idx for r in refs):
            problems.append(where.problem(key + (field_name, i), f"{field_name} {entry!r}: tag "
                                          f"{tag or '(untagged)'} index {idx} is connected twice"))
            continue
        refs.append(StreamRef(tag, idx, name))
    return refs


def _check_ports(refs: list[StreamRef], declared: dict, what: str, node: str, calc: str,
                 where: SourceMap, key: Key, field_name: str, problems: list[ConfigProblem]) -> None:
    for i, r in enumerate(refs):
        port = declared.get(r.tag)
        if port is None:
            shown = ", ".join(repr(t) if t else "(untagged)" for t in declared) or "none"
            problems.append(where.problem(key + (field_name, i),
                f"node {node!r}: {calc} has no {what} tag {r.tag or '(untagged)'!r} (it takes: {shown})"))
        elif r.index > 0 and not port.repeated:
            problems.append(where.problem(key + (field_name, i),
                f"node {node!r}: {calc} takes only one {what} for tag {r.tag or '(untagged)'!r}"))
    connected = {r.tag for r in refs}
    for tag, port in declared.items():
        if not port.optional and tag not in connected:
            problems.append(where.problem(key, f"node {node!r}: {calc} needs {what} "
                                          f"{tag or '(untagged)'!r}, which is not connected"))


def node_options(cls: type[Calculator], node: Any, plain: dict | None = None) -> Any:
    """The options dataclass instance a node config gives calculator ``cls`` (``None`` when the
    calculator takes none): from ``options`` extensions, ``node_options`` Anys or YAML's plain
    mapping ``plain``; defaults where none is given.

    Raises:
        TypeError, ValueError: options of another message, unknown fields, wrong types (the message
            says which).
    """
    opts_cls = cls.contract.options
    given = [fd.full_name for fd, _ in node.options.ListFields() if fd.is_extension] if node.HasField("options") else []
    anys = [a.TypeName() for a in node.node_options]
    if opts_cls is None:
        if given or anys or plain:
            raise TypeError(f"{cls.name} takes no options")
        return None
    om = options_message(opts_cls)
    for ext_name in given:
        if ext_name != om.extension.full_name:
            raise TypeError(f"options [{ext_name}] given to {cls.name}, which takes {om.full_name}")
    for type_name in anys:
        if type_name != om.full_name:
            raise TypeError(f"node_options {type_name} given to {cls.name}, which takes {om.full_name}")
    if plain is not None:
        return from_mapping(opts_cls, plain, "options")
    if given:
        return from_message(opts_cls, node.options.Extensions[om.extension])
    if anys:
        msg = om.message_class()
        node.node_options[0].Unpack(msg)
        return from_message(opts_cls, msg)
    return opts_cls()


def _node_options(spec_cls: type[Calculator], node: Any, plain: dict | None, name: str,
                  where: SourceMap, key: Key, problems: list[ConfigProblem]) -> Any:
    try:
        return node_options(spec_cls, node, plain)
    except (TypeError, ValueError) as e:
        problems.append(where.problem(key + ("options", 0), f"node {name!r}: {e}"))
        return None


def validate(loaded: LoadedConfig) -> ValidatedGraph:
    """Checks a loaded (and subgraph-expanded) config and builds the graph description.

    Raises:
        GraphConfigError: listing every problem found, each with file, line and column.
    """
    config, smap = loaded.config, loaded.source_map
    problems: list[ConfigProblem] = []
    nodes: list[NodeSpec] = []
    node_maps = loaded.node_sources

    graph_inputs = parse_refs(list(config.input_stream), smap, (), "input_stream", problems)
    graph_outputs = parse_refs(list(config.output_stream), smap, (), "output_stream", problems)
    graph_side_in = parse_refs(list(config.input_side_packet), smap, (), "input_side_packet", problems)
    graph_side_out = parse_refs(list(config.output_side_packet), smap, (), "output_side_packet", problems)
    executors: dict[str, int] = {}
    for i, ex in enumerate(config.executor):
        threads = 0
        if ex.options.ListFields():
            threads = ex.options.Extensions[ThreadPoolExecutorOptions.DESCRIPTOR.extensions_by_name["ext"]].num_threads
        executors[ex.name] = threads

    names = canonical_node_names(list(config.node))
    unchecked_outputs: set[str] = set()  # outputs of nodes that could not be checked (unknown calculator, ...)
    for i, node in enumerate(config.node):
        where, key = node_maps.get(i, (smap, ("node", i)))
        name = names[i]
        if not node.calculator:
            problems.append(where.problem(key, f"node {i} has no calculator"))
            continue
        cls = get_calculator(node.calculator)
        if cls is None:
            close = closest_calculators(node.calculator, extra=loaded.subgraph_types)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            problems.append(where.problem(key + ("calculator", 0),
                                          f"unknown calculator {node.calculator!r}{hint}"))
            for field_name in ("output_stream", "output_side_packet"):
                unchecked_outputs |= {r.name for r in parse_refs(list(getattr(node, field_name)), where, key,
                                                               field_name, [])}
            continue
        if unparsed := where.unparsed_options.get(key):
            problems.append(where.problem(key + ("options", 0), f"node {name!r}: unknown options "
                                          f"[{', '.join(unparsed)}] for {node.calculator}"))
        n_problems = len(problems)
        options = _node_options(cls, node, loaded.plain_options.get(i), name, where, key, problems)
        inputs = parse_refs(list(node.input_stream), where, key, "input_stream", problems)
        outputs = parse_refs(list(node.output_stream), where, key, "output_stream", problems)
        side_in = parse_refs(list(node.input_side_packet), where, key, "input_side_packet", problems)
        side_out = parse_refs(list(node.output_side_packet), where, key, "output_side_packet", problems)
        c = cls.contract
        node_contract = getattr(cls, "node_contract", None)
        if node_contract is not None and options is not None:
            try:
                c = node_contract(node, options)
            except ValueError as e:
                problems.extend(where.problem(key + ("options", 0), f"node {name!r}: {line}")
                                for line in str(e).split("\n"))
                unchecked_outputs |= {r.name for r in outputs + side_out}
                continue
        _check_ports(inputs, dict(c.inputs), "input stream", name, cls.name, where, key, "input_stream", problems)
        _check_ports(outputs, dict(c.outputs), "output stream", name, cls.name, where, key, "output_stream", problems)
        _check_ports(side_in, dict(c.input_side_packets), "input side packet", name, cls.name, where, key,
                     "input_side_packet", problems)
        _check_ports(side_out, dict(c.output_side_packets), "output side packet", name, cls.name, where, key,
                     "output_side_packet", problems)
        back = set()
        for j, info in enumerate(node.input_stream_info):
            port = parse_tag_index(info.tag_index)
            if port not in {(r.tag, r.index) for r in inputs}:
                problems.append(where.problem(key + ("input_stream_info", j),
                                              f"node {name!r}: input_stream_info names {info.tag_index!r}, "
                                              "which is not one of its input streams"))
            elif info.back_edge:
                back.add(port)
        inputs = [StreamRef(r.tag, r.index, r.name, (r.tag, r.index) in back) for r in inputs]
        # The node's own entry, else the graph's (for calculators that keep the default handler),
        # else the calculator's choice.
        chosen = node.input_stream_handler
        if not chosen.input_stream_handler and c.input_stream_handler == "DefaultInputStreamHandler":
            chosen = config.input_stream_handler
        handler_name = chosen.input_stream_handler or c.input_stream_handler
        handler = get_input_stream_handler(handler_name)
        if handler is None:
            problems.append(where.problem(key + ("input_stream_handler", 0),
                                          f"node {name!r}: unknown input stream handler {handler_name!r} "
                                          f"(registered: {', '.join(registered_input_stream_handlers())})"))
        if node.executor and node.executor not in executors:
            problems.append(where.problem(key + ("executor", 0), f"node {name!r}: unknown executor "
                                          f"{node.executor!r} (declared: {', '.join(executors) or 'none'})"))
        if node.max_in_flight < 0:
            problems.append(where.problem(key + ("max_in_flight", 0), f"node {name!r}: max_in_flight must be "
                                          f"at least 1 (0 means the default, 1), got {node.max_in_flight}"))
        if len(problems) == n_problems:
            nodes.append(NodeSpec(name, node.calculator, cls, inputs, outputs, side_in, side_out, options,
                                  handler, chosen.options if chosen.input_stream_handler else MediaPipeOptions(),
                                  node.executor, node.max_in_flight or 1, key, where, contract=c))

    producers: dict[str, tuple[int, int]] = {}
    for i, r in enumerate(graph_inputs):
        if r.name in producers:
            problems.append(smap.problem(("input_stream", i), f"graph input_stream {r.name!r} is declared twice"))
        producers[r.name] = (-1, 0)
    for n_idx, n in enumerate(nodes):
        for slot, r in enumerate(n.outputs):
            if r.name in producers:
                other = "a graph input stream" if producers[r.name][0] < 0 else f"node {nodes[producers[r.name][0]].name!r}"
                problems.append(n.source_map.problem(n.key + ("output_stream", slot),
                                f"stream {r.name!r} is produced twice: by node {n.name!r} and by {other}"))
            else:
                producers[r.name] = (n_idx, slot)
    for n in nodes:
        for slot, r in enumerate(n.inputs):
            if r.name not in producers and r.name not in unchecked_outputs:
                problems.append(n.source_map.problem(n.key + ("input_stream", slot),
                                f"node {n.name!r} reads stream {r.name!r}, which no node produces "
                                "and which is not a graph input_stream"))
    for i, r in enumerate(graph_outputs):
        if r.name not in producers and r.name not in unchecked_outputs:
            problems.append(smap.problem(("output_stream", i), f"graph output_stream {r.name!r} is not produced by any node"))
    side_producers = ({r.name for r in graph_side_in} | {r.name for n in nodes for r in n.side_outputs}
                      | unchecked_outputs)
    for i, r in enumerate(graph_side_out):
        if r.name not in side_producers:
            problems.append(smap.problem(("output_side_packet", i),
                                         f"graph output_side_packet {r.name!r} is not produced by any node"))

    if not problems:
        _rank_nodes(nodes, producers, problems)
    if problems:
        raise GraphConfigError(problems=problems)
    return ValidatedGraph(nodes, graph_inputs, graph_outputs, graph_side_in, graph_side_out,
                          max(config.num_threads, 0), config.max_queue_size or 100, executors, producers,
                          smap.file)


def _rank_nodes(nodes: list[NodeSpec], producers: dict[str, tuple[int, int]],
                problems: list[ConfigProblem]) -> None:
    """Topological ranks over non-back-edge streams (Kahn); a remaining cycle is a config error."""
    preds: list[set[int]] = [set() for _ in nodes]
    for i, n in enumerate(nodes):
        for r in n.inputs:
            p = producers[r.name][0]
            if p >= 0 and not r.back_edge:
                preds[i].add(p)
    succs: list[list[int]] = [[] for _ in nodes]
    for i, ps in enumerate(preds):
        for p in ps:
            succs[p].append(i)
    remaining = [len(ps) for ps in preds]
    frontier = [i for i, k in enumerate(remaining) if k == 0]
    rank = 0
    while frontier:
        nxt = []
        for i in frontier:
            nodes[i].rank = rank
            for s in succs[i]:
                remaining[s] -= 1
                if remaining[s] == 0:
                    nxt.append(s)
        frontier, rank = nxt, rank + 1
    stuck = [i for i, k in enumerate(remaining) if k > 0]
    if stuck:
        cycle_nodes = ", ".join(repr(nodes[i].name) for i in stuck)
        first = nodes[stuck[0]]
        slot = next(s for s, r in enumerate(first.inputs)
                    if not r.back_edge and producers[r.name][0] in stuck)
        problems.append(first.source_map.problem(first.key + ("input_stream", slot),
            f"cycle without a back edge through nodes {cycle_nodes}: mark the stream that closes it with "
            f"input_stream_info {{ tag_index: \"{first.inputs[slot].tag_index}\" back_edge: true }}"))
