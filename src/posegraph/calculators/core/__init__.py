"""Generic calculators that route packets: gate, merge, previous loopback, presence, split, flow limiter, constants."""
