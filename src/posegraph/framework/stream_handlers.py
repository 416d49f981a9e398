"""Input stream handlers: which input timestamp a node processes next (MediaPipe's semantics).

A handler is a class registered by name (MediaPipe's ``REGISTER_INPUT_STREAM_HANDLER``); a node
config names it in ``input_stream_handler { input_stream_handler: "Name" }`` (or the graph config
does, for every node whose calculator keeps the default), and its options come from that entry's
``options { [mediapipe.SomeOptions.ext] { ... } }``. The scheduler makes one instance per node and
asks it :meth:`InputStreamHandler.next` whenever the node's inputs change. Three are built in:

- ``DefaultInputStreamHandler``: process timestamp T once T is settled on every input;
- ``ImmediateInputStreamHandler``: each input on its own, earliest queued packet first;
- ``FixedSizeInputStreamHandler``: the default one, keeping only the newest timestamps when queues
  grow (latest frame wins).

A handler of one's own::

    from posegraph import InputStreamHandler, register_input_stream_handler

    @register_input_stream_handler
    class NewestOnlyInputStreamHandler(InputStreamHandler):
        def next(self):
            ...  # return (T, packets), (B, None) or (Timestamp.UNSET, None), as documented below
"""

from __future__ import annotations

import threading
from collections import deque
from typing import TYPE_CHECKING, Any, Callable, ClassVar, TypeVar, overload

from posegraph.framework.config.schema import FixedSizeInputStreamHandlerOptions
from posegraph.framework.errors import PosegraphError
from posegraph.framework.timestamp import Timestamp

if TYPE_CHECKING:
    from posegraph.framework.packet import Packet

DONE, UNSET = Timestamp.DONE, Timestamp.UNSET


class InputQueue:
    """One node input: queued packets and the upstream stream's timestamp bound.

    Attributes:
        packets: packets not yet taken, oldest first (timestamps strictly increasing).
        bound: the lowest timestamp a future packet on this input may have (``Timestamp.DONE``
            once the stream is closed).
        node: the scheduler's node this input belongs to.
    """

    __slots__ = ("packets", "bound", "node")

    def __init__(self, node: object) -> None:
        self.packets: deque[Packet] = deque()
        self.bound = Timestamp.UNSTARTED
        self.node = node


class InputStreamHandler:
    """Decides which input timestamp a node processes next (MediaPipe's InputStreamHandler).

    Subclass it, implement :meth:`next`, and register the class with
    :func:`register_input_stream_handler`. One instance serves one node for one run; the scheduler
    calls it with the graph's lock held, so it must not block.

    Args:
        queues: the node's inputs (:class:`InputQueue`), in the order of its ``input_stream`` entries.
        options: the ``options`` message (``mediapipe.MediaPipeOptions``) of the config's
            ``input_stream_handler`` entry; a handler with options reads its extension of it, as
            :class:`FixedSizeInputStreamHandler` reads ``FixedSizeInputStreamHandlerOptions``.

    Class attributes:
        name: the name configs use (set by :func:`register_input_stream_handler`).
        each_input_alone: inputs are processed independently (no timestamp alignment); then a
            calculator that processes timestamp bounds is called whenever any input's bound moves.
        aligned: a timestamp is processed only once it is settled on every input; then, after a
            call, the scheduler looks at the node again only if a packet is queued or an input
            bound moved past what it handled. Leave it ``False`` (look again after every call)
            unless :meth:`next` follows that rule.
    """

    name: ClassVar[str] = ""
    each_input_alone: ClassVar[bool] = False
    aligned: ClassVar[bool] = False

    def __init__(self, queues: list[InputQueue], options: Any) -> None:
        self.queues = queues

    def next(self) -> tuple[int, list[Packet | None] | None]:
        """What the node does next, from its queues.

        Returns:
            ``(T, packets)`` to process timestamp T: ``packets[i]`` is input i's packet at T (taken
            off its queue) or ``None``; ``(B, None)`` when nothing is to be processed and every
            input is settled below B (``Timestamp.DONE`` once every input is done: the node
            closes); ``(Timestamp.UNSET, None)`` when nothing is ready yet.
        """
        raise NotImplementedError(f"{type(self).__name__} must implement next()")


_handlers: dict[str, type[InputStreamHandler]] = {}
_lock = threading.Lock()

