#!/bin/sh
# tests/t_cli.sh: behaviour of the command line: layouts (header, -F, default),
# line handling (CRLF, blanks, gzip members), accounting (--stats=json),
# messages, exit statuses, and where the output goes.  Values are checked by
# decoding our output with ipfixDump, not by reading our own bytes.
. "$(dirname "$0")/lib.sh"
CLI=$TOP/tests/cli
export TZ=UTC
T=1764201700		# a fixed Export Time: byte-for-byte comparable output
PY=/usr/bin/python3
[ -x $PY ] || PY=python3

need ipfixDump libfixbuf-tools || exit 0
need gzip || exit 0
need $PY python3 || exit 0

V2HDR="version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status"
CUSTOM="flow-direction srcaddr dstaddr pkt-srcaddr pkt-dstaddr srcport dstport protocol packets bytes start end action log-status interface-id vpc-id tcp-flags traffic-path"

# run COMMAND...: run fl2ipfix, stdout to $TMP/out, stderr to $TMP/err,
# exit status in $rc.
run() {
	rc=0
	fl2ipfix "$@" >"$TMP/out" 2>"$TMP/err" || rc=$?
}

# is NAME GOT WANT: ok when equal.
is() {
	if [ "$2" = "$3" ]; then ok "$1"
	else fail "$1" "got [$2], want [$3]; stderr: $(head -c 300 "$TMP/err" | tr '\n' ' ')"; fi
}

# same NAME FILE1 FILE2: ok when the bytes are equal.
same() {
	if cmp -s "$2" "$3"; then ok "$1"
	else fail "$1" "$(cmp "$2" "$3" 2>&1 | head -1)"; fi
}

# The flow records of an IPFIX file as ipfixDump decodes them, one line per
# record, "name=value" with spaces in values turned into '_'.  Options
# records (names) are left out.  A decoder complaint is a failure.
cat >"$TMP/dec.py" <<'EOF'
import re, sys
recs, cur = [], None
for line in sys.stdin:
    if line.startswith('--- data record'):
        cur = {'tid': None, 'f': []}
        recs.append(cur)
    elif line.startswith('---'):
        cur = None
    elif cur is not None:
        m = re.match(r'\s+count:\s+\d+\s+tid:\s+(\d+)', line)
        if m:
            cur['tid'] = int(m.group(1))
            continue
        m = re.match(r'\s+\((\d+)\)(?: \(S\))?\s+(\S+) : ?(.*)$', line)
        if m:
            cur['f'].append('%s=%s' % (m.group(2),
                m.group(3).strip().replace(' ', '_')))
for r in recs:
    if r['tid'] is not None and r['tid'] < 65000:
        print(' '.join(r['f']))
EOF
decode() {
	ipfixDump -d -i "$1" 2>"$TMP/dump.err" | $PY "$TMP/dec.py"
	if [ -s "$TMP/dump.err" ]; then
		echo "ipfixDump: $(head -c 200 "$TMP/dump.err")"
	fi
}

# decodes NAME FILE: the decoded records equal the lines of $TMP/want.
decodes() {
	decode "$2" >"$TMP/got"
	if cmp -s "$TMP/got" "$TMP/want"; then ok "$1"
	else fail "$1" "$(diff "$TMP/want" "$TMP/got" | head -8 | tr '\n' ' ')"; fi
}

# stats NAME "k=v ...": the last stderr line is the --stats=json object;
# "lines" equals the sum of the outcomes, and each k=v holds (lines, or an
# outcome; outcomes not named must be 0).  "any" checks only the identity.
cat >"$TMP/stats.py" <<'EOF'
import json, sys
last = [l for l in open(sys.argv[1]).read().splitlines() if l.startswith('{')]
if not last:
    sys.exit('no JSON line on stderr')
s = json.loads(last[-1])
o = s['outcomes']
want = dict(kv.split('=') for kv in sys.argv[2].split() if kv != 'any')
probs = []
if sum(o.values()) != s['lines']:
    probs.append('outcomes add up to %d, lines %d' % (sum(o.values()), s['lines']))
if sys.argv[2] == 'any':
    want = o
for k, v in o.items():
    if int(want.get(k, 0)) != v:
        probs.append('%s=%d, want %s' % (k, v, want.get(k, 0)))
for k, v in want.items():
    if k not in o and str(s.get(k)) != v:
        probs.append('%s=%s, want %s' % (k, s.get(k), v))
if probs:
    sys.exit('; '.join(probs))
EOF
stats() {
	if why=$($PY "$TMP/stats.py" "$TMP/err" "$2" 2>&1); then ok "$1"
	else fail "$1" "$why"; fi
}

