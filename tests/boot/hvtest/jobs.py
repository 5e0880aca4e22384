# SPDX-License-Identifier: MIT
"""`runner.py test`: the unit binaries side by side, then every run of the
chosen scenarios, longest first, a few at once; the results as they come,
a progress line meanwhile, and the closing line "N passed, N failed"."""

from __future__ import annotations

import argparse
import concurrent.futures
import dataclasses
import json
import os
import queue
import shlex
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Optional

from hvboot import SetupError, rel
from hvboot.machines import ensure_bochs_rom, host_vtx, kill_all, kill_group, lock_build_area, spawn
from hvboot.serial import log_lines

from .boot import Job, Result, run_job
from .scenario import ScenarioError, list_scenarios, parse_scenario, select_scenarios
from .unit import run_unit

LOG_TAIL_LINES = 25
LOG_TAIL_WIDTH = 200


class Console:
    """Result lines, plus a progress report: on a terminal one status line
    redrawn in place, elsewhere (CI logs) a plain line every 10 s at most."""

    def __init__(self) -> None:
        self.tty = sys.stdout.isatty()
        self.status_shown = False
        self.last_plain = time.monotonic()

    def line(self, text: str = "") -> None:
        self.clear_status()
        print(text, flush=True)

    def clear_status(self) -> None:
        if self.status_shown:
            sys.stdout.write("\r\x1b[K")
            self.status_shown = False

    def status(self, text: str) -> None:
        if self.tty:
            width = shutil.get_terminal_size().columns - 1
            sys.stdout.write("\r\x1b[K" + text[:width])
            sys.stdout.flush()
            self.status_shown = True
        elif time.monotonic() - self.last_plain >= 10:
            print(text, flush=True)
            self.last_plain = time.monotonic()


def print_result(console: Console, r: Result) -> None:
    name = r.job.name
    # A boot that holds several parts says which checks passed in it.
    parts = [p for p, _ in r.job.scenario.parts] if r.job.scenario else []
    if r.status == "pass":
        console.line(f"PASS  {name}  ({r.seconds:.0f} s, {r.cpu:.0f} s cpu)")
        if parts:
            console.line(f"      parts: {' '.join(parts)}")
        return
    if r.status == "skip":
        console.line(f"SKIP  {name}: {r.reasons[0]}")
        return
    if r.status == "interrupted":
        console.line(f"STOP  {name}  (interrupted)")
        return
    console.line(f"FAIL  {name}  ({r.seconds:.0f} s, {r.cpu:.0f} s cpu)")
    if parts:
        console.line(f"      parts: {' '.join(parts)}")
    for reason in r.reasons:
        console.line(f"      - {reason}")
    if r.log and r.log.exists():
        tail = log_lines(r.log)[-LOG_TAIL_LINES:]
        console.line(f"      serial log {rel(r.log)}, last {len(tail)} lines:")
        for text in tail:
            cut = text if len(text) <= LOG_TAIL_WIDTH else text[:LOG_TAIL_WIDTH] + " [...]"
            console.line(f"      | {cut}")
    if r.bochs_log and r.bochs_log.exists():
        console.line(f"      Bochs log: {rel(r.bochs_log)}")


# before is taken to be long, so that it starts early, and longer with
# more emulated CPUs: a 4-CPU Bochs run costs about twice a 1-CPU one.
DURATIONS_FILE = "durations.json"
DEFAULT_DURATION = {"bochs": 60.0, "qemu-tcg": 10.0, "qemu-kvm": 10.0, "qemu-kernel": 2.0}


# A host job drives a whole machine of its own (make run with Linux).
HOST_DEFAULT_DURATION = 960.0
LINUX_IPS = 1_000_000_000
LINUX_FACTOR = 8
HOST_TIMEOUT = 3600.0


