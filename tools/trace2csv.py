#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Converts hv's exit trace, as printed on the serial console, into CSV.

  trace2csv.py LOG [-o OUT.csv]

LOG is a serial log (build/tests/RUN.log, or what `make run` showed). It
takes two kinds of line, in the format docs/benchmarks.md documents:

  hv: trace cpu=C seq=S tsc=T end=T2 part=P vcpu=V exit=E name=N qual=0xQ rip=0xR
      hv's dump at power-off, after a header line per CPU
      "hv: trace: cpu C: K record(s) unread, L lost, D dropped"
      (end=, when hv was done with the exit, is absent in older logs);
  hv: trace cpu=C slice seq=S in=T out=T2 part=P vcpu=V
      a slice, vCPU V of partition P on CPU C from T to T2, after the
      header "hv: trace: cpu C: K slice(s) unread, D dropped";
  [parent] pm: trace cpu=C seq=S ...
      the same records, read out by the parent's `pm trace read`.

It writes one CSV row per exit record, in the order of the log, with the
columns of COLUMNS (or, with --slices, one row per slice, SLICE_COLUMNS).
It fails, naming the line, on a trace line it cannot read, and when a
CPU's dump holds fewer records than its header announced (a log cut
short). Records that a CPU's ring lost before they were read show as
gaps in seq; their number goes to standard error. tools/traceplot.py
draws what parse_all reads.
"""

from __future__ import annotations

import argparse
import csv
import re
import signal
import sys
from dataclasses import dataclass
from typing import Iterable, Optional, TextIO

COLUMNS = ("source", "cpu", "seq", "tsc", "end", "partition", "vcpu",
           "exit", "name", "qualification", "rip")
SLICE_COLUMNS = ("source", "cpu", "seq", "in", "out", "partition", "vcpu")

# Terminal escapes and carriage returns, which the firmware puts on the
# same serial line.
ESCAPES = re.compile(r"\x1b\[[0-9;=?]*[A-Za-z]|\r")
RECORD = re.compile(
    r"trace cpu=(\d+) seq=(\d+) tsc=(\d+)(?: end=(\d+))? part=(\d+) "
    r"vcpu=(\d+) exit=(\d+) name=([A-Z0-9_]+) qual=0x([0-9a-f]+) "
    r"rip=0x([0-9a-f]+)$")
SLICE = re.compile(
    r"trace cpu=(\d+) slice seq=(\d+) in=(\d+) out=(\d+) part=(\d+) "
    r"vcpu=(\d+)$")
SOURCES = (("hv", re.compile(r"^hv: (trace cpu=.*)$")),
           ("pm", re.compile(r"^\[[^\]]+\] pm: (trace cpu=.*)$")))
HEADER = re.compile(
    r"^hv: trace: cpu (\d+): (\d+) record\(s\) unread, (\d+) lost, "
    r"(\d+) dropped$")
SLICE_HEADER = re.compile(
    r"^hv: trace: cpu (\d+): (\d+) slice\(s\) unread, (\d+) dropped$")


class TraceError(Exception):
    """A trace line that cannot be read, or a dump cut short."""


@dataclass
class Record:
    source: str
    cpu: int
    seq: int
    tsc: int
    end: Optional[int]
    partition: int
    vcpu: int
    exit: int
    name: str
    qualification: int
    rip: int

    def row(self) -> list[str]:
        return [self.source, str(self.cpu), str(self.seq), str(self.tsc),
                "" if self.end is None else str(self.end),
                str(self.partition), str(self.vcpu), str(self.exit),
                self.name, f"0x{self.qualification:x}", f"0x{self.rip:x}"]


@dataclass
class Slice:
    source: str
    cpu: int
    seq: int
    start: int  # TSC when the vCPU went on the CPU
    end: int  # and when it came off
    partition: int
    vcpu: int

    def row(self) -> list[str]:
        return [self.source, str(self.cpu), str(self.seq), str(self.start),
                str(self.end), str(self.partition), str(self.vcpu)]


@dataclass
class Trace:
    records: list[Record]
    slices: list[Slice]
    lost: int  # exit records the rings overwrote
    slices_dropped: int  # slices that found their ring full (headers)


class _Ring:
    """One kind of record of one CPU: its seq order and its dump's count."""

    def __init__(self, what: str) -> None:
        self.what = what
        self.expected: dict[int, tuple[int, int]] = {}
        self.dumped: dict[int, int] = {}
        self.last_seq: dict[int, int] = {}

    def header(self, cpu: int, announced: int, number: int) -> None:
        self.expected[cpu] = (announced, number)
        self.dumped[cpu] = 0

    def take(self, source: str, cpu: int, seq: int, number: int) -> int:
        """Checks a record; returns how many went missing before it."""
        gap = 0
        if cpu in self.last_seq:
            if seq <= self.last_seq[cpu]:
                raise TraceError(
                    f"line {number}: cpu {cpu} {self.what} seq {seq} does "
                    f"not follow {self.last_seq[cpu]}")
            gap = seq - self.last_seq[cpu] - 1
        self.last_seq[cpu] = seq
        if source == "hv":
            if cpu not in self.dumped:
                raise TraceError(
                    f"line {number}: cpu {cpu}'s {self.what} comes before "
                    f"its dump's header")
            self.dumped[cpu] += 1
        return gap

    def check(self) -> None:
        for cpu, (announced, number) in self.expected.items():
            if self.dumped[cpu] != announced:
                raise TraceError(
                    f"line {number}: cpu {cpu}'s dump announced {announced} "
                    f"{self.what}(s) but holds {self.dumped[cpu]}: is the "
                    f"log cut short?")


