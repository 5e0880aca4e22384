#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Unpacks the ELF vmlinux from a bzImage, for the PVH entry.

  extract_vmlinux.py BZIMAGE OUT

A bzImage's protected-mode part carries the compressed kernel as its
payload; the setup header says where (Documentation/x86/boot.rst:
payload_offset at 0x248, payload_length at 0x24c, both relative to the
protected-mode part, which begins after (setup_sects + 1) sectors).
Debian compresses it with XZ, which Python's lzma reads. The result is
checked before it is written: an ELF64 for x86-64 with a PT_LOAD segment
and the PVH note XEN_ELFNOTE_PHYS32_ENTRY, whose value is printed.

The last segment in the file ends in the kernel's .bss and .brk, which
the image stores as zeros (about 24 MB of Debian's 66 MB): they are cut
from the file (p_filesz shortened; a loader zeroes up to p_memsz, as
every ELF loader does) and the section headers after them dropped, which
no loader reads. Reading the ESP is the slowest part of a Linux boot in
Bochs.
"""

from __future__ import annotations

import lzma
import os
import struct
import sys

SECTOR = 512
# Xen's public elfnote.h: the 32-bit physical entry a PVH loader jumps to.
XEN_ELFNOTE_PHYS32_ENTRY = 18
PT_LOAD, PT_NOTE = 1, 4
EM_X86_64 = 62


class ImageError(Exception):
    """The input is not what this tool can unpack; the message says which field."""


def u16(b: bytes, at: int) -> int:
    return struct.unpack_from("<H", b, at)[0]


def u32(b: bytes, at: int) -> int:
    return struct.unpack_from("<I", b, at)[0]


def payload(bz: bytes) -> bytes:
    """The compressed kernel inside a bzImage, checked against the header."""
    if len(bz) < 0x250 or bz[0x202:0x206] != b"HdrS":
        raise ImageError("no setup header (HdrS at 0x202): not a bzImage")
    version = u16(bz, 0x206)
    if version < 0x208:
        raise ImageError(f"boot protocol {version >> 8}.{version & 0xff} has no payload fields (2.08 needed)")
    # A setup_sects of 0 means 4, for the oldest loaders' sake.
    pm = ((bz[0x1F1] or 4) + 1) * SECTOR
    off, length = u32(bz, 0x248), u32(bz, 0x24C)
    if length == 0 or pm + off + length > len(bz):
        raise ImageError(f"payload_offset 0x{off:x} + payload_length 0x{length:x} lie past the file's end")
    return bz[pm + off : pm + off + length]


def decompress(data: bytes) -> bytes:
    if not data.startswith(b"\xfd7zXZ\x00"):
        raise ImageError(f"payload starts {data[:6].hex()}, not XZ (fd377a585a00): only XZ kernels are unpacked")
    # The payload ends with the decompressed size (4 bytes) after the
    # stream; the decompressor stops at the stream's end and keeps the rest.
    d = lzma.LZMADecompressor(format=lzma.FORMAT_XZ)
    try:
        out = d.decompress(data)
    except lzma.LZMAError as e:
        raise ImageError(f"XZ payload does not decompress: {e}") from None
    if not d.eof:
        raise ImageError("XZ payload does not decompress: it ends before its stream does (truncated)")
    return out


def pvh_entry(elf: bytes) -> int:
    """The XEN_ELFNOTE_PHYS32_ENTRY of an ELF64 x86-64 image."""
    if len(elf) < 64 or elf[:4] != b"\x7fELF" or elf[4] != 2 or elf[5] != 1:
        raise ImageError("unpacked payload is not a little-endian ELF64")
    if u16(elf, 0x12) != EM_X86_64:
        raise ImageError(f"e_machine {u16(elf, 0x12)}, not x86-64")
    phoff = struct.unpack_from("<Q", elf, 0x20)[0]
    phentsize, phnum = u16(elf, 0x36), u16(elf, 0x38)
    if phentsize != 56 or phoff + phnum * 56 > len(elf):
        raise ImageError("program headers lie past the file's end")
    entry, loads = None, 0
    for i in range(phnum):
        p_type, _, p_off, _, _, p_filesz = struct.unpack_from("<IIQQQQ", elf, phoff + 56 * i)
        if p_type == PT_LOAD:
            loads += 1
        if p_type != PT_NOTE or p_off + p_filesz > len(elf):
            continue
        at, end = p_off, p_off + p_filesz
        while at + 12 <= end:
            namesz, descsz, ntype = struct.unpack_from("<III", elf, at)
            name = elf[at + 12 : at + 12 + namesz].rstrip(b"\0")
            desc = at + 12 + ((namesz + 3) & ~3)
            if name == b"Xen" and ntype == XEN_ELFNOTE_PHYS32_ENTRY and descsz >= 4:
                entry = u32(elf, desc)
            at = desc + ((descsz + 3) & ~3)
    if not loads:
        raise ImageError("no PT_LOAD segment")
    if entry is None:
        raise ImageError("no XEN_ELFNOTE_PHYS32_ENTRY note: this kernel has no PVH entry")
    return entry


def trim(elf: bytes) -> bytes:
    """elf without the trailing zeros of its last segment in file order,
    and without what follows it (the section headers)."""
    phoff = struct.unpack_from("<Q", elf, 0x20)[0]
    phnum = u16(elf, 0x38)
    last, last_end = None, 0
    for i in range(phnum):
        at = phoff + 56 * i
        p_type, _, p_off, _, _, p_filesz = struct.unpack_from("<IIQQQQ", elf, at)
        if p_off + p_filesz > last_end:
            last, last_end = (i, p_type, p_off, p_filesz), p_off + p_filesz
    if last is None or last[1] != PT_LOAD or phoff + 56 * phnum > last[2]:
        return elf
    i, _, p_off, p_filesz = last
    body = elf[p_off : p_off + p_filesz].rstrip(b"\0")
    out = bytearray(elf[: p_off + len(body)])
    struct.pack_into("<Q", out, phoff + 56 * i + 32, len(body))  # p_filesz
    struct.pack_into("<Q", out, 0x28, 0)  # e_shoff
    struct.pack_into("<HH", out, 0x3c, 0, 0)  # e_shnum, e_shstrndx
    return bytes(out)


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    src, out = argv[1], argv[2]
    try:
        with open(src, "rb") as f:
            elf = decompress(payload(f.read()))
        entry = pvh_entry(elf)
        elf = trim(elf)
        if pvh_entry(elf) != entry:
            raise ImageError("trimmed image lost its PVH note")
    except (ImageError, OSError) as e:
        print(f"extract_vmlinux.py: {src}: {e}", file=sys.stderr)
        return 1
    tmp = f"{out}.tmp{os.getpid()}"
    with open(tmp, "wb") as f:
        f.write(elf)
    os.replace(tmp, out)
    print(f"linux: wrote {out} ({len(elf)} bytes), PVH entry 0x{entry:x}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
