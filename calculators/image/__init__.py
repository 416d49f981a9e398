"""Image calculators: image properties, image/ROI to tensor."""

from posegraph.calculators.image import image_properties_calculator, image_to_tensor_calculator  # noqa: F401
