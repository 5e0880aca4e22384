#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Checks of tools/bench.py's method; `make test` runs them.

  python3 -m unittest tools/test_bench.py

The guest kernel's figures are differences between an operation and a
baseline that must be the same code but for the exiting instruction. The
last check looks at the kernel that `make` built.
"""

from __future__ import annotations

import sys
import tempfile
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench  # noqa: E402
import bench_linux  # noqa: E402

BUILD = Path(__file__).resolve().parents[1] / "build"


class PairTest(unittest.TestCase):
    OP = ["push %rbp", "xor %eax,%eax", "cpuid", "leave", "ret", "nop"]
    BASE = ["push %rbp", "xor %eax,%eax", "nop", "leave", "ret"]

    def test_same_but_the_exit(self) -> None:
        self.assertIsNone(bench.pair_problem(self.OP, self.BASE, "cpuid"))

    def test_extra_instruction(self) -> None:
        base = self.BASE[:2] + ["mov %rbx,%rax"] + self.BASE[2:]
        self.assertIn("instructions against",
                      bench.pair_problem(self.OP, base, "cpuid"))

    def test_two_differences(self) -> None:
        base = ["push %rbx"] + self.BASE[1:]
        self.assertIn("2 places", bench.pair_problem(self.OP, base, "cpuid"))

    def test_wrong_instruction(self) -> None:
        self.assertIn("against", bench.pair_problem(self.OP, self.BASE,
                                                    "vmcall"))

    @unittest.skipUnless((BUILD / bench.KERNEL_ELF).exists(),
                         "the guest kernel is not built")
    def test_built_kernel(self) -> None:
        self.assertEqual(bench.check_op_pairs(BUILD), [])


class UncheckedTest(unittest.TestCase):
    def test_entry_check_off(self) -> None:
        """The benchmark's boot differs from make test's in one manifest
        line, the first of the manifest."""
        with tempfile.TemporaryDirectory() as d:
            path = bench.unchecked_scenario(Path(d))
            text = path.read_text().splitlines()
        orig = (bench.REPO / "tests/boot/scenarios" /
                f"{bench.SCENARIO}.scn").read_text().splitlines()
        self.assertEqual(path.name, f"{bench.SCENARIO}.scn")
        i = text.index("manifest <<END")
        self.assertEqual(text[i + 1], "entry_check = no")
        self.assertEqual(text[:i + 1] + text[i + 2:], orig)


class LinuxFigureTest(unittest.TestCase):
    def test_ratio_and_verdict(self) -> None:
        r = bench_linux.rows(1_000_000, 1_150_000, None)
        self.assertEqual((r["ratio"], r["meets_target"]), (1.15, True))
        r = bench_linux.rows(1_000_000, 1_151_000, 5)
        self.assertEqual((r["ratio"], r["meets_target"], r["hv_bochs_2cpu"]), (1.151, False, 5))
        # Either side missing: no verdict, not a pass.
        for qemu, hv in ((None, 5), (5, None)):
            r = bench_linux.rows(qemu, hv, None)
            self.assertIsNone(r["meets_target"])

    def test_parse_lines(self) -> None:
        lines = [
            "[parent] bench-linux: linux_pvh_marker: child linux created at tsc 1000, powered off",
            "[parent] bench-linux: linux_pvh_marker: exits IO_INSTRUCTION 700",
            "[parent] bench-linux: linux_pvh_marker: exits EPT_VIOLATION 25000",
            "[linux] LINUX: init tsc=1500",
            "[linux2] LINUX: init tsc=9000",
            "[parent] bench-linux: linux_pvh_marker_2cpu: child linux2 created at tsc 4000, powered off",
            "[parent] bench-linux: linux_pvh_marker_2cpu: exits HLT 3",
        ]
        v = bench_linux.parse_lines(lines)
        self.assertEqual((v["linux_pvh_marker"], v["linux_pvh_marker_2cpu"]), (500, 5000))
        exits = bench_linux.exits_of(v, "linux_pvh_marker")
        self.assertEqual(exits, {"IO_INSTRUCTION": 700, "EPT_VIOLATION": 25000})
        r = bench_linux.rows(1000, 1100, None, exits)
        self.assertEqual((r["meets_target"], r["exits_max"], r["meets_exits_target"]), (True, 25000, False))
        r = bench_linux.rows(1000, 1100, None, {"HLT": 20000})
        self.assertTrue(r["meets_exits_target"])
        # A child with no marker, or no create line: no figure.
        v = bench_linux.parse_lines(lines[:3])
        self.assertNotIn("linux_pvh_marker", v)
        self.assertNotIn("linux_pvh_marker", bench_linux.parse_lines(lines[3:4]))

    def test_skip_without_qemu(self) -> None:
        saved = bench_linux.shutil.which
        bench_linux.shutil.which = lambda name: None  # type: ignore[assignment]
        try:
            value, why = bench_linux.anchor(BUILD)
        finally:
            bench_linux.shutil.which = saved  # type: ignore[assignment]
        self.assertIsNone(value)
        self.assertTrue(why.startswith("SKIP: qemu-system-x86_64 is missing"), why)


class SchedFigureTest(unittest.TestCase):
    def test_ratio(self) -> None:
        v = {"sched_2_switch_ticks": 260, "sched_500_switch_ticks": 286}
        self.assertEqual(bench.sched_ratio(v), 1100)
        self.assertIsNone(bench.sched_ratio({"sched_2_switch_ticks": 260}))
        self.assertEqual(bench.meets(1100, "<= 1200"), True)
        self.assertEqual(bench.meets(1300, "<= 1200"), False)

    def test_pool_back(self) -> None:
        self.assertEqual(bench.pool_back({"smp_pool_free_before": 10,
                                          "smp_pool_free_after": 10}), 0)
        self.assertEqual(bench.pool_back({"smp_pool_free_before": 10,
                                          "smp_pool_free_after": 6}), 4)
        self.assertIsNone(bench.pool_back({"smp_pool_free_before": 10}))

    def test_hv_against_gap(self) -> None:
        v = {"switch_window_ticks": 1000, "switch_parent_gap_ticks": 600,
             "switch_child_gap_ticks": 600, "switch_parent_gaps": 1,
             "switch_child_gaps": 1, "switch_parent_late": 0,
             "switch_child_late": 0, "switch_hv_ticks": 50}
        self.assertEqual(bench.switch_cost(v), 100)
        self.assertEqual(bench.hv_vs_gap(v), 500)
        del v["switch_hv_ticks"]
        self.assertIsNone(bench.hv_vs_gap(v))

    def test_bench_only_scenarios(self) -> None:
        for name in ("bench-sched", "bench-smp"):
            self.assertIn(name, bench.SCENARIOS)
            path = bench.scenario_file(name)
            self.assertTrue(path.exists(), path)
            self.assertEqual(path.parent.name, "bench")


if __name__ == "__main__":
    unittest.main()
