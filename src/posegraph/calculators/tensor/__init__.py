"""Tensor calculators: inference, detector tensor decoding, activations."""
