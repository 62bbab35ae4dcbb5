#!/bin/sh
# tests/t_idmap.sh: the id map (-m) across runs, in parallel, after SIGKILL,
# when corrupt or unwritable; names (-N) in options records as ipfixDump,
# tshark and nfdump (via nfcapd) show them.  Output is decoded by
# tests/ipfixrecs.py and checked against the input lines and the map by
# tests/flowcheck.py.
. "$(dirname "$0")/lib.sh"
need python3 python3 || exit 0
# Debian's interpreter: starts fast, whatever else is first on PATH.
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
need ipfixDump libfixbuf-tools || exit 0

# Random VPC logs: tests/genlog.py vpc SEED LINES ENI_LO ENI_HI VPC_LO VPC_HI.
gen() { $PY "$TOP/tests/genlog.py" vpc "$@"; }
decode() { timeout 60 $PY "$TOP/tests/ipfixrecs.py" "$@"; }
flowcheck() { $PY "$TOP/tests/flowcheck.py" "$@"; }
# gone PID: the process has exited (a zombie counts).
gone() { ! test -e "/proc/$1" || grep -q '^State:.*Z' "/proc/$1/status"; }
# mapids KIND MAP: "index id" lines of one kind.
mapids() { awk -v k="$1" '$1 == k && $3 !~ /#torn$/ { print $2, $3 }' "$2"; }

# -- Two runs over overlapping inputs, one map. -------------------------
MAP=$TMP/two.map
gen 1 400 0 59 0 9 >"$TMP/a.log"
gen 2 400 30 89 5 14 >"$TMP/b.log"
ET="--export-time 1764201600"
check two-runs-first fl2ipfix -m "$MAP" $ET -o "$TMP/a.ipfix" "$TMP/a.log"
cp "$MAP" "$TMP/two.map.1"
check two-runs-second fl2ipfix -m "$MAP" -o "$TMP/b.ipfix" "$TMP/b.log"
# The journal only grew: every earlier assignment is there, unchanged.
check two-runs-append-only cmp -n "$(wc -c <"$TMP/two.map.1")" \
    "$TMP/two.map.1" "$MAP"
mapids if "$TMP/two.map.1" | sort >"$TMP/if.1"
mapids if "$MAP" | sort >"$TMP/if.2"
check two-runs-old-ids-kept sh -c "comm -23 '$TMP/if.1' '$TMP/if.2' | \
    (! grep .)"
# ENIs 30-59 were in both inputs: the second run gave them nothing new.
check two-runs-counts sh -c "test $(wc -l <"$TMP/if.1") -eq 60 && \
    test $(wc -l <"$TMP/if.2") -eq 90 && \
    test $(mapids vrf "$MAP" | wc -l) -eq 15"
# New ids got integers nobody had.
check two-runs-new-fresh sh -c "awk '{print \$1}' '$TMP/if.1' | \
    sort -n | tail -1 | { read max; comm -13 '$TMP/if.1' '$TMP/if.2' | \
    awk -v m=\$max '\$1 <= m { bad = 1 } END { exit bad }'; }"
check two-runs-bijection flowcheck --map "$MAP"
decode ipfixdump "$TMP/a.ipfix" >"$TMP/a.json" &&
    check two-runs-first-agrees flowcheck "$TMP/a.json" -m "$MAP" "$TMP/a.log"
decode ipfixdump "$TMP/b.ipfix" >"$TMP/b.json" &&
    check two-runs-second-agrees flowcheck "$TMP/b.json" -m "$MAP" \
    "$TMP/b.log"
# A third run over the first input changes nothing and says the same.
cp "$MAP" "$TMP/two.map.2"
fl2ipfix -m "$MAP" $ET -o "$TMP/a3.ipfix" "$TMP/a.log"
check two-runs-rerun-map-unchanged cmp "$TMP/two.map.2" "$MAP"
check two-runs-rerun-same-bytes cmp "$TMP/a.ipfix" "$TMP/a3.ipfix"

