"""Timestamps: int64 microseconds by convention, with MediaPipe's special values.

Timestamps are plain ``int`` values so the scheduler's hot path does no boxing; :class:`Timestamp`
names the special values and formats them. Ordinary timestamps lie in ``[Timestamp.MIN, Timestamp.MAX]``.
"""

from __future__ import annotations

_INT64_MIN = -(2**63)
_INT64_MAX = 2**63 - 1


class Timestamp:
    """MediaPipe's special timestamp values (mediapipe/framework/timestamp.h), as ints."""

    UNSET = _INT64_MIN
    UNSTARTED = _INT64_MIN + 1
    PRESTREAM = _INT64_MIN + 2
    MIN = _INT64_MIN + 3
    MAX = _INT64_MAX - 3
    POSTSTREAM = _INT64_MAX - 2
    ONE_OVER_POSTSTREAM = _INT64_MAX - 1
    DONE = _INT64_MAX

    _NAMES = {UNSET: "Unset", UNSTARTED: "Unstarted", PRESTREAM: "PreStream", MIN: "Min", MAX: "Max",
              POSTSTREAM: "PostStream", ONE_OVER_POSTSTREAM: "OneOverPostStream", DONE: "Done"}

    @staticmethod
    def is_allowed_in_stream(t: int) -> bool:
        """Whether a packet may carry ``t``: an ordinary timestamp, PreStream or PostStream."""
        return Timestamp.MIN <= t <= Timestamp.MAX or t in (Timestamp.PRESTREAM, Timestamp.POSTSTREAM)

    @staticmethod
    def next_allowed_in_stream(t: int) -> int:
        """The timestamp bound after a packet at ``t`` (MediaPipe's NextAllowedInStream)."""
        if t >= Timestamp.MAX or t == Timestamp.PRESTREAM:
            return Timestamp.ONE_OVER_POSTSTREAM
        return t + 1

    @staticmethod
    def format(t: int) -> str:
        """``"12345"`` or the special value's name."""
        return Timestamp._NAMES.get(t, str(t))
