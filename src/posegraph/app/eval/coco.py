"""COCO keypoint files in, COCOeval figures out.

Reads and checks an annotation file (COCO's format: ``images``, ``annotations`` with ``keypoints``
as ``[x, y, v] * K`` in image pixels, ``categories[0].keypoints`` naming the K keypoints) and a
results file (COCO's results format: ``[{"image_id", "category_id", "keypoints", "score"}]``), and
scores results with pycocotools' ``COCOeval`` (iouType ``"keypoints"``, the layout's OKS sigmas in
``params.kpt_oks_sigmas``), on the scored keypoints only: truth and results are cut to them before
COCOeval sees them, so an unscored keypoint changes no figure.

OKS (COCO's object keypoint similarity, computed by ``COCOeval.computeOks``) of a result against a
person is the mean over the person's labelled keypoints (v > 0) of
``exp(-d^2 / (2 * area * (2 * sigma)^2))``, d the distance in pixels. ``area`` is the annotation's
``area``; where the file gives none (AI Challenger, CrowdPose) it is 0.53 x the bbox's width x height,
the rule of xtcocotools' ``COCOeval(use_area=False)`` (jin-s13/xtcocoapi), which MMPose uses for
CrowdPose. (AI Challenger's own evaluation, keypoint_eval.py, scales by the whole bbox area.)
"""

from __future__ import annotations

import contextlib
import io
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from posegraph.app.eval.layouts import LIMBS, Layout, canonical, resolve
from posegraph.framework.errors import PosegraphError

AREA_FROM_BBOX = 0.53
"""Area of a person without an ``area`` entry, as a fraction of its bbox (xtcocotools' rule)."""


MATCH_OKS = float(np.finfo(np.float64).tiny)
"""The OKS threshold of the pose-to-person assignment behind found/missed and PCK: any overlap."""


class AnnotationError(PosegraphError):
    """An annotation or results file is not what ``posegraph eval`` needs: the message names the
    file and the entry (``annotations[3] (id 7)``) and says what is wrong."""


@dataclass(frozen=True)
class Annotations:
    """A checked COCO keypoint annotation file.

    Attributes:
        path: the file.
        layout: its keypoint layout, resolved (``layouts.resolve``).
        category_id: the id of ``categories[0]``, the category scored.
        images: the ``images`` entries (each with ``id`` and ``file_name``).
        people: the ``annotations`` entries of that category, each with ``keypoints`` (3K numbers,
            image pixels), ``bbox`` ([x, y, width, height], pixels) and ``area`` (pixels^2; filled
            in as 0.53 x bbox area where the file has none) and ``iscrowd`` (0 where absent).
    """

    path: Path
    layout: Layout
    category_id: int
    images: tuple[dict[str, Any], ...]
    people: tuple[dict[str, Any], ...]


def _read_json(path: Path, what: str) -> Any:
    try:
        return json.loads(Path(path).read_text())
    except OSError as e:
        raise AnnotationError(f"{path}: cannot read the {what}: {e.strerror or e}") from e
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise AnnotationError(f"{path}: the {what} is not JSON: {e}") from e


def _number_list(value: Any, length: int) -> bool:
    return (isinstance(value, list) and len(value) == length
            and all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in value))