# -- Without -m: in memory, dense from 16 and 1. --------------------------
fl2ipfix -o "$TMP/mem.ipfix" "$TMP/b.log"
decode ipfixdump "$TMP/mem.ipfix" >"$TMP/mem.json" &&
    check no-map-agrees flowcheck "$TMP/mem.json" "$TMP/b.log"
check no-map-dense sh -c "grep '\"tid\": 65000' '$TMP/mem.json' | \
    grep -c '\"10\": ' | grep -qx 62"

# -- Eight processes in parallel over overlapping random ids. -------------
MAP=$TMP/par.map
i=1
while [ $i -le 8 ]; do
	gen $((100 + i)) 600 0 299 0 39 >"$TMP/p$i.log"
	i=$((i + 1))
done
pids=
i=1
while [ $i -le 8 ]; do
	(exec timeout 60 $FL2IPFIX_WRAP "$FL2IPFIX" -m "$MAP" \
	    -o "$TMP/p$i.ipfix" "$TMP/p$i.log") &
	pids="$pids $!"
	i=$((i + 1))
done
st=0
for p in $pids; do
	wait "$p" || st=1
done
check parallel-all-exit-0 test $st -eq 0
check parallel-bijection flowcheck --map "$MAP"
check parallel-no-duplicates sh -c "test $(mapids if "$MAP" | wc -l) -eq \
    $(cat "$TMP"/p?.log | awk 'NR > 0 && $3 ~ /^eni-/ { print $3 }' | \
    sort -u | wc -l)"
# Each output's options records and flows agree with the final map.
decode ipfixdump "$TMP"/p?.ipfix &&
    check parallel-outputs-agree-with-map flowcheck -m "$MAP" \
    $(i=1; while [ $i -le 8 ]; do echo "$TMP/p$i.json $TMP/p$i.log";
    i=$((i + 1)); done)

# -- SIGKILL mid-run, then a rerun. ----------------------------------------
MAP=$TMP/kill.map
mkfifo "$TMP/fifo"
gen 7 3000 0 2999 0 99 0.002 >"$TMP/fifo" 2>/dev/null &
genpid=$!
(exec $FL2IPFIX_WRAP "$FL2IPFIX" -m "$MAP" -o "$TMP/k.ipfix" "$TMP/fifo") &
kpid=$!
if wait_for 20 sh -c "test \$(wc -l <'$MAP' 2>/dev/null || echo 0) -ge 60"
then
	kill -KILL "$kpid" 2>/dev/null
	wait "$kpid" 2>/dev/null
	st=$?
	check kill-was-mid-run test $st -eq 137
else
	fail kill-was-mid-run "the map did not grow to 60 lines in 20 s"
	kill -KILL "$kpid" 2>/dev/null
	wait "$kpid"
fi
kill "$genpid" 2>/dev/null
wait "$genpid" 2>/dev/null
cp "$MAP" "$TMP/kill.map.1"
check kill-map-bijection flowcheck --map "$MAP"
check kill-map-loads fl2ipfix -m "$MAP" -o "$TMP/k0.ipfix" "$TMP/a.log"
gen 7 3000 0 2999 0 99 >"$TMP/k.log"
check kill-rerun fl2ipfix -m "$MAP" -o "$TMP/k2.ipfix" "$TMP/k.log"
check kill-rerun-kept-ids cmp -n "$(wc -c <"$TMP/kill.map.1")" \
    "$TMP/kill.map.1" "$MAP"
decode ipfixdump "$TMP/k2.ipfix" >"$TMP/k2.json" &&
    check kill-rerun-agrees flowcheck "$TMP/k2.json" -m "$MAP" "$TMP/k.log"

