#!/bin/sh
# tests/t_interop.sh: random flow logs (tests/gen.py) in many layouts through
# fl2ipfix, then read back by a strict RFC 7011 check (tests/ipfixcheck.py)
# and by three independent decoders (python3-ipfix, libfixbuf's ipfixDump,
# tshark), value by value against the generator's expectation
# (tests/decode.py); --stats=json must add up to the same outcomes.
# INTEROP_SEED=N shifts every seed, to explore beyond the fixed ones.
. "$(dirname "$0")/lib.sh"

T=1700000000
SYSPY=/usr/bin/python3		# Debian's, where python3-ipfix lives
[ -x "$SYSPY" ] && PY=${PYTHON:-$SYSPY} || PY=${PYTHON:-python3}
G="$PY $TOP/tests/gen.py"
CHECK="$PY $TOP/tests/ipfixcheck.py"
DECODE="$TOP/tests/decode.py"
SHIFT=${INTEROP_SEED:-0}
export TZ=UTC

[ -x "$FL2IPFIX" ] || { fail interop "no $FL2IPFIX: run make first"; exit 0; }

have_dump=0; have_tshark=0; have_pyipfix=0
need ipfixDump libfixbuf-tools && have_dump=1
need tshark tshark && have_tshark=1
why="$SYSPY cannot import ipfix (Debian package python3-ipfix)"
if "$SYSPY" -c 'import ipfix.reader, ipfix.ie' >/dev/null 2>&1; then
	have_pyipfix=1
elif [ "${CI:-}" = true ]; then
	fail need-python3-ipfix "$why; under CI this is a failure"
else
	echo "SKIP need-python3-ipfix: $why: NOT CHECKED by $(basename "$0")"
fi

# The stats check: --stats=json (the whole of stderr) against the
# expectation and the strict check's summary.
cat >"$TMP/stats.py" <<'EOF'
import json, sys
err, summary = sys.argv[1:3]
lines = open(err, encoding="utf-8").read().splitlines()
if len(lines) != 1:
    sys.exit("stderr is not one JSON line: %r" % lines[:3])
st = json.loads(lines[0])
exps = [json.load(open(p, encoding="utf-8")) for p in sys.argv[3:]]
counts = {}
for e in exps:
    for k, v in e["counts"].items():
        counts[k] = counts.get(k, 0) + v
s = json.load(open(summary))
bad = []
oc = st["outcomes"]
if sum(oc.values()) != st["lines"]:
    bad.append("outcomes add up to %d, lines %d" % (sum(oc.values()),
                                                    st["lines"]))
nlines = sum(e["lines"] for e in exps)
if st["lines"] != nlines:
    bad.append("lines %d, expected %d" % (st["lines"], nlines))
for k in set(oc) | set(counts):
    if oc.get(k, 0) != counts.get(k, 0):
        bad.append("%s %d, expected %d" % (k, oc.get(k, 0), counts.get(k, 0)))
ex = [l["values"] for e in exps for l in e["line"]
      if l["outcome"] == "exported"]
if st["exported"]["records"] != len(ex):
    bad.append("exported.records %d, expected %d" % (
        st["exported"]["records"], len(ex)))
for k, ie in (("packets", "packetDeltaCount"), ("bytes", "octetDeltaCount")):
    total = min(sum(v.get(ie, 0) for v in ex), (1 << 64) - 1)  # saturates
    if st["exported"][k] != total:
        bad.append("exported.%s %d, expected %d" % (k, st["exported"][k],
                                                     total))
out = st["outputs"][0]
if out["flow_records"] != s["flow_records"] or \
        out["flow_records"] != len(ex):
    bad.append("flow_records %d, the file holds %d, expected %d" % (
        out["flow_records"], s["flow_records"], len(ex)))
if out["options_records"] != s["options_records"]:
    bad.append("options_records %d, the file holds %d" % (
        out["options_records"], s["options_records"]))
if out["templates"] != s["template_records"] + \
        s["options_template_records"]:
    bad.append("templates %d, the file holds %d" % (
        out["templates"], s["template_records"] +
        s["options_template_records"]))
if st["operands"]["failed"] != 0 or st["operands"]["total"] != len(exps):
    bad.append("operands %r for %d inputs" % (st["operands"], len(exps)))
if out["messages"] != s["messages"]:
    bad.append("messages %d, the file holds %d" % (out["messages"],
                                                   s["messages"]))
if bad:
    sys.exit("; ".join(bad))
EOF

