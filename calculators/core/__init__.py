"""Generic calculators that route packets: gate, merge, previous loopback, presence, split, constants."""

from posegraph.calculators.core import (constant_side_packet, flow_limiter, gate, merge, packet_presence,
                                        pass_through, previous_loopback, split_vector)

__all__ = ["constant_side_packet", "flow_limiter", "gate", "merge", "packet_presence", "pass_through", "previous_loopback",
           "split_vector"]
