#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""hv's test driver.

  runner.py test [--unit BIN ...] [--jobs N] [-k] [--engine E] [--ips N] [SCENARIO ...]
      Runs the host unit-test binaries, then boots every scenario on every
      engine it names, and ends with the line "N passed, N failed".
  runner.py test --list
      Lists the scenarios.
  runner.py run [--engine auto|bochs|qemu-kvm|qemu-tcg] [--conf FILE]
      Boots hv with a manifest, its serial console on this terminal: the
      same command as tools/run.py, which `make run` calls.

The package hvtest (next to this file) does the testing, tools/hvboot the
machines. docs/testing.md describes the scenario format, the engines and
the logs.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.dont_write_bytecode = True

from hvtest import jobs  # noqa: E402  (puts tools/ on the path too)
from hvboot import add_build_option, console, machines  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description="hv's test driver (docs/testing.md)")
    add_build_option(parser)
    sub = parser.add_subparsers(dest="command", required=True)

    t = sub.add_parser("test", help="unit tests, then boot scenarios")
    t.add_argument("scenarios", nargs="*", metavar="SCENARIO", help="scenario names or .scn files (default: all)")
    t.add_argument("--unit", action="append", metavar="BIN", help="a cmocka test binary to run first")
    t.add_argument("--host", action="append", metavar="NAME=COMMAND",
                   help="a host command that boots a machine itself, run among the boots as one test")
    t.add_argument("--jobs", "-j", type=int, default=0, help="emulators at once (default: one per core)")
    t.add_argument("--engine", action="append", choices=machines.SCENARIO_ENGINES, help="only these engines")
    t.add_argument("--keep-going", "-k", action="store_true", help="run everything after a failure (or HV_KEEP_GOING=1)")
    t.add_argument("--list", action="store_true", help="list the scenarios and stop")
    t.add_argument(
        "--timeout-scale",
        type=float,
        default=float(os.environ.get("HV_TIMEOUT_SCALE", "1")),
        help="multiply every timeout (or HV_TIMEOUT_SCALE), for slow machines",
    )
    t.add_argument(
        "--ips",
        type=machines.ips_option,
        default=0,
        help="Bochs' emulated instructions per second for every Bochs run, over the scenarios' own",
    )
    t.set_defaults(func=jobs.cmd_test)

    r = sub.add_parser("run", help="boot hv with its console on this terminal")
    console.add_arguments(r)
    r.set_defaults(func=console.cmd_run)

    args = parser.parse_args()
    return machines.run_guarded(args.func, args)


if __name__ == "__main__":
    sys.exit(main())
