#!/usr/bin/env bash
# build-kernel.sh - the harness's own arm64 guest kernel: Debian's linux-source-6.1, `tinyconfig`
# plus baoharness.config (this folder), cross-built with gcc-aarch64-linux-gnu into OUT/Image.
# Cached: rebuilt only when the fragment, this script or the source package's version changes
# (OUT/kernel/key). The 1.5 GB source tree is removed after a build (a CI cache of OUT stays
# small) unless BAOHARNESS_KERNEL_KEEP_SOURCE=1; the object tree (~70 MB) is kept, and tar
# restores the sources' own times, so a fragment change re-extracts and rebuilds incrementally.
# A status line shows progress (BAOHARNESS_PROGRESS=tty|plain|off, as the harness's own jobs).
# A VARIANT (kasan) merges baoharness-VARIANT.config after the base fragment, in its own OUT
# (the sanitizer guest: `build-kernel.sh build/qemu/kasan kasan`, cached the same way).
# Usage: build-kernel.sh [OUT=build/qemu] [VARIANT]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$(mkdir -p "${1:-build/qemu}" && cd "${1:-build/qemu}" && pwd)
kdir=$out/kernel
frag=$here/baoharness.config
frags=("$frag")
if [ -n "${2:-}" ]; then
	frags+=("$here/baoharness-$2.config")
	[ -f "${frags[1]}" ] || { echo "build-kernel: no fragment ${frags[1]} for variant '$2'" >&2; exit 2; }
fi
"$here/../deps.sh"

srcver=$(dpkg-query -W -f='${Version}' linux-source-6.1)
key="linux-source-6.1 $srcver $(cat "${frags[@]}" "$0" | sha256sum | cut -c1-16)"
mkdir -p "$kdir"
if [ -f "$kdir/Image" ] && [ "$(cat "$kdir/key" 2>/dev/null)" = "$key" ]; then
	cmp -s "$kdir/Image" "$out/Image" || cp "$kdir/Image" "$out/Image"
	exit 0
fi

# --- source: extracted once per package version (~15 s) ------------------------------------
src=$kdir/linux-source-6.1
obj=$kdir/obj
if [ "$(cat "$kdir/source.version" 2>/dev/null)" != "$srcver" ]; then
	echo "build-kernel: extracting /usr/src/linux-source-6.1.tar.xz ($srcver)" >&2
	rm -rf "$src" "$kdir/source.version"
	tar -C "$kdir" -xJf /usr/src/linux-source-6.1.tar.xz
	printf '%s\n' "$srcver" >"$kdir/source.version"
fi
# Objects of another source version are no use.
if [ "$(cat "$kdir/obj.version" 2>/dev/null)" != "$srcver" ]; then
	rm -rf "$obj"
	printf '%s\n' "$srcver" >"$kdir/obj.version"
fi

# --- configuration: tinyconfig + the fragment; every option it asks for must have stuck -----
kmake=(make -C "$src" O="$obj" ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-
	KBUILD_BUILD_USER=baoharness KBUILD_BUILD_HOST=baoharness
	KBUILD_BUILD_TIMESTAMP="linux-source-6.1 $srcver")
mkdir -p "$obj"
log=$kdir/build.log
: >"$log"
"${kmake[@]}" -s tinyconfig >>"$log" 2>&1
"$src/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" "${frags[@]}" >>"$log" 2>&1
"${kmake[@]}" -s olddefconfig >>"$log" 2>&1
missing=()
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=*) grep -qx "$line" "$obj/.config" || missing+=("$line") ;;
	"# CONFIG_"*" is not set") name=${line#\# } name=${name%% *}
		grep -q "^$name=" "$obj/.config" && missing+=("$line") ;;
	esac
done < <(cat "${frags[@]}")
if [ ${#missing[@]} -gt 0 ]; then
	echo "build-kernel: ${frags[*]} ask for options the configuration did not keep: ${missing[*]}" >&2
	exit 1
fi

# --- build, one status line: steps done of the last build's count ---------------------------
jobs=$(nproc 2>/dev/null || echo 2)
expect=$(cat "$kdir/steps" 2>/dev/null || echo 1150)
mode=${BAOHARNESS_PROGRESS:-}
if [ -z "$mode" ]; then
	if [ -t 2 ] && [ -z "${CI:-}" ]; then mode=tty; else mode=plain; fi
fi
period=${BAOHARNESS_PROGRESS_SECS:-5}
[ "$mode" = tty ] && period=1
echo "build-kernel: building Image (linux-source-6.1 $srcver, -j$jobs, about 4 min on 2 cores; log $log)" >&2
start=$SECONDS
status=0
steps=0
next=0
{ "${kmake[@]}" -j"$jobs" Image 2>&1 || echo "@@build-kernel-failed $?"; } | {
	while IFS= read -r line; do
		printf '%s\n' "$line" >>"$log"
		case "$line" in "  "[A-Z]*) steps=$((steps + 1)) ;; esac
		[ "$mode" = off ] && continue
		if ((SECONDS >= next)); then
			pct=$((steps * 100 / expect))
			((pct > 99)) && pct=99
			msg="build-kernel: $steps/~$expect steps ($pct %), $((SECONDS - start)) s"
			if [ "$mode" = tty ]; then printf '\r\033[K%s' "$msg" >&2; else printf '%s\n' "$msg" >&2; fi
			next=$((SECONDS + period))
		fi
	done
	[ "$mode" = tty ] && printf '\r\033[K' >&2
	printf '%s\n' "$steps" >"$kdir/steps.new"
}
if grep -q '^@@build-kernel-failed' "$log" || [ ! -f "$obj/arch/arm64/boot/Image" ]; then
	echo "build-kernel: the kernel build failed; last lines of $log:" >&2
	tail -n 25 "$log" >&2
	exit 1
fi
mv "$kdir/steps.new" "$kdir/steps"
cp "$obj/arch/arm64/boot/Image" "$kdir/Image.tmp" && mv "$kdir/Image.tmp" "$kdir/Image"
printf '%s\n' "$key" >"$kdir/key"
cp "$kdir/Image" "$out/Image.tmp" && mv "$out/Image.tmp" "$out/Image"
if [ "${BAOHARNESS_KERNEL_KEEP_SOURCE:-0}" != 1 ]; then
	rm -f "$kdir/source.version"
	rm -rf "$src"
fi
echo "build-kernel: $out/Image ($(stat -c %s "$kdir/Image") bytes) in $((SECONDS - start)) s" >&2
