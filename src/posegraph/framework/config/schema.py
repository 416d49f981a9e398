"""The graph-config schema as protobuf message classes (MediaPipe's CalculatorGraphConfig subset).

The descriptors live in protobuf's default pool, so MediaPipe's text-format extension syntax
(``[mediapipe.FooOptions.ext]``) and ``google.protobuf.Any`` expansion
(``[type.googleapis.com/mediapipe.FooOptions]``) resolve against them and against the option
messages posegraph derives from each calculator's options dataclass (see ``posegraph.framework.options``).
"""

from __future__ import annotations

from google.protobuf import any_pb2  # noqa: F401  (registers google/protobuf/any.proto)
from google.protobuf import descriptor_pool, message_factory

from posegraph.framework.config.descriptors import FILES

_pool = descriptor_pool.Default()
for _serialized in FILES:
    _pool.AddSerializedFile(_serialized)


def message_class(name: str) -> type:
    """The message class of protobuf type ``name`` (e.g. ``"mediapipe.GateCalculatorOptions"``) in the
    default pool. Raises KeyError for a type the pool does not hold."""
    return message_factory.GetMessageClass(_pool.FindMessageTypeByName(name))


CalculatorGraphConfig = message_class("mediapipe.CalculatorGraphConfig")
CalculatorOptions = message_class("mediapipe.CalculatorOptions")
MediaPipeOptions = message_class("mediapipe.MediaPipeOptions")
InputStreamHandlerConfig = message_class("mediapipe.InputStreamHandlerConfig")
InputStreamInfo = message_class("mediapipe.InputStreamInfo")
ExecutorConfig = message_class("mediapipe.ExecutorConfig")
FixedSizeInputStreamHandlerOptions = message_class("mediapipe.FixedSizeInputStreamHandlerOptions")
ThreadPoolExecutorOptions = message_class("mediapipe.ThreadPoolExecutorOptions")

__all__ = ["CalculatorGraphConfig", "CalculatorOptions", "MediaPipeOptions", "InputStreamHandlerConfig",
           "InputStreamInfo", "ExecutorConfig", "FixedSizeInputStreamHandlerOptions",
           "ThreadPoolExecutorOptions"]
