"""``posegraph eval --draw``: each image with a missed or far-off person, truth and prediction drawn."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import cv2
import numpy as np

from posegraph.app.eval.coco import Annotations
from posegraph.app.eval.report import EvalReport
from posegraph.app.media import ImageSource, open_sink

TRUTH = (0, 200, 0)
PREDICTION = (230, 40, 40)
MISSED = (240, 200, 0)


def draw(report: EvalReport, annotations: Annotations, results: Sequence[dict[str, Any]], images_dir: Path,
         out_dir: Path) -> list[Path]:
    """Writes ``out_dir/<file_name>`` for every image with a person that was missed or is far off (a
    labelled keypoint of the assigned pose outside PCK@0.2's radius): the person's scored truth
    keypoints (green dots) and bbox (yellow for a missed person, red for a far-off one) and, for a
    far-off one, the assigned pose's keypoints (red dots) joined to the truth by a line (the error),
    with its OKS and PCK count above the bbox. Returns the files written.

    Raises:
        MediaError: an image cannot be read or an output written.
    """
    names = set(report.keypoints)
    scored = [i for i, k in enumerate(annotations.layout.keypoints) if k in names]
    people = {p["id"]: p for p in annotations.people}
    by_image: dict[str, list[Any]] = {}
    for row in report.rows:
        if row.status == "missed" or (row.correct is not None and row.correct < row.keypoints):
            by_image.setdefault(row.file_name, []).append(row)
    written = []
    out_dir.mkdir(parents=True, exist_ok=True)
    for file_name, rows in by_image.items():
        with ImageSource(images_dir / file_name) as source:
            image = np.ascontiguousarray(next(iter(source)).image)
        for row in rows:
            person = people[row.annotation_id]
            truth = np.asarray(person["keypoints"], np.float64).reshape(-1, 3)[scored]
            x, y, w, h = (int(round(v)) for v in person["bbox"])
            label = "missed" if row.status == "missed" else f"OKS {row.oks:.2f}, {row.correct}/{row.keypoints} in PCK"
            color = MISSED if row.status == "missed" else PREDICTION
            cv2.rectangle(image, (x, y), (x + w, y + h), color, 2)
            cv2.putText(image, label, (x, max(12, y - 4)), cv2.FONT_HERSHEY_SIMPLEX, 0.5, color, 1, cv2.LINE_AA)
            if row.result is not None:
                pred = np.asarray(results[row.result]["keypoints"], np.float64).reshape(-1, 3)[scored]
                for (tx, ty, v), (px, py, _) in zip(truth, pred):
                    if v > 0:
                        cv2.line(image, (int(tx), int(ty)), (int(px), int(py)), PREDICTION, 1, cv2.LINE_AA)
                    cv2.circle(image, (int(px), int(py)), 4, PREDICTION, -1, cv2.LINE_AA)
            for tx, ty, v in truth:
                if v > 0:
                    cv2.circle(image, (int(tx), int(ty)), 4, TRUTH, -1, cv2.LINE_AA)
        path = out_dir / file_name
        path.parent.mkdir(parents=True, exist_ok=True)
        with open_sink(path, 0.0, (image.shape[1], image.shape[0])) as sink:
            sink.write(image)
        written.append(path)
    return written
