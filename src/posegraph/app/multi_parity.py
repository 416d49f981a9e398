"""Multi-person figures: parity with MediaPipe's Tasks PoseLandmarker, and identity stability.

References are MediaPipe 0.10.21's Tasks PoseLandmarker outputs made by
``../shared/tools/mediapipe_tasks_reference.py`` (schema: per frame ``poses``, each with
``landmarks`` (33 x [x, y, z, visibility, presence], normalized) and ``world``), read as JSON or
gzip-compressed JSON. MediaPipe's result carries no identity, so its poses and ours are paired
frame by frame: the pairing that minimizes the sum of per-pose median landmark distances
(``scipy.optimize.linear_sum_assignment``). Distances are Euclidean, between matching landmarks'
(x, y), in image pixels. A reference made with ``--masks`` has its masks beside it
(``NAME.masks.npz`` for ``NAME.json[.gz]``, key ``f{frame}_p{pose}``, float16 (H, W)); each paired
pose's mask is then compared with the reference pose's, pixel by pixel.

Run as ``python -m posegraph.app.multi_parity REFERENCE --input MEDIA [--side-packet NAME=VALUE ...]``
to print one JSON line of figures (the graph runs the reference's model, and makes masks when the
reference has them), or ``python -m posegraph.app.multi_parity REFERENCE --against OTHER`` to
compare two references of the same media, OTHER in our place (MediaPipe against itself on
slightly changed input: ``tests/e2e/make_perturbed_multi_references.py``).
"""

from __future__ import annotations

import argparse
import gzip
import json
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np
from scipy.optimize import linear_sum_assignment

from posegraph import Graph
from posegraph.app.parity import decode_frames, distance_stats, mask_error, worst_mask_errors
from posegraph.calculators.formats import LandmarkList, NormalizedLandmarkList, Pose
from posegraph.calculators.pose.association import iou_matrix, landmarks_box
from posegraph.tasks.vision.pose_landmarker import MODEL_COMPLEXITY

#: A MediaPipe pose counts as found when one of ours lies within this median distance (px).
VIDEO_MATCH_PX = 2.0
#: How many leading frames ``compare`` lists the per-pose median distances of.
FIRST_FRAMES = 5
#: Frames an id may go unseen and still be recognised when the person comes back.
IDENTITY_GAP_FRAMES = 5
#: Box IoU above which poses in nearby frames are taken to be the same person.
IDENTITY_IOU = 0.5


def load_reference(path: str | Path) -> dict[str, Any]:
    """A Tasks reference from ``.json`` or ``.json.gz``."""
    data = Path(path).read_bytes()
    if str(path).endswith(".gz"):
        data = gzip.decompress(data)
    return json.loads(data)


def reference_masks(path: str | Path) -> dict[tuple[int, int], np.ndarray]:
    """The masks beside a Tasks reference, by ``(frame, pose)`` (empty when there are none)."""
    name = Path(path).name
    stem = name[:-len(".json.gz")] if name.endswith(".json.gz") else Path(name).stem
    masks_path = Path(path).with_name(f"{stem}.masks.npz")
    if not masks_path.exists():
        return {}
    with np.load(masks_path) as masks:
        return {tuple(int(v) for v in key[1:].split("_p")): masks[key] for key in masks.files}  # type: ignore[misc]


def run_graph(media: str, side_packets: dict[str, Any], graph: Graph | None = None) -> list[tuple[Pose, ...]]:
    """The POSES of each frame of ``media`` from ``graph``, by default a new bundled multi-person
    module (``multi_pose_tracking_module``)."""
    runner = graph if graph is not None else Graph.from_name("multi_pose_tracking_module")
    return [out["poses"] for _, out in runner.process_frames(iter(decode_frames(media)), outputs=["poses"],
                                                            side_packets=side_packets)]


