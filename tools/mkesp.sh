#!/bin/sh
# SPDX-License-Identifier: MIT
#
# mkesp.sh OUT.img EFI HV_ELF HV_CONF [SRC:DEST ...]
#
# Makes the EFI system partition hv boots from, as a raw FAT32 file system
# with no partition table: OVMF accepts such a "superfloppy" under both Bochs
# and QEMU. Only mkfs.vfat and mtools are used, so no root and no loop device.
#
#   EFI      -> EFI/BOOT/BOOTX64.EFI   (the loader)
#   HV_ELF   -> hv/hv.elf              (the core)
#   HV_CONF  -> hv/hv.conf             (the manifest)
#   SRC:DEST -> DEST                   (any further file, e.g. a guest image)
#
# Any of EFI, HV_ELF, HV_CONF may be "-" to leave that file out, which is how
# the boot tests check the loader's answer to a missing file. A missing input
# is an error, never silently skipped.
#
# HV_ESP_MB sets the size. The default is 64 MiB (FAT32 needs at least
# 33 MiB), or more when the files need it (a Linux kernel and initrd do):
# their size, a quarter more for FAT's clusters and tables, and 16 MiB of
# room, as tools/hvboot/esp.py reckons it.

set -eu

usage() {
	echo "usage: $0 OUT.img EFI|- HV_ELF|- HV_CONF|- [SRC:DEST ...]" >&2
	exit 2
}

[ $# -ge 4 ] || usage
out=$1
efi=$2
elf=$3
conf=$4
shift 4

for tool in mkfs.vfat mmd mcopy; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "mkesp.sh: $tool not found (install dosfstools and mtools:" \
			"tools/need-packages.sh)" >&2
		exit 1
	fi
done

# Check every input before touching OUT, so a failure names all the missing
# files at once and leaves no half-made image behind.
missing=0
need() {
	if [ ! -f "$1" ]; then
		echo "mkesp.sh: missing input: $1 (for $2)" >&2
		missing=1
	fi
}
[ "$efi" = - ] || need "$efi" EFI/BOOT/BOOTX64.EFI
[ "$elf" = - ] || need "$elf" hv/hv.elf
[ "$conf" = - ] || need "$conf" hv/hv.conf
for pair in "$@"; do
	case $pair in
	?*:?*) need "${pair%%:*}" "${pair#*:}" ;;
	*)
		echo "mkesp.sh: '$pair' is not SRC:DEST" >&2
		missing=1
		;;
	esac
done
[ $missing -eq 0 ] || exit 1

total=0
for f in "$efi" "$elf" "$conf"; do
	[ "$f" = - ] || total=$((total + $(wc -c <"$f")))
done
for pair in "$@"; do
	total=$((total + $(wc -c <"${pair%%:*}")))
done
need_mb=$((total * 5 / 4 / 1048576 + 16))
[ $need_mb -gt 64 ] || need_mb=64
size_mb=${HV_ESP_MB:-$need_mb}
tmp=$out.tmp.$$
trap 'rm -f "$tmp"' EXIT INT TERM

rm -f "$tmp"
mkdir -p "$(dirname "$out")"
# A sparse file: the image costs only the blocks FAT actually writes.
truncate -s "${size_mb}M" "$tmp"
mkfs.vfat -F 32 -n HV-ESP "$tmp" >/dev/null

# mtools refuses images whose geometry it cannot check against a drive
# description; there is no drive here, only a file.
MTOOLS_SKIP_CHECK=1
export MTOOLS_SKIP_CHECK

# Directories already made, so that mmd is never asked twice for one.
made=" "
mkparents() {
	dir=$(dirname "$1")
	[ "$dir" != . ] || return 0
	path=
	old_ifs=$IFS
	IFS=/
	for part in $dir; do
		path=${path:+$path/}$part
		case $made in
		*" $path "*) ;;
		*)
			mmd -i "$tmp" "::/$path"
			made="$made$path "
			;;
		esac
	done
	IFS=$old_ifs
}

put() {
	mkparents "$2"
	mcopy -i "$tmp" -o "$1" "::/$2"
}

mkparents EFI/BOOT/x
mkparents hv/x
[ "$efi" = - ] || put "$efi" EFI/BOOT/BOOTX64.EFI
[ "$elf" = - ] || put "$elf" hv/hv.elf
[ "$conf" = - ] || put "$conf" hv/hv.conf
for pair in "$@"; do
	put "${pair%%:*}" "${pair#*:}"
done

mv -f "$tmp" "$out"
trap - EXIT INT TERM
