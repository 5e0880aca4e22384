# SPDX-License-Identifier: MIT
"""`make bench`'s Linux figures (issue 18): the PVH boot of Debian's kernel
to the initramfs marker, 1 vCPU, `quiet`, under hv in Bochs, against the
same kernel, initramfs and command line under QEMU with -icount shift=0
(tools/linux/qemu_anchor.py). Both count instructions: Bochs' TSC counts
one per instruction, and so does QEMU's under shift=0.

hv's side comes from bench-linux.scn's log (parse_lines): its parent
(guest/programs/bench.c, bench=linux) prints the TSC it read before each
Linux child's partition_create and hv's exit counts of that child by
reason; the child prints the marker "LINUX: init tsc=M" with the same TSC.
M less the create's TSC is "bench: linux_pvh_marker N" (and
"bench: linux_pvh_marker_2cpu N", reported, not judged), which report()
prints. docs/benchmarks.md and docs/linux.md, "The QEMU anchor".
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path
from typing import Optional

sys.path.insert(0, str(Path(__file__).resolve().parent / "linux"))
import qemu_anchor  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from hvboot.machines import LINUX_IPS  # noqa: E402

HV_KEY, HV_2CPU_KEY = "linux_pvh_marker", "linux_pvh_marker_2cpu"
# Issue 18's acceptance: hv's boot at most 1.15 times QEMU's, and no exit
# reason more than 20,000 times in it.
RATIO_LIMIT = 1.15
EXIT_LIMIT = 20_000

KEYS = f"({HV_KEY}|{HV_2CPU_KEY})"
CREATED = re.compile(r"^\[parent\] bench-linux: " + KEYS +
                     r": child (\S+) created at tsc ([0-9]+), (.*)$")
EXITS = re.compile(r"^\[parent\] bench-linux: " + KEYS + r": exits ([A-Z0-9_]+) ([0-9]+)$")
MARKER = re.compile(r"^\[(\S+)\] LINUX: init tsc=([0-9]+)$")


def parse_lines(lines: list[str]) -> dict[str, int]:
    """The Linux figures of one log, as bench.py's values: KEY, the
    marker less the create's TSC, and KEY_exits_REASON, hv's count."""
    values: dict[str, int] = {}
    created: dict[str, tuple[str, int]] = {}  # child: (key, create tsc)
    markers: dict[str, int] = {}
    for line in lines:
        m = CREATED.match(line)
        if m:
            created[m.group(2)] = (m.group(1), int(m.group(3)))
        m = EXITS.match(line)
        if m:
            values[f"{m.group(1)}_exits_{m.group(2)}"] = int(m.group(3))
        m = MARKER.match(line)
        if m:
            markers.setdefault(m.group(1), int(m.group(2)))
    for child, (key, t0) in created.items():
        if child in markers and markers[child] > t0:
            values[key] = markers[child] - t0
    return values


def exits_of(values: dict[str, int], key: str) -> dict[str, int]:
    prefix = f"{key}_exits_"
    return {k[len(prefix):]: v for k, v in values.items() if k.startswith(prefix)}


def anchor(build: Path) -> tuple[Optional[int], str]:
    """QEMU's figure, or None and why not."""
    if not shutil.which(qemu_anchor.QEMU):
        return None, f"SKIP: {qemu_anchor.QEMU} is missing (Debian package qemu-system-x86)"
    linux = build / "linux"
    vmlinux, initrd = linux / "vmlinux", linux / "initramfs.cpio.gz"
    for path in (vmlinux, initrd):
        if not path.is_file():
            return None, f"SKIP: {path} is missing ('make linux' builds it)"
    try:
        r = qemu_anchor.run_anchor(vmlinux, initrd)
    except (qemu_anchor.ImageError, OSError) as e:
        return None, f"failed: {e}"
    if r.marker_tsc is None:
        tail = "; ".join(r.log[-3:]) or r.why
        return None, f"failed: no marker after {r.seconds:.0f} s ({tail})"
    how = "" if r.powered_off else f" (then no power-off: status {r.status})"
    return r.marker_tsc, f"ran in {r.seconds:.0f} s{how}"