# --- the v2 fixture, decoded value by value --------------------------------
# tests/cli/v2.log: a header, IPv4, compressed IPv6 with 2^64-1 counters,
# NODATA, SKIPDATA, and ICMP.  Interfaces get 16, 17 in order of first
# export; egressInterface 1/2 and forwardingStatus 64/129 = ACCEPT/REJECT.
cat >"$TMP/want.v2" <<'EOF'
sourceIPv4Address=10.0.0.1 destinationIPv4Address=10.0.0.2 sourceTransportPort=1024 destinationTransportPort=443 protocolIdentifier=6 packetDeltaCount=10 octetDeltaCount=8400 flowStartMilliseconds=2025-11-27_00:00:00.000 flowEndMilliseconds=2025-11-27_00:01:00.000 forwardingStatus=64 ingressInterface=16 egressInterface=1
sourceIPv6Address=2001:0db8::0001 destinationIPv6Address=2001:0db8::0002 sourceTransportPort=53 destinationTransportPort=5353 protocolIdentifier=17 packetDeltaCount=18446744073709551615 octetDeltaCount=18446744073709551615 flowStartMilliseconds=2025-11-27_00:00:01.000 flowEndMilliseconds=2025-11-27_00:01:01.000 forwardingStatus=129 ingressInterface=16 egressInterface=2
sourceIPv4Address=10.0.0.3 destinationIPv4Address=10.0.0.4 sourceTransportPort=0 destinationTransportPort=0 protocolIdentifier=1 packetDeltaCount=3 octetDeltaCount=252 flowStartMilliseconds=2025-11-27_00:00:02.000 flowEndMilliseconds=2025-11-27_00:01:02.000 forwardingStatus=64 ingressInterface=17 egressInterface=1
EOF
run --export-time $T --stats=json "$CLI/v2.log"
is header-top-status "$rc" 0
cp "$TMP/out" "$TMP/v2.ipfix"
cp "$TMP/want.v2" "$TMP/want"
decodes header-top-values "$TMP/v2.ipfix"
stats header-top-stats "lines=6 header=1 exported=3 nodata=1 skipdata=1"
# The totals do not wrap past 2^64-1.
is exported-totals "$(grep '^{' "$TMP/err" | sed 's/.*"exported":\({[^}]*}\).*/\1/')" \
    '{"records":3,"packets":18446744073709551615,"bytes":18446744073709551615}'
# A second decoder agrees on the addresses and the 64-bit counters.
if need tshark tshark; then
	tshark -r "$TMP/v2.ipfix" -T fields -E separator='|' -E aggregator=';' \
	    -E occurrence=a -e cflow.srcaddr -e cflow.srcaddrv6 -e cflow.dstaddrv6 \
	    -e cflow.packets -e cflow.octets -e cflow.protocol \
	    2>/dev/null >"$TMP/tshark"
	is header-top-tshark "$(cat "$TMP/tshark")" \
	    "10.0.0.1;10.0.0.3|2001:db8::1|2001:db8::2|10;18446744073709551615;3|8400;18446744073709551615;252|6;17;1"
fi
# The message header: Export Time, domain, sequence 0.
ipfixDump -i "$TMP/v2.ipfix" 2>/dev/null | grep -m1 'export time' >"$TMP/hdr"
is export-time "$(cat "$TMP/hdr")" "export time: 2025-11-27 00:01:40	observation domain id: 0"
run --export-time $T --domain 4294967295 "$CLI/v2.log"
ipfixDump -i "$TMP/out" 2>/dev/null | grep -m1 'export time' >"$TMP/hdr"
is domain "$(cat "$TMP/hdr")" "export time: 2025-11-27 00:01:40	observation domain id: 4294967295"

# Same input, same bytes; stdin and -o FILE give the same bytes too.
run --export-time $T "$CLI/v2.log"
same reproducible "$TMP/out" "$TMP/v2.ipfix"
fl2ipfix --export-time $T <"$CLI/v2.log" >"$TMP/stdin.ipfix" 2>"$TMP/err"
same stdin "$TMP/stdin.ipfix" "$TMP/v2.ipfix"
fl2ipfix --export-time $T - <"$CLI/v2.log" >"$TMP/stdin.ipfix" 2>"$TMP/err"
same stdin-dash "$TMP/stdin.ipfix" "$TMP/v2.ipfix"
run --export-time $T -o "$TMP/o.ipfix" "$CLI/v2.log"
is output-file-status "$rc" 0
is output-file-stdout-empty "$(wc -c <"$TMP/out" | tr -d ' ')" 0
same output-file "$TMP/o.ipfix" "$TMP/v2.ipfix"
run --export-time $T --output="$TMP/o2.ipfix" "$CLI/v2.log"
same output-file-long "$TMP/o2.ipfix" "$TMP/v2.ipfix"
# -o truncates what was there.
head -c 100000 /dev/zero >"$TMP/o3.ipfix"
run --export-time $T -o "$TMP/o3.ipfix" "$CLI/v2.log"
same output-file-truncates "$TMP/o3.ipfix" "$TMP/v2.ipfix"