def reference_poses(reference: dict[str, Any]) -> list[tuple[Pose, ...]]:
    """A reference's poses as :class:`Pose` tuples per frame (id -1, score 0, box from the
    landmarks), to stand in for a graph's output in :func:`compare`."""
    frames = []
    for frame in reference["frames"]:
        poses = []
        for pose in frame["poses"]:
            landmarks = np.asarray(pose["landmarks"], np.float32)
            poses.append(Pose(id=-1, score=0.0, box=landmarks_box(landmarks), landmarks=NormalizedLandmarkList(landmarks),
                              world_landmarks=LandmarkList(np.asarray(pose["world"], np.float32))))
        frames.append(tuple(poses))
    return frames


def pair_poses(reference: Sequence[np.ndarray], ours: Sequence[np.ndarray],
               size: tuple[int, int]) -> list[tuple[int, int, np.ndarray]]:
    """Pairs one frame's reference poses with ours.

    Args:
        reference, ours: landmark arrays (33, >=2), x and y normalized to the image.
        size: ``(width, height)`` in pixels.

    Returns:
        ``(reference index, our index, distances)`` per pair, ``distances`` the 33 per-landmark
        distances in pixels; the pairing minimizes the sum of per-pose median distances.
    """
    if not reference or not ours:
        return []
    scale = np.asarray(size, np.float64)
    dist = [[np.hypot(*((np.asarray(o)[:, :2] - np.asarray(r)[:, :2]) * scale).T) for o in ours] for r in reference]
    cost = np.array([[np.median(d) for d in row] for row in dist])
    rows, cols = linear_sum_assignment(cost)
    return [(int(r), int(c), dist[r][c]) for r, c in zip(rows, cols)]


def compare(reference: dict[str, Any], ours: list[tuple[Pose, ...]],
            masks: dict[tuple[int, int], np.ndarray] | None = None) -> dict[str, Any]:
    """Parity figures of ``ours`` (one tuple of poses per frame) against a Tasks reference.

    - ``same_count``: fraction of frames with as many poses as MediaPipe.
    - ``landmark_px``: distance statistics over the landmarks of all paired poses.
    - ``matched``: fraction of MediaPipe's poses paired with one of ours whose median distance is
      at most :data:`VIDEO_MATCH_PX`.
    - ``extra_poses``: our poses beyond MediaPipe's count, summed over frames where we find more
      (people MediaPipe misses), and ``missing_poses`` the other way round.
    - ``first_frames_px``: for each of the first :data:`FIRST_FRAMES` frames, the paired poses'
      median distances, ascending (how a difference grows in a tracking loop).
    - with ``masks`` (``reference_masks``), ``mask_abs``: over the paired poses with a reference
      mask, the worst per-pose mean and 99th percentile of |ours - reference| over the image's
      pixels, and ``missing`` (paired poses without a mask of ours of the image's size).

    Raises:
        ValueError: the media and the reference disagree on the frame count.
    """
    frames = reference["frames"]
    if len(ours) != len(frames):
        raise ValueError(f"the media gave {len(ours)} frames, the reference has {len(frames)}")
    size = (reference["width"], reference["height"])
    px: list[float] = []
    same = matched = ref_total = our_total = extra = missing = 0
    mismatch_frames = []
    mask_errors: list[tuple[float, float]] = []
    mask_missing = 0
    first_frames: list[list[float]] = []
    for i, (ref, mine) in enumerate(zip(frames, ours)):
        ref_poses = [np.asarray(p["landmarks"]) for p in ref["poses"]]
        our_poses = [p.landmarks.data for p in mine]
        ref_total, our_total = ref_total + len(ref_poses), our_total + len(our_poses)
        extra += max(len(our_poses) - len(ref_poses), 0)
        missing += max(len(ref_poses) - len(our_poses), 0)
        if len(ref_poses) == len(our_poses):
            same += 1
        else:
            mismatch_frames.append(i)
        pairs = pair_poses(ref_poses, our_poses, size)
        if i < FIRST_FRAMES:
            first_frames.append(sorted(round(float(np.median(d)), 3) for _, _, d in pairs))
        for r, c, d in pairs:
            px.extend(d.tolist())
            matched += bool(np.median(d) <= VIDEO_MATCH_PX)
            if masks and (i, r) in masks:
                mask = mine[c].segmentation_mask
                error = mask_error(None if mask is None else mask.data, masks[(i, r)])
                if error is None:
                    mask_missing += 1
                else:
                    mask_errors.append(error)
    n = len(frames)
    mask_figures = {"mask_abs": {"poses": len(mask_errors), "missing": mask_missing,
                                 **worst_mask_errors(mask_errors)}} if masks else {}
    return {"frames": n, "same_count": round(same / n, 5) if n else None, "count_mismatch_frames": mismatch_frames[:20],
            "poses": {"mediapipe": ref_total, "posegraph": our_total}, "extra_poses": extra, "missing_poses": missing,
            "matched": round(matched / ref_total, 5) if ref_total else None, "landmark_px": distance_stats(px),
            "first_frames_px": first_frames, **mask_figures}


