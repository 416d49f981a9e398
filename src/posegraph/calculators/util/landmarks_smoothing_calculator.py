"""LandmarksSmoothingCalculator: landmark coordinates smoothed over time (MediaPipe's)."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from posegraph import Calculator, CalculatorContext, Contract, Port
from posegraph.calculators.formats import LandmarkList, NormalizedLandmarkList, NormalizedRect
from posegraph.calculators.util.landmarks_smoothing import (LandmarksSmoother, OneEuroParams, VisibilitySmoother,
                                                             object_scale_of_rect)


@dataclass(frozen=True)
class NoFilter:
    """No smoothing."""


@dataclass(frozen=True)
class VelocityFilter:
    """MediaPipe's relative-velocity filter (not implemented here: setting it is an error)."""

    window_size: int = 5
    velocity_scale: float = 10.0
    min_allowed_object_scale: float = 1e-6
    disable_value_scaling: bool = False


@dataclass(frozen=True)
class OneEuroFilter:
    """MediaPipe's one-euro filter options (its defaults)."""

    frequency: float = 30.0
    min_cutoff: float = 1.0
    beta: float = 0.0
    derivate_cutoff: float = 1.0
    min_allowed_object_scale: float = 1e-6
    disable_value_scaling: bool = False


class EmptyLandmarksPolicy(enum.Enum):
    """MediaPipe's LandmarksSmoothingCalculatorOptions.EmptyLandmarksPolicy."""

    EMPTY_LANDMARKS_POLICY_UNSPECIFIED = 0
    EMPTY_LANDMARKS_POLICY_RESET = 1
    EMPTY_LANDMARKS_POLICY_FAIL = 2


@dataclass(frozen=True)
class LandmarksSmoothingCalculatorOptions:
    """MediaPipe's LandmarksSmoothingCalculatorOptions: one of ``no_filter``, ``velocity_filter``
    (not implemented: an error) and ``one_euro_filter``; none set means no filter, as MediaPipe.
    ``empty_landmarks_policy`` other than its default is not implemented (an error)."""

    no_filter: NoFilter | None = None
    velocity_filter: VelocityFilter | None = None
    one_euro_filter: OneEuroFilter | None = None
    empty_landmarks_policy: EmptyLandmarksPolicy = EmptyLandmarksPolicy.EMPTY_LANDMARKS_POLICY_FAIL


#: The landmark streams of MediaPipe's landmark filters: NORM_LANDMARKS onto NORM_FILTERED_LANDMARKS,
#: or LANDMARKS onto FILTERED_LANDMARKS.
FILTER_INPUTS = {"NORM_LANDMARKS": Port(NormalizedLandmarkList, optional=True),
                 "LANDMARKS": Port(LandmarkList, optional=True)}
FILTER_OUTPUTS = {"NORM_FILTERED_LANDMARKS": Port(NormalizedLandmarkList, optional=True),
                  "FILTERED_LANDMARKS": Port(LandmarkList, optional=True)}


def paired_landmark_ports(cc: CalculatorContext) -> tuple[str, str]:
    """The ``(input, output)`` tags a landmark filter uses (see ``FILTER_INPUTS``). Raises
    ValueError unless exactly one input and its output are connected."""
    normalized, absolute = ("NORM_LANDMARKS", "NORM_FILTERED_LANDMARKS"), ("LANDMARKS", "FILTERED_LANDMARKS")
    if cc.has_input(normalized[0]) == cc.has_input(absolute[0]):
        raise ValueError(f"connect exactly one of {normalized[0]} and {absolute[0]}")
    source, target = normalized if cc.has_input(normalized[0]) else absolute
    if not cc.has_output(target):
        raise ValueError(f"{source} is filtered onto {target}; connect it")
    return source, target


def landmarks_to_smooth(cc: CalculatorContext, source: str, target: str,
                        smoother: LandmarksSmoother | VisibilitySmoother | None
                        ) -> NormalizedLandmarkList | LandmarkList | None:
    """This timestamp's landmarks on ``source`` for a landmark filter to smooth, or ``None`` when
    there is nothing left to do: landmarks missing reset ``smoother`` (MediaPipe's filters start
    over), and with no smoother (``no_filter``) they are sent on ``target`` unchanged."""
    landmarks = cc.value(source)
    if landmarks is None:
        if smoother is not None:
            smoother.reset()
        return None
    if smoother is None:
        cc.send(target, landmarks)
        return None
    return landmarks