# --- headers ----------------------------------------------------------------
# Without a header the default v2 layout applies: same records.
tail -n +2 "$CLI/v2.log" >"$TMP/v2.body"
run --export-time $T --stats=json "$TMP/v2.body"
same default-layout "$TMP/out" "$TMP/v2.ipfix"
stats default-layout-stats "lines=5 exported=3 nodata=1 skipdata=1"

# Repeated headers (zcat of several S3 objects): each is a header line.
cat "$CLI/v2.log" "$CLI/v2.log" "$CLI/v2.log" >"$TMP/rep.log"
run --export-time $T --stats=json "$TMP/rep.log"
is repeated-headers-status "$rc" 0
stats repeated-headers-stats "lines=18 header=3 exported=9 nodata=3 skipdata=3"
cat "$TMP/want.v2" "$TMP/want.v2" "$TMP/want.v2" >"$TMP/want"
decodes repeated-headers-values "$TMP/out"

# A header mid-file redefines the layout for the lines after it.
{
	head -2 "$CLI/v2.log"
	echo "bytes packets dstaddr srcaddr"
	echo "500 5 192.0.2.2 192.0.2.1"
	echo "$V2HDR"
	sed -n 6p "$CLI/v2.log"
} >"$TMP/mid.log"
run --export-time $T --stats=json "$TMP/mid.log"
is header-mid-status "$rc" 0
stats header-mid-stats "lines=6 header=3 exported=3"
{
	sed -n 1p "$TMP/want.v2"
	echo "sourceIPv4Address=192.0.2.1 destinationIPv4Address=192.0.2.2 packetDeltaCount=5 octetDeltaCount=500"
	sed -n 3p "$TMP/want.v2"
} >"$TMP/want"
decodes header-mid-values "$TMP/out"

# Alphabetical header (console-built formats), with an unknown name.
{
	echo "action bytes dstaddr future-field log-status packets srcaddr"
	echo "REJECT 640 198.51.100.9 whatever OK 8 198.51.100.7"
} >"$TMP/alpha.log"
run --export-time $T --stats=json "$TMP/alpha.log"
is header-alpha-status "$rc" 0
stats header-alpha-stats "lines=2 header=1 exported=1"
echo "sourceIPv4Address=198.51.100.7 destinationIPv4Address=198.51.100.9 packetDeltaCount=8 octetDeltaCount=640 forwardingStatus=129 egressInterface=2" >"$TMP/want"
decodes header-alpha-values "$TMP/out"
check header-unknown-reported grep -q "alpha.log:1: unknown field name future-field: its column is ignored" "$TMP/err"
# Reported once, however often the header repeats.
cat "$TMP/alpha.log" "$TMP/alpha.log" >"$TMP/alpha2.log"
run --export-time $T "$TMP/alpha2.log"
is header-unknown-once "$(grep -c 'unknown field name' "$TMP/err")" 1

# A header with a name twice is malformed and changes nothing.
{
	echo "srcaddr dstaddr srcaddr"
	sed -n 2p "$CLI/v2.log"
} >"$TMP/dup.log"
run --export-time $T --stats=json "$TMP/dup.log"
is header-duplicate-status "$rc" 1
check header-duplicate-message grep -qx "fl2ipfix: $TMP/dup.log:1: srcaddr: field name appears twice" "$TMP/err"
stats header-duplicate-stats "lines=2 malformed=1 exported=1"

