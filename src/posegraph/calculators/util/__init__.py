"""Utility calculators and their math: SSD anchors, non-max suppression, ROI geometry, one-euro filters."""
