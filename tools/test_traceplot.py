#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Checks of tools/traceplot.py on a recorded trace; `make test` runs them.

  python3 -m unittest tools/test_traceplot.py

The recording, testdata/trace-plot.log, is cut from a run of
tests/boot/scenarios/trace-timeline.scn. The checks count what the log
says with regular expressions of their own and compare it with the data
of each picture, in the figures matplotlib drew: not their pixels.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
import unittest
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import trace2csv  # noqa: E402
import traceplot  # noqa: E402

HERE = Path(__file__).resolve().parent
SAMPLE = HERE / "testdata" / "trace-plot.log"
EXIT = re.compile(r"trace cpu=(\d+) seq=\d+ tsc=(\d+) end=(\d+) part=(\d+) "
                  r"vcpu=\d+ exit=\d+ name=(\w+) ")
SLICE = re.compile(r"trace cpu=(\d+) slice seq=\d+ in=(\d+) out=(\d+) "
                   r"part=(\d+) ")

try:
    import matplotlib  # noqa: F401
    HAVE_MATPLOTLIB = True
except ImportError:
    HAVE_MATPLOTLIB = False


class Recorded(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        cls.text = SAMPLE.read_text().splitlines()
        cls.trace = trace2csv.parse_all(cls.text)
        cls.exits = [m.groups() for m in map(EXIT.search, cls.text) if m]
        cls.slices = [m.groups() for m in map(SLICE.search, cls.text) if m]
        cls.khz = traceplot.tsc_khz_of(cls.text)

    def test_the_recording_has_what_the_pictures_show(self) -> None:
        # Two partitions, both CPUs, every exit with its end.
        self.assertGreater(len(self.exits), 100)
        self.assertEqual({e[3] for e in self.exits}, {"2", "3"})
        self.assertEqual({s[0] for s in self.slices}, {"0", "1"})
        self.assertEqual(len(self.trace.records), len(self.exits))
        self.assertEqual(self.trace.slices_dropped, 0)
        self.assertTrue(self.khz)

    def test_rates_count_every_exit_in_its_bin(self) -> None:
        r = traceplot.rates(self.trace, self.khz)
        width = r.edges[1] - r.edges[0]
        counted = {k: round(sum(v) * width) for k, v in r.series.items()}
        want = Counter((int(e[3]), e[4]) for e in self.exits)
        self.assertEqual(counted, dict(want))
        # The first bin holds the first exit, the last the last one.
        t0 = min(min(int(e[1]) for e in self.exits),
                 min(int(s[1]) for s in self.slices))
        first = min(int(e[1]) for e in self.exits)
        b = int((first - t0) / (self.khz * 1000) / width)
        self.assertTrue(any(v[b] > 0 for v in r.series.values()))
        self.assertTrue(any(v[-1] > 0 for v in r.series.values()))

    def test_exit_times_are_end_minus_start(self) -> None:
        times = traceplot.exit_times(self.trace)
        want: dict[str, list[int]] = {}
        for e in self.exits:
            want.setdefault(e[4], []).append(int(e[2]) - int(e[1]))
        self.assertEqual(times, want)
        self.assertTrue(all(t >= 0 for v in times.values() for t in v))

    def test_timeline_has_every_slice(self) -> None:
        bars = traceplot.timeline(self.trace, self.khz)
        per = self.khz * 1000
        self.assertEqual(
            sorted((b.cpu, b.partition, round(b.length * per)) for b in bars),
            sorted((int(s[0]), int(s[3]), int(s[2]) - int(s[1]))
                   for s in self.slices))
        # A CPU runs one vCPU at a time: its slices never overlap.
        for cpu in (0, 1):
            mine = sorted((b.start, b.start + b.length) for b in bars
                          if b.cpu == cpu)
            for (_, end), (start, _) in zip(mine, mine[1:]):
                self.assertLessEqual(end, start + 1e-9)

    def test_names_from_the_log(self) -> None:
        self.assertEqual(traceplot.partition_names(self.text),
                         {2: "a", 3: "b"})

    @unittest.skipUnless(HAVE_MATPLOTLIB, "needs python3-matplotlib")
    def test_figures_draw_that_data(self) -> None:
        figs = traceplot.draw(self.trace, self.khz,
                              traceplot.partition_names(self.text))
        r = traceplot.rates(self.trace, self.khz)
        lines = figs["exit-rate"].axes[0].get_lines()
        self.assertEqual(len(lines), len(r.series))
        for line, (_, ys) in zip(lines, sorted(r.series.items())):
            self.assertEqual(list(line.get_ydata()), ys)
        # The histogram: a stack of bars per reason, each reason's bars
        # holding its exits, in hv's ticks per exit.
        ax = figs["exit-time"].axes[0]
        times = traceplot.exit_times(self.trace)
        # One container per reason, in sorted order, as the legend says.
        labels = [t.get_text() for t in ax.get_legend().get_texts()]
        self.assertEqual(labels, sorted(times))
        drawn = {k: round(sum(p.get_height() for p in c))
                 for k, c in zip(labels, ax.containers)}
        self.assertEqual(drawn, {k: len(v) for k, v in times.items()})
        top = sum(p.get_y() + p.get_height() for p in ax.containers[-1])
        self.assertEqual(round(top), len(self.exits))
        right = max(p.get_x() + p.get_width() for p in ax.containers[0])
        self.assertAlmostEqual(right, max(max(v) for v in times.values()))
        # The timeline: one rectangle per slice, on its CPU's row.
        ax = figs["timeline"].axes[0]
        rects = [p for c in ax.collections for p in c.get_paths()]
        self.assertEqual(len(rects), len(self.slices))

    @unittest.skipUnless(HAVE_MATPLOTLIB, "needs python3-matplotlib")
    def test_command_writes_png_and_svg(self) -> None:
        with tempfile.TemporaryDirectory() as d:
            done = subprocess.run(
                [sys.executable, str(HERE / "traceplot.py"), str(SAMPLE),
                 "-o", d], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                text=True)
            self.assertEqual(done.returncode, 0, done.stderr)
            for name in traceplot.NAMES:
                png = (Path(d) / f"{name}.png").read_bytes()
                self.assertEqual(png[:8], b"\x89PNG\r\n\x1a\n")
                self.assertIn("<svg", (Path(d) / f"{name}.svg").read_text())

    def test_command_refuses_a_log_without_a_trace(self) -> None:
        with tempfile.TemporaryDirectory() as d:
            log = Path(d) / "empty.log"
            log.write_text("hv: power off\n")
            done = subprocess.run(
                [sys.executable, str(HERE / "traceplot.py"), str(log), "-o",
                 d], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                text=True)
            self.assertEqual(done.returncode, 1)
            self.assertIn("no trace records", done.stderr)


if __name__ == "__main__":
    unittest.main()
