# SPDX-License-Identifier: MIT
"""A host unit-test binary (cmocka, with ASan and UBSan) run and counted
test by test (docs/testing.md, "Unit tests")."""

from __future__ import annotations

import os
import re
import signal
import subprocess
from pathlib import Path

from hvboot.machines import kill_group, spawn

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
