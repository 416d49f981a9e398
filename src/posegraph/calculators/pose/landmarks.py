"""The names of BlazePose's 33 landmarks, by index: one list for code, files and docs.

Plain data (no OpenCV, nothing registered): ``POSE_LANDMARK_NAMES[11]`` is ``"left_shoulder"``,
as in MediaPipe's ``PoseLandmark`` enum (lower-cased). Left and right are the person's own.
"""

from __future__ import annotations

POSE_LANDMARK_NAMES: tuple[str, ...] = (
    "nose", "left_eye_inner", "left_eye", "left_eye_outer", "right_eye_inner", "right_eye",
    "right_eye_outer", "left_ear", "right_ear", "mouth_left", "mouth_right", "left_shoulder",
    "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_pinky",
    "right_pinky", "left_index", "right_index", "left_thumb", "right_thumb", "left_hip",
    "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle", "left_heel",
    "right_heel", "left_foot_index", "right_foot_index",
)
"""The 33 BlazePose landmarks by index (MediaPipe's PoseLandmark)."""
