"""Vision tasks: :class:`PoseLandmarker` (MediaPipe's Tasks pose landmarker, multi-person, with ids)."""

from posegraph.tasks.vision.pose_landmarker import (Image, ImageFormat, Landmark, NormalizedLandmark, PoseLandmarker,
                                                    PoseLandmarkerOptions, PoseLandmarkerResult, RunningMode)

__all__ = ["Image", "ImageFormat", "Landmark", "NormalizedLandmark", "PoseLandmarker", "PoseLandmarkerOptions",
           "PoseLandmarkerResult", "RunningMode"]
