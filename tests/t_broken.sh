#!/bin/sh
# tests/t_broken.sh: broken inputs and failing outputs (issue 6).  Every
# input here is generated (tests/broken.py gen); each case checks the exit
# status, the message, that --stats=json adds up, that the IPFIX output is
# valid and holds the records before the damage, and that --rejects holds
# the malformed lines byte for byte.
. "$(dirname "$0")/lib.sh"

PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
need "$PY" python3 || exit 0
need timeout coreutils || exit 0
# Under valgrind everything is 20-50 times slower.
TMO=20
[ -n "$FL2IPFIX_WRAP" ] && TMO=180
D=$TMP/in
mkdir -p "$D"
"$PY" "$TOP/tests/broken.py" gen "$D" || { fail gen "broken.py gen failed"; exit 0; }
HDR="version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status"

# run NAME ARGS...: fl2ipfix with --stats=json and --rejects; sets $st.
run() {
	_n=$1; shift
	timeout -k 5 "$TMO" $FL2IPFIX_WRAP "$FL2IPFIX" --stats=json \
	    --export-time=1 --rejects "$TMP/$_n.rej" -o "$TMP/$_n.ipfix" "$@" \
	    >"$TMP/$_n.out" 2>"$TMP/$_n.err"
	st=$?
}

# expect NAME STATUS REGEX [KEY=VALUE ...]: the status $st, a line of
# $TMP/NAME.err matching REGEX (extended), and broken.py check (stats add
# up, output valid with one flow record per exported line, the values).
expect() {
	_n=$1 _s=$2 _re=$3; shift 3
	_why=
	[ "$st" = "$_s" ] || _why="status $st, expected $_s;"
	grep -Eq -- "$_re" "$TMP/$_n.err" || _why="$_why no message /$_re/;"
	# Without $TMP/NAME.ipfix (the output was a pipe or a device), only
	# the stats are checked.
	_o=$TMP/$_n.ipfix
	[ -f "$_o" ] || _o=-
	_c=$("$PY" "$TOP/tests/broken.py" check "$TMP/$_n.err" "$_o" "$@") ||
	    _why="$_why $_c"
	if [ -z "$_why" ]; then ok "$_n"
	else fail "$_n" "$_why stderr: $(head -c 400 "$TMP/$_n.err" | tr '\n' ' ')"; fi
}

# rejects NAME WANTFILE: the rejects file is exactly WANTFILE.
rejects() {
	if cmp -s "$TMP/$1.rej" "$2"; then ok "$1-rejects"
	else fail "$1-rejects" "$TMP/$1.rej differs from $2: $(cmp "$TMP/$1.rej" "$2" 2>&1 | head -c 200)"; fi
}

# facts NAME: the KEY=VALUE list broken.py wrote for a generated case.
facts() { cat "$D/$1.facts"; }

# Truncated gzip: cut inside the header, the deflate data and the trailer.
# The records before the cut are exported, the cut line is malformed and
# copied, the next operand is read, and the status is 2.
for f in "$D"/cut-*.gz; do
	n=$(basename "$f" .gz)
	run "$n" "$f" "$D/next.log"
	expect "$n" 2 "$n\\.gz: truncated gzip data: the file ends inside a member \\(at byte [0-9]+\\)" $(facts "$n")
	rejects "$n" "$D/$n.want"
done

# Corrupt gzip: a damaged block (it may inflate to garbage lines before
# zlib notices), a bad CRC (found after all the text), a bad method byte.
for n in corrupt-mid corrupt-crc corrupt-method; do
	run "$n" "$D/$n.gz"
	expect "$n" 2 "$n\\.gz: corrupt gzip data: .* \\(at byte [0-9]+\\)" $(facts "$n")
done
rejects corrupt-crc "$D/corrupt-crc.want"
rejects corrupt-method "$D/corrupt-method.want"
# Every line in the rejects is a line of the damaged text (the cut line
# last), and there is one per malformed line plus the header.
m=$(sed -n 's/.*"malformed":\([0-9]*\).*/\1/p' "$TMP/corrupt-mid.err")
check corrupt-mid-rejects-lines "$PY" "$TOP/tests/broken.py" check \
    "$TMP/corrupt-mid.err" "$TMP/corrupt-mid.ipfix" input="$D/corrupt-mid.gz" \
    rejects="$TMP/corrupt-mid.rej"
check corrupt-mid-rejects test "$(wc -l <"$TMP/corrupt-mid.rej")" -eq $((m + 1)) -a \
    "$(tail -n 1 "$TMP/corrupt-mid.rej")" = "$(tail -n 1 "$D/corrupt-mid.want")"
