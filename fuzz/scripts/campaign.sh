#!/usr/bin/env bash
# campaign.sh - one libFuzzer campaign with a progress line (progress.sh); writes OUT/<target>.json
# (execs, execs/s, cov, ft, corpus size, crashes). The working corpus grows in
# FUZZ_DIR/work/<target>; crash inputs land in FUZZ_DIR/crashes/<target>/ - copy real ones to
# fuzz/regress/<target>/. JOBS > 1 runs libFuzzer's own -fork=JOBS (crashes counted, not fatal);
# either way the working corpus is merged (-merge=1) into a minimal one at the end.
# Usage: campaign.sh FUZZ_DIR TARGET SECS OUT [JOBS]
set -uo pipefail
dir=$1
t=$2
secs=$3
out=$4
jobs=${5:-1}
here=$(dirname "$0")
[[ $jobs =~ ^[1-9][0-9]*$ ]] || { echo "campaign: JOBS '$jobs': want a number >= 1" >&2; exit 2; }
work="$dir/work/$t"
crashes="$dir/crashes/$t"
mkdir -p "$work" "$crashes" "$out"
dict=()
[ -f "fuzz/dict/$t.dict" ] && dict=(-dict="fuzz/dict/$t.dict")
fork=()
[ "$jobs" -gt 1 ] && fork=(-fork="$jobs" -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1)
log="$dir/campaign-$t.log"
start=$(date +%s)
"$dir/fuzz_$t" -max_total_time="$secs" -print_final_stats=1 -rss_limit_mb=2048 -timeout=10 \
	-artifact_prefix="$crashes/" "${fork[@]}" "${dict[@]}" "$work" "fuzz/corpus/$t" 2>&1 |
	"$here/progress.sh" "$log" "$t" "$secs"
rc=${PIPESTATUS[0]}
end=$(date +%s)

# Keep the working corpus minimal: merge it into a fresh folder, then swap.
merged="$dir/work/$t.merged"
rm -rf "$merged" && mkdir -p "$merged"
if "$dir/fuzz_$t" -merge=1 -rss_limit_mb=2048 -timeout=10 "${dict[@]}" "$merged" "$work" \
	>"$dir/merge-$t.log" 2>&1; then
	before=$(find "$work" -type f | wc -l)
	rm -rf "$work" && mv "$merged" "$work"
	echo "campaign: $t corpus merged: $before -> $(find "$work" -type f | wc -l) inputs" >&2
else
	echo "campaign: $t corpus merge failed (log: $dir/merge-$t.log); kept as it was" >&2
	rm -rf "$merged"
fi

final() {
	local v
	v=$(grep -m1 "^stat::$1:" "$log" | awk '{print $2}')
	echo "${v:-0}"
}
last=$(grep -E '^#[0-9]+' "$log" | tail -1)
cov=$(sed -n 's/.*cov: \([0-9]*\).*/\1/p' <<<"$last")
ft=$(sed -n 's/.*ft: \([0-9]*\).*/\1/p' <<<"$last")
execs=$(final number_of_executed_units)
# Fork mode prints no final stats of its own: its last status line has the totals.
[ "$execs" = 0 ] && execs=$(sed -n 's/^#\([0-9]*\).*/\1/p' <<<"$last")
eps=$(final average_exec_per_sec)
[ "$eps" = 0 ] && [ $((end - start)) -gt 0 ] && eps=$((${execs:-0} / (end - start)))
ncrash=$(find "$crashes" -type f | wc -l)
cat >"$out/$t.json" <<JSON
{
  "target": "$t",
  "engine": "libFuzzer",
  "jobs": $jobs,
  "seconds": $((end - start)),
  "execs": ${execs:-0},
  "execs_per_sec": ${eps:-0},
  "cov": ${cov:-0},
  "ft": ${ft:-0},
  "corpus_files": $(find "$work" -type f | wc -l),
  "seed_files": $(find "fuzz/corpus/$t" -type f | wc -l),
  "peak_rss_mb": $(final peak_rss_mb),
  "crashes": $ncrash,
  "exit_status": $rc
}
JSON
echo "campaign: $t ${secs}s x $jobs job(s) -> $out/$t.json (cov ${cov:-?}, ft ${ft:-?}, crashes $ncrash)"
[ "$rc" -eq 0 ] && [ "$ncrash" -eq 0 ]
