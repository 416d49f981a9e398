"""How good is a pose graph? ``posegraph eval``: COCO keypoint AP and PCK@0.2 against human
annotations in COCO's format.

The room, in reading order:

- ``layouts``: the datasets' keypoint layouts, their OKS sigmas and the BlazePose landmark that
  corresponds to each keypoint (data).
- ``coco``: reading and checking annotation and results files; AP/AR and the matching of poses to
  people through pycocotools' ``COCOeval``.
- ``pck``: PCK@0.2, torso-normalised as the BlazePose paper reports it.
- ``predict``: running a graph on every annotated image and turning its poses into COCO results
  (one pose or a list of poses per image; the score rule).
- ``report``: the figures together (:class:`EvalReport`), as a table, JSON and CSV.
- ``draw``: the missed and far-off people, drawn.
- ``command``: the ``posegraph eval`` subcommand.

Example::

    from posegraph.app.eval import load_annotations, load_results, score

    annotations = load_annotations("person_keypoints_val.json")
    results = load_results("results.json", annotations)
    report = score(annotations, results, [image["id"] for image in annotations.images], joints=["limbs"])
    print(report.table())
"""

from __future__ import annotations

import importlib
from typing import Any

# Public names, imported on first use: ``posegraph eval``'s parser is built with every other
# subcommand's, and must not pull in OpenCV and pycocotools for them.
_EXPORTS = {"AnnotationError": "coco", "Annotations": "coco", "load_annotations": "coco", "load_results": "coco",
            "EvalReport": "report", "score": "report"}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