# Files with different headers back to back; each operand starts afresh:
# a header-less file after one with a custom header gets the default.
printf '%s\n' "$CUSTOM" >"$TMP/custom.log"
cat "$CLI/custom.body" >>"$TMP/custom.log"
cat >"$TMP/want.custom" <<'EOF'
sourceIPv4Address=10.0.1.5 destinationIPv4Address=203.0.113.5 sourceTransportPort=43210 destinationTransportPort=443 protocolIdentifier=6 tcpControlBits=19 packetDeltaCount=12 octetDeltaCount=3012 flowStartMilliseconds=2025-11-27_00:00:00.000 flowEndMilliseconds=2025-11-27_00:01:00.000 forwardingStatus=64 flowDirection=1 ingressInterface=16 egressInterface=1 ingressVRFID=1
sourceIPv4Address=203.0.113.5 destinationIPv4Address=10.0.1.5 postNATSourceIPv4Address=10.0.0.220 postNATDestinationIPv4Address=10.0.1.5 sourceTransportPort=443 destinationTransportPort=43210 protocolIdentifier=6 tcpControlBits=18 packetDeltaCount=10 octetDeltaCount=8400 flowStartMilliseconds=2025-11-27_00:00:00.000 flowEndMilliseconds=2025-11-27_00:01:00.000 forwardingStatus=129 flowDirection=0 ingressInterface=17 egressInterface=2 ingressVRFID=1
sourceIPv6Address=2001:0db8::0005 destinationIPv6Address=2001:0db8::0006 protocolIdentifier=58 packetDeltaCount=1 octetDeltaCount=64 flowStartMilliseconds=2025-11-27_00:00:05.000 flowEndMilliseconds=2025-11-27_00:01:05.000
EOF
run --export-time $T --stats=json "$TMP/custom.log"
is custom-header-status "$rc" 0
cp "$TMP/out" "$TMP/custom.ipfix"
cp "$TMP/want.custom" "$TMP/want"
decodes custom-header-values "$TMP/custom.ipfix"
run --export-time $T --stats=json "$TMP/custom.log" "$TMP/v2.body" "$CLI/v2.log"
is back-to-back-status "$rc" 0
stats back-to-back-stats "lines=15 header=2 exported=9 nodata=2 skipdata=2"
# Interfaces keep their numbers across operands (eni-...a1 is 16 in both).
{
	cat "$TMP/want.custom"
	sed 's/ingressInterface=17/ingressInterface=18/' "$TMP/want.v2"
	sed 's/ingressInterface=17/ingressInterface=18/' "$TMP/want.v2"
} >"$TMP/want"
decodes back-to-back-values "$TMP/out"

# --- -F in its three syntaxes -----------------------------------------------
F1=$(echo "$CUSTOM" | sed 's/[^ ][^ ]*/${&}/g')
F2=$(echo "$CUSTOM" | sed 's/[^ ][^ ]*/$${&}/g')
for f in "$F1" "$F2" "$CUSTOM"; do
	case $f in
	'$$'*) n=dollar-dollar ;;
	'$'*) n=dollar ;;
	*) n=plain ;;
	esac
	run --export-time $T -F "$f" "$CLI/custom.body"
	is "format-$n-status" "$rc" 0
	same "format-$n-bytes" "$TMP/out" "$TMP/custom.ipfix"
	run --export-time $T --format="$f" "$CLI/custom.body"
	same "format-$n-long" "$TMP/out" "$TMP/custom.ipfix"
done
# -F applies to every operand, and a header still overrides it within one.
run --export-time $T --stats=json -F "$F1" "$CLI/custom.body" "$CLI/v2.log" "$CLI/custom.body"
is format-operands-status "$rc" 0
stats format-operands-stats "lines=12 header=1 exported=9 nodata=1 skipdata=1"
# -F with a header-less file that does not fit: malformed, not guessed.
run --export-time $T -F "$F1" "$TMP/v2.body"
is format-mismatch-status "$rc" 1
check format-mismatch-message grep -q "v2.body:1: line: expected 18 fields, found 14" "$TMP/err"
# Presets.
run --export-time $T -F vpc-default "$TMP/v2.body"
same format-vpc-default "$TMP/out" "$TMP/v2.ipfix"
tail -n +2 "$TOP/samples/tgw-default.log" >"$TMP/tgw.body" 2>/dev/null
if [ -s "$TMP/tgw.body" ]; then
	run --export-time $T --stats=json -F tgw-default "$TMP/tgw.body"
	is format-tgw-default-status "$rc" 0
	run --export-time $T "$TOP/samples/tgw-default.log"
	cp "$TMP/out" "$TMP/tgw.ipfix"
	run --export-time $T -F tgw-default "$TMP/tgw.body"
	same format-tgw-default "$TMP/out" "$TMP/tgw.ipfix"
fi
# Bad formats are usage errors.
for f in '' '${version' 'Version' 'version version' '$version'; do
	run -F "$f" "$CLI/v2.log"
	is "format-bad-status [$f]" "$rc" 64
	check "format-bad-message [$f]" grep -q "^fl2ipfix: --format: " "$TMP/err"
done
run -F '${version} ${future-field}' --export-time $T "$TMP/v2.body"
check format-unknown-name grep -q "^fl2ipfix: --format: unknown field name future-field: its column is ignored" "$TMP/err"

# --- line endings, blank lines, gzip ----------------------------------------
sed 's/$/\r/' "$CLI/v2.log" >"$TMP/crlf.log"
run --export-time $T --stats=json "$TMP/crlf.log"
same crlf "$TMP/out" "$TMP/v2.ipfix"
stats crlf-stats "lines=6 header=1 exported=3 nodata=1 skipdata=1"