def parse_all(lines: Iterable[str]) -> Trace:
    """The exit records and the slices of a log."""
    trace = Trace([], [], 0, 0)
    exits, slices = _Ring("record"), _Ring("slice")
    for number, raw in enumerate(lines, 1):
        line = ESCAPES.sub("", raw).rstrip("\n").rstrip()
        header = HEADER.match(line)
        if header:
            exits.header(int(header.group(1)), int(header.group(2)), number)
            continue
        header = SLICE_HEADER.match(line)
        if header:
            slices.header(int(header.group(1)), int(header.group(2)), number)
            trace.slices_dropped += int(header.group(3))
            continue
        for source, pattern in SOURCES:
            m = pattern.match(line)
            if m:
                break
        else:
            continue
        sl = SLICE.match(m.group(1))
        if sl:
            v = [int(x) for x in sl.groups()]
            if v[3] < v[2]:
                raise TraceError(f"line {number}: a slice ends before it "
                                 f"starts: {line}")
            # A slice ring never overwrites: a gap is not expected there.
            trace.slices_dropped += slices.take(source, v[0], v[1], number)
            trace.slices.append(Slice(source, *v))
            continue
        fields = RECORD.match(m.group(1))
        if not fields:
            raise TraceError(f"line {number}: not a trace record: {line}")
        g = fields.groups()
        rec = Record(source, int(g[0]), int(g[1]), int(g[2]),
                     None if g[3] is None else int(g[3]), int(g[4]),
                     int(g[5]), int(g[6]), g[7], int(g[8], 16),
                     int(g[9], 16))
        if rec.end is not None and rec.end < rec.tsc:
            raise TraceError(f"line {number}: an exit ends before it "
                             f"starts: {line}")
        trace.lost += exits.take(source, rec.cpu, rec.seq, number)
        trace.records.append(rec)
    exits.check()
    slices.check()
    return trace


def parse(lines: Iterable[str]) -> tuple[list[Record], int]:
    """The exit records of a log, and how many records the rings lost."""
    trace = parse_all(lines)
    return trace.records, trace.lost


def write_csv(records: list[Record] | list[Slice], out: TextIO,
              columns: tuple[str, ...] = COLUMNS) -> None:
    w = csv.writer(out, lineterminator="\n")
    w.writerow(columns)
    for rec in records:
        w.writerow(rec.row())


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("log", help="a serial log holding trace lines")
    ap.add_argument("-o", "--output", help="the CSV file (default: stdout)")
    ap.add_argument("--slices", action="store_true",
                    help="the slices (which vCPU ran on which CPU when), "
                    "not the exits")
    args = ap.parse_args(argv)
    # Piped into head, stop quietly like any other filter.
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    try:
        with open(args.log, encoding="utf-8", errors="replace") as f:
            trace = parse_all(f)
    except (OSError, TraceError) as e:
        print(f"trace2csv: {args.log}: {e}", file=sys.stderr)
        return 1
    rows: list[Record] | list[Slice] = (trace.slices if args.slices
                                        else trace.records)
    columns = SLICE_COLUMNS if args.slices else COLUMNS
    if args.output:
        with open(args.output, "w", encoding="utf-8") as out:
            write_csv(rows, out, columns)
    else:
        write_csv(rows, sys.stdout, columns)
    print(f"trace2csv: {len(trace.records)} record(s), {trace.lost} lost; "
          f"{len(trace.slices)} slice(s), {trace.slices_dropped} dropped",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
