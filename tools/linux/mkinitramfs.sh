#!/bin/sh
# SPDX-License-Identifier: MIT
#
# tools/linux/mkinitramfs.sh OUT.cpio.gz [BUSYBOX]
#
# Builds hv's Linux test initramfs: Debian's static busybox with every
# applet linked, hvtool (tools/linux/hvtool.c, for the TSC and a console
# drain), and tools/linux/init as /init. A cpio "newc" archive, gzipped.
# No root needed. The archive is reproducible: fixed times, owner root,
# files in sorted order. docs/linux.md describes what /init does.

set -eu

out=${1:?usage: mkinitramfs.sh OUT.cpio.gz [BUSYBOX]}
busybox=${2:-/bin/busybox}
here=$(cd "$(dirname "$0")" && pwd)
CC=${CC:-gcc}

die() {
	echo "mkinitramfs.sh: $*" >&2
	exit 1
}

[ -x "$busybox" ] || die "$busybox missing: install Debian's busybox-static"
# A dynamic busybox would need a C library the archive does not hold.
if command -v file >/dev/null 2>&1 && ! file -L "$busybox" | grep -q 'statically linked'; then
	die "$busybox is not statically linked: install busybox-static"
fi
command -v cpio >/dev/null 2>&1 || die "cpio missing: install Debian's cpio"

case $out in /*) ;; *) out=$PWD/$out ;; esac
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$work/root
mkdir -p "$root/bin" "$root/sbin" "$root/usr/bin" "$root/usr/sbin" \
	"$root/proc" "$root/sys" "$root/dev" "$root/tmp" "$root/mnt" "$root/etc"
cp "$busybox" "$root/bin/busybox"
# Each applet where busybox would install it, as a link to /bin/busybox.
"$busybox" --list-full | while read -r applet; do
	case $applet in bin/busybox | "") continue ;; esac
	[ -e "$root/$applet" ] || ln -s /bin/busybox "$root/$applet"
done
[ -e "$root/bin/sh" ] || die "$busybox has no sh applet"

$CC -O2 -static -nostdlib -fno-stack-protector -fno-pie -no-pie -mgeneral-regs-only \
	-ffreestanding -fno-tree-loop-distribute-patterns \
	-Wall -Wextra -Werror -o "$root/bin/hvtool" "$here/hvtool.c"
cp "$here/init" "$root/init"
chmod 755 "$root/init" "$root/bin/hvtool"

# Reproducible: every time the same, and sorted names.
find "$root" -exec touch -h -d @0 {} +
mkdir -p "$(dirname "$out")"
tmp=$out.tmp$$
(cd "$root" && find . -mindepth 1 | LC_ALL=C sort |
	cpio -o -H newc --quiet --owner 0:0 --reproducible) | gzip -9 -n >"$tmp"
mv "$tmp" "$out"
echo "linux: wrote $out ($(wc -c <"$out") bytes)"
