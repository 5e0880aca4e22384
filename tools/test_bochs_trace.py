#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Checks of tools/bochs_trace.py's reading of a debugger trace; `make
test` runs them.

  python3 -m unittest tools/test_bochs_trace.py
"""

from __future__ import annotations

import sys
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bochs_trace  # noqa: E402

BASE = 0x1E086000
# Two CPUIDs of a guest loop; the first exits into hv (three
# instructions, one of them in a trace function), the second too.
SAMPLE = """\
(0).[100] [0x00001aa00060] 0008:0000000000200060 (unk. ctxt): mov eax, ebp ; 89e8
(0).[101] [0x00001aa0006d] 0008:000000000020006d (unk. ctxt): cpuid ; 0fa2
(0).[102] [0x00001e094300] 0008:000000001e094300 (unk. ctxt): push rax ; 50
(0).[103] [0x00001e08b080] 0008:000000001e08b080 (unk. ctxt): push rbp ; 55
(0).[104] [0x00001e0942d7] 0008:000000001e0942d7 (unk. ctxt): vmresume ; 0f01c3
(0).[105] [0x00001aa0006f] 0008:000000000020006f (unk. ctxt): mov eax, r12d ; 4489e0
(0).[106] [0x00001aa0006d] 0008:000000000020006d (unk. ctxt): cpuid ; 0fa2
"""
SYMS = [(0x5080, "trace_exit"), (0xe280, "vmx_resume"), (0xe300,
                                                        "vmx_exit_stub")]


class TraceTest(unittest.TestCase):
    def test_parse(self) -> None:
        steps = bochs_trace.parse_steps(SAMPLE)
        self.assertEqual(len(steps), 7)
        self.assertEqual(steps[1], (101, 0x20006D, "cpuid"))

    def test_round_trip_and_counts(self) -> None:
        steps = bochs_trace.parse_steps(SAMPLE)
        trip = bochs_trace.round_trip(steps, BASE, 0x100000, "cpuid")
        self.assertIsNotNone(trip)
        assert trip is not None
        self.assertEqual([t for t, _, _ in trip], [101, 102, 103, 104, 105])
        lines, hv, traced = bochs_trace.annotate(trip, BASE, 0x100000, SYMS)
        self.assertEqual((hv, traced), (3, 1))
        self.assertIn("vmx_exit_stub", lines[1])

    def test_no_exit(self) -> None:
        steps = bochs_trace.parse_steps(SAMPLE)[:3]
        self.assertIsNone(bochs_trace.round_trip(steps, BASE, 0x100000,
                                                 "cpuid"))


if __name__ == "__main__":
    unittest.main()
