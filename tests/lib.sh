# tests/lib.sh: shared helpers for the shell tests (sourced, POSIX sh).
# Each test script prints one line per check: "ok NAME", "FAIL NAME: why",
# or "SKIP NAME: why"; tests/run.sh counts them.

set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
FL2IPFIX=${FL2IPFIX:-$TOP/fl2ipfix}
# Tests may wrap the binary (valgrind): FL2IPFIX_WRAP="valgrind -q ..."
FL2IPFIX_WRAP=${FL2IPFIX_WRAP:-}
CORPUS=${CORPUS:-$TOP/../shared/corpus}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/fl2ipfix-test.XXXXXX")
trap 'rm -rf "$TMP"' EXIT INT TERM

fl2ipfix() { $FL2IPFIX_WRAP "$FL2IPFIX" "$@"; }

ok() { echo "ok $1"; }
fail() { echo "FAIL $1: $2"; }

# check NAME COMMAND...: ok when the command succeeds.
check() {
	_n=$1; shift
	if "$@" >"$TMP/check.out" 2>&1; then ok "$_n"
	else fail "$_n" "$(head -c 600 "$TMP/check.out" | tr '\n' ' ')"; fi
}

# need TOOL [PACKAGE]: returns 0 if TOOL exists.  Otherwise, under CI
# (CI=true) a missing tool is a failure; elsewhere a loud skip.
need() {
	command -v "$1" >/dev/null 2>&1 && return 0
	if [ "${CI:-}" = true ]; then
		fail "need-$1" "$1 is missing (Debian package ${2:-$1}); under CI this is a failure"
	else
		echo "SKIP need-$1: $1 is missing (Debian package ${2:-$1}): NOT CHECKED by $(basename "$0")"
	fi
	return 1
}

# A free UDP port on loopback, picked by the kernel.
free_udp_port() {
	python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# wait_for SECONDS COMMAND...: poll until COMMAND succeeds, bounded.
wait_for() {
	_t=$1; shift
	_i=0
	while [ "$_i" -lt $((_t * 10)) ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}
