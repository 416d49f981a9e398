"""Running one graph over many videos and images: :func:`run` (``posegraph batch`` on the command line).

Lives in the app layer (``posegraph.app.batch``); this module is its public name. Importing it
does not import Ray: only ``run(..., engine="ray")`` does.
"""

from posegraph.app.batch import ENGINES, LANDMARK_FORMATS, MANIFEST_FIELDS, BatchError, run

__all__ = ["BatchError", "ENGINES", "LANDMARK_FORMATS", "MANIFEST_FIELDS", "run"]
