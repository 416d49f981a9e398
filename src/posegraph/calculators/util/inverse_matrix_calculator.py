"""InverseMatrixCalculator: the inverse of a 4x4 transformation matrix (MediaPipe's)."""

from __future__ import annotations

import numpy as np

from posegraph import Calculator, CalculatorContext, Contract, Port
from posegraph.calculators.image.warp_affine import inverse_matrix


class InverseMatrixCalculator(Calculator):
    """Sends MATRIX inverted: float32 (4, 4) row-major in and out. Math:
    ``image.warp_affine.inverse_matrix``. Raises: a matrix that is not 4x4 or not invertible."""

    contract = Contract(inputs={"MATRIX": Port(np.ndarray)}, outputs={"MATRIX": Port(np.ndarray)})

    def process(self, cc: CalculatorContext) -> None:
        matrix = cc.value("MATRIX")
        if matrix is not None:
            cc.send("MATRIX", inverse_matrix(matrix))
