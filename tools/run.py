#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""`make run`: boots hv with a manifest, its serial console on this terminal.

  run.py [--build DIR] [--engine auto|bochs|qemu-kvm|qemu-tcg] [--conf FILE]
         [--add SRC:DEST ...] [--cpus N] [--memory MB] [--timeout S]

`tests/boot/runner.py run` is the same command. docs/testing.md describes it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.dont_write_bytecode = True

from hvboot import add_build_option, console, machines  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description="boot hv with its console on this terminal (docs/testing.md)")
    add_build_option(parser)
    console.add_arguments(parser)
    return machines.run_guarded(console.cmd_run, parser.parse_args())


if __name__ == "__main__":
    sys.exit(main())