def load_annotations(path: str | Path) -> Annotations:
    """Reads and checks a COCO keypoint annotation file.

    Raises:
        AnnotationError: the file cannot be read or is not JSON; it is not COCO keypoints (no
            ``images``, ``annotations`` or ``categories`` list, or ``categories[0]`` without a
            ``keypoints`` list); its layout has no keypoint in common with BlazePose; or an entry is
            malformed (an image without ``id``/``file_name``, an annotation without a unique ``id``,
            whose ``keypoints`` is not 3K numbers, without ``bbox`` when it has no ``area``, or
            naming an unknown image).
    """
    path = Path(path)
    data = _read_json(path, "annotation file")
    if not isinstance(data, dict):
        raise AnnotationError(f"{path}: not a COCO keypoint annotation file (the top level is not an object)")
    for key in ("images", "annotations", "categories"):
        if not isinstance(data.get(key), list):
            raise AnnotationError(f"{path}: not a COCO keypoint annotation file: no {key!r} list")
    categories = data["categories"]
    if not categories or not isinstance(categories[0], dict) or not isinstance(categories[0].get("keypoints"), list) \
            or not all(isinstance(n, str) for n in categories[0]["keypoints"]):
        raise AnnotationError(f"{path}: categories[0] has no 'keypoints' list of names: not COCO keypoint "
                              "annotations (a detection or caption file?)")
    names = categories[0]["keypoints"]
    layout = resolve(names)
    if not layout.scorable:
        raise AnnotationError(f"{path}: categories[0].keypoints ({', '.join(names)}) has no keypoint in common "
                              f"with BlazePose's landmarks (nose, eyes, ears, shoulders, elbows, wrists, hips, "
                              f"knees, ankles)")
    category_id = categories[0].get("id")
    images = []
    for i, image in enumerate(data["images"]):
        if not isinstance(image, dict) or "id" not in image or not isinstance(image.get("file_name"), str):
            raise AnnotationError(f"{path}: images[{i}] needs an 'id' and a 'file_name'")
        images.append(image)
    image_ids = {image["id"] for image in images}
    k = len(names)
    people = []
    seen: dict[Any, int] = {}  # annotation id -> index
    for i, ann in enumerate(data["annotations"]):
        where = f"{path}: annotations[{i}]" + (f" (id {ann['id']})" if isinstance(ann, dict) and "id" in ann else "")
        if not isinstance(ann, dict):
            raise AnnotationError(f"{where}: not an object")
        if ann.get("category_id", category_id) != category_id:
            continue
        if not _number_list(ann.get("keypoints"), 3 * k):
            raise AnnotationError(f"{where}: 'keypoints' must be {3 * k} numbers ([x, y, v] for each of the "
                                  f"{k} keypoints of categories[0])")
        if ann.get("image_id") not in image_ids:
            raise AnnotationError(f"{where}: image_id {ann.get('image_id')!r} is not in 'images'")
        if "id" not in ann:
            raise AnnotationError(f"{where}: no 'id'")
        if ann["id"] in seen:
            raise AnnotationError(f"{where}: the id is also annotations[{seen[ann['id']]}]'s")
        seen[ann["id"]] = i
        person = dict(ann, category_id=category_id, iscrowd=ann.get("iscrowd", 0))
        if "area" not in ann:
            if not _number_list(ann.get("bbox"), 4):
                raise AnnotationError(f"{where}: no 'area' and no 'bbox' [x, y, width, height] to derive it from")
            person["area"] = AREA_FROM_BBOX * ann["bbox"][2] * ann["bbox"][3]
        people.append(person)
    return Annotations(path, layout, category_id, tuple(images), tuple(people))


def load_results(path: str | Path, annotations: Annotations) -> list[dict[str, Any]]:
    """Reads and checks a COCO results file for ``annotations``: a list of
    ``{"image_id", "keypoints": [x, y, v] * K (pixels, the annotation's layout), "score"}``
    (``category_id``, when given, must be the annotated category's).

    Raises:
        AnnotationError: the file cannot be read or is not JSON, is not a list, or an entry is
            malformed or names an image the annotation file does not list.
    """
    path = Path(path)
    data = _read_json(path, "results file")
    if not isinstance(data, list):
        raise AnnotationError(f"{path}: not a COCO results file (expected a list of "
                              "{\"image_id\", \"keypoints\", \"score\"} objects)")
    image_ids = {image["id"] for image in annotations.images}
    k = len(annotations.layout.keypoints)
    for i, result in enumerate(data):
        where = f"{path}: [{i}]"
        if not isinstance(result, dict):
            raise AnnotationError(f"{where}: not an object")
        if result.get("image_id") not in image_ids:
            raise AnnotationError(f"{where}: image_id {result.get('image_id')!r} is not in {annotations.path}")
        if not _number_list(result.get("keypoints"), 3 * k):
            raise AnnotationError(f"{where}: 'keypoints' must be {3 * k} numbers, [x, y, v] for each keypoint of "
                                  f"{annotations.path}'s layout")
        if not _number_list([result.get("score")], 1):
            raise AnnotationError(f"{where}: 'score' must be a number")
        if result.get("category_id", annotations.category_id) != annotations.category_id:
            raise AnnotationError(f"{where}: category_id {result['category_id']!r} is not the annotated category "
                                  f"{annotations.category_id!r}")
    return [dict(r, category_id=annotations.category_id) for r in data]


def select_joints(layout: Layout, joints: Sequence[str] | None, where: str) -> tuple[int, ...]:
    """Indices (into the layout) of the keypoints to score: every scorable one when ``joints`` is
    ``None``; else the named ones (as the layout names them, compared by ``layouts.canonical``, or
    ``"limbs"`` for the 12 limb joints).

    Raises:
        AnnotationError: a named joint is not in the layout or has no BlazePose counterpart
            (``where`` names the annotation file).
    """
    if joints is None:
        return tuple(i for i, b in enumerate(layout.blazepose) if b is not None)
    wanted = [name for j in map(canonical, joints) for name in (LIMBS if j == "limbs" else (j,))]
    indices = []
    for name in wanted:
        if name not in layout.keypoints:
            raise AnnotationError(f"--joints {name}: {where} has no keypoint {name!r} "
                                  f"(it has: {', '.join(layout.keypoints)})")
        i = layout.keypoints.index(name)
        if layout.blazepose[i] is None:
            raise AnnotationError(f"--joints {name}: BlazePose has no landmark for {name!r}; scorable: "
                                  f"{', '.join(layout.scorable)}")
        indices.append(i)
    return tuple(sorted(set(indices)))


def cut(keypoints: Sequence[float], indices: Sequence[int]) -> list[float]:
    """``[x, y, v] * K`` cut to the keypoints at ``indices``."""
    return [keypoints[3 * i + c] for i in indices for c in range(3)]


