"""posegraph: MediaPipe's calculator-graph model in Python.

The public surface: build a :class:`Graph` from a ``.pbtxt``/``.yaml`` config, write calculators by
subclassing :class:`Calculator` and declaring a :class:`Contract`, register them with
:func:`register_calculator`, and input stream handlers with :func:`register_input_stream_handler`.
Every error posegraph raises derives from :class:`PosegraphError`.

Each name is imported from its ``posegraph.framework`` module on first use, so importing a
calculator module (``posegraph.calculators...``) does not load the scheduler or the config parser.

The layers (ARCHITECTURE.md): the engine is ``posegraph.framework`` behind this surface, with
``posegraph.testing`` beside it; the calculators (``posegraph.calculators``) import only the engine;
the application (``posegraph.app``, ``posegraph.solutions``, ...) imports both. Application
packages reachable as attributes are imported on first use too: ``posegraph.solutions`` is
MediaPipe's ``mp.solutions`` (pose, drawing_utils, drawing_styles), so that ``import posegraph as
mp`` can replace ``import mediapipe as mp`` without importing OpenCV before it is needed;
``posegraph.tasks`` is MediaPipe's Tasks API (``tasks.vision.PoseLandmarker``); ``posegraph.batch``
runs a graph over many videos and images (``posegraph.batch.run``).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# Public name -> the engine module that defines it.
_EXPORTS = {
    "Calculator": "calculator", "CalculatorContext": "calculator", "Contract": "calculator", "Port": "calculator",
    "Stop": "calculator",
    "LoadedConfig": "config.loader", "load_config": "config.loader", "parse_config": "config.loader",
    "CalculatorError": "errors", "ConfigProblem": "errors", "GraphConfigError": "errors", "GraphRunError": "errors",
    "MediaError": "errors", "ModelError": "errors", "PosegraphError": "errors", "SidePacketError": "errors",
    "Graph": "graph", "OutputStreamPoller": "graph",
    "Packet": "packet",
    "get_calculator": "registry", "register_calculator": "registry", "registered_calculators": "registry",
    "InputStreamHandler": "stream_handlers", "register_input_stream_handler": "stream_handlers",
    "Timestamp": "timestamp",
}

# Application packages reachable as ``posegraph.<name>``, imported on first use.
_SUBPACKAGES = ("solutions", "tasks", "batch")

__all__ = sorted(_EXPORTS)

if TYPE_CHECKING:
    from posegraph.framework.calculator import Calculator, CalculatorContext, Contract, Port, Stop
    from posegraph.framework.config.loader import LoadedConfig, load_config, parse_config
    from posegraph.framework.errors import (CalculatorError, ConfigProblem, GraphConfigError, GraphRunError,
                                            MediaError, ModelError, PosegraphError, SidePacketError)
    from posegraph.framework.graph import Graph, OutputStreamPoller
    from posegraph.framework.packet import Packet
    from posegraph.framework.registry import get_calculator, register_calculator, registered_calculators
    from posegraph.framework.stream_handlers import InputStreamHandler, register_input_stream_handler
    from posegraph.framework.timestamp import Timestamp


def __getattr__(name: str) -> Any:
    """A public name (or application package), imported when first used (PEP 562)."""
    if name in _SUBPACKAGES:
        return importlib.import_module(f"posegraph.{name}")
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'posegraph' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"posegraph.framework.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS) | set(_SUBPACKAGES))
