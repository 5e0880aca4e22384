# SPDX-License-Identifier: MIT
"""The ESP a machine boots: tools/mkesp.sh makes it, as it makes `make`'s
build/esp.img, from host files named by their paths on the ESP."""

from __future__ import annotations

import subprocess
from pathlib import Path

from . import REPO, SetupError

MKESP = REPO / "tools" / "mkesp.sh"


def hv_files(build: Path, conf: Path) -> dict[str, Path]:
    """The three files every ESP of hv holds: the loader, the core, the
    manifest."""
    return {"EFI/BOOT/BOOTX64.EFI": build / "BOOTX64.EFI", "hv/hv.elf": build / "hv.elf", "hv/hv.conf": conf}


def resolve_src(src: str, build: Path) -> Path:
    # "build/..." names the build directory, which --build may move.
    if src.startswith("build/"):
        return build / src[len("build/") :]
    path = Path(src)
    return path if path.is_absolute() else REPO / path



def make_esp(out: Path, files: dict[str, Path]) -> None:
    """files maps ESP paths to host files; mkesp.sh takes the fixed three by
    position ("-" leaves one out) and the rest as SRC:DEST."""
    fixed = ["EFI/BOOT/BOOTX64.EFI", "hv/hv.elf", "hv/hv.conf"]
    by_key = {dest.lower(): (dest, src) for dest, src in files.items()}
    argv = [str(MKESP), str(out)]
    for dest in fixed:
        entry = by_key.pop(dest.lower(), None)
        argv.append(str(entry[1]) if entry else "-")
    for dest, src in by_key.values():
        if ":" in str(src):
            raise SetupError(f"mkesp.sh cannot take a source path with ':': {src}")
        argv.append(f"{src}:{dest}")
    result = subprocess.run(argv, capture_output=True, text=True)
    if result.returncode != 0:
        raise SetupError("mkesp.sh failed: " + (result.stderr.strip() or f"status {result.returncode}"))

