"""MediaPipe's landmark messages (``mediapipe/framework/formats/landmark.proto``), as protobuf classes.

The same schema as MediaPipe's ``landmark_pb2`` (proto2, package ``mediapipe``, field numbers and
all), so that what ``Pose.process`` returns reads, prints, compares and serializes like MediaPipe's:
``lm.x``, ``lm.HasField("presence")``, ``print(results.pose_landmarks)``, ``SerializeToString()``
(whose bytes MediaPipe's own classes parse) and ``google.protobuf.json_format.MessageToDict``. The
classes live in a private descriptor pool, so importing MediaPipe in the same process does not clash.

- :class:`NormalizedLandmark`: x, y as fractions of the image width/height (may lie outside [0, 1]),
  z on the scale of x (smaller is nearer the camera), visibility and presence (probabilities).
- :class:`Landmark`: x, y, z in metres (world landmarks: origin at the hip centre), visibility,
  presence.
- :class:`NormalizedLandmarkList` / :class:`LandmarkList`: ``landmark``, a repeated field of those.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

_FIELDS = ("x", "y", "z", "visibility", "presence")


def _file() -> descriptor_pb2.FileDescriptorProto:
    proto = descriptor_pb2.FileDescriptorProto(name="mediapipe/framework/formats/landmark.proto",
                                               package="mediapipe", syntax="proto2")
    F = descriptor_pb2.FieldDescriptorProto
    for point in ("Landmark", "NormalizedLandmark"):
        message = proto.message_type.add(name=point)
        for number, name in enumerate(_FIELDS, start=1):
            message.field.add(name=name, number=number, label=F.LABEL_OPTIONAL, type=F.TYPE_FLOAT)
        listing = proto.message_type.add(name=f"{point}List")
        listing.field.add(name="landmark", number=1, label=F.LABEL_REPEATED, type=F.TYPE_MESSAGE,
                          type_name=f".mediapipe.{point}")
    return proto


_pool = descriptor_pool.DescriptorPool()
_pool.Add(_file())


def _message(name: str) -> type:
    return message_factory.GetMessageClass(_pool.FindMessageTypeByName(f"mediapipe.{name}"))


Landmark = _message("Landmark")
LandmarkList = _message("LandmarkList")
NormalizedLandmark = _message("NormalizedLandmark")
NormalizedLandmarkList = _message("NormalizedLandmarkList")


def _fill(message: Any, data: np.ndarray, with_presence: bool) -> Any:
    fields = _FIELDS if with_presence else _FIELDS[:4]
    for row in np.asarray(data, np.float32).tolist():
        message.landmark.add(**dict(zip(fields, row)))
    return message


def normalized_landmark_list(data: np.ndarray, *, with_presence: bool = True) -> Any:
    """A :class:`NormalizedLandmarkList` from a float32 (N, 5) array of x, y, z, visibility,
    presence (posegraph's ``NormalizedLandmarkList.data``); ``with_presence=False`` leaves the
    presence field unset, as MediaPipe's ``Pose.process`` returns it."""
    return _fill(NormalizedLandmarkList(), data, with_presence)


def landmark_list(data: np.ndarray, *, with_presence: bool = True) -> Any:
    """A :class:`LandmarkList` (world landmarks, metres) from a float32 (N, 5) array of x, y, z,
    visibility, presence (posegraph's ``LandmarkList.data``); see :func:`normalized_landmark_list`."""
    return _fill(LandmarkList(), data, with_presence)
