"""The BlazePose stages: landmarks from tensors, visibility gating, landmark filtering."""

from posegraph.calculators.pose import (pose_landmark_filtering_calculator,  # noqa: F401
                                        tensors_to_pose_landmarks_calculator, visibility_gating_calculator)
