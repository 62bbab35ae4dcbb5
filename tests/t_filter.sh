#!/bin/sh
# tests/t_filter.sh: -D/--direction, --action, --account, --vpc,
# --interface, --since, --until and --dedup, alone and combined, on VPC,
# TGW and mixed logs.  tests/filtercheck.py computes what each must remove
# and checks --stats=json; tests/flowcheck.py checks that what is left is
# exported with its original fields and counters.
. "$(dirname "$0")/lib.sh"
need python3 python3 || exit 0
# Debian's interpreter: starts fast, whatever else is first on PATH.
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
need ipfixDump libfixbuf-tools || exit 0

genlog() { $PY "$TOP/tests/genlog.py" "$@"; }
decode() { timeout 60 $PY "$TOP/tests/ipfixrecs.py" "$@"; }

# run NAME LOG-FORMAT ARGS... -- LOGS...: convert with --stats=json, check
# the stats with filtercheck and the output with flowcheck.
run() {
	rn=$1 fmt=$2
	shift 2
	args=
	while [ "$1" != -- ]; do args="$args $1"; shift; done
	shift
	# shellcheck disable=SC2086
	fl2ipfix $args -F "$fmt" --stats=json -o "$TMP/$rn.ipfix" "$@" \
	    2>"$TMP/$rn.stats"
	st=$?
	if [ $st -ne 0 ]; then
		fail "$rn" "exit $st: $(head -c 300 "$TMP/$rn.stats")"
		return
	fi
	# shellcheck disable=SC2086
	check "$rn-stats" $PY "$TOP/tests/filtercheck.py" "$TMP/$rn.stats" \
	    "$TMP/$rn.kept" $args -F "$fmt" -- "$@"
	decode ipfixdump "$TMP/$rn.ipfix" >"$TMP/$rn.json" &&
	    check "$rn-output" $PY "$TOP/tests/flowcheck.py" -F "$fmt" \
	    "$TMP/$rn.json" "$TMP/$rn.kept"
}

# jq-less JSON access: js FILE EXPR (EXPR in Python over s, the stats).
js() {
	$PY -c "import json, sys
s = json.loads(open(sys.argv[1]).read().strip().split('\n')[-1])
print($2)" "$1"
}

genlog tgw 21 200 >"$TMP/tgw.log"
genlog vpc 22 300 0 19 0 4 >"$TMP/vpc.log"
cat "$TMP/vpc.log" "$TMP/tgw.log" "$TOP/samples/vpc-v2-default.log" \
    >"$TMP/mixed.log"
V=vpc-default

# -- A TGW log where every flow appears at ingress and at egress. ---------
flows=200
run direction-ingress $V -D ingress -- "$TMP/tgw.log"
check direction-keeps-half test "$(js "$TMP/direction-ingress.stats" \
    "s['outcomes']['exported']")" -eq $flows
check direction-removed-half test "$(js "$TMP/direction-ingress.stats" \
    "s['removed']['direction']['records']")" -eq $flows
run direction-egress $V --direction egress -- "$TMP/tgw.log"
check direction-egress-half test "$(js "$TMP/direction-egress.stats" \
    "s['outcomes']['exported']")" -eq $flows
run dedup $V --dedup -- "$TMP/tgw.log"
check dedup-one-per-flow test "$(js "$TMP/dedup.stats" \
    "s['outcomes']['exported']")" -eq $flows
# What --dedup removed is exactly the second record of every flow.
check dedup-reports-suppressed test "$(js "$TMP/dedup.stats" \
    "s['removed']['dedup']")" = "$(js "$TMP/direction-egress.stats" \
    "s['exported']")"
check dedup-only-dedup-listed test "$(js "$TMP/dedup.stats" \
    "list(s['removed'])")" = "['dedup']"
# Exported counters: the original ones, once per flow.
check dedup-same-counters-as-direction test "$(js "$TMP/dedup.stats" \
    "s['exported']")" = "$(js "$TMP/direction-ingress.stats" "s['exported']")"
run direction-and-dedup $V -D ingress --dedup -- "$TMP/tgw.log"
check direction-and-dedup-lists-both test "$(js \
    "$TMP/direction-and-dedup.stats" "sorted(s['removed'])")" = \
    "['dedup', 'direction']"
# A window of one flow forgets a flow whose other record comes later.
run dedup-window-1 $V --dedup --dedup-window 1 -- "$TMP/tgw.log"
check dedup-window-1-forgets test "$(js "$TMP/dedup-window-1.stats" \
    "s['outcomes']['exported']")" -gt $flows
