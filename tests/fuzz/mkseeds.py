#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes the synthesized seed files of tests/fuzz/corpus/.

The other seeds are real files: manifests from the repository and ELF
images the build produces. These are the ones no build makes: two minimal
ELF images, small enough that the fuzzer's mutations land in headers and
relocations rather than in padding, the binary inputs of fuzz_hcargs,
fuzz_vmx_decode and fuzz_x86_insn, and hand-built LZ4 frames for fuzz_lz4
(beside them the corpus has frames the lz4 command wrote: cli-*.lz4). Run from the repository root; the output is the same
every time.
"""

import os
import struct

CORPUS = "tests/fuzz/corpus"


def write(target, name, data):
    path = os.path.join(CORPUS, target, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def ehdr(e_type, entry, phnum):
    # ELF-64 header: ELFCLASS64, ELFDATA2LSB, EV_CURRENT, EM_X86_64 (62),
    # program headers right after it (offset 64, 56 bytes each).
    ident = b"\x7fELF" + bytes([2, 1, 1]) + bytes(9)
    return ident + struct.pack("<HHIQQQIHHHHHH", e_type, 62, 1, entry, 64,
                               0, 0, 64, 56, phnum, 0, 0, 0)


def phdr(p_type, flags, offset, vaddr, filesz, memsz):
    return struct.pack("<IIQQQQQQ", p_type, flags, offset, vaddr, vaddr,
                       filesz, memsz, 0x1000)


def tiny_pie():
    # One RWX PT_LOAD covering the whole file at vaddr 0, a PT_DYNAMIC, a
    # dynamic section naming a RELA table, and two relocations: one
    # R_X86_64_RELATIVE (8) and one R_X86_64_NONE (0).
    # Dynamic tags: DT_RELA 7, DT_RELASZ 8, DT_RELAENT 9, DT_NULL 0.
    dyn_off = 64 + 2 * 56
    rela_off = dyn_off + 4 * 16
    target_off = rela_off + 48
    rela = struct.pack("<QQq", target_off, 8, 0x1234)
    rela += struct.pack("<QQq", 0, 0, 0)
    dyn = struct.pack("<qQqQqQqQ", 7, rela_off, 8, 48, 9, 24, 0, 0)
    size = target_off + 8
    body = (ehdr(3, 0, 2) +
            phdr(1, 7, 0, 0, size, size + 0x100) +
            phdr(2, 6, dyn_off, dyn_off, len(dyn), len(dyn)) +
            dyn + rela + bytes(8))
    assert len(body) == size
    return body


def tiny_exec():
    # ET_EXEC at 2 MiB, the guests' link address: a header page and an
    # executable segment holding `hlt; jmp .-1`, plus a bss.
    code = bytes([0xf4, 0xeb, 0xfd])
    code_off = 64 + 2 * 56
    return (ehdr(2, 0x200000 + code_off, 2) +
            phdr(1, 5, 0, 0x200000, code_off + len(code),
                 code_off + len(code)) +
            phdr(1, 6, 0, 0x201000, 0, 0x2000) + code)


def many_loads(n):
    # n one-page PT_LOADs at consecutive pages, all backed by the same
    # file page, the first executable: one more than ELF_MAX_LOADS (32)
    # is refused, and a mutation of e_phnum gives the largest accepted.
    phdrs = b"".join(phdr(1, 5 if i == 0 else 4, 0, 0x200000 + i * 0x1000,
                          64, 64) for i in range(n))
    return ehdr(2, 0x200000, n) + phdrs


MB_MAGIC = 0x1BADB002


def mb_header(flags, fields=()):
    # magic, flags, checksum, then the address fields when flag 16 is set.
    checksum = (-(MB_MAGIC + flags)) & 0xFFFFFFFF
    return struct.pack("<III", MB_MAGIC, flags, checksum) + b"".join(
        struct.pack("<I", f) for f in fields)


def mb_kludge():
    # Flag 16: the file loads at 1 MiB, header at offset 16, a bss page.
    hdr = mb_header(0x10003, (0x100010, 0x100000, 0, 0x102000, 0x100030))
    body = bytes(16) + hdr + bytes([0xf4, 0xeb, 0xfd])
    return body + bytes(64 - len(body))


def mb_elf32():
    # ELF32 i386 ET_EXEC: one PT_LOAD at 1 MiB holding the header and
    # `hlt; jmp .-1`, entry right after the header.
    ident = b"\x7fELF" + bytes([1, 1, 1]) + bytes(9)
    code_off = 52 + 32
    hdr = mb_header(0x3)
    code = hdr + bytes([0xf4, 0xeb, 0xfd])
    entry = 0x100000 + code_off + len(hdr)
    size = code_off + len(code)
    eh = ident + struct.pack("<HHIIIIIHHHHHH", 2, 3, 1, entry, 52, 0, 0, 52,
                             32, 1, 0, 0, 0)
    ph = struct.pack("<IIIIIIII", 1, 0, 0x100000, 0x100000, size,
                     size + 0x1000, 5, 0x1000)
    return eh + ph + code


def mb_elf64():
    # The same as ELF64 x86-64, linked high and loaded low: the entry is
    # moved by p_paddr - p_vaddr.
    code_off = 64 + 56
    hdr = mb_header(0x2)
    code = hdr + bytes([0xf4, 0xeb, 0xfd])
    vaddr = 0xFFFFFFFF80100000
    size = code_off + len(code)
    eh = ehdr(2, vaddr + code_off + len(hdr), 1)
    ph = struct.pack("<IIQQQQQQ", 1, 5, 0, vaddr, 0x100000, size,
                     size + 0x1000, 0x1000)
    return eh + ph + code


def xxh32(data):
    # xxHash32, seed 0: the LZ4 frame's content checksum (lib/lz4.c).
    p1, p2, p3, p4, p5 = 0x9E3779B1, 0x85EBCA77, 0xC2B2AE3D, 0x27D4EB2F, 0x165667B1
    m = 0xFFFFFFFF

    def rotl(x, r):
        return ((x << r) | (x >> (32 - r))) & m

    i, n = 0, len(data)
    if n >= 16:
        v = [(p1 + p2) & m, p2, 0, (-p1) & m]
        while n - i >= 16:
            for k in range(4):
                lane = struct.unpack_from("<I", data, i + 4 * k)[0]
                v[k] = (rotl((v[k] + lane * p2) & m, 13) * p1) & m
            i += 16
        acc = (rotl(v[0], 1) + rotl(v[1], 7) + rotl(v[2], 12) + rotl(v[3], 18)) & m
    else:
        acc = p5
    acc = (acc + n) & m
    while n - i >= 4:
        acc = (rotl((acc + struct.unpack_from("<I", data, i)[0] * p3) & m, 17) * p4) & m
        i += 4
    while i < n:
        acc = (rotl((acc + data[i] * p5) & m, 11) * p1) & m
        i += 1
    acc ^= acc >> 15
    acc = (acc * p2) & m
    acc ^= acc >> 13
    acc = (acc * p3) & m
    return acc ^ (acc >> 16)


def lz4_frame(flg, size, blocks, tail=b""):
    # Magic, FLG, BD (4 MiB blocks), content size, the header checksum
    # (lib/lz4.c does not check it), the blocks, the end mark.
    out = struct.pack("<IBBQB", 0x184D2204, flg, 0x70, size, 0)
    for stored, data in blocks:
        out += struct.pack("<I", len(data) | (0x80000000 if stored else 0))
        out += data
    return out + struct.pack("<I", 0) + tail


def main():
    # "abcd", 6 bytes from offset 2 (overlapping), "wxyzv"; independent
    # (FLG 0x68) and linked (0x48) blocks; a stored block; a content
    # checksum (0x6c).
    seq = bytes([0x42]) + b"abcd" + bytes([2, 0, 0x50]) + b"wxyzv"
    write("lz4", "overlap.lz4", lz4_frame(0x68, 15, [(False, seq)]))
    write("lz4", "linked.lz4", lz4_frame(0x48, 30, [(False, seq),
                                                    (False, bytes([0x1a, 0x61, 15, 0, 0]))]))
    write("lz4", "stored.lz4", lz4_frame(0x6c, 5, [(True, b"hello")],
                                         struct.pack("<I", xxh32(b"hello"))))
    write("multiboot", "kludge.bin", mb_kludge())
    write("multiboot", "elf32.elf", mb_elf32())
    write("multiboot", "elf64.elf", mb_elf64())
    write("elf", "tiny-pie.elf", tiny_pie())
    write("elf", "tiny-exec.elf", tiny_exec())
    write("elf", "33-loads.elf", many_loads(33))

    # hc_check_buffer(ram_size, gpa, len, max).
    ram = 16 << 20
    hcargs = {
        "inside": (ram, 0x1000, 256, 256),
        "last-byte": (ram, ram - 1, 1, 256),
        "straddles-end": (ram, ram - 10, 11, 256),
        "wraps": (ram, 2**64 - 4, 8, 256),
        "too-big": (ram, 0, 2**64 - 1, 256),
    }
    for name, words in hcargs.items():
        write("hcargs", name, struct.pack("<4Q", *words))

    # Exit qualifications, as real instructions produce them.
    quals = {
        "io-out-imm-0x80": 0x00800040,          # out %al, $0x80
        "io-in-dx-0xcfc-4": 0x0cfc000b,         # in %dx, %eax
        "io-rep-outsw-0x3f8": 0x03f80031,       # rep outsw
        "io-bad-size": 0x00600002,              # size field 2: unused
        "cr-mov-to-cr4-r13": 0x00000d04,        # mov %r13, %cr4
        "cr-mov-from-cr8-rcx": 0x00000118,      # mov %cr8, %rcx
        "cr-clts": 0x00000020,                  # clts
        "cr-lmsw-mem": 0x00010070,              # lmsw (mem), value 1
        "ept-write-gla": 0x0000018a,            # write to a read-only page
        "ept-fetch-nmi": 0x00001184,            # fetch, NMI unblocking
    }
    for name, qual in quals.items():
        write("vmx_decode", name, struct.pack("<Q", qual))

    # MMIO instructions: a mode byte (0 16-bit, 1 32-bit, 2 64-bit), then
    # the bytes, as the GNU assembler encodes them.
    insns = {
        "64-mov-eax-to-rdx": (2, "89 02"),               # mov %eax,(%rdx)
        "64-mov-rip-to-eax": (2, "8b 05 78 56 34 12"),   # mov 0x12345678(%rip),%eax
        "64-rex-r9d-sib": (2, "45 89 8c 24 80 03 00 00"),
        "64-movabs": (2, "a1 20 00 e0 fe 00 00 00 00"),
        "64-movzx-rex": (2, "44 0f b6 46 20"),
        "64-movq-imm": (2, "48 c7 00 ff ff ff ff"),
        "32-movl-imm-abs": (1, "c7 05 b0 00 e0 fe 10 00 00 00"),
        "32-movzwl-sib": (1, "0f b7 54 7e 02"),
        "16-es-mov": (0, "26 66 89 05"),
        "16-fs-movl-imm": (0, "64 66 c7 84 80 00 78 56 34 12"),
        "16-disp16": (0, "8a 8b 34 12"),
    }
    for name, (mode, hexbytes) in insns.items():
        write("x86_insn", name, bytes([mode]) + bytes.fromhex(hexbytes))


if __name__ == "__main__":
    main()
