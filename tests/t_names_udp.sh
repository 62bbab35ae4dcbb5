#!/bin/sh
# tests/t_names_udp.sh: interface and VRF names (-N) over UDP (-d).  nfcapd
# receiving straight from fl2ipfix shows the names of every flow in nfdump;
# options records come again with every template refresh (tshark reads
# them in the pcap of a paced run), so a collector that starts late still
# learns the names; a file and a pcap without refresh carry each options
# record exactly once.  tests/namesudp.py holds the oracles.
. "$(dirname "$0")/lib.sh"
need python3 python3 || exit 0
# Debian's interpreter: starts fast, whatever else is first on PATH.
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
NU="$PY $TOP/tests/namesudp.py"
NAMES=$TOP/samples/names.tsv
LOGS="$TOP/samples/tgw-default.log $TOP/samples/vpc-v2-default.log \
$TOP/samples/vpc-v5-console-order.log"
NF='fmt:%sa|%da|%in|%inam|%out|%onam|%ivrf|%ivrfnam|%evrf|%evrfnam'

# Is something bound to this UDP port on 127.0.0.1?
port_taken() {
	grep -q "^ *[0-9]*: 0100007F:$(printf '%04X' "$1") " /proc/net/udp
}

# Has the socket on this 127.0.0.1 port read everything queued to it?
udp_drained() {
	awk -v p=":$(printf '%04X' "$1")" '$2 ~ p"$" {
	    split($5, q, ":"); if (q[2] !~ /^0+$/) bad = 1 } END { exit bad }' \
	    /proc/net/udp
}

# note: show what the last check's oracle said, as a comment.
note() { sed 's/^/# /' "$TMP/check.out"; }

# gone PID: the process has exited (a zombie counts).
gone() { ! test -e "/proc/$1" || grep -q '^State:.*Z' "/proc/$1/status"; }