run dedup-window-2 $V --dedup --dedup-window 2 -- "$TMP/tgw.log"

# -- Each filter on its own. ---------------------------------------------
run action-accept $V --action accept -- "$TMP/vpc.log"
run action-reject $V --action REJECT -- "$TMP/vpc.log"
run account $V --account 999 -- "$TMP/vpc.log"
run accounts $V --account 999 --account 012345678901 -- "$TMP/vpc.log"
run vpc $V --vpc vpc-00000000000000002 -- "$TMP/vpc.log"
run vpcs $V --vpc vpc-00000000000000002 --vpc vpc-00000000000000004 \
    -- "$TMP/vpc.log"
run vpc-tgw $V --vpc vpc-00000000000000003 -- "$TMP/tgw.log"
run interface $V --interface eni-00000000000000007 -- "$TMP/vpc.log"
run interface-tgw $V --interface tgw-attach-00000000000000002 \
    --interface tgw-attach-00000000000000005 -- "$TMP/tgw.log"
run since $V --since 1764244800 -- "$TMP/vpc.log"
run since-iso $V --since 2025-11-27T12:00Z -- "$TMP/vpc.log"
check since-iso-same-as-seconds cmp "$TMP/since.kept" "$TMP/since-iso.kept"
run until $V --until 2025-11-27T01:30:00Z -- "$TMP/tgw.log"
run window $V --since 1764205200 --until 1764208800 -- "$TMP/tgw.log"
run direction-vpc $V -D egress -- "$TMP/vpc.log"

# -- Combined, on mixed input (VPC and TGW, each under its header). -------
run combined $V -D ingress --action accept --account 123456789012 \
    --account 999 --vpc vpc-00000000000000001 --vpc vpc-00000000000000003 \
    --interface eni-00000000000000003 --interface tgw-attach-00000000000000001 \
    --interface tgw-attach-00000000000000004 --since 1764201700 \
    --until 1764280000 --dedup -- "$TMP/mixed.log"
check combined-removes-by-several $PY -c "import json
s = json.loads(open('$TMP/combined.stats').read().strip().split('\n')[-1])
assert len(s['removed']) == 8
assert sum(1 for v in s['removed'].values() if v['records']) >= 5, s"
run mixed-all $V -- "$TMP/mixed.log"
check no-filter-removed-empty test "$(js "$TMP/mixed-all.stats" \
    "s['removed']")" = "{}"
run mixed-dedup $V --dedup -- "$TMP/vpc.log" "$TMP/tgw.log"

# -- Filters that cannot apply: kept, and said once. -----------------------
fl2ipfix -D ingress --stats=json -o "$TMP/w.ipfix" \
    "$TOP/samples/vpc-v2-default.log" "$TOP/samples/vpc-v2-default.log" \
    2>"$TMP/w.err"
check direction-cannot-apply-exit-0 test $? -eq 0
check direction-cannot-apply-warned-once test "$(grep -c \
    'no flow-direction in this record: the --direction filter cannot apply' \
    "$TMP/w.err")" -eq 1
check direction-cannot-apply-kept test "$(js "$TMP/w.err" \
    "s['outcomes']['exported']")" -eq 20
fl2ipfix --action reject --stats=json -o "$TMP/w2.ipfix" "$TMP/tgw.log" \
    2>"$TMP/w2.err"
check action-cannot-apply-warned-once test "$(grep -c \
    'no action in this record: the --action filter cannot apply' \
    "$TMP/w2.err")" -eq 1
# Mixed: the VPC v2 part has no direction, the TGW part is filtered.
run mixed-direction $V -D egress -- "$TMP/mixed.log"
check mixed-direction-warned grep -q 'mixed.log:[0-9]*: no flow-direction' \
    "$TMP/mixed-direction.stats"

# -- Bad filter arguments: usage errors. -----------------------------------
for a in "-D sideways" "--action maybe" "--since yesterday" \
    "--until 2025-13-45T00:00Z" "--vpc=" "--dedup-window 0"; do
	# shellcheck disable=SC2086
	fl2ipfix $a -o "$TMP/u.ipfix" "$TMP/vpc.log" 2>"$TMP/u.err"
	st=$?
	if [ $st -eq 64 ] && [ ! -e "$TMP/u.ipfix" ] && [ -s "$TMP/u.err" ]
	then ok "usage-$(echo "$a" | tr ' =' '__')"
	else fail "usage-$(echo "$a" | tr ' =' '__')" "exit $st"; fi
done
exit 0
