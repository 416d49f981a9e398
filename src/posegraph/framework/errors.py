"""The one exception hierarchy of posegraph.

Every error posegraph raises on purpose derives from :class:`PosegraphError`, so an app can catch
them all with one clause; third-party errors (protobuf, PyYAML, OpenCV, LiteRT) are translated into
these at the boundary, with the original kept as ``__cause__``.
"""

from __future__ import annotations

from typing import NamedTuple


class PosegraphError(Exception):
    """Root of every error posegraph raises on purpose."""


class ConfigProblem(NamedTuple):
    """One problem in a graph config: where (file, 1-based line and column, when known) and what."""

    file: str
    line: int | None
    column: int | None
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return f"{where}: {self.message}"


class GraphConfigError(PosegraphError):
    """A graph config is malformed or inconsistent.

    Attributes:
        problems: every problem found, each a :class:`ConfigProblem`; ``str(error)`` lists them all,
            one per line, as ``file:line:column: message``.
        file, line, column: where the first problem is (``line``/``column`` 1-based, or ``None``).
    """

    def __init__(self, message: str | None = None, file: str = "<string>", line: int | None = None,
                 column: int | None = None, problems: list[ConfigProblem] | None = None) -> None:
        if problems is None:
            problems = [ConfigProblem(file, line, column, message or "invalid graph config")]
        self.problems = problems
        first = problems[0]
        self.file, self.line, self.column = first.file, first.line, first.column
        super().__init__("\n".join(str(p) for p in problems))


class CalculatorError(PosegraphError):
    """A calculator failed while the graph ran.

    Attributes:
        node: the node's name in the (expanded) graph.
        calculator: the calculator's registered name.
        timestamp: the input timestamp being processed, or ``None`` in ``open``/``close``.
        method: ``"open"``, ``"process"`` or ``"close"``.
    """

    def __init__(self, message: str, node: str, calculator: str, method: str,
                 timestamp: object | None = None) -> None:
        self.node = node
        self.calculator = calculator
        self.method = method
        self.timestamp = timestamp
        at = f" at timestamp {timestamp}" if timestamp is not None else ""
        super().__init__(f"node {node!r} ({calculator}) failed in {method}{at}: {message}")


class GraphRunError(PosegraphError):
    """The graph was used wrongly while running (e.g. a packet added out of timestamp order)."""


class SidePacketError(PosegraphError):
    """An input side packet is missing, unknown or of the wrong type."""


class ModelError(PosegraphError):
    """A model file is missing, corrupt or does not match what the graph expects.

    The message names the file, what is wrong and the command that fixes it.
    """


class MediaError(PosegraphError):
    """An input or output media file or camera cannot be opened, read or written."""