head -c -1 "$CLI/v2.log" >"$TMP/nonl.log"
run --export-time $T --stats=json "$TMP/nonl.log"
same no-final-newline "$TMP/out" "$TMP/v2.ipfix"
stats no-final-newline-stats "lines=6 header=1 exported=3 nodata=1 skipdata=1"
head -c -1 "$TMP/crlf.log" >"$TMP/nonl-crlf.log"
run --export-time $T "$TMP/nonl-crlf.log"
same no-final-newline-crlf "$TMP/out" "$TMP/v2.ipfix"

{
	echo
	sed -n 1,2p "$CLI/v2.log"
	printf ' \t \n\r\n\n'
	sed -n 3,6p "$CLI/v2.log"
	printf '\t\n'
} >"$TMP/blank.log"
run --export-time $T --stats=json "$TMP/blank.log"
is blank-status "$rc" 0
same blank-lines "$TMP/out" "$TMP/v2.ipfix"
stats blank-stats "lines=11 blank=5 header=1 exported=3 nodata=1 skipdata=1"

# The line limit (65536 bytes) is on the text: a CRLF line of 65536 bytes
# is as fine as an LF one; one byte more is malformed, in either form.
$PY - "$TMP" <<'EOF'
import sys
line = ('2 123456789012 eni-0aaaaaaaaaaaaaaa1 10.0.0.1 10.0.0.2 1024 443 6 '
        '10 8400 1764201600 1764201660 ACCEPT OK')
for n in (65536, 65537):
    long = line.replace('123456789012', '1' * (n - len(line) + 12), 1)
    for end, name in (('\n', 'lf'), ('\r\n', 'crlf')):
        with open('%s/len%d%s.log' % (sys.argv[1], n, name), 'w') as f:
            f.write(long + end + line + end)
EOF
for f in len65536lf len65536crlf len65537lf len65537crlf; do
	run --stats=json -o /dev/null "$TMP/$f.log"
	case $f in
	len65536*) stats "line-limit-$f" "lines=2 exported=2" ;;
	*)	stats "line-limit-$f" "lines=2 exported=1 malformed=1"
		check "line-limit-$f-message" grep -q "$f.log:1: line: longer than 65536 bytes" "$TMP/err" ;;
	esac
	gzip -c "$TMP/$f.log" | fl2ipfix --stats=json -o /dev/null 2>"$TMP/err"
	case $f in
	len65536*) stats "line-limit-$f-gzip" "lines=2 exported=2" ;;
	*) stats "line-limit-$f-gzip" "lines=2 exported=1 malformed=1" ;;
	esac
done

# Empty and header-only inputs are fine: no output at all.
: >"$TMP/empty.log"
run --export-time $T --stats=json "$TMP/empty.log"
is empty-input-status "$rc" 0
is empty-input-output "$(wc -c <"$TMP/out" | tr -d ' ')" 0
stats empty-input-stats "lines=0"
head -1 "$CLI/v2.log" >"$TMP/hdronly.log"
run --export-time $T --stats=json "$TMP/hdronly.log"
is header-only-status "$rc" 0
stats header-only-stats "lines=1 header=1"

gzip -c "$CLI/v2.log" >"$TMP/v2.gz"
run --export-time $T --stats=json "$TMP/v2.gz"
same gzip "$TMP/out" "$TMP/v2.ipfix"
# Detected by magic bytes, not by name.
cp "$TMP/v2.gz" "$TMP/v2-gz.txt"
run --export-time $T "$TMP/v2-gz.txt"
same gzip-by-magic "$TMP/out" "$TMP/v2.ipfix"
fl2ipfix --export-time $T <"$TMP/v2.gz" >"$TMP/out" 2>"$TMP/err"
same gzip-stdin "$TMP/out" "$TMP/v2.ipfix"
# Members split inside a line (and inside a CRLF) read as one stream.
size=$(wc -c <"$TMP/crlf.log")
for cut in 1 150 $((size / 2)) $((size - 1)); do
	head -c "$cut" "$TMP/crlf.log" | gzip -c >"$TMP/m.gz"
	tail -c +$((cut + 1)) "$TMP/crlf.log" | gzip -c >>"$TMP/m.gz"
	gzip -c </dev/null >>"$TMP/m.gz"	# an empty member too
	run --export-time $T --stats=json "$TMP/m.gz"
	same "gzip-members-cut-$cut" "$TMP/out" "$TMP/v2.ipfix"
	stats "gzip-members-cut-$cut-stats" "lines=6 header=1 exported=3 nodata=1 skipdata=1"