# one NAME LINES PROFILE SEED [PROFILE SEED ...]: generate one input per
# profile and seed, convert them in one run, check.  GENOPTS and FLOPTS add
# options to gen.py and fl2ipfix; MAXSIZE is the message size limit to
# check; PYMAX the most lines python3-ipfix is given; STDIN=1 feeds the
# (single) input on stdin.
one() {
	n=$1 nl=$2
	shift 2
	b=$TMP/$n
	inputs= exps= fmt= k=0
	while [ $# -ge 2 ]; do
		k=$((k + 1))
		seed=$(($2 + SHIFT))
		case ${GENOPTS:-} in
		*gzip-members*) log=$b.$k.log.gz ;;
		*) log=$b.$k.log ;;
		esac
		# With --headerless, gen.py prints the layout as a -F format.
		# shellcheck disable=SC2086
		if ! fmt=$($G --seed "$seed" --profile "$1" --lines "$nl" \
		    ${GENOPTS:-} -o "$log" -e "$b.$k.json" 2>"$b.gen"); then
			fail "interop-$n-gen" "$(head -c 400 "$b.gen")"
			return
		fi
		inputs="$inputs $log"
		exps="$exps --expect $b.$k.json"
		shift 2
	done
	set --
	[ -n "$fmt" ] && set -- -F "$fmt"
	# shellcheck disable=SC2086
	if [ "${STDIN:-0}" = 1 ]; then
		fl2ipfix "$@" --export-time $T --stats=json ${FLOPTS:-} \
		    -o "$b.ipfix" <"$log" 2>"$b.stats"
	else
		fl2ipfix "$@" --export-time $T --stats=json ${FLOPTS:-} \
		    -o "$b.ipfix" $inputs 2>"$b.stats"
	fi
	rc=$?
	if [ $rc -ne 0 ]; then
		fail "interop-$n-run" "exit $rc (seed $seed): $(head -c 400 "$b.stats")"
		return
	fi
	# shellcheck disable=SC2086
	if $CHECK --max-size "${MAXSIZE:-65535}" --export-time $T ${CHECKOPTS:-} \
	    --json "$b.ipfix" >"$b.sum" 2>"$b.chk"; then
		ok "interop-$n-ipfixcheck"
	else
		fail "interop-$n-ipfixcheck" "seed $seed: $(head -c 400 "$b.chk")"
		return
	fi
	# shellcheck disable=SC2086
	check "interop-$n-stats" $PY "$TMP/stats.py" "$b.stats" "$b.sum" \
	    $(echo $exps | sed 's/--expect //g')
	if [ $have_pyipfix = 1 ] && [ "$nl" -le "${PYMAX:-1000}" ]; then
		check "interop-$n-python3-ipfix" timeout 60 "$SYSPY" "$DECODE" \
		    pyipfix "$b.ipfix" $exps --summary "$b.sum"
	fi
	if [ $have_dump = 1 ]; then
		ipfixDump --rfc5610 -i "$b.ipfix" >"$b.dump" 2>"$b.dumperr"
		if [ -s "$b.dumperr" ]; then
			fail "interop-$n-ipfixDump" "stderr: $(head -c 400 "$b.dumperr")"
		else
			check "interop-$n-ipfixDump" $PY "$DECODE" ipfixdump \
			    "$b.dump" $exps --summary "$b.sum"
		fi
	fi
	if [ $have_tshark = 1 ]; then
		if ! tshark -r "$b.ipfix" -T json >"$b.tshark" 2>"$b.tserr"; then
			fail "interop-$n-tshark" "tshark failed: $(head -c 400 "$b.tserr")"
		else
			check "interop-$n-tshark" $PY "$DECODE" tshark "$b.tshark" \
			    $exps --summary "$b.sum"
		fi
		tshark -r "$b.ipfix" -Y '_ws.expert || _ws.malformed' -T fields \
		    -e frame.number -e _ws.expert.message >"$b.expert" 2>/dev/null
		if [ -s "$b.expert" ]; then
			fail "interop-$n-tshark-expert" "$(head -c 400 "$b.expert" | tr '\n' ' ')"
		else
			ok "interop-$n-tshark-expert"
		fi
	fi
}

# The layouts of issue 2, one by one, then all mixed.
STDIN=1 one v2 300 v2 1
one v2-header 200 v2-header 2
one v5-custom 300 v5-custom 3
GENOPTS="--headerless" one v5-format 200 v5-custom 4
one console 300 console 5
one random 300 random 6
GENOPTS="--headerless" one random-format 200 random 7
one ipv6 300 ipv6 8
one big64 300 big 9
one tgw 300 tgw 10
one tgw-custom 300 tgw-custom 11
GENOPTS="--gzip-members 6" one mix-gzip 400 mix 12
GENOPTS="--gzip-members 3 --crlf 1" FLOPTS="--message-size 512 --domain 7" \
    MAXSIZE=512 CHECKOPTS="--domain 7" one mix-small 300 mix 13
