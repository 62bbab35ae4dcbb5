#!/bin/sh
# tests/t_tgw.sh: Transit Gateway flow logs in the default and custom orders
# (header line or -F), every field mapped as documented (tests/flowcheck.py)
# as ipfixDump and tshark decode it; both records of a flow agree on
# interfaces and VRFs; VPC and TGW logs mixed.
. "$(dirname "$0")/lib.sh"
need python3 python3 || exit 0
# Debian's interpreter: starts fast, whatever else is first on PATH.
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
need ipfixDump libfixbuf-tools || exit 0

genlog() { $PY "$TOP/tests/genlog.py" "$@"; }
decode() { timeout 60 $PY "$TOP/tests/ipfixrecs.py" "$@"; }
flowcheck() { $PY "$TOP/tests/flowcheck.py" "$@"; }
ET="--export-time 1764201600"
NAMES=$TOP/samples/names.tsv
tshark=no
command -v tshark >/dev/null 2>&1 && tshark=yes
need tshark tshark

# convert NAME FL2IPFIX-ARGS...: convert to $TMP/NAME.ipfix, decode it with
# ipfixDump to NAME.json (and tshark to NAME-ts.json, which must be equal).
convert() {
	cv=$1; shift
	check "$cv-convert" fl2ipfix $ET -o "$TMP/$cv.ipfix" "$@"
	decode ipfixdump "$TMP/$cv.ipfix" >"$TMP/$cv.json" ||
	    fail "$cv-ipfixdump" "$(decode ipfixdump "$TMP/$cv.ipfix" 2>&1)"
	if [ $tshark = yes ]; then
		decode tshark "$TMP/$cv.ipfix" >"$TMP/$cv-ts.json" &&
		    check "$cv-tshark-agrees" cmp "$TMP/$cv.json" \
		    "$TMP/$cv-ts.json"
	fi
}

# pairs NAME: each flow's two records (tests/genlog.py marks them by their
# shared 5-tuple and times) agree on ingress/egress interface and VRFs,
# and the interfaces are the attachments where the flow entered and left.
pairs() {
	$PY - "$TMP/$1.json" <<'EOF'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
flows = [r for r in recs if r["tid"] < 65000]
key = lambda r: tuple(r.get(k) for k in ("8", "12", "27", "28", "7", "11",
                                          "4", "152", "153", "2", "1"))
seen, bad, n = {}, [], 0
for r in flows:
    k = key(r)
    same = tuple(r.get(k) for k in ("10", "14", "234", "235"))
    if k in seen:
        n += 1
        if seen[k][0] != same or seen[k][1] == r.get("61"):
            bad.append("%s: %s/%s vs %s/%s" % (k, seen[k][0], seen[k][1],
                                               same, r.get("61")))
    else:
        seen[k] = (same, r.get("61"))
if n * 2 != len(flows):
    bad.append("%d pairs among %d flows" % (n, len(flows)))
print("\n".join(bad[:5]))
sys.exit(1 if bad else 0)
EOF
}

# -- The sample in the TGW default layout, with names and a map. ---------
convert sample -N "$NAMES" -m "$TMP/s.map" "$TOP/samples/tgw-default.log"
check sample-mapped flowcheck -N "$NAMES" -m "$TMP/s.map" "$TMP/sample.json" \
    "$TOP/samples/tgw-default.log"
check sample-pairs pairs sample
# The documented values, spelled out once for the first flows.
check sample-values $PY - "$TMP/sample.json" <<'EOF'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
ifn = {r["10"]: r["82"] for r in recs if r["tid"] == 65000}
vrf = {r["234"]: r["236"] for r in recs if r["tid"] == 65002}
f = [r for r in recs if r["tid"] < 65000]
A, B = "tgw-attach-0a1a2a3a4a5a6a7a8", "tgw-attach-0b1b2b3b4b5b6b7b8"
want = [(0, 64, 0), (1, 64, 0), (0, 131, 3), (1, 64, 0), (0, 133, 1),
        (1, 133, 1)]
for r, (d, fwd, drop) in zip(f, want):
    assert ifn[r["10"]] == A and ifn[r["14"]] == B, r
    assert vrf[r["234"]] == "prod" and vrf[r["235"]] == "shared-services", r
    assert (r["61"], r["89"], r["133"]) == (d, fwd, drop), r
