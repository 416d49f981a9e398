"""posegraph: MediaPipe's calculator-graph model in Python.

The public surface: build a :class:`Graph` from a ``.pbtxt``/``.yaml`` config, write calculators by
subclassing :class:`Calculator` and declaring a :class:`Contract`, register them with
:func:`register_calculator`. Every error posegraph raises derives from :class:`PosegraphError`.
``posegraph.batch.run`` runs a graph over many videos and images (imported on first use).
"""

from posegraph.framework.calculator import Calculator, CalculatorContext, Contract, Port, Stop
from posegraph.framework.config.loader import LoadedConfig, load_config, parse_config
from posegraph.framework.errors import (CalculatorError, ConfigProblem, GraphConfigError, GraphRunError, MediaError,
                              ModelError, PosegraphError, SidePacketError)
from posegraph.framework.graph import Graph, OutputStreamPoller
from posegraph.framework.packet import Packet
from posegraph.framework.registry import get_calculator, register_calculator, registered_calculators
from posegraph.framework.timestamp import Timestamp

__version__ = "0.1.0"


def __getattr__(name: str) -> object:
    # posegraph.batch (the app layer's batch runner) is imported on first use, keeping this import light.
    if name == "batch":
        import posegraph.batch

        return posegraph.batch
    raise AttributeError(f"module 'posegraph' has no attribute {name!r}")

__all__ = [
    "Calculator", "CalculatorContext", "CalculatorError", "ConfigProblem", "Contract", "Graph",
    "GraphConfigError", "GraphRunError", "LoadedConfig", "MediaError", "ModelError", "OutputStreamPoller",
    "Packet", "Port", "PosegraphError", "SidePacketError", "Stop", "Timestamp", "get_calculator",
    "load_config", "parse_config", "register_calculator", "registered_calculators",
]
