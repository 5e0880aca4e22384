#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Converts hv's exit trace, as printed on the serial console, into CSV.

  trace2csv.py LOG [-o OUT.csv]

LOG is a serial log (build/tests/RUN.log, or what `make run` showed). It
takes two kinds of line, in the format docs/benchmarks.md documents:

  hv: trace cpu=C seq=S tsc=T part=P vcpu=V exit=E name=N qual=0xQ rip=0xR
      hv's dump at power-off, after a header line per CPU
      "hv: trace: cpu C: K record(s) unread, L lost, D dropped";
  [parent] pm: trace cpu=C seq=S ...
      the same record, read out by the parent's `pm trace read`.

It writes one CSV row per record, in the order of the log, with the
columns of COLUMNS. It fails, naming the line, on a trace line it cannot
read, and when a CPU's dump holds fewer records than its header
announced (a log cut short). Records that a CPU's ring lost before they
were read show as gaps in seq; their number goes to standard error.
"""

from __future__ import annotations

import argparse
import csv
import re
import signal
import sys
from dataclasses import dataclass
from typing import Iterable, TextIO

COLUMNS = ("source", "cpu", "seq", "tsc", "partition", "vcpu", "exit",
           "name", "qualification", "rip")

# Terminal escapes and carriage returns, which the firmware puts on the
# same serial line.
ESCAPES = re.compile(r"\x1b\[[0-9;=?]*[A-Za-z]|\r")
RECORD = re.compile(
    r"trace cpu=(\d+) seq=(\d+) tsc=(\d+) part=(\d+) vcpu=(\d+) "
    r"exit=(\d+) name=([A-Z0-9_]+) qual=0x([0-9a-f]+) rip=0x([0-9a-f]+)$")
SOURCES = (("hv", re.compile(r"^hv: (trace cpu=.*)$")),
           ("pm", re.compile(r"^\[[^\]]+\] pm: (trace cpu=.*)$")))
HEADER = re.compile(
    r"^hv: trace: cpu (\d+): (\d+) record\(s\) unread, (\d+) lost, "
    r"(\d+) dropped$")


class TraceError(Exception):
    """A trace line that cannot be read, or a dump cut short."""


@dataclass
class Record:
    source: str
    cpu: int
    seq: int
    tsc: int
    partition: int
    vcpu: int
    exit: int
    name: str
    qualification: int
    rip: int

    def row(self) -> list[str]:
        return [self.source, str(self.cpu), str(self.seq), str(self.tsc),
                str(self.partition), str(self.vcpu), str(self.exit),
                self.name, f"0x{self.qualification:x}", f"0x{self.rip:x}"]


def parse(lines: Iterable[str]) -> tuple[list[Record], int]:
    """The records of a log, and how many records the rings lost."""
    records: list[Record] = []
    expected: dict[int, tuple[int, int]] = {}  # cpu -> (announced, line)
    dumped: dict[int, int] = {}
    last_seq: dict[int, int] = {}
    lost = 0
    for number, raw in enumerate(lines, 1):
        line = ESCAPES.sub("", raw).rstrip("\n").rstrip()
        header = HEADER.match(line)
        if header:
            cpu = int(header.group(1))
            expected[cpu] = (int(header.group(2)), number)
            dumped[cpu] = 0
            continue
        for source, pattern in SOURCES:
            m = pattern.match(line)
            if m:
                break
        else:
            continue
        fields = RECORD.match(m.group(1))
        if not fields:
            raise TraceError(f"line {number}: not a trace record: {line}")
        g = fields.groups()
        rec = Record(source, int(g[0]), int(g[1]), int(g[2]), int(g[3]),
                     int(g[4]), int(g[5]), g[6], int(g[7], 16),
                     int(g[8], 16))
        if rec.cpu in last_seq:
            if rec.seq <= last_seq[rec.cpu]:
                raise TraceError(
                    f"line {number}: cpu {rec.cpu} seq {rec.seq} does not "
                    f"follow {last_seq[rec.cpu]}")
            lost += rec.seq - last_seq[rec.cpu] - 1
        last_seq[rec.cpu] = rec.seq
        if source == "hv":
            if rec.cpu not in dumped:
                raise TraceError(
                    f"line {number}: cpu {rec.cpu}'s record comes before "
                    f"its dump's header")
            dumped[rec.cpu] += 1
        records.append(rec)
    for cpu, (announced, number) in expected.items():
        if dumped[cpu] != announced:
            raise TraceError(
                f"line {number}: cpu {cpu}'s dump announced {announced} "
                f"record(s) but holds {dumped[cpu]}: is the log cut short?")
    return records, lost


def write_csv(records: list[Record], out: TextIO) -> None:
    w = csv.writer(out, lineterminator="\n")
    w.writerow(COLUMNS)
    for rec in records:
        w.writerow(rec.row())


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("log", help="a serial log holding trace lines")
    ap.add_argument("-o", "--output", help="the CSV file (default: stdout)")
    args = ap.parse_args(argv)
    # Piped into head, stop quietly like any other filter.
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    try:
        with open(args.log, encoding="utf-8", errors="replace") as f:
            records, lost = parse(f)
    except (OSError, TraceError) as e:
        print(f"trace2csv: {args.log}: {e}", file=sys.stderr)
        return 1
    if args.output:
        with open(args.output, "w", encoding="utf-8") as out:
            write_csv(records, out)
    else:
        write_csv(records, sys.stdout)
    print(f"trace2csv: {len(records)} record(s), {lost} lost", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