run garbage "$D/garbage.gz"
expect garbage 2 "garbage\\.gz: trailing garbage after the gzip data" exported=3000 failed=1
run zeros "$D/zeros.gz"
expect zeros 2 "zeros\\.gz: trailing garbage after the gzip data" exported=3000 failed=1
run members "$D/members.gz" "$D/next.log"
expect members 2 "members\\.gz: truncated gzip data" exported=3005 failed=1

# Operands that cannot be read: the others are still converted.
mkdir "$D/adir"
run dir "$D/adir" "$D/next.log"
expect dir 2 "adir: Is a directory" exported=5 failed=1 lines=5
run missing "$D/no-such-file" "$D/next.log"
expect missing 2 "no-such-file: No such file or directory" exported=5 failed=1
# Unreadable: root reads anything, so run as nobody when we are root.
mkdir "$TMP/pub"
cp "$D/next.log" "$D/good.log" "$TMP/pub/"
cp "$TMP/pub/good.log" "$TMP/pub/secret.log"
chmod 711 "$TMP"
chmod 755 "$TMP/pub"
chmod 644 "$TMP/pub/next.log"
chmod 000 "$TMP/pub/secret.log"
asuser=
if [ "$(id -u)" -eq 0 ]; then
	if command -v setpriv >/dev/null 2>&1 && id nobody >/dev/null 2>&1; then
		asuser="setpriv --reuid=nobody --regid=$(id -g nobody) --clear-groups"
	fi
fi
if [ "$(id -u)" -ne 0 ] || [ -n "$asuser" ]; then
	# Output and stderr are opened by this shell, before the user changes.
	timeout -k 5 "$TMO" $asuser $FL2IPFIX_WRAP "$FL2IPFIX" --stats=json \
	    --export-time=1 "$TMP/pub/secret.log" "$TMP/pub/next.log" \
	    >"$TMP/unreadable.ipfix" 2>"$TMP/unreadable.err"
	st=$?
	expect unreadable 2 "secret\\.log: Permission denied" exported=5 failed=1
else
	echo "SKIP unreadable: root without setpriv cannot make a file unreadable"
fi

# A 1 MiB line: malformed, copied whole, the lines after it exported.
run long "$D/long.log"
expect long 1 "long\\.log:3: line: longer than 65536 bytes" exported=2 malformed=1 lines=4
rejects long "$D/long.want"

# NUL bytes: a stray one makes its line malformed; a zeroed block at the
# start makes the file binary.
run nul-early "$D/nul-early.log"
expect nul-early 1 "nul-early\\.log:2: line: contains a NUL byte" exported=49 malformed=1
rejects nul-early "$D/nul-early.want"
run zeroed "$D/zeroed.log" "$D/next.log"
expect zeroed 2 "zeroed\\.log: binary data, not a text flow log \\(a NUL byte at byte 0\\)" lines=5 exported=5 failed=1
run nul-late "$D/nul-late.log"
expect nul-late 1 "nul-late\\.log:101: line: contains a NUL byte" exported=109 malformed=1
rejects nul-late "$D/nul-late.want"
run nul-skip "$D/nul-skip.log"
expect nul-skip 1 "nul-skip\\.log:8: line: contains a NUL byte" exported=19 malformed=1
rejects nul-skip "$D/nul-skip.want"
run nul-header "$D/nul-header.log"
expect nul-header 1 "nul-header\\.log:1: line: contains a NUL byte" exported=5 malformed=1

# Invalid UTF-8 in ids and account ids.
run utf8 "$D/utf8.log"
expect utf8 1 "utf8\\.log:2: interface-id: not printable UTF-8" malformed=4 exported=1
rejects utf8 "$D/utf8.want"

# Random bytes, plain and gzipped.
run random "$D/random.bin" "$D/next.log"
expect random 2 "random\\.bin: binary data, not a text flow log" lines=5 exported=5 failed=1
run random-gz "$D/random.gz"
expect random-gz 2 "random\\.gz: binary data, not a text flow log \\(a NUL byte at byte [0-9]+ of the decompressed text\\)" lines=0 failed=1

