# SPDX-License-Identifier: MIT
"""hv's boot tests, as tests/boot/runner.py runs them.

  scenario  reading a scenario file (tests/boot/scenarios/*.scn) into a plan
            per engine, and choosing scenarios by name or part
  judge     a run's verdict: expects, forbids, counts, orders, captures and
            checks, COM2, Bochs' log, the attack battery
  esp       the ESP of one run: the manifest and the scenario's changes
  boot      one scenario on one engine: boot, follow the log, type, stop
  unit      one cmocka binary, its results counted
  jobs      `runner.py test`: the unit binaries, then the runs side by side,
            progress, results and the closing line "N passed, N failed"

The machines themselves, the ESP image and the serial log's text are
tools/hvboot's, which `make run` uses too. docs/testing.md describes it all.
"""

import sys
from pathlib import Path

TOOLS = Path(__file__).resolve().parents[3] / "tools"
if str(TOOLS) not in sys.path:
    sys.path.insert(0, str(TOOLS))
