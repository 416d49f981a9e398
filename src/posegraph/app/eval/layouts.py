"""Keypoint layouts of the COCO-style datasets, their OKS sigmas, and BlazePose's counterparts.

Data only. A layout is read from an annotation file's ``categories[0].keypoints``; its names are
compared after :func:`canonical` (``"Right Shoulder"`` is ``right_shoulder``). A keypoint is scored
when a BlazePose landmark truly corresponds to it: the 17 COCO joints, each the BlazePose landmark of
the same name (MediaPipe's ``PoseLandmark``). Head top, head bottom, neck, head, pelvis, thorax and
upper neck have no BlazePose landmark and are left out of the score (and listed in the output).
BlazePose's other landmarks (eye corners, mouth, hands, heels, feet) are not annotated by these
datasets.

OKS sigmas (the per-keypoint constant of COCO's object keypoint similarity, in units of the
object's scale): each dataset's documented values where it has them, else COCO's for the same joint.
"""

from __future__ import annotations

from dataclasses import dataclass

from posegraph.calculators.pose.render import POSE_LANDMARK_NAMES

COCO_SIGMAS: dict[str, float] = {
    "nose": .026, "left_eye": .025, "right_eye": .025, "left_ear": .035, "right_ear": .035,
    "left_shoulder": .079, "right_shoulder": .079, "left_elbow": .072, "right_elbow": .072,
    "left_wrist": .062, "right_wrist": .062, "left_hip": .107, "right_hip": .107,
    "left_knee": .087, "right_knee": .087, "left_ankle": .089, "right_ankle": .089,
}
"""COCO's 17 keypoints in order, with their OKS sigmas (cocoapi, PythonAPI/pycocotools/cocoeval.py,
``Params.setKpParams``)."""

BLAZEPOSE_INDEX: dict[str, int] = {name: POSE_LANDMARK_NAMES.index(name) for name in COCO_SIGMAS}
"""Keypoint name -> index of the BlazePose landmark of the same name (0 nose ... 28 right_ankle)."""

LIMBS: tuple[str, ...] = ("left_shoulder", "right_shoulder", "left_elbow", "right_elbow", "left_wrist",
                          "right_wrist", "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle",
                          "right_ankle")
"""The 12 limb joints every layout here annotates (``--joints limbs``)."""

TORSO = (("left_shoulder", "right_shoulder"), ("left_hip", "right_hip"))
"""The joints whose midpoints define the torso size for PCK (see ``posegraph.app.eval.pck``)."""


@dataclass(frozen=True)
class KnownLayout:
    """A dataset's keypoint layout: canonical names in annotation order, and its own OKS sigmas
    (``None`` where the dataset documents none: COCO's for the same joint are used)."""

    name: str
    keypoints: tuple[str, ...]
    sigmas: tuple[float, ...] | None
    sigma_source: str


KNOWN_LAYOUTS: tuple[KnownLayout, ...] = (
    KnownLayout("COCO", tuple(COCO_SIGMAS), tuple(COCO_SIGMAS.values()),
                "COCO's (cocoapi, pycocotools/cocoeval.py)"),
    KnownLayout("CrowdPose", ("left_shoulder", "right_shoulder", "left_elbow", "right_elbow", "left_wrist",
                              "right_wrist", "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle",
                              "right_ankle", "head", "neck"),
                (.079, .079, .072, .072, .062, .062, .107, .107, .087, .087, .089, .089, .079, .079),
                "CrowdPose's (Jeff-sjtu/CrowdPose, crowdpose-api/PythonAPI/crowdposetools/cocoeval.py)"),
    KnownLayout("AI Challenger", ("right_shoulder", "right_elbow", "right_wrist", "left_shoulder", "left_elbow",
                                  "left_wrist", "right_hip", "right_knee", "right_ankle", "left_hip", "left_knee",
                                  "left_ankle", "head_top", "neck"),
                (0.01388152, 0.01515228, 0.01057665, 0.01417709, 0.01497891, 0.01402144, 0.03909642,
                 0.03686941, 0.01981803, 0.03843971, 0.03412318, 0.02415081, 0.01291456, 0.01236173),
                "AI Challenger's (AIChallenger/AI_Challenger_2017, Evaluation/keypoint_eval/keypoint_eval.py, "
                "delta = 2 x sigma)"),
    KnownLayout("MPII", ("right_ankle", "right_knee", "right_hip", "left_hip", "left_knee", "left_ankle", "pelvis",
                         "thorax", "upper_neck", "head_top", "right_wrist", "right_elbow", "right_shoulder",
                         "left_shoulder", "left_elbow", "left_wrist"),
                None, "COCO's for the same joint (MPII documents no OKS sigmas)"),
    KnownLayout("PoseTrack", ("nose", "head_bottom", "head_top", "left_ear", "right_ear", "left_shoulder",
                              "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_hip",
                              "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle"),
                None, "COCO's for the same joint (PoseTrack documents no OKS sigmas)"),
)
"""The layouts recognised by their exact (canonical) keypoint list."""


def canonical(name: str) -> str:
    """A keypoint name as compared here: lower case, spaces and hyphens as underscores
    (``"Head top"`` -> ``head_top``)."""
    return "_".join(name.strip().lower().replace("-", " ").split())


@dataclass(frozen=True)
class Layout:
    """An annotation file's layout, resolved.

    Attributes:
        name: the known layout's name, or ``"custom"``.
        keypoints: canonical names, in the annotation's order (K of them).
        blazepose: per keypoint, the BlazePose landmark index, or ``None`` when none corresponds.
        sigmas: per keypoint, the OKS sigma used (``None`` for a keypoint that is not scored).
        sigma_source: where the sigmas come from, said in the output.
    """

    name: str
    keypoints: tuple[str, ...]
    blazepose: tuple[int | None, ...]
    sigmas: tuple[float | None, ...]
    sigma_source: str

    @property
    def scorable(self) -> tuple[str, ...]:
        """The keypoints with a BlazePose counterpart, in layout order."""
        return tuple(k for k, b in zip(self.keypoints, self.blazepose) if b is not None)

    @property
    def unscored(self) -> tuple[str, ...]:
        """The keypoints with no BlazePose counterpart (left out of every figure)."""
        return tuple(k for k, b in zip(self.keypoints, self.blazepose) if b is None)


def resolve(names: list[str]) -> Layout:
    """The :class:`Layout` of an annotation file's ``categories[0].keypoints``.

    A known layout (same canonical names in the same order) brings its own sigmas; any other list is
    mapped by name with COCO's sigmas. Raises nothing: a layout with no scorable keypoint is the
    caller's error to report (it knows the file).
    """
    keypoints = tuple(canonical(n) for n in names)
    known = next((k for k in KNOWN_LAYOUTS if k.keypoints == keypoints), None)
    blazepose = tuple(BLAZEPOSE_INDEX.get(k) for k in keypoints)
    if known is not None and known.sigmas is not None:
        sigmas: tuple[float | None, ...] = tuple(s if b is not None else None for s, b in zip(known.sigmas, blazepose))
        source = known.sigma_source
    else:
        sigmas = tuple(COCO_SIGMAS.get(k) for k in keypoints)
        source = known.sigma_source if known is not None else "COCO's for the same joint (custom layout)"
    return Layout(known.name if known is not None else "custom", keypoints, blazepose, sigmas, source)
