#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The QEMU anchor of `make bench`: the Linux guest's PVH boot under QEMU.

  qemu_anchor.py [--build DIR] [--cmdline TEXT] [--cpus N] [--memory MiB]
                 [--keep DIR] [--timeout S]

Boots build/linux/vmlinux with build/linux/initramfs.cpio.gz the way hv
boots a Linux child by PVH, on QEMU's microvm with its legacy devices off
but its CMOS RTC present, under `-icount shift=0` (one instruction is one
nanosecond of the guest's clock, and so one TSC tick). No QEMU firmware
runs: -bios is tools/linux/pvhstub.asm, which enters the kernel at its
XEN_ELFNOTE_PHYS32_ENTRY, and the ACPI tables are this tool's own, the
platform hv gives a Linux child (hardware-reduced FADT with I/O-space
sleep and reset registers, an MADT with one local APIC per CPU, a DSDT
with COM1 without an IRQ and \\_S5). docs/linux.md, "The QEMU anchor".

It prints the TSC that /init's marker line reports, that is the
instructions from the first one QEMU ran to the initramfs, as
"anchor: linux_pvh_qemu_marker N". The exit status is 0 when the marker
came and the guest powered off, 1 otherwise, 2 when QEMU is missing.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Optional

sys.path.insert(0, str(Path(__file__).resolve().parent))
from extract_vmlinux import ImageError, PT_LOAD, pvh_entry  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
STUB = Path(__file__).resolve().parent / "pvhstub.asm"
QEMU = "qemu-system-x86_64"
MARKER = re.compile(r"LINUX: init tsc=([0-9]+)")

# The benchmark's command line, hv's as well as QEMU's (issue 18: "the same
# command line"). hvtest=marker makes /init power off at its marker.
BENCH_CMDLINE = "console=ttyS0 8250.nr_uarts=1 pci=off reboot=acpi quiet hvtest=marker"
# QEMU's TCG gives no CPUID leaf 0x15, so Linux learns the TSC's rate only
# from the command line; under -icount shift=0 it is 1 GHz. hv gives 0x15.
QEMU_TSC_KHZ = 1_000_000

# Guest-physical layout: low pages for the boot data, the ACPI tables in
# the reserved area below 1 MiB, the initrd above the kernel.
START_INFO = 0x6000
MODLIST = START_INFO + 0x100
MEMMAP = START_INFO + 0x200
CMDLINE = 0x7000
CMDLINE_MAX = 0x1000
ACPI = 0xE0000
INITRD = 0x8000000
LOW_RAM_END = 0x9FC00
E820_RAM, E820_RESERVED = 1, 2
HVM_START_MAGIC = 0x336EC578

# The FADT's power registers, on the port QEMU's isa-debug-exit watches:
# Linux's S5 write (SLP_TYP 5 << 2 | SLP_EN = 0x34) ends QEMU with status
# (0x34 << 1) | 1, the reset value 0x07 with (0x07 << 1) | 1.
EXIT_PORT = 0xF4
RESET_VALUE = 0x07
POWER_OFF_STATUS = (0x34 << 1) | 1

OEM_ID, OEM_TABLE_ID = b"HVTEST", b"HVANCHOR"


# ---------------------------------------------------------------- ACPI

def checksum(data: bytearray, at: int) -> None:
    data[at] = 0
    data[at] = -sum(data) & 0xFF


def sdt(signature: bytes, revision: int, body: bytes) -> bytes:
    """A system description table: the 36-byte header, then the body."""
    t = bytearray(signature + struct.pack("<IBB", 36 + len(body), revision, 0) + OEM_ID +
                  OEM_TABLE_ID + struct.pack("<I", 1) + b"HVTS" + struct.pack("<I", 1) + body)
    checksum(t, 9)
    return bytes(t)


def gas_io(port: int) -> bytes:
    """A generic address structure: one byte in I/O space."""
    return struct.pack("<BBBBQ", 1, 8, 0, 1, port)


def pkg_length(body_len: int) -> bytes:
    """AML PkgLength (ACPI, "Package Length Encoding"), counting itself."""
    if body_len + 1 < 0x40:
        return bytes([body_len + 1])
    total = body_len + 2
    assert total < 0x1000, "a longer AML package needs more length bytes"
    return bytes([0x40 | (total & 0xF), total >> 4])


def aml_package(op: bytes, body: bytes) -> bytes:
    return op + pkg_length(len(body)) + body


def dsdt_aml() -> bytes:
    """\\_SB.COM1 (PNP0501, I/O 0x3f8 length 8, no IRQ: Linux polls it) and
    \\_S5 = {5, 0, 0, 0}, the sleep type of the power-off."""
    name, byte_const, dword_const = b"\x08", b"\x0a", b"\x0c"
    # EisaId("PNP0501"): three 5-bit letters, then the product number.
    eisa = struct.pack(">HH", (ord("P") - 64) << 10 | (ord("N") - 64) << 5 | (ord("P") - 64), 0x0501)
    crs = bytes([0x47, 0x01, 0xF8, 0x03, 0xF8, 0x03, 0x00, 0x08,  # I/O, 16-bit decode, 0x3f8, 8 ports
                 0x79, 0x00])  # end tag
    buffer = aml_package(b"\x11", byte_const + bytes([len(crs)]) + crs)
    com1 = (name + b"_HID" + dword_const + eisa + name + b"_UID" + b"\x01" +
            name + b"_STA" + byte_const + b"\x0f" + name + b"_CRS" + buffer)
    device = aml_package(b"\x5b\x82", b"COM1" + com1)
    scope = aml_package(b"\x10", b"\\_SB_" + device)
    s5 = name + b"\\_S5_" + aml_package(b"\x12", b"\x04" + byte_const + b"\x05" + b"\x00" * 3)
    return scope + s5


def acpi_tables(base: int, cpus: int, rtc: bool = True) -> bytes:
    """RSDP, XSDT, FADT, MADT and DSDT, laid out from base."""
    rsdp_at, xsdt_at, fadt_at, madt_at, dsdt_at = base, base + 0x40, base + 0x100, base + 0x300, base + 0x400
    dsdt = sdt(b"DSDT", 2, dsdt_aml())
    # FADT, ACPI 5.0 layout (268 bytes): hardware-reduced, no PM blocks.
    f = bytearray(268)
    struct.pack_into("<I", f, 40, dsdt_at)  # DSDT
    struct.pack_into("<H", f, 109, 0 if rtc else 0x20)  # IAPC_BOOT_ARCH: CMOS RTC not present
    struct.pack_into("<I", f, 112, 1 << 10 | 1 << 20)  # RESET_REG_SUP | HW_REDUCED_ACPI
    f[116:128] = gas_io(EXIT_PORT)  # RESET_REG
    f[128] = RESET_VALUE
    struct.pack_into("<Q", f, 140, dsdt_at)  # X_DSDT
    f[244:256] = gas_io(EXIT_PORT)  # SLEEP_CONTROL_REG
    f[256:268] = gas_io(EXIT_PORT + 1)  # SLEEP_STATUS_REG
    fadt = sdt(b"FACP", 5, bytes(f[36:]))
    madt_body = struct.pack("<II", 0xFEE00000, 0)  # the local APIC's address; no 8259s
    for cpu in range(cpus):
        madt_body += struct.pack("<BBBBI", 0, 8, cpu, cpu, 1)  # processor local APIC, enabled
    madt_body += struct.pack("<BBBHB", 4, 6, 0xFF, 0, 1)  # local APIC NMI on LINT1, all CPUs
    madt = sdt(b"APIC", 3, madt_body)
    xsdt = sdt(b"XSDT", 1, struct.pack("<QQ", fadt_at, madt_at))
    rsdp = bytearray(b"RSD PTR \0" + OEM_ID + b"\x02" + struct.pack("<IIQ", 0, 36, xsdt_at) + b"\0" * 4)
    rsdp[8] = -sum(rsdp[:20]) & 0xFF  # the ACPI 1.0 checksum covers 20 bytes
    checksum(rsdp, 32)  # the extended one all 36
    placed = [(rsdp_at, rsdp), (xsdt_at, xsdt), (fadt_at, fadt), (madt_at, madt), (dsdt_at, dsdt)]
    for (at, table), (following, _) in zip(placed, placed[1:]):
        if at + len(table) > following:
            raise ImageError(f"ACPI table at 0x{at:x} runs into the next at 0x{following:x}: {cpus} CPUs are too many")
    blob = bytearray(dsdt_at - base + len(dsdt))
    for at, table in placed:
        blob[at - base : at - base + len(table)] = table
    return bytes(blob)


# ---------------------------------------------------------------- layout

def load_segments(elf: bytes) -> list[tuple[int, bytes]]:
    """(physical address, file bytes) of each PT_LOAD segment. Their bss
    stays as QEMU's RAM starts, zero; Linux clears it again anyway."""
    phoff = struct.unpack_from("<Q", elf, 0x20)[0]
    phnum = struct.unpack_from("<H", elf, 0x38)[0]
    out = []
    for i in range(phnum):
        p_type, _, p_off, _, p_paddr, p_filesz = struct.unpack_from("<IIQQQQ", elf, phoff + 56 * i)
        if p_type == PT_LOAD:
            out.append((p_paddr, elf[p_off : p_off + p_filesz]))
    return out


def start_info(memory: int, initrd_size: int, rsdp: int) -> bytes:
    """struct hvm_start_info, version 1, with its module list and memory map
    (Linux hits BUG() without the map), for the blob loaded at START_INFO."""
    e820 = [(0, LOW_RAM_END, E820_RAM), (LOW_RAM_END, 0x100000 - LOW_RAM_END, E820_RESERVED),
            (0x100000, memory - 0x100000, E820_RAM)]
    blob = bytearray(MEMMAP - START_INFO + 24 * len(e820))
    struct.pack_into("<IIIIQQQQII", blob, 0, HVM_START_MAGIC, 1, 0, 1, MODLIST, CMDLINE, rsdp, MEMMAP, len(e820), 0)
    struct.pack_into("<QQQQ", blob, MODLIST - START_INFO, INITRD, initrd_size, 0, 0)
    for i, (addr, size, kind) in enumerate(e820):
        struct.pack_into("<QQII", blob, MEMMAP - START_INFO + 24 * i, addr, size, kind, 0)
    return bytes(blob)


def with_tsc_khz(cmdline: str) -> str:
    if re.search(r"(^| )tsc_early_khz=", cmdline):
        return cmdline
    return f"{cmdline} tsc_early_khz={QEMU_TSC_KHZ}"


@dataclasses.dataclass
class Layout:
    """Files for QEMU's generic loader, each with its guest address."""

    stub: Path
    loads: list[tuple[Path, int]]


def lay_out(work: Path, vmlinux: Path, initrd: Path, cmdline: str, cpus: int, memory_mb: int) -> Layout:
    elf = vmlinux.read_bytes()
    entry = pvh_entry(elf)
    memory = memory_mb << 20
    segments = load_segments(elf)
    kernel_end = max(addr + len(data) for addr, data in segments)
    size = initrd.stat().st_size
    if kernel_end > INITRD or INITRD + size > memory:
        raise ImageError(f"kernel (to 0x{kernel_end:x}) and initrd (0x{INITRD:x} + 0x{size:x}) do not fit {memory_mb} MiB")
    text = cmdline.encode() + b"\0"
    if len(text) > CMDLINE_MAX:
        raise ImageError(f"command line of {len(text)} bytes, more than {CMDLINE_MAX}")
    loads: list[tuple[Path, int]] = []

    def put(name: str, data: bytes, addr: int) -> None:
        path = work / name
        path.write_bytes(data)
        loads.append((path, addr))

    for i, (addr, data) in enumerate(segments):
        put(f"segment{i}.bin", data, addr)
    put("start_info.bin", start_info(memory, size, ACPI), START_INFO)
    put("cmdline.bin", text, CMDLINE)
    put("acpi.bin", acpi_tables(ACPI, cpus), ACPI)
    loads.append((initrd.resolve(), INITRD))
    stub = work / "pvhstub.bin"
    subprocess.run(["nasm", "-f", "bin", f"-DPVH_ENTRY=0x{entry:x}", f"-DSTART_INFO=0x{START_INFO:x}",
                    "-o", str(stub), str(STUB)], check=True)
    return Layout(stub, loads)


def qemu_argv(layout: Layout, serial: Path, cpus: int, memory_mb: int) -> list[str]:
    argv = [
        QEMU, "-M", "microvm,x-option-roms=off,pit=off,pic=off,rtc=on,isa-serial=on,acpi=on",
        "-cpu", "Skylake-Client-v4", "-smp", str(cpus), "-m", f"{memory_mb}M",
        "-icount", "shift=0,sleep=off", "-accel", "tcg",
        "-nodefaults", "-no-user-config", "-display", "none", "-monitor", "none", "-no-reboot",
        "-serial", f"file:{serial}", "-bios", str(layout.stub),
        "-device", f"isa-debug-exit,iobase=0x{EXIT_PORT:x},iosize=1",
    ]  # fmt: skip
    for path, addr in layout.loads:
        argv += ["-device", f"loader,file={str(path).replace(',', ',,')},addr=0x{addr:x},force-raw=on"]
    return argv


@dataclasses.dataclass
class AnchorResult:
    marker_tsc: Optional[int]
    powered_off: bool
    status: Optional[int]
    seconds: float
    log: list[str]
    why: str = ""


def run_anchor(vmlinux: Path, initrd: Path, cmdline: str = BENCH_CMDLINE, cpus: int = 1, memory_mb: int = 256,
               timeout: float = 300.0, keep: Optional[Path] = None) -> AnchorResult:
    with tempfile.TemporaryDirectory(prefix="hv-anchor-") as tmp:
        work = keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        serial = work / "serial.log"
        serial.unlink(missing_ok=True)
        layout = lay_out(work, vmlinux, initrd, with_tsc_khz(cmdline), cpus, memory_mb)
        argv = qemu_argv(layout, serial, cpus, memory_mb)
        (work / "qemu-argv").write_text("\n".join(argv) + "\n")
        began = time.monotonic()
        try:
            proc = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, timeout=timeout)
            status: Optional[int] = proc.returncode
            # QEMU warns of each CPUID feature TCG lacks; the rest is news.
            said = proc.stdout.decode(errors="replace").splitlines()
            why = "; ".join(ln for ln in said if "warning: TCG doesn't support" not in ln)
        except subprocess.TimeoutExpired:
            status, why = None, f"no power-off within {timeout:.0f} s"
        seconds = time.monotonic() - began
        log = serial.read_text(errors="replace").splitlines() if serial.exists() else []
    found = next((MARKER.search(line) for line in log if MARKER.search(line)), None)
    return AnchorResult(int(found.group(1)) if found else None, status == POWER_OFF_STATUS, status, seconds, log, why)


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default=str(REPO / "build"))
    ap.add_argument("--cmdline", default=BENCH_CMDLINE, help=f"kernel command line (default: {BENCH_CMDLINE})")
    ap.add_argument("--cpus", type=int, default=1)
    ap.add_argument("--memory", type=int, default=256, help="MiB")
    ap.add_argument("--timeout", type=float, default=300.0, help="wall seconds")
    ap.add_argument("--keep", type=Path, help="keep the files and QEMU's serial log in this directory")
    ap.add_argument("--print-log", action="store_true", help="print the guest's serial log")
    args = ap.parse_args(argv)
    if not shutil.which(QEMU):
        print(f"anchor: SKIP: {QEMU} is missing (Debian package qemu-system-x86)")
        return 2
    linux = Path(args.build) / "linux"
    vmlinux, initrd = linux / "vmlinux", linux / "initramfs.cpio.gz"
    for path in (vmlinux, initrd):
        if not path.is_file():
            print(f"anchor: {path} is missing; 'make linux' builds it", file=sys.stderr)
            return 1
    try:
        r = run_anchor(vmlinux, initrd, args.cmdline, args.cpus, args.memory, args.timeout, args.keep)
    except (ImageError, OSError, subprocess.CalledProcessError) as e:
        print(f"anchor: {e}", file=sys.stderr)
        return 1
    if args.print_log:
        for line in r.log:
            print("  | " + line)
    how = "powered off" if r.powered_off else f"did not power off (status {r.status}) {r.why}".strip()
    print(f"anchor: QEMU microvm, PVH, {args.cpus} vCPU(s), -icount shift=0: {how} after {r.seconds:.1f} s")
    if r.marker_tsc is None:
        print("anchor: no marker line 'LINUX: init tsc=N' in the guest's output", file=sys.stderr)
        return 1
    print(f"anchor: linux_pvh_qemu_marker {r.marker_tsc}")
    return 0 if r.powered_off else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
