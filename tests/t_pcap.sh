#!/bin/sh
# tests/t_pcap.sh: -w writes a pcap that tshark decodes as IPFIX with no
# expert warning and every flow value equal to the input; budgets, times,
# addresses, a failed write that leaves a readable file.
. "$(dirname "$0")/lib.sh"

need tshark tshark || exit 0
OUT="python3 $TOP/tests/outputs.py"
python3 "$TOP/tests/outputs.py" gen 300 11 >"$TMP/in.log"
$OUT expect "$TMP/in.log" >"$TMP/expect"
# Checksums are verified, so a wrong one is an expert warning too.
TSHARK="tshark -o ip.check_checksum:TRUE -o udp.check_checksum:TRUE"
# tshark warns on stderr when run as root; anything else there is a problem.
noroot() { grep -v '^Running as user "root"' "$1" >"$1.x"; mv "$1.x" "$1"; }

# decodes NAME PCAP: every packet is IPFIX, no expert item, flows as input.
decodes() {
	_n=$1 _f=$2
	_all=$($TSHARK -r "$_f" 2>"$TMP/$_n.terr" | wc -l)
	_ipfix=$($TSHARK -r "$_f" -Y cflow 2>>"$TMP/$_n.terr" | wc -l)
	noroot "$TMP/$_n.terr"
	if [ "$_all" -gt 0 ] && [ "$_all" -eq "$_ipfix" ] &&
	    [ ! -s "$TMP/$_n.terr" ]; then
		ok "$_n-ipfix"
	else
		fail "$_n-ipfix" "$_ipfix of $_all packets IPFIX; \
$(head -c 200 "$TMP/$_n.terr")"
	fi
	$TSHARK -r "$_f" -Y '_ws.expert || _ws.malformed' -T fields \
	    -e frame.number -e _ws.expert.message >"$TMP/$_n.expert" 2>&1
	noroot "$TMP/$_n.expert"
	if [ ! -s "$TMP/$_n.expert" ]; then ok "$_n-no-expert"
	else fail "$_n-no-expert" "$(head -3 "$TMP/$_n.expert" | tr '\n' ' ')"; fi
	$TSHARK -r "$_f" -T json 2>/dev/null | $OUT tshark >"$TMP/$_n.rows"
	if cmp -s "$TMP/expect" "$TMP/$_n.rows"; then
		ok "$_n-flows"
	else
		fail "$_n-flows" "$(wc -l <"$TMP/$_n.rows") rows, want \
$(wc -l <"$TMP/expect"); first difference: \
$(diff "$TMP/expect" "$TMP/$_n.rows" | sed -n 2p)"
	fi
}

# info PCAP KEY: one fact from outputs.py pcapinfo.
info() {
	$OUT pcapinfo "$1" | python3 -c 'import json,sys
v = json.load(sys.stdin).get(sys.argv[1])
print(" ".join(map(str, v)) if isinstance(v, list) else v)' "$2"
}

# --- the default: IPv4, port 4739, 1372-octet messages -----------------------
if fl2ipfix -w "$TMP/a.pcap" "$TMP/in.log" 2>"$TMP/a.err"; then
	ok default-exit
	decodes default "$TMP/a.pcap"
	m=$(info "$TMP/a.pcap" max_payload)
	if [ "$m" -le 1372 ]; then ok default-budget
	else fail default-budget "largest message $m"; fi
	a=$($TSHARK -r "$TMP/a.pcap" -T fields -e ip.src -e ip.dst -e udp.srcport \
	    -e udp.dstport -e eth.type 2>/dev/null | sort -u | tr '\t' ' ')
	if [ "$a" = "192.0.2.1 192.0.2.2 4739 4739 0x0800" ]; then
		ok default-addresses
	else
		fail default-addresses "$a"
	fi
else
	fail default-exit "status $?: $(head -c 300 "$TMP/a.err")"
fi

# --- a small budget ---------------------------------------------------------
if fl2ipfix -w "$TMP/b.pcap" --message-size 512 "$TMP/in.log" 2>"$TMP/b.err"
then
	decodes small "$TMP/b.pcap"
	m=$(info "$TMP/b.pcap" max_payload)
	if [ "$m" -le 512 ]; then ok small-budget
	else fail small-budget "largest message $m"; fi
else
	fail small-exit "status $?: $(head -c 300 "$TMP/b.err")"
fi

# --- reproducible: --export-time fixes Export Time and packet times ----------
fl2ipfix -w "$TMP/r1.pcap" --export-time 1764201600 "$TMP/in.log" 2>/dev/null
fl2ipfix -w - --export-time 1764201600 "$TMP/in.log" >"$TMP/r2.pcap" 2>/dev/null
if cmp -s "$TMP/r1.pcap" "$TMP/r2.pcap"; then ok reproducible
else fail reproducible "two runs (file and stdout) differ"; fi
t=$(info "$TMP/r1.pcap" times)
if [ "$t" = 1764201600 ]; then ok packet-time
else fail packet-time "packet times $t"; fi
e=$($TSHARK -r "$TMP/r1.pcap" -T fields -e cflow.exporttime 2>/dev/null | sort -u)
if [ "$e" = 1764201600 ]; then ok export-time
else fail export-time "Export Times $e"; fi

