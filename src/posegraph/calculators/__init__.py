"""posegraph's built-in calculators, grouped by domain as MediaPipe groups them.

- ``core``: routing packets (gate, merge, previous loopback, presence, split, flow limiter, constants,
  BeginLoop/EndLoop loops over collections, clipping a collection);
- ``image``: image properties, image or ROI to tensor;
- ``tensor``: inference (on the runtime and accelerator ``runtimes`` loads) and decoding a
  detector's tensors;
- ``util``: anchors, non-max suppression, ROI geometry (rects from points, rect transformation);
- ``pose``: everything BlazePose-only (landmark decoding, smoothing, visibility gating,
  segmentation, the 33-point skeleton drawing (one person, or several each in its own colour),
  and multi-person tracking: the detector's schedule, associating tracked people with
  detections, track ids).

Importing a package or module here registers nothing: each calculator is declared as an entry
point in ``pyproject.toml`` and loaded when a graph names it. ``formats`` holds the packet payload
types (MediaPipe's Detection, NormalizedRect and landmark lists, and the multi-person Pose and
Poses). Calculators import only the engine (``posegraph``) and each other, never
``posegraph.app``.
"""
