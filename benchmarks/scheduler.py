"""The scheduler alone: pass-through chains and a fan-out/fan-in graph, inline and pooled."""

from __future__ import annotations

import time
from typing import Any


def chain_config(length: int) -> str:
    nodes = "\n".join(f'node {{ calculator: "PassThroughCalculator" input_stream: "s{i}" output_stream: "s{i + 1}" }}'
                      for i in range(length))
    return f'input_stream: "s0"\noutput_stream: "s{length}"\n{nodes}\n'


def fan_config(width: int) -> str:
    """One input fanned out to ``width`` pass-through nodes, merged back by one node."""
    branches = "\n".join(f'node {{ calculator: "PassThroughCalculator" input_stream: "src" output_stream: "b{i}" }}'
                         for i in range(width))
    merge_inputs = " ".join(f'input_stream: "b{i}"' for i in range(width))
    return (f'input_stream: "src"\noutput_stream: "out"\n{branches}\n'
            f'node {{ calculator: "MergeCalculator" {merge_inputs} output_stream: "out" }}\n')


def measure(config: str, nodes: int, packets: int, threads: int) -> dict[str, Any]:
    from posegraph import Graph

    graph = Graph.from_string(config, num_threads=threads)
    received = [0]
    graph.observe(graph.output_streams[0], lambda p: received.__setitem__(0, received[0] + 1))
    graph.start()
    name = graph.input_streams[0]
    start = time.perf_counter()
    for i in range(packets):
        graph.add_packet(name, i, i)
    graph.close()
    seconds = time.perf_counter() - start
    assert received[0] == packets, f"lost packets: {received[0]} of {packets}"
    return {"nodes": nodes, "threads": threads, "packets_per_s": round(packets / seconds, 1),
            "us_per_node_packet": round(seconds * 1e6 / (packets * nodes), 2)}


def run(packets: int = 2000, pool_threads: int = 2) -> list[dict[str, Any]]:
    rows = []
    for threads in (1, pool_threads):
        for length in (1, 20, 100):
            rows.append({"graph": f"chain of {length}", **measure(chain_config(length), length, packets, threads)})
        rows.append({"graph": "fan-out 10 / fan-in", **measure(fan_config(10), 11, packets, threads)})
    return rows


def format_report(rows: list[dict[str, Any]]) -> str:
    lines = ["scheduler: pass-through nodes (threads 1 = inline on the caller's thread)",
             "  graph                 threads   packets/s   us/node-packet"]
    lines += [f"  {r['graph']:<21} {r['threads']:>7} {r['packets_per_s']:>11.0f} {r['us_per_node_packet']:>16.2f}"
              for r in rows]
    return "\n".join(lines)