def rows(qemu: Optional[int], hv: Optional[int], hv_2cpu: Optional[int],
         exits: Optional[dict[str, int]] = None,
         exits_2cpu: Optional[dict[str, int]] = None) -> dict[str, object]:
    """The figures and the verdicts, as results.json keeps them."""
    ratio = round(hv / qemu, 3) if hv and qemu else None
    top = max(exits.values()) if exits else None
    return {
        "description": "Linux PVH boot, partition_create (hv) or the first instruction (QEMU) "
        "to the initramfs marker, 1 vCPU, quiet",
        "unit": "instructions",
        "qemu_anchor": qemu,
        "hv_bochs": hv,
        "hv_bochs_ips": LINUX_IPS,
        "hv_bochs_2cpu": hv_2cpu,
        "ratio": ratio,
        "target": f"hv <= {RATIO_LIMIT} x QEMU",
        "meets_target": None if ratio is None else ratio <= RATIO_LIMIT,
        "exits": exits or {},
        "exits_2cpu": exits_2cpu or {},
        "exits_max": top,
        "exits_target": f"no exit reason over {EXIT_LIMIT:,}",
        "meets_exits_target": None if top is None else top <= EXIT_LIMIT,
    }


def fmt(value: Optional[int]) -> str:
    return "-" if value is None else f"{value:,}"


def report(build: Path, bochs_values: dict[str, int], boot: bool) -> dict[str, object]:
    """Runs the anchor (when boot), prints the Linux lines, returns them."""
    qemu, how = anchor(build) if boot else (None, "not run (figures read from logs)")
    print(f"bench: QEMU anchor: {how}", flush=True)
    r = rows(qemu, bochs_values.get(HV_KEY), bochs_values.get(HV_2CPU_KEY),
             exits_of(bochs_values, HV_KEY), exits_of(bochs_values, HV_2CPU_KEY))
    r["qemu_anchor_note"] = how
    for key in (HV_KEY, HV_2CPU_KEY):
        if key in bochs_values:
            print(f"bench: {key} {bochs_values[key]}")
    hv_note = "" if r["hv_bochs"] is not None else f"  (no 'bench: {HV_KEY}' line in the logs)"
    verdict = {True: "met", False: "NOT met", None: "?"}[r["meets_target"]]  # type: ignore[index]
    ratio = "-" if r["ratio"] is None else f"{r['ratio']:.3f}"
    print(f"\nLinux PVH boot to the initramfs marker, 1 vCPU, quiet ({r['unit']})")
    for label, value, note in (
        ("QEMU microvm, -icount shift=0 (the anchor)", fmt(qemu), ""),
        (f"hv in Bochs at ips {LINUX_IPS:,}", fmt(r["hv_bochs"]), hv_note),  # type: ignore[arg-type]
        ("hv / QEMU", ratio, f"  {r['target']} {verdict}"),
        ("hv, 2 vCPUs (reported, not judged)", fmt(r["hv_bochs_2cpu"]), ""),  # type: ignore[arg-type]
    ):
        print(f"  {label:<44} {value:>16}{note}")
    verdict = {True: "met", False: "NOT met", None: "?"}[r["meets_exits_target"]]  # type: ignore[index]
    both = r["exits"], r["exits_2cpu"]
    print(f"\nVM exits of that boot by reason (1 vCPU; 2 vCPUs reported), "
          f"{r['exits_target']}: {verdict}")
    for reason in sorted(set(both[0]) | set(both[1]), key=lambda k: -both[0].get(k, 0)):  # type: ignore[union-attr, arg-type]
        print(f"  {reason:<44} {fmt(both[0].get(reason)):>16} {fmt(both[1].get(reason)):>16}")  # type: ignore[union-attr]
    return r
