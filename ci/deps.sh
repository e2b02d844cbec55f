#!/usr/bin/env bash
# deps.sh - install the Debian packages the harness needs, only those missing (make deps).
set -euo pipefail
pkgs=(gcc clang make libcmocka-dev libfuse3-dev libyaml-dev qemu-system-common python3-pytest strace ltrace gnuplot-nox libclang-rt-14-dev clang-format bc yamllint zip unzip)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi
echo "deps: installing ${missing[*]}"
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
