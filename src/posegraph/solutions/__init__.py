"""MediaPipe's legacy Python solutions API (``mp.solutions``, MediaPipe 0.10.21), on posegraph.

A script written for ``import mediapipe as mp`` that uses ``mp.solutions.pose``,
``mp.solutions.drawing_utils`` and ``mp.solutions.drawing_styles`` runs with that line changed to
``import posegraph as mp``. This is part of the application layer: it runs the bundled
``pose_tracking_module`` graph (:mod:`posegraph.solutions.pose`) and draws with OpenCV
(:mod:`posegraph.solutions.drawing_utils`). ``import posegraph`` loads it only when
``posegraph.solutions`` is first touched.
"""

from posegraph.solutions import drawing_styles, drawing_utils, pose

__all__ = ["drawing_styles", "drawing_utils", "pose"]