# -- A torn last line (a writer killed inside write(2)). -------------------
MAP=$TMP/torn.map
fl2ipfix -m "$MAP" -o /dev/null "$TMP/a.log"
size=$(wc -c <"$MAP")
head -c $((size - 7)) "$MAP" >"$TMP/torn.tmp" && cat "$TMP/torn.tmp" >"$MAP"
lastid=$(tail -1 "$TMP/torn.tmp" | awk '{ print $3 }')
fl2ipfix -m "$MAP" -o "$TMP/t.ipfix" "$TMP/a.log" 2>"$TMP/torn.err"
check torn-ignored-exit-0 test $? -eq 0
check torn-reported grep -q "torn.map: id map: ignored an incomplete last" \
    "$TMP/torn.err"
check torn-marked grep -q "^[a-z]* [0-9]* ${lastid}#torn\$" "$MAP"
check torn-bijection flowcheck --map "$MAP"
decode ipfixdump "$TMP/t.ipfix" >"$TMP/t.json" &&
    check torn-output-agrees flowcheck "$TMP/t.json" -m "$MAP" "$TMP/a.log"
fl2ipfix -m "$MAP" -o /dev/null "$TMP/a.log" 2>"$TMP/torn2.err"
check torn-once-reported sh -c "test $? -eq 0 && ! test -s '$TMP/torn2.err'"

# -- Corrupt and unusable maps: clear error, exit 2, no output. ------------
# refuse NAME MAP PATTERN: fl2ipfix must fail naming the map, write no -o
# file and nothing to stdout.
refuse() {
	rm -f "$TMP/no.ipfix"
	fl2ipfix -m "$2" -o "$TMP/no.ipfix" "$TOP/samples/vpc-v2-default.log" \
	    2>"$TMP/refuse.err"
	st=$?
	if [ $st -ne 2 ]; then fail "$1" "exit $st, want 2"
	elif [ -e "$TMP/no.ipfix" ]; then fail "$1" "the -o file was created"
	elif ! grep -q -- "$3" "$TMP/refuse.err"; then
		fail "$1" "stderr: $(cat "$TMP/refuse.err"), want $3"
	else ok "$1"; fi
	fl2ipfix -m "$2" "$TOP/samples/vpc-v2-default.log" >"$TMP/no.out" \
	    2>/dev/null
	st=$?
	if [ $st -ne 2 ] || [ -s "$TMP/no.out" ]; then
		fail "$1-stdout" "exit $st, $(wc -c <"$TMP/no.out") bytes"
	else ok "$1-stdout"; fi
}
printf '# m\nif 16 eni-a\nif 17 eni-b\nif 16 eni-c\n' >"$TMP/c1.map"
refuse corrupt-two-ids "$TMP/c1.map" \
    "c1.map:4: id map: an integer is given to two ids"
printf '# m\nif 16 eni-a\nvrf 1 vpc-a\nif 17 eni-a\n' >"$TMP/c2.map"
refuse corrupt-two-ints "$TMP/c2.map" "c2.map:4: id map: eni-a has two"
printf 'if 16 eni-a\nhello world\nif 17 eni-b\n' >"$TMP/c3.map"
refuse corrupt-garbage "$TMP/c3.map" "c3.map:2: id map: not a line"
head -c 300 /bin/sh >"$TMP/c4.map"
refuse corrupt-binary "$TMP/c4.map" "c4.map:1: id map"
cp "$TMP/c1.map" "$TMP/c1.copy"
check corrupt-left-alone cmp "$TMP/c1.map" "$TMP/c1.copy"
mkdir "$TMP/dir.map"
refuse unwritable-directory "$TMP/dir.map" "dir.map: id map: Is a directory"
refuse unwritable-device /dev/full "/dev/full: id map: not a regular file"
refuse unwritable-no-dir "$TMP/none/x.map" "x.map: id map: No such file"
refuse unwritable-sysfs /sys/kernel/notes "notes: id map:"
# A read-only file system (root may write anything else): a private mount
# namespace, so nothing leaks out of this test.
if command -v unshare >/dev/null 2>&1 && unshare -m true 2>/dev/null; then
	mkdir "$TMP/ro"
	cp "$TMP/two.map.1" "$TMP/ro.src"
	unshare -m sh -c "mount -t tmpfs -o size=1m tmpfs '$TMP/ro' &&
	    cp '$TMP/ro.src' '$TMP/ro/m.map' &&
	    mount -o remount,ro '$TMP/ro' &&
	    $FL2IPFIX_WRAP '$FL2IPFIX' -m '$TMP/ro/m.map' -o '$TMP/ro.ipfix' \
	    '$TOP/samples/vpc-v2-default.log'" 2>"$TMP/ro.err"
	st=$?
	if [ $st -eq 2 ] && [ ! -e "$TMP/ro.ipfix" ] &&
	    grep -q "m.map: id map: Read-only file system" "$TMP/ro.err"; then
		ok unwritable-read-only-fs
	else
		fail unwritable-read-only-fs "exit $st: $(cat "$TMP/ro.err")"
	fi
