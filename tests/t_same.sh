#!/bin/sh
# t_same.sh: the fast paths (line parser, record encoder, inflating thread,
# ISA-L) change no output byte.  FL2IPFIX_SIMPLE=1 turns them all off; both
# runs must give the same IPFIX, the same stderr and the same exit status
# on the samples, the corpus, generated logs and a file of edge cases.  A
# .gz must also give the bytes of its text read plain and through zcat.
. "$(dirname "$0")/lib.sh"

GEN=$TOP/tests/bench_gen
if [ ! -x "$GEN" ]; then
	${CC:-cc} -std=c11 -O2 -o "$TMP/bench_gen" "$TOP/tests/bench_gen.c" ||
	    { fail build-bench_gen "cannot build tests/bench_gen.c"; exit 0; }
	GEN=$TMP/bench_gen
fi

# same NAME ARGS...: run both ways with a fixed export time and compare;
# standard input comes from $STDIN (default /dev/null).
same() {
	_n=$1
	shift
	FL2IPFIX_SIMPLE=1 fl2ipfix --export-time 1700000000 --stats=json \
	    "$@" <"${STDIN:-/dev/null}" >"$TMP/simple.out" 2>"$TMP/simple.err"
	_s1=$?
	fl2ipfix --export-time 1700000000 --stats=json "$@" \
	    <"${STDIN:-/dev/null}" >"$TMP/fast.out" 2>"$TMP/fast.err"
	_s2=$?
	if [ $_s1 -ne $_s2 ]; then
		fail "same-$_n" "exit status $_s1 simple, $_s2 fast"
	elif ! cmp -s "$TMP/simple.out" "$TMP/fast.out"; then
		fail "same-$_n" "IPFIX differs: $(cmp "$TMP/simple.out" \
		    "$TMP/fast.out" 2>&1 | head -1)"
	elif ! cmp -s "$TMP/simple.err" "$TMP/fast.err"; then
		fail "same-$_n" "stderr differs: $(diff "$TMP/simple.err" \
		    "$TMP/fast.err" | head -4 | tr '\n' ' ')"
	else
		ok "same-$_n"
	fi
}

