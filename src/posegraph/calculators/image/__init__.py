"""Image calculators: image properties, image or ROI to tensor (and the warp they share)."""
