# SPDX-License-Identifier: MIT
"""The emulators hv boots in, Bochs and QEMU: their firmware, their command
lines and configuration, their process groups, and how a machine stopped;
and whether this host can give a guest VT-x at all (QEMU/KVM)."""

from __future__ import annotations

import argparse
import dataclasses
import fcntl
import json
import os
import pty
import re
import shutil
import signal
import struct
import subprocess
import termios
import threading
import time
from pathlib import Path
from typing import Optional

from . import SetupError, need_file, need_tool, prog, rel

BOCHSRC_TEMPLATE = Path(__file__).resolve().parent / "bochsrc.in"
ENGINES = ("bochs", "qemu-tcg", "qemu-kvm")
# Not an engine for hv: QEMU boots a multiboot kernel itself (-kernel),
# in software emulation, with isa-debug-exit. The pc test kernels run
# there too, so that a kernel that only agrees with hv proves nothing
# (docs/testing.md, "Engines").
KERNEL_ENGINE = "qemu-kernel"
SCENARIO_ENGINES = ENGINES + (KERNEL_ENGINE,)
DEFAULT_MEMORY_MB = 512
# Bochs 2.7's CPU models with VMX and EPT that hv runs on (TESTBED.md):
# Skylake-X for every scenario; Tiger Lake adds PKU and RDPID.
DEFAULT_BOCHS_CPU = "corei7_skylake_x"
BOCHS_CPU_MODELS = ("corei7_skylake_x", "tigerlake")
# Bochs' clock (cpu: ips=): this many emulated instructions make one second
# of its timers (PIT, RTC, ACPI PM timer, and so the firmware's Stall()),
# while the TSC counts one per instruction. Bochs' own default is 4 million;
# 10^9 makes an instruction a nanosecond, as QEMU's -icount shift=0 does
# (docs/testing.md, "Bochs' clock"). Bochs 2.7 takes 10^6 to 2^32 - 1.
BOCHS_DEFAULT_IPS = 4_000_000
MIN_IPS, MAX_IPS = 1_000_000, 0xFFFFFFFF
# The Linux scenarios' ips, and so that of the Linux figure of make bench:
# Linux's own clock then runs as on a 1 GHz machine (docs/testing.md).
LINUX_IPS = 1_000_000_000
# OVMF waits this long in emulated time (its Stall()s) on every Bochs boot:
# measured as 668.8 million instructions from power-on to "BdsDxe: loading"
# at the default ips and 926.6 million at 10^9. Every other
# emulated second a guest waits costs ips instructions too, and each byte
# on the 115200-baud COM1 ips / 11520 (87,000 at 10^9).
OVMF_STALL_SECONDS = 0.26
# A slow Bochs on a shared machine, in emulated instructions per wall
# second, to turn such instructions into a timeout's seconds.
SLOW_BOCHS_RATE = 20_000_000


def firmware_allowance(ips: int) -> float:
    """Wall seconds a Bochs boot at this ips spends in OVMF beyond what it
    spends at Bochs' default, which the timeouts were set for."""
    extra = OVMF_STALL_SECONDS * max(0, ips - BOCHS_DEFAULT_IPS)
    return extra / SLOW_BOCHS_RATE


def ips_option(text: str) -> int:
    """argparse type of --ips: a whole number in Bochs' range; 1e9 too."""
    try:
        value = int(float(text)) if "e" in text.lower() else int(text, 0)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number") from None
    if not MIN_IPS <= value <= MAX_IPS:
        raise argparse.ArgumentTypeError(f"Bochs takes an ips from {MIN_IPS} to {MAX_IPS}")
    return value


QEMU = "qemu-system-x86_64"


def firmware_path(env: str, default: str) -> Path:
    return Path(os.environ.get(env) or default)


OVMF_CODE = firmware_path("HV_OVMF_CODE", "/usr/share/OVMF/OVMF_CODE.fd")
OVMF_VARS = firmware_path("HV_OVMF_VARS", "/usr/share/OVMF/OVMF_VARS.fd")
VGABIOS = firmware_path("HV_VGABIOS", "/usr/share/vgabios/vgabios.bin")
# Bochs maps at most 2 MiB of ROM, ending at 4 GiB.
BOCHS_ROM_SIZE = 2 << 20