for f in "$TOP"/samples/*.log; do
	same "sample-$(basename "$f" .log)" "$f"
done
same samples-together "$TOP"/samples/*.log

if [ -d "$CORPUS" ]; then
	find "$CORPUS" -type f ! -name PROVENANCE.txt | sort >"$TMP/corpus"
	nc=0
	bad=
	while read -r f; do
		nc=$((nc + 1))
		same "corpus-$nc" "$f" >"$TMP/one" 2>&1
		grep -q '^ok ' "$TMP/one" || bad="$bad $f: $(cat "$TMP/one")"
	done <"$TMP/corpus"
	if [ -n "$bad" ]; then
		fail same-corpus "$(echo "$bad" | head -c 600)"
	else
		ok "same-corpus ($nc files)"
	fi
else
	echo "SKIP same-corpus: $CORPUS is missing"
fi

# Generated logs, plain and compressed, each layout.
for v in 2 5; do
	"$GEN" -v $v -n 20000 -s $((v + 7)) >"$TMP/v$v.log"
	gzip -c "$TMP/v$v.log" >"$TMP/v$v.log.gz"
	same gen-v$v "$TMP/v$v.log"
	same gen-v$v-gz "$TMP/v$v.log.gz"
	fl2ipfix --export-time 1 "$TMP/v$v.log" >"$TMP/plain.ipfix"
	fl2ipfix --export-time 1 "$TMP/v$v.log.gz" >"$TMP/gz.ipfix"
	zcat "$TMP/v$v.log.gz" | fl2ipfix --export-time 1 >"$TMP/zcat.ipfix"
	check gen-v$v-converted test -s "$TMP/plain.ipfix"
	check gz-is-plain-v$v cmp "$TMP/plain.ipfix" "$TMP/gz.ipfix"
	check gz-is-zcat-v$v cmp "$TMP/plain.ipfix" "$TMP/zcat.ipfix"
done
# Two members in one file, and the same through a pipe.
cat "$TMP/v2.log.gz" "$TMP/v5.log.gz" >"$TMP/multi.gz"
same gz-members "$TMP/multi.gz"
STDIN=$TMP/multi.gz same gz-members-stdin -
# A truncated member: the text before the cut, then the same message.
head -c 60000 "$TMP/v5.log.gz" >"$TMP/cut.gz"
same gz-truncated "$TMP/cut.gz"
# Damage: zlib and ISA-L word the damage and its byte offset their own
# way; the IPFIX and the exit status are the same.  (Damage early in the
# stream may inflate to garbage that is refused as binary data first.)
size=$(wc -c <"$TMP/v2.log.gz")
for at in 100 $((size / 2)) $((size - 6)) $((size - 2)); do
	cp "$TMP/v2.log.gz" "$TMP/bad.gz"
	printf '\377' | dd of="$TMP/bad.gz" bs=1 seek=$at conv=notrunc \
	    2>/dev/null
	FL2IPFIX_SIMPLE=1 fl2ipfix --export-time 1 "$TMP/bad.gz" \
	    >"$TMP/s.out" 2>"$TMP/s.err"
	s1=$?
	fl2ipfix --export-time 1 "$TMP/bad.gz" >"$TMP/f.out" 2>"$TMP/f.err"
	s2=$?
	sed 's/ (at byte [0-9]*)$//' "$TMP/s.err" >"$TMP/s.err2"
	sed 's/ (at byte [0-9]*)$//' "$TMP/f.err" >"$TMP/f.err2"
	if [ $s1 -ne $s2 ] || [ $s1 -ne 2 ]; then
		fail "same-gz-damage-$at" "exit status $s1 simple, $s2 fast"
	elif ! cmp -s "$TMP/s.out" "$TMP/f.out"; then
		fail "same-gz-damage-$at" "IPFIX differs"
	elif ! grep -q 'gzip\|binary data' "$TMP/f.err"; then
		fail "same-gz-damage-$at" "no gzip error: $(tail -1 "$TMP/f.err")"
	else
		ok "same-gz-damage-$at"
	fi
done

# Edge cases of every fast path: numbers at their limits and one past,
# addresses the fast IPv4 parser must leave to the slow one, strings with
# UTF-8 and controls, enumerations, separators, short and long lines.
H="version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status"
E="1764201600 1764201660"
{
	echo "$H"
	echo "2 123456789012 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 2 $E ACCEPT OK"
	echo "2 123456789012 eni-1 0.0.0.0 255.255.255.255 0 65535 255 18446744073709551615 9999999999999999999 $E REJECT OK"
	echo "2 123456789012 eni-1 10.0.0.1 10.0.0.2 1 65536 6 1 2 $E ACCEPT OK"
	echo "2 123456789012 eni-1 10.0.0.1 10.0.0.2 1 2 256 1 2 $E ACCEPT OK"
	echo "2 123456789012 eni-1 10.0.0.1 10.0.0.2 1 2 6 18446744073709551616 2 $E ACCEPT OK"
	echo "2 123456789012 eni-1 10.0.0.1 10.0.0.2 1 2 6 00000000000000000001 2 $E ACCEPT OK"
	echo "2 123456789012 eni-1 10.0.0.1 10.0.0.2 1 2 6 000000000000000000001 2 $E ACCEPT OK"
	echo "2 123456789012 eni-1 10.0.0.1 10.0.0.2 1 2 6 12345678901234567890 2 $E ACCEPT OK"
	echo "2 123456789012 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 2 18446744073709551 18446744073709552 ACCEPT OK"
	echo "2 123456789012 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 2 18446744073709552 18446744073709551 ACCEPT OK"
	echo "2 123456789012 eni-1 10.0.0.1 10.0.0.2 1 2 6 1x 2 $E ACCEPT OK"
	echo "2 123456789012 eni-1 10.0.0.1 10.0.0.2 +1 2 6 1 2 $E ACCEPT OK"
	echo "2 123456789012 eni-1 010.0.0.1 10.0.0.2 1 2 6 1 2 $E ACCEPT OK"
	echo "2 123456789012 eni-1 10.0.0.256 10.0.0.2 1 2 6 1 2 $E ACCEPT OK"
	echo "2 123456789012 eni-1 10.0.0 10.0.0.2 1 2 6 1 2 $E ACCEPT OK"
	echo "2 123456789012 eni-1 10.0.0.1. 10.0.0.2 1 2 6 1 2 $E ACCEPT OK"
	echo "2 123456789012 eni-1 10.0.0.1000 10.0.0.2 1 2 6 1 2 $E ACCEPT OK"
	echo "2 123456789012 eni-1 ::ffff:10.0.0.1 ::1 1 2 6 1 2 $E ACCEPT OK"
	echo "2 123456789012 eni-1 2001:db8::1 10.0.0.2 1 2 6 1 2 $E ACCEPT OK"
	echo "2 123456789012 eni-1 2001:db8::1 2001:db8:0:0:0:0:0:2 1 2 6 1 2 $E ACCEPT OK"
	echo "2 123456789012 eni-1 2001:db8:::1 ::1 1 2 6 1 2 $E ACCEPT OK"
	echo "2 123456789012 eni-ünïcode-0123456789 10.0.0.1 10.0.0.2 1 2 6 1 2 $E ACCEPT OK"
	printf '2 123456789012 eni-\300\200 10.0.0.1 10.0.0.2 1 2 6 1 2 %s ACCEPT OK\n' "$E"
	printf '2 123456789012 eni-\177abcdefghijk 10.0.0.1 10.0.0.2 1 2 6 1 2 %s ACCEPT OK\n' "$E"
	printf '2 123456789012 eni-abcdefgh\001ijk 10.0.0.1 10.0.0.2 1 2 6 1 2 %s ACCEPT OK\n' "$E"
	printf '2\t123456789012\teni-tabs\t10.0.0.1\t10.0.0.2\t1\t2\t6\t1\t2\t1764201600\t1764201660\tACCEPT\tOK\n'
	printf '  2 123456789012  eni-1 10.0.0.1 10.0.0.2 1 2 6 1 2 %s ACCEPT OK  \r\n' "$E"
	echo "2 123456789012 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 2 $E ACCEPTED OK"
	echo "2 123456789012 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 2 $E accept OK"
	echo "2 123456789012 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 2 $E ACCEPT OKAY"
	echo "2 123456789012 eni-1 - - - - - - - $E - NODATA"
	echo "2 123456789012 eni-1 - - - - - - - $E - SKIPDATA"
	echo "2 123456789012 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 2 $E - OK"
	echo "2 123456789012 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 2 $E ACCEPT"
	echo "2 123456789012 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 2 $E ACCEPT OK extra"
	echo "2 123456789012 eni-1 10.0.0.1 10.0.0.2 -- 2 6 1 2 $E ACCEPT OK"
	echo "2 1 e 1.1.1.1 2.2.2.2 1 2 6 1 2 1 2 REJECT OK"
	echo "2 123456789012 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 2 $E REJECT"
	echo "5 123456789012 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 2 $E REJECT O"
	echo "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status flow-direction tcp-flags"
	echo "5 123456789012 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 2 $E ACCEPT OK ingress 19"
	echo "5 123456789012 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 2 $E ACCEPT OK egress 2"
	echo "5 123456789012 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 2 $E ACCEPT OK egres 2"
	echo "5 123456789012 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 2 $E ACCEPT OK ingress"
	echo "5 123456789012 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 2 $E ACCEPT OK Ingress 2"
	printf '5 123456789012 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 2 %s ACCEPT OK ingress 2' "$E"
} >"$TMP/edge.log"
same edge "$TMP/edge.log"
gzip -c "$TMP/edge.log" >"$TMP/edge.log.gz"
same edge-gz "$TMP/edge.log.gz"
# Every prefix length of one line, so each fast path meets the line end.
L="5 123456789012 eni-0123456789abcdef0 10.0.1.103 2001:db8::20 24989 22 6 421 478677 1764201600 1764201655 ACCEPT OK ingress 19"
i=1
{
	echo "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status flow-direction tcp-flags"
	while [ $i -le ${#L} ]; do
		printf '%s\n' "$L" | cut -c1-$i
		i=$((i + 1))
	done
} >"$TMP/prefix.log"
same prefixes "$TMP/prefix.log"

# The gzip thread parses ahead and follows the header lines: make layouts
# change every other line, and lines of every kind (CRLF, blank, over-long,
# a header cut by the end of a piece of text) fall on the edges between
# the pieces it hands over (about 1 MiB each).
python3 - "$TMP/v2.log" "$TMP/v5.log" >"$TMP/mixed.log" <<'PY'
import sys
v2 = open(sys.argv[1]).read().splitlines()
v5 = open(sys.argv[2]).read().splitlines()
out = sys.stdout
for i in range(1, 12000):
    if i % 2:
        out.write(v2[0] + "\n" + v2[i] + "\n")
    else:
        out.write(v5[0] + "\r\n" + v5[i] + "\r\n")
    if i % 1500 == 0:
        out.write("x" * (70000 + i) + "\n\n   \n")
PY
gzip -c "$TMP/mixed.log" >"$TMP/mixed.log.gz"
same mixed "$TMP/mixed.log"
same mixed-gz "$TMP/mixed.log.gz"
# With --rejects an over-long line is read on piece by piece.
same mixed-gz-rejects --rejects "$TMP/rejects" "$TMP/mixed.log.gz"