class LandmarksSmoothingCalculator(Calculator):
    """Smooths NORM_LANDMARKS onto NORM_FILTERED_LANDMARKS (in pixels of IMAGE_SIZE ``(width,
    height)``, required then) or LANDMARKS onto FILTERED_LANDMARKS, each coordinate with its own
    one-euro filter on the packets' timestamps. The derivative is scaled by 1 / object scale:
    OBJECT_SCALE_ROI's ``(w_px + h_px) / 2`` when given, else the landmarks' extent. A timestamp
    where the landmarks are missing (but another input is there) resets the filters. Math:
    ``util.landmarks_smoothing.LandmarksSmoother``.

    Raises (at open): more than one filter, ``velocity_filter`` or a non-default
    ``empty_landmarks_policy`` (not implemented), NORM_LANDMARKS without IMAGE_SIZE, or inputs
    and outputs that do not pair up.
    """

    contract = Contract(
        inputs={**FILTER_INPUTS, "IMAGE_SIZE": Port(tuple, optional=True, doc="(width, height) px"),
                "OBJECT_SCALE_ROI": Port(NormalizedRect, optional=True)},
        outputs=FILTER_OUTPUTS,
        options=LandmarksSmoothingCalculatorOptions,
    )

    def open(self, cc: CalculatorContext) -> None:
        self.input, self.output = paired_landmark_ports(cc)
        self.normalized = self.input == "NORM_LANDMARKS"
        if self.normalized and not cc.has_input("IMAGE_SIZE"):
            raise ValueError("NORM_LANDMARKS needs IMAGE_SIZE")
        if cc.has_input("OBJECT_SCALE_ROI") and not self.normalized:
            raise ValueError("OBJECT_SCALE_ROI with LANDMARKS takes a pixel Rect, which posegraph does not have; "
                             "use NORM_LANDMARKS with IMAGE_SIZE")
        o = cc.options
        chosen = [name for name in ("no_filter", "velocity_filter", "one_euro_filter") if getattr(o, name) is not None]
        if len(chosen) > 1:
            raise ValueError(f"set at most one filter, got {', '.join(chosen)}")
        if o.velocity_filter is not None:
            raise NotImplementedError("LandmarksSmoothingCalculator: velocity_filter is not implemented in posegraph; "
                                      "use one_euro_filter")
        if o.empty_landmarks_policy is not EmptyLandmarksPolicy.EMPTY_LANDMARKS_POLICY_FAIL:
            raise NotImplementedError(f"LandmarksSmoothingCalculator: empty_landmarks_policy "
                                      f"{o.empty_landmarks_policy.name} is not implemented in posegraph")
        f = o.one_euro_filter
        self.smoother = None if f is None else LandmarksSmoother(OneEuroParams(
            min_cutoff=f.min_cutoff, beta=f.beta, derivate_cutoff=f.derivate_cutoff, frequency=f.frequency,
            min_allowed_object_scale=f.min_allowed_object_scale, disable_value_scaling=f.disable_value_scaling))

    def process(self, cc: CalculatorContext) -> None:
        landmarks = landmarks_to_smooth(cc, self.input, self.output, self.smoother)
        if landmarks is None:
            return
        if not self.normalized:
            cc.send(self.output, LandmarkList(self.smoother.apply(landmarks.data, cc.input_timestamp)))
            return
        size, roi = cc.value("IMAGE_SIZE"), cc.value("OBJECT_SCALE_ROI")
        if size is None:
            raise ValueError("IMAGE_SIZE is missing at a timestamp with NORM_LANDMARKS")
        scale = None if roi is None else object_scale_of_rect(roi, size)
        cc.send(self.output, NormalizedLandmarkList(self.smoother.apply(landmarks.data, cc.input_timestamp, size, scale),
                                                    landmarks.visible))
