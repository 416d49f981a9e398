"""posegraph: MediaPipe's calculator-graph model in Python.

The public surface: build a :class:`Graph` from a ``.pbtxt``/``.yaml`` config, write calculators by
subclassing :class:`Calculator` and declaring a :class:`Contract`, register them with
:func:`register_calculator`. Every error posegraph raises derives from :class:`PosegraphError`.

``posegraph.solutions`` is MediaPipe's ``mp.solutions`` (pose, drawing_utils, drawing_styles), so
that ``import posegraph as mp`` can replace ``import mediapipe as mp``. It belongs to the
application layer and is imported on first use (:func:`__getattr__`): importing posegraph loads
the engine only, not OpenCV nor the calculators.
"""

import importlib
from typing import Any

from posegraph.framework.calculator import Calculator, CalculatorContext, Contract, Port, Stop
from posegraph.framework.config.loader import LoadedConfig, load_config, parse_config
from posegraph.framework.errors import (CalculatorError, ConfigProblem, GraphConfigError, GraphRunError, MediaError,
                              ModelError, PosegraphError, SidePacketError)
from posegraph.framework.graph import Graph, OutputStreamPoller
from posegraph.framework.packet import Packet
from posegraph.framework.registry import get_calculator, register_calculator, registered_calculators
from posegraph.framework.timestamp import Timestamp

__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    """``posegraph.solutions``, imported when first used (PEP 562)."""
    if name == "solutions":
        return importlib.import_module("posegraph.solutions")
    raise AttributeError(f"module 'posegraph' has no attribute {name!r}")


__all__ = [
    "Calculator", "CalculatorContext", "CalculatorError", "ConfigProblem", "Contract", "Graph",
    "GraphConfigError", "GraphRunError", "LoadedConfig", "MediaError", "ModelError", "OutputStreamPoller",
    "Packet", "Port", "PosegraphError", "SidePacketError", "Stop", "Timestamp", "get_calculator",
    "load_config", "parse_config", "register_calculator", "registered_calculators",
]
