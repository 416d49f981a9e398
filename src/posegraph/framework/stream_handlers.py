"""Input stream handlers: which input timestamp a node processes next (MediaPipe's semantics).

Each handler looks at a node's input queues and returns the next task: a set of packets at one
timestamp to process, a bound to propagate (all inputs settled past a timestamp with nothing in
it), or nothing yet.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

from posegraph.framework.timestamp import Timestamp

if TYPE_CHECKING:
    from posegraph.framework.packet import Packet

DONE = Timestamp.DONE


class InputQueue:
    """One node input: queued packets and the upstream stream's timestamp bound."""

    __slots__ = ("packets", "bound", "node")

    def __init__(self, node: object) -> None:
        self.packets: deque[Packet] = deque()
        self.bound = Timestamp.UNSTARTED
        self.node = node


def default_next(queues: list[InputQueue]) -> tuple[int, list | None]:
    """DefaultInputStreamHandler: the lowest timestamp settled on every input.

    Returns ``(T, packets)`` to process T (``packets[i]`` the packet or ``None`` per input),
    ``(B, None)`` when every input is settled below ``B`` with no packet in between (a bound to
    propagate), or ``(UNSET, None)`` when nothing is ready.
    """
    t = DONE
    for q in queues:
        nxt = q.packets[0].timestamp if q.packets else q.bound
        if nxt < t:
            t = nxt
    if t == DONE:
        return DONE, None
    ready = True
    present = False
    for q in queues:
        if q.packets:
            if q.packets[0].timestamp == t:
                present = True
        elif q.bound <= t:
            ready = False
    if not present:
        return t, None  # every input settled below t: t is the new bound
    if not ready:
        return Timestamp.UNSET, None
    return t, [q.packets.popleft() if q.packets and q.packets[0].timestamp == t else None for q in queues]


def immediate_next(queues: list[InputQueue]) -> tuple[int, list | None]:
    """ImmediateInputStreamHandler: each input on its own; the earliest queued packet goes first."""
    t = DONE
    for q in queues:
        if q.packets and q.packets[0].timestamp < t:
            t = q.packets[0].timestamp
    if t == DONE:
        return min((q.bound for q in queues), default=DONE), None
    return t, [q.packets.popleft() if q.packets and q.packets[0].timestamp == t else None for q in queues]


def fixed_size_next(queues: list[InputQueue], trigger: int, target: int) -> tuple[int, list | None]:
    """FixedSizeInputStreamHandler: the default handler, after dropping the oldest queued timestamps
    once any queue grows past ``trigger`` so that ``target`` timestamps remain (latest frame wins)."""
    longest = max(queues, key=lambda q: len(q.packets), default=None)
    if longest is not None and len(longest.packets) > trigger:
        keep_from = longest.packets[len(longest.packets) - target].timestamp
        for q in queues:
            while q.packets and q.packets[0].timestamp < keep_from:
                q.packets.popleft()
    return default_next(queues)
