#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Draws hv's exit trace: what the partitions did, as pictures.

  traceplot.py LOG [-o DIR] [--tsc-khz N]

LOG is a serial log holding trace lines (hv's dump at power-off, or
`pm trace read`; tools/trace2csv.py reads them, docs/benchmarks.md has
the format). Writes three pictures into DIR (default: .), each as PNG
and as SVG:

  exit-rate.*    exits per second over time, a line per partition and
                 exit reason;
  exit-time.*    a histogram of hv's time per exit (end - tsc), by reason;
  timeline.*     the scheduler's timeline: a row per CPU, a bar per slice,
                 coloured by partition.

Time is in seconds of the TSC when the log says its rate ("hv: tsc: N
kHz", or --tsc-khz), in TSC ticks otherwise; under Bochs the TSC counts
instructions. The figures' data come from rates(), exit_times() and
timeline(), which tools/test_traceplot.py checks against a recorded
trace. Needs matplotlib (Debian's python3-matplotlib).
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Optional

sys.path.insert(0, str(Path(__file__).resolve().parent))
import trace2csv  # noqa: E402

TSC_KHZ = re.compile(r"^hv: tsc: (\d+) kHz")
# Bins of the rate plot: enough to see a change, few enough to read.
RATE_BINS = 40
TIME_BINS = 30
NAMES = ("exit-rate", "exit-time", "timeline")


@dataclass
class Rates:
    """Exits per second in equal bins of time, per (partition, reason)."""
    edges: list[float]  # bin edges, in the unit of `unit`
    unit: str  # "s" or "tsc"
    series: dict[tuple[int, str], list[float]]  # per unit of time


@dataclass
class Bar:
    cpu: int
    start: float
    length: float
    partition: int
    vcpu: int


def tsc_khz_of(lines: Iterable[str]) -> Optional[int]:
    for line in lines:
        m = TSC_KHZ.match(trace2csv.ESCAPES.sub("", line))
        if m:
            return int(m.group(1))
    return None


def _scale(khz: Optional[int]) -> tuple[float, str]:
    """TSC ticks per unit of time, and the unit's name."""
    return (khz * 1000.0, "s") if khz else (1.0, "tsc")


def _origin(trace: trace2csv.Trace) -> int:
    starts = [r.tsc for r in trace.records] + [s.start for s in trace.slices]
    return min(starts) if starts else 0


def rates(trace: trace2csv.Trace, khz: Optional[int],
          bins: int = RATE_BINS) -> Rates:
    per, unit = _scale(khz)
    t0 = _origin(trace)
    if not trace.records:
        return Rates([0.0, 1.0], unit, {})
    last = max(r.tsc for r in trace.records)
    width = max((last - t0 + 1) / bins, 1.0)
    edges = [i * width / per for i in range(bins + 1)]
    series: dict[tuple[int, str], list[float]] = {}
    for r in trace.records:
        key = (r.partition, r.name)
        counts = series.setdefault(key, [0.0] * bins)
        counts[min(int((r.tsc - t0) / width), bins - 1)] += 1
    # Counts into rates: exits per unit of time (per second with a TSC rate).
    for counts in series.values():
        for i, c in enumerate(counts):
            counts[i] = c * per / width
    return Rates(edges, unit, series)


def exit_times(trace: trace2csv.Trace) -> dict[str, list[int]]:
    """hv's TSC ticks on each exit (end - start), by exit reason. Records of
    older logs, without an end, are left out."""
    out: dict[str, list[int]] = defaultdict(list)
    for r in trace.records:
        if r.end is not None:
            out[r.name].append(r.end - r.tsc)
    return dict(out)


def timeline(trace: trace2csv.Trace, khz: Optional[int]) -> list[Bar]:
    per, _ = _scale(khz)
    t0 = _origin(trace)
    return [Bar(s.cpu, (s.start - t0) / per, (s.end - s.start) / per,
                s.partition, s.vcpu) for s in trace.slices]


def _label(partition: int, names: dict[int, str]) -> str:
    return names.get(partition, f"partition {partition}")


def draw(trace: trace2csv.Trace, khz: Optional[int], names: dict[int, str],
         title: str = ""):
    """The three figures, as matplotlib Figures keyed by NAMES."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figs = {}
    r = rates(trace, khz)
    fig, ax = plt.subplots(figsize=(8, 4.5))
    mids = [(a + b) / 2 for a, b in zip(r.edges, r.edges[1:])]
    for (part, reason), ys in sorted(r.series.items()):
        ax.plot(mids, ys, marker=".", label=f"{_label(part, names)} {reason}")
    ax.set_xlabel(f"time ({r.unit}) since the trace's first record")
    ax.set_ylabel("exits per second" if r.unit == "s" else "exits per tick")
    ax.set_title(f"{title}exits over time, by partition and reason")
    if r.series:
        ax.legend(fontsize="small")
    figs["exit-rate"] = fig

    times = exit_times(trace)
    fig, ax = plt.subplots(figsize=(8, 4.5))
    if times:
        top = max(max(v) for v in times.values())
        edges = [top * i / TIME_BINS for i in range(TIME_BINS + 1)] if top \
            else [0, 1]
        reasons = sorted(times)
        ax.hist([times[k] for k in reasons], bins=edges, label=reasons,
                stacked=True)
        ax.legend(fontsize="small")
    ax.set_xlabel("hv's TSC ticks per exit, from the exit to the entry's "
                  "preparation")
    ax.set_ylabel("exits")
    ax.set_title(f"{title}hv's time per exit, by reason")
    figs["exit-time"] = fig

    bars = timeline(trace, khz)
    fig, ax = plt.subplots(figsize=(8, 3))
    parts = sorted({b.partition for b in bars})
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for i, part in enumerate(parts):
        mine = [b for b in bars if b.partition == part]
        for cpu in sorted({b.cpu for b in mine}):
            ax.broken_barh([(b.start, b.length) for b in mine if b.cpu == cpu],
                           (cpu - 0.4, 0.8), color=colours[i % len(colours)],
                           label=_label(part, names))
    handles, labels = ax.get_legend_handles_labels()
    seen = dict(zip(labels, handles))
    if seen:
        ax.legend(seen.values(), seen.keys(), fontsize="small")
    cpus = sorted({b.cpu for b in bars}) or [0]
    ax.set_yticks(cpus, [f"cpu {c}" for c in cpus])
    ax.set_xlabel(f"time ({_scale(khz)[1]}) since the trace's first record")
    ax.set_title(f"{title}which partition ran on which CPU when "
                 "(traced partitions)")
    figs["timeline"] = fig
    for f in figs.values():
        f.tight_layout()
    return figs


def partition_names(lines: Iterable[str]) -> dict[int, str]:
    """Ids to names, from pm's "created NAME (id N)" and hv's lines."""
    created = re.compile(r"pm: created ([A-Za-z0-9_-]+) \(id (\d+)\)$")
    kernel = re.compile(r"^\[([A-Za-z0-9_-]+)\] kernel: \1 \(id (\d+)\)")
    names: dict[int, str] = {}
    for line in lines:
        line = trace2csv.ESCAPES.sub("", line).rstrip()
        m = created.search(line) or kernel.match(line)
        if m:
            names[int(m.group(2))] = m.group(1)
    return names


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("log", help="a serial log holding trace lines")
    ap.add_argument("-o", "--output", default=".",
                    help="the directory for the pictures")
    ap.add_argument("--tsc-khz", type=int,
                    help="the TSC's rate (default: the log's hv: tsc line)")
    ap.add_argument("--title", default="", help="put before each title")
    args = ap.parse_args(argv)
    try:
        text = Path(args.log).read_text(encoding="utf-8", errors="replace")
        trace = trace2csv.parse_all(text.splitlines())
    except (OSError, trace2csv.TraceError) as e:
        print(f"traceplot: {args.log}: {e}", file=sys.stderr)
        return 1
    if not trace.records and not trace.slices:
        print(f"traceplot: {args.log}: no trace records", file=sys.stderr)
        return 1
    lines = text.splitlines()
    khz = args.tsc_khz or tsc_khz_of(lines)
    try:
        figs = draw(trace, khz, partition_names(lines),
                    f"{args.title}: " if args.title else "")
    except ImportError as e:
        print(f"traceplot: {e}: install python3-matplotlib "
              "(tools/need-packages.sh)", file=sys.stderr)
        return 1
    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    for name in NAMES:
        for ext in ("png", "svg"):
            figs[name].savefig(out / f"{name}.{ext}", dpi=100)
    print(f"traceplot: {len(trace.records)} exit(s), {len(trace.slices)} "
          f"slice(s) into {out}/{{{','.join(NAMES)}}}.{{png,svg}}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
