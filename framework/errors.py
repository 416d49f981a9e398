"""The one exception hierarchy of posegraph.

Every error posegraph raises on purpose derives from :class:`PosegraphError`, so an app can catch
them all with one clause; third-party errors (protobuf, PyYAML, OpenCV, LiteRT) are translated into
these at the boundary, with the original kept as ``__cause__``.
"""

from __future__ import annotations


class PosegraphError(Exception):
    """Root of every error posegraph raises on purpose."""


class GraphConfigError(PosegraphError):
    """A graph config is malformed or inconsistent.

    Attributes:
        file: the config file's path, or ``"<string>"`` for text given directly.
        line, column: 1-based position of the offending text, or ``None`` when unknown.
        problems: every problem found, as ``(line, column, message)``; ``str(error)`` lists them.
    """

    def __init__(self, message: str, file: str = "<string>", line: int | None = None,
                 column: int | None = None,
                 problems: list[tuple[int | None, int | None, str]] | None = None) -> None:
        self.file = file
        self.line = line
        self.column = column
        self.problems = problems if problems is not None else [(line, column, message)]
        super().__init__("\n".join(self._format(*p) for p in self.problems))

    def _format(self, line: int | None, column: int | None, message: str) -> str:
        where = self.file
        if line is not None:
            where += f":{line}"
            if column is not None:
                where += f":{column}"
        return f"{where}: {message}"


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
