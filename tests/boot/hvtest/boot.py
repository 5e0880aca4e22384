# SPDX-License-Identifier: MIT
"""One run: a scenario booted on one engine, its serial log followed until
it ends (an end line, power-off, a refusal, a panic, the timeout), then
judged."""

from __future__ import annotations

import dataclasses
import re
import shutil
import socket
import threading
import time
from pathlib import Path
from typing import Optional

from hvboot import SetupError
from hvboot.esp import make_esp, resolve_src
from hvboot.machines import KERNEL_ENGINE, Machine, MachineSpec, qemu_escape
from hvboot.serial import REFUSAL_RE, SerialReader, log_lines

from .esp import stage_esp
from .judge import PANIC_GRACE_SECONDS, PANIC_RE, Ending, judge, judge_bochs_log, judge_com2, vmcheck_counts
from .scenario import Scenario

# How often a run's serial log is read for its end line. The emulator's
# exit is seen at once: the runner waits on it between reads.
POLL_SECONDS = 0.1


@dataclasses.dataclass(eq=False)
class Job:
    scenario: Scenario
    engine: str
    started: float = 0.0

    @property
    def name(self) -> str:
        return f"{self.scenario.name}.{self.engine}"


@dataclasses.dataclass
class Result:
    job: Job
    status: str  # pass, fail, skip, interrupted
    reasons: list[str]
    seconds: float = 0.0
    log: Optional[Path] = None
    bochs_log: Optional[Path] = None
    cpu: float = 0.0
    # hv's VM-entry check: entries checked, rules, entries refused
    vmcheck: Optional[tuple[int, int, int]] = None


class TypedConsole:
    """COM1 on a socket, for a scenario that types at the console: what the
    machine sends is appended to the serial log, as a file would have it,
    and each typed text goes out once a line has matched its trigger."""

    def __init__(self, log: Path, typed: list[tuple[re.Pattern[str], bytes]]) -> None:
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(1)
        self.listener.setblocking(False)
        self.where = f"127.0.0.1:{self.listener.getsockname()[1]}"
        self.conn: Optional[socket.socket] = None
        self.out = open(log, "ab")
        self.pending = list(typed)

    def pump(self) -> None:
        """Moves what has arrived on COM1 into the log."""
        if self.conn is None:
            try:
                self.conn, _ = self.listener.accept()
            except BlockingIOError:
                return
            self.conn.setblocking(False)
        while True:
            try:
                data = self.conn.recv(65536)
            except (BlockingIOError, OSError):
                break
            if not data:
                break
            self.out.write(data)
        self.out.flush()

    def feed(self, lines: list[str]) -> None:
        """Types the next text if one of these lines matches its trigger.
        The lines after that one came before the text was typed, so none
        of them may set off the text after it."""
        for line in lines:
            if self.conn is not None and self.pending and self.pending[0][0].search(line):
                self.conn.setblocking(True)
                self.conn.sendall(self.pending.pop(0)[1])
                self.conn.setblocking(False)
                return

    def unsent(self) -> list[str]:
        return [f"typed input never sent: no line matched /{p.pattern}/" for p, _ in self.pending]

    def close(self) -> None:
        self.pump()
        if self.conn is not None:
            self.conn.close()
        self.listener.close()
        self.out.close()


def run_job(job: Job, build: Path, rom: Optional[Path], scale: float, stop: threading.Event) -> Result:
    plan = job.scenario.plans[job.engine]
    out = build / "tests"
    workdir = out / job.name
    log = out / f"{job.name}.log"
    bochs_log = out / f"{job.name}.bochslog"
    began = time.monotonic()
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    for stale in (log, bochs_log):
        stale.unlink(missing_ok=True)
    com2 = workdir / "com2.log"
    qemu_args, bochs_lines = list(plan.qemu_args), list(plan.bochs_lines)
    if plan.com2_expects or plan.com2_forbids:
        # COM2 exists only for scenarios that check it, on a file of its own.
        bochs_lines.append(f"com2: enabled=1, mode=file, dev={com2}")
        qemu_args += ["-serial", f"file:{qemu_escape(com2)}"]
    typing: Optional[TypedConsole] = None
    try:
        image = workdir / "esp.img"
        kernel = resolve_src(plan.kernel, build) if plan.kernel else None
        modules = [resolve_src(m, build) for m in plan.kernel_modules]
        if job.engine == KERNEL_ENGINE:
            # QEMU loads the kernel itself: no ESP, no hv.
            for path in [kernel, *modules]:
                if path is None or not path.is_file():
                    raise SetupError(f"{path}: missing; 'make all' builds it")
        else:
            make_esp(image, stage_esp(plan, build, workdir))
        serial = ("file", str(log))
        if plan.typed:
            typing = TypedConsole(log, plan.typed)
            serial = ("tcp", typing.where)
        spec = MachineSpec(
            job.engine, workdir, image, plan.cpus, plan.memory_mb, serial,
            bochs_log, qemu_args, bochs_lines, plan.bochs_cpu,
            kernel, plan.kernel_cmdline, modules, plan.exit_status, plan.ips,
        )  # fmt: skip
        machine = Machine(spec, rom)
    except (SetupError, OSError) as e:
        if typing:
            typing.close()
        return Result(job, "fail", [str(e)], time.monotonic() - began)

    timeout = plan.effective_timeout(scale)
    job.started = time.monotonic()
    reader = SerialReader(log)
    ending = Ending("exit")
    panicked_at = 0.0
    try:
        while True:
            if typing:
                typing.pump()
            lines = reader.new_lines()
            if typing:
                typing.feed(lines)
            if plan.end and any(plan.end.search(line) for line in lines):
                ending = Ending("end-line")
                break
            # After a refusal the firmware goes on to its shell and never
            # powers off: unless the scenario expects one (it then has an
            # end line), waiting for the timeout would only waste minutes.
            refusal = None if plan.end else next((line for line in lines if REFUSAL_RE.match(line)), None)
            if refusal:
                ending = Ending("refused", note=refusal)
                break
            # hv halts after a panic and never powers off either. The grace
            # lets the other CPUs' reports arrive.
            if not panicked_at and any(PANIC_RE.match(line) for line in lines):
                panicked_at = time.monotonic()
            if panicked_at and time.monotonic() - panicked_at > PANIC_GRACE_SECONDS:
                ending = Ending("panic")
                break
            if stop.is_set():
                ending = Ending("interrupted")
                break
            if time.monotonic() - job.started > timeout:
                ending = Ending("timeout")
                break
            if machine.exited(POLL_SECONDS):
                break
    finally:
        machine.stop()
        if typing:
            typing.close()
    if ending.how == "exit":
        # The end line may have come with the emulator's last output.
        if plan.end and any(plan.end.search(line) for line in reader.new_lines()):
            ending = Ending("end-line")
        else:
            ending.powered_off, ending.note = machine.how_it_stopped()
    seconds = time.monotonic() - began
    if ending.how == "interrupted":
        return Result(job, "interrupted", [], seconds, log, cpu=machine.cpu)
    lines = log_lines(log)
    reasons = judge(plan, lines, ending, timeout)
    reasons += judge_com2(plan, com2)
    if job.engine == "bochs":
        reasons += judge_bochs_log(plan, bochs_log)
    if typing:
        reasons += typing.unsent()
    bochs = bochs_log if job.engine == "bochs" else None
    return Result(job, "fail" if reasons else "pass", reasons, seconds, log, bochs, machine.cpu,
                  vmcheck_counts(lines))

