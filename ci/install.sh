#!/usr/bin/env bash
# install.sh - `make install`: the harness under PREFIX (staged under DESTDIR), laid out so an
# installed baoharness finds every part relative to itself, as it does in build/:
#   PREFIX/bin/baoharness -> ../lib/baoharness/baoharness   (a relative link)
#   PREFIX/lib/baoharness/  baoharness bao-virtio-dm bao-vu-shim libfakebao-preload.so [bao-bench]
#                           [qemu/Image qemu/initramfs.cpio.gz qemu/debian/] [el2/bao-el2.elf]
#                           [backends/rust/virtiofsd] image-tools/ (build-image.sh, its guest)
#   PREFIX/share/baoharness/scenarios/*.scn                 (the scenario library)
# Parts in [] are installed when they were built (make qemu-image el2-stub backends).
# Usage: install.sh BUILD PREFIX [DESTDIR]      (uninstall: install.sh --uninstall PREFIX [DESTDIR])
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" = --uninstall ]; then
	root=${3:-}${2:?PREFIX}
	rm -rf "$root/lib/baoharness" "$root/share/baoharness" "$root/share/doc/baoharness"
	[ -L "$root/bin/baoharness" ] && rm -f "$root/bin/baoharness"
	echo "uninstall: removed baoharness from $root"
	exit 0
fi
build=${1:?BUILD}
prefix=${2:?PREFIX}
destdir=${3:-}
case "$prefix" in /*) ;; *) echo "install: PREFIX must be absolute, got '$prefix'" >&2; exit 2 ;; esac
for f in baoharness bao-virtio-dm bao-vu-shim libfakebao-preload.so; do
	[ -e "$build/$f" ] || { echo "install: $build/$f missing: run make first" >&2; exit 2; }
done
lib=$destdir$prefix/lib/baoharness
share=$destdir$prefix/share/baoharness

install -d "$destdir$prefix/bin" "$lib" "$share/scenarios" "$destdir$prefix/share/doc/baoharness"
install -m 0755 "$build/baoharness" "$build/bao-virtio-dm" "$build/bao-vu-shim" \
	"$build/libfakebao-preload.so" "$lib/"
[ -x "$build/bao-bench" ] && install -m 0755 "$build/bao-bench" "$lib/"
ln -sfn ../lib/baoharness/baoharness "$destdir$prefix/bin/baoharness"
install -m 0644 scenarios/*.scn "$share/scenarios/"
install -m 0644 README.md "$destdir$prefix/share/doc/baoharness/"

# The guest and the tools that build it (the image does not depend on the build flavour).
tools=$lib/image-tools
install -d "$tools/guest"
install -m 0755 harness/qemu/build-image.sh harness/qemu/deps.sh "$tools/"
install -m 0755 harness/qemu/guest/init "$tools/guest/"
[ -x build/qemu/guest-agent ] && install -m 0755 build/qemu/guest-agent "$tools/"
if [ -r build/qemu/Image ] && [ -r build/qemu/initramfs.cpio.gz ]; then
	install -d "$lib/qemu"
	install -m 0644 build/qemu/Image build/qemu/initramfs.cpio.gz "$lib/qemu/"
fi
# Debian's packaged kernel and its initramfs with modules (`--guest debian`).
if [ -r build/qemu/debian/Image ] && [ -r build/qemu/debian/initramfs.cpio.gz ]; then
	install -d "$lib/qemu/debian"
	install -m 0644 build/qemu/debian/Image build/qemu/debian/initramfs.cpio.gz "$lib/qemu/debian/"
fi
if [ -r build/el2/bao-el2.elf ]; then
	install -d "$lib/el2"
	install -m 0644 build/el2/bao-el2.elf "$lib/el2/"
fi

# The fetched Rust virtiofsd: its unpacked root, and a wrapper that finds it from where it is
# (the one make backends writes names build/ by absolute path).
rust=build/backends/rust
if [ -x "$rust/virtiofsd" ] && [ -d "$rust/root" ]; then
	install -d "$lib/backends/rust"
	rm -rf "$lib/backends/rust/root"
	cp -a "$rust/root" "$lib/backends/rust/root"
	cat >"$lib/backends/rust/virtiofsd" <<'WRAP'
#!/bin/sh
# The Rust virtiofsd from Debian 13, run with its own loader and libraries (installed by make install).
here=$(dirname "$(readlink -f "$0")")/root
exec "$here/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2" --library-path "$here/usr/lib/x86_64-linux-gnu" "$here/usr/libexec/virtiofsd" "$@"
WRAP
	chmod 0755 "$lib/backends/rust/virtiofsd"
fi
echo "install: baoharness in $destdir$prefix (bin/baoharness -> lib/baoharness; scenarios in share/baoharness/scenarios)"
