"""posegraph: MediaPipe's calculator-graph model in Python."""