else
	echo "SKIP unwritable-read-only-fs: no unshare -m here: NOT CHECKED"
fi

# -- Names: ipfixDump, tshark, nfdump. -------------------------------------
NAMES=$TOP/samples/names.tsv
cat "$TOP/samples/vpc-v5-console-order.log" "$TOP/samples/tgw-default.log" \
    "$TOP/samples/vpc-v2-default.log" >"$TMP/mixed.log"
# Long and multi-byte names are cut at 255 octets on a character boundary
# (1 + 84 * 3 = 253), which takes the three-octet length form.
long=$($PY -c 'print("x" + "\u20ac" * 100)')
printf 'eni-0123456789abcdef0\t%s\tNone\nvpc-05566778899aabbcc\t%s\tx\n' \
    "$long" "$long" >"$TMP/long.tsv"
MAP=$TMP/names.map
check names-convert fl2ipfix -N "$NAMES" -m "$MAP" --message-size 1400 \
    -o "$TMP/n.ipfix" "$TMP/mixed.log"
decode ipfixdump "$TMP/n.ipfix" >"$TMP/n.json" &&
    check names-ipfixdump flowcheck "$TMP/n.json" -N "$NAMES" -m "$MAP" \
    "$TMP/mixed.log"
check names-ipfixdump-values sh -c "grep -q '\"83\": \"web-1 (Primary \
network interface)\"' '$TMP/n.json' && grep -q '\"236\": \"prod\"' \
'$TMP/n.json' && grep -q '\"83\": \"db-replica\"' '$TMP/n.json'"
fl2ipfix -N "$TMP/long.tsv" -N "$NAMES" -o "$TMP/long.ipfix" "$TMP/mixed.log"
decode ipfixdump "$TMP/long.ipfix" >"$TMP/long.json" &&
    check names-long-cut flowcheck "$TMP/long.json" -N "$TMP/long.tsv" \
    -N "$NAMES" "$TMP/mixed.log"
check names-long-253-octets $PY -c "import json, sys
n = sum(1 for l in open('$TMP/long.json') for v in json.loads(l).values()
        if v == 'x' + '\u20ac' * 84)
sys.exit(n != 2)"
# tshark's cflow.if_name, cflow.if_descr and cflow.vrfname (in its PDML)
# must say what ipfixDump says, record for record.
if need tshark tshark; then
	cp "$TMP/n.ipfix" "$TMP/nt.ipfix"
	cp "$TMP/long.ipfix" "$TMP/longt.ipfix"
	decode tshark "$TMP/nt.ipfix" "$TMP/longt.ipfix" &&
	    check names-tshark flowcheck -N "$NAMES" -m "$MAP" \
	    "$TMP/nt.json" "$TMP/mixed.log"
	check names-tshark-same-as-ipfixdump cmp "$TMP/n.json" "$TMP/nt.json"
	check names-tshark-values sh -c "grep -q '\"83\": \"web-1 (Primary \
network interface)\"' '$TMP/nt.json' && grep -q '\"236\": \"prod\"' \
'$TMP/nt.json' && grep -q '\"82\": \"tgw-attach-0a1a2a3a4a5a6a7a8\"' \
'$TMP/nt.json'"
	check names-long-tshark cmp "$TMP/long.json" "$TMP/longt.json"
