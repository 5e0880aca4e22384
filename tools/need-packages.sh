#!/bin/sh
# SPDX-License-Identifier: MIT
#
# tools/need-packages.sh [run|test]
#
# Checks that the Debian packages `make run` (run) or `make test` (test, the
# default) need are installed. Says nothing when they are. Otherwise, as root
# it installs the missing ones; as anyone else it prints the exact command to
# run and fails, since a half-equipped machine gives confusing test failures.

set -eu

# Building hv, its ESP, and driving the emulators (setpriv, from util-linux,
# makes sure no emulator outlives the runner). make test and make bench
# also draw the exit trace (tools/traceplot.py: python3-matplotlib).
base="gnu-efi nasm gcc make binutils mtools dosfstools python3 util-linux"
emulators="qemu-system-x86 ovmf bochs bochsbios bochs-term vgabios"
# The Linux guest's images (make linux, tools/linux/): the kernel package is
# downloaded by apt-get, not installed; busybox and cpio make the initramfs,
# lz4 compresses the vmlinux the ESPs carry. The tests also change a register
# under the initramfs's vector canary with gdb (tools/test_linux.py).
linux="busybox-static cpio gzip lz4"

case ${1:-test} in
run) pkgs="$base $emulators $linux" ;;
test) pkgs="$base $emulators $linux libcmocka-dev clang libclang-rt-14-dev python3-matplotlib gdb" ;;
*)
	echo "usage: $0 [run|test]" >&2
	exit 2
	;;
esac

if ! command -v dpkg-query >/dev/null 2>&1; then
	echo "need-packages.sh: not a Debian system; check by hand for: $pkgs" >&2
	exit 0
fi

missing=
for pkg in $pkgs; do
	status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
	[ "$status" = "install ok installed" ] || missing="$missing $pkg"
done
[ -n "$missing" ] || exit 0

if [ "$(id -u)" -eq 0 ]; then
	echo "need-packages.sh: installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update
	# shellcheck disable=SC2086 # one word per package
	apt-get install -y $missing
else
	echo "need-packages.sh: missing packages:$missing" >&2
	echo "Install them with:" >&2
	echo "  sudo apt-get install -y$missing" >&2
	exit 1
fi
