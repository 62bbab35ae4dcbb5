#!/bin/sh
# tests/fuzz.sh SECONDS: run each libFuzzer harness (built by make fuzzers)
# for SECONDS on a seed corpus generated here from samples/, the test inputs
# and the shared corpus (nothing binary is committed).  Findings go to
# tests/fuzz_artifacts/; the status is non-zero when a harness failed.
# FUZZ_CORPUS=DIR keeps the corpus (and what the fuzzers add) across runs.
set -u
cd "$(dirname "$0")/.." || exit 2
secs=${1:-20}
case $secs in ''|*[!0-9]*) echo "usage: tests/fuzz.sh SECONDS" >&2; exit 2 ;; esac
for f in tests/fuzz_parse tests/fuzz_pipeline; do
	[ -x "$f" ] || { echo "fuzz.sh: $f is not built (make fuzzers)" >&2; exit 2; }
done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/fl2ipfix-fuzz.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
corpus=${FUZZ_CORPUS:-$tmp/corpus}
mkdir -p "$corpus/parse" "$corpus/pipeline" tests/fuzz_artifacts

# Seeds: every text input we have, small enough to mutate well.
n=0
for f in samples/*.log tests/*.log tests/data/* tests/inputs/* \
    $(find ../shared/corpus -type f -size -32k 2>/dev/null | sort); do
	[ -f "$f" ] || continue
	case $f in *.gz|*.parquet|*.md|*.txt) continue ;; esac
	n=$((n + 1))
	cp "$f" "$corpus/parse/seed$n"
	# The pipeline harness reads an option byte first (see its comment):
	# plain, -F vpc-default, small messages, two operands with --dedup.
	for sel in 000 001 010 044; do
		printf "\\$sel" | cat - "$f" >"$corpus/pipeline/seed$n-$sel"
	done
	{ printf '\000'; gzip -c "$f"; } >"$corpus/pipeline/seed$n-gz"
done
# Two gzip members in one file.
{ printf '\000'; gzip -c samples/vpc-v2-default.log;
  gzip -c samples/tgw-default.log; } >"$corpus/pipeline/members-gz"
echo "fuzz.sh: $n seed files, $secs s per harness"

status=0
for h in parse pipeline; do
	echo "== fuzz_$h"
	./tests/fuzz_$h -max_total_time="$secs" -timeout=20 -max_len=20000 \
	    -rss_limit_mb=2048 -print_final_stats=1 \
	    -artifact_prefix="tests/fuzz_artifacts/$h-" \
	    "$corpus/$h" >"$tmp/$h.log" 2>&1
	st=$?
	grep -E 'stat::number_of_executed_units|ERROR|SUMMARY|broken promise|runtime error' \
	    "$tmp/$h.log"
	if [ $st -ne 0 ]; then
		echo "FAIL fuzz_$h: status $st; see tests/fuzz_artifacts/ and:"
		tail -40 "$tmp/$h.log"
		status=1
	else
		echo "ok fuzz_$h"
	fi
done
exit $status
