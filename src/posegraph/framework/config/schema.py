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


def _message(name: str) -> type:
    return message_factory.GetMessageClass(_pool.FindMessageTypeByName(name))


CalculatorGraphConfig = _message("mediapipe.CalculatorGraphConfig")
CalculatorOptions = _message("mediapipe.CalculatorOptions")
MediaPipeOptions = _message("mediapipe.MediaPipeOptions")
InputStreamHandlerConfig = _message("mediapipe.InputStreamHandlerConfig")
InputStreamInfo = _message("mediapipe.InputStreamInfo")
ExecutorConfig = _message("mediapipe.ExecutorConfig")
FixedSizeInputStreamHandlerOptions = _message("mediapipe.FixedSizeInputStreamHandlerOptions")
ThreadPoolExecutorOptions = _message("mediapipe.ThreadPoolExecutorOptions")

__all__ = ["CalculatorGraphConfig", "CalculatorOptions", "MediaPipeOptions", "InputStreamHandlerConfig",
           "InputStreamInfo", "ExecutorConfig", "FixedSizeInputStreamHandlerOptions",
           "ThreadPoolExecutorOptions"]
