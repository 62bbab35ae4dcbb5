#!/bin/sh
# tests/t_live.sh: a live feed is not held back.  Records that arrive on a
# pipe the writer keeps open (plain text, or gzip the writer sync-flushes)
# reach a UDP collector and an output file within seconds (fl2ipfix pushes
# after one second of quiet input), not only when a message fills or the
# input ends.
. "$(dirname "$0")/lib.sh"

FL2IPFIX_WRAP="$FL2IPFIX_WRAP" python3 "$TOP/tests/live.py" "$FL2IPFIX" "$TMP"
