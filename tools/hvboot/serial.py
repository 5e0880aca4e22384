# SPDX-License-Identifier: MIT
"""The text of a serial log, as the checks and the console read it."""

from __future__ import annotations

import re
from pathlib import Path

# Firmware draws its menus with ANSI sequences, also on the serial line; they
# would otherwise sit in front of the first characters of a line.
ANSI_RE = re.compile(r"\x1b\[[0-9;?=]*[ -/]*[@-~]|\x1b[@-Z\\-_]")
CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
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

