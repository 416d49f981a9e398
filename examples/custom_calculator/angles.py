"""Two calculators written outside posegraph: joint angles from pose landmarks, and a squat counter.

- :func:`joint_angle` is the math, a plain function on numpy arrays;
- :class:`JointAnglesCalculator` turns each frame's landmarks into named joint angles;
- :class:`SquatCounterCalculator` counts squat repetitions from the knee angles.

Importing this module registers both calculators, so a graph config can name them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from posegraph import Calculator, CalculatorContext, Contract, Port, register_calculator
from posegraph.calculators.formats import LandmarkList, NormalizedLandmarkList

#: Each angle is measured at the middle landmark, between the limbs to the outer two (MediaPipe's
#: 33-landmark indices: 11/12 shoulders, 13/14 elbows, 15/16 wrists, 23/24 hips, 25/26 knees,
#: 27/28 ankles).
JOINTS: dict[str, tuple[int, int, int]] = {
    "left_knee": (23, 25, 27),
    "right_knee": (24, 26, 28),
    "left_hip": (11, 23, 25),
    "right_hip": (12, 24, 26),
    "left_elbow": (11, 13, 15),
    "right_elbow": (12, 14, 16),
}


def joint_angle(a: Any, b: Any, c: Any) -> float:
    """The angle at ``b`` between the segments ``b->a`` and ``b->c``, in degrees, in [0, 180].

    ``a``, ``b``, ``c`` are points of the same dimension (2 or 3 coordinates, any unit as long as
    the axes share it). A straight limb gives 180, a fully folded one 0.

    Raises:
        ValueError: the points differ in shape, or ``a`` or ``c`` coincides with ``b`` (the angle is
            undefined).
    """
    a, b, c = (np.asarray(p, dtype=np.float64) for p in (a, b, c))
    if not a.shape == b.shape == c.shape or a.ndim != 1:
        raise ValueError(f"joint_angle needs three points of one dimension, got shapes {a.shape}, {b.shape}, {c.shape}")
    u, v = a - b, c - b
    nu, nv = np.linalg.norm(u), np.linalg.norm(v)
    if nu == 0.0 or nv == 0.0:
        raise ValueError("joint_angle is undefined: an end point coincides with the joint")
    cosine = float(np.dot(u, v) / (nu * nv))
    return float(np.degrees(np.arccos(np.clip(cosine, -1.0, 1.0))))


def joint_angles(points: np.ndarray) -> dict[str, float]:
    """The :data:`JOINTS` angles, in degrees, of 33 pose landmarks given as ``(33, D)`` coordinates."""
    return {name: joint_angle(points[i], points[j], points[k]) for name, (i, j, k) in JOINTS.items()}


@register_calculator
class JointAnglesCalculator(Calculator):
    """Sends ANGLES, a dict of the :data:`JOINTS` angles in degrees, for each pose.

    Connect exactly one of WORLD_LANDMARKS (metres, hip-centred: true 3D angles, the better choice)
    or LANDMARKS (normalized to the image), which then also needs IMAGE_SIZE to put x, y and z in
    pixels (MediaPipe's z is on the scale of x); angles from image landmarks are those of the pose
    as projected, with a coarser depth. Frames without a pose send nothing.
    """

    contract = Contract(
        inputs={
            "WORLD_LANDMARKS": Port(LandmarkList, optional=True, doc="33 landmarks, metres"),
            "LANDMARKS": Port(NormalizedLandmarkList, optional=True, doc="33 landmarks, normalized to the image"),
            "IMAGE_SIZE": Port(tuple, optional=True, doc="(width, height) px, with LANDMARKS"),
        },
        outputs={"ANGLES": Port(dict, doc="joint name -> degrees")},
    )

    def open(self, cc: CalculatorContext) -> None:
        world, image = cc.has_input("WORLD_LANDMARKS"), cc.has_input("LANDMARKS")
        if world == image:
            raise ValueError("connect exactly one of WORLD_LANDMARKS and LANDMARKS")
        if image and not cc.has_input("IMAGE_SIZE"):
            raise ValueError("LANDMARKS are normalized to the image: connect IMAGE_SIZE too")

    def process(self, cc: CalculatorContext) -> None:
        world = cc.value("WORLD_LANDMARKS")
        if world is not None:
            cc.send("ANGLES", joint_angles(world.data[:, :3]))
            return
        landmarks, size = cc.value("LANDMARKS"), cc.value("IMAGE_SIZE")
        if landmarks is None:
            return
        if size is None:
            raise ValueError("LANDMARKS arrived without an IMAGE_SIZE at the same timestamp")
        width, height = size
        cc.send("ANGLES", joint_angles(landmarks.data[:, :3] * np.array([width, height, width])))


@dataclass(frozen=True)
class SquatCounterCalculatorOptions:
    """Knee angles (degrees, the mean of both knees) that delimit one repetition.

    Attributes:
        down_angle: below it the person is down in a squat.
        up_angle: above it, after being down, the person is up again and the repetition counts.
            The gap between the two (hysteresis) keeps jitter near one threshold from counting twice.
    """

    down_angle: float = 110.0
    up_angle: float = 150.0


@register_calculator
class SquatCounterCalculator(Calculator):
    """Sends COUNT, the squat repetitions completed so far (an int), at every frame.

    A repetition is a descent below ``down_angle`` followed by a rise above ``up_angle`` (mean knee
    angle of the ANGLES from :class:`JointAnglesCalculator`). Frames without ANGLES (no pose) keep
    the state and still send the count.
    """

    contract = Contract(
        inputs={"ANGLES": Port(dict, doc="joint name -> degrees, with left_knee and right_knee")},
        outputs={"COUNT": Port(int, doc="repetitions completed so far")},
        options=SquatCounterCalculatorOptions,
        process_timestamp_bounds=True,
    )

    def open(self, cc: CalculatorContext) -> None:
        options: SquatCounterCalculatorOptions = cc.options
        if not options.down_angle < options.up_angle:
            raise ValueError(f"down_angle ({options.down_angle}) must be below up_angle ({options.up_angle})")
        self.count = 0
        self.down = False

    def process(self, cc: CalculatorContext) -> None:
        angles = cc.value("ANGLES")
        if angles is not None:
            knee = (angles["left_knee"] + angles["right_knee"]) / 2
            if not self.down and knee < cc.options.down_angle:
                self.down = True
            elif self.down and knee > cc.options.up_angle:
                self.down = False
                self.count += 1
        cc.send("COUNT", self.count)
