# SPDX-License-Identifier: MIT
"""A run's verdict: every reason its serial log, COM2 or Bochs' log fails
the plan, or none (docs/testing.md, "Judging")."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from hvboot.serial import log_lines

from .scenario import NUMBER_RE, Check, Plan

HV_LINE_RE = re.compile(r"^hv: ")
TEST_LINE_RE = re.compile(r"^(\[[^\]]*\] )?TEST ")
# Forbidden by default, case-sensitively, in hv's and TEST lines only: so a
# firmware message or a guest that crashes on purpose cannot fail a run. The
# word boundaries keep "TEST panic_on_bad_gpa: PASS" out.
DEFAULT_FORBIDS = {"FAIL": re.compile(r"\bFAIL"), "panic": re.compile(r"\bpanic\b")}
PANIC_RE = re.compile(r"hv: panic: ")
PANIC_GRACE_SECONDS = 3.0
BATTERY_RE = re.compile(r"battery: (\d+) attacks, (\d+) contained, (\d+) escaped$")
# hv's VM-entry check (docs/vmcheck.md): an entry it refused fails any run
# whose scenario does not allow the refusal by name; its closing count is
# summed over the runs (jobs.py).
VMCHECK_REFUSED_RE = re.compile(r"^hv: vmcheck: .*VM entry refused")
VMCHECK_TOTAL_RE = re.compile(
    r"^hv: vmcheck: (\d+) VM entries checked against (\d+) rules: (\d+) refused")


def vmcheck_counts(lines: list[str]) -> tuple[int, int, int] | None:
    """The entries checked, the rules and the entries refused, from hv's
    final report, or None if the run printed none (no check ran)."""
    for line in reversed(lines):
        m = VMCHECK_TOTAL_RE.search(line)
        if m:
            return int(m.group(1)), int(m.group(2)), int(m.group(3))
    return None


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
        elif not ending.powered_off and plan.engine == "qemu-kernel":
            reasons.append(f"the kernel did not end through isa-debug-exit with status {plan.exit_status}: {ending.note}")
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
        else:
            if VMCHECK_REFUSED_RE.search(line):
                reasons.append(f"line {n + 1}: the VM-entry check refused an entry: {line}")
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

