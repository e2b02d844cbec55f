#!/usr/bin/env bash
# campaign.sh - one libFuzzer campaign with progress on the terminal; writes OUT/<target>.json
# (execs, execs/s, cov, ft, corpus size, crashes). The working corpus grows in
# FUZZ_DIR/work/<target>; crash inputs land in FUZZ_DIR/crashes/<target>/ - copy real ones to
# fuzz/regress/<target>/. Usage: campaign.sh FUZZ_DIR TARGET SECS OUT
set -uo pipefail
dir=$1
t=$2
secs=$3
out=$4
work="$dir/work/$t"
crashes="$dir/crashes/$t"
mkdir -p "$work" "$crashes" "$out"
dict=()
[ -f "fuzz/dict/$t.dict" ] && dict=(-dict="fuzz/dict/$t.dict")
log="$dir/campaign-$t.log"
start=$(date +%s)
"$dir/fuzz_$t" -max_total_time="$secs" -print_final_stats=1 -rss_limit_mb=2048 -timeout=10 \
	-artifact_prefix="$crashes/" "${dict[@]}" "$work" "fuzz/corpus/$t" 2>&1 | tee "$log" |
	grep --line-buffered -E '^#[0-9]+.*(pulse|DONE)|ERROR|oracle'
rc=${PIPESTATUS[0]}
end=$(date +%s)
final() {
	local v
	v=$(grep -m1 "^stat::$1:" "$log" | awk '{print $2}')
	echo "${v:-0}"
}
last=$(grep -E '^#[0-9]+.*(cov|DONE)' "$log" | tail -1)
cov=$(sed -n 's/.*cov: \([0-9]*\).*/\1/p' <<<"$last")
ft=$(sed -n 's/.*ft: \([0-9]*\).*/\1/p' <<<"$last")
ncrash=$(find "$crashes" -type f | wc -l)
cat >"$out/$t.json" <<JSON
{
  "target": "$t",
  "engine": "libFuzzer",
  "seconds": $((end - start)),
  "execs": $(final number_of_executed_units),
  "execs_per_sec": $(final average_exec_per_sec),
  "cov": ${cov:-0},
  "ft": ${ft:-0},
  "corpus_files": $(find "$work" -type f | wc -l),
  "seed_files": $(find "fuzz/corpus/$t" -type f | wc -l),
  "peak_rss_mb": $(final peak_rss_mb),
  "crashes": $ncrash,
  "exit_status": $rc
}
JSON
echo "campaign: $t ${secs}s -> $out/$t.json (cov ${cov:-?}, ft ${ft:-?}, crashes $ncrash)"
[ "$rc" -eq 0 ]
