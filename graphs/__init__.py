"""Bundled graph configs (.pbtxt/.yaml): the pose tracking graph and its subgraphs."""