@dataclasses.dataclass(eq=False)
class HostJob:
    """A host command run among the boots and counted as one test: one that
    boots a machine itself (tests/boot/test_make_run.py, make run on a
    pseudo-terminal), so that it shares the cores with the scenarios
    instead of running alone before them."""

    label: str
    command: list[str]
    engine: str = "host"
    started: float = 0.0
    scenario: None = None

    @property
    def name(self) -> str:
        return self.label


def parse_host_job(spec: str) -> HostJob:
    """NAME=COMMAND, the command split as a shell would."""
    name, sep, command = spec.partition("=")
    if not sep or not name or not command.strip():
        raise ValueError(f"--host {spec!r}: want NAME=COMMAND")
    return HostJob(name, shlex.split(command))


def run_host_job(job: HostJob, scale: float, stop: threading.Event) -> Result:
    job.started = time.monotonic()
    proc = spawn(job.command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    limit = job.started + HOST_TIMEOUT * scale
    try:
        while True:
            try:
                out, _ = proc.communicate(timeout=1.0)
                break
            except subprocess.TimeoutExpired:
                if stop.is_set() or time.monotonic() > limit:
                    kill_group(proc)
                    out, _ = proc.communicate()
                    why = "interrupted" if stop.is_set() else f"timeout after {HOST_TIMEOUT * scale:g}s"
                    return Result(job, "interrupted" if stop.is_set() else "fail", [why],  # type: ignore[arg-type]
                                  time.monotonic() - job.started)
    finally:
        kill_group(proc)
    seconds = time.monotonic() - job.started
    if proc.returncode == 0:
        return Result(job, "pass", [], seconds)  # type: ignore[arg-type]
    lines = out.decode("utf-8", errors="replace").splitlines()
    return Result(job, "fail", [f"exit status {proc.returncode}: {' '.join(job.command)}"] +  # type: ignore[arg-type]
                  [f"| {line}" for line in lines[-40:]], seconds)


def expected_duration(job: "Job | HostJob", durations: dict[str, float]) -> float:
    if job.name in durations:
        return durations[job.name]
    if isinstance(job, HostJob):
        return HOST_DEFAULT_DURATION
    plan = job.scenario.plans[job.engine]
    # Unmeasured (a clean clone): a Bochs scenario at ips 10^9 or more
    # boots Linux, minutes rather than seconds, and must start first.
    linux = LINUX_FACTOR if job.engine == "bochs" and plan.ips >= LINUX_IPS else 1
    return DEFAULT_DURATION[job.engine] * max(1, plan.cpus) * linux


def load_durations(build: Path) -> dict[str, float]:
    try:
        data = json.loads((build / "tests" / DURATIONS_FILE).read_text())
    except (OSError, ValueError):
        return {}
    return {k: float(v) for k, v in data.items() if isinstance(v, (int, float))} if isinstance(data, dict) else {}


def save_durations(build: Path, durations: dict[str, float]) -> None:
    path = build / "tests" / DURATIONS_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    tmp.write_text(json.dumps(dict(sorted(durations.items())), indent=1) + "\n")
    tmp.replace(path)


@dataclasses.dataclass
class Totals:
    """What the closing lines count."""

    passed: int = 0
    failed: int = 0
    skipped: list[str] = dataclasses.field(default_factory=list)
    not_run: int = 0
    interrupted: bool = False
    # hv's VM-entry check over the boots that ran it: boots, entries
    # checked, entries refused, and the rule counts they printed
    vmcheck_boots: int = 0
    vmcheck_entries: int = 0
    vmcheck_refused: int = 0
    vmcheck_rules: set[int] = dataclasses.field(default_factory=set)


def run_units(console: Console, units: list[str], at_once: int, totals: Totals) -> None:
    """The unit binaries are independent and single-threaded: they run side
    by side, one per core, and still all before the first boot."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=at_once) as pool:
        unit_results = list(pool.map(run_unit, units))
    for binary, (p, f, s, out) in zip(units, unit_results):
        for line in out:
            console.line(line)
        totals.passed += p
        totals.failed += f
        totals.skipped += [f"{binary}: {s} cmocka test(s) skipped"] if s else []


def make_jobs(console: Console, chosen: list[Path], engines: Optional[list[str]], totals: Totals) -> list[Job]:
    """A job per scenario and engine; a scenario that does not parse fails,
    and a qemu-kvm job on a host without VT-x for guests is skipped."""
    jobs: list[Job] = []
    for path in chosen:
        try:
            scenario = parse_scenario(path)
        except (ScenarioError, OSError) as e:
            console.line(f"FAIL  {path.stem}: {e}")
            totals.failed += 1
            continue
        jobs += [Job(scenario, e) for e in scenario.engines if not engines or e in engines]

    vtx_ok, vtx_why = host_vtx()
    runnable: list[Job] = []
    for job in jobs:
        if job.engine == "qemu-kvm" and not vtx_ok:
            print_result(console, Result(job, "skip", [vtx_why]))
            totals.skipped.append(f"{job.name} ({vtx_why})")
        else:
            runnable.append(job)
    return runnable


def bochs_firmware(console: Console, build: Path, runnable: list[Job], totals: Totals) -> tuple[Optional[Path], list[Job]]:
    """The firmware image the Bochs jobs need, and the jobs that can run:
    without the image every Bochs job fails."""
    if not any(j.engine == "bochs" for j in runnable):
        return None, runnable
    try:
        return ensure_bochs_rom(build), runnable
    except SetupError as e:
        for job in [j for j in runnable if j.engine == "bochs"]:
            print_result(console, Result(job, "fail", [str(e)]))
            totals.failed += 1
        return None, [j for j in runnable if j.engine != "bochs"]


class Scheduler:
    """Runs the jobs on COUNT worker threads, one emulator each, and tallies
    the results as they arrive."""

    def __init__(self, console: Console, build: Path, rom: Optional[Path], args: argparse.Namespace,
                 keep_going: bool, totals: Totals, runnable: list[Job]) -> None:
        self.console, self.build, self.rom, self.totals = console, build, rom, totals
        self.scale = args.timeout_scale
        self.keep_going = keep_going
        self.runnable = runnable
        # Longest first, as the last run timed them: a long run started last
        # would leave the other cores idle while it finishes alone.
        self.durations = load_durations(build)
        runnable.sort(key=lambda j: (-expected_duration(j, self.durations), j.name))
        self.pending: queue.Queue[Job] = queue.Queue()
        for job in runnable:
            self.pending.put(job)
        self.results: queue.Queue[Result] = queue.Queue()
        self.running: set[Job] = set()
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.halt = threading.Event()
        self.count = min(args.jobs or os.cpu_count() or 1, max(len(runnable), 1))
        self.finished: list[Result] = []

    def worker(self) -> None:
        while not self.stop.is_set() and not self.halt.is_set():
            try:
                job = self.pending.get_nowait()
            except queue.Empty:
                return
            with self.lock:
                self.running.add(job)
            try:
                if isinstance(job, HostJob):
                    result = run_host_job(job, self.scale, self.stop)
                else:
                    result = run_job(job, self.build, self.rom, self.scale, self.stop)
            except Exception as e:  # a runner bug must still end in a verdict
                result = Result(job, "fail", [f"runner error: {type(e).__name__}: {e}"])
            # Set here, not when the main thread reads the result: by then this
            # worker would already have started its next job.
            if result.status == "fail" and not self.keep_going:
                self.halt.set()
            with self.lock:
                self.running.discard(job)
            self.results.put(result)

    def tally(self, r: Result) -> None:
        self.finished.append(r)
        print_result(self.console, r)
        if r.status in ("pass", "fail") and r.seconds:
            self.durations[r.job.name] = round(r.seconds, 1)
        if r.vmcheck:
            self.totals.vmcheck_boots += 1
            self.totals.vmcheck_entries += r.vmcheck[0]
            self.totals.vmcheck_rules.add(r.vmcheck[1])
            self.totals.vmcheck_refused += r.vmcheck[2]
        if r.status == "pass":
            self.totals.passed += 1
        elif r.status == "fail":
            self.totals.failed += 1
        else:
            self.totals.not_run += 1

    def show_progress(self, done: int) -> None:
        with self.lock:
            now = time.monotonic()
            shown = [f"{j.name} {now - j.started:.0f}s" for j in sorted(self.running, key=lambda j: j.name) if j.started]
        if shown:
            self.console.status(f"[{done}/{len(self.runnable)} done] running: " + ", ".join(shown))

    def run(self) -> None:
        threads = [threading.Thread(target=self.worker, daemon=True) for _ in range(self.count)]
        done = 0
        try:
            for t in threads:
                t.start()
            while any(t.is_alive() for t in threads) or not self.results.empty():
                try:
                    r = self.results.get(timeout=1.0)
                except queue.Empty:
                    self.show_progress(done)
                    continue
                done += 1
                self.tally(r)
        except KeyboardInterrupt:
            self.totals.interrupted = True
            self.stop.set()
            self.console.line("interrupted: stopping the emulators")
            kill_all()
            for t in threads:
                t.join(5)
            while not self.results.empty():
                self.tally(self.results.get())
        finally:
            kill_all()
        self.totals.not_run += self.pending.qsize()
        save_durations(self.build, self.durations)


def cmd_test(args: argparse.Namespace) -> int:
    if args.list:
        return list_scenarios()
    console = Console()
    build = Path(args.build).resolve()
    keep_going = args.keep_going or os.environ.get("HV_KEEP_GOING", "") not in ("", "0")
    totals = Totals()

    chosen = select_scenarios(args.scenarios)
    lock_build_area(build / "tests.lock", wait=True)
    run_units(console, args.unit or [], args.jobs or os.cpu_count() or 1, totals)

    began = time.monotonic()
    runnable = make_jobs(console, chosen, args.engine, totals)
    # --ips is for measuring what the clock rate does to scenarios written
    # for another: it wins over their own ips.
    for job in runnable:
        if job.engine == "bochs" and args.ips:
            job.scenario.plans["bochs"].ips = args.ips
    try:
        runnable += [parse_host_job(spec) for spec in args.host or []]  # type: ignore[misc]
    except ValueError as e:
        console.line(f"FAIL  {e}")
        totals.failed += 1
    if totals.failed and not keep_going:
        totals.not_run = len(runnable)
        runnable = []
    rom, runnable = bochs_firmware(console, build, runnable, totals)
    scheduler = Scheduler(console, build, rom, args, keep_going, totals, runnable)
    scheduler.run()

    console.clear_status()
    if runnable:
        cpu = sum(r.cpu for r in scheduler.finished)
        console.line(f"boot scenarios took {time.monotonic() - began:.0f} s on {scheduler.count} job(s), {cpu:.0f} s of emulator CPU")
    if totals.vmcheck_boots:
        rules = "/".join(str(n) for n in sorted(totals.vmcheck_rules))
        console.line(f"vmcheck: {totals.vmcheck_entries} VM entries checked against {rules} rules "
                     f"in {totals.vmcheck_boots} boot(s), {totals.vmcheck_refused} refused")
    if totals.skipped:
        console.line(f"{len(totals.skipped)} skipped: " + "; ".join(totals.skipped))
    if totals.not_run:
        why = "interrupted" if totals.interrupted else "stopped after the first failure; -k runs everything"
        console.line(f"{totals.not_run} not run ({why})")
    console.line(f"{totals.passed} passed, {totals.failed} failed")
    if totals.interrupted:
        return 130
    return 1 if totals.failed or totals.not_run else 0
