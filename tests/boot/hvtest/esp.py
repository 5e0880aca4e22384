# SPDX-License-Identifier: MIT
"""The files of one run's ESP: hv, the scenario's manifest, its esp-add
files, and its esp-omit and esp-corrupt changes, made on copies."""

from __future__ import annotations

from pathlib import Path

from hvboot import DEFAULT_MANIFEST, REPO, SetupError, need_file
from hvboot.esp import hv_files, resolve_src

from .scenario import Plan

def manifest_text(plan: Plan) -> str:
    kind, value = plan.manifest
    if kind == "text":
        return value
    path = DEFAULT_MANIFEST if kind == "default" else REPO / value
    need_file(path, "the scenario's manifest")
    return path.read_text()



def stage_esp(plan: Plan, build: Path, workdir: Path) -> dict[str, Path]:
    conf = workdir / "hv.conf"
    conf.write_text(manifest_text(plan))
    files: dict[str, tuple[str, Path]] = {}

    def put(dest: str, src: Path) -> None:
        files[dest.lower()] = (dest, src)

    for dest, src in hv_files(build, conf).items():
        put(dest, src)
    for src, dest in plan.esp_add:
        put(dest, resolve_src(src, build))
    for dest, src in files.values():
        if src != conf:
            need_file(src, f"for {dest} on the ESP; 'make all' builds it")

    staged = workdir / "esp"
    for change in plan.esp_changes:
        key = change.dest.lower()
        if change.action == "omit":
            if files.pop(key, None) is None:
                raise SetupError(f"{change.where}: esp-omit: {change.dest} is not on the ESP")
            continue
        copy = staged / change.dest
        copy.parent.mkdir(parents=True, exist_ok=True)
        if change.action in ("text", "hex"):
            copy.write_bytes(change.data)
            put(change.dest, copy)
            continue
        if key not in files:
            raise SetupError(f"{change.where}: esp-corrupt: {change.dest} is not on the ESP")
        data = bytearray(files[key][1].read_bytes())
        if change.action == "truncate":
            data = data[: change.size]
        else:
            end = change.offset + len(change.data)
            if end > len(data):
                raise SetupError(f"{change.where}: patch ends at {end}, past the end of {change.dest} ({len(data)} bytes)")
            data[change.offset : end] = change.data
        copy.write_bytes(bytes(data))
        put(change.dest, copy)
    return {dest: src for dest, src in files.values()}

