"""posegraph's benchmarks: ``python -m benchmarks`` prints every figure in one run."""
