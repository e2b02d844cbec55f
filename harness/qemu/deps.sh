#!/usr/bin/env bash
# deps.sh - install the host tools the QEMU frontends need (cross compiler, QEMU, dtc, cpio, xz,
# virtiofsd), those the harness's own guest kernel is built with (Debian's linux-source-6.1,
# bc, flex, bison), dpkg-dev for unpacking fio's source package (build-fio.sh) and the host's
# own fio (the benchmark's host figures), only those missing. Called by build-image.sh and build-kernel.sh; never
# changes dpkg architectures.
set -euo pipefail
pkgs=(gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-system-arm qemu-system-common cpio xz-utils
	device-tree-compiler
	linux-source-6.1 bc flex bison make
	dpkg-dev fio
	apt)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "qemu deps: installing ${missing[*]}" >&2
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
