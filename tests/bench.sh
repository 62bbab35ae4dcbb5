#!/bin/sh
# tests/bench.sh: the benchmark (make bench).  Generates seeded v2 and v5
# flow logs, then times, on the same files and in interleaved rounds,
# fl2ipfix (plain and .gz, output to /dev/null) and the reference points:
# cat, gzip -dc, a careful scalar C parse loop (tests/bench_ref.c) and the
# python3-ipfix converter (tests/bench_py.py, on a smaller file, scaled).
# Prints a markdown table of medians, the ratios the issue sets targets
# for, and peak RSS.  Never run by make check: timings belong here only.
#
# Environment: BENCH_RECORDS (5000000), BENCH_RUNS (5), BENCH_PY_RECORDS
# (100000), BENCH_DIR (bench/out; the generated files are kept there and
# reused), BENCH_OUT (also write the report to this file).
set -u
cd "$(dirname "$0")/.." || exit 2
TOP=$(pwd)
N=${BENCH_RECORDS:-5000000}
RUNS=${BENCH_RUNS:-5}
PYN=${BENCH_PY_RECORDS:-100000}
[ "$PYN" -gt "$N" ] && PYN=$N
DIR=${BENCH_DIR:-bench/out}
TIME=/usr/bin/time
PY=/usr/bin/python3

die() { echo "bench: $*" >&2; exit 2; }
[ -x "$TIME" ] || die "$TIME is missing (Debian package time)"
for f in fl2ipfix tests/bench_gen tests/bench_ref; do
	[ -x "$f" ] || die "$f is not built (run make bench)"
done
mkdir -p "$DIR" || exit 2
LOG=$DIR/stderr.log
: >"$LOG"

# The inputs, generated once per record count and reused.
for v in 2 5; do
	f=$DIR/v$v-$N.log
	if [ ! -s "$f" ]; then
		echo "bench: generating $f" >&2
		tests/bench_gen -v $v -n "$N" >"$f.tmp" && mv "$f.tmp" "$f" ||
		    die "bench_gen failed"
	fi
	if [ ! -s "$f.gz" ]; then
		echo "bench: compressing $f (gzip -6)" >&2
		gzip -6 -c "$f" >"$f.gz.tmp" && mv "$f.gz.tmp" "$f.gz" ||
		    die "gzip failed"
	fi
	head -n $((PYN + 1)) "$f" >"$DIR/v$v-py.log"
done

havepy=0
if [ -x "$PY" ] && $PY -c 'import ipfix.message' 2>/dev/null; then
	havepy=1
fi

# run LABEL CMD...: one timed run, stdout to /dev/null; appends
# "wall cpu maxrss_kb" to $DIR/t.LABEL.
run() {
	_l=$1
	shift
	if ! "$TIME" -f '%e %U %S %M' -o "$DIR/one.t" "$@" >/dev/null \
	    2>>"$LOG"; then
		echo "bench: failed: $*" >&2
		tail -5 "$LOG" >&2
		exit 2
	fi
	awk '{ printf "%s %.2f %s\n", $1, $2 + $3, $4 }' "$DIR/one.t" \
	    >>"$DIR/t.$_l"
}

rm -f "$DIR"/t.*
# Other work on the machine shows in the wall times: say how busy it was.
load0=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)
echo "bench: $RUNS rounds of $N records (v2 and v5)" >&2
r=0
while [ $r -lt "$RUNS" ]; do
	r=$((r + 1))
	echo "bench: round $r" >&2
	for v in 2 5; do
		f=$DIR/v$v-$N.log
		run cat-v$v cat "$f"
		run gzip-v$v gzip -dc "$f.gz"
		run ref-v$v tests/bench_ref "$f"
		run fl-v$v ./fl2ipfix "$f"
		run flgz-v$v ./fl2ipfix "$f.gz"
		[ $havepy = 1 ] && run py-v$v $PY tests/bench_py.py \
		    "$DIR/v$v-py.log"
	done
done

