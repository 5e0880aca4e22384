# SPDX-License-Identifier: MIT
"""`make run`: hv boots with a manifest, and its serial console, COM1, is
bridged to this terminal over a TCP socket the emulator connects to."""

from __future__ import annotations

import argparse
import os
import re
import select
import shutil
import socket
import sys
import termios
import time
from pathlib import Path
from typing import Optional

from . import DEFAULT_MANIFEST, SetupError, need_file, prog, rel
from .esp import hv_files, make_esp, resolve_src
from .machines import (
    DEFAULT_MEMORY_MB, ENGINES, Machine, MachineSpec, ensure_bochs_rom, host_vtx, ips_option, kill_all,
    lock_build_area,
)  # fmt: skip
from .serial import REFUSAL_RE, clean_line


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `runner.py run` and of tools/run.py, which are one."""
    parser.add_argument("--engine", default="auto", choices=("auto",) + ENGINES)
    parser.add_argument("--conf", help="manifest (default: boot/default.conf)")
    parser.add_argument("--add", action="append", metavar="SRC:DEST", help="a further file for the ESP")
    parser.add_argument("--cpus", type=int, default=1)
    parser.add_argument("--memory", type=int, default=DEFAULT_MEMORY_MB, help="MiB")
    parser.add_argument("--timeout", type=float, default=0, help="stop after this many seconds (default: never)")
    parser.add_argument("--ips", type=ips_option, default=0, help="Bochs' emulated instructions per second (default: Bochs')")


INTERACTIVE_NOTE = "# make run: a person is at the console"


def with_interactive(text: str) -> str:
    """The manifest with "interactive = yes" among its global keys, that is,
    before the first [section] line, replacing any interactive key there."""
    out: list[str] = []
    added = False
    for line in text.splitlines():
        stripped = line.strip()
        if not added and stripped.startswith("["):
            out += [INTERACTIVE_NOTE, "interactive = yes"]
            added = True
        if not added and re.match(r"interactive\s*=", stripped):
            continue
        out.append(line)
    if not added:
        out += [INTERACTIVE_NOTE, "interactive = yes"]
    return "\n".join(out) + "\n"


def choose_engine(wanted: str) -> tuple[str, str]:
    vtx_ok, why = host_vtx()
    if wanted == "auto":
        return ("qemu-kvm", why) if vtx_ok else ("bochs", why)
    if wanted == "qemu-kvm" and not vtx_ok:
        raise SystemExit(f"{prog()}: qemu-kvm cannot run hv here: {why}")
    if wanted == "qemu-tcg":
        return wanted, "chosen with --engine; QEMU without KVM has no VT-x, so hv will refuse to start"
    return wanted, "chosen with --engine"


def console_mode(fd: int) -> list:  # type: ignore[type-arg]
    """Keys go to the guest one by one and unechoed; Enter sends CR as a serial
    terminal does. ISIG stays on so that Ctrl-C stops the run; Ctrl-Z is
    disabled, as a suspended runner would leave the terminal in this mode."""
    saved = termios.tcgetattr(fd)
    mode = termios.tcgetattr(fd)
    mode[0] &= ~(termios.ICRNL | termios.INLCR | termios.IGNCR | termios.IXON)
    mode[3] &= ~(termios.ICANON | termios.ECHO | termios.IEXTEN)
    mode[6][termios.VMIN] = 1
    mode[6][termios.VTIME] = 0
    mode[6][termios.VSUSP] = b"\x00"
    termios.tcsetattr(fd, termios.TCSANOW, mode)
    return saved


def write_out(data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(sys.stdout.fileno(), view) :]


# While the machine boots (a Linux child takes minutes in Bochs), a COM1
# quiet this long gets a line saying how long the run has taken, and again
# each time it stays quiet as long; until a person types, or pm says it
# reads the console, after which quiet is a person's to break.
QUIET_REPORT_SECONDS = 15.0
PROMPT_RE = re.compile(r"^\[parent\] pm: reading commands from the console$")


def elapsed_text(seconds: float) -> str:
    m, s = divmod(int(seconds), 60)
    return f"{m} min {s:02d} s" if m else f"{s} s"


def bridge(conn: socket.socket, machine: Machine, deadline: Optional[float], started: float) -> str:
    """Copies COM1 to stdout and stdin to COM1 until the machine stops.
    Returns how the bridge ended: exit, refused or timeout."""
    stdin_fd = sys.stdin.fileno()
    inputs: list = [conn, stdin_fd]  # type: ignore[type-arg]
    partial = b""
    reporting = True
    last_out = time.monotonic()
    while True:
        readable, _, _ = select.select(inputs, [], [], 0.5)
        now = time.monotonic()
        if conn in readable:
            data = conn.recv(65536)
            if not data:
                inputs.remove(conn)
            else:
                write_out(data)
                last_out = now
                # After a refusal the firmware only goes on to its boot menu
                # and shell, which would keep the run alive for nothing.
                *lines, partial = (partial + data).split(b"\n")
                texts = [clean_line(ln.decode(errors="replace")) for ln in lines]
                if any(REFUSAL_RE.match(t) for t in texts):
                    return "refused"
                if any(PROMPT_RE.match(t) for t in texts):
                    reporting = False
        if stdin_fd in readable:
            data = os.read(stdin_fd, 4096)
            if data:
                conn.sendall(data)
                reporting = False
            else:
                inputs.remove(stdin_fd)
        if reporting and not partial and now - last_out >= QUIET_REPORT_SECONDS:
            write_out(f"{prog()}: {elapsed_text(now - started)} since the machine started; "
                      f"nothing on COM1 for {int(now - last_out)} s\n".encode())
            last_out = now
        if machine.proc.poll() is not None:
            conn.setblocking(False)
            try:
                while data := conn.recv(65536):
                    write_out(data)
            except OSError:
                pass
            return "exit"
        if deadline and time.monotonic() > deadline:
            return "timeout"


def cmd_run(args: argparse.Namespace) -> int:
    build = Path(args.build).resolve()
    engine, why = choose_engine(args.engine)
    print(f"engine: {engine} ({why})", flush=True)

    workdir = build / "run"
    conf_path = Path(args.conf) if args.conf else DEFAULT_MANIFEST
    interactive = sys.stdin.isatty()
    try:
        lock_build_area(build / "run.lock", wait=False)
        shutil.rmtree(workdir, ignore_errors=True)
        workdir.mkdir(parents=True)
        need_file(conf_path, "the manifest; --conf names another")
        text = conf_path.read_text()
        conf = workdir / "hv.conf"
        conf.write_text(with_interactive(text) if interactive else text)
        files = hv_files(build, conf)
        for pair in args.add or []:
            src, sep, dest = pair.partition(":")
            if not sep:
                raise SetupError(f"--add {pair}: use SRC:DEST")
            files[dest] = resolve_src(src, build)
        for dest, src in files.items():
            need_file(src, f"for {dest}; 'make all' builds it")
        image = workdir / "esp.img"
        make_esp(image, files)
        rom = ensure_bochs_rom(build) if engine == "bochs" else None
    except SetupError as e:
        print(f"{prog()}: {e}", file=sys.stderr)
        return 2

    # The runner listens and the emulator connects: no port to guess.
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]
    bochs_log = workdir / "bochs.log"
    spec = MachineSpec(engine, workdir, image, args.cpus, args.memory, ("tcp", f"127.0.0.1:{port}"), bochs_log, ips=args.ips)
    hint = f"; Bochs log: {rel(bochs_log)}" if engine == "bochs" else ""
    print(f"serial console follows; Ctrl-C stops the machine{hint}", flush=True)

    saved_mode = None
    machine: Optional[Machine] = None
    how = "exit"
    try:
        machine = Machine(spec, rom)
        listener.settimeout(0.5)
        started = time.monotonic()
        while True:
            try:
                conn, _ = listener.accept()
                break
            except socket.timeout:
                if machine.proc.poll() is not None or time.monotonic() - started > 60:
                    machine.stop()
                    _, note = machine.how_it_stopped()
                    print(f"{prog()}: the emulator never connected to COM1: {note}", file=sys.stderr)
                    return 1
        if interactive:
            saved_mode = console_mode(sys.stdin.fileno())
        deadline = time.monotonic() + args.timeout if args.timeout else None
        how = bridge(conn, machine, deadline, started)
        conn.close()
    except SetupError as e:
        print(f"{prog()}: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        how = "interrupted"
    finally:
        if saved_mode is not None:
            termios.tcsetattr(sys.stdin.fileno(), termios.TCSADRAIN, saved_mode)
        if machine:
            machine.stop()
        kill_all()
        listener.close()
    assert machine is not None
    if how == "interrupted":
        print(f"\n{prog()}: stopped (Ctrl-C or a signal)", flush=True)
        return 130
    if how == "timeout":
        print(f"\n{prog()}: stopped after --timeout {args.timeout:g}s", flush=True)
        return 1
    if how == "refused":
        print(f"\n{prog()}: hv refused to start (see above); machine stopped", flush=True)
        return 1
    powered_off, note = machine.how_it_stopped()
    print(f"\n{prog()}: the machine {'powered off' if powered_off else 'stopped'}: {note}", flush=True)
    return 0 if powered_off else 1
