"""LandmarksToRenderDataCalculator: landmarks and their connections as RenderData (MediaPipe's)."""

from __future__ import annotations

from dataclasses import dataclass

from posegraph import Calculator, CalculatorContext, Contract, Port
from posegraph.calculators.formats import LandmarkList, NormalizedLandmarkList, RenderData
from posegraph.calculators.util.render_data import LandmarkStyle, landmarks_to_render_data


@dataclass(frozen=True)
class LandmarksToRenderDataCalculatorOptions(LandmarkStyle):
    """MediaPipe's LandmarksToRenderDataCalculatorOptions: ``landmark_connections``, flat pairs of
    landmark indices, and the drawing style (:class:`LandmarkStyle`, MediaPipe's defaults)."""

    landmark_connections: tuple[int, ...] = ()


class LandmarksToRenderDataCalculator(Calculator):
    """Sends RENDER_DATA for NORM_LANDMARKS (normalized) or LANDMARKS (pixels): a line per
    connection pair, then a point per landmark, the thickness multiplied by RENDER_SCALE when
    connected. Math: ``util.render_data.landmarks_to_render_data``.

    Raises (at open): an odd number of ``landmark_connections``, or no landmarks input.
    """

    contract = Contract(
        inputs={"NORM_LANDMARKS": Port(NormalizedLandmarkList, optional=True),
                "LANDMARKS": Port(LandmarkList, optional=True),
                "RENDER_SCALE": Port(float, optional=True)},
        outputs={"RENDER_DATA": Port(RenderData)},
        options=LandmarksToRenderDataCalculatorOptions,
    )

    def open(self, cc: CalculatorContext) -> None:
        o = cc.options
        if len(o.landmark_connections) % 2:
            raise ValueError(f"landmark_connections must hold pairs, got {len(o.landmark_connections)} values")
        if not (cc.has_input("NORM_LANDMARKS") or cc.has_input("LANDMARKS")):
            raise ValueError("connect NORM_LANDMARKS or LANDMARKS")

    def process(self, cc: CalculatorContext) -> None:
        if (cc.has_input("LANDMARKS") and cc.value("LANDMARKS") is None) or \
                (cc.has_input("NORM_LANDMARKS") and cc.value("NORM_LANDMARKS") is None):
            return
        scale = cc.value("RENDER_SCALE")
        annotations = []
        for tag, normalized in (("LANDMARKS", False), ("NORM_LANDMARKS", True)):
            landmarks = cc.value(tag)
            if landmarks is not None:
                annotations += landmarks_to_render_data(landmarks.data, cc.options.landmark_connections, cc.options,
                                                        normalized=normalized, render_scale=scale).render_annotations
        cc.send("RENDER_DATA", RenderData(tuple(annotations)))