def id_switches(frames: Iterable[Sequence[Pose]]) -> dict[str, Any]:
    """How often ids change under a person who is still there.

    Each frame's poses are paired with the poses of ids seen in the previous
    :data:`IDENTITY_GAP_FRAMES` frames (each id by its most recent box), maximizing the total box
    IoU; a pair with IoU above :data:`IDENTITY_IOU` is the same person, and counts as a switch
    when its ids differ (a swap between two people, or a person who got a new id after a brief
    loss). Person-frames are all poses of all frames.

    Returns:
        ``{"person_frames", "switches", "per_100_person_frames", "ids", "switch_frames"}`` (``ids``:
        distinct ids; ``switch_frames``: the index of the frame of each switch).
    """
    recent: dict[int, tuple[int, tuple[float, ...]]] = {}  # id -> (frame, box)
    person_frames = 0
    switch_frames: list[int] = []
    ids: set[int] = set()
    for t, poses in enumerate(frames):
        person_frames += len(poses)
        ids.update(p.id for p in poses)
        previous = [(k, box) for k, (seen, box) in recent.items() if t - seen <= IDENTITY_GAP_FRAMES]
        if poses and previous:
            overlap = iou_matrix(_xywh([p.box for p in poses]), _xywh([box for _, box in previous]))
            for r, c in zip(*linear_sum_assignment(overlap, maximize=True)):
                if overlap[r, c] > IDENTITY_IOU and poses[r].id != previous[c][0]:
                    switch_frames.append(t)
        for p in poses:
            recent[p.id] = (t, p.box)
    switches = len(switch_frames)
    return {"person_frames": person_frames, "switches": switches,
            "per_100_person_frames": round(100 * switches / person_frames, 3) if person_frames else 0.0,
            "ids": len(ids), "switch_frames": switch_frames}


def _xywh(boxes: Sequence[Sequence[float]]) -> np.ndarray:
    return np.array([(x0, y0, x1 - x0, y1 - y0) for x0, y0, x1, y1 in boxes], np.float32).reshape(-1, 4)


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m posegraph.app.multi_parity", description=__doc__.split("\n")[0])
    ap.add_argument("reference")
    source = ap.add_mutually_exclusive_group(required=True)
    source.add_argument("--input", help="the media: run the multi-person module on it")
    source.add_argument("--against", metavar="OTHER", help="another reference of the same media, in our place")
    ap.add_argument("--side-packet", action="append", default=[], metavar="NAME=VALUE")
    a = ap.parse_args(argv)
    from posegraph.app.cli import parse_side_packets

    reference = load_reference(a.reference)
    if a.against:
        other = load_reference(a.against)
        report = {"reference": Path(a.reference).name, "against": Path(a.against).name,
                  **compare(reference, reference_poses(other))}
        print(json.dumps(report))
        return
    masks = reference_masks(a.reference)
    side_packets = {"num_poses": reference["num_poses"], "static_image_mode": reference["mode"] == "image",
                    "smooth_landmarks": False, "model_complexity": MODEL_COMPLEXITY[reference.get("model", "full")],
                    "enable_segmentation": bool(masks)}
    graph = Graph.from_name("multi_pose_tracking_module")
    side_packets.update(parse_side_packets(a.side_packet, graph.side_packet_types))
    ours = run_graph(a.input, side_packets, graph)
    report = {"reference": Path(a.reference).name, "side_packets": side_packets, **compare(reference, ours, masks),
              "identity": id_switches(ours)}
    print(json.dumps(report))


if __name__ == "__main__":
    main()
