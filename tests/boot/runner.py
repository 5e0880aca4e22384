#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""hv's test driver.

  runner.py test [--unit BIN ...] [--jobs N] [-k] [--engine E] [SCENARIO ...]
      Runs the host unit-test binaries, then boots every scenario on every
      engine it names, and ends with the line "N passed, N failed".
  runner.py test --list
      Lists the scenarios.
  runner.py run [--engine auto|bochs|qemu-kvm|qemu-tcg] [--conf FILE]
      Boots hv with a manifest, its serial console on this terminal.

docs/testing.md describes the scenario format, the engines and the logs.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import dataclasses
import fcntl
import json
import os
import pty
import queue
import re
import select
import shlex
import shutil
import signal
import socket
import struct
import subprocess
import sys
import termios
import threading
import time
from pathlib import Path
from typing import Optional

REPO = Path(__file__).resolve().parents[2]
HERE = REPO / "tests" / "boot"
SCENARIO_DIR = HERE / "scenarios"
MKESP = HERE / "mkesp.sh"
BOCHSRC_TEMPLATE = HERE / "bochsrc.in"
DEFAULT_MANIFEST = REPO / "boot" / "default.conf"

ENGINES = ("bochs", "qemu-tcg", "qemu-kvm")
# Bochs needs 10-15 s to reach the loader; QEMU about 4 s.
DEFAULT_TIMEOUT = {"bochs": 120.0, "qemu-tcg": 60.0, "qemu-kvm": 60.0}
DEFAULT_MEMORY_MB = 512
# Bochs 2.7's CPU models with VMX and EPT that hv runs on (TESTBED.md):
# Skylake-X for every scenario; Tiger Lake adds PKU and RDPID.
DEFAULT_BOCHS_CPU = "corei7_skylake_x"
BOCHS_CPU_MODELS = ("corei7_skylake_x", "tigerlake")
# How often a run's serial log is read for its end line. The emulator's
# exit is seen at once: the runner waits on it between reads.
POLL_SECONDS = 0.1
LOG_TAIL_LINES = 25
LOG_TAIL_WIDTH = 200
QEMU = "qemu-system-x86_64"


def firmware_path(env: str, default: str) -> Path:
    return Path(os.environ.get(env) or default)


OVMF_CODE = firmware_path("HV_OVMF_CODE", "/usr/share/OVMF/OVMF_CODE.fd")
OVMF_VARS = firmware_path("HV_OVMF_VARS", "/usr/share/OVMF/OVMF_VARS.fd")
VGABIOS = firmware_path("HV_VGABIOS", "/usr/share/vgabios/vgabios.bin")
# Bochs maps at most 2 MiB of ROM, ending at 4 GiB.
BOCHS_ROM_SIZE = 2 << 20


class SetupError(Exception):
    """A run could not be set up: a missing artefact, tool or firmware file."""


class ScenarioError(Exception):
    """A scenario file that cannot be read; the message starts with FILE:LINE."""


def rel(path: Path) -> str:
    """A path as the user would type it from the top of the repository."""
    try:
        return str(path.resolve().relative_to(REPO))
    except ValueError:
        return str(path)


# ---------------------------------------------------------------------------
# Serial log text

# Firmware draws its menus with ANSI sequences, also on the serial line; they
# would otherwise sit in front of the first characters of a line.
ANSI_RE = re.compile(r"\x1b\[[0-9;?=]*[ -/]*[@-~]|\x1b[@-Z\\-_]")
CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
HV_LINE_RE = re.compile(r"^hv: ")
TEST_LINE_RE = re.compile(r"^(\[[^\]]*\] )?TEST ")
# Forbidden by default, case-sensitively, in hv's and TEST lines only: so a
# firmware message or a guest that crashes on purpose cannot fail a run. The
# word boundaries keep "TEST panic_on_bad_gpa: PASS" out.
DEFAULT_FORBIDS = {"FAIL": re.compile(r"\bFAIL"), "panic": re.compile(r"\bpanic\b")}
# How the loader says it refuses to start; the firmware then goes on to its
# boot menu and shell, and never stops by itself.
REFUSAL_RE = re.compile(r"^hv: cannot start:")


def clean_line(raw: str) -> str:
    return CONTROL_RE.sub("", ANSI_RE.sub("", raw.replace("\r", "")))


def log_lines(path: Path) -> list[str]:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return []
    text = data.decode("utf-8", errors="replace")
    lines = [clean_line(line) for line in text.split("\n")]
    if lines and lines[-1] == "":
        lines.pop()
    return lines


