"""SSD anchor generation, as MediaPipe's SsdAnchorsCalculator computes it.

An anchor is ``[x_center, y_center, w, h]`` normalized to the detector's input tensor. The detector's
raw box regressors are offsets relative to these anchors (see ``tensor/detection_decoding.py``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["SsdAnchorsOptions", "generate_anchors"]


@dataclass(frozen=True)
class SsdAnchorsOptions:
    """Options of MediaPipe's SsdAnchorsCalculator (``SsdAnchorsCalculatorOptions``, same field names
    and defaults; feature-map sizes are always derived from ``strides``).

    Attributes:
        input_size_width, input_size_height: the detector's input tensor size in pixels.
        min_scale, max_scale: anchor scale of the first and last layer, linear in between.
        num_layers: number of output layers; must equal ``len(strides)``.
        strides: stride in pixels of each layer; consecutive layers with equal stride share one
            feature map, and their anchors are interleaved per cell.
        aspect_ratios: width/height ratios of the anchors of each layer.
        anchor_offset_x, anchor_offset_y: offset of the anchor centre inside a cell, in cells.
        reduce_boxes_in_lowest_layer: layer 0 uses the fixed set (ratio 1 at scale 0.1, ratios 2 and
            0.5 at the layer's scale) instead of ``aspect_ratios``.
        interpolated_scale_aspect_ratio: if > 0, each layer gets one more anchor of this ratio at
            scale ``sqrt(scale * next_scale)`` (next scale 1.0 after the last layer).
        fixed_anchor_size: all anchors get ``w = h = 1`` (the decoder then scales by the tensor size).
    """

    input_size_width: int
    input_size_height: int
    min_scale: float
    max_scale: float
    num_layers: int
    strides: tuple[int, ...]
    aspect_ratios: tuple[float, ...] = (1.0,)
    anchor_offset_x: float = 0.5
    anchor_offset_y: float = 0.5
    reduce_boxes_in_lowest_layer: bool = False
    interpolated_scale_aspect_ratio: float = 1.0
    fixed_anchor_size: bool = False


def _scale(min_scale: float, max_scale: float, stride_index: int, num_strides: int) -> np.float32:
    """MediaPipe's CalculateScale: float operands, the interpolation itself in double."""
    lo, hi = np.float32(min_scale), np.float32(max_scale)
    if num_strides == 1:
        return np.float32((lo + hi) * np.float32(0.5))
    step = float(hi - lo) * 1.0 * stride_index / (num_strides - 1.0)
    return np.float32(float(lo) + step)


def generate_anchors(options: SsdAnchorsOptions) -> np.ndarray:
    """Generate SSD anchors exactly as MediaPipe's SsdAnchorsCalculator (non-multiscale path).

    Args:
        options: the anchor configuration.

    Returns:
        float32 array of shape (N, 4): ``x_center, y_center, w, h``, normalized to the input tensor.
        Order: layer groups (equal strides merged), then cell rows, columns, then the cell's anchors.

    Raises:
        ValueError: if ``num_layers`` does not match ``len(strides)`` or a size is not positive.
    """
    strides = list(options.strides)
    if options.num_layers != len(strides):
        raise ValueError(f"SsdAnchorsOptions: num_layers is {options.num_layers} but "
                         f"{len(strides)} strides were given; give one stride per layer")
    if options.input_size_width <= 0 or options.input_size_height <= 0 or min(strides) <= 0:
        raise ValueError("SsdAnchorsOptions: input sizes and strides must be positive")

    blocks: list[np.ndarray] = []
    layer_id = 0
    while layer_id < options.num_layers:
        ratios: list[np.float32] = []
        scales: list[np.float32] = []
        last = layer_id
        while last < len(strides) and strides[last] == strides[layer_id]:
            scale = _scale(options.min_scale, options.max_scale, last, len(strides))
            if last == 0 and options.reduce_boxes_in_lowest_layer:
                ratios += [np.float32(1.0), np.float32(2.0), np.float32(0.5)]
                scales += [np.float32(0.1), scale, scale]
            else:
                for ratio in options.aspect_ratios:
                    ratios.append(np.float32(ratio))
                    scales.append(scale)
                if options.interpolated_scale_aspect_ratio > 0.0:
                    scale_next = (np.float32(1.0) if last == len(strides) - 1 else
                                  _scale(options.min_scale, options.max_scale, last + 1,
                                         len(strides)))
                    scales.append(np.sqrt(scale * scale_next, dtype=np.float32))
                    ratios.append(np.float32(options.interpolated_scale_aspect_ratio))
            last += 1

        ratio_sqrt = np.sqrt(np.array(ratios, np.float32))
        heights = np.array(scales, np.float32) / ratio_sqrt
        widths = np.array(scales, np.float32) * ratio_sqrt

        stride = strides[layer_id]
        fm_h = math.ceil(np.float32(options.input_size_height) / np.float32(stride))
        fm_w = math.ceil(np.float32(options.input_size_width) / np.float32(stride))
        ys = (np.arange(fm_h, dtype=np.float32) + np.float32(options.anchor_offset_y)) / np.float32(fm_h)
        xs = (np.arange(fm_w, dtype=np.float32) + np.float32(options.anchor_offset_x)) / np.float32(fm_w)
        n = len(ratios)
        block = np.empty((fm_h, fm_w, n, 4), np.float32)
        block[..., 0] = xs[None, :, None]
        block[..., 1] = ys[:, None, None]
        if options.fixed_anchor_size:
            block[..., 2:] = 1.0
        else:
            block[..., 2] = widths
            block[..., 3] = heights
        blocks.append(block.reshape(-1, 4))
        layer_id = last
    return np.concatenate(blocks, axis=0)
