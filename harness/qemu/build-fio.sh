#!/usr/bin/env bash
# build-fio.sh - fio for the arm64 guest: Debian 12's own fio source package (bookworm's 3.33,
# with Debian's patches) cross-built static with aarch64-linux-gnu-gcc and no optional engines
# (psync needs none), so it fits the busybox initramfs (Debian's arm64 binary package links
# librados, librbd, libgfapi, libnbd, rdma: tens of MB). Usage: build-fio.sh [OUT=build/qemu].
# Result OUT/fio/fio (stripped); cached by the .dsc's version and this script, so the source is
# fetched (private APT configuration with one deb-src line) and built once.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$(mkdir -p "${1:-build/qemu}/fio" && cd "${1:-build/qemu}/fio" && pwd)
cc=${AARCH64_CC:-aarch64-linux-gnu-gcc}

"$here/deps.sh"
key="$(sha256sum "$0" | cut -c1-16)"
if [ -x "$out/fio" ] && [ -e "$out/key" ] && [ "$(cat "$out/key")" = "$key $(ls "$out"/src/*.dsc 2>/dev/null)" ]; then
	exit 0
fi
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
[ -r "$keyring" ] || { echo "build-fio: $keyring missing (package debian-archive-keyring)" >&2; exit 3; }
# The Debian archive this machine already uses (first source whose path ends in /debian).
uri=$( (grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}' || true
	grep -hs '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list |
		sed 's/\[[^]]*\]//' | awk '{print $2}' || true) | grep -E '/debian/?$' | head -n1 || true)
[ -n "$uri" ] || { echo "build-fio: no Debian archive in this machine's APT sources" >&2; exit 3; }

mkdir -p "$out/apt/sources" "$out/src"
if ! ls "$out"/src/fio_3.33*.dsc >/dev/null 2>&1; then
	echo "deb-src [signed-by=$keyring] $uri bookworm main" >"$out/apt/sources/src.list"
	# shellcheck source=../../ci/private-apt.sh
	. "$here/../../ci/private-apt.sh"
	private_apt "$out/apt" amd64 "$out/apt/sources/src.list" "$out/apt/sources/none"
	echo "build-fio: apt-get update (private deb-src state in $out/apt)" >&2
	apt-get update -qq
	echo "build-fio: downloading Debian's fio source package (bookworm)" >&2
	(cd "$out/src" && apt-get source --download-only -qq fio)
	unset APT_CONFIG
fi
dsc=$(ls "$out"/src/fio_*.dsc | head -n1)
tree=$out/src/tree
rm -rf "$tree"
echo "build-fio: unpacking $(basename "$dsc") (with Debian's patches)" >&2
# --no-check: no keyring for the uploader's .dsc signature here; apt has already checked every
# file of the source package against the archive's signed Release (signed-by above).
dpkg-source --no-check -x "$dsc" "$tree" >"$out/build.log" 2>&1
# Every optional engine and library off: the cross sysroot has only libc, and the guest
# needs psync alone; --build-static links glibc in (no loader or .so in the initramfs);
# --disable-shm: the guest kernel has no System V IPC (tinyconfig), so fio keeps its job table
# in malloc'd memory and runs jobs as threads of one process (numjobs=2 is one pid to bound).
echo "build-fio: configure and make (static aarch64, log in $out/build.log)" >&2
(cd "$tree" && ./configure --cc="$cc" --build-static --disable-native --disable-numa \
	--disable-rdma --disable-rados --disable-rbd --disable-http --disable-gfapi \
	--disable-pmem --disable-xnvme --disable-libzbc --disable-tcmalloc --disable-dfs --disable-shm &&
	make -j"$(nproc)" fio) >>"$out/build.log" 2>&1 ||
	{ echo "build-fio: build failed; last lines of $out/build.log:" >&2; tail -n 20 "$out/build.log" >&2; exit 1; }
aarch64-linux-gnu-strip -o "$out/fio.tmp" "$tree/fio"
mv "$out/fio.tmp" "$out/fio"
rm -rf "$tree"
printf '%s' "$key $dsc" >"$out/key"
echo "build-fio: $out/fio ready ($(stat -c %s "$out/fio") bytes, $(basename "$dsc" .dsc))" >&2