class SerialReader:
    """Follows a serial log file as it grows, handing out complete lines only:
    an end line must not be acted on before the rest of it has arrived."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = 0
        self.partial = b""

    def new_lines(self) -> list[str]:
        try:
            with open(self.path, "rb") as f:
                f.seek(self.offset)
                data = f.read()
        except FileNotFoundError:
            return []
        self.offset += len(data)
        data = self.partial + data
        *complete, self.partial = data.split(b"\n")
        return [clean_line(c.decode("utf-8", errors="replace")) for c in complete]


# ---------------------------------------------------------------------------
# Scenarios


@dataclasses.dataclass
class EspChange:
    dest: str
    action: str  # omit, truncate, patch, text, hex
    where: str
    size: int = 0
    offset: int = 0
    data: bytes = b""


@dataclasses.dataclass
class Check:
    left: str
    op: str
    right: str
    text: str


@dataclasses.dataclass
class Plan:
    """What one scenario does on one engine."""

    engine: str
    cpus: int = 1
    memory_mb: int = DEFAULT_MEMORY_MB
    timeout: float = 0.0
    qemu_args: list[str] = dataclasses.field(default_factory=list)
    bochs_lines: list[str] = dataclasses.field(default_factory=list)
    # Bochs' CPU model: the one with VT-x that every scenario uses, unless
    # a scenario needs a feature only another model has (PKU, RDPID).
    bochs_cpu: str = DEFAULT_BOCHS_CPU
    manifest: tuple[str, str] = ("default", "")
    esp_add: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    esp_changes: list[EspChange] = dataclasses.field(default_factory=list)
    expects: list[re.Pattern[str]] = dataclasses.field(default_factory=list)
    forbids: list[re.Pattern[str]] = dataclasses.field(default_factory=list)
    allows: list[re.Pattern[str]] = dataclasses.field(default_factory=list)
    counts: list[tuple[int, re.Pattern[str]]] = dataclasses.field(default_factory=list)
    # Bounds: at most N lines may match (a log that a flood must not fill).
    at_most: list[tuple[int, re.Pattern[str]]] = dataclasses.field(default_factory=list)
    orders: list[list[re.Pattern[str]]] = dataclasses.field(default_factory=list)
    captures: dict[str, re.Pattern[str]] = dataclasses.field(default_factory=dict)
    checks: list[Check] = dataclasses.field(default_factory=list)
    end: Optional[re.Pattern[str]] = None
    # What must and must not arrive on the emulator's COM2, a second file.
    com2_expects: list[re.Pattern[str]] = dataclasses.field(default_factory=list)
    com2_forbids: list[re.Pattern[str]] = dataclasses.field(default_factory=list)
    # What Bochs' own log must show: an access Bochs only logs, such as an
    # MSR it does not model and reads as 0 (its ignore_bad_msrs default).
    bochs_log_expects: list[re.Pattern[str]] = dataclasses.field(default_factory=list)
    bochs_log_forbids: list[re.Pattern[str]] = dataclasses.field(default_factory=list)
    # The attack battery: each attack's name and the line hv must print.
    attacks: list[tuple[str, re.Pattern[str]]] = dataclasses.field(default_factory=list)
    # What a person types at COM1, in order: each text once a line matches
    # its trigger, after the text before it was typed.
    typed: list[tuple[re.Pattern[str], bytes]] = dataclasses.field(default_factory=list)
    # Which part of the scenario a judging directive belongs to, keyed by
    # (kind, index in its list) or ("capture", name): a failure then names
    # the check it comes from when one boot holds several.
    labels: dict[tuple[str, int | str], str] = dataclasses.field(default_factory=dict)

    def label(self, kind: str, key: int | str) -> str:
        part = self.labels.get((kind, key))
        return f"[{part}] " if part else ""

    def effective_timeout(self, scale: float) -> float:
        return (self.timeout or DEFAULT_TIMEOUT[self.engine]) * scale


@dataclasses.dataclass
class Scenario:
    name: str
    path: Path
    description: str
    engines: list[str]
    plans: dict[str, Plan]
    # (name, what it checks) of each `part`, in file order.
    parts: list[tuple[str, str]] = dataclasses.field(default_factory=list)


DIRECTIVE_RE = re.compile(r"(?:(bochs|qemu-tcg|qemu-kvm):\s+)?([a-z][a-z0-9-]*)(?:\s+(.*))?$")
CHECK_RE = re.compile(r"(\S+)\s*(==|!=|<=|>=|<|>)\s*(\S+)$")
NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*$")
ATTACK_NAME_RE = re.compile(r"[A-Za-z0-9_-]{1,31}$")
PANIC_RE = re.compile(r"hv: panic: ")
PANIC_GRACE_SECONDS = 3.0
BATTERY_RE = re.compile(r"battery: (\d+) attacks, (\d+) contained, (\d+) escaped$")
PART_RE = re.compile(r"([a-z0-9][a-z0-9-]*)(?:\s+(.*))?$")
NUMBER_RE = re.compile(r"[-+]?(0[xX][0-9a-fA-F]+|[0-9]+)$")


def parse_int(text: str, where: str, what: str, minimum: int = 0) -> int:
    try:
        value = int(text, 0)
    except ValueError:
        raise ScenarioError(f"{where}: {what} must be a number, not '{text}'") from None
    if value < minimum:
        raise ScenarioError(f"{where}: {what} must be at least {minimum}")
    return value


def parse_regex(text: str, where: str) -> re.Pattern[str]:
    if not text:
        raise ScenarioError(f"{where}: a regular expression is missing")
    try:
        return re.compile(text)
    except re.error as e:
        raise ScenarioError(f"{where}: bad regular expression /{text}/: {e}") from None


def parse_hex(text: str, where: str) -> bytes:
    digits = re.sub(r"\s+", "", text)
    try:
        return bytes.fromhex(digits)
    except ValueError:
        raise ScenarioError(f"{where}: '{text}' is not hexadecimal bytes") from None


def unescape_text(text: str, where: str) -> bytes:
    """Decodes \\n, \\t, \\r, \\\\ and \\xNN: enough to write any small file."""
    out = bytearray()
    i = 0
    while i < len(text):
        c = text[i]
        if c != "\\":
            out += c.encode()
            i += 1
            continue
        nxt = text[i + 1 : i + 2]
        simple = {"n": b"\n", "t": b"\t", "r": b"\r", "\\": b"\\"}
        if nxt in simple:
            out += simple[nxt]
            i += 2
        elif nxt == "x" and re.match(r"[0-9a-fA-F]{2}", text[i + 2 : i + 4]):
            out.append(int(text[i + 2 : i + 4], 16))
            i += 4
        else:
            raise ScenarioError(f"{where}: unknown escape '\\{nxt}' (use \\n \\t \\r \\\\ \\xNN)")
    return bytes(out)


def esp_dest(text: str, where: str) -> str:
    dest = text.strip().replace("\\", "/").lstrip("/")
    if not dest or ".." in dest.split("/"):
        raise ScenarioError(f"{where}: '{text}' is not a path on the ESP")
    return dest


# The list each judging directive appends to, for its label.
JUDGING_LISTS = {
    "expect": "expects",
    "forbid": "forbids",
    "expect-count": "counts",
    "expect-at-most": "at_most",
    "expect-order": "orders",
    "check": "checks",
    "com2-expect": "com2_expects",
    "com2-forbid": "com2_forbids",
    "bochs-log-expect": "bochs_log_expects",
    "bochs-log-forbid": "bochs_log_forbids",
}


def apply_directive(plan: Plan, name: str, arg: str, where: str, part: str = "") -> None:
    _apply_directive(plan, name, arg, where)
    if not part:
        return
    if name in JUDGING_LISTS:
        plan.labels[(name, len(getattr(plan, JUDGING_LISTS[name])) - 1)] = part
    elif name == "capture":
        plan.labels[("capture", arg.partition(" ")[0])] = part


def _apply_directive(plan: Plan, name: str, arg: str, where: str) -> None:
    if name == "timeout":
        plan.timeout = float(parse_int(arg, where, "timeout", 1))
    elif name == "cpus":
        plan.cpus = parse_int(arg, where, "cpus", 1)
    elif name == "memory":
        plan.memory_mb = parse_int(arg, where, "memory", 64)
    elif name == "qemu-args":
        plan.qemu_args += shlex.split(arg)
    elif name == "bochs-line":
        if not arg:
            raise ScenarioError(f"{where}: bochs-line needs a bochsrc line")
        plan.bochs_lines.append(arg)
    elif name == "bochs-cpu":
        if arg not in BOCHS_CPU_MODELS:
            raise ScenarioError(f"{where}: bochs-cpu needs one of {', '.join(BOCHS_CPU_MODELS)}")
        plan.bochs_cpu = arg
    elif name == "manifest":
        words = arg.split(None, 1)
        if words == ["default"]:
            plan.manifest = ("default", "")
        elif len(words) == 2 and words[0] == "file":
            plan.manifest = ("file", words[1])
        else:
            raise ScenarioError(f"{where}: use 'manifest default', 'manifest file PATH' or 'manifest <<WORD'")
    elif name == "manifest-text":
        plan.manifest = ("text", arg)
    elif name == "esp-add":
        src, sep, dest = arg.partition(":")
        if not sep or not src.strip():
            raise ScenarioError(f"{where}: esp-add needs SRC:DEST")
        plan.esp_add.append((src.strip(), esp_dest(dest, where)))
    elif name == "esp-omit":
        plan.esp_changes.append(EspChange(esp_dest(arg, where), "omit", where))
    elif name == "esp-corrupt":
        words = arg.split(None, 2)
        if len(words) < 3:
            raise ScenarioError(f"{where}: esp-corrupt DEST truncate|patch|text|hex ...")
        dest, action, rest = esp_dest(words[0], where), words[1], words[2]
        change = EspChange(dest, action, where)
        if action == "truncate":
            change.size = parse_int(rest, where, "the size")
        elif action == "patch":
            offset, _, data = rest.partition(" ")
            change.offset = parse_int(offset, where, "the offset")
            change.data = parse_hex(data, where)
            if not change.data:
                raise ScenarioError(f"{where}: patch needs OFFSET HEXBYTES")
        elif action == "text":
            change.data = unescape_text(rest, where)
        elif action == "hex":
            change.data = parse_hex(rest, where)
        else:
            raise ScenarioError(f"{where}: unknown esp-corrupt action '{action}'")
        plan.esp_changes.append(change)
    elif name == "expect":
        plan.expects.append(parse_regex(arg, where))
    elif name == "forbid":
        plan.forbids.append(parse_regex(arg, where))
    elif name == "allow":
        plan.allows.append(parse_regex(arg, where))
    elif name == "end":
        plan.end = parse_regex(arg, where)
    elif name == "com2-expect":
        plan.com2_expects.append(parse_regex(arg, where))
    elif name == "com2-forbid":
        plan.com2_forbids.append(parse_regex(arg, where))
    elif name == "bochs-log-expect":
        plan.bochs_log_expects.append(parse_regex(arg, where))
    elif name == "bochs-log-forbid":
        plan.bochs_log_forbids.append(parse_regex(arg, where))
    elif name == "expect-count":
        count, _, regex = arg.partition(" ")
        plan.counts.append((parse_int(count, where, "the count"), parse_regex(regex.strip(), where)))
    elif name == "expect-at-most":
        count, _, regex = arg.partition(" ")
        plan.at_most.append((parse_int(count, where, "the bound"), parse_regex(regex.strip(), where)))
    elif name == "expect-order":
        parts = [p.strip() for p in re.split(r"\s+;\s+", arg)]
        if len(parts) < 2:
            raise ScenarioError(f"{where}: expect-order needs REGEX1 ; REGEX2 [; ...]")
        plan.orders.append([parse_regex(p, where) for p in parts])
    elif name == "capture":
        var, _, regex = arg.partition(" ")
        if not NAME_RE.match(var):
            raise ScenarioError(f"{where}: '{var}' is not a capture name")
        pattern = parse_regex(regex.strip(), where)
        if pattern.groups != 1:
            raise ScenarioError(f"{where}: a capture regex needs exactly one (group)")
        plan.captures[var] = pattern
    elif name == "attack":
        attack, _, regex = arg.partition(" ")
        if not ATTACK_NAME_RE.match(attack) or not regex.strip():
            raise ScenarioError(f"{where}: attack NAME REGEX, NAME as a partition name")
        if any(attack == a for a, _ in plan.attacks):
            raise ScenarioError(f"{where}: attack '{attack}' is listed twice")
        plan.attacks.append((attack, parse_regex(regex.strip(), where)))
    elif name == "type":
        trigger, sep, text = arg.partition(" ; ")
        if not sep or not text:
            raise ScenarioError(f"{where}: type REGEX ; TEXT (escapes \\r \\n \\t \\\\ \\xNN)")
        plan.typed.append((parse_regex(trigger.strip(), where), unescape_text(text, where)))
    elif name == "check":
        m = CHECK_RE.match(arg)
        if not m:
            raise ScenarioError(f"{where}: check A OP B, with OP one of == != < <= > >=")
        plan.checks.append(Check(m.group(1), m.group(2), m.group(3), arg))
    else:
        raise ScenarioError(f"{where}: unknown directive '{name}'")


def parse_scenario(path: Path) -> Scenario:
    lines = path.read_text().splitlines()
    name = path.stem
    description: list[str] = []
    engines: Optional[list[str]] = None
    entries: list[tuple[Optional[str], str, str, str, str]] = []
    parts: list[tuple[str, str]] = []
    part = ""
    i = 0
    while i < len(lines):
        lineno = i + 1
        text = lines[i].strip()
        i += 1
        where = f"{rel(path)}:{lineno}"
        if not text or text.startswith("#"):
            continue
        m = DIRECTIVE_RE.match(text)
        if not m:
            raise ScenarioError(f"{where}: cannot read '{text}'")
        engine, directive, arg = m.group(1), m.group(2), (m.group(3) or "").strip()
        if directive == "manifest" and arg.startswith("<<"):
            word = arg[2:].strip()
            if not word:
                raise ScenarioError(f"{where}: manifest <<WORD needs a closing WORD")
            body: list[str] = []
            while i < len(lines) and lines[i].strip() != word:
                body.append(lines[i])
                i += 1
            if i == len(lines):
                raise ScenarioError(f"{where}: no line '{word}' closes this manifest")
            i += 1
            entries.append((engine, "manifest-text", "".join(b + "\n" for b in body), where, part))
        elif directive == "description":
            if engine:
                raise ScenarioError(f"{where}: description applies to every engine")
            description.append(arg)
        elif directive == "part":
            # The judging lines that follow, up to the next part, check
            # what a scenario of this name used to check in a boot of its own.
            pm = PART_RE.match(arg)
            if engine or not pm:
                raise ScenarioError(f"{where}: part NAME WHAT-IT-CHECKS, for every engine")
            part = pm.group(1)
            if part == name or part in (p for p, _ in parts):
                raise ScenarioError(f"{where}: part {part} is named twice")
            parts.append((part, (pm.group(2) or "").strip()))
        elif directive == "engines":
            engines = arg.split()
            bad = [e for e in engines if e not in ENGINES]
            if bad or not engines:
                raise ScenarioError(f"{where}: engines are {', '.join(ENGINES)}, not '{arg}'")
        else:
            entries.append((engine, directive, arg, where, part))
    if engines is None:
        raise ScenarioError(f"{rel(path)}: no 'engines' line")
    plans: dict[str, Plan] = {}
    for engine in engines:
        plan = Plan(engine)
        # Lines for one engine come after the general ones, so they override
        # them whatever their place in the file.
        general = [e for e in entries if e[0] is None]
        specific = [e for e in entries if e[0] == engine]
        for _, directive, arg, where, entry_part in general + specific:
            apply_directive(plan, directive, arg, where, entry_part)
        for check in plan.checks:
            for operand in (check.left, check.right):
                if not NUMBER_RE.match(operand) and operand not in plan.captures:
                    raise ScenarioError(f"{rel(path)}: check '{check.text}' on {engine}: '{operand}' is not a capture")
        plans[engine] = plan
    for engine, _, _, where, _ in entries:
        if engine is not None and engine not in engines:
            raise ScenarioError(f"{where}: {engine} is not in this scenario's engines")
    return Scenario(name, path, " ".join(description), engines, plans, parts)


def scenario_files() -> list[Path]:
    return sorted(SCENARIO_DIR.glob("*.scn"))


# ---------------------------------------------------------------------------
# Judging a run


@dataclasses.dataclass
class Ending:
    how: str  # end-line, exit, refused, panic, timeout, interrupted
    powered_off: bool = False
    note: str = ""


def capture_value(text: str) -> int | str:
    return int(text, 0) if NUMBER_RE.match(text) else text


def judge(plan: Plan, lines: list[str], ending: Ending, timeout: float) -> list[str]:
    reasons: list[str] = []
    if ending.how == "timeout":
        waiting = f"a line matching /{plan.end.pattern}/" if plan.end else "power-off"
        reasons.append(f"timeout after {timeout:g}s (waiting for {waiting})")
    elif ending.how == "refused":
        reasons.append(f"hv refused to start, so the run was stopped: {ending.note}")
    elif ending.how == "panic":
        reasons.append(f"hv panicked; the machine was stopped {PANIC_GRACE_SECONDS:g} s later")
    elif ending.how == "exit":
        if plan.end:
            reasons.append(f"the machine stopped before a line matched end /{plan.end.pattern}/: {ending.note}")
        elif not ending.powered_off:
            reasons.append(f"the machine stopped without powering off: {ending.note}")

    def first(pattern: re.Pattern[str], start: int = 0) -> int:
        for n in range(start, len(lines)):
            if pattern.search(lines[n]):
                return n
        return -1

    for i, pattern in enumerate(plan.expects):
        if first(pattern) < 0:
            reasons.append(f"{plan.label('expect', i)}expected line missing: /{pattern.pattern}/")
    for i, pattern in enumerate(plan.forbids):
        n = first(pattern)
        if n >= 0:
            reasons.append(f"{plan.label('forbid', i)}forbidden /{pattern.pattern}/ matched line {n + 1}: {lines[n]}")
    for n, line in enumerate(lines):
        if not (HV_LINE_RE.match(line) or TEST_LINE_RE.match(line)):
            continue
        if any(a.search(line) for a in plan.allows):
            continue
        for word, pattern in DEFAULT_FORBIDS.items():
            if pattern.search(line):
                reasons.append(f"line {n + 1} says {word}: {line}")
                break
    for i, (count, pattern) in enumerate(plan.counts):
        seen = sum(1 for line in lines if pattern.search(line))
        if seen != count:
            reasons.append(f"{plan.label('expect-count', i)}expected {count} line(s) matching /{pattern.pattern}/, saw {seen}")
    for i, (bound, pattern) in enumerate(plan.at_most):
        seen = sum(1 for line in lines if pattern.search(line))
        if seen > bound:
            reasons.append(f"{plan.label('expect-at-most', i)}expected at most {bound} line(s) matching /{pattern.pattern}/, saw {seen}")
    for i, order in enumerate(plan.orders):
        at = -1
        for k, pattern in enumerate(order):
            found = first(pattern, at + 1)
            if found < 0:
                after = f" after line {at + 1} (/{order[k - 1].pattern}/)" if k else ""
                reasons.append(f"{plan.label('expect-order', i)}order broken: no line matching /{pattern.pattern}/{after}")
                break
            at = found
    values: dict[str, int | str] = {}
    for var, pattern in plan.captures.items():
        n = first(pattern)
        if n < 0:
            reasons.append(f"{plan.label('capture', var)}capture {var}: no line matched /{pattern.pattern}/")
        else:
            values[var] = capture_value(pattern.search(lines[n]).group(1) or "")  # type: ignore[union-attr]
    for i, check in enumerate(plan.checks):
        result = evaluate_check(check, values)
        if result:
            reasons.append(plan.label("check", i) + result)
    reasons += judge_attacks(plan, lines)
    return reasons


def judge_attacks(plan: Plan, lines: list[str]) -> list[str]:
    """
    The battery, judged by the runner itself: an attack is contained when
    hv printed the line its directive names, the parent's verdict from
    partition_info says contained, and the attacker never printed
    ESCAPED. The battery's closing line must then agree with this count.
    """
    if not plan.attacks:
        return []
    reasons: list[str] = []
    escaped: list[str] = []
    for name, pattern in plan.attacks:
        tag = re.escape(name)
        why = []
        if not any(pattern.search(line) for line in lines):
            why.append(f"no line matching /{pattern.pattern}/")
        if not any(re.search(rf"\] battery: {tag}: contained", line) for line in lines):
            why.append("the parent's verdict is not 'contained'")
        said = next((line for line in lines if re.search(rf"^\[{tag}\] attack {tag}: ESCAPED", line)), None)
        if said:
            why.append(f"it printed: {said}")
        if why:
            escaped.append(name)
            reasons.append(f"attack {name} ESCAPED: " + "; ".join(why))
    total = len(plan.attacks)
    want = (total, total - len(escaped), len(escaped))
    got = next((m for m in (BATTERY_RE.search(line) for line in lines) if m), None)
    if not got:
        reasons.append(f"no battery line; the runner counts {want[0]} attacks, {want[1]} contained, {want[2]} escaped")
    elif tuple(int(g) for g in got.groups()) != want:
        reasons.append(f"battery line says {got.group(0)!r}; the runner counts {want[0]} attacks, {want[1]} contained, {want[2]} escaped")
    return reasons


def judge_file(path: Path, expects: list, forbids: list, kind: str,
               label, missing: str, forbidden: str) -> list[str]:
    """kind-expect and kind-forbid checks on every line of one file:
    missing and forbidden say what was wrong, with {p} the pattern and
    {hit} the line."""
    if not (expects or forbids):
        return []
    lines = log_lines(path) if path.exists() else []
    reasons = [
        label(f"{kind}-expect", i) + missing.format(p=p.pattern)
        for i, p in enumerate(expects)
        if not any(p.search(line) for line in lines)
    ]
    for i, p in enumerate(forbids):
        hit = next((line for line in lines if p.search(line)), None)
        if hit is not None:
            reasons.append(label(f"{kind}-forbid", i) +
                           forbidden.format(p=p.pattern, hit=repr(hit)))
    return reasons


def judge_com2(plan: Plan, path: Path) -> list[str]:
    """The com2-expect and com2-forbid checks, on everything COM2 received."""
    return judge_file(path, plan.com2_expects, plan.com2_forbids, "com2",
                      plan.label, "COM2 never received a line matching /{p}/",
                      "COM2 received a forbidden line: {hit} (matches /{p}/)")


def judge_bochs_log(plan: Plan, path: Path) -> list[str]:
    """The bochs-log-expect and bochs-log-forbid checks, on Bochs' own log."""
    return judge_file(path, plan.bochs_log_expects, plan.bochs_log_forbids,
                      "bochs-log", plan.label,
                      "Bochs' log has no line matching /{p}/",
                      "Bochs' log has a forbidden line: {hit} (matches /{p}/)")