# --- -d gives the pcap its destination (nobody listens there: not fatal) ------
P=$(free_udp_port)
if fl2ipfix -d "127.0.0.1:$P" -w "$TMP/d.pcap" "$TMP/in.log" 2>"$TMP/d.err"
then
	decodes dest "$TMP/d.pcap"
	a=$($TSHARK -r "$TMP/d.pcap" -T fields -e ip.dst -e udp.srcport \
	    -e udp.dstport 2>/dev/null | sort -u | tr '\t' ' ')
	if [ "$a" = "127.0.0.1 4739 $P" ]; then ok dest-address
	else fail dest-address "$a"; fi
else
	fail dest-exit "status $?: $(head -c 300 "$TMP/d.err")"
fi

P=$(free_udp_port)
if fl2ipfix -d "[::1]:$P" -w "$TMP/v6.pcap" "$TMP/in.log" 2>"$TMP/v6.err"; then
	decodes ipv6 "$TMP/v6.pcap"
	a=$($TSHARK -r "$TMP/v6.pcap" -T fields -e ipv6.src -e ipv6.dst \
	    -e udp.dstport 2>/dev/null | sort -u | tr '\t' ' ')
	if [ "$a" = "2001:db8::1 ::1 $P" ]; then ok ipv6-address
	else fail ipv6-address "$a"; fi
	m=$(info "$TMP/v6.pcap" max_payload)
	if [ "$m" -le 1372 ]; then ok ipv6-budget
	else fail ipv6-budget "largest message $m"; fi
elif grep -q 'Address family\|Cannot assign\|unreachable' "$TMP/v6.err"; then
	echo "SKIP ipv6: no IPv6 on this machine: NOT CHECKED"
else
	fail ipv6-exit "status $?: $(head -c 300 "$TMP/v6.err")"
fi

# --- all three outputs at once, each with its own budget --------------------
P=$(free_udp_port)
if fl2ipfix -o "$TMP/all.ipfix" -d "127.0.0.1:$P" -w "$TMP/all.pcap" \
    --stats=json "$TMP/in.log" 2>"$TMP/all.err"; then
	s=$(tail -1 "$TMP/all.err" | python3 -c 'import json,sys
d = json.load(sys.stdin)
print(" ".join("%s:%s:%s" % (o["kind"], o["message_size"], o["flow_records"])
    for o in d["outputs"]))')
	if [ "$s" = "file:65535:300 udp:1372:300 pcap:1372:300" ]; then
		ok all-outputs
	else
		fail all-outputs "$s"
	fi
	# The IPFIX file holds the same flows (tshark reads RFC 5655 files).
	$TSHARK -r "$TMP/all.ipfix" -T json 2>/dev/null | $OUT tshark >"$TMP/all.rows"
	if cmp -s "$TMP/expect" "$TMP/all.rows"; then ok all-file-flows
	else fail all-file-flows "$(wc -l <"$TMP/all.rows") rows"; fi
	decodes all "$TMP/all.pcap"
else
	fail all-exit "status $?: $(head -c 300 "$TMP/all.err")"
fi

fl2ipfix -o - -w - "$TMP/in.log" >/dev/null 2>&1
st=$?
if [ "$st" -eq 64 ]; then ok both-stdout; else fail both-stdout "status $st"; fi

# --- a failed write leaves a readable file, cut at a packet ------------------
# 10000 flows make a 650 kB pcap, more than the 512 KiB the sink buffers,
# so the first flush lands; the file-size limit (ulimit -f: 512-octet
# blocks in a POSIX sh) stops the second one part way.
python3 "$TOP/tests/outputs.py" gen 10000 12 >"$TMP/big.log"
(trap '' XFSZ; ulimit -f 1100; exec "$FL2IPFIX" -w "$TMP/cut.pcap" \
    "$TMP/big.log") 2>"$TMP/cut.err"
st=$?
if [ "$st" -eq 2 ] && grep -q 'cut.pcap' "$TMP/cut.err"; then ok cut-exit
else fail cut-exit "status $st: $(head -c 300 "$TMP/cut.err")"; fi
sz=$(wc -c <"$TMP/cut.pcap")
n=$(info "$TMP/cut.pcap" packets)
tr=$(info "$TMP/cut.pcap" truncated)
if [ "$tr" = None ] && [ "$n" -gt 0 ] && [ "$sz" -lt 563200 ]; then
	ok cut-whole-packets
else
	fail cut-whole-packets "$sz octets, $n packets, truncated=$tr"
fi
if $TSHARK -r "$TMP/cut.pcap" >/dev/null 2>"$TMP/cut.terr" &&
    noroot "$TMP/cut.terr" && [ ! -s "$TMP/cut.terr" ]; then
	ok cut-readable
else
	fail cut-readable "$(head -c 300 "$TMP/cut.terr")"
fi

if [ -w /dev/full ]; then
	fl2ipfix -w /dev/full "$TMP/in.log" 2>"$TMP/full.err"
	st=$?
	if [ "$st" -eq 2 ] && grep -q 'No space' "$TMP/full.err"; then
		ok dev-full
	else
		fail dev-full "status $st: $(head -c 300 "$TMP/full.err")"
	fi
fi
