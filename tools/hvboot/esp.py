# SPDX-License-Identifier: MIT
"""The ESP a machine boots: tools/mkesp.sh makes it, as it makes `make`'s
build/esp.img, from host files named by their paths on the ESP."""

from __future__ import annotations

import os
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



ESP_MB_DEFAULT = 64


def esp_mb(files: dict[str, Path]) -> int:
    """The ESP's size in MiB: mkesp.sh's 64 unless the files need more
    (a Linux kernel and initrd do): their size, a quarter more for FAT's
    clusters and tables, and 16 MiB of room."""
    total = sum(src.stat().st_size for src in files.values() if src.is_file())
    need = (total * 5 // 4 >> 20) + 16
    return max(ESP_MB_DEFAULT, need)


def esp_env(files: dict[str, Path]) -> dict[str, str]:
    env = dict(os.environ)
    if "HV_ESP_MB" not in env:
        env["HV_ESP_MB"] = str(esp_mb(files))
    return env


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
    result = subprocess.run(argv, capture_output=True, text=True, env=esp_env(files))
    if result.returncode != 0:
        raise SetupError("mkesp.sh failed: " + (result.stderr.strip() or f"status {result.returncode}"))

