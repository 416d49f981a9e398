"""TileRectsCalculator: overlapping square tiles covering the image, as ROIs for a detector."""

from __future__ import annotations

import math
from dataclasses import dataclass

from posegraph import Calculator, CalculatorContext, Contract, Port, SidePacketError
from posegraph.calculators.formats import NormalizedRect


@dataclass(frozen=True)
class TileRectsCalculatorOptions:
    """Attributes:
        tiles: tiles along the image's shorter side (side packet TILES overrides); 1 gives none.
        max_tiles: the largest ``tiles`` accepted.
    """

    tiles: int = 1
    max_tiles: int = 8


def tile_rects(width: int, height: int, tiles: int) -> list[NormalizedRect]:
    """Square tiles, in pixels, over a ``width`` x ``height`` image, each overlapping its
    neighbours by half: along the shorter side ``tiles`` tiles of side ``2 s / (tiles + 1)`` (``s``
    the shorter side) at a stride of half that; along the longer side as many as cover it at about
    the same stride, spread evenly. Anything up to half a tile across lies wholly inside at least
    one tile. Row by row, top to bottom, left to right; none when ``tiles`` is 1.

    Returns:
        NormalizedRects (fractions of the image's width and height, rotation 0).
    """
    if tiles <= 1:
        return []
    side = 2 * min(width, height) / (tiles + 1)

    def starts(length: int) -> list[float]:
        count = max(2, math.ceil((length - side) / (side / 2) - 1e-9) + 1)
        return [i * (length - side) / (count - 1) for i in range(count)]

    return [NormalizedRect(x_center=(x + side / 2) / width, y_center=(y + side / 2) / height,
                           width=side / width, height=side / height)
            for y in starts(height) for x in starts(width)]


class TileRectsCalculator(Calculator):
    """Sends, at each IMAGE_SIZE (``(width, height)`` in pixels), the tuple of :func:`tile_rects`
    for ``tiles`` (side packet TILES, else the options): an empty tuple for 1.

    Raises (in ``open``):
        SidePacketError: ``tiles`` outside 1..``max_tiles``.
    """

    contract = Contract(inputs={"IMAGE_SIZE": Port(tuple)},
                        outputs={"NORM_RECTS": Port(tuple, doc="tuple[NormalizedRect]")},
                        input_side_packets={"TILES": Port(int, optional=True)},
                        options=TileRectsCalculatorOptions)

    def open(self, cc: CalculatorContext) -> None:
        self.tiles = cc.side_input("TILES", default=cc.options.tiles)
        if not 1 <= self.tiles <= cc.options.max_tiles:
            raise SidePacketError(f"detection_tiles must be between 1 (the whole frame only) and "
                                  f"{cc.options.max_tiles}, got {self.tiles}")
        self.size: tuple[int, int] | None = None
        self.rects: tuple[NormalizedRect, ...] = ()

    def process(self, cc: CalculatorContext) -> None:
        size = tuple(cc.value("IMAGE_SIZE"))
        if size != self.size:
            self.size, self.rects = size, tuple(tile_rects(size[0], size[1], self.tiles))
        cc.send("NORM_RECTS", self.rects)
