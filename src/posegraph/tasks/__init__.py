"""MediaPipe's Tasks API on posegraph graphs (the application layer).

``posegraph.tasks.vision.PoseLandmarker`` is MediaPipe's ``mediapipe.tasks.python.vision.PoseLandmarker``
with the same options, running modes and result, run by the bundled ``multi_pose_tracking_module`` graph,
and with each person's track id, box and score added. Like the rest of the application layer it
imports only the engine and the calculators; it is not imported by ``import posegraph``.
"""

from posegraph.tasks import vision

__all__ = ["vision"]
