"""A calculator that fails (or dawdles) on cue, and a driver that runs `posegraph run` with it.

Imported by the robustness tests, and run as a script in a subprocess::

    python fault_calculators.py out=FAULTY.pbtxt fail=process at=600000 delay=0.2 -- run GRAPH --input ...

The script writes to FAULTY.pbtxt a copy of GRAPH whose IMAGE input goes through a ``FaultCalculator`` node named
``fault`` before anything else reads it, then calls ``posegraph.app.cli.main`` with the remaining
arguments (GRAPH replaced by that copy) and exits with its status.
"""

from __future__ import annotations

import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from posegraph import Calculator, CalculatorContext, Contract, Port, register_calculator


class InjectedFault(RuntimeError):
    """What a FaultCalculator raises."""


@dataclass(frozen=True)
class FaultCalculatorOptions:
    """fail: "open", "process", "close" or "" (never); at: the input timestamp (microseconds)
    from which process fails; delay: seconds each process call sleeps first."""

    fail: str = ""
    at: int = 0
    delay: float = 0.0


@register_calculator
class FaultCalculator(Calculator):
    """Passes its input through; raises InjectedFault in the method options.fail names."""

    contract = Contract(inputs={"": Port(object)}, outputs={"": Port(object)}, options=FaultCalculatorOptions)

    def open(self, cc: CalculatorContext) -> None:
        if cc.options.fail == "open":
            raise InjectedFault("injected fault in open")

    def process(self, cc: CalculatorContext) -> None:
        if cc.options.delay:
            time.sleep(cc.options.delay)
        if cc.options.fail == "process" and cc.input_timestamp >= cc.options.at:
            raise InjectedFault(f"injected fault at {cc.input_timestamp}")
        cc.send_packet("", cc.input(""))

    def close(self, cc: CalculatorContext) -> None:
        if cc.options.fail == "close":
            raise InjectedFault("injected fault in close")


def with_fault_node(graph_text: str, fail: str = "", at: int = 0, delay: float = 0.0) -> str:
    """``graph_text`` (pbtxt, IMAGE input stream ``image``) with a FaultCalculator between the graph
    input and every node that reads ``image``."""
    text, count = re.subn(r'^input_stream: "IMAGE:image"$', 'input_stream: "IMAGE:raw_image"', graph_text,
                          count=1, flags=re.MULTILINE)
    assert count == 1, "the graph has no top-level input_stream \"IMAGE:image\""
    options = f'fail: "{fail}" at: {at} delay: {delay}'
    return text + f'''
node {{
  name: "fault"
  calculator: "FaultCalculator"
  input_stream: "raw_image"
  output_stream: "image"
  options: {{ [mediapipe.FaultCalculatorOptions.ext] {{ {options} }} }}
}}
'''


def main(argv: list[str]) -> int:
    from posegraph.app.cli import main as cli_main

    split = argv.index("--")
    settings = dict(item.split("=", 1) for item in argv[:split])
    cli_args = argv[split + 1:]
    graph = Path(cli_args[1])
    faulty = Path(settings["out"])
    faulty.write_text(with_fault_node(graph.read_text(), settings.get("fail", ""), int(settings.get("at", 0)),
                                      float(settings.get("delay", 0.0))))
    cli_args[1] = str(faulty)
    return cli_main(cli_args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
