#!/usr/bin/env bash
# test_qemu_native.sh - boot the QEMU guest against a real virtiofsd (QEMU's own
# vhost-user-fs-device), run steps both ways across the share, remount, power off, and check
# that nothing is left running. Needs root (virtiofsd). Env: QEMU_IMAGE_DIR, QEMU_FE_TRY.
set -euo pipefail
top=$(cd "$(dirname "$0")/../../.." && pwd)
img=${QEMU_IMAGE_DIR:-$top/build/qemu}
try=${QEMU_FE_TRY:-$top/build/qemu_fe_try}
[ -f "$img/initramfs.cpio.gz" ] || make -C "$top" -f Makefile -f harness/qemu/qemu.mk qemu-image
[ -x "$try" ] || make -C "$top" -f Makefile -f harness/qemu/qemu.mk qemu-try
[ "$(id -u)" -eq 0 ] || { echo "test_qemu_native: virtiofsd needs root" >&2; exit 3; }

tmp=$(mktemp -d /tmp/qemu-native.XXXXXX)
vfsd_pid=
cleanup() {
	[ -n "$vfsd_pid" ] && kill "$vfsd_pid" 2>/dev/null && wait "$vfsd_pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
mkdir "$tmp/share"
printf 'from host' >"$tmp/share/h.txt"
/usr/lib/qemu/virtiofsd --socket-path="$tmp/vfs.sock" -o source="$tmp/share" -o cache=none \
	>"$tmp/virtiofsd.log" 2>&1 &
vfsd_pid=$!
for _ in $(seq 100); do [ -S "$tmp/vfs.sock" ] && break; sleep 0.05; done
[ -S "$tmp/vfs.sock" ] || { echo "virtiofsd did not create its socket" >&2; cat "$tmp/virtiofsd.log" >&2; exit 1; }

# A 60 KiB step: long lines must survive the console.
python3 -c "print('write /long \"' + 'x' * 61440 + '\"')" >"$tmp/long.step"

s=$tmp/share
timeout 300 "$try" "$img" "$tmp/vfs.sock" "$tmp/run" \
	'write /g.txt "from guest\n"' \
	"=test \"\$(cat $s/g.txt)\" = 'from guest' && test \$(stat -c %a $s/g.txt) = 644" \
	'read /h.txt "from host"' \
	"=printf 'edited on host' >$s/h.txt" \
	'read /h.txt "edited on host"' \
	'fail ENOENT read /nope' \
	'?read /h.txt "wrong"' \
	'mkdir /d' 'write /d/a @rand:100000:3' 'symlink a /d/l' 'readlink /d/l a' \
	'list /d a l' 'stat /d type dir mode 0755' \
	"<$tmp/long.step" \
	"=test \$(stat -c %s $s/long) = 61440" \
	'@remount' \
	'read /g.txt "from guest\n"' 'pread /d/a 99990 100' 'rename /g.txt /d/g2' \
	"=test -f $s/d/g2 && ! test -e $s/g.txt" \
	| tee "$tmp/out"
rc=${PIPESTATUS[0]}

boot=$(sed -n 's/^# boot to READY: \(.*\) s$/\1/p' "$tmp/out")
# QEMU is gone (its console socket too) and virtiofsd exited after its one connection.
sleep 0.5
left=0
if pgrep -f -- "$tmp/run/console.sock" >/dev/null; then echo "QEMU still running" >&2; left=1; fi
if kill -0 "$vfsd_pid" 2>/dev/null; then echo "virtiofsd still running" >&2; left=1; fi
[ -e "$tmp/run/console.sock" ] && { echo "console socket left behind" >&2; left=1; }
echo "# boot-to-READY ${boot:-?} s; driver exit $rc; leftovers $left"
[ "$rc" -eq 0 ] && [ "$left" -eq 0 ]