H = TypeVar("H", bound=type[InputStreamHandler])


@overload
def register_input_stream_handler(cls: H) -> H: ...
@overload
def register_input_stream_handler(*, name: str | None = None) -> Callable[[H], H]: ...


def register_input_stream_handler(cls: H | None = None, *, name: str | None = None) -> H | Callable[[H], H]:
    """Registers an input stream handler class under ``name`` (default: the class name), as
    MediaPipe's ``REGISTER_INPUT_STREAM_HANDLER`` does.

    Usable as ``@register_input_stream_handler`` or ``@register_input_stream_handler(name="Other")``.
    Registering the same class again (a module imported twice) is harmless.

    Raises:
        PosegraphError: another class already holds the name (a built-in's name cannot be taken).
        TypeError: the class is not a subclass of :class:`InputStreamHandler`.
    """

    def register(c: H) -> H:
        if not (isinstance(c, type) and issubclass(c, InputStreamHandler)):
            raise TypeError(f"{c!r} is not a subclass of posegraph.InputStreamHandler")
        key = name or c.__name__
        where = f"{c.__module__}.{c.__qualname__}"
        with _lock:
            existing = _handlers.get(key)
            if existing is not None and f"{existing.__module__}.{existing.__qualname__}" != where:
                raise PosegraphError(f"input stream handler name {key!r} is already registered by "
                                     f"{existing.__module__}.{existing.__qualname__}; register {where} under another name")
            c.name = key
            _handlers[key] = c
        return c

    return register(cls) if cls is not None else register


def get_input_stream_handler(name: str) -> type[InputStreamHandler] | None:
    """The handler class registered as ``name``, or ``None``."""
    return _handlers.get(name)


def registered_input_stream_handlers() -> list[str]:
    """Every registered handler name, sorted."""
    return sorted(_handlers)


@register_input_stream_handler
class DefaultInputStreamHandler(InputStreamHandler):
    """The lowest timestamp settled on every input (MediaPipe's DefaultInputStreamHandler):
    deterministic, never drops a packet."""

    aligned = True

    def next(self) -> tuple[int, list[Packet | None] | None]:
        queues = self.queues
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
            return UNSET, None
        return t, [q.packets.popleft() if q.packets and q.packets[0].timestamp == t else None for q in queues]


@register_input_stream_handler
class ImmediateInputStreamHandler(InputStreamHandler):
    """Each input on its own; the earliest queued packet goes first (MediaPipe's
    ImmediateInputStreamHandler; used by the loopback and the flow limiter)."""

    each_input_alone = True

    def next(self) -> tuple[int, list[Packet | None] | None]:
        queues = self.queues
        t = DONE
        for q in queues:
            if q.packets and q.packets[0].timestamp < t:
                t = q.packets[0].timestamp
        if t == DONE:
            return min((q.bound for q in queues), default=DONE), None
        return t, [q.packets.popleft() if q.packets and q.packets[0].timestamp == t else None for q in queues]


@register_input_stream_handler
class FixedSizeInputStreamHandler(DefaultInputStreamHandler):
    """The default handler, after dropping the oldest queued timestamps once any queue holds more
    than ``trigger_queue_size`` packets, so that ``target_queue_size`` timestamps remain (MediaPipe's
    FixedSizeInputStreamHandler; latest frame wins for live sources).

    Options: ``[mediapipe.FixedSizeInputStreamHandlerOptions.ext] { trigger_queue_size: 2
    target_queue_size: 1 }`` (those are the defaults; a target below 1 counts as 1).
    """

    def __init__(self, queues: list[InputQueue], options: Any) -> None:
        super().__init__(queues, options)
        fixed = options.Extensions[FixedSizeInputStreamHandlerOptions.DESCRIPTOR.extensions_by_name["ext"]]
        self.trigger = fixed.trigger_queue_size
        self.target = max(fixed.target_queue_size, 1)

    def next(self) -> tuple[int, list[Packet | None] | None]:
        longest = max(self.queues, key=lambda q: len(q.packets), default=None)
        if longest is not None and len(longest.packets) > self.trigger:
            keep_from = longest.packets[len(longest.packets) - self.target].timestamp
            for q in self.queues:
                while q.packets and q.packets[0].timestamp < keep_from:
                    q.packets.popleft()
        return super().next()
