#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Every instruction of a VM exit's round trip, from Bochs' debugger.

  bochs_trace.py [--build DIR] [--scenario NAME] [--exit CPUID] [--insn I]
                 [--steps N]

Boots a scenario's disk again, exactly as its last boot test did (the
runner leaves the disk and bochsrc in DIR/tests/NAME.bochs), and stops
Bochs' debugger at the TSC of an exit that hv's trace recorded in that
test's serial log: the third record of the given exit reason. Bochs counts
one TSC tick per instruction and boots the same way every time, so the
same instructions run again. From there it traces N instructions and
prints the first whole round trip: the guest instruction that exits, each
of hv's instructions, with the function it belongs to (from
DIR/hv.debug.elf), and the guest's next instruction. The summary counts
hv's instructions, and those spent recording the trace, which the
partition's trace adds (docs/benchmarks.md).

The default is the CPUID loop of the bench scenario (partition cl, whose
trace is on). It takes about a minute: Bochs boots the whole scenario up
to that point.
"""

from __future__ import annotations

import argparse
import bisect
import os
import pty
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Optional

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench  # noqa: E402

REPO = Path(__file__).resolve().parents[1]

# "(0).[1462581185] [0x00001aa0006d] 0008:000000000020006d (unk. ctxt): cpuid ; 0fa2"
STEP = re.compile(r"^\(\d+\)\.\[(\d+)\] \[0x[0-9a-f]+\] [0-9a-f]+:([0-9a-f]+) "
                  r"\([^)]*\): (.*?)\s*;")
TRACE = re.compile(r"hv: trace cpu=\d+ seq=\d+ tsc=(\d+) .* name=(\S+) ")
IMAGE = re.compile(r"image at 0x([0-9a-f]+)")


def symbols(elf: Path) -> list[tuple[int, str]]:
    """hv's functions by address, linked at 0 as hv.elf is."""
    out = subprocess.run(["nm", "-n", str(elf)], stdout=subprocess.PIPE,
                         text=True, check=True).stdout
    syms = []
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] in "tT" and "." not in parts[2]:
            syms.append((int(parts[0], 16), parts[2]))
    return syms


def parse_steps(text: str) -> list[tuple[int, int, str]]:
    """(tick, linear address, instruction) of each traced step."""
    steps = []
    for line in text.splitlines():
        m = STEP.match(line.strip())
        if m:
            steps.append((int(m.group(1)), int(m.group(2), 16),
                          re.sub(r"\s+", " ", m.group(3))))
    return steps


def round_trip(steps: list[tuple[int, int, str]], base: int, size: int,
               mnemonic: str) -> Optional[list[tuple[int, int, str]]]:
    """From a guest instruction `mnemonic` to the guest's instruction after
    hv's VMRESUME, the first such stretch whose hv part is whole."""
    def in_hv(addr: int) -> bool:
        return base <= addr < base + size

    for i, (_, addr, insn) in enumerate(steps):
        if in_hv(addr) or insn.split()[0] != mnemonic:
            continue
        if i + 1 >= len(steps) or not in_hv(steps[i + 1][1]):
            continue  # answered without an exit
        for j in range(i + 1, len(steps)):
            if not in_hv(steps[j][1]):
                return steps[i:j + 1]
    return None


def annotate(trip: list[tuple[int, int, str]], base: int, size: int,
             syms: list[tuple[int, str]]) -> tuple[list[str], int, int]:
    """Lines to print, hv's instructions, and those inside the trace's
    functions."""
    addrs = [a for a, _ in syms]
    lines, hv, traced = [], 0, 0
    for tick, addr, insn in trip:
        if base <= addr < base + size:
            k = bisect.bisect_right(addrs, addr - base) - 1
            name = syms[k][1] if k >= 0 else "?"
            hv += 1
            if name.startswith("trace_"):
                traced += 1
            where = f"hv.elf+0x{addr - base:x} {name}"
        else:
            where = f"guest 0x{addr:x}"
        lines.append(f"{tick:>12} {where:<40} {insn}")
    return lines, hv, traced


def run_bochs(workdir: Path, at_tick: int, steps: int) -> str:
    (workdir / "dbg.rc").write_text(
        f"sba {at_tick}\nc\ntrace on\ns {steps}\nquit\n")
    master, slave = pty.openpty()
    try:
        proc = subprocess.Popen(
            ["bochs", "-q", "-f", "bochsrc", "-rc", "dbg.rc", "-dbglog",
             "dbg.log"], cwd=workdir, stdin=slave, stdout=slave,
            stderr=slave, env=dict(os.environ, TERM="xterm"))
    finally:
        os.close(slave)
    while True:  # the term display draws into the pseudo-terminal
        try:
            if not os.read(master, 65536):
                break
        except OSError:
            break
    proc.wait()
    os.close(master)
    return (workdir / "dbg.log").read_text(errors="replace")


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default=str(REPO / "build"))
    ap.add_argument("--scenario", default="bench")
    ap.add_argument("--exit", default="CPUID",
                    help="the exit reason's name in hv's trace")
    ap.add_argument("--insn", help="the guest instruction that makes that "
                    "exit (default: cpuid for CPUID, vmcall for VMCALL)")
    ap.add_argument("--steps", type=int, default=2000)
    args = ap.parse_args(argv)
    build = Path(args.build).resolve()
    test = build / "tests" / f"{args.scenario}.bochs"
    log = build / "tests" / f"{args.scenario}.bochs.log"
    if not (test / "esp.img").exists() or not log.exists():
        print(f"bochs_trace: no boot of {args.scenario} under Bochs in "
              f"{build / 'tests'}: run `python3 tests/boot/runner.py test "
              f"{args.scenario}` first", file=sys.stderr)
        return 1
    text = log.read_text(errors="replace")
    m = IMAGE.search(text)
    records = [int(t) for t, name in TRACE.findall(text) if name == args.exit]
    if not m or len(records) < 3:
        print(f"bochs_trace: {log} has no hv image address or fewer than "
              f"three trace records of {args.exit}", file=sys.stderr)
        return 1
    base = int(m.group(1), 16)
    size = bench.elf_loaded_bytes(build / "hv.elf")
    mnemonic = args.insn or {"CPUID": "cpuid", "VMCALL": "vmcall"}.get(
        args.exit)
    if not mnemonic:
        print(f"bochs_trace: --insn names the guest instruction of a "
              f"{args.exit} exit", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        shutil.copy(test / "esp.img", work / "esp.img")
        rc = (test / "bochsrc").read_text()
        rc = rc.replace(str(test / "esp.img"), str(work / "esp.img"))
        rc = re.sub(r"(?m)^com1: .*$", f"com1: enabled=1, mode=file, "
                    f"dev={work / 'serial.log'}", rc)
        rc = re.sub(r"(?m)^log: .*$", f"log: {work / 'bochs.log'}", rc)
        (work / "bochsrc").write_text(rc)
        print(f"bochs_trace: booting {args.scenario} to tick "
              f"{records[2] - 50} (about a minute)", file=sys.stderr)
        steps = parse_steps(run_bochs(work, records[2] - 50, args.steps))
    trip = round_trip(steps, base, size, mnemonic)
    if trip is None:
        print(f"bochs_trace: no whole {args.exit} round trip in "
              f"{len(steps)} traced instructions", file=sys.stderr)
        return 1
    lines, hv, traced = annotate(trip, base, size, symbols(
        build / "hv.debug.elf"))
    print("\n".join(lines))
    print(f"{args.exit} round trip: {hv} instructions of hv, from the exit "
          f"to VMRESUME; {traced} of them in the trace's own functions")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
