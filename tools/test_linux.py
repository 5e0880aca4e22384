#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Checks of the Linux image tools (tools/linux/); `make test` runs them.

  python3 -m unittest tools/test_linux.py

extract_vmlinux.py is fed bzImages made here around a tiny ELF, good and
broken; qemu_anchor.py's ACPI tables, AML and PVH start info are read back
field by field. The last checks look at what `make linux` built, if it has.
"""

from __future__ import annotations

import gzip
import lzma
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "linux"))
import extract_vmlinux as ex  # noqa: E402
import qemu_anchor as qa  # noqa: E402

BUILD = Path(__file__).resolve().parents[1] / "build"


def tiny_elf(entry: int = 0x1000850, note_type: int = ex.XEN_ELFNOTE_PHYS32_ENTRY) -> bytes:
    """An ELF64 x86-64 with one PT_LOAD and one PT_NOTE holding a Xen note."""
    note = struct.pack("<III", 4, 4, note_type) + b"Xen\0" + struct.pack("<I", entry)
    phoff, notes_at = 64, 64 + 2 * 56
    load_at = notes_at + len(note)
    header = bytearray(64)
    header[:6] = b"\x7fELF\x02\x01"
    struct.pack_into("<HH", header, 0x10, 2, ex.EM_X86_64)
    struct.pack_into("<Q", header, 0x20, phoff)
    struct.pack_into("<HHH", header, 0x36, 56, 2, 0)
    ph = struct.pack("<IIQQQQQQ", ex.PT_LOAD, 5, load_at, 0, 0x1000000, 16, 32, 0x1000)
    ph += struct.pack("<IIQQQQQQ", ex.PT_NOTE, 4, notes_at, 0, 0, len(note), len(note), 4)
    return bytes(header) + ph + note + b"\x90" * 16


def bzimage(payload: bytes, setup_sects: int = 3, version: int = 0x20F, length_delta: int = 0) -> bytes:
    """A bzImage's outline: the setup header's fields this tool reads, then
    the protected-mode part with the payload 0x100 bytes into it."""
    pm = (setup_sects + 1) * 512
    b = bytearray(pm + 0x100) + payload
    b[0x1F1] = setup_sects
    b[0x202:0x206] = b"HdrS"
    struct.pack_into("<H", b, 0x206, version)
    struct.pack_into("<II", b, 0x248, 0x100, len(payload) + length_delta)
    return bytes(b)


class ExtractTest(unittest.TestCase):
    def test_unpacks_and_finds_the_entry(self) -> None:
        elf = tiny_elf(0x1234560)
        got = ex.decompress(ex.payload(bzimage(lzma.compress(elf, format=lzma.FORMAT_XZ))))
        self.assertEqual(got, elf)
        self.assertEqual(ex.pvh_entry(got), 0x1234560)

    def test_trim_cuts_the_last_segments_zeros(self) -> None:
        # The load segment (last in the file) ends in zeros and the file
        # in stand-in section headers: both go, the note and entry stay.
        elf = bytearray(tiny_elf(0x1234560)[:-16] + b"\x90" * 4 + bytes(12) + b"SHDR")
        struct.pack_into("<Q", elf, 0x28, len(elf) - 4)
        struct.pack_into("<HH", elf, 0x3C, 1, 0)
        got = ex.trim(bytes(elf))
        self.assertEqual(len(got), len(elf) - 16)
        self.assertTrue(got.endswith(b"\x90" * 4))
        p_filesz, p_memsz = struct.unpack_from("<QQ", got, 64 + 32)
        self.assertEqual((p_filesz, p_memsz), (4, 32))
        self.assertEqual(struct.unpack_from("<Q", got, 0x28)[0], 0)
        self.assertEqual(struct.unpack_from("<H", got, 0x3C)[0], 0)
        self.assertEqual(ex.pvh_entry(got), 0x1234560)
        # A file whose last segment has no trailing zeros keeps it whole.
        plain = tiny_elf()
        self.assertEqual(ex.trim(plain), plain)

    def test_setup_sects_zero_means_four(self) -> None:
        xz = lzma.compress(tiny_elf(), format=lzma.FORMAT_XZ)
        image = bytearray(bzimage(xz, setup_sects=4))
        image[0x1F1] = 0
        self.assertEqual(ex.payload(bytes(image)), xz)

    def test_refusals_name_the_field(self) -> None:
        xz = lzma.compress(tiny_elf(), format=lzma.FORMAT_XZ)
        cases = [
            (lambda: ex.payload(b"MZ" + bytes(0x300)), "no setup header"),
            (lambda: ex.payload(bzimage(xz, version=0x206)), "boot protocol 2.6"),
            (lambda: ex.payload(bzimage(xz, length_delta=1)), "payload_length"),
            (lambda: ex.decompress(gzip.compress(b"x")), "not XZ"),
            (lambda: ex.decompress(xz[:40]), "does not decompress"),
            (lambda: ex.pvh_entry(tiny_elf(note_type=17)), "no XEN_ELFNOTE_PHYS32_ENTRY"),
            (lambda: ex.pvh_entry(b"\x7fELF\x01\x01" + bytes(60)), "not a little-endian ELF64"),
        ]
        for call, message in cases:
            with self.assertRaises(ex.ImageError, msg=message) as caught:
                call()
            self.assertIn(message, str(caught.exception))

    def test_command_writes_only_a_good_image(self) -> None:
        with tempfile.TemporaryDirectory() as d:
            good, bad, out = Path(d) / "good", Path(d) / "bad", Path(d) / "vmlinux"
            good.write_bytes(bzimage(lzma.compress(tiny_elf(), format=lzma.FORMAT_XZ)))
            bad.write_bytes(bzimage(lzma.compress(tiny_elf(note_type=1), format=lzma.FORMAT_XZ)))
            self.assertEqual(ex.main(["x", str(bad), str(out)]), 1)
            self.assertFalse(out.exists())
            self.assertEqual(ex.main(["x", str(good), str(out)]), 0)
            self.assertEqual(out.read_bytes(), tiny_elf())


def table_at(blob: bytes, base: int, addr: int) -> bytes:
    length = struct.unpack_from("<I", blob, addr - base + 4)[0]
    return blob[addr - base : addr - base + length]


class AnchorTablesTest(unittest.TestCase):
    BASE = qa.ACPI

    def tables(self, cpus: int = 2) -> dict[bytes, bytes]:
        blob = qa.acpi_tables(self.BASE, cpus)
        rsdp = blob[:36]
        self.assertEqual(rsdp[:8], b"RSD PTR ")
        self.assertEqual(sum(rsdp[:20]) & 0xFF, 0)
        self.assertEqual(sum(rsdp) & 0xFF, 0)
        xsdt = table_at(blob, self.BASE, struct.unpack_from("<Q", rsdp, 24)[0])
        found = {b"XSDT": xsdt}
        for (addr,) in struct.iter_unpack("<Q", xsdt[36:]):
            t = table_at(blob, self.BASE, addr)
            found[t[:4]] = t
        fadt = found[b"FACP"]
        found[b"DSDT"] = table_at(blob, self.BASE, struct.unpack_from("<Q", fadt, 140)[0])
        for sig, t in found.items():
            self.assertEqual(sum(t) & 0xFF, 0, sig)
        return found

    def test_fadt_is_hardware_reduced_with_io_power_registers(self) -> None:
        fadt = self.tables()[b"FACP"]
        self.assertEqual(len(fadt), 268)
        flags = struct.unpack_from("<I", fadt, 112)[0]
        self.assertTrue(flags & 1 << 20 and flags & 1 << 10)
        # GAS: I/O space, 8 bits, byte access, at the exit port.
        self.assertEqual(struct.unpack_from("<BBBBQ", fadt, 244), (1, 8, 0, 1, qa.EXIT_PORT))
        self.assertEqual(struct.unpack_from("<BBBBQ", fadt, 116), (1, 8, 0, 1, qa.EXIT_PORT))
        self.assertEqual(fadt[128], qa.RESET_VALUE)
        self.assertEqual(struct.unpack_from("<I", fadt, 40)[0], struct.unpack_from("<Q", fadt, 140)[0])

    def test_madt_lists_each_cpu(self) -> None:
        for cpus in (1, 2, 4):
            madt = self.tables(cpus)[b"APIC"]
            self.assertEqual(struct.unpack_from("<I", madt, 36)[0], 0xFEE00000)
            at, apics = 44, []
            while at < len(madt):
                kind, length = madt[at], madt[at + 1]
                if kind == 0:
                    apics.append(madt[at + 3])
                at += length
            self.assertEqual(at, len(madt))
            self.assertEqual(apics, list(range(cpus)))

    def test_too_many_cpus_for_the_layout(self) -> None:
        with self.assertRaises(ex.ImageError):
            qa.acpi_tables(self.BASE, 40)

    def test_dsdt_aml(self) -> None:
        aml = self.tables()[b"DSDT"][36:]
        # ScopeOp, its PkgLength covering the rest of the scope, \_SB_.
        self.assertEqual(aml[0], 0x10)
        self.assertEqual(aml[2:7], b"\\_SB_")
        scope_end = 1 + aml[1]
        self.assertEqual(aml[scope_end:], b"\x08\\_S5_\x12\x07\x04\x0a\x05\x00\x00\x00")
        self.assertIn(b"_HID\x0c\x41\xd0\x05\x01", aml)  # EisaId("PNP0501")
        self.assertIn(b"\x47\x01\xf8\x03\xf8\x03\x00\x08\x79\x00", aml)
        self.assertNotIn(b"\x22", aml[aml.index(b"_CRS") :scope_end])  # no IRQ descriptor

    def test_pkg_length(self) -> None:
        self.assertEqual(qa.pkg_length(5), b"\x06")
        self.assertEqual(qa.pkg_length(62), b"\x3f")
        self.assertEqual(qa.pkg_length(63), bytes([0x40 | (65 & 0xF), 65 >> 4]))

    def test_start_info(self) -> None:
        info = qa.start_info(256 << 20, 12345, qa.ACPI)
        magic, version, _, modules, modlist, cmdline, rsdp, memmap, entries = struct.unpack_from("<IIIIQQQQI", info)
        self.assertEqual((magic, version, modules), (0x336EC578, 1, 1))
        self.assertEqual((cmdline, rsdp, entries), (qa.CMDLINE, qa.ACPI, 3))
        self.assertEqual(struct.unpack_from("<QQ", info, modlist - qa.START_INFO), (qa.INITRD, 12345))
        last = struct.unpack_from("<QQII", info, memmap - qa.START_INFO + 48)
        self.assertEqual(last, (0x100000, (256 << 20) - 0x100000, 1, 0))

    def test_tsc_rate_added_once(self) -> None:
        self.assertEqual(qa.with_tsc_khz("quiet"), "quiet tsc_early_khz=1000000")
        self.assertEqual(qa.with_tsc_khz("tsc_early_khz=5 quiet"), "tsc_early_khz=5 quiet")

    def test_stub_assembles_to_the_reset_vector(self) -> None:
        with tempfile.TemporaryDirectory() as d:
            out = Path(d) / "stub.bin"
            subprocess.run(["nasm", "-f", "bin", "-DPVH_ENTRY=0x1000850", "-DSTART_INFO=0x6000",
                            "-o", str(out), str(qa.STUB)], check=True)
            rom = out.read_bytes()
        self.assertEqual(len(rom), 0x10000)
        # The reset vector's near jump lands on the code after the GDT.
        rel = struct.unpack_from("<h", rom, 0xFFF1)[0]
        start = (0xFFF3 + rel) & 0xFFFF
        self.assertEqual(rom[start], 0xFA)  # cli
        self.assertIn(struct.pack("<BI", 0xB8, 0x1000850), rom)  # mov eax, PVH_ENTRY
        self.assertIn(struct.pack("<BI", 0xBB, 0x6000), rom)  # mov ebx, START_INFO


def cpio_members(data: bytes) -> dict[str, bytes]:
    """The files of a newc cpio archive, by name."""
    members, at = {}, 0
    while True:
        # newc: "070701", 13 fields of 8 hex digits, the name, padding to 4.
        if data[at : at + 6] != b"070701":
            raise ValueError(f"no newc header at offset {at}")
        fields = [int(data[at + 6 + 8 * i : at + 14 + 8 * i], 16) for i in range(13)]
        size, namesize = fields[6], fields[11]
        name = data[at + 110 : at + 110 + namesize - 1].decode()
        if name == "TRAILER!!!":
            return members
        at = (at + 110 + namesize + 3) & ~3
        members[name] = data[at : at + size]
        at = (at + size + 3) & ~3


INITRAMFS = BUILD / "linux" / "initramfs.cpio.gz"
VREGS_KEPT = r"^hvtool vregs: 200 rounds, (zmm0-31 and k0-7|ymm0-15|xmm0-15) kept$"


class BuiltImagesTest(unittest.TestCase):
    @unittest.skipUnless((BUILD / "linux" / "vmlinux").exists(), "make linux has not run")
    def test_vmlinux_has_a_pvh_entry(self) -> None:
        with open(BUILD / "linux" / "vmlinux", "rb") as f:
            self.assertGreater(ex.pvh_entry(f.read()), 0x100000)

    @unittest.skipUnless(INITRAMFS.exists(), "make linux has not run")
    def test_initramfs_holds_init_busybox_and_hvtool(self) -> None:
        names = cpio_members(gzip.decompress(INITRAMFS.read_bytes()))
        for want in ("init", "bin/busybox", "bin/hvtool", "bin/sh", "sbin/poweroff", "sbin/devmem", "dev", "proc", "sys"):
            self.assertIn(want, names)


@unittest.skipUnless(INITRAMFS.exists(), "make linux has not run")
class HvtoolVregsTest(unittest.TestCase):
    """The initramfs's own hvtool, run on this machine: static and without
    a C library, it runs here as in the guest."""

    def setUp(self) -> None:
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        self.hvtool = Path(tmp.name) / "hvtool"
        self.hvtool.write_bytes(cpio_members(gzip.decompress(INITRAMFS.read_bytes()))["bin/hvtool"])
        self.hvtool.chmod(0o755)

    def run_hvtool(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(self.hvtool), *args], capture_output=True, text=True, timeout=60)

    def test_registers_kept(self) -> None:
        r = self.run_hvtool("vregs", "200")
        self.assertEqual(r.returncode, 0, r.stdout)
        self.assertRegex(r.stdout.strip(), VREGS_KEPT)

    def test_bad_rounds_refused(self) -> None:
        for bad in ("0", "x", "12x", ""):
            r = self.run_hvtool("vregs", bad)
            self.assertEqual(r.returncode, 2, bad)
            self.assertIn("ROUNDS must be a number above 0", r.stdout)

    @unittest.skipUnless(shutil.which("gdb") and shutil.which("objdump"), "gdb or objdump missing")
    def test_a_changed_register_is_named(self) -> None:
        # Stop at the first store of the registers, whichever width this CPU
        # gives, and zero the low four bytes of register 3 there: what a
        # lost register would read.
        dis = subprocess.run(["objdump", "-d", str(self.hvtool)], capture_output=True, text=True, check=True).stdout
        stores = re.findall(r"^\s*([0-9a-f]+):.*\t(?:vmovdqu64|vmovdqu|movdqu)\s+%[xyz]mm0,", dis, re.M)
        self.assertTrue(stores, "no store of register 0 in hvtool")
        argv = ["gdb", "-q", "-batch", "-nx"]
        for addr in stores:
            argv += ["-ex", f"break *0x{addr}"]
        argv += ["-ex", "run vregs 5", "-ex", "set $xmm3.v4_int32[0] = 0", "-ex", "delete", "-ex", "continue",
                 str(self.hvtool)]  # fmt: skip
        # A machine that forbids ptrace (some containers) cannot run this.
        probe = subprocess.run(["gdb", "-q", "-batch", "-nx", "-ex", "run", "-ex", "info registers rip",
                                "--args", str(self.hvtool), "tsc"],
                               capture_output=True, text=True, timeout=60)  # fmt: skip
        if "exited normally" not in probe.stdout:
            self.skipTest(f"gdb cannot run a program here: {(probe.stdout + probe.stderr).strip()[-200:]}")
        r = subprocess.run(argv, capture_output=True, text=True, timeout=120)
        self.assertRegex(r.stdout, r"hvtool vregs: [xyz]mm3 byte 0 is 0, not [1-9][0-9]*, in round 1\n")
        self.assertIn("exited with code 01", r.stdout)

if __name__ == "__main__":
    unittest.main()
