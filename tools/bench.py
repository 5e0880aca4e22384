#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""`make bench`: boots the benchmark scenario and reports its figures.

  bench.py [--build DIR] [--log ENGINE=LOG ...] [--entry-check]

Boots tests/boot/scenarios/bench.scn, bench-pc.scn, bench-xapic.scn and
bench-eoi.scn (a pc partition's figures), and tests/boot/bench/bench-create.scn
(creates and destroys by size), bench-sched.scn (the switch with many
partitions), bench-smp.scn (2 MiB children on 4 CPUs) and bench-linux.scn
(Linux's boot, tools/bench_linux.py) with tests/boot/runner.py, one at a
time, on every engine they
list (Bochs always; QEMU/KVM where this host offers VT-x), collects the
"bench: NAME VALUE" lines the guests printed, adds the sizes
of the files `make` built, prints a table and writes
DIR/bench/results.json. With --log it reads logs that exist instead of
booting anything (several for one engine: --log bochs=A --log bochs=B).
docs/benchmarks.md says what each figure means.

hv's VM-entry check (docs/vmcheck.md) is off in these boots, so that the
figures are hv's own path; --entry-check leaves it on, as `make test`
does. Under Bochs the TSC counts instructions, so its column is instructions;
under QEMU/KVM it counts cycles of the real CPU. The Linux boot's figure
is set against QEMU's -icount shift=0 boot of the same images
(tools/bench_linux.py), a skip line if QEMU is missing.
"""

from __future__ import annotations

import argparse
import datetime
import json
import re
import struct
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

import bench_linux

REPO = Path(__file__).resolve().parents[1]
SCENARIO = "bench"
SCENARIOS = (SCENARIO, "bench-pc", "bench-xapic", "bench-eoi", "bench-create",
             "bench-sched", "bench-smp", "bench-linux")
ENGINES = ("bochs", "qemu-kvm")
COMMAND = "make bench"

LINE = re.compile(r"^(?:\[[^\]]+\] )?bench: ([a-z0-9_]+) (-?[0-9]+)$")
# hv's own record of its longest exit that created or destroyed a
# partition (hv/stats.c), which no guest can time from outside.
MGMT_EXIT = re.compile(r"^hv: final report: longest exit creating or "
                       r"destroying a partition ([0-9]+) tsc")
ESCAPES = re.compile(r"\x1b\[[0-9;=?]*[A-Za-z]|\r")
SKIP = re.compile(r"^SKIP +(?:" + "|".join(SCENARIOS) +
                  r")\.([a-z-]+): (.*)$")

KIB = 1024
SIZES = ("16m", "256m", "1g")  # bench-create.scn's children
SIZE_NAMES = {"16m": "16 MiB", "256m": "256 MiB", "1g": "1 GiB"}


@dataclass
class Figure:
    key: str
    what: str
    unit: str  # "ticks" (instructions or cycles), "bytes" or "count"
    get: Callable[[dict[str, int]], Optional[int]]
    target: Optional[str] = None  # e.g. "<= 150"
    # "host": a file's size, the same whatever engine boots it; otherwise
    # the engine whose figure the target is for (Bochs' counts).
    target_engine: str = "bochs"


def raw(name: str) -> Callable[[dict[str, int]], Optional[int]]:
    return lambda v: v.get(name)


def create_ratio(v: dict[str, int]) -> Optional[int]:
    """The 1 GiB child's create to user against the 16 MiB one's, both
    from bench-create.scn, in percent."""
    small, large = v.get("create_to_user_16m"), v.get("create_to_user_1g")
    return round(100 * large / small) if small and large else None


def longest_create_exit(v: dict[str, int]) -> Optional[int]:
    """The longest single exit the parent made during any of
    bench-create.scn's creates, the Linux images' included."""
    keys = [f"create_longest_exit_{s}" for s in SIZES + ("linux",)]
    if any(k not in v for k in keys):
        return None
    return max(v[k] for k in keys)


def switch_cost(v: dict[str, int]) -> Optional[int]:
    """Every tick of the window is one of the two partitions running or hv
    switching: the switching is the sum of both gaps less the window, and
    each gap began with one switch."""
    need = ("switch_window_ticks", "switch_parent_gap_ticks",
            "switch_child_gap_ticks", "switch_parent_gaps",
            "switch_child_gaps", "switch_parent_late", "switch_child_late")
    if any(k not in v for k in need):
        return None
    if v["switch_parent_late"] or v["switch_child_late"]:
        return None
    gaps = v["switch_parent_gaps"] + v["switch_child_gaps"]
    spent = (v["switch_parent_gap_ticks"] + v["switch_child_gap_ticks"] -
             v["switch_window_ticks"])
    return round(spent / gaps) if gaps and spent > 0 else None


def sched_ratio(v: dict[str, int]) -> Optional[int]:
    """The switch with 500 runnable partitions against the one with 2, by
    hv's own TSC, in per mille."""
    a, b = v.get("sched_2_switch_ticks"), v.get("sched_500_switch_ticks")
    return round(b * 1000 / a) if a and b is not None else None


def hv_vs_gap(v: dict[str, int]) -> Optional[int]:
    """hv's own figure for its pick and switch against the gap method's
    whole switch over the same window, per mille: the part cannot be
    more than the whole."""
    gap, hv = switch_cost(v), v.get("switch_hv_ticks")
    return round(hv * 1000 / gap) if gap and hv is not None else None


def pool_back(v: dict[str, int]) -> Optional[int]:
    """Bytes of the pool not back once every 2 MiB child is destroyed."""
    a, b = v.get("smp_pool_free_before"), v.get("smp_pool_free_after")
    return a - b if a is not None and b is not None else None


FIGURES = [
    Figure("cpuid_exit", "CPUID exit round trip in the child's kernel, "
           "hv's instructions", "ticks", raw("kernel_cpuid"), "<= 150"),
    Figure("cpuid_handler", "  of which hv's CPUID handler (stats)",
           "ticks", raw("kernel_cpuid_handler")),
    Figure("hypercall_kernel", "null hypercall round trip from the guest "
           "kernel, hv's instructions", "ticks", raw("kernel_hypercall"),
           "<= 150"),
    Figure("hypercall_user",
           "null hypercall round trip, user program via its kernel",
           "ticks", raw("user_hypercall")),
    Figure("syscall_user", "  for comparison: a null system call",
           "ticks", raw("user_syscall")),
    Figure("cpuid_user", "  for comparison: CPUID exit from ring 3",
           "ticks", raw("user_cpuid")),
    Figure("cpuid_user_traced", "  the same with the partition's trace on",
           "ticks", raw("user_cpuid_traced")),
    Figure("port_write", "emulated COM1 port write (scratch register), "
           "hv's instructions",
           "ticks", raw("kernel_port_write")),
    Figure("switch", "preemption-timer exit and switch between two "
           "partitions", "ticks", switch_cost),
    Figure("switch_hv", "  of which hv's pick and switch, by its own TSC",
           "ticks", raw("switch_hv_ticks")),
    Figure("switch_hv_vs_gap", "  that against the whole, per mille",
           "count", hv_vs_gap, "<= 1000"),
    Figure("sched_2", "preemption switch by hv's TSC, 2 runnable "
           "partitions, 1 CPU", "ticks", raw("sched_2_switch_ticks")),
    Figure("sched_100", "  the same with 100 runnable partitions", "ticks",
           raw("sched_100_switch_ticks")),
    Figure("sched_500", "  the same with 500 runnable partitions", "ticks",
           raw("sched_500_switch_ticks"), "<= 450"),
    Figure("sched_500_vs_2", "  500 against 2, per mille", "count",
           sched_ratio, "<= 1200"),
    Figure("create_to_user", "partition_create to the child's first user "
           "instructions, 16 MiB child", "ticks", raw("create_to_user"),
           "<= 450000"),
    Figure("create_ram", "  of which hv taking its RAM (zero already)",
           "ticks", raw("create_hv_ram")),
    Figure("create_build", "  of which hv building it (RAM included)",
           "ticks", raw("create_hv_build")),
    Figure("destroy_16m", "partition_destroy of that 16 MiB child, "
           "all its steps", "ticks", raw("destroy_16m")),
    Figure("longest_mgmt_exit", "longest single exit creating or "
           "destroying a partition (hv's final report)", "ticks",
           raw("longest_mgmt_exit"), "<= 1000000"),
    *[Figure(f"create_to_user_{s}", f"create to user, {SIZE_NAMES[s]} "
             "child (bench-create)", "ticks", raw(f"create_to_user_{s}"),
             "<= 450000" if s == "16m" else None) for s in SIZES],
    Figure("create_1g_vs_16m", "  1 GiB child's against the 16 MiB "
           "one's, percent", "count", create_ratio, "<= 200"),
    *[Figure(f"create_longest_exit_{s}", f"  longest exit creating the "
             f"{SIZE_NAMES[s]} child", "ticks",
             raw(f"create_longest_exit_{s}")) for s in SIZES],
    Figure("create_longest_exit_linux", "  longest exit creating a child "
           "of the Linux images", "ticks", raw("create_longest_exit_linux")),
    Figure("create_longest_exit", "longest single exit of any create, "
           "Linux images included", "ticks", longest_create_exit,
           "<= 1000000"),
    Figure("create_linux_image", "create of a child of the Linux images, "
           "every step", "ticks", raw("create_linux_image")),
    *[Figure(f"destroy_time_{s}", f"destroy of the {SIZE_NAMES[s]} child, "
             "every step", "ticks", raw(f"destroy_time_{s}")) for s in SIZES],
    Figure("destroy_longest_exit", "  its longest exit, the 1 GiB child's",
           "ticks", raw("destroy_longest_exit_1g"), "<= 1000000"),
    Figure("pc_ipi_one_cpu", "pc partition: IPI between two vCPUs sharing "
           "one CPU, ICR write to handler", "ticks", raw("pc_ipi_one_cpu")),
    Figure("pc_tsc_deadline", "pc partition: TSC-deadline timer interrupt, "
           "deadline to handler", "ticks", raw("pc_tsc_deadline")),
    Figure("pc_xapic_current_count", "pc partition: xAPIC read of the "
           "timer's current count by MMIO, load to load", "ticks",
           raw("pc_xapic_current_count")),
    Figure("pc_eoi_no_exit", "pc partition: xAPIC EOI without an exit "
           "(virtualized), write to write", "ticks", raw("pc_eoi_no_exit")),
    Figure("pc_eoi_exit", "pc partition: xAPIC EOI whose EOI-exit bit is "
           "set, write to write", "ticks", raw("pc_eoi_exit")),
    Figure("rep_stosb_65536", "REP STOSB of 65536 bytes (Bochs counts "
           "iterations)", "ticks", raw("rep_stosb_65536")),
    Figure("rep_stosq_65536", "REP STOSQ of 65536 bytes", "ticks",
           raw("rep_stosq_65536")),
    Figure("hv_elf_bytes", "hv.elf, the file", "bytes",
           raw("hv_elf_bytes"), f"<= {256 * KIB}", "host"),
    Figure("hv_elf_loaded_bytes", "hv.elf, what the loader loads "
           "(PT_LOAD, bss included)", "bytes", raw("hv_elf_loaded_bytes"),
           None, "host"),
    Figure("loader_bytes", "the loader, BOOTX64.EFI", "bytes",
           raw("loader_bytes"), None, "host"),
    Figure("hv_resident", "hv's resident memory after boot (image and "
           "its own pool pages)", "bytes", raw("hv_resident_bytes")),
    Figure("child_overhead_16m", "pool bytes per 16 MiB child beyond its "
           "RAM", "bytes", raw("child_16m_overhead_bytes"),
           f"<= {64 * KIB}"),
    Figure("child_overhead_2m", "pool bytes per 2 MiB child beyond its RAM",
           "bytes", raw("child_2m_overhead_bytes"), f"<= {64 * KIB}"),
    Figure("children_2m", "2 MiB children created until refusal, "
           "256 MiB pool", "count", raw("children_2m")),
    Figure("children_2m_running", "  of which running at once", "count",
           raw("children_2m_running"), ">= 100"),
    Figure("children_2m_pool_room", "  room in the pool at the refusal, "
           "counted in such children", "count", raw("children_2m_pool_room")),
    Figure("smp_children_2m_running", "2 MiB children running at once, "
           "1.25 GiB pool, 4 CPUs, each seen to have run", "count",
           raw("smp_children_2m_running"), ">= 500"),
    Figure("smp_children_2m", "  created until refusal", "count",
           raw("smp_children_2m")),
    Figure("smp_pool_not_back", "  pool bytes not back after all are "
           "destroyed", "bytes", pool_back, "<= 0"),
]


# The guest kernel's timed operations and their baselines
# (guest/kernel/bench.c): the same instructions but the one that exits,
# which the baseline has as a NOP.
OP_PAIRS = (("op_cpuid", "base_cpuid", "cpuid"),
            ("op_hypercall", "base_hypercall", "vmcall"),
            ("op_port_write", "base_port_write", "out"))
KERNEL_ELF = Path("guest/kernel/kernel.elf")


def disassembly(elf: Path) -> dict[str, list[str]]:
    """Each function's instructions, mnemonic and operands, by name."""
    out = subprocess.run(["objdump", "-d", "--no-show-raw-insn", str(elf)],
                         stdout=subprocess.PIPE, text=True, check=True).stdout
    funcs: dict[str, list[str]] = {}
    current: Optional[list[str]] = None
    for line in out.splitlines():
        m = re.match(r"^[0-9a-f]+ <([^>]+)>:$", line)
        if m:
            current = funcs.setdefault(m.group(1), [])
            continue
        m = re.match(r"^\s+[0-9a-f]+:\s+(.+?)\s*$", line)
        if m and current is not None:
            current.append(re.sub(r"\s+", " ", m.group(1)))
    return funcs


def pair_problem(op: list[str], base: list[str], insn: str) -> Optional[str]:
    """None when op and base are the same instructions up to their first
    RET, but for one place where op has insn and base a NOP; else why
    not."""
    def body(code: list[str]) -> list[str]:
        end = next((i for i, c in enumerate(code) if c == "ret"), None)
        return code if end is None else code[:end + 1]

    op, base = body(op), body(base)
    if len(op) != len(base):
        return f"{len(op)} instructions against {len(base)}"
    diff = [i for i, (a, b) in enumerate(zip(op, base)) if a != b]
    if len(diff) != 1:
        return f"they differ in {len(diff)} places, not one"
    a, b = op[diff[0]], base[diff[0]]
    if a.split()[0] != insn or b != "nop":
        return f"the difference is {a!r} against {b!r}"
    return None


def check_op_pairs(build: Path) -> list[str]:
    """What is wrong with the built kernel's pairs: nothing, if empty."""
    funcs = disassembly(build / KERNEL_ELF)
    problems = []
    for op, base, insn in OP_PAIRS:
        if op not in funcs or base not in funcs:
            problems.append(f"{op}/{base}: not in {KERNEL_ELF}")
            continue
        why = pair_problem(funcs[op], funcs[base], insn)
        if why:
            problems.append(f"{op}/{base}: {why}")
    return problems


def parse_log(path: Path) -> dict[str, int]:
    values: dict[str, int] = {}
    texts = [ESCAPES.sub("", line).strip() for line in
             path.read_text(encoding="utf-8", errors="replace").splitlines()]
    values.update(bench_linux.parse_lines(texts))
    for text in texts:
        m = LINE.match(text)
        if m:
            values[m.group(1)] = int(m.group(2))
        m = MGMT_EXIT.match(text)
        if m:
            values["longest_mgmt_exit"] = int(m.group(1))
    return values


def elf_loaded_bytes(path: Path) -> int:
    """The bytes of memory the PT_LOAD segments span, page-rounded."""
    data = path.read_bytes()
    if data[:4] != b"\x7fELF" or data[4] != 2:
        raise ValueError(f"{path}: not an ELF64 file")
    phoff, = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    lo, hi = None, 0
    for i in range(phnum):
        p_type, _, _, vaddr, _, _, memsz, _ = struct.unpack_from(
            "<IIQQQQQQ", data, phoff + i * phentsize)
        if p_type == 1:  # PT_LOAD
            lo = vaddr if lo is None else min(lo, vaddr)
            hi = max(hi, vaddr + memsz)
    if lo is None:
        return 0
    return ((hi + 4095) & ~4095) - (lo & ~4095)


def host_figures(build: Path) -> dict[str, int]:
    hv = build / "hv.elf"
    return {
        "hv_elf_bytes": hv.stat().st_size,
        "hv_elf_loaded_bytes": elf_loaded_bytes(hv),
        "loader_bytes": (build / "BOOTX64.EFI").stat().st_size,
    }


def meets(value: Optional[int], target: Optional[str]) -> Optional[bool]:
    if value is None or target is None:
        return None
    op, limit = target.split()
    return value <= int(limit) if op == "<=" else value >= int(limit)


def scenario_file(name: str) -> Path:
    """A scenario of make test's directory, or one of tests/boot/bench/,
    which only make bench boots (long boots that judge no figure)."""
    path = REPO / "tests/boot/scenarios" / f"{name}.scn"
    return path if path.exists() else REPO / "tests/boot/bench" / f"{name}.scn"


def unchecked_scenario(build: Path, name: str = SCENARIO) -> Path:
    """A copy of the scenario with hv's VM-entry check off: the check
    (docs/vmcheck.md) is the test bed's, on in `make test` and by
    default, and the benchmark measures hv's own path without it."""
    text = scenario_file(name).read_text()
    marker = "manifest <<END\n"
    if marker not in text:
        raise SystemExit(f"bench: {name}.scn has no '{marker.strip()}'")
    path = build / "bench" / "scenario" / f"{name}.scn"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text.replace(marker, marker + "entry_check = no\n", 1))
    return path


def run_scenario(build: Path, entry_check: bool) -> tuple[int, dict[str, str]]:
    """Boots the scenarios, one emulator at a time so that none slows
    another's figures; their status and the engines skipped, with why."""
    scenarios = [str(scenario_file(name)) for name in SCENARIOS] \
        if entry_check else [
        str(unchecked_scenario(build, name)) for name in SCENARIOS]
    cmd = [sys.executable, str(REPO / "tests/boot/runner.py"), "--build",
           str(build), "test", "-j", "1", *scenarios]
    print("bench: " + " ".join(cmd[1:]), flush=True)
    proc = subprocess.run(cmd, cwd=REPO, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True)
    skipped = {}
    for line in proc.stdout.splitlines():
        if not line.startswith("["):
            print("  " + line)
        m = SKIP.match(line)
        if m:
            skipped[m.group(1)] = m.group(2)
    return proc.returncode, skipped


def fmt(value: Optional[int]) -> str:
    return "-" if value is None else f"{value:,}"


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default=str(REPO / "build"))
    ap.add_argument("--log", action="append", default=[],
                    metavar="ENGINE=LOG", help="read LOG instead of booting")
    ap.add_argument("--entry-check", action="store_true",
                    help="boot with hv's VM-entry check on, as make test "
                    "does: the figures then include its cost")
    args = ap.parse_args(argv)
    build = Path(args.build).resolve()

    logs: dict[str, list[Path]] = {}
    skipped: dict[str, str] = {}
    status = 0
    if args.log:
        for item in args.log:
            engine, _, path = item.partition("=")
            logs.setdefault(engine, []).append(Path(path))
    else:
        status, skipped = run_scenario(build, args.entry_check)
        for engine in ENGINES:
            if engine not in skipped:
                logs[engine] = [build / "tests" / f"{name}.{engine}.log"
                                for name in SCENARIOS]

    problems = check_op_pairs(build)
    for why in problems:
        print(f"bench: the kernel's timed operations are not comparable: "
              f"{why}", file=sys.stderr)
    host = host_figures(build)
    columns: dict[str, dict[str, int]] = {}
    for engine in ENGINES:
        found = [log for log in logs.get(engine, []) if log.exists()]
        if found:
            columns[engine] = dict(host)
            for log in found:
                columns[engine].update(parse_log(log))
    if "bochs" not in columns:
        print("bench: no Bochs log to read", file=sys.stderr)
        return 1

    results = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(
            timespec="seconds"),
        "command": COMMAND + (" (bench.py --entry-check)"
                              if args.entry_check else ""),
        "entry_check": bool(args.entry_check),
        "revision": subprocess.run(
            ["git", "rev-parse", "--short=12", "HEAD"], cwd=REPO,
            stdout=subprocess.PIPE, text=True).stdout.strip() or "unknown",
        "units": {"bochs": "emulated instructions (TSC ticks)",
                  "qemu-kvm": "CPU cycles (TSC ticks)",
                  "bytes": "bytes", "count": "count"},
        "engines": {},
        "figures": {},
    }
    for engine in ENGINES:
        if engine in columns:
            results["engines"][engine] = "ran"
        else:
            why = skipped.get(engine, "not run")
            results["engines"][engine] = (
                "n/a (no VT-x here)" if "no VT-x" in why else f"n/a ({why})")

    missing = []
    width = max(len(f.what) for f in FIGURES)
    print(f"\n{'figure':<{width}}  {'unit':<6} {'bochs':>14} "
          f"{'qemu-kvm':>20}  target")
    for f in FIGURES:
        row = {"description": f.what.strip(), "unit": f.unit}
        cells = []
        for engine in ENGINES:
            if f.target_engine == "host":
                value = f.get(host)
            else:
                value = f.get(columns[engine]) if engine in columns else None
            row[engine] = value
            if engine == "bochs" and value is None:
                missing.append(f.key)
            cells.append(fmt(value) if engine in columns or
                         f.target_engine == "host" else
                         results["engines"][engine])
        if f.target:
            row["target"] = f.target
            row["meets_target"] = meets(
                row["bochs"] if f.target_engine in ("bochs", "host") else None,
                f.target)
        results["figures"][f.key] = row
        mark = ""
        if f.target:
            mark = f"{f.target} " + {True: "met", False: "NOT met",
                                     None: "?"}[row["meets_target"]]
        print(f"{f.what:<{width}}  {f.unit:<6} {cells[0]:>14} "
              f"{cells[1]:>20}  {mark}")

    results["linux"] = bench_linux.report(build, columns["bochs"], boot=not args.log)

    out = build / "bench" / "results.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nbench: wrote {out}")
    if missing:
        print("bench: missing figures: " + ", ".join(missing), file=sys.stderr)
        return 1
    if status:
        print("bench: the scenario failed; see its log", file=sys.stderr)
        return 1
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