def host_vtx() -> tuple[bool, str]:
    """Whether QEMU/KVM here can give a guest VT-x, and why (not)."""
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False, "cannot read /proc/cpuinfo"
    flags = next((ln for ln in cpuinfo.splitlines() if ln.startswith("flags")), "")
    if "vmx" not in flags.split():
        return False, "this CPU has no VT-x: no vmx flag in /proc/cpuinfo"
    nested = Path("/sys/module/kvm_intel/parameters/nested")
    if not nested.exists():
        return False, "kvm_intel is not loaded, so KVM cannot offer VT-x to a guest"
    value = nested.read_text().strip()
    if value not in ("Y", "1"):
        return False, f"nested VT-x is off (kvm_intel nested={value})"
    if not os.path.exists("/dev/kvm"):
        return False, "/dev/kvm is missing"
    if not os.access("/dev/kvm", os.R_OK | os.W_OK):
        return False, "no read-write access to /dev/kvm (join the kvm group)"
    return True, "this CPU has VT-x and KVM offers it to guests (nested=Y)"


def pdeathsig_prefix() -> list[str]:
    """setpriv --pdeathsig makes the kernel kill an emulator whose runner died
    without cleaning up (SIGKILL, a crash), on top of the normal clean-up."""
    setpriv = shutil.which("setpriv")
    if not setpriv:
        return []
    probe = subprocess.run([setpriv, "--help"], capture_output=True, text=True)
    return [setpriv, "--pdeathsig", "KILL", "--"] if "--pdeathsig" in probe.stdout else []


PDEATHSIG: list[str] = []


def on_signal(signum: int, frame: object) -> None:
    # SIGTERM and SIGHUP (make killed, terminal closed) take the same path as
    # Ctrl-C, which stops every emulator and restores the terminal.
    raise KeyboardInterrupt


def run_guarded(command, args) -> int:  # type: ignore[no-untyped-def]
    """Runs a command that starts emulators, with no emulator left behind
    whichever way it ends."""
    global PDEATHSIG
    PDEATHSIG = pdeathsig_prefix()
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, on_signal)
    try:
        return command(args)
    finally:
        kill_all()


def lock_build_area(lock: Path, wait: bool) -> int:
    """Takes an exclusive lock on LOCK for the life of this process. Two
    runners sharing build/tests or build/run would delete each other's files.
    The kernel drops the lock when the process ends, however it ends."""
    lock.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        if not wait:
            os.close(fd)
            raise SetupError(f"another {prog()} is using {rel(lock.with_suffix(''))}/ (lock {rel(lock)})") from None
        print(f"waiting for another {prog()} that is using {rel(lock.with_suffix(''))}/ ...", flush=True)
        fcntl.flock(fd, fcntl.LOCK_EX)
    return fd


def ensure_bochs_rom(build: Path) -> Path:
    """Makes the 2 MiB OVMF image Bochs can map: the variable store followed by
    the code, so the reset vector lands at the top of 4 GiB."""
    need_file(OVMF_CODE, "package ovmf; or set HV_OVMF_CODE")
    need_file(OVMF_VARS, "package ovmf; or set HV_OVMF_VARS")
    rom = build / "firmware" / "ovmf-bochs.fd"
    newest = max(OVMF_CODE.stat().st_mtime, OVMF_VARS.stat().st_mtime)
    if rom.is_file() and rom.stat().st_size == BOCHS_ROM_SIZE and rom.stat().st_mtime >= newest:
        return rom
    data = OVMF_VARS.read_bytes() + OVMF_CODE.read_bytes()
    if len(data) != BOCHS_ROM_SIZE:
        raise SetupError(
            f"{OVMF_VARS} + {OVMF_CODE} is {len(data)} bytes; Bochs needs exactly {BOCHS_ROM_SIZE} "
            "(use the 2 MiB OVMF build, not the 4M one)"
        )
    rom.parent.mkdir(parents=True, exist_ok=True)
    tmp = rom.with_suffix(f".tmp{os.getpid()}")
    tmp.write_bytes(data)
    tmp.replace(rom)
    return rom