fi

# nfdump reads names only from what nfcapd received: one message a datagram.
cat >"$TMP/send.py" <<'EOF'
import socket, struct, sys
data = open(sys.argv[1], "rb").read()
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.connect(("127.0.0.1", int(sys.argv[2])))
off = n = 0
while off < len(data):
    ver, length = struct.unpack(">HH", data[off:off + 4])
    if ver != 10 or length < 16 or off + length > len(data):
        sys.exit("not an IPFIX message at offset %d" % off)
    s.send(data[off:off + length])
    off += length
    n += 1
print(n)
EOF
if need nfcapd nfdump; then
	port=$(free_udp_port)
	mkdir "$TMP/nf"
	nfcapd -w "$TMP/nf" -b 127.0.0.1 -p "$port" -t 3600 \
	    >"$TMP/nfcapd.log" 2>&1 &
	nfpid=$!
	hexport=$(printf '%04X' "$port")
	if wait_for 30 grep -q "0100007F:$hexport " /proc/net/udp; then
		$PY "$TMP/send.py" "$TMP/n.ipfix" "$port" >/dev/null
		# nfcapd has read every datagram when its queue is empty.
		wait_for 30 sh -c "awk '\$2 ~ /:$hexport\$/ && \
		    \$5 == \"00000000:00000000\" { f = 1 } END { exit !f }' \
		    /proc/net/udp" || echo "# nfcapd's queue did not drain"
		kill -TERM "$nfpid"
		wait_for 30 gone "$nfpid" || kill -KILL "$nfpid"
		wait "$nfpid" 2>/dev/null
		nfdump -N -q -r "$(ls "$TMP"/nf/nfcapd.2* | head -1)" \
		    -o 'fmt:%in|%inam|%out|%onam|%ivrf|%ivrfnam|%evrf|%evrfnam' \
		    2>"$TMP/nfdump.err" | sed 's/ *| */|/g; s/^ *//; s/ *$//' \
		    >"$TMP/nfdump.out"
		$PY - "$TMP/nfdump.out" "$TMP/n.json" <<'EOF' >"$TMP/nf.check"
import json, sys
rows = [l.rstrip("\n").split("|") for l in open(sys.argv[1]) if l.strip()]
names = {}
for l in open(sys.argv[2]):
    r = json.loads(l)
    if r["tid"] == 65001:
        names[("if", r["10"])] = r["83"]
    if r["tid"] == 65003:
        names[("vrf", r["234"])] = r["236"]
flows = [json.loads(l) for l in open(sys.argv[2])]
flows = [r for r in flows if r["tid"] < 65000]
bad = []
if len(rows) != len(flows):
    bad.append("%d rows, %d flows" % (len(rows), len(flows)))
for row, f in zip(rows, flows):
    want = []
    for ie, kind in ((10, "if"), (14, "if"), (234, "vrf"), (235, "vrf")):
        v = f.get(str(ie), 0)
        want += [str(v), names.get((kind, v), "") if v else ""]
    got = [x.strip() for x in row]
    if got != want:
        bad.append("got %s want %s" % (got, want))
print("\n".join(bad[:5]))
sys.exit(1 if bad else 0)
EOF
		if [ $? -eq 0 ]; then ok names-nfdump
		else fail names-nfdump "$(head -5 "$TMP/nf.check" | tr '\n' ' ')"
		fi
		check names-nfdump-shows sh -c "grep -q '|web-1 (Primary network \
interface)|' '$TMP/nfdump.out' && grep -q '|prod|' '$TMP/nfdump.out' && \
grep -q '|prod-attachment|' '$TMP/nfdump.out' && grep -q \
'|shared-services' '$TMP/nfdump.out'"
	else
		fail names-nfdump "nfcapd did not listen on port $port"
		kill -KILL "$nfpid"
		wait "$nfpid" 2>/dev/null
	fi
fi
exit 0
