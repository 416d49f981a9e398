"""SwitchContainer (MediaPipe's ``framework/tool/switch_container.cc``): one node standing for one
of several contained calculators, chosen per run.

A graph writes it as MediaPipe does::

    node {
      calculator: "SwitchContainer"
      input_side_packet: "SELECT:model_complexity"     # or ENABLE:<bool>; else the options choose
      output_side_packet: "PACKET:model_path"
      options: { [mediapipe.SwitchContainerOptions.ext] {
        select: 1                                      # or enable: true (channel 1)
        contained_node: { calculator: "ConstantSidePacketCalculator" options: { ... } }
        contained_node: { ... }
      } }
    }

Every contained node gets the container's streams and side packets by tag (less ``SELECT`` and
``ENABLE``), so each must declare every tag the container connects. The channel is side packet
``SELECT`` (an int), else ``ENABLE`` (a bool: channel 1 when true), else options ``select``, else
options ``enable``. MediaPipe expands the container into a SwitchDemux/SwitchMux pair around all
contained nodes; here the node runs the chosen calculator alone, which behaves the same for a
selection fixed for the run. Selecting by input stream (a channel per timestamp), contained
subgraphs and the ``synchronize_io``/``async_selection``/``tick_input_stream`` options are not
supported and are reported as config errors.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from posegraph.framework.calculator import Calculator, CalculatorContext, Contract, Port
from posegraph.framework.config.schema import CalculatorGraphConfig
from posegraph.framework.options import proto_field

_SELECTORS = ("SELECT", "ENABLE")


@dataclass(frozen=True)
class SwitchContainerOptions:
    """MediaPipe's ``SwitchContainerOptions`` (``tool/switch_container.proto``), field for field."""

    __proto_ext_number__ = 345967970

    contained_node: tuple[CalculatorGraphConfig.Node, ...] = proto_field(2, ())
    select: int = proto_field(3, 0)
    enable: bool = proto_field(4, False)
    synchronize_io: bool = proto_field(5, False)
    async_selection: bool = proto_field(6, False)
    tick_input_stream: tuple[str, ...] = proto_field(7, ())


def _contained(options: SwitchContainerOptions) -> list[tuple[type[Calculator], Any]]:
    """Each contained node's calculator class and options.

    Raises:
        ValueError: one line per problem (unknown calculator, a subgraph, bad options, streams
            written on a contained node, options the container does not support).
    """
    from posegraph.framework.registry import get_calculator
    from posegraph.framework.validated_graph import node_options

    problems = []
    for name in ("synchronize_io", "async_selection"):
        if getattr(options, name):
            problems.append(f"SwitchContainer option {name} is not supported")
    if options.tick_input_stream:
        problems.append("SwitchContainer option tick_input_stream is not supported")
    if not options.contained_node:
        problems.append("SwitchContainer needs at least one contained_node")
    out = []
    for i, node in enumerate(options.contained_node):
        cls = get_calculator(node.calculator)
        if cls is None:
            problems.append(f"unknown calculator {node.calculator!r} (contained_node {i} of SwitchContainer)")
            continue
        if any(getattr(node, f) for f in ("input_stream", "output_stream", "input_side_packet", "output_side_packet")):
            problems.append(f"contained_node {i} ({node.calculator}) names streams or side packets: a contained "
                            "node takes the container's")
        try:
            out.append((cls, node_options(cls, node)))
        except (TypeError, ValueError) as e:
            problems.append(f"contained_node {i} ({node.calculator}): {e}")
    if problems:
        raise ValueError("\n".join(problems))
    return out


class SwitchContainer(Calculator):
    """Runs the contained calculator the ``SELECT``/``ENABLE`` side packet or the options choose.

    Its ports are those of the contained calculators (see :meth:`node_contract`), plus optional
    side packets ``SELECT`` (int) and ``ENABLE`` (bool).

    Raises (in ``open``, reported as CalculatorError):
        ValueError: the channel chosen is not one of the contained nodes.
    """

    contract = Contract(input_side_packets={"SELECT": Port(int, optional=True, doc="channel to run"),
                                            "ENABLE": Port(bool, optional=True, doc="true: channel 1")},
                        options=SwitchContainerOptions)

    @classmethod
    def node_contract(cls, node: Any, options: SwitchContainerOptions) -> Contract:
        """The contract of one SwitchContainer node: the contained calculators' ports (each
        contained calculator must take every tag the node connects) and their scheduling, which
        must agree.

        Raises:
            ValueError: one line per problem.
        """
        contained = _contained(options)
        problems = []
        if any(entry.split(":")[0] in _SELECTORS for entry in node.input_stream):
            problems.append("SwitchContainer selects by input side packet or options; selecting by "
                            "input stream (SELECT/ENABLE streams) is not supported")
        first = contained[0][0].contract
        merged: dict[str, dict[str, Port]] = {"inputs": {}, "outputs": {}, "input_side_packets": dict(cls.contract.input_side_packets),
                                              "output_side_packets": {}}
        fields = {"inputs": "input_stream", "outputs": "output_stream", "input_side_packets": "input_side_packet",
                  "output_side_packets": "output_side_packet"}
        for calc, _ in contained:
            c = calc.contract
            for attr in ("input_stream_handler", "timestamp_offset", "process_timestamp_bounds"):
                if getattr(c, attr) != getattr(first, attr):
                    problems.append(f"contained calculators {contained[0][0].name} and {calc.name} differ in "
                                    f"{attr}; a SwitchContainer runs them alike")
            for kind, field_name in fields.items():
                declared = getattr(c, kind)
                for entry in getattr(node, field_name):
                    tag = entry.split(":")[0] if ":" in entry else ""
                    if kind == "input_side_packets" and tag in _SELECTORS:
                        continue
                    if tag not in declared:
                        problems.append(f"contained calculator {calc.name} has no {field_name.replace('_', ' ')} "
                                        f"tag {tag or '(untagged)'!r}")
                for tag, port in declared.items():
                    merged[kind].setdefault(tag, port)
        if problems:
            raise ValueError("\n".join(dict.fromkeys(problems)))
        return Contract(inputs=merged["inputs"], outputs=merged["outputs"],
                        input_side_packets=merged["input_side_packets"],
                        output_side_packets=merged["output_side_packets"], options=SwitchContainerOptions,
                        input_stream_handler=first.input_stream_handler, timestamp_offset=first.timestamp_offset,
                        process_timestamp_bounds=first.process_timestamp_bounds)

    def open(self, cc: CalculatorContext) -> None:
        options: SwitchContainerOptions = cc.options
        contained = _contained(options)
        if ("SELECT", 0) in cc.side_inputs:
            channel = int(cc.side_input("SELECT"))
        elif ("ENABLE", 0) in cc.side_inputs:
            channel = int(bool(cc.side_input("ENABLE")))
        else:
            channel = 1 if options.enable else options.select
        if not 0 <= channel < len(contained):
            raise ValueError(f"SwitchContainer: channel {channel} selected, but it contains "
                                  f"{len(contained)} node(s) (channels 0 to {len(contained) - 1})")
        calc, calc_options = contained[channel]
        self.inner = calc()
        cc.options = calc_options
        self.inner.open(cc)

    def process(self, cc: CalculatorContext) -> Any:
        return self.inner.process(cc)

    def close(self, cc: CalculatorContext) -> None:
        inner = getattr(self, "inner", None)
        if inner is not None:
            inner.close(cc)
