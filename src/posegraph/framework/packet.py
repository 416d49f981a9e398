"""Packets: an immutable payload with a timestamp."""

from __future__ import annotations

from typing import Any

from posegraph.framework.timestamp import Timestamp


class Packet:
    """A payload and the int64 timestamp (microseconds) it belongs to.

    Payloads are shared, not copied, between the nodes that read a stream: treat them as immutable.
    """

    __slots__ = ("payload", "timestamp")

    def __init__(self, payload: Any, timestamp: int) -> None:
        self.payload = payload
        self.timestamp = timestamp

    def at(self, timestamp: int) -> "Packet":
        """The same payload re-stamped at ``timestamp`` (MediaPipe's Packet::At)."""
        return Packet(self.payload, timestamp)

    def __repr__(self) -> str:
        return f"Packet({type(self.payload).__name__} @ {Timestamp.format(self.timestamp)})"
