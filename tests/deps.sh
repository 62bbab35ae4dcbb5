#!/bin/sh
# tests/deps.sh build|test: make sure the Debian packages that building (and
# testing) need are installed.  As root, missing ones are installed with
# apt-get; otherwise the one command that would install them is printed.
set -u
BUILD="make gcc libc6-dev zlib1g-dev libisal-dev libpcap-dev"
# Independent decoders and collectors the tests compare against, plus the
# tools of the robustness tier (sanitizers, valgrind, libFuzzer, mandoc).
TEST="python3 python3-ipfix libfixbuf-tools tshark nfdump pmacct mandoc \
clang libclang-rt-14-dev valgrind gzip procps time"

case ${1:-build} in
build) want=$BUILD ;;
test) want="$BUILD $TEST" ;;
*) echo "usage: tests/deps.sh build|test" >&2; exit 2 ;;
esac

command -v dpkg-query >/dev/null 2>&1 || {
	echo "deps.sh: not a Debian system; install the equivalents of: $want" >&2
	exit 0
}
missing=
for p in $want; do
	st=$(dpkg-query -W -f '${Status}' "$p" 2>/dev/null)
	case $st in *" installed") ;; *) missing="$missing $p" ;; esac
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: missing packages; as root run: apt-get update && apt-get install -y$missing" >&2
	exit 1
fi
echo "deps.sh: installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends $missing >/dev/null || {
	echo "deps.sh: apt-get install failed for:$missing" >&2
	exit 1
}
