"""Drawing a graph (``posegraph show``): Graphviz DOT of the expanded, validated graph.

The picture follows MediaPipe's visualizer: one box per node (its name and calculator), one arrow
per stream labelled with the stream's name and with the output and input tags at its two ends,
graph input and output streams as distinct shapes, side packets as notes on dashed arrows, and back
edges dashed in red, left out of the layout's ranking so that loops draw upwards.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

from posegraph.framework.errors import PosegraphError
from posegraph.framework.validated_graph import StreamRef, ValidatedGraph

if TYPE_CHECKING:
    from posegraph.framework.graph import Graph

BACK_EDGE_COLOR = "#d62728"
SIDE_PACKET_COLOR = "#7f7f7f"
RENDERED_FORMATS = ("svg", "png", "pdf")


def _quote(text: str) -> str:
    """A DOT double-quoted string."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _attrs(**attrs: str | None) -> str:
    return "[" + ", ".join(f"{k}={_quote(v)}" for k, v in attrs.items() if v is not None) + "]"


def _tag(ref: StreamRef) -> str | None:
    """The tag shown at an arrow's end: ``TAG`` or ``TAG:i``; nothing for untagged index 0."""
    return ref.tag_index or None


def to_dot(graph: "Graph | ValidatedGraph", name: str | None = None) -> str:
    """The graph as Graphviz DOT text, one statement per line.

    Node ids are ``node<i>`` (i the node's index in the expanded graph), ``input:<stream>``,
    ``output:<stream>`` and ``side:<packet>``. Edges carry the stream name as ``label`` and the tags
    as ``taillabel``/``headlabel``; back edges have ``style="dashed"``, ``constraint="false"`` and
    ``color`` :data:`BACK_EDGE_COLOR`; side packet edges are dashed and grey.

    Args:
        graph: a :class:`~posegraph.Graph` (its validated graph is drawn) or a :class:`ValidatedGraph`.
        name: the DOT graph's name (default: the config file's stem).
    """
    v: ValidatedGraph = graph if isinstance(graph, ValidatedGraph) else graph.validated
    title = name if name is not None else Path(v.file).stem
    lines = [f"digraph {_quote(title)} {{",
             '  graph [rankdir="TB", fontname="Helvetica"];',
             '  node [shape="box", style="rounded", fontname="Helvetica"];',
             '  edge [fontname="Helvetica", fontsize="10"];']

    for r in v.input_streams:
        lines.append(f"  {_quote('input:' + r.name)} {_attrs(label=r.name, shape='invhouse', style='filled', fillcolor='#e8f0fe')};")
    for r in v.output_streams:
        lines.append(f"  {_quote('output:' + r.name)} {_attrs(label=r.name, shape='house', style='filled', fillcolor='#e6f4ea')};")
    for i, n in enumerate(v.nodes):
        label = n.calculator if n.name == n.calculator else f"{n.name}\n{n.calculator}"
        lines.append(f"  {_quote(f'node{i}')} {_attrs(label=label)};")

    def producer(stream: str) -> tuple[str, str | None]:
        index, slot = v.producers[stream]
        if index < 0:
            return f"input:{stream}", _tag(next(r for r in v.input_streams if r.name == stream))
        return f"node{index}", _tag(v.nodes[index].outputs[slot])

    for i, n in enumerate(v.nodes):
        for r in n.inputs:
            tail, tail_tag = producer(r.name)
            if r.back_edge:
                style = dict(style="dashed", constraint="false", color=BACK_EDGE_COLOR, fontcolor=BACK_EDGE_COLOR)
            else:
                style = {}
            lines.append(f"  {_quote(tail)} -> {_quote(f'node{i}')} "
                         f"{_attrs(label=r.name, taillabel=tail_tag, headlabel=_tag(r), **style)};")
    for r in v.output_streams:
        tail, tail_tag = producer(r.name)
        lines.append(f"  {_quote(tail)} -> {_quote('output:' + r.name)} "
                     f"{_attrs(label=r.name, taillabel=tail_tag, headlabel=_tag(r))};")

    side_style = dict(style="dashed", color=SIDE_PACKET_COLOR, fontcolor=SIDE_PACKET_COLOR)
    side_names: dict[str, None] = {}  # in order of first mention
    for r in v.input_side_packets:
        side_names[r.name] = None
    for n in v.nodes:
        for r in n.side_outputs + n.side_inputs:
            side_names[r.name] = None
    outer = {r.name for r in v.input_side_packets} | {r.name for r in v.output_side_packets}
    for packet in side_names:
        shape_style = "filled" if packet in outer else "dashed"
        lines.append(f"  {_quote('side:' + packet)} {_attrs(label=packet, shape='note', style=shape_style, fillcolor='#fef7e0', color=SIDE_PACKET_COLOR)};")
    for i, n in enumerate(v.nodes):
        for r in n.side_outputs:
            lines.append(f"  {_quote(f'node{i}')} -> {_quote('side:' + r.name)} {_attrs(taillabel=_tag(r), **side_style)};")
        for r in n.side_inputs:
            lines.append(f"  {_quote('side:' + r.name)} -> {_quote(f'node{i}')} {_attrs(headlabel=_tag(r), **side_style)};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def render(dot: str, path: str | Path) -> Path:
    """Writes DOT text to ``path``: as is for ``.dot``/``.gv``, else rendered by Graphviz's ``dot``.

    Raises:
        PosegraphError: the suffix is not ``.dot``, ``.gv``, ``.svg``, ``.png`` or ``.pdf``; Graphviz's
            ``dot`` program is not installed (install Graphviz, or write a ``.dot`` file); or ``dot``
            failed (its message is included).
    """
    path = Path(path)
    suffix = path.suffix.lower().lstrip(".")
    if suffix in ("dot", "gv"):
        path.write_text(dot, encoding="utf-8")
        return path
    if suffix not in RENDERED_FORMATS:
        raise PosegraphError(f"cannot draw a graph as {path.name!r}: use a .dot, .gv, "
                             f"{', '.join('.' + f for f in RENDERED_FORMATS)} file")
    program = shutil.which("dot")
    if program is None:
        raise PosegraphError(f"cannot write {path}: Graphviz's 'dot' program is not installed. Install Graphviz "
                             "(e.g. 'apt install graphviz' or 'brew install graphviz'), or write a .dot file and "
                             "render it elsewhere")
    try:
        subprocess.run([program, f"-T{suffix}", "-o", str(path)], input=dot, text=True, capture_output=True,
                       check=True)
    except subprocess.CalledProcessError as e:
        raise PosegraphError(f"Graphviz's dot failed to write {path}: {e.stderr.strip() or e}") from e
    except OSError as e:
        raise PosegraphError(f"cannot run Graphviz's dot ({program}): {e}") from e
    return path