# ---------------------------------------------------------------------------
# Emulators

# Every emulator runs in its own session and process group. Nothing the
# terminal sends (Ctrl-C would drop Bochs into its debugger) reaches it, and
# killing the group is certain. LIVE lets an interrupt kill them all.
LIVE: set[subprocess.Popen[bytes]] = set()
LIVE_LOCK = threading.Lock()


def spawn(argv: list[str], **kwargs) -> subprocess.Popen[bytes]:  # type: ignore[no-untyped-def]
    with LIVE_LOCK:
        proc = subprocess.Popen(PDEATHSIG + argv, start_new_session=True, **kwargs)
        LIVE.add(proc)
    return proc


def kill_group(proc: subprocess.Popen[bytes], grace: float = 1.0) -> None:
    # The group id is the leader's pid, which stays ours until the leader is
    # reaped: signal only while poll() says it has not been.
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait()
    with LIVE_LOCK:
        LIVE.discard(proc)


def kill_all() -> None:
    with LIVE_LOCK:
        procs = list(LIVE)
    for proc in procs:
        kill_group(proc, grace=0.5)


def process_cpu(pid: int) -> float:
    """User and system CPU seconds of a live (or not yet reaped) process."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    # utime and stime are fields 14 and 15 of stat(5); 12 and 13 after ")".
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def qemu_escape(path: Path) -> str:
    return str(path).replace(",", ",,")


@dataclasses.dataclass
class MachineSpec:
    engine: str
    workdir: Path
    image: Path
    cpus: int
    memory_mb: int
    # ("file", PATH), or ("tcp", "127.0.0.1:PORT") for a runner listening there.
    serial: tuple[str, str]
    bochs_log: Path
    qemu_args: list[str] = dataclasses.field(default_factory=list)
    bochs_lines: list[str] = dataclasses.field(default_factory=list)
    bochs_cpu: str = DEFAULT_BOCHS_CPU
    # qemu-kernel: the image, its command line and modules, and the
    # isa-debug-exit status that counts as the kernel's proper end.
    kernel: Optional[Path] = None
    kernel_cmdline: str = ""
    kernel_modules: list[Path] = dataclasses.field(default_factory=list)
    exit_status: int = 1
    # Bochs' cpu: ips=; 0 leaves Bochs' default (BOCHS_DEFAULT_IPS).
    ips: int = 0


def qemu_kernel_args(s: MachineSpec) -> list[str]:
    """QEMU's own multiboot loader, without firmware of hv's: -kernel, its
    command line, its modules (-initrd, a comma-separated list), and
    isa-debug-exit at 0xf4, as the pc test kernels expect."""
    assert s.kernel is not None
    for path in [s.kernel, *s.kernel_modules]:
        if "," in str(path):
            raise SetupError(f"QEMU's -initrd list cannot take a path with a comma: {path}")
    args = ["-kernel", str(s.kernel), "-append", s.kernel_cmdline]
    if s.kernel_modules:
        args += ["-initrd", ",".join(str(m) for m in s.kernel_modules)]
    return args + ["-device", "isa-debug-exit,iobase=0xf4,iosize=4"]


def bochsrc_text(s: MachineSpec, rom: Path) -> str:
    """The run's bochsrc: tools/hvboot/bochsrc.in with its @NAME@s filled."""
    kind, where = s.serial
    com1 = f"mode=file, dev={where}" if kind == "file" else f"mode=socket-client, dev={where}"
    fills = {
        "ROM": str(rom),
        "VGAROM": str(VGABIOS),
        "CPUS": str(s.cpus),
        "CPU_MODEL": s.bochs_cpu,
        "CPU_IPS": f", ips={s.ips}" if s.ips else "",
        "MEMORY": str(s.memory_mb),
        "DISK": str(s.image),
        "COM1": com1,
        "LOG": str(s.bochs_log),
        "EXTRA": "\n".join(s.bochs_lines),
    }
    # bochsrc has no quoting: a comma or a space would end the value.
    for path in (fills["ROM"], fills["VGAROM"], fills["DISK"], fills["LOG"], where):
        if re.search(r"[\s,]", path):
            raise SetupError(f"Bochs cannot take a path with spaces or commas: {path}")
    text = BOCHSRC_TEMPLATE.read_text()
    for key, value in fills.items():
        text = text.replace(f"@{key}@", value)
    return text


