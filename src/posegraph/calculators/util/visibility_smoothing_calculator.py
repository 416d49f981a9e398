"""VisibilitySmoothingCalculator: each landmark's visibility smoothed over time (MediaPipe's)."""

from __future__ import annotations

from dataclasses import dataclass

from posegraph import Calculator, CalculatorContext, Contract
from posegraph.calculators.formats import LandmarkList, NormalizedLandmarkList
from posegraph.calculators.util.landmarks_smoothing import VisibilitySmoother
from posegraph.calculators.util.landmarks_smoothing_calculator import (FILTER_INPUTS, FILTER_OUTPUTS,
                                                                        landmarks_to_smooth, paired_landmark_ports)


@dataclass(frozen=True)
class NoFilter:
    """No smoothing."""


@dataclass(frozen=True)
class LowPassFilter:
    """``alpha * new + (1 - alpha) * previous``; alpha in [0, 1]."""

    alpha: float = 0.1


@dataclass(frozen=True)
class VisibilitySmoothingCalculatorOptions:
    """MediaPipe's VisibilitySmoothingCalculatorOptions: one of ``no_filter`` and
    ``low_pass_filter`` (a oneof; one must be set)."""

    no_filter: NoFilter | None = None
    low_pass_filter: LowPassFilter | None = None


class VisibilitySmoothingCalculator(Calculator):
    """Sends NORM_FILTERED_LANDMARKS for NORM_LANDMARKS (or FILTERED_LANDMARKS for LANDMARKS) with
    each landmark's visibility low-pass filtered; a timestamp without landmarks resets the filter.
    Math: ``util.landmarks_smoothing.VisibilitySmoother``.

    Raises (at open): no filter chosen, or both; not exactly one landmarks input; an output that
    does not match it.
    """

    contract = Contract(
        inputs=FILTER_INPUTS, outputs=FILTER_OUTPUTS, options=VisibilitySmoothingCalculatorOptions,
    )

    def open(self, cc: CalculatorContext) -> None:
        self.input, self.output = paired_landmark_ports(cc)
        o = cc.options
        if (o.no_filter is None) == (o.low_pass_filter is None):
            raise ValueError("set exactly one of options.no_filter and options.low_pass_filter")
        self.smoother = None if o.low_pass_filter is None else VisibilitySmoother(o.low_pass_filter.alpha)

    def process(self, cc: CalculatorContext) -> None:
        landmarks = landmarks_to_smooth(cc, self.input, self.output, self.smoother)
        if landmarks is None:
            return
        if isinstance(landmarks, LandmarkList):
            cc.send(self.output, LandmarkList(self.smoother.apply(landmarks.data)))
        else:
            cc.send(self.output, NormalizedLandmarkList(self.smoother.apply(landmarks.data), landmarks.visible))