done
# The line split exactly at the CR of a CRLF.
cut=$(grep -b -o "$(printf '\r')" "$TMP/crlf.log" | sed -n 3p | cut -d: -f1)
head -c "$cut" "$TMP/crlf.log" | gzip -c >"$TMP/m.gz"
tail -c +$((cut + 1)) "$TMP/crlf.log" | gzip -c >>"$TMP/m.gz"
run --export-time $T "$TMP/m.gz"
same gzip-members-cut-at-cr "$TMP/out" "$TMP/v2.ipfix"
# Many tiny members, and zcat agrees on what they hold.
: >"$TMP/many.gz"
i=1
while [ $i -le 6 ]; do
	sed -n ${i}p "$CLI/v2.log" | gzip -c >>"$TMP/many.gz"
	i=$((i + 1))
done
run --export-time $T "$TMP/many.gz"
same gzip-many-members "$TMP/out" "$TMP/v2.ipfix"
gzip -dc "$TMP/many.gz" >"$TMP/many.txt"
same gzip-many-members-zcat "$TMP/many.txt" "$CLI/v2.log"

# --- NODATA / SKIPDATA, malformed lines -------------------------------------
run --stats "$CLI/v2.log" -o /dev/null
check stats-text grep -q "^fl2ipfix: 6 lines: exported 3 filtered 0 nodata 1 skipdata 1 header 1 blank 0 empty 0 malformed 0$" "$TMP/err"
check stats-text-skipdata grep -q "SKIPDATA lines: AWS lost flow records" "$TMP/err"
# SKIPDATA with every other field '-' (as in v5 logs).
{
	echo "version interface-id srcaddr start end log-status"
	echo "5 - - 1764201600 1764201660 SKIPDATA"
	echo "5 eni-0aaaaaaaaaaaaaaa1 - 1764201600 1764201660 NODATA"
	echo "5 eni-0aaaaaaaaaaaaaaa1 - 1764201600 1764201660 -"
	echo "5 eni-0aaaaaaaaaaaaaaa1 - 1764201600 1764201660 OK"
} >"$TMP/nodata.log"
run --export-time $T --stats=json "$TMP/nodata.log"
is nodata-status "$rc" 0
stats nodata-stats "lines=5 header=1 skipdata=1 nodata=1 empty=2"

# Malformed lines: file:line: field: reason on stderr, the rest converted.
{
	echo "$V2HDR"
	sed -n 2p "$CLI/v2.log"
	echo "2 123456789012 eni-0aaaaaaaaaaaaaaa1 10.0.0.1 10.0.0.2 1024 443 6 10 8400 1764201600 1764201660 ACCEPT"
	echo "2 123456789012 eni-0aaaaaaaaaaaaaaa1 10.0.0.256 10.0.0.2 1024 443 6 10 8400 1764201600 1764201660 ACCEPT OK"
	echo "2 123456789012 eni-0aaaaaaaaaaaaaaa1 10.0.0.1 10.0.0.2 65536 443 6 10 8400 1764201600 1764201660 ACCEPT OK"
	echo "2 123456789012 eni-0aaaaaaaaaaaaaaa1 10.0.0.1 10.0.0.2 1024 443 256 10 8400 1764201600 1764201660 ACCEPT OK"
	echo "2 123456789012 eni-0aaaaaaaaaaaaaaa1 10.0.0.1 10.0.0.2 1024 443 6 ten 8400 1764201600 1764201660 ACCEPT OK"
	echo "2 123456789012 eni-0aaaaaaaaaaaaaaa1 10.0.0.1 10.0.0.2 1024 443 6 10 18446744073709551616 1764201600 1764201660 ACCEPT OK"
	printf '2 12345\37767 eni-0aaaaaaaaaaaaaaa1 10.0.0.1 10.0.0.2 1024 443 6 10 8400 1764201600 1764201660 ACCEPT OK\n'
	printf '2 123456789012 eni-0aaaaaaaaaaaaaaa1 10.0.0.1 10.0.0.2 1024 443 6 10 8400 1764201600 1764201660 ACCEPT OK\0\n'
	echo "2 123456789012 eni-0aaaaaaaaaaaaaaa1 10.0.0.1 10.0.0.2 1024 443 6 10 8400 1764201600 1764201660 accept OK"
	echo "2 123456789012 eni-0aaaaaaaaaaaaaaa1 10.0.0.1 2001:db8::2 1024 443 6 10 8400 1764201600 1764201660 ACCEPT OK"
	echo "2 123456789012 eni-0aaaaaaaaaaaaaaa1 10.0.0.1 10.0.0.2 1024 - 6 10 8400 1764201600 1764201660 ACCEPT OK"
	sed -n 6p "$CLI/v2.log"
} >"$TMP/bad.log"
run --export-time $T --stats=json "$TMP/bad.log"
is malformed-status "$rc" 1
stats malformed-stats "lines=14 header=1 exported=2 malformed=11"
grep -v '^{' "$TMP/err" | sed "s|$TMP/||" >"$TMP/msgs"
cat >"$TMP/want.msgs" <<'EOF'
fl2ipfix: bad.log:3: line: expected 14 fields, found 13
fl2ipfix: bad.log:4: srcaddr: not an IPv4 or IPv6 address
fl2ipfix: bad.log:5: srcport: not a port number from 0 to 65535
fl2ipfix: bad.log:6: protocol: not a number from 0 to 255
fl2ipfix: bad.log:7: packets: not a number from 0 to 18446744073709551615
fl2ipfix: bad.log:8: bytes: not a number from 0 to 18446744073709551615
fl2ipfix: bad.log:9: account-id: not printable UTF-8
fl2ipfix: bad.log:10: line: contains a NUL byte
fl2ipfix: bad.log:11: action: not ACCEPT, REJECT or -
fl2ipfix: bad.log:12: srcaddr: source and destination are of different address families
fl2ipfix: bad.log:13: dstport: is - while the other port is not
EOF
if cmp -s "$TMP/msgs" "$TMP/want.msgs"; then ok malformed-messages
else fail malformed-messages "$(diff "$TMP/want.msgs" "$TMP/msgs" | tr '\n' ' ')"; fi
{
	sed -n 1p "$TMP/want.v2"
	sed -n 3p "$TMP/want.v2"
} >"$TMP/want"
decodes malformed-rest-converted "$TMP/out"
# Messages are rate-limited; the stats still count every line.
{
	echo "$V2HDR"
	i=0
	while [ $i -lt 100 ]; do echo "x y z"; i=$((i + 1)); done
} >"$TMP/many-bad.log"
run --stats=json -o /dev/null "$TMP/many-bad.log"
is malformed-rate-limited-status "$rc" 1
is malformed-rate-limited "$(grep -c 'many-bad.log:[0-9]*: line: expected 14 fields, found 3' "$TMP/err")" 20
check malformed-rate-limited-summary grep -q "100 malformed lines in all, 80 not shown" "$TMP/err"
stats malformed-rate-limited-stats "lines=101 header=1 malformed=100"

