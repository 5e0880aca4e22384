# SPDX-License-Identifier: MIT
"""Booting hv in an emulator, for `make run` (tools/run.py) and for the
boot tests (tests/boot/runner.py, whose package hvtest judges the runs).

  serial    the text of a serial log: escape sequences out, whole lines only
  machines  Bochs and QEMU: firmware, command lines, process groups, the
            host's VT-x, and how a machine stopped
  esp       the ESP image, made by tools/mkesp.sh (which `make` uses too)
  console   `make run`: the serial console bridged to this terminal

docs/testing.md describes what these do.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DEFAULT_MANIFEST = REPO / "boot" / "default.conf"


class SetupError(Exception):
    """A run could not be set up: a missing artefact, tool or firmware file."""


def rel(path: Path) -> str:
    """A path as the user would type it from the top of the repository."""
    try:
        return str(path.resolve().relative_to(REPO))
    except ValueError:
        return str(path)


def prog() -> str:
    """The command's name for its messages: runner.py, or run.py."""
    return os.path.basename(sys.argv[0]) or "runner.py"


def need_tool(name: str, package: str) -> None:
    if not shutil.which(name):
        raise SetupError(f"{name} is not installed (package {package}; tools/need-packages.sh installs it)")


def need_file(path: Path, why: str) -> None:
    if not path.is_file():
        raise SetupError(f"missing {rel(path)} ({why})")


def add_build_option(parser) -> None:  # type: ignore[no-untyped-def]
    parser.add_argument("--build", default=str(REPO / "build"), help="build directory (default: build/)")