assert f[0]["2"] == 100 and f[0]["1"] == 64000 and f[0]["6"] == 19
assert f[0]["152"] == 1764201600000 and f[0]["153"] == 1764201660000
assert f[4]["4"] == 17 and f[4]["6"] == 0 and f[4]["7"] == 53000
assert len(f) == 6
EOF
# The same lines without their header, by -F tgw-default.
tail -n +2 "$TOP/samples/tgw-default.log" >"$TMP/noheader.log"
convert preset -F tgw-default "$TMP/noheader.log"
check preset-mapped flowcheck -F tgw-default "$TMP/preset.json" \
    "$TMP/noheader.log"
fl2ipfix $ET -o "$TMP/sample2.ipfix" "$TOP/samples/tgw-default.log"
check preset-same-as-header cmp "$TMP/sample2.ipfix" "$TMP/preset.ipfix"

# -- Random logs, each flow twice: default order, custom order. ----------
genlog tgw 11 150 >"$TMP/def.log"
convert default "$TMP/def.log"
check default-mapped flowcheck "$TMP/default.json" "$TMP/def.log"
check default-pairs pairs default
genlog tgw 12 150 --shuffle >"$TMP/custom.log"
check custom-order-is-custom sh -c "! head -1 '$TMP/custom.log' | \
    grep -q '^version resource-type'"
convert custom -N "$NAMES" "$TMP/custom.log"
check custom-mapped flowcheck -N "$NAMES" "$TMP/custom.json" "$TMP/custom.log"
check custom-pairs pairs custom
# A custom order given by -F (${field} form), no header line.
genlog tgw 12 150 --shuffle --no-header "$TMP/fmt" >"$TMP/custom-nh.log"
convert customf -N "$NAMES" -F "$(cat "$TMP/fmt")" "$TMP/custom-nh.log"
check customf-mapped flowcheck -N "$NAMES" -F "$(cat "$TMP/fmt")" \
    "$TMP/customf.json" "$TMP/custom-nh.log"
check customf-same-as-header cmp "$TMP/custom.ipfix" "$TMP/customf.ipfix"
# A short custom layout: only some TGW fields (no direction, no losses).
cat >"$TMP/short.log" <<'EOF'
tgw-attachment-id srcaddr dstaddr srcport dstport protocol packets bytes start end tgw-pair-attachment-id tgw-src-vpc-id
tgw-attach-0a1a2a3a4a5a6a7a8 10.0.0.1 10.1.0.1 1234 443 6 10 1000 1764201600 1764201660 tgw-attach-0b1b2b3b4b5b6b7b8 vpc-0aa11bb22cc33dd44
tgw-attach-0b1b2b3b4b5b6b7b8 10.1.0.1 10.0.0.1 443 1234 6 9 900 1764201600 1764201660 - -
EOF
convert short "$TMP/short.log"
check short-mapped flowcheck "$TMP/short.json" "$TMP/short.log"

# -- Mixed input: VPC and TGW under their own headers. --------------------
cat "$TOP/samples/vpc-v5-console-order.log" "$TMP/def.log" \
    "$TOP/samples/vpc-v2-default.log" "$TOP/samples/tgw-default.log" \
    >"$TMP/mixed.log"
convert mixed -N "$NAMES" -m "$TMP/mixed.map" "$TMP/mixed.log"
check mixed-mapped flowcheck -N "$NAMES" -m "$TMP/mixed.map" \
    "$TMP/mixed.json" "$TMP/mixed.log"
# The same files as separate operands: the same output.
fl2ipfix $ET -N "$NAMES" -o "$TMP/ops.ipfix" \
    "$TOP/samples/vpc-v5-console-order.log" "$TMP/def.log" \
    "$TOP/samples/vpc-v2-default.log" "$TOP/samples/tgw-default.log"
fl2ipfix $ET -N "$NAMES" -o "$TMP/cat.ipfix" "$TMP/mixed.log"
check mixed-operands cmp "$TMP/ops.ipfix" "$TMP/cat.ipfix"
# Attachments and ENIs share the interface table; VPCs one VRF table.
check mixed-one-table $PY -c "import json
recs = [json.loads(l) for l in open('$TMP/mixed.json')]
names = [r['82'] for r in recs if r['tid'] == 65000]
assert len(names) == len(set(names))
assert any(n.startswith('eni-') for n in names)
assert any(n.startswith('tgw-attach-') for n in names)
assert 'ACCEPT' in names and 'REJECT' in names"
exit 0