# --- exit statuses -----------------------------------------------------------
run --export-time $T --stats=json "$TMP/nope.log" "$CLI/v2.log"
is missing-operand-status "$rc" 2
check missing-operand-message grep -q "^fl2ipfix: $TMP/nope.log: No such file or directory" "$TMP/err"
cp "$TMP/want.v2" "$TMP/want"
decodes missing-operand-others-converted "$TMP/out"
stats missing-operand-stats "lines=6 header=1 exported=3 nodata=1 skipdata=1"
run --export-time $T "$TMP" "$CLI/v2.log"
is directory-operand-status "$rc" 2
same directory-operand-others-converted "$TMP/out" "$TMP/v2.ipfix"
# Malformed lines and a missing operand: 2 wins over 1.
run --export-time $T "$TMP/bad.log" "$TMP/nope.log"
is trouble-wins-over-malformed "$rc" 2
# A truncated gzip: status 2, the other operands still converted.
gzip -c "$CLI/v2.log" | head -c 200 >"$TMP/trunc.gz"
run --export-time $T --stats=json "$TMP/trunc.gz" "$CLI/v2.log"
is truncated-gzip-status "$rc" 2
check truncated-gzip-message grep -q "trunc.gz: truncated gzip data" "$TMP/err"
decode "$TMP/out" | tail -3 >"$TMP/got"
if cmp -s "$TMP/got" "$TMP/want.v2"; then ok truncated-gzip-others-converted
else fail truncated-gzip-others-converted "$(diff "$TMP/want.v2" "$TMP/got" | head -5 | tr '\n' ' ')"; fi
stats truncated-gzip-identity any
check truncated-gzip-cut-line grep -q "trunc.gz:[0-9]*: line: cut off by the input error" "$TMP/err"
# Garbage after the gzip data.
{ gzip -c "$CLI/v2.log"; echo junk; } >"$TMP/junk.gz"
run --export-time $T "$TMP/junk.gz"
is gzip-trailing-garbage-status "$rc" 2
check gzip-trailing-garbage-message grep -q "junk.gz: trailing garbage" "$TMP/err"

# Usage errors: 64, a message naming the option, and the usage on stderr.
for args in "--domain x" "--domain 4294967296" "--domain -1" "--domain=" \
    "--export-time -1" "--export-time 4294967296" "--export-time 1e3" \
    "--message-size 511" "--message-size 65536" "--message-size 0x200" \
    "--stats=xml" "--bogus" "-Z" "-F" "-o"; do
	case $args in
	-F|-o) run $args ;;	# a missing argument (an operand would be taken)
	*) run $args "$CLI/v2.log" ;;
	esac
	is "usage-status [$args]" "$rc" 64
	check "usage-on-stderr [$args]" grep -q "^usage: fl2ipfix" "$TMP/err"
	is "usage-no-output [$args]" "$(wc -c <"$TMP/out" | tr -d ' ')" 0