@dataclass(frozen=True)
class CocoFigures:
    """What COCOeval gives, on the scored keypoints.

    Attributes:
        ap, ap50, ap75, ar: COCOeval's ``stats[0]``, ``[1]``, ``[2]``, ``[5]`` (AP at OKS .50:.05:.95,
            at .50, at .75; AR at .50:.95; all areas, 20 poses per image), -1 where no person counts.
        match: annotation id -> index (into the results) of the pose assigned to the person, ``None``
            for a missed person; every person COCOeval scores is a key (ignored ones, with no
            labelled scored keypoint, are absent). The assignment is COCOeval's own greedy matching
            (poses by descending score, each to the free person with the highest OKS) with its
            threshold lowered to ``MATCH_OKS``: any overlap, so that PCK judges every pose that is
            near a person, also where a dataset's sigmas make OKS small (AI Challenger's).
        oks: annotation id -> OKS of its assigned pose.
        false_poses: indices of results assigned to no person.
    """

    ap: float
    ap50: float
    ap75: float
    ar: float
    match: dict[Any, int | None]
    oks: dict[Any, float]
    false_poses: tuple[int, ...]


def _coco(dataset: dict[str, Any]) -> Any:
    from pycocotools.coco import COCO

    coco = COCO()
    coco.dataset = dataset
    with contextlib.redirect_stdout(io.StringIO()):  # pycocotools prints its progress
        coco.createIndex()
    return coco


def evaluate(annotations: Annotations, results: Sequence[dict[str, Any]], image_ids: Sequence[Any],
             indices: Sequence[int]) -> CocoFigures:
    """COCOeval's keypoint figures and matches for ``results`` on the images ``image_ids``, scoring
    the keypoints at ``indices`` of the layout (with the layout's sigmas)."""
    from pycocotools.cocoeval import COCOeval

    names = [annotations.layout.keypoints[i] for i in indices]
    category = {"id": annotations.category_id, "name": "person", "keypoints": names}
    scored_images = set(image_ids)
    images = [im for im in annotations.images if im["id"] in scored_images]
    gts = []
    for person in annotations.people:
        if person["image_id"] in scored_images:
            keypoints = cut(person["keypoints"], indices)
            gts.append(dict(person, keypoints=keypoints, num_keypoints=sum(v > 0 for v in keypoints[2::3])))
    dts = []
    for i, result in enumerate(results):
        if result["image_id"] in scored_images:
            keypoints = np.asarray(cut(result["keypoints"], indices), np.float64).reshape(-1, 3)
            x0, y0 = keypoints[:, :2].min(axis=0)
            x1, y1 = keypoints[:, :2].max(axis=0)
            # as COCO.loadRes fills in a keypoint result's box and area
            dts.append({"id": i + 1, "image_id": result["image_id"], "category_id": annotations.category_id,
                        "keypoints": keypoints.ravel().tolist(), "score": float(result["score"]),
                        "bbox": [x0, y0, x1 - x0, y1 - y0], "area": (x1 - x0) * (y1 - y0), "iscrowd": 0})
    coco_gt = _coco({"images": images, "categories": [category], "annotations": gts})
    coco_dt = _coco({"images": images, "categories": [category], "annotations": dts})
    ev = COCOeval(coco_gt, coco_dt, "keypoints")
    ev.params.kpt_oks_sigmas = np.array([annotations.layout.sigmas[i] for i in indices], np.float64)
    ev.params.imgIds = [im["id"] for im in images]
    with contextlib.redirect_stdout(io.StringIO()):
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
        ev.params.iouThrs = np.array([MATCH_OKS])  # the assignment for found/missed and PCK
        ev.evaluate()
    match: dict[Any, int | None] = {}
    oks: dict[Any, float] = {}
    false_poses: list[int] = []
    # evalImgs holds [category][area range][image]: the first len(imgIds) are area "all".
    for image_id, e in zip(ev.params.imgIds, ev.evalImgs[:len(ev.params.imgIds)]):
        if e is None:
            continue
        # COCOeval.computeOks's matrix: results by descending score (stable), people in _gts order
        ious = ev.ious[image_id, annotations.category_id]
        gt_order = [g["id"] for g in ev._gts[image_id, annotations.category_id]]
        dt_order = [d["id"] for d in sorted(ev._dts[image_id, annotations.category_id], key=lambda d: -d["score"])]
        for gt_id, matched, ignored in zip(e["gtIds"], e["gtMatches"][0], e["gtIgnore"]):
            if ignored:
                continue
            match[gt_id] = int(matched) - 1 if matched else None
            if matched:
                oks[gt_id] = float(ious[dt_order.index(int(matched)), gt_order.index(gt_id)])
        false_poses += [int(d) - 1 for d, m, ig in zip(e["dtIds"], e["dtMatches"][0], e["dtIgnore"][0])
                        if not m and not ig]
    stats = ev.stats
    return CocoFigures(float(stats[0]), float(stats[1]), float(stats[2]), float(stats[5]), match, oks,
                       tuple(sorted(false_poses)))
