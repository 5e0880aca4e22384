#!/bin/sh
# SPDX-License-Identifier: MIT
#
# tools/linux/fetch-kernel.sh OUT_VMLINUZ
#
# Writes Debian's stock kernel (the bzImage) to OUT_VMLINUZ, from the
# package that linux-image-amd64 depends on today. The package is
# downloaded (apt-get download: nothing is installed) into the cache
# directory, $HV_LINUX_CACHE or build/linux/deb, and a second build finds
# it there. OUT_VMLINUZ is rewritten only when its bytes change, so make
# rebuilds what depends on it only after a new kernel. The version is
# printed, since no test may depend on it but a person reading a log may.

set -eu

out=${1:?usage: fetch-kernel.sh OUT_VMLINUZ}
cache=${HV_LINUX_CACHE:-$(dirname "$out")/deb}
meta=linux-image-amd64

say() { echo "linux: $*"; }
die() {
	echo "fetch-kernel.sh: $*" >&2
	exit 1
}

# The kernel package linux-image-amd64 depends on, e.g.
# linux-image-6.1.0-57-amd64 (empty when apt knows no such package).
resolve() {
	apt-cache depends "$meta" 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*\)$/\1/p' | head -n 1
}

newest_cached() {
	# shellcheck disable=SC2012 # our own file names: no odd characters
	ls -t "$cache"/linux-image-[0-9]*_*.deb 2>/dev/null | head -n 1
}

command -v dpkg-deb >/dev/null 2>&1 || die "needs dpkg-deb (a Debian system)"

pkg=$(resolve || true)
if [ -z "$pkg" ] && [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
	# A fresh machine may have no package lists yet.
	say "apt knows no $meta; running apt-get update"
	apt-get update >/dev/null || true
	pkg=$(resolve || true)
fi

deb=
if [ -n "$pkg" ]; then
	version=$(apt-cache policy "$pkg" 2>/dev/null | sed -n 's/^ *Candidate: //p')
	[ -n "$version" ] && [ "$version" != "(none)" ] || die "apt has no candidate version of $pkg"
	say "$meta depends on $pkg, version $version"
	# Debian's file names escape an epoch's colon; kernels have none, but
	# match loosely all the same.
	deb=$(ls "$cache/${pkg}_"*"_amd64.deb" 2>/dev/null | grep -F "_$(echo "$version" | sed 's/:/%3a/')_" | head -n 1 || true)
	if [ -z "$deb" ]; then
		mkdir -p "$cache"
		say "downloading $pkg $version into $cache"
		# apt-get download writes into the current directory.
		(cd "$cache" && apt-get download -q "$pkg=$version") || die "apt-get download $pkg=$version failed"
		deb=$(ls "$cache/${pkg}_"*"_amd64.deb" 2>/dev/null | head -n 1)
		[ -n "$deb" ] || die "apt-get download left no ${pkg}_*.deb in $cache"
	else
		say "using the cached $deb"
	fi
else
	# Offline and with no package lists: a kernel downloaded before still
	# does, said loudly, since it may not be what apt would pick today.
	deb=$(newest_cached)
	[ -n "$deb" ] || die "apt knows no $meta (run apt-get update) and $cache has no kernel package"
	say "apt knows no $meta: using the newest cached package $deb"
fi

# Unpacking the package takes some 10 s (its data is XZ); a note of which
# package OUT came from lets a second build skip that.
from=$out.from
if [ -f "$out" ] && [ -f "$from" ] && [ "$(cat "$from")" = "$(basename "$deb")" ]; then
	say "$out is up to date"
	exit 0
fi

tmp=$out.tmp$$
trap 'rm -f "$tmp"' EXIT
mkdir -p "$(dirname "$out")"
# Only the bzImage: the package's modules are some 400 MB unpacked.
dpkg-deb --fsys-tarfile "$deb" | tar -xO --wildcards './boot/vmlinuz-*' >"$tmp" ||
	die "$deb holds no ./boot/vmlinuz-*"
[ -s "$tmp" ] || die "$deb holds no ./boot/vmlinuz-*"
if [ -f "$out" ] && cmp -s "$tmp" "$out"; then
	say "$out is up to date"
else
	mv "$tmp" "$out"
	say "wrote $out ($(wc -c <"$out") bytes) from $(basename "$deb")"
fi
basename "$deb" >"$from"