# Several operands: each starts afresh (header-less v2 after a TGW file).
GENOPTS="--gzip-members 2" one operands 150 tgw 14 v2 15 mix 16 v2 17
# Larger input: the strict check, ipfixDump and tshark only.
GENOPTS="--gzip-members 9" PYMAX=0 one mix-large 8000 mix 18

# One element list, one template id: in every run (issue 2).
check interop-template-ids $PY - "$TMP"/*.sum <<'EOF'
import json, sys
byid, byfields = {}, {}
for path in sys.argv[1:]:
    for k, f in json.load(open(path))["template_fields"].items():
        tid = k.split("/")[1]
        if byid.setdefault(tid, f) != f:
            sys.exit("template %s is %r in one run, %r in another" % (
                tid, byid[tid], f))
        if byfields.setdefault(f, tid) != tid:
            sys.exit("%r has template ids %s and %s" % (f, byfields[f], tid))
if len(byid) < 50:
    sys.exit("only %d templates seen" % len(byid))
EOF

# The checks must be able to fail: a wrong expected value, and broken files.
b=$TMP/mix-small
if [ -s "$b.dump" ]; then
	$PY - "$b.1.json" "$b.bad.json" <<'EOF'
import json, sys
e = json.load(open(sys.argv[1], encoding="utf-8"))
for l in e["line"]:
    if l["outcome"] == "exported":
        v = l["values"]
        k = sorted(v)[0]
        v[k] = v[k] + 1 if isinstance(v[k], int) else "10.255.255.254"
        break
json.dump(e, open(sys.argv[2], "w"))
EOF
	if $PY "$DECODE" ipfixdump "$b.dump" --expect "$b.bad.json" >/dev/null 2>&1; then
		fail interop-selftest-decode "a wrong value went unnoticed"
	else
		ok interop-selftest-decode
	fi
fi
if [ -s "$b.ipfix" ]; then
	$PY - "$b.ipfix" "$TMP/bad" <<'EOF'
import struct, sys
src, out = sys.argv[1], sys.argv[2]
d = bytearray(open(src, "rb").read())
l0 = struct.unpack_from(">H", d, 2)[0]
def w(name, b):
    open("%s.%s" % (out, name), "wb").write(b)
b = bytearray(d); b[1] = 9; w("version", b)
w("truncated", d[:-1])
b = bytearray(d); struct.pack_into(">I", b, l0 + 8, 0); w("sequence", b)
b = bytearray(d); struct.pack_into(">I", b, l0 + 4, 1); w("time", b)
# Two zero octets of padding after the last set of the first message.
p = 16
while p < l0:
    last = p
    p += struct.unpack_from(">H", d, p + 2)[0]
b = bytearray(d[:l0]) + b"\0\0" + d[l0:]
struct.pack_into(">H", b, 2, l0 + 2)
struct.pack_into(">H", b, last + 2, l0 + 2 - last)
w("padding", b)
# A data set whose template was never defined.
b = bytearray(d)
p = 16
while p < l0:
    sid, sl = struct.unpack_from(">HH", b, p)
    if sid >= 256:
        struct.pack_into(">H", b, p, 65535)
        break
    p += sl
w("template", b)
EOF
	# Each broken file must fail, for its own reason.
	for m in "version:version 9" "truncated:past the end of the file" \
	    "sequence:sequence number" "time:export time" \
	    "padding:padding is not allowed" "template:not defined before"; do
		f=$TMP/bad.${m%%:*}
		if $CHECK --max-size 512 "$f" >/dev/null 2>"$f.err"; then
			fail "interop-selftest-ipfixcheck-${m%%:*}" "a broken file passed"
		elif ! grep -q "${m#*:}" "$f.err"; then
			fail "interop-selftest-ipfixcheck-${m%%:*}" "$(cat "$f.err")"
		else
			ok "interop-selftest-ipfixcheck-${m%%:*}"
		fi
	done
	if [ $have_tshark = 1 ]; then
		tshark -r "$TMP/bad.template" -T json >"$TMP/bad.tshark" 2>/dev/null
		if $PY "$DECODE" tshark "$TMP/bad.tshark" >/dev/null 2>&1; then
			fail interop-selftest-tshark "a set without template went unnoticed"
		else
			ok interop-selftest-tshark
		fi
	fi
fi
exit 0