def evaluate_check(check: Check, values: dict[str, int | str]) -> str:
    """Returns why the check fails, or "" when it holds."""
    operands: list[int | str] = []
    for operand in (check.left, check.right):
        if NUMBER_RE.match(operand):
            operands.append(int(operand, 0))
        elif operand in values:
            operands.append(values[operand])
        else:
            return f"check {check.text}: {operand} was not captured"
    a, b = operands
    named = [f"{name}={value!r}" for name, value in ((check.left, a), (check.right, b)) if not NUMBER_RE.match(name)]
    shown = f"check {check.text} failed: " + ", ".join(named)
    if check.op in ("==", "!="):
        holds = (a == b) == (check.op == "==")
        return "" if holds else shown
    if not (isinstance(a, int) and isinstance(b, int)):
        return f"check {check.text}: {a!r} and {b!r} are not both numbers"
    holds = {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[check.op]
    return "" if holds else shown


# ---------------------------------------------------------------------------
# Host capabilities


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


def need_tool(name: str, package: str) -> None:
    if not shutil.which(name):
        raise SetupError(f"{name} is not installed (package {package}; tests/need-packages.sh installs it)")


def need_file(path: Path, why: str) -> None:
    if not path.is_file():
        raise SetupError(f"missing {rel(path)} ({why})")


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
            raise SetupError(f"another runner.py is using {rel(lock.with_suffix(''))}/ (lock {rel(lock)})") from None
        print(f"waiting for another runner.py that is using {rel(lock.with_suffix(''))}/ ...", flush=True)
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
        kind, where = s.serial
        com1 = f"mode=file, dev={where}" if kind == "file" else f"mode=socket-client, dev={where}"
        fills = {
            "ROM": str(rom),
            "VGAROM": str(VGABIOS),
            "CPUS": str(s.cpus),
            "CPU_MODEL": s.bochs_cpu,
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
        (s.workdir / "bochsrc").write_text(text)
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
        need_file(OVMF_CODE, "package ovmf; or set HV_OVMF_CODE")
        need_file(OVMF_VARS, "package ovmf; or set HV_OVMF_VARS")
        s = self.spec
        vars_copy = s.workdir / "OVMF_VARS.fd"
        shutil.copyfile(OVMF_VARS, vars_copy)
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
            "-display", "none", "-no-reboot",
            "-drive", f"if=pflash,format=raw,unit=0,readonly=on,file={qemu_escape(OVMF_CODE)}",
            "-drive", f"if=pflash,format=raw,unit=1,file={qemu_escape(vars_copy)}",
            "-drive", f"file={qemu_escape(s.image)},format=raw,if=ide,index=0,media=disk",
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
        reason = ""
        qmp = s.workdir / "qmp.log"
        for line in qmp.read_text(errors="replace").splitlines() if qmp.exists() else []:
            try:
                message = json.loads(line)
            except ValueError:
                continue
            if message.get("event") == "SHUTDOWN":
                reason = message.get("data", {}).get("reason", "")
        if reason == "guest-shutdown":
            return True, "ACPI power off"
        if reason == "guest-reset":
            return False, "the guest reset the machine (a triple fault, or a reset request)"
        stderr = s.workdir / "qemu.stderr"
        err = stderr.read_text(errors="replace").strip().splitlines() if stderr.exists() else []
        detail = f": {err[-1]}" if err else ""
        why = f"QEMU stopped ({reason})" if reason else f"QEMU exited with status {status}"
        return False, why + detail


# ---------------------------------------------------------------------------
# The ESP of one run


def resolve_src(src: str, build: Path) -> Path:
    # "build/..." names the build directory, which --build may move.
    if src.startswith("build/"):
        return build / src[len("build/") :]
    path = Path(src)
    return path if path.is_absolute() else REPO / path


def manifest_text(plan: Plan) -> str:
    kind, value = plan.manifest
    if kind == "text":
        return value
    path = DEFAULT_MANIFEST if kind == "default" else REPO / value
    need_file(path, "the scenario's manifest")
    return path.read_text()


def make_esp(out: Path, files: dict[str, Path]) -> None:
    """files maps ESP paths to host files; mkesp.sh takes the fixed three by
    position ("-" leaves one out) and the rest as SRC:DEST."""
    fixed = ["EFI/BOOT/BOOTX64.EFI", "hv/hv.elf", "hv/hv.conf"]
    by_key = {dest.lower(): (dest, src) for dest, src in files.items()}
    argv = [str(MKESP), str(out)]
    for dest in fixed:
        entry = by_key.pop(dest.lower(), None)
        argv.append(str(entry[1]) if entry else "-")
    for dest, src in by_key.values():
        if ":" in str(src):
            raise SetupError(f"mkesp.sh cannot take a source path with ':': {src}")
        argv.append(f"{src}:{dest}")
    result = subprocess.run(argv, capture_output=True, text=True)
    if result.returncode != 0:
        raise SetupError("mkesp.sh failed: " + (result.stderr.strip() or f"status {result.returncode}"))


def stage_esp(plan: Plan, build: Path, workdir: Path) -> dict[str, Path]:
    conf = workdir / "hv.conf"
    conf.write_text(manifest_text(plan))
    files: dict[str, tuple[str, Path]] = {}

    def put(dest: str, src: Path) -> None:
        files[dest.lower()] = (dest, src)

    put("EFI/BOOT/BOOTX64.EFI", build / "BOOTX64.EFI")
    put("hv/hv.elf", build / "hv.elf")
    put("hv/hv.conf", conf)
    for src, dest in plan.esp_add:
        put(dest, resolve_src(src, build))
    for dest, src in files.values():
        if src != conf:
            need_file(src, f"for {dest} on the ESP; 'make all' builds it")

    staged = workdir / "esp"
    for change in plan.esp_changes:
        key = change.dest.lower()
        if change.action == "omit":
            if files.pop(key, None) is None:
                raise SetupError(f"{change.where}: esp-omit: {change.dest} is not on the ESP")
            continue
        copy = staged / change.dest
        copy.parent.mkdir(parents=True, exist_ok=True)
        if change.action in ("text", "hex"):
            copy.write_bytes(change.data)
            put(change.dest, copy)
            continue
        if key not in files:
            raise SetupError(f"{change.where}: esp-corrupt: {change.dest} is not on the ESP")
        data = bytearray(files[key][1].read_bytes())
        if change.action == "truncate":
            data = data[: change.size]
        else:
            end = change.offset + len(change.data)
            if end > len(data):
                raise SetupError(f"{change.where}: patch ends at {end}, past the end of {change.dest} ({len(data)} bytes)")
            data[change.offset : end] = change.data
        copy.write_bytes(bytes(data))
        put(change.dest, copy)
    return {dest: src for dest, src in files.values()}


# ---------------------------------------------------------------------------
# test: jobs


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
        make_esp(image, stage_esp(plan, build, workdir))
        serial = ("file", str(log))
        if plan.typed:
            typing = TypedConsole(log, plan.typed)
            serial = ("tcp", typing.where)
        spec = MachineSpec(
            job.engine, workdir, image, plan.cpus, plan.memory_mb, serial,
            bochs_log, qemu_args, bochs_lines, plan.bochs_cpu,
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
    reasons = judge(plan, log_lines(log), ending, timeout)
    reasons += judge_com2(plan, com2)
    if job.engine == "bochs":
        reasons += judge_bochs_log(plan, bochs_log)
    if typing:
        reasons += typing.unsent()
    bochs = bochs_log if job.engine == "bochs" else None
    return Result(job, "fail" if reasons else "pass", reasons, seconds, log, bochs, machine.cpu)


# ---------------------------------------------------------------------------
# test: output


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


# ---------------------------------------------------------------------------
# test: unit tests

CMOCKA_PASSED = re.compile(r"^\[  PASSED  \] (\d+) test")
CMOCKA_FAILED = re.compile(r"^\[  FAILED  \] (\d+) test\(s\), listed below")
CMOCKA_SKIPPED = re.compile(r"^\[  SKIPPED \] (\d+) test\(s\), listed below")
# A sanitizer may report and exit after cmocka has already counted the test.
SANITIZER_RE = re.compile(r"ERROR: \w+Sanitizer|runtime error:")
UNIT_TIMEOUT = 300.0


def run_unit(binary: str) -> tuple[int, int, int, list[str]]:
    """Runs one cmocka binary; returns (passed, failed, skipped, the lines
    to print). Several run at once, so the caller prints, in order."""
    out: list[str] = []
    path = Path(binary)
    if not path.exists():
        out.append(f"FAIL  unit  {binary}: no such file ('make all' builds the unit tests)")
        return 0, 1, 0, out
    # cmocka's summary lines are what is counted: ask for that format.
    env = dict(os.environ, CMOCKA_MESSAGE_OUTPUT="stdout")
    proc = spawn([str(path.resolve())], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
    try:
        output, _ = proc.communicate(timeout=UNIT_TIMEOUT)
        note = ""
    except subprocess.TimeoutExpired:
        kill_group(proc)
        output, _ = proc.communicate()
        note = f"timeout after {UNIT_TIMEOUT:g}s"
    finally:
        kill_group(proc)
    text = output.decode("utf-8", errors="replace")
    passed = failed = skipped = 0
    summaries = 0
    for line in text.splitlines():
        for pattern in (CMOCKA_PASSED, CMOCKA_FAILED, CMOCKA_SKIPPED):
            m = pattern.match(line)
            if m:
                summaries += 1
                n = int(m.group(1))
                if pattern is CMOCKA_PASSED:
                    passed += n
                elif pattern is CMOCKA_FAILED:
                    failed += n
                else:
                    skipped += n
    status = proc.returncode
    # A hang, a crash or a sanitizer report counts as one more failed test:
    # cmocka's own lines cannot account for it.
    if not note and status < 0:
        note = f"killed by {signal.Signals(-status).name}"
    elif not note and SANITIZER_RE.search(text):
        note = "sanitizer report"
    elif not note and status != 0 and failed == 0:
        note = f"exit status {status}"
    elif not note and summaries == 0:
        note = f"exit status {status}, no cmocka summary"
    if note:
        failed += 1
    label = f"unit  {binary}: {passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else "")
    if failed:
        out.append(f"FAIL  {label}" + (f" ({note})" if note else ""))
        lines = text.splitlines()
        shown = lines[-200:]
        if len(lines) > len(shown):
            out.append(f"      | ... ({len(lines) - len(shown)} lines before)")
        out += [f"      | {line}" for line in shown]
    else:
        out.append(f"PASS  {label}")
    return passed, failed, skipped, out


# ---------------------------------------------------------------------------
# test: the command


def part_index() -> dict[str, Path]:
    """Part name -> the scenario file that holds it. Files that do not parse
    are left out here; running them reports why."""
    index: dict[str, Path] = {}
    for path in scenario_files():
        try:
            for part, _ in parse_scenario(path).parts:
                index[part] = path
        except (ScenarioError, OSError):
            pass
    return index


# What a run took, by run name (vmx-guests.bochs), from the last time it
# ran here; the order of the next runs comes from it. A run never seen
# before is taken to be long, so that it starts early, and longer with
# more emulated CPUs: a 4-CPU Bochs run costs about twice a 1-CPU one.
DURATIONS_FILE = "durations.json"
DEFAULT_DURATION = {"bochs": 60.0, "qemu-tcg": 10.0, "qemu-kvm": 10.0}


def expected_duration(job: "Job", durations: dict[str, float]) -> float:
    if job.name in durations:
        return durations[job.name]
    return DEFAULT_DURATION[job.engine] * max(1, job.scenario.plans[job.engine].cpus)


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


def select_scenarios(names: list[str]) -> list[Path]:
    if not names:
        return scenario_files()
    chosen: list[Path] = []
    parts: Optional[dict[str, Path]] = None
    for name in names:
        path = Path(name)
        if path.suffix == ".scn" and path.exists():
            found = path.resolve()
        elif (SCENARIO_DIR / f"{name}.scn").exists():
            found = SCENARIO_DIR / f"{name}.scn"
        else:
            # A part is run by booting the scenario that holds it.
            parts = part_index() if parts is None else parts
            if name not in parts:
                known = ", ".join(p.stem for p in scenario_files())
                raise SystemExit(f"runner.py: no scenario or part '{name}' (scenarios: {known})")
            found = parts[name]
            print(f"{name} is a part of {found.stem}: running {found.stem}", flush=True)
        if found not in chosen:
            chosen.append(found)
    return chosen


def cmd_list() -> int:
    for path in scenario_files():
        try:
            s = parse_scenario(path)
            print(f"{s.name:<22} {' '.join(s.engines):<18} {s.description}")
            for part, what in s.parts:
                print(f"  {part:<20} {'(part)':<18} {what}")
        except ScenarioError as e:
            print(f"{path.stem:<22} {'(invalid)':<18} {e}")
    return 0


def cmd_test(args: argparse.Namespace) -> int:
    if args.list:
        return cmd_list()
    console = Console()
    build = Path(args.build).resolve()
    keep_going = args.keep_going or os.environ.get("HV_KEEP_GOING", "") not in ("", "0")
    passed = failed = 0
    skipped: list[str] = []
    not_run = 0
    interrupted = False

    chosen = select_scenarios(args.scenarios)
    lock_build_area(build / "tests.lock", wait=True)
    jobs_at_once = args.jobs or os.cpu_count() or 1
    # The unit binaries are independent and single-threaded: they run
    # side by side, one per core, and still all before the first boot.
    units = args.unit or []
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs_at_once) as pool:
        unit_results = list(pool.map(run_unit, units))
    for binary, (p, f, s, out) in zip(units, unit_results):
        for line in out:
            console.line(line)
        passed += p
        failed += f
        skipped += [f"{binary}: {s} cmocka test(s) skipped"] if s else []

    began = time.monotonic()
    jobs: list[Job] = []
    for path in chosen:
        try:
            scenario = parse_scenario(path)
        except (ScenarioError, OSError) as e:
            console.line(f"FAIL  {path.stem}: {e}")
            failed += 1
            continue
        engines = [e for e in scenario.engines if not args.engine or e in args.engine]
        jobs += [Job(scenario, e) for e in engines]

    vtx_ok, vtx_why = host_vtx()
    runnable: list[Job] = []
    for job in jobs:
        if job.engine == "qemu-kvm" and not vtx_ok:
            print_result(console, Result(job, "skip", [vtx_why]))
            skipped.append(f"{job.name} ({vtx_why})")
        else:
            runnable.append(job)

    if failed and not keep_going:
        not_run = len(runnable)
        runnable = []

    rom: Optional[Path] = None
    if any(j.engine == "bochs" for j in runnable):
        try:
            rom = ensure_bochs_rom(build)
        except SetupError as e:
            for job in [j for j in runnable if j.engine == "bochs"]:
                print_result(console, Result(job, "fail", [str(e)]))
                failed += 1
            runnable = [j for j in runnable if j.engine != "bochs"]

    # Longest first, as the last run timed them: a long run started last
    # would leave the other cores idle while it finishes alone.
    durations = load_durations(build)
    runnable.sort(key=lambda j: (-expected_duration(j, durations), j.name))
    pending: queue.Queue[Job] = queue.Queue()
    for job in runnable:
        pending.put(job)
    results: queue.Queue[Result] = queue.Queue()
    running: set[Job] = set()
    lock = threading.Lock()
    stop = threading.Event()
    halt = threading.Event()

    def worker() -> None:
        while not stop.is_set() and not halt.is_set():
            try:
                job = pending.get_nowait()
            except queue.Empty:
                return
            with lock:
                running.add(job)
            try:
                result = run_job(job, build, rom, args.timeout_scale, stop)
            except Exception as e:  # a runner bug must still end in a verdict
                result = Result(job, "fail", [f"runner error: {type(e).__name__}: {e}"])
            # Set here, not when the main thread reads the result: by then this
            # worker would already have started its next job.
            if result.status == "fail" and not keep_going:
                halt.set()
            with lock:
                running.discard(job)
            results.put(result)

    def tally(r: Result) -> None:
        nonlocal passed, failed, not_run
        print_result(console, r)
        if r.status in ("pass", "fail") and r.seconds:
            durations[r.job.name] = round(r.seconds, 1)
        if r.status == "pass":
            passed += 1
        elif r.status == "fail":
            failed += 1
        else:
            not_run += 1

    count = min(args.jobs or os.cpu_count() or 1, max(len(runnable), 1))
    threads = [threading.Thread(target=worker, daemon=True) for _ in range(count)]
    done = 0
    finished: list[Result] = []
    try:
        for t in threads:
            t.start()
        while any(t.is_alive() for t in threads) or not results.empty():
            try:
                r = results.get(timeout=1.0)
            except queue.Empty:
                with lock:
                    now = time.monotonic()
                    shown = [f"{j.name} {now - j.started:.0f}s" for j in sorted(running, key=lambda j: j.name) if j.started]
                if shown:
                    console.status(f"[{done}/{len(runnable)} done] running: " + ", ".join(shown))
                continue
            done += 1
            finished.append(r)
            tally(r)
    except KeyboardInterrupt:
        interrupted = True
        stop.set()
        console.line("interrupted: stopping the emulators")
        kill_all()
        for t in threads:
            t.join(5)
        while not results.empty():
            r = results.get()
            finished.append(r)
            tally(r)
    finally:
        kill_all()
    not_run += pending.qsize()
    save_durations(build, durations)

    console.clear_status()
    if runnable:
        cpu = sum(r.cpu for r in finished)
        console.line(f"boot scenarios took {time.monotonic() - began:.0f} s on {count} job(s), {cpu:.0f} s of emulator CPU")
    if skipped:
        console.line(f"{len(skipped)} skipped: " + "; ".join(skipped))
    if not_run:
        why = "interrupted" if interrupted else "stopped after the first failure; -k runs everything"
        console.line(f"{not_run} not run ({why})")
    console.line(f"{passed} passed, {failed} failed")
    if interrupted:
        return 130
    return 1 if failed or not_run else 0


# ---------------------------------------------------------------------------
# run: hv on this terminal


def with_interactive(text: str) -> str:
    """The manifest with "interactive = yes" among its global keys, that is,
    before the first [section] line, replacing any interactive key there."""
    out: list[str] = []
    added = False
    for line in text.splitlines():
        stripped = line.strip()
        if not added and stripped.startswith("["):
            out += ["# runner.py run: a person is at the console", "interactive = yes"]
            added = True
        if not added and re.match(r"interactive\s*=", stripped):
            continue
        out.append(line)
    if not added:
        out += ["# runner.py run: a person is at the console", "interactive = yes"]
    return "\n".join(out) + "\n"


def choose_engine(wanted: str) -> tuple[str, str]:
    vtx_ok, why = host_vtx()
    if wanted == "auto":
        return ("qemu-kvm", why) if vtx_ok else ("bochs", why)
    if wanted == "qemu-kvm" and not vtx_ok:
        raise SystemExit(f"runner.py: qemu-kvm cannot run hv here: {why}")
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




def bridge(conn: socket.socket, machine: Machine, deadline: Optional[float]) -> str:
    """Copies COM1 to stdout and stdin to COM1 until the machine stops.
    Returns how the bridge ended: exit, refused or timeout."""
    stdin_fd = sys.stdin.fileno()
    inputs: list = [conn, stdin_fd]  # type: ignore[type-arg]
    partial = b""
    while True:
        readable, _, _ = select.select(inputs, [], [], 0.5)
        if conn in readable:
            data = conn.recv(65536)
            if not data:
                inputs.remove(conn)
            else:
                write_out(data)
                # After a refusal the firmware only goes on to its boot menu
                # and shell, which would keep the run alive for nothing.
                *lines, partial = (partial + data).split(b"\n")
                if any(REFUSAL_RE.match(clean_line(ln.decode(errors="replace"))) for ln in lines):
                    return "refused"
        if stdin_fd in readable:
            data = os.read(stdin_fd, 4096)
            if data:
                conn.sendall(data)
            else:
                inputs.remove(stdin_fd)
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
        files = {"EFI/BOOT/BOOTX64.EFI": build / "BOOTX64.EFI", "hv/hv.elf": build / "hv.elf", "hv/hv.conf": conf}
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
        print(f"runner.py: {e}", file=sys.stderr)
        return 2

    # The runner listens and the emulator connects: no port to guess.
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]
    bochs_log = workdir / "bochs.log"
    spec = MachineSpec(engine, workdir, image, args.cpus, args.memory, ("tcp", f"127.0.0.1:{port}"), bochs_log)
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
                    print(f"runner.py: the emulator never connected to COM1: {note}", file=sys.stderr)
                    return 1
        if interactive:
            saved_mode = console_mode(sys.stdin.fileno())
        deadline = time.monotonic() + args.timeout if args.timeout else None
        how = bridge(conn, machine, deadline)
        conn.close()
    except SetupError as e:
        print(f"runner.py: {e}", file=sys.stderr)
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
        print("\nrunner.py: stopped (Ctrl-C or a signal)", flush=True)
        return 130
    if how == "timeout":
        print(f"\nrunner.py: stopped after --timeout {args.timeout:g}s", flush=True)
        return 1
    if how == "refused":
        print("\nrunner.py: hv refused to start (see above); machine stopped", flush=True)
        return 1
    powered_off, note = machine.how_it_stopped()
    print(f"\nrunner.py: the machine {'powered off' if powered_off else 'stopped'}: {note}", flush=True)
    return 0 if powered_off else 1


# ---------------------------------------------------------------------------


def on_signal(signum: int, frame: object) -> None:
    # SIGTERM and SIGHUP (make killed, terminal closed) take the same path as
    # Ctrl-C, which stops every emulator and restores the terminal.
    raise KeyboardInterrupt


def main() -> int:
    parser = argparse.ArgumentParser(description="hv's test driver (docs/testing.md)")
    parser.add_argument("--build", default=str(REPO / "build"), help="build directory (default: build/)")
    sub = parser.add_subparsers(dest="command", required=True)

    t = sub.add_parser("test", help="unit tests, then boot scenarios")
    t.add_argument("scenarios", nargs="*", metavar="SCENARIO", help="scenario names or .scn files (default: all)")
    t.add_argument("--unit", action="append", metavar="BIN", help="a cmocka test binary to run first")
    t.add_argument("--jobs", "-j", type=int, default=0, help="emulators at once (default: one per core)")
    t.add_argument("--engine", action="append", choices=ENGINES, help="only these engines")
    t.add_argument("--keep-going", "-k", action="store_true", help="run everything after a failure (or HV_KEEP_GOING=1)")
    t.add_argument("--list", action="store_true", help="list the scenarios and stop")
    t.add_argument(
        "--timeout-scale",
        type=float,
        default=float(os.environ.get("HV_TIMEOUT_SCALE", "1")),
        help="multiply every timeout (or HV_TIMEOUT_SCALE), for slow machines",
    )

    r = sub.add_parser("run", help="boot hv with its console on this terminal")
    r.add_argument("--engine", default="auto", choices=("auto",) + ENGINES)
    r.add_argument("--conf", help="manifest (default: boot/default.conf)")
    r.add_argument("--add", action="append", metavar="SRC:DEST", help="a further file for the ESP")
    r.add_argument("--cpus", type=int, default=1)
    r.add_argument("--memory", type=int, default=DEFAULT_MEMORY_MB, help="MiB")
    r.add_argument("--timeout", type=float, default=0, help="stop after this many seconds (default: never)")

    args = parser.parse_args()
    global PDEATHSIG
    PDEATHSIG = pdeathsig_prefix()
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, on_signal)
    try:
        if args.command == "test":
            return cmd_test(args)
        return cmd_run(args)
    finally:
        kill_all()


if __name__ == "__main__":
    sys.exit(main())