class Machine:
    """One emulator, started in the constructor, stopped by stop()."""

    def __init__(self, spec: MachineSpec, bochs_rom: Optional[Path]) -> None:
        self.spec = spec
        self.tty_thread: Optional[threading.Thread] = None
        self.open_files: list = []  # type: ignore[type-arg]
        # CPU seconds the emulator used: exact once exited() has reaped it,
        # else the last sample. A figure that a loaded machine hardly
        # changes, unlike the wall time (docs/testing.md).
        self.cpu = 0.0
        if spec.engine == "bochs":
            assert bochs_rom is not None
            self.proc = self._start_bochs(bochs_rom)
        else:
            self.proc = self._start_qemu()

    def _start_bochs(self, rom: Path) -> subprocess.Popen[bytes]:
        need_tool("bochs", "bochs")
        need_file(VGABIOS, "package vgabios; or set HV_VGABIOS")
        s = self.spec
        (s.workdir / "bochsrc").write_text(bochsrc_text(s, rom))
        # Debian's Bochs stops in its debugger before the first instruction;
        # "c" lets it run.
        (s.workdir / "bochs.rc").write_text("c\n")
        # The term display needs a terminal. It gets a pseudo-terminal of its
        # own, read to the end so that Bochs never blocks drawing its screen.
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 25, 80, 0, 0))
        env = dict(os.environ, TERM="xterm")
        argv = ["bochs", "-q", "-f", "bochsrc", "-rc", "bochs.rc"]
        try:
            proc = spawn(argv, cwd=s.workdir, stdin=slave, stdout=slave, stderr=slave, env=env)
        except OSError:
            os.close(master)
            raise
        finally:
            os.close(slave)
        self.tty_thread = threading.Thread(target=self._drain_tty, args=(master,), daemon=True)
        self.tty_thread.start()
        return proc

    def _drain_tty(self, fd: int) -> None:
        # Kept (first MiB only) because errors Bochs meets before it opens its
        # log, such as a bad bochsrc line, appear only here.
        kept = 0
        with open(self.spec.workdir / "bochs.tty", "wb") as out:
            while True:
                try:
                    data = os.read(fd, 65536)
                except OSError:
                    break
                if not data:
                    break
                if kept < 1 << 20:
                    out.write(data)
                    kept += len(data)
        os.close(fd)

    def _start_qemu(self) -> subprocess.Popen[bytes]:
        need_tool(QEMU, "qemu-system-x86")
        s = self.spec
        if s.engine == KERNEL_ENGINE:
            boot = qemu_kernel_args(s)
        else:
            need_file(OVMF_CODE, "package ovmf; or set HV_OVMF_CODE")
            need_file(OVMF_VARS, "package ovmf; or set HV_OVMF_VARS")
            vars_copy = s.workdir / "OVMF_VARS.fd"
            shutil.copyfile(OVMF_VARS, vars_copy)
            boot = [
                "-drive", f"if=pflash,format=raw,unit=0,readonly=on,file={qemu_escape(OVMF_CODE)}",
                "-drive", f"if=pflash,format=raw,unit=1,file={qemu_escape(vars_copy)}",
                "-drive", f"file={qemu_escape(s.image)},format=raw,if=ide,index=0,media=disk",
            ]  # fmt: skip
        kind, where = s.serial
        if kind == "file":
            chardev = f"file,id=com1,path={qemu_escape(Path(where))}"
        else:
            host, port = where.rsplit(":", 1)
            chardev = f"socket,id=com1,host={host},port={port}"
        accel = ["-accel", "kvm", "-cpu", "host"] if s.engine == "qemu-kvm" else ["-accel", "tcg"]
        argv = [
            QEMU, "-nodefaults", "-machine", "pc", *accel,
            "-m", str(s.memory_mb), "-smp", str(s.cpus),
            "-display", "none", "-no-reboot", *boot,
            "-chardev", chardev, "-serial", "chardev:com1",
            # QMP on stdin/stdout reports how the machine stopped: a power-off
            # and a reset both end QEMU under -no-reboot, and only QMP's
            # SHUTDOWN event tells them apart.
            "-qmp", "stdio",
            *s.qemu_args,
        ]  # fmt: skip
        qmp_out = open(s.workdir / "qmp.log", "wb")
        stderr = open(s.workdir / "qemu.stderr", "wb")
        self.open_files += [qmp_out, stderr]
        proc = spawn(argv, cwd=s.workdir, stdin=subprocess.PIPE, stdout=qmp_out, stderr=stderr)
        assert proc.stdin is not None
        # Events are sent only once capabilities are negotiated. The pipe stays
        # open: QEMU may treat the end of its QMP input as a request to quit.
        proc.stdin.write(b'{"execute": "qmp_capabilities"}\n')
        proc.stdin.flush()
        return proc

    def exited(self, timeout: float) -> bool:
        """Waits up to timeout seconds for the emulator to exit; reaps it
        with wait4 for its CPU time."""
        deadline = time.monotonic() + timeout
        while self.proc.returncode is None:
            try:
                pid, status, usage = os.wait4(self.proc.pid, os.WNOHANG)
            except ChildProcessError:  # reaped elsewhere (kill_all)
                self.proc.poll()
                break
            if pid:
                # Popen would otherwise wait for it again.
                self.proc.returncode = os.waitstatus_to_exitcode(status)
                self.cpu = usage.ru_utime + usage.ru_stime
                break
            left = deadline - time.monotonic()
            if left <= 0:
                self.cpu = max(self.cpu, process_cpu(self.proc.pid))
                return False
            time.sleep(min(0.02, left))
        return True

    def stop(self) -> None:
        if self.proc.returncode is None:
            self.cpu = max(self.cpu, process_cpu(self.proc.pid))
        kill_group(self.proc)
        if self.proc.stdin:
            try:
                self.proc.stdin.close()
            except OSError:
                pass
        if self.tty_thread:
            self.tty_thread.join(2)
        for f in self.open_files:
            f.close()
        self.open_files = []

    def how_it_stopped(self) -> tuple[bool, str]:
        """After the emulator exited: (powered off, a sentence saying how)."""
        s = self.spec
        status = self.proc.returncode
        if s.engine == "bochs":
            log = s.bochs_log.read_text(errors="replace") if s.bochs_log.exists() else ""
            if "ACPI control: soft power off" in log:
                return True, "ACPI soft power off"
            panic = re.search(r">>PANIC<< (.*)", log)
            if panic:
                return False, f"Bochs panic: {panic.group(1).strip()} (see {rel(s.bochs_log)})"
            return False, f"Bochs exited with status {status} (see {rel(s.bochs_log)}, {rel(s.workdir / 'bochs.tty')})"
        if s.engine == KERNEL_ENGINE and status == s.exit_status:
            return True, f"isa-debug-exit with status {status}"
        reason = ""
        qmp = s.workdir / "qmp.log"
        for line in qmp.read_text(errors="replace").splitlines() if qmp.exists() else []:
            try:
                message = json.loads(line)
            except ValueError:
                continue
            if message.get("event") == "SHUTDOWN":
                reason = message.get("data", {}).get("reason", "")
        if s.engine == KERNEL_ENGINE and status is not None and status % 2:
            return False, f"isa-debug-exit with status {status}, not {s.exit_status}"
        if reason == "guest-shutdown":
            if s.engine == KERNEL_ENGINE:
                return False, f"ACPI power off, not isa-debug-exit with status {s.exit_status}"
            return True, "ACPI power off"
        if reason == "guest-reset":
            return False, "the guest reset the machine (a triple fault, or a reset request)"
        stderr = s.workdir / "qemu.stderr"
        err = stderr.read_text(errors="replace").strip().splitlines() if stderr.exists() else []
        detail = f": {err[-1]}" if err else ""
        why = f"QEMU stopped ({reason})" if reason else f"QEMU exited with status {status}"
        return False, why + detail

