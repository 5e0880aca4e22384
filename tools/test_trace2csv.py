#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Checks of tools/trace2csv.py; `make test` runs them.

  python3 -m unittest tools/test_trace2csv.py
"""

from __future__ import annotations

import csv
import io
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import trace2csv  # noqa: E402

HERE = Path(__file__).resolve().parent
SAMPLE = HERE / "testdata" / "trace-sample.log"


def rec(seq: int, prefix: str = "hv: ", cpu: int = 0, part: int = 2,
        exit_: int = 10, name: str = "CPUID") -> str:
    return (f"{prefix}trace cpu={cpu} seq={seq} tsc={1000 + seq} "
            f"end={1040 + seq} part={part} vcpu=0 exit={exit_} name={name} qual=0x3f80000 "
            f"rip=0x20006d")


def header(cpu: int, unread: int, lost: int = 0) -> str:
    return (f"hv: trace: cpu {cpu}: {unread} record(s) unread, {lost} lost, "
            f"0 dropped")


def convert(lines: list[str]) -> list[list[str]]:
    records, _ = trace2csv.parse(lines)
    out = io.StringIO()
    trace2csv.write_csv(records, out)
    return list(csv.reader(io.StringIO(out.getvalue())))


class Trace2Csv(unittest.TestCase):
    def test_dump_becomes_rows(self) -> None:
        rows = convert(["hv: final report", header(0, 2), rec(0), rec(1),
                        "hv: power off"])
        self.assertEqual(rows[0], list(trace2csv.COLUMNS))
        self.assertEqual(rows[1], ["hv", "0", "0", "1000", "1040", "2", "0",
                                   "10", "CPUID", "0x3f80000", "0x20006d"])
        self.assertEqual(len(rows), 3)

    def test_pm_lines_and_noise(self) -> None:
        # pm reads first; hv dumps the rest. The firmware's escapes and
        # the serial line's CR are not part of a record.
        rows = convert([
            "\x1b[2J\x1b[01;01HBdsDxe: loading",
            rec(0, prefix="[parent] pm: ") + "\r",
            "[parent] pm: trace: 1 record(s)",
            header(0, 1), rec(1) + "\r\n"])
        self.assertEqual([r[0] for r in rows[1:]], ["pm", "hv"])
        self.assertEqual([r[2] for r in rows[1:]], ["0", "1"])

    def test_old_records_without_end(self) -> None:
        records, _ = trace2csv.parse([header(0, 1),
                                      rec(0).replace(" end=1040", "")])
        self.assertIsNone(records[0].end)
        self.assertEqual(records[0].tsc, 1000)

    def test_slices(self) -> None:
        trace = trace2csv.parse_all([
            header(0, 1), rec(0),
            "hv: trace: cpu 0: 2 slice(s) unread, 1 dropped",
            "hv: trace cpu=0 slice seq=0 in=900 out=2000 part=2 vcpu=0",
            "hv: trace cpu=0 slice seq=1 in=2100 out=2500 part=1 vcpu=0"])
        self.assertEqual(len(trace.records), 1)
        self.assertEqual([(s.partition, s.start, s.end) for s in trace.slices],
                         [(2, 900, 2000), (1, 2100, 2500)])
        self.assertEqual(trace.slices_dropped, 1)
        with self.assertRaisesRegex(trace2csv.TraceError, "cut short"):
            trace2csv.parse_all(["hv: trace: cpu 0: 2 slice(s) unread, 0 dropped",
                                 "hv: trace cpu=0 slice seq=0 in=1 out=2 part=2 vcpu=0"])
        with self.assertRaisesRegex(trace2csv.TraceError, "ends before"):
            trace2csv.parse_all(["[parent] pm: trace cpu=0 slice seq=0 in=5 out=2 part=2 vcpu=0"])

    def test_seq_gaps_are_lost_records(self) -> None:
        records, lost = trace2csv.parse([header(0, 2, lost=5), rec(0),
                                         rec(6)])
        self.assertEqual(len(records), 2)
        self.assertEqual(lost, 5)

    def test_cpus_are_numbered_apart(self) -> None:
        records, lost = trace2csv.parse([header(0, 1), rec(7), header(1, 1),
                                         rec(0, cpu=1)])
        self.assertEqual([(r.cpu, r.seq) for r in records], [(0, 7), (1, 0)])
        self.assertEqual(lost, 0)

    def test_malformed_record_names_its_line(self) -> None:
        with self.assertRaisesRegex(trace2csv.TraceError, "line 2"):
            trace2csv.parse([header(0, 1), rec(0).replace("qual=0x", "q=")])

    def test_short_dump_fails(self) -> None:
        with self.assertRaisesRegex(trace2csv.TraceError, "cut short"):
            trace2csv.parse([header(0, 3), rec(0), rec(1)])

    def test_records_out_of_order_fail(self) -> None:
        with self.assertRaisesRegex(trace2csv.TraceError, "does not follow"):
            trace2csv.parse([header(0, 2), rec(4), rec(3)])

    def test_record_before_header_fails(self) -> None:
        with self.assertRaisesRegex(trace2csv.TraceError, "header"):
            trace2csv.parse([rec(0)])

    def test_sample_of_a_real_run(self) -> None:
        # Cut from build/tests/bench.bochs.log of a passing run.
        with open(SAMPLE, encoding="utf-8") as f:
            records, lost = trace2csv.parse(f)
        self.assertEqual(lost, 0)
        self.assertEqual(records[0].source, "pm")
        self.assertEqual({r.name for r in records},
                         {"CPUID", "PREEMPTION_TIMER", "IO_INSTRUCTION",
                          "HLT"})
        self.assertEqual([r.seq for r in records],
                         list(range(len(records))))

    def test_command_line(self) -> None:
        with tempfile.TemporaryDirectory() as d:
            out = Path(d) / "t.csv"
            done = subprocess.run(
                [sys.executable, str(HERE / "trace2csv.py"), str(SAMPLE),
                 "-o", str(out)], stderr=subprocess.PIPE, text=True)
            self.assertEqual(done.returncode, 0, done.stderr)
            rows = list(csv.reader(out.open()))
            self.assertEqual(rows[0], list(trace2csv.COLUMNS))
            self.assertIn("0 lost", done.stderr)
            bad = Path(d) / "bad.log"
            bad.write_text(header(0, 1) + "\nhv: trace cpu=0 seq=x\n")
            done = subprocess.run(
                [sys.executable, str(HERE / "trace2csv.py"), str(bad)],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            self.assertEqual(done.returncode, 1)
            self.assertIn("line 2", done.stderr)


if __name__ == "__main__":
    unittest.main()
