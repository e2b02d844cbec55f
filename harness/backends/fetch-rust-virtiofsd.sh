#!/usr/bin/env bash
# fetch-rust-virtiofsd.sh - the seed's backend, the Rust virtiofsd 1.13 (Debian 13's package), with
# the libraries it needs, unpacked into OUT (default build/backends/rust) through a private APT
# configuration: the host's dpkg state and APT lists are never touched. Cached: nothing is
# downloaded again while OUT/virtiofsd --version answers. OUT/virtiofsd is a wrapper that runs
# the real binary with its own loader and libraries, so any caller can treat it as a virtiofsd.
set -euo pipefail
out=$(mkdir -p "${1:-build/backends/rust}" && cd "${1:-build/backends/rust}" && pwd)
pkgs=(virtiofsd libc6 libcap-ng0 libseccomp2 libgcc-s1)

if [ -x "$out/virtiofsd" ] && "$out/virtiofsd" --version 2>/dev/null | grep -q '^virtiofsd 1\.13\.'; then
	exit 0
fi
command -v dpkg-deb >/dev/null || { echo "backends: dpkg-deb missing" >&2; exit 3; }
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
[ -r "$keyring" ] || { echo "backends: $keyring missing (package debian-archive-keyring)" >&2; exit 3; }
# The Debian archive this machine already uses (first deb source whose path ends in /debian).
uri=$( (grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}' || true
	grep -hs '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list |
		sed 's/\[[^]]*\]//' | awk '{print $2}' || true) | grep -E '/debian/?$' | head -n1 || true)
[ -n "$uri" ] || { echo "backends: no Debian archive in this machine's APT sources" >&2; exit 3; }

apt_dir=$out/apt
mkdir -p "$apt_dir/sources" "$out/debs"
echo "deb [signed-by=$keyring] $uri trixie main" >"$apt_dir/sources/trixie.list"
# shellcheck source=../../ci/private-apt.sh
. "$(dirname "$0")/../../ci/private-apt.sh"
private_apt "$apt_dir" amd64 "$apt_dir/sources/trixie.list" "$apt_dir/sources/none"
# Download again only when a package's .deb is missing (an interrupted earlier fetch).
missing=0
for p in "${pkgs[@]}"; do
	ls "$out/debs/${p}"_*.deb >/dev/null 2>&1 || missing=1
done
if [ "$missing" = 1 ]; then
	echo "backends: apt-get update (private trixie state in $apt_dir)" >&2
	apt-get update -qq
	echo "backends: downloading ${pkgs[*]}" >&2
	(cd "$out/debs" && apt-get download -qq "${pkgs[@]}")
fi
root=$out/root
rm -rf "$root" && mkdir -p "$root"
for d in "$out"/debs/*.deb; do dpkg-deb -x "$d" "$root"; done
bin=$root/usr/libexec/virtiofsd
ld=$root/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2
[ -x "$bin" ] && [ -x "$ld" ] || { echo "backends: $bin or $ld missing after unpacking" >&2; exit 1; }
cat >"$out/virtiofsd.tmp" <<WRAP
#!/bin/sh
# The Rust virtiofsd from Debian 13, run with its own loader and libraries (fetch-rust-virtiofsd.sh).
exec "$ld" --library-path "$root/usr/lib/x86_64-linux-gnu" "$bin" "\$@"
WRAP
chmod 0755 "$out/virtiofsd.tmp" && mv "$out/virtiofsd.tmp" "$out/virtiofsd"
ver=$("$out/virtiofsd" --version 2>&1 | head -n1)
case "$ver" in virtiofsd\ 1.13.*) ;; *) echo "backends: $out/virtiofsd --version said: $ver" >&2; exit 1 ;; esac
echo "backends: $ver ready at $out/virtiofsd" >&2