done
run --domain x
check usage-names-option grep -q "^fl2ipfix: --domain: not a number: x" "$TMP/err"
run --export-time -1
check usage-names-option-2 grep -q "^fl2ipfix: --export-time: " "$TMP/err"

# Numbers at their limits are fine.
run --domain 4294967295 --export-time 4294967295 --message-size 65535 -o /dev/null "$CLI/v2.log"
is number-limits "$rc" 0
run --domain 0 --export-time 0 --message-size 512 -o /dev/null "$CLI/v2.log"
is number-limits-low "$rc" 0

run --help
is help-status "$rc" 0
check help-on-stdout grep -q "^usage: fl2ipfix" "$TMP/out"
is help-stderr-empty "$(wc -c <"$TMP/err" | tr -d ' ')" 0
run -h
is help-short "$rc" 0
run -V
is version-status "$rc" 0
check version-output grep -Eq "^fl2ipfix [0-9]+\.[0-9]+" "$TMP/out"
run --version
is version-long "$rc" 0

# --- small messages ----------------------------------------------------------
# With --message-size 512 the same records arrive, in messages <= 512.
cat "$CLI/v2.log" "$CLI/v2.log" "$CLI/v2.log" "$CLI/v2.log" "$CLI/v2.log" >"$TMP/five.log"
run --export-time $T --message-size 512 "$TMP/five.log"
is small-messages-status "$rc" 0
for x in 1 2 3 4 5; do cat "$TMP/want.v2"; done >"$TMP/want"
decodes small-messages-values "$TMP/out"
ipfixDump -i "$TMP/out" 2>/dev/null | sed -n 's/^message length: \([0-9]*\).*/\1/p' >"$TMP/lens"
is small-messages-several "$(test "$(wc -l <"$TMP/lens")" -gt 1 && echo yes)" yes
is small-messages-size "$(awk '$1 > 512' "$TMP/lens" | wc -l | tr -d ' ')" 0
is small-messages-add-up "$(awk '{s += $1} END {print s}' "$TMP/lens")" "$(wc -c <"$TMP/out" | tr -d ' ')"
# Sequence numbers count the data records before (options records too).
ipfixDump -i "$TMP/out" 2>/dev/null | $PY -c '
import re, sys
seq = recs = 0
bad = []
for line in sys.stdin:
    m = re.search(r"sequence number: (\d+)", line)
    if m:
        if int(m.group(1)) != recs:
            bad.append("%s != %d" % (m.group(1), recs))
    if line.startswith("--- data record"):
        recs += 1
print(" ".join(bad) or "ok")' >"$TMP/seq"
is small-messages-sequence "$(cat "$TMP/seq")" ok

# --- output destinations -----------------------------------------------------
if command -v script >/dev/null 2>&1; then
	script -qec "$FL2IPFIX_WRAP $FL2IPFIX $CLI/v2.log; echo rc=\$?" /dev/null \
	    </dev/null >"$TMP/tty" 2>&1
	check tty-refused grep -q "refusing to write binary IPFIX to a terminal" "$TMP/tty"
	check tty-refused-status grep -q "rc=[1-9]" "$TMP/tty"
	# Forced, the IPFIX goes to the terminal (the interface names in
	# its options records show up in what script saw).
	script -qec "$FL2IPFIX_WRAP $FL2IPFIX -f --export-time $T $CLI/v2.log; echo rc=\$?" \
	    /dev/null </dev/null >"$TMP/tty" 2>&1
	check tty-forced grep -aq "rc=0" "$TMP/tty"
	check tty-forced-wrote grep -aq "eni-0aaaaaaaaaaaaaaa1" "$TMP/tty"
	script -qec "$FL2IPFIX_WRAP $FL2IPFIX --export-time $T -o $TMP/tty.ipfix $CLI/v2.log; echo rc=\$?" \
	    /dev/null </dev/null >"$TMP/tty" 2>&1
	check tty-with-o grep -q "rc=0" "$TMP/tty"
	same tty-with-o-bytes "$TMP/tty.ipfix" "$TMP/v2.ipfix"
else
	need script bsdutils
fi
run -o "$TMP/no/such/dir/x.ipfix" "$CLI/v2.log"
is output-unwritable-status "$rc" 2
check output-unwritable-message grep -q "x.ipfix" "$TMP/err"
if [ -w /dev/full ]; then
	fl2ipfix "$CLI/v2.log" >/dev/full 2>"$TMP/err" && rc=0 || rc=$?
	is dev-full-status "$rc" 2
	check dev-full-message grep -q "No space left on device" "$TMP/err"
fi
exit 0
