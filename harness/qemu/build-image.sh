#!/usr/bin/env bash
# build-image.sh - build the arm64 guests' initramfs for the QEMU frontends (busybox, /init, the
# agent): OUT/initramfs.cpio.gz for the harness's own kernel (OUT/Image, harness/qemu/kernel,
# everything built in) and OUT/debian/{Image,initramfs.cpio.gz}, Debian's packaged kernel with
# its virtio_mmio/fuse/virtiofs modules in the initramfs (`--guest debian`). Cached in OUT.
# Usage: build-image.sh [OUT=build/qemu] [AGENT=OUT/guest-agent] [FIO=OUT/fio/fio] (the static
# fio of build-fio.sh, /usr/bin/fio in both initramfs trees: the agent's `@@FIO`). Downloads with a private APT
# configuration (arm64 only) so the host's dpkg architectures and APT state stay untouched.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$(mkdir -p "${1:-build/qemu}" && cd "${1:-build/qemu}" && pwd)
agent=${2:-$out/guest-agent}
fio=${3:-$out/fio/fio}

"$here/deps.sh"
[ -x "$agent" ] || { echo "build-image: agent binary $agent missing (make qemu-agent)" >&2; exit 1; }
[ -x "$fio" ] || { echo "build-image: fio binary $fio missing (make qemu-fio)" >&2; exit 1; }

# --- private APT: own state, cache, empty dpkg status, the system's sources -------------------
apt_dir=$out/apt
mkdir -p "$out/debs"
# shellcheck source=../../ci/private-apt.sh
. "$here/../../ci/private-apt.sh"
private_apt "$apt_dir" arm64 /etc/apt/sources.list /etc/apt/sources.list.d

have_debs() { ls "$out"/debs/linux-image-*-arm64_*.deb "$out"/debs/busybox-static_*.deb >/dev/null 2>&1; }
if ! have_debs; then
	echo "build-image: apt-get update (private arm64 state in $apt_dir)" >&2
	apt-get update -qq
	abi_pkg=$(apt-cache depends linux-image-arm64 | sed -n 's/^ *Depends: \(linux-image-[0-9].*-arm64\)$/\1/p' | head -n1)
	[ -n "$abi_pkg" ] || { echo "build-image: cannot find the ABI package of linux-image-arm64" >&2; exit 1; }
	echo "build-image: downloading $abi_pkg busybox-static" >&2
	(cd "$out/debs" && apt-get download -qq "$abi_pkg" busybox-static)
fi

# --- extract (once per .deb set) ------------------------------------------------------------
root=$out/extract
debs_id=$(cd "$out/debs" && ls *.deb)
if [ ! -e "$root/.done" ] || [ "$(cat "$root/.done")" != "$debs_id" ]; then
	rm -rf "$root" && mkdir -p "$root"
	for d in "$out"/debs/*.deb; do dpkg-deb -x "$d" "$root"; done
	printf '%s' "$debs_id" >"$root/.done"
fi
kernel=$(ls "$root"/boot/vmlinuz-* | head -n1)
kver=${kernel##*/vmlinuz-}
mkdir -p "$out/debian"
cp "$kernel" "$out/debian/Image.tmp" && mv "$out/debian/Image.tmp" "$out/debian/Image"

# --- initramfs trees: the same busybox, /init and agent; Debian's also gets the modules -------
# tree DIR [MODDIR]: fill DIR (modules copied from MODDIR when given).
tree() {
	local t=$1 moddir=${2:-}
	rm -rf "$t"
	mkdir -p "$t"/{bin,sbin,dev,proc,sys,mnt,tmp,lib/modules,usr/bin,usr/sbin}
	cp "$root/bin/busybox" "$t/bin/busybox"
	# Symlink the applets /init uses; busybox --install -s at boot adds the rest.
	for app in sh mount umount insmod mkdir cat echo sync poweroff mknod sleep ls dmesg; do
		ln -s busybox "$t/bin/$app"
	done
	for m in ${moddir:+drivers/virtio/virtio_mmio fs/fuse/fuse fs/fuse/virtiofs}; do
		name=${m##*/}
		if [ -f "$moddir/$m.ko" ]; then
			cp "$moddir/$m.ko" "$t/lib/modules/$name.ko"
		elif [ -f "$moddir/$m.ko.xz" ]; then
			xz -dc "$moddir/$m.ko.xz" >"$t/lib/modules/$name.ko"
		else
			echo "build-image: module $m not found under $moddir" >&2
			exit 1
		fi
	done
	install -m 0755 "$here/guest/init" "$t/init"
	install -m 0755 "$agent" "$t/sbin/guest-agent"
	install -m 0755 "$fio" "$t/usr/bin/fio"
}
# cpio DIR OUTFILE
pack() {
	local tmp=$2.tmp
	(cd "$1" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --quiet -R 0:0) |
		gzip -9n >"$tmp"
	mv "$tmp" "$2"
}
tree "$out/initramfs"
pack "$out/initramfs" "$out/initramfs.cpio.gz"
tree "$out/debian/initramfs" "$root/lib/modules/$kver/kernel"
pack "$out/debian/initramfs" "$out/debian/initramfs.cpio.gz"
echo "build-image: $out/initramfs.cpio.gz and $out/debian/{Image ($kver),initramfs.cpio.gz} ready" >&2