# Junk lines among good ones, numbers out of range, 2^64-1 counters summed
# exactly; the messages are limited to 20 and then summed up.
run junk "$D/junk.log"
expect junk 1 "junk\\.log:3: line: expected 14 fields, found 2" $(facts junk)
rejects junk "$D/junk.want"
check junk-ports grep -q "junk.log:7: srcport: not a port number from 0 to 65535" "$TMP/junk.err"
check junk-packets grep -q "junk.log:11: packets: not a number from 0 to 18446744073709551615" "$TMP/junk.err"
# The largest counters reach the output exactly.
if need ipfixDump libfixbuf-tools; then
	printf '%s\n' "2 123456789012 eni-1 10.0.0.1 10.0.0.2 1 2 6 18446744073709551615 18446744073709551614 1 2 ACCEPT OK" >"$D/top.log"
	run top "$D/top.log"
	expect top 0 '"packets":18446744073709551615,"bytes":18446744073709551614' exported=1
	ipfixDump -i "$TMP/top.ipfix" >"$TMP/top.dump" 2>&1
	check top-packets grep -q "packetDeltaCount : 18446744073709551615$" "$TMP/top.dump"
	check top-bytes grep -q "octetDeltaCount : 18446744073709551614$" "$TMP/top.dump"
fi

# Endless new unknown names in header lines: a bounded number of warnings
# (and no time or memory growing with the names seen).
run unknown "$D/unknown.log"
expect unknown 0 "further unknown field names are not shown" header=20000
check unknown-warnings test "$(wc -l <"$TMP/unknown.err")" -le 70

# Not damage: an empty file and a header-only file convert to nothing.
run empty "$D/empty.log" "$D/header-only.log"
expect empty 0 '^\{"lines":1,' exported=0 header=1 quiet=1
check empty-no-rejects test ! -s "$TMP/empty.rej"

# The rejects file repeats the header of the layout in force, so it is
# valid input: read back, every line is a header or malformed again.
run lay "$D/lay1.log" "$D/lay2.log" "$D/lay3.log"
expect lay 1 "lay3\\.log:1: line: expected 14 fields" malformed=3 exported=3
rejects lay "$D/lay.want"
run lay-again "$TMP/lay.rej"
expect lay-again 1 "lay\\.rej:2: line: expected 14 fields" malformed=3 header=3 lines=6

# Output failures: a full device fails loudly; a closed pipe quietly.
timeout -k 5 "$TMO" $FL2IPFIX_WRAP "$FL2IPFIX" "$D/good.log" >/dev/full 2>"$TMP/full.err"
st=$?
check full-stdout test "$st" = 2
check full-stdout-message grep -q "stdout: write: No space left on device" "$TMP/full.err"
timeout -k 5 "$TMO" $FL2IPFIX_WRAP "$FL2IPFIX" -o /dev/full "$D/good.log" 2>"$TMP/full.err"
st=$?
check full-o test "$st" = 2
check full-o-message grep -q "/dev/full: write: No space left on device" "$TMP/full.err"
for i in 1 2 3 4 5 6 7 8; do cat "$D/good.log"; done >"$TMP/big.log"
{ timeout -k 5 "$TMO" $FL2IPFIX_WRAP "$FL2IPFIX" "$TMP/big.log" 2>"$TMP/pipe.err"
  echo $? >"$TMP/pipe.st"; } | head -c 100 >/dev/null
check pipe-status test "$(cat "$TMP/pipe.st")" = 2
check pipe-quiet test ! -s "$TMP/pipe.err"
# With --stats the outcomes still add up: the line the run stopped at
# is not counted.
{ timeout -k 5 "$TMO" $FL2IPFIX_WRAP "$FL2IPFIX" --stats=json "$TMP/big.log" \
    "$TMP/big.log" 2>"$TMP/pipe-stats.err"; echo $? >"$TMP/pipe.st"; } |
    head -c 100000 >/dev/null
st=$(cat "$TMP/pipe.st")
expect pipe-stats 2 '^\{"lines":' failed=0
timeout -k 5 "$TMO" $FL2IPFIX_WRAP "$FL2IPFIX" --stats=json -o /dev/full \
    "$D/good.log" 2>"$TMP/full-stats.err"
st=$?
expect full-stats 2 "/dev/full: write: No space left on device" exported=3000

