#!/bin/sh
# tests/t_udp.sh: -d sends IPFIX over UDP; nfcapd (nfdump) and nfacctd
# (pmacct) receive every flow with its values; datagrams fit the budget;
# --rate paces; templates come again on schedule; a dead collector is
# counted, not fatal.
. "$(dirname "$0")/lib.sh"

OUT="python3 $TOP/tests/outputs.py"
python3 "$TOP/tests/outputs.py" gen 300 7 >"$TMP/in.log"
$OUT expect "$TMP/in.log" >"$TMP/expect"

# Is something bound to this UDP port on 127.0.0.1?
port_taken() {
	python3 -c 'import socket,sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(0)
sys.exit(1)' "$1"
}

# Has the socket on this 127.0.0.1 port read everything queued to it?
udp_drained() {
	_hex=$(printf '%04X' "$1")
	awk -v p=":$_hex" '$2 ~ p"$" { split($5, q, ":"); if (q[2] !~ /^0+$/) bad = 1 }
	    END { exit bad }' /proc/net/udp /proc/net/udp6 2>/dev/null
}

# stop PID SIGNAL: signal it and wait up to 30 s (a busy machine), then kill it.
stop() {
	kill -"$2" "$1" 2>/dev/null
	_i=0
	while kill -0 "$1" 2>/dev/null && [ "$_i" -lt 300 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

# same NAME FILE: the rows in FILE are the expected ones.
same() {
	if cmp -s "$TMP/expect" "$2"; then
		ok "$1"
	else
		fail "$1" "$(wc -l <"$2") rows, want $(wc -l <"$TMP/expect"); \
first difference: $(diff "$TMP/expect" "$2" | sed -n 2p)"
	fi
}

# send NAME PORT ARGS...: run fl2ipfix -d 127.0.0.1:PORT on the input.
send() {
	_n=$1 _p=$2
	shift 2
	if fl2ipfix -d "127.0.0.1:$_p" "$@" "$TMP/in.log" 2>"$TMP/$_n.err"
	then ok "$_n-exit"
	else fail "$_n-exit" "status $?: $(head -c 300 "$TMP/$_n.err")"; fi
}

# --- nfcapd ----------------------------------------------------------------
if need nfcapd nfdump && need nfdump nfdump; then
	P=$(free_udp_port)
	mkdir "$TMP/nfc"
	nfcapd -w "$TMP/nfc" -b 127.0.0.1 -p "$P" -t 60 >"$TMP/nfcapd.log" 2>&1 &
	NPID=$!
	if wait_for 30 port_taken "$P"; then
		send nfcapd "$P"
		wait_for 30 udp_drained "$P" || echo "# nfcapd did not drain"
		stop "$NPID" TERM
		TZ=UTC nfdump -6 -N -q -r "$TMP"/nfc/nfcapd.2* -o \
		    'fmt:%sa|%da|%sp|%dp|%pr|%pkt|%byt|%ts|%te|%in|%out' \
		    2>"$TMP/nfdump.err" | $OUT nfdump >"$TMP/nfcapd.rows"
		same nfcapd-flows "$TMP/nfcapd.rows"
	else
		stop "$NPID" TERM
		fail nfcapd-start "$(head -c 300 "$TMP/nfcapd.log")"
	fi
fi

# --- pmacct nfacctd ------------------------------------------------------------
if need nfacctd pmacct; then
	P=$(free_udp_port)
	mkdir "$TMP/nfa"
	cat >"$TMP/nfa/nfacctd.conf" <<EOF
daemonize: false
nfacctd_ip: 127.0.0.1
nfacctd_port: $P
plugins: print[out]
aggregate[out]: src_host, dst_host, src_port, dst_port, proto, in_iface, out_iface, timestamp_start, timestamp_end
print_output[out]: csv
print_output_file[out]: $TMP/nfa/out.csv
print_refresh_time[out]: 3600
print_num_protos[out]: true
timestamps_utc: true
EOF
	nfacctd -f "$TMP/nfa/nfacctd.conf" >"$TMP/nfacctd.log" 2>&1 &
	NPID=$!
	if wait_for 30 port_taken "$P"; then
		send nfacctd "$P"
		wait_for 30 udp_drained "$P" || echo "# nfacctd did not drain"
		# SIGINT makes nfacctd 1.7.7 purge its cache to the CSV and exit.
		stop "$NPID" INT
		if [ -s "$TMP/nfa/out.csv" ]; then
			$OUT pmacct "$TMP/nfa/out.csv" >"$TMP/nfacctd.rows"
			same nfacctd-flows "$TMP/nfacctd.rows"
		else
			fail nfacctd-flows "no CSV: $(tail -c 300 "$TMP/nfacctd.log")"
		fi
	else
		stop "$NPID" INT
		fail nfacctd-start "$(head -c 300 "$TMP/nfacctd.log")"
	fi
fi

# --- datagrams: budget, counts, IPv6, host names -----------------------------
# recv NAME ADDR...: start a receiver; it writes sizes to $TMP/NAME.sizes.
recv() {
	_n=$1
	shift
	python3 "$TOP/tests/outputs.py" recv "$TMP/$_n.sizes" 30 "$@" \
	    2>"$TMP/$_n.recv.err" &
	RPID=$!
	wait_for 30 test -e "$TMP/$_n.sizes.ready"
}

# sizes NAME MAX SENT PORT: SENT datagrams arrived, none larger than MAX.
sizes() {
	wait_for 30 udp_drained "$4"
	stop "$RPID" TERM
	if [ ! -s "$TMP/$1.sizes" ]; then
		fail "$1-datagrams" "none arrived: $(head -c 300 "$TMP/$1.recv.err")"
		return
	fi
	_got=$(wc -l <"$TMP/$1.sizes")
	_max=$(sort -n "$TMP/$1.sizes" | tail -1)
	if [ "$_got" -eq "$3" ] && [ "$_max" -le "$2" ]; then
		ok "$1-datagrams"
	else
		fail "$1-datagrams" "$_got arrived (sent $3), largest $_max > $2?"
	fi
}

json() {
	python3 -c 'import json,sys
d = json.loads(open(sys.argv[1]).read().splitlines()[-1])
o = d["outputs"][int(sys.argv[2])]
print(o[sys.argv[3]])' "$@"
}

P=$(free_udp_port)
if recv budget "127.0.0.1:$P"; then
	send budget "$P" --message-size 600 --stats=json
	sizes budget 600 "$(json "$TMP/budget.err" 0 sent)" "$P"
else
	fail budget-recv "receiver did not start"
fi

P=$(free_udp_port)
if recv default "127.0.0.1:$P"; then
	send default "$P" --stats=json
	sizes default 1372 "$(json "$TMP/default.err" 0 sent)" "$P"
else
	fail default-recv "receiver did not start"
fi

P=$(free_udp_port)
if recv ipv6 "[::1]:$P" 2>/dev/null; then
	if fl2ipfix -d "[::1]:$P" --stats=json "$TMP/in.log" 2>"$TMP/ipv6.err"
	then sizes ipv6 1372 "$(json "$TMP/ipv6.err" 0 sent)" "$P"
	else fail ipv6 "status $?: $(head -c 300 "$TMP/ipv6.err")"; fi
else
	kill "$RPID" 2>/dev/null
	echo "SKIP ipv6: no ::1 on this machine: NOT CHECKED"
fi

# A host name: resolved once, whichever family comes first.
P=$(free_udp_port)
# A bare chroot has no /etc/hosts: there "localhost" is not a name at all.
if ! getent hosts localhost >/dev/null 2>&1; then
	echo "SKIP name: localhost does not resolve here (no /etc/hosts?): NOT CHECKED"
elif recv name "127.0.0.1:$P" "[::1]:$P" 2>/dev/null ||
    recv name "127.0.0.1:$P"; then
	if fl2ipfix -d "localhost:$P" --stats=json "$TMP/in.log" 2>"$TMP/name.err"
	then sizes name 1372 "$(json "$TMP/name.err" 0 sent)" "$P"
	else fail name "status $?: $(head -c 300 "$TMP/name.err")"; fi
fi

# --- --rate, --template-refresh, --progress: one paced run of ~3 s -----------
# 450 records at 150/s take 3 s less the first 50 ms burst; the bound is
# generous on the slow side (a busy machine), tight only on the fast side.
P=$(free_udp_port)
if recv rate "127.0.0.1:$P"; then
	python3 "$TOP/tests/outputs.py" gen 450 8 >"$TMP/slow.log"
	t0=$(date +%s.%N)
	if fl2ipfix -d "127.0.0.1:$P" -w "$TMP/slow.pcap" --rate 150 \
	    --template-refresh 1 --progress --stats=json "$TMP/slow.log" \
	    2>"$TMP/rate.err"; then
		t1=$(date +%s.%N)
		el=$(echo "$t0 $t1" | awk '{ printf "%.2f", $2 - $1 }')
		if awk -v e="$el" 'BEGIN { exit !(e >= 2.7 && e <= 15) }'; then
			ok rate
		else
			fail rate "450 records at --rate 150 took $el s"
		fi
		sizes rate 1372 "$(json "$TMP/rate.err" 0 sent)" "$P"
		# The pcap shows the templates again in (at least) three seconds.
		n=$($OUT pcapinfo "$TMP/slow.pcap" | python3 -c \
		    'import json,sys; print(len(json.load(sys.stdin)["template_times"]))')
		if [ "$n" -ge 3 ]; then ok template-refresh
		else fail template-refresh "templates in $n distinct seconds"; fi
		r=$(json "$TMP/rate.err" 0 template_refreshes)
		if [ "$r" -ge 2 ]; then ok template-refresh-stats
		else fail template-refresh-stats "$r refreshes"; fi
		# --progress into a file: whole lines, the last one complete.
		if grep -q '^fl2ipfix: 0/1 operands' "$TMP/rate.err" &&
		    grep '^fl2ipfix: 1/1 operands' "$TMP/rate.err" |
		    grep -q ' 450 records'; then
			ok progress
		else
			fail progress "$(head -c 300 "$TMP/rate.err")"
		fi
	else
		fail rate "status $?: $(head -c 300 "$TMP/rate.err")"
	fi
else
	fail rate-recv "receiver did not start"
fi

# --- a collector that is not there -------------------------------------------
# Nobody listens: ICMP port unreachable comes back as ECONNREFUSED on the
# next send.  --rate spreads the sends so that happens within the run.
P=$(free_udp_port)
if fl2ipfix -d "127.0.0.1:$P" --rate 2000 --stats=json "$TMP/in.log" \
    2>"$TMP/down.err"; then
	ok down-exit
else
	fail down-exit "status $?: $(head -c 300 "$TMP/down.err")"
fi
f=$(json "$TMP/down.err" 0 send_failures 2>/dev/null)
e=$(json "$TMP/down.err" 0 send_error 2>/dev/null)
if [ "${f:-0}" -gt 0 ] && [ "$e" = "Connection refused" ]; then
	ok down-counted
else
	fail down-counted "send_failures ${f:-?}, send_error '$e'"
fi
n=$(grep -v '^{' "$TMP/down.err" | grep -c 'Connection refused')
if [ "$n" -eq 1 ]; then ok down-reported-once
else fail down-reported-once "$n messages"; fi

# --- bad destinations are usage errors ----------------------------------------
for d in '[::1' '[::1]x' '127.0.0.1:0' '127.0.0.1:65536' ':4739' \
    '127.0.0.1:http'; do
	fl2ipfix -d "$d" "$TMP/in.log" 2>"$TMP/bad.err"
	st=$?
	if [ "$st" -eq 64 ]; then ok "bad-destination $d"
	else fail "bad-destination $d" "status $st: $(head -c 200 "$TMP/bad.err")"; fi
done