# stop PID SIGNAL: signal it and wait up to 10 s, then kill it.
stop() {
	kill -"$2" "$1" 2>/dev/null
	wait_for 30 gone "$1" || kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

# nfcapd_start DIR PORT: nfcapd in the background (NFPID), listening.
nfcapd_start() {
	mkdir "$1"
	nfcapd -w "$1" -b 127.0.0.1 -p "$2" -t 3600 >"$1.log" 2>&1 &
	NFPID=$!
	wait_for 30 port_taken "$2"
}

# nfcapd_rows DIR PORT OUT: stop nfcapd once it has read everything, and
# write what nfdump shows of the flows it stored.
nfcapd_rows() {
	wait_for 30 udp_drained "$2" || echo "# nfcapd did not drain"
	stop "$NFPID" TERM
	nfdump -6 -N -q -r "$(ls "$1"/nfcapd.2* | head -1)" -o "$NF" \
	    >"$3" 2>"$3.err"
}

# json FILE KIND KEY: one member of the output of that kind in --stats=json.
json() {
	$PY -c 'import json, sys
d = json.loads(open(sys.argv[1]).read().splitlines()[-1])
print([o for o in d["outputs"] if o["kind"] == sys.argv[2]][0][sys.argv[3]])' \
	    "$@" 2>/dev/null
}

# -- 1. Straight to nfcapd: every flow of the samples has its names. --------
if need nfcapd nfdump && need nfdump nfdump; then
	P=$(free_udp_port)
	if nfcapd_start "$TMP/nf1" "$P"; then
		check direct-exit fl2ipfix -N "$NAMES" -m "$TMP/direct.map" \
		    -d "127.0.0.1:$P" $LOGS
		nfcapd_rows "$TMP/nf1" "$P" "$TMP/direct.rows"
		check direct-nfdump-names $NU nfdump "$NAMES" "$TMP/direct.map" \
		    "$TMP/direct.rows" $LOGS
		# The same, spelled out for a few names of each kind.
		check direct-nfdump-shows sh -c "
		    grep -q '| *19| *web-1 (Primary network interface)|' \
		    '$TMP/direct.rows' && grep -q '| *prod-attachment|' \
		    '$TMP/direct.rows' && grep -q '| *db-replica|' \
		    '$TMP/direct.rows' && grep -q '| *1| *traffic accepted by \
security groups and network ACLs|' '$TMP/direct.rows' && grep -q '| *2| \
*traffic rejected by security groups or network ACLs|' '$TMP/direct.rows' \
		    && grep -q '| *prod|' '$TMP/direct.rows' && \
		    grep -q '| *shared-services *$' '$TMP/direct.rows'"
	else
		stop "$NFPID" TERM
		fail direct-nfcapd "nfcapd did not listen on $P"
	fi
fi

# -- 2. A paced run: names again with every refresh; a late collector. ------
# 80 copies of the samples, 1600 flows at 400 a second: 4 s.  The first
# 20 records (every name) go out in the first burst of 50 ms.
i=0
while [ $i -lt 80 ]; do
	cat $LOGS
	i=$((i + 1))
done >"$TMP/slow.log"
if need tshark tshark && need nfcapd nfdump; then
	P=$(free_udp_port)
	t0=$(date +%s.%N)
	(exec $FL2IPFIX_WRAP "$FL2IPFIX" -N "$NAMES" -m "$TMP/slow.map" \
	    -d "127.0.0.1:$P" -w "$TMP/slow.pcap" --rate 400 \
	    --template-refresh 1 --stats=json "$TMP/slow.log" \
	    2>"$TMP/slow.err") &
	SPID=$!
	# The collector comes up 1.5 s in, after the first refresh: what
	# went before was refused or lost.
	late=0
	if ! wait_for 30 $NU refreshed "$TMP/slow.pcap" "$t0" 1.5 ||
	    gone "$SPID"; then
		fail late-start "no refresh in the pcap while the run lasted"
	elif nfcapd_start "$TMP/nf2" "$P"; then
		late=1
	else
		stop "$NFPID" TERM
		fail late-start "nfcapd did not listen on $P"
	fi
	wait_for 30 gone "$SPID" || kill -TERM "$SPID"
	wait "$SPID"
	st=$?
	check paced-exit test "$st" -eq 0
	r=$(json "$TMP/slow.err" pcap template_refreshes)
	check pcap-names-every-refresh $NU refreshes "$TMP/slow.pcap" "${r:-0}"
	note
	f=$(json "$TMP/slow.err" udp send_failures)
	check late-first-datagrams-refused test "${f:-0}" -gt 0
	if [ $late -eq 1 ]; then
		nfcapd_rows "$TMP/nf2" "$P" "$TMP/late.rows"
		check late-nfdump-names $NU nfdump "$NAMES" "$TMP/slow.map" \
		    "$TMP/late.rows" --suffix "$TMP/slow.log"
		note
		# It missed the start, and learnt every name after it.
		n=$(grep -c . "$TMP/late.rows")
		check late-missed-the-start test "$n" -lt 1600
		check late-learnt-all-names sh -c "
		    grep -q '| *web-1 (Primary network interface)|' \
		    '$TMP/late.rows' && grep -q '| *shared-attachment|' \
		    '$TMP/late.rows' && grep -q '| *traffic rejected by \
security groups or network ACLs|' '$TMP/late.rows' && \
		    grep -q '| *shared-services *$' '$TMP/late.rows'"
	fi
fi

# -- 3. A file and a pcap without refresh: each options record once. -------
i=0
while [ $i -lt 20 ]; do
	cat $LOGS
	i=$((i + 1))
done >"$TMP/many.log"
fl2ipfix -N "$NAMES" -o "$TMP/once.ipfix" -w "$TMP/once.pcap" \
    --message-size 512 --stats=json "$TMP/many.log" 2>"$TMP/once.stats"
check once-exit test $? -eq 0
check once-no-refresh test "$(json "$TMP/once.stats" pcap \
    template_refreshes)" -eq 0
if need ipfixDump libfixbuf-tools; then
	timeout 60 $PY "$TOP/tests/ipfixrecs.py" ipfixdump "$TMP/once.ipfix" \
	    >"$TMP/once.json" 2>"$TMP/once.err" &&
	    check once-file-ipfixdump $NU once "$TMP/once.json" ||
	    fail once-file-ipfixdump "$(head -c 300 "$TMP/once.err")"
fi
if need tshark tshark; then
	timeout 60 $PY "$TOP/tests/ipfixrecs.py" tshark "$TMP/once.pcap" \
	    >"$TMP/oncep.json" 2>"$TMP/oncep.err" &&
	    check once-pcap-tshark $NU once "$TMP/oncep.json" ||
	    fail once-pcap-tshark "$(head -c 300 "$TMP/oncep.err")"
fi
exit 0
