#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""`make run` with a person at a terminal, as under tmux: `make test` runs it.

  python3 tests/boot/test_make_run.py

Runs `make run` on a pseudo-terminal, so that tools/run.py finds a
terminal, adds `interactive = yes` and bridges the keys. Then, as a person
would: waits for pm's prompt after the default manifest's script (which
must not power off; its commands typed at the Linux shell come first),
attaches to the Linux child, runs a command in its busybox shell and sees
the shell's answer, detaches with Ctrl-], attaches to the echo child,
types a line and sees it come back, detaches, checks with `list` that pm
holds the console again, and powers off with `shutdown`. What was typed
for one partition must show up in no other's lines. One Bochs boot with
Linux in it: some 6 to 10 minutes on a busy 2-core machine.
"""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import sys
import time
import unittest
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TIMEOUT = 1800.0


class Terminal:
    """The master side of the pseudo-terminal `make run` runs on."""

    def __init__(self) -> None:
        self.master, slave = pty.openpty()
        self.proc = subprocess.Popen(["make", "-s", "run"], cwd=REPO,
                                     stdin=slave, stdout=slave, stderr=slave,
                                     start_new_session=True)
        os.close(slave)
        self.seen = ""
        self.at = 0  # what expect has looked at already
        self.deadline = time.monotonic() + TIMEOUT

    def expect(self, pattern: str) -> str:
        """Waits for a line matching pattern, after the last one matched."""
        regex = re.compile(pattern, re.M)
        while True:
            m = regex.search(self.seen, self.at)
            if m:
                self.at = m.end()
                return m.group(0)
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no {pattern!r} in time; the end:\n"
                                     f"{self.seen[-3000:]}")
            ready, _, _ = select.select([self.master], [], [], min(left, 1))
            if ready:
                try:
                    data = os.read(self.master, 65536)
                except OSError:  # the other side has closed
                    data = b""
                if not data and self.proc.poll() is not None:
                    raise AssertionError(f"make run ended before {pattern!r}:"
                                         f"\n{self.seen[-3000:]}")
                self.seen += data.decode(errors="replace").replace("\r", "")

    def type(self, keys: bytes) -> None:
        os.write(self.master, keys)

    def close(self) -> int:
        try:
            return self.proc.wait(timeout=60)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
            os.close(self.master)


class MakeRunOnATerminal(unittest.TestCase):
    def test_a_person_attaches_types_detaches_and_shuts_down(self) -> None:
        t = Terminal()
        try:
            t.expect(r"^hv: manifest: .*, interactive$")
            t.expect(r"^\[parent\] pm: a person is at the console: the "
                     r"script's final shutdown is theirs to type$")
            t.expect(r"^\[parent\] pm: \"console NAME\" types at a "
                     r"partition's console.* echo linux$")
            t.expect(r"^\[parent\] pm: for example \"console linux\"$")
            t.expect(r"^\[parent\] pm: reading commands from the console$")
            # The shell, not an echo, answers: it does the arithmetic.
            t.type(b"console linux\r")
            t.expect(r"^\[parent\] pm: the console's input goes to linux; "
                     r"Ctrl-\] comes back to pm$")
            t.type(b"echo shell-says-$((6*7))\r")
            # The shell's echo follows its prompt on one line, with
            # nothing between: hv drops the shell's cursor query (ESC [6n).
            t.expect(r"^\[linux\] \S* # echo shell-says-\$\(\(6\*7\)\)$")
            t.expect(r"^\[linux\] shell-says-42$")
            t.type(b"\x1d")
            t.expect(r"^\[parent\] pm: the console is back at pm$")
            t.type(b"console echo\r")
            t.expect(r"^\[parent\] pm: the console's input goes to echo; "
                     r"Ctrl-\] comes back to pm$")
            t.type(b"typed by a person\r")
            t.expect(r"^\[echo\] echo: line 1: typed by a person$")
            t.type(b"\x1d")
            t.expect(r"^\[parent\] pm: the console is back at pm$")
            t.type(b"list\r")
            t.expect(r"^\[parent\] pm> list$")
            t.expect(r"^\[parent\] pm: +[0-9]+ linux +running ")
            t.expect(r"^\[parent\] pm: the console's input goes to parent$")
            t.type(b"shutdown\r")
            t.expect(r"^hv: power off")
            t.expect(r"the machine powered off")
        finally:
            status = t.close()
        self.assertEqual(status, 0, t.seen[-2000:])
        # What was typed for one partition reached it alone: pm ran
        # neither line, echo never saw the shell's, Linux never saw echo's.
        self.assertNotIn("pm> typed by a person", t.seen)
        self.assertNotIn("pm> echo shell-says", t.seen)
        self.assertEqual(t.seen.count("typed by a person"), 1)
        self.assertEqual(re.findall(r"^\[(\S+)\] .*shell-says", t.seen, re.M), ["linux", "linux"])


if __name__ == "__main__":
    unittest.main()
