#!/bin/sh
# tests/run.sh: run the unit tests and every tests/t_*.sh; end with "N passed, N failed".
# Usage: tests/run.sh [t_name.sh ...]
cd "$(dirname "$0")/.." || exit 2
out=$(mktemp)
trap 'rm -f "$out"' EXIT
status=0
for src in tests/unit_*.c; do
	u=${src%.c}
	if [ ! -x "$u" ] || ! [ "$u" -nt "$src" ]; then
		echo "FAIL $u: not built (run make units)" | tee -a "$out"
		continue
	fi
	# FL2IPFIX_WRAP (make check-valgrind) runs them under valgrind too.
	if ! $FL2IPFIX_WRAP "$u" >"$out.one" 2>&1; then
		grep -q '^FAIL ' "$out.one" ||
		    echo "FAIL $u: exited non-zero" >>"$out.one"
	fi
	grep -v '^ok ' "$out.one" || true
	cat "$out.one" >>"$out"
	rm -f "$out.one"
done
if [ $# -gt 0 ]; then scripts="$*"; else scripts=$(ls tests/t_*.sh 2>/dev/null); fi
for t in $scripts; do
	case $t in tests/*) ;; *) t=tests/$t ;; esac
	echo "== $t"
	if ! sh "$t" >"$out.one" 2>&1; then
		echo "FAIL $t: script exited non-zero" >>"$out.one"
	fi
	grep -v '^ok ' "$out.one" || true
	cat "$out.one" >>"$out"
	rm -f "$out.one"
done
passed=$(grep -c '^ok ' "$out")
failed=$(grep -c '^FAIL ' "$out")
skipped=$(grep -c '^SKIP ' "$out")
[ "$failed" -eq 0 ] || status=1
[ "$passed" -gt 0 ] || status=1
echo "$passed passed, $failed failed, $skipped skipped"
exit $status
