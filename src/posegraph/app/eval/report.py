"""The figures of ``posegraph eval``: COCOeval's AP and AR, PCK@0.2, people found and missed, and
their table, JSON, per-person CSV and drawings."""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from posegraph.app.eval import coco, pck
from posegraph.app.eval.coco import Annotations


@dataclass(frozen=True)
class PersonRow:
    """One scored person: ``status`` ``"found"`` or ``"missed"`` (a pose assigned to the person,
    ``coco.CocoFigures.match``, or none), the matched pose's ``oks`` and ``score`` and its index in the results
    (``result``), the person's labelled scored ``keypoints`` and how many of them are within PCK's
    radius (``correct``, ``None`` where the torso is undefined), and the torso size in pixels."""

    image_id: Any
    file_name: str
    annotation_id: Any
    status: str
    oks: float | None
    score: float | None
    result: int | None
    keypoints: int
    correct: int | None
    torso_px: float | None


@dataclass
class EvalReport:
    """Every figure ``posegraph eval`` prints; ``to_json`` gives them as the ``--json`` file holds them.

    ``keypoints`` are the scored keypoints; ``unscored`` those of the layout with no BlazePose
    landmark, ``left_out`` those with one that ``--joints`` left out. ``rows`` has one
    :class:`PersonRow` per scored person; ``false_poses`` one ``(image_id, file_name, index in the
    results, score)`` per pose given to no person; ``missing_images`` maps the ``file_name`` of each
    image listed but not scored to the reason.

    AP, AP50, AP75 and AR are fractions in [0, 1] (``None`` where no person was scored); PCK
    figures are percentages (``None`` where no keypoint counts).
    """

    annotations: str
    layout: str
    keypoints: tuple[str, ...]
    unscored: tuple[str, ...]
    left_out: tuple[str, ...]
    sigma_source: str
    images: int
    ap: float | None
    ap50: float | None
    ap75: float | None
    ar: float | None
    pck_0_2: float | None
    per_keypoint: dict[str, float | None]
    rows: list[PersonRow]
    false_poses: list[tuple[Any, str, int, float]] = field(default_factory=list)
    missing_images: dict[str, str] = field(default_factory=dict)

    @property
    def people(self) -> int:
        """People scored: those with a labelled scored keypoint, on the images scored."""
        return len(self.rows)

    @property
    def found(self) -> int:
        """People given a pose."""
        return sum(r.status == "found" for r in self.rows)

    @property
    def pck_skipped(self) -> int:
        """People left out of PCK because their torso is undefined."""
        return sum(r.correct is None for r in self.rows)

    def to_json(self) -> dict[str, Any]:
        """The figures as the ``--json`` file holds them (``ap``, ``ap50``, ``ap75``, ``ar``,
        ``pck_0_2``, ``per_keypoint``, ``people``, ``found``, ``missed``, ``false_poses``, ...)."""
        return {"annotations": self.annotations, "layout": self.layout, "keypoints": list(self.keypoints),
                "unscored_keypoints": list(self.unscored),
                "left_out_keypoints": list(self.left_out), "sigmas": self.sigma_source, "images": self.images,
                "ap": self.ap, "ap50": self.ap50, "ap75": self.ap75, "ar": self.ar, "pck_0_2": self.pck_0_2,
                "per_keypoint": self.per_keypoint, "people": self.people, "found": self.found,
                "missed": self.people - self.found, "false_poses": len(self.false_poses),
                "pck_skipped": self.pck_skipped, "missing_images": self.missing_images}

    def table(self) -> str:
        """The human-readable report ``posegraph eval`` prints."""
        def f(value: float | None, digits: int) -> str:
            return "n/a" if value is None else f"{value:.{digits}f}"

        lines = [f"{self.annotations}: {self.layout} layout, {self.images} images scored",
                 f"scored keypoints ({len(self.keypoints)}): {', '.join(self.keypoints)}"]
        if self.unscored:
            lines.append(f"not scored, no BlazePose landmark: {', '.join(self.unscored)}")
        if self.left_out:
            lines.append(f"not scored, left out by --joints: {', '.join(self.left_out)}")
        lines += [f"OKS sigmas: {self.sigma_source}",
                  f"{'AP':>6} {'AP50':>6} {'AP75':>6} {'AR':>6} {'PCK@0.2':>8}",
                  f"{f(self.ap, 3):>6} {f(self.ap50, 3):>6} {f(self.ap75, 3):>6} {f(self.ar, 3):>6} "
                  f"{f(self.pck_0_2, 1):>8}",
                  f"people {self.people}: found {self.found}, missed {self.people - self.found}; "
                  f"false poses {len(self.false_poses)}"
                  + (f"; {self.pck_skipped} without a torso left out of PCK" if self.pck_skipped else ""),
                  "PCK@0.2 per keypoint: " + ", ".join(f"{k} {f(v, 1)}" for k, v in self.per_keypoint.items())]
        for name, reason in self.missing_images.items():
            lines.append(f"image not scored: {name}: {reason}")
        return "\n".join(lines)

    def write_csv(self, path: str | os.PathLike[str]) -> None:
        """One row per scored person, then one per false pose: image_id, file_name, annotation_id,
        status (found, missed, false_pose), oks, score, keypoints, correct, torso_px."""
        with open(path, "w", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(["image_id", "file_name", "annotation_id", "status", "oks", "score", "keypoints",
                             "correct", "torso_px"])
            for r in self.rows:
                writer.writerow([r.image_id, r.file_name, r.annotation_id, r.status,
                                 "" if r.oks is None else round(r.oks, 6), "" if r.score is None else round(r.score, 6),
                                 r.keypoints, "" if r.correct is None else r.correct,
                                 "" if r.torso_px is None else round(r.torso_px, 3)])
            for image_id, file_name, _, score in self.false_poses:
                writer.writerow([image_id, file_name, "", "false_pose", "", round(score, 6), "", "", ""])


def _figure(value: float) -> float | None:
    return None if value < 0 else value  # COCOeval's -1: nothing to score


def score(annotations: Annotations, results: Sequence[dict[str, Any]], scored_images: Sequence[Any],
          joints: Sequence[str] | None = None, missing_images: dict[str, str] | None = None) -> EvalReport:
    """Scores COCO keypoint ``results`` against ``annotations`` on the images ``scored_images``.

    ``joints`` restricts the scored keypoints (``coco.select_joints``). AP/AR and the matching of
    poses to people come from COCOeval (``coco.evaluate``); PCK@0.2 (``pck``) is computed on every
    scored person, a missed person's keypoints counting as wrong.

    Raises:
        AnnotationError: a joint of ``joints`` is unknown or has no BlazePose counterpart.
    """
    layout = annotations.layout
    indices = coco.select_joints(layout, joints, str(annotations.path))
    names = tuple(layout.keypoints[i] for i in indices)
    scored = list(indices)
    figures = coco.evaluate(annotations, results, scored_images, indices)
    files = {image["id"]: image["file_name"] for image in annotations.images}
    rows = []
    hits = np.zeros(len(indices), np.int64)
    counts = np.zeros(len(indices), np.int64)
    for person in annotations.people:
        if person["id"] not in figures.match:
            continue
        k = figures.match[person["id"]]
        truth = np.asarray(person["keypoints"], np.float64).reshape(-1, 3)
        torso = pck.torso_size(truth, layout.keypoints)
        labelled = truth[scored, 2] > 0
        correct = None
        if torso is not None:
            prediction = None if k is None else np.asarray(results[k]["keypoints"], np.float64).reshape(-1, 3)[scored]
            ok = pck.correct(truth[scored], prediction, torso) & labelled
            hits += ok
            counts += labelled
            correct = int(ok.sum())
        rows.append(PersonRow(person["image_id"], files[person["image_id"]], person["id"],
                              "missed" if k is None else "found", figures.oks.get(person["id"]),
                              None if k is None else float(results[k]["score"]), k, int(labelled.sum()), correct,
                              torso))
    per_keypoint = {name: (100.0 * int(h) / int(c) if c else None) for name, h, c in zip(names, hits, counts)}
    total = int(counts.sum())
    false_poses = [(results[i]["image_id"], files[results[i]["image_id"]], i, float(results[i]["score"]))
                   for i in figures.false_poses]
    return EvalReport(str(annotations.path), layout.name, names, layout.unscored,
                      tuple(k for k in layout.scorable if k not in names), layout.sigma_source,
                      len(scored_images), _figure(figures.ap), _figure(figures.ap50), _figure(figures.ap75),
                      _figure(figures.ar), 100.0 * int(hits.sum()) / total if total else None,
                      per_keypoint, rows, false_poses, dict(missing_images or {}))
