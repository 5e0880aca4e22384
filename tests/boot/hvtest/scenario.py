# SPDX-License-Identifier: MIT
"""Scenario files: each line a directive, read into one Plan per engine
(docs/testing.md, "Scenario files")."""

from __future__ import annotations

import dataclasses
import re
import shlex
from pathlib import Path
from typing import Optional

from hvboot import rel
from hvboot.machines import (
    BOCHS_CPU_MODELS, DEFAULT_BOCHS_CPU, DEFAULT_MEMORY_MB, KERNEL_ENGINE, MAX_IPS, MIN_IPS, SCENARIO_ENGINES,
    firmware_allowance,
)  # fmt: skip

SCENARIO_DIR = Path(__file__).resolve().parents[1] / "scenarios"
# Bochs needs 10-15 s to reach the loader; QEMU about 4 s.
DEFAULT_TIMEOUT = {"bochs": 120.0, "qemu-tcg": 60.0, "qemu-kvm": 60.0, KERNEL_ENGINE: 30.0}


class ScenarioError(Exception):
    """A scenario file that cannot be read; the message starts with FILE:LINE."""


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
    # Bochs' emulated instructions per emulated second (cpu: ips=); 0 leaves
    # Bochs' default, BOCHS_DEFAULT_IPS. Other engines ignore it.
    ips: int = 0
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
    # qemu-kernel: the multiboot image QEMU boots itself, its command line
    # and modules, and the isa-debug-exit status it must end with.
    kernel: str = ""
    kernel_cmdline: str = ""
    kernel_modules: list[str] = dataclasses.field(default_factory=list)
    exit_status: int = 1
    # Which part of the scenario a judging directive belongs to, keyed by
    # (kind, index in its list) or ("capture", name): a failure then names
    # the check it comes from when one boot holds several.
    labels: dict[tuple[str, int | str], str] = dataclasses.field(default_factory=dict)

    def label(self, kind: str, key: int | str) -> str:
        part = self.labels.get((kind, key))
        return f"[{part}] " if part else ""

    def effective_timeout(self, scale: float) -> float:
        # Timeouts are wall seconds for hv's part of a boot; the firmware's
        # waits grow with Bochs' ips, which the runner, not each scenario,
        # allows for (docs/testing.md, "Bochs' clock").
        seconds = self.timeout or DEFAULT_TIMEOUT[self.engine]
        if self.engine == "bochs" and self.ips:
            seconds += firmware_allowance(self.ips)
        return seconds * scale


@dataclasses.dataclass
class Scenario:
    name: str
    path: Path
    description: str
    engines: list[str]
    plans: dict[str, Plan]
    # (name, what it checks) of each `part`, in file order.
    parts: list[tuple[str, str]] = dataclasses.field(default_factory=list)


DIRECTIVE_RE = re.compile(r"(?:(bochs|qemu-tcg|qemu-kvm|qemu-kernel):\s+)?([a-z][a-z0-9-]*)(?:\s+(.*))?$")
CHECK_RE = re.compile(r"(\S+)\s*(==|!=|<=|>=|<|>)\s*(\S+)$")
NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*$")
ATTACK_NAME_RE = re.compile(r"[A-Za-z0-9_-]{1,31}$")
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


# The directives that add one regular expression to a list of the plan.
REGEX_LISTS = {
    "expect": "expects",
    "forbid": "forbids",
    "allow": "allows",
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
    elif name == "ips":
        plan.ips = parse_int(arg, where, "ips", MIN_IPS)
        if plan.ips > MAX_IPS:
            raise ScenarioError(f"{where}: ips must be at most {MAX_IPS}, Bochs' limit")
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
    elif name in REGEX_LISTS:
        getattr(plan, REGEX_LISTS[name]).append(parse_regex(arg, where))
    elif name == "end":
        plan.end = parse_regex(arg, where)
    elif name in ("expect-count", "expect-at-most"):
        count, _, regex = arg.partition(" ")
        what = "the count" if name == "expect-count" else "the bound"
        pair = (parse_int(count, where, what), parse_regex(regex.strip(), where))
        getattr(plan, JUDGING_LISTS[name]).append(pair)
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
    elif name in ("kernel", "kernel-module"):
        if not arg or " " in arg:
            raise ScenarioError(f"{where}: {name} needs one SRC path, as esp-add's")
        if name == "kernel":
            plan.kernel = arg
        else:
            plan.kernel_modules.append(arg)
    elif name == "kernel-cmdline":
        plan.kernel_cmdline = arg
    elif name == "exit-status":
        plan.exit_status = parse_int(arg, where, "exit-status")
        if not plan.exit_status % 2 or plan.exit_status > 255:
            raise ScenarioError(f"{where}: exit-status is (value << 1) | 1, odd and below 256")
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
            bad = [e for e in engines if e not in SCENARIO_ENGINES]
            if bad or not engines:
                raise ScenarioError(f"{where}: engines are {', '.join(SCENARIO_ENGINES)}, not '{arg}'")
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
        for line_engine, directive, arg, where, entry_part in general + specific:
            if directive == "ips" and engine != "bochs":
                # Only Bochs has a clock rate to set: a general line is
                # for it alone, a line for another engine a mistake.
                if line_engine:
                    raise ScenarioError(f"{where}: ips is Bochs' clock rate; {engine} has none")
                continue
            apply_directive(plan, directive, arg, where, entry_part)
        if engine == KERNEL_ENGINE and not plan.kernel:
            raise ScenarioError(f"{rel(path)}: the qemu-kernel engine needs a 'kernel SRC' line")
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


def list_scenarios() -> int:
    for path in scenario_files():
        try:
            s = parse_scenario(path)
            print(f"{s.name:<22} {' '.join(s.engines):<18} {s.description}")
            for part, what in s.parts:
                print(f"  {part:<20} {'(part)':<18} {what}")
        except ScenarioError as e:
            print(f"{path.stem:<22} {'(invalid)':<18} {e}")
    return 0
