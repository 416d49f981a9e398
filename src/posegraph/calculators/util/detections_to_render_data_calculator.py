"""DetectionsToRenderDataCalculator: detections' boxes and keypoints as RenderData (MediaPipe's)."""

from __future__ import annotations

from dataclasses import dataclass

from posegraph import Calculator, CalculatorContext, Contract, Port
from posegraph.calculators.formats import Color, Detection, RenderData
from posegraph.calculators.util.render_data import detections_to_render_data


@dataclass(frozen=True)
class DetectionsToRenderDataCalculatorOptions:
    """MediaPipe's DetectionsToRenderDataCalculatorOptions, less ``text`` (posegraph's detections
    carry no labels, so there is no text to style). ``render_detection_id`` is not implemented (an
    error)."""

    produce_empty_packet: bool = True
    text_delimiter: str = ","
    one_label_per_line: bool = False
    thickness: float = 1.0
    color: Color = Color()
    scene_class: str = "DETECTION"
    render_detection_id: bool = False


class DetectionsToRenderDataCalculator(Calculator):
    """Sends RENDER_DATA with the box and keypoints of DETECTION and of each of DETECTIONS (a list);
    with ``produce_empty_packet`` (the default) an empty RenderData where there are none. Math:
    ``util.render_data.detections_to_render_data``."""

    contract = Contract(
        inputs={"DETECTION": Port(Detection, optional=True), "DETECTIONS": Port(list, optional=True)},
        outputs={"RENDER_DATA": Port(RenderData)},
        options=DetectionsToRenderDataCalculatorOptions,
    )

    def open(self, cc: CalculatorContext) -> None:
        if cc.options.render_detection_id:
            raise NotImplementedError("DetectionsToRenderDataCalculator: render_detection_id is not implemented "
                                      "in posegraph (its detections carry no id)")
        if not (cc.has_input("DETECTION") or cc.has_input("DETECTIONS")):
            raise ValueError("connect DETECTION or DETECTIONS")

    def process(self, cc: CalculatorContext) -> None:
        detections = list(cc.value("DETECTIONS") or [])
        if cc.value("DETECTION") is not None:
            detections.append(cc.value("DETECTION"))
        if not detections and not cc.options.produce_empty_packet:
            return
        o = cc.options
        cc.send("RENDER_DATA", detections_to_render_data(detections, color=o.color, thickness=o.thickness,
                                                         scene_class=o.scene_class))
