"""posegraph's built-in calculators, grouped by domain as MediaPipe groups them.

Importing this package registers them all.
"""

from posegraph.calculators import core, image, pose, tensor, util  # noqa: F401
