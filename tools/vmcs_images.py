#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Extracts the VMCS images hv recorded from boot logs.

  vmcs_images.py --out DIR LOG ...

With `entry_record = yes` in its manifest, hv prints the VMCS of each
vCPU's first entries (docs/vmcheck.md) as lines

  hv: vmcs-record PARTITION/VCPU/POINT: TEXT

whose TEXTs, in order, are the image's text form (vmcheck-image 1 ...
end). Each image goes to DIR/SCENARIO-PARTITION-VCPU-POINT.vmcs, SCENARIO
being the log's name up to its first dot. An image without its end line,
lines of one image after its end, or two images for one name are errors.
`make vmcs-images` runs this on tests/boot/scenarios/vmcheck.scn's log;
tests/unit/test_vmcheck.c then checks that the checker accepts them all.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

RECORD = re.compile(r"^hv: vmcs-record ([A-Za-z0-9_-]+)/([0-9]+)/([a-z0-9]+): (.*)$")
ESCAPES = re.compile(r"\x1b\[[0-9;=?]*[A-Za-z]|\r")


class ImageError(Exception):
    """A log whose records do not make whole images."""


def images(lines: list[str]) -> dict[tuple[str, str, str], list[str]]:
    """The images in a log's lines, by (partition, vcpu, point)."""
    open_: dict[tuple[str, str, str], list[str]] = {}
    done: dict[tuple[str, str, str], list[str]] = {}
    for n, raw in enumerate(lines, 1):
        m = RECORD.match(ESCAPES.sub("", raw).rstrip("\n"))
        if not m:
            continue
        key = (m.group(1), m.group(2), m.group(3))
        text = m.group(4)
        if key in done:
            raise ImageError(f"line {n}: {'/'.join(key)}: recorded twice")
        if key not in open_:
            if text != "vmcheck-image 1":
                raise ImageError(
                    f"line {n}: {'/'.join(key)}: starts with {text!r}")
            open_[key] = []
        open_[key].append(text)
        if text == "end":
            done[key] = open_.pop(key)
    if open_:
        raise ImageError("no end line for " +
                         ", ".join("/".join(k) for k in sorted(open_)))
    return done


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True, help="directory for the images")
    ap.add_argument("logs", nargs="+", help="serial logs of boot scenarios")
    args = ap.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    total = 0
    for log in args.logs:
        path = Path(log)
        scenario = path.name.split(".")[0]
        try:
            found = images(path.read_text(errors="replace").splitlines())
        except (OSError, ImageError) as e:
            print(f"vmcs_images: {log}: {e}", file=sys.stderr)
            return 1
        for (part, vcpu, point), text in sorted(found.items()):
            name = f"{scenario}-{part}-{vcpu}-{point}.vmcs"
            (out / name).write_text("\n".join(text) + "\n")
            total += 1
        print(f"vmcs_images: {log}: {len(found)} image(s)")
    if not total:
        print("vmcs_images: no image recorded: is entry_record = yes?",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
