"""SplitVectorCalculator and its typed variants: pick elements of a list-valued packet (MediaPipe's
SplitVectorCalculator, and SplitProtoListCalculator for landmark lists)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from posegraph import Calculator, CalculatorContext, Contract, Port
from posegraph.calculators.formats import LandmarkList, NormalizedLandmarkList
from posegraph.framework.options import proto_field


@dataclass(frozen=True)
class Range:
    """Half-open index range ``[begin, end)``."""

    begin: int = proto_field(1, 0)
    end: int = proto_field(2, 1)


@dataclass(frozen=True)
class SplitVectorCalculatorOptions:
    """MediaPipe's SplitVectorCalculatorOptions: output ``i`` gets ``ranges[i]``; with
    ``element_only`` each range must hold one element, which is sent alone rather than as a list;
    with ``combine_outputs`` the ranges, which must not overlap, are concatenated onto the one
    output."""

    __proto_ext_number__ = 259438222

    ranges: tuple[Range, ...] = proto_field(1, (Range(),))
    element_only: bool = proto_field(2, False)
    combine_outputs: bool = proto_field(3, False)


class SplitVectorCalculator(Calculator):
    """Sends ``vector[begin:end]`` of each range on the output of the same index; nothing for a range
    the vector is too short to fill.

    Raises (at open): a range that is empty or negative, ``element_only`` with a range wider than
    one, ``combine_outputs`` with overlapping ranges, more than one output or ``element_only``.
    """

    contract = Contract(inputs={"": Port((list, tuple))}, outputs={"": Port(object, repeated=True)},
                        options=SplitVectorCalculatorOptions)

    def open(self, cc: CalculatorContext) -> None:
        o = cc.options
        for r in o.ranges:
            if r.begin < 0 or r.end < 0 or r.begin >= r.end:
                raise ValueError(f"range [{r.begin}, {r.end}): indices must be non-negative and begin < end")
        if o.combine_outputs:
            if cc.output_count("") != 1:
                raise ValueError(f"combine_outputs needs exactly one output stream, got {cc.output_count('')}")
            spans = sorted((r.begin, r.end) for r in o.ranges)
            if any(a[1] > b[0] for a, b in zip(spans, spans[1:])):
                raise ValueError(f"combine_outputs needs ranges that do not overlap, got {spans}")
            if o.element_only:
                raise ValueError("combine_outputs and element_only cannot both be set")
        elif o.element_only and any(r.end - r.begin != 1 for r in o.ranges):
            raise ValueError("element_only needs every range to hold exactly one element")

    def process(self, cc: CalculatorContext) -> None:
        vector = cc.value("")
        ranges = cc.options.ranges
        if cc.options.combine_outputs:
            if max(r.end for r in ranges) <= len(vector):
                cc.send("", self.join([self.slice(vector, r.begin, r.end) for r in ranges]))
            return
        for i, r in enumerate(ranges):
            if r.end <= len(vector):
                cc.send("", self.element(vector, r.begin) if cc.options.element_only
                        else self.slice(vector, r.begin, r.end), i)

    def slice(self, vector: Any, begin: int, end: int) -> Any:
        """``vector[begin:end]`` as this calculator's list type."""
        return list(vector[begin:end])

    def element(self, vector: Any, index: int) -> Any:
        """One element of ``vector``, sent alone with ``element_only``."""
        return vector[index]

    def join(self, parts: list[Any]) -> Any:
        """The concatenation of slices, for ``combine_outputs``."""
        return [item for part in parts for item in part]


class SplitDetectionVectorCalculator(SplitVectorCalculator):
    """:class:`SplitVectorCalculator` under MediaPipe's name for lists of Detections."""


class SplitTensorVectorCalculator(SplitVectorCalculator):
    """:class:`SplitVectorCalculator` under MediaPipe's name for TENSORS lists (lists of numpy
    arrays, one per model output), as pose_landmark's graph splits the landmark model's outputs."""


class SplitNormalizedLandmarkListCalculator(SplitVectorCalculator):
    """Splits a :class:`NormalizedLandmarkList` by landmark index ranges (MediaPipe's
    SplitProtoListCalculator of that name). Each output is a NormalizedLandmarkList (rows of
    ``data``, and of ``visible`` when set); with ``element_only`` a float32 (5,) row."""

    contract = Contract(inputs={"": Port(NormalizedLandmarkList)}, outputs={"": Port(object, repeated=True)},
                        options=SplitVectorCalculatorOptions)

    def slice(self, vector: Any, begin: int, end: int) -> Any:
        visible = getattr(vector, "visible", None)
        return self._make(vector.data[begin:end].copy(), None if visible is None else visible[begin:end].copy())

    def element(self, vector: Any, index: int) -> Any:
        return vector.data[index].copy()

    def join(self, parts: list[Any]) -> Any:
        visibles = [getattr(p, "visible", None) for p in parts]
        visible = None if any(v is None for v in visibles) else np.concatenate(visibles)
        return self._make(np.concatenate([p.data for p in parts]), visible)

    def _make(self, data: np.ndarray, visible: np.ndarray | None) -> Any:
        return NormalizedLandmarkList(data, visible)


class SplitLandmarkListCalculator(SplitNormalizedLandmarkListCalculator):
    """Splits a :class:`LandmarkList` (world landmarks) by index ranges (MediaPipe's
    SplitProtoListCalculator of that name); see :class:`SplitNormalizedLandmarkListCalculator`."""

    contract = Contract(inputs={"": Port(LandmarkList)}, outputs={"": Port(object, repeated=True)},
                        options=SplitVectorCalculatorOptions)

    def _make(self, data: np.ndarray, visible: np.ndarray | None) -> Any:
        return LandmarkList(data)