# median LABEL FIELD: the median of one column of a label's runs.
median() {
	[ -s "$DIR/t.$1" ] || { echo 0; return; }
	cut -d' ' -f"$2" "$DIR/t.$1" | sort -n | awk '
	    { v[NR] = $1 }
	    END { if (NR % 2) print v[(NR + 1) / 2];
		  else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
maxrss() {
	cut -d' ' -f3 "$DIR/t.$1" | sort -n | tail -1
}

cpu=$(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo 2>/dev/null | head -1)
os=$(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME")
backend=zlib
ldd ./fl2ipfix 2>/dev/null | grep -q libisal && backend=ISA-L
sz2=$(wc -c <"$DIR/v2-$N.log")
sz5=$(wc -c <"$DIR/v5-$N.log")
gz2=$(wc -c <"$DIR/v2-$N.log.gz")
gz5=$(wc -c <"$DIR/v5-$N.log.gz")

# UDP: how many records/s a local nfcapd receives without loss.  The head
# of the v2 file goes to a fresh nfcapd on 127.0.0.1 at rising --rate
# values and unpaced; nfdump counts the flows it stored against those
# fl2ipfix says it exported.
udp_port() {
	$PY -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
# Is the port bound (nfcapd up)?
udp_bound() {
	$PY -c 'import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(0)
sys.exit(1)' "$1"
}
# Has nfcapd read everything queued to its socket?
udp_drained() {
	awk -v p=":$(printf '%04X' "$1")" '$2 ~ p"$" { split($5, q, ":");
	    if (q[2] !~ /^0+$/) bad = 1 } END { exit bad }' /proc/net/udp
}
# poll SECONDS CMD...: until CMD succeeds, at most SECONDS.
poll() {
	_t=$(($1 * 10))
	shift
	while [ "$_t" -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
		_t=$((_t - 1))
	done
	return 1
}
udp() {
	if ! ./fl2ipfix --help 2>/dev/null | grep -q -- '--destination'; then
		echo "UDP: not measured (this fl2ipfix has no -d)."
		return
	fi
	if ! command -v nfcapd >/dev/null || ! command -v nfdump >/dev/null ||
	    ! [ -x "$PY" ]; then
		echo "UDP: not measured (nfcapd and nfdump: Debian package nfdump)."
		return
	fi
	U=${BENCH_UDP_RECORDS:-200000}
	[ "$U" -gt "$N" ] && U=$N
	head -n $((U + 1)) "$DIR/v2-$N.log" >"$DIR/udp.log"
	echo "UDP to nfcapd (nfdump $(nfdump -V 2>&1 | sed -n 's/.*Version: *\([^ ]*\).*/\1/p' | head -1)) on 127.0.0.1, $U v2 records a run, one nfcapd each:"
	echo
	echo "| --rate (records/s) | sent | stored by nfcapd | lost | achieved records/s |"
	echo "|---|---|---|---|---|"
	best=0
	for rate in 50000 100000 150000 200000 300000 400000 0; do
		d=$DIR/nfcapd.$rate
		rm -rf "$d"
		mkdir -p "$d"
		port=$(udp_port)
		nfcapd -w "$d" -b 127.0.0.1 -p "$port" -t 3600 >"$d.log" 2>&1 &
		pid=$!
		if ! poll 10 udp_bound "$port"; then
			kill "$pid" 2>/dev/null
			echo "| $rate | nfcapd did not start | | | |"
			continue
		fi
		set -- ./fl2ipfix -d "127.0.0.1:$port" --stats=json
		[ $rate -gt 0 ] && set -- "$@" --rate $rate
		"$TIME" -f '%e' -o "$d.t" "$@" "$DIR/udp.log" 2>"$d.stats"
		poll 10 udp_drained "$port"
		kill -TERM "$pid" 2>/dev/null
		poll 10 sh -c "! kill -0 $pid"
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		sent=$(sed -n 's/.*"exported":{"records":\([0-9]*\).*/\1/p' "$d.stats")
		got=$(nfdump -q -N -r "$d"/nfcapd.2* -o 'fmt:%pr' 2>/dev/null |
		    wc -l)
		t=$(tail -1 "$d.t")
		lost=$(( ${sent:-0} - got ))
		[ "$lost" -eq 0 ] && [ $rate -gt 0 ] && best=$rate
		echo "| $( [ $rate -gt 0 ] && echo $rate || echo unpaced ) |" \
		    "${sent:-?} | $got | $lost |" \
		    "$(echo "${sent:-0} $t" | awk '{ printf "%.0f", ($2 > 0 ? $1 / $2 : 0) }') |"
		rm -rf "$d" "$d.t" "$d.log" "$d.stats"
	done
	echo
	echo "Highest --rate tried without loss: $best records/s."
}

report() {
	echo "Machine: $(nproc) CPUs, ${cpu:-unknown CPU}, ${os:-unknown OS};" \
	    "fl2ipfix $(git describe --always --dirty 2>/dev/null)" \
	    "with $backend inflate."
	echo "Input: $N records per layout (tests/bench_gen.c, seed 1):" \
	    "v2 $((sz2 / 1000000)) MB ($((sz2 / N)) bytes a line)," \
	    "v5 $((sz5 / 1000000)) MB ($((sz5 / N)) bytes a line);" \
	    "gzip -6: $((gz2 / 1000000)) and $((gz5 / 1000000)) MB."
	echo "Load average (1, 5, 15 min) before the rounds: ${load0:-?};" \
	    "after: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)."
	echo "Medians of $RUNS interleaved runs, output to /dev/null;" \
	    "MB/s counts text (uncompressed) bytes; CPU is user + system" \
	    "time of all threads."
	echo
	echo "| what | v2 s | v2 CPU s | v2 Mrec/s | v2 MB/s | v5 s |" \
	    "v5 CPU s | v5 Mrec/s | v5 MB/s | peak RSS MiB |"
	echo "|---|---|---|---|---|---|---|---|---|---|"
	for l in cat gzip ref fl flgz py; do
		case $l in
		cat) name='`cat` (read the text)' ;;
		gzip) name='`gzip -dc` (.gz)' ;;
		ref) name='reference C parse loop (tests/bench_ref.c)' ;;
		fl) name='**fl2ipfix**, plain text' ;;
		flgz) name='**fl2ipfix**, .gz' ;;
		py) [ $havepy = 1 ] || continue
		    name="python3-ipfix converter (tests/bench_py.py, $PYN records, scaled)" ;;
		esac
		row="| $name"
		for v in 2 5; do
			sz=$sz2
			[ $v = 5 ] && sz=$sz5
			w=$(median $l-v$v 1)
			c=$(median $l-v$v 2)
			if [ $l = py ]; then
				w=$(echo "$w $N $PYN" | awk '{ printf "%.1f", $1 * $2 / $3 }')
				c=$(echo "$c $N $PYN" | awk '{ printf "%.1f", $1 * $2 / $3 }')
			fi
			row="$row | $w | $c | $(echo "$N $w" | awk '{ printf "%.2f", ($2 > 0 ? $1 / $2 / 1e6 : 0) }') | $(echo "$sz $w" | awk '{ printf "%.0f", ($2 > 0 ? $1 / $2 / 1e6 : 0) }')"
		done
		rss=$(maxrss $l-v2)
		rss5=$(maxrss $l-v5)
		[ "$rss5" -gt "$rss" ] && rss=$rss5
		echo "$row | $(echo "$rss" | awk '{ printf "%.1f", $1 / 1024 }') |"
	done
	echo
	echo "Ratios: the median over the rounds of each round's ratio."
	echo
	echo "| ratio (target) | v2 | v5 |"
	echo "|---|---|---|"
	# ratio A B SCALE: the median over rounds of A's wall time over B's
	# in the same round (they ran one after the other), times SCALE:
	# a slow spell of the machine hits both sides of a round alike.
	ratio() {
		[ -s "$DIR/t.$1" ] && [ -s "$DIR/t.$2" ] || { echo 0; return; }
		paste -d' ' "$DIR/t.$1" "$DIR/t.$2" | awk -v k="$3" '
		    { r[NR] = ($4 > 0 ? $1 / $4 * k : 0) }
		    END { n = NR
			for (i = 1; i <= n; i++)
				for (j = i + 1; j <= n; j++)
					if (r[j] < r[i]) { t = r[i]; r[i] = r[j]; r[j] = t }
			printf "%.2f", (n % 2 ? r[(n + 1) / 2] : (r[n / 2] + r[n / 2 + 1]) / 2) }'
	}
	echo "| fl2ipfix plain throughput / reference loop (≥ 0.75) |" \
	    "$(ratio ref-v2 fl-v2 1) | $(ratio ref-v5 fl-v5 1) |"
	echo "| fl2ipfix .gz time / \`gzip -dc\` time (≤ 0.5) |" \
	    "$(ratio flgz-v2 gzip-v2 1) | $(ratio flgz-v5 gzip-v5 1) |"
	if [ $havepy = 1 ]; then
		echo "| fl2ipfix plain speed / python3-ipfix (≥ 30) |" \
		    "$(ratio py-v2 fl-v2 $((N / PYN))) |" \
		    "$(ratio py-v5 fl-v5 $((N / PYN))) |"
	fi
	rss=0
	for l in fl-v2 fl-v5 flgz-v2 flgz-v5; do
		m=$(maxrss $l)
		[ "$m" -gt "$rss" ] && rss=$m
	done
	echo "| fl2ipfix peak RSS, MiB (≤ 32) |" \
	    "$(echo "$rss" | awk '{ printf "%.1f", $1 / 1024 }') | |"
	echo
	udp
}

if [ -n "${BENCH_OUT:-}" ]; then
	report | tee "$BENCH_OUT"
else
	report
fi
