"""Utility calculators: anchors, NMS, ROI geometry, rendering."""

from posegraph.calculators.util import (alignment_points_rects_calculator,  # noqa: F401
                                        detection_letterbox_removal_calculator, non_max_suppression_calculator,
                                        pose_renderer_calculator, rect_transformation_calculator,
                                        ssd_anchors_calculator)