# Signals.  bg NAME ARGS...: start fl2ipfix in the background on the FIFO
# $TMP/NAME.fifo, its pid in $TMP/NAME.pid and later its status in
# $TMP/NAME.st.  A slow writer keeps it mid-run; waits are bounded.
bg() {
	_n=$1; shift
	mkfifo "$TMP/$_n.fifo"
	( sh -c 'echo $$ >"$1.pid.tmp"; mv "$1.pid.tmp" "$1.pid"; shift; exec "$@"' \
	    sh "$TMP/$_n" $FL2IPFIX_WRAP "$FL2IPFIX" "$@" <"$TMP/$_n.fifo" \
	    >"$TMP/$_n.ipfix" 2>"$TMP/$_n.err"
	  echo $? >"$TMP/$_n.st.tmp"; mv "$TMP/$_n.st.tmp" "$TMP/$_n.st" ) &
}
# SIGTERM mid-run: what was encoded is written, the stats are printed.
# The id map journal shows when the first records went through.
bg term --stats=json --export-time=1 -m "$TMP/term.ids"
( head -n 200 "$D/good.log"; i=0
  while [ $i -lt 100 ] && [ ! -f "$TMP/term.st" ]; do
	sed -n "$((300 + i))p" "$D/good.log"; sleep 0.1; i=$((i + 1))
  done ) >"$TMP/term.fifo" 2>/dev/null &
writer=$!
if wait_for "$TMO" test -s "$TMP/term.ids" && wait_for 5 test -f "$TMP/term.pid"; then
	kill -TERM "$(cat "$TMP/term.pid")"
	if wait_for "$TMO" test -f "$TMP/term.st"; then
		st=$(cat "$TMP/term.st")
		expect term 143 "stopped by SIGTERM after [0-9]+ lines"
	else
		fail term "no exit within $TMO s of SIGTERM"
	fi
else
	fail term "fl2ipfix did not start converting"
fi
kill "$writer" 2>/dev/null
# SIGINT while a read waits on a quiet pipe: the read gives up (the
# writer stays quiet for 30 s, longer than the wait below).
bg int --stats=json --export-time=1 -m "$TMP/int.ids"
( head -n 20 "$D/good.log"; i=0
  while [ $i -lt 300 ] && [ ! -f "$TMP/int.st" ]; do sleep 0.1; i=$((i + 1)); done
) >"$TMP/int.fifo" &
writer=$!
if wait_for "$TMO" test -s "$TMP/int.ids" && wait_for 5 test -f "$TMP/int.pid"; then
	# The 20 lines went through; wait until it sleeps in read().
	wait_for 5 grep -q "^State:.*sleeping" "/proc/$(cat "$TMP/int.pid")/status"
	kill -INT "$(cat "$TMP/int.pid")"
	if wait_for "$TMO" test -f "$TMP/int.st"; then
		st=$(cat "$TMP/int.st")
		expect int 130 "stopped by SIGINT after [0-9]+ lines"
	else
		fail int "a read waiting on a quiet pipe ignored SIGINT"
	fi
else
	fail int "fl2ipfix did not start"
fi
kill "$writer" 2>/dev/null

# Memory stays bounded on endless input: the peak RSS of a run ten times
# longer is about the same (only the id map grows, with distinct ids).
if [ -n "$FL2IPFIX_WRAP" ]; then
	echo "SKIP memory: not measured under $FL2IPFIX_WRAP"
else
	# peak N: the peak RSS (KiB) of fl2ipfix reading N lines from a pipe.
	peak() {
		"$PY" -c '
import resource, subprocess, sys
n, exe = int(sys.argv[1]), sys.argv[2]
line = open(sys.argv[3], "rb").read().split(b"\n")[5] + b"\n"
p = subprocess.Popen([exe, "-o", "/dev/null"], stdin=subprocess.PIPE)
chunk = line * 1000
for _ in range(n // 1000):
    p.stdin.write(chunk)
p.stdin.close()
sys.exit(p.wait() or print(resource.getrusage(
    resource.RUSAGE_CHILDREN).ru_maxrss))
' "$1" "$FL2IPFIX" "$D/good.log"
	}
	small=$(peak 30000)
	large=$(peak 300000)
	if [ "${small:-0}" -gt 0 ] && [ "${large:-0}" -gt 0 ] &&
	    [ "$large" -lt $((small + 4096)) ]; then
		ok memory
	else
		fail memory "peak RSS ${small} KiB for 30k lines, ${large} KiB for 300k"
	fi
fi

# Numbers on the command line are range-checked.
for a in "--message-size=100" "--message-size=65536" "--domain=4294967296" \
    "--dedup-window=0" "--export-time=-1" "--domain=1x" \
    "--export-time=99999999999999999999999"; do
	timeout -k 5 "$TMO" $FL2IPFIX_WRAP "$FL2IPFIX" "$a" </dev/null >/dev/null 2>"$TMP/num.err"
	st=$?
	flag=${a%%=*}
	if [ "$st" = 64 ] && grep -q -- "$flag" "$TMP/num.err"; then ok "number$a"
	else fail "number$a" "status $st: $(head -c 200 "$TMP/num.err")"; fi
done
