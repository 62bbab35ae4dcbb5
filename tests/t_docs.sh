#!/bin/sh
# tests/t_docs.sh: the manual and README agree with the program: the man page
# lints clean, its SYNOPSIS is the usage text, every option is documented in
# getopt-table order, the Quick start holds its two commands, and make
# install/uninstall put and remove the binary and the page.
. "$(dirname "$0")/lib.sh"

MAN=$TOP/fl2ipfix.1
README=$TOP/README.md

# The long option names of the getopt_long table, in table order.
sed -n '/^static const struct option longopts/,/^};/p' "$TOP/fl2ipfix.c" |
    sed -n 's/^[[:space:]]*{ "\([a-z-]*\)",.*/\1/p' >"$TMP/longopts"
# The long names of the options list in DESCRIPTION, in page order: each
# ".It Fl" line names its long form either alone (".It Fl -name") or after
# the short one (", Fl -name").
sed -n '/^\.Sh DESCRIPTION/,/^\.Sh /p' "$MAN" | grep '^\.It Fl ' |
    sed 's/^\.It Fl \([A-Za-z]\) .*Fl -\([a-z-]*\).*/\2/; s/^\.It Fl -\([a-z-]*\).*/\1/' \
    >"$TMP/manopts"

if [ -s "$TMP/longopts" ] && cmp -s "$TMP/longopts" "$TMP/manopts"; then
	ok man-options-match-getopt-table
else
	fail man-options-match-getopt-table "$(diff "$TMP/longopts" \
	    "$TMP/manopts" | tr '\n' ' ')"
fi
if LC_ALL=C sort -c "$TMP/longopts" 2>/dev/null; then
	ok getopt-table-sorted
else
	fail getopt-table-sorted "longopts[] in fl2ipfix.c is not sorted by name"
fi

# Every short option of the getopt string has its ".It Fl X" entry.
short=$(sed -n 's/.*getopt_long(argc, argv, "\([^"]*\)".*/\1/p' \
    "$TOP/fl2ipfix.c" | tr -d ':')
missing=
for c in $(echo "$short" | sed 's/./& /g'); do
	grep -q "^\.It Fl $c\( \|$\)" "$MAN" || missing="$missing -$c"
done
if [ -n "$short" ] && [ -z "$missing" ]; then
	ok man-short-options
else
	fail man-short-options "not in the man page:$missing (getopt string '$short')"
fi

need mandoc mandoc || exit 0

if mandoc -Tlint -Wwarning "$MAN" >"$TMP/lint" 2>&1 && ! [ -s "$TMP/lint" ]; then
	ok man-lint
else
	fail man-lint "$(head -5 "$TMP/lint" | tr '\n' ' ')"
fi

bs=$(printf '\b')
mandoc -Tascii "$MAN" | sed "s/.$bs//g" >"$TMP/man.txt"

# SYNOPSIS: the same words as the usage text of fl2ipfix -h.
sed -n '/^SYNOPSIS/,/^DESCRIPTION/p' "$TMP/man.txt" | sed '1d;$d' |
    tr -s ' \t\n' '\n\n\n' | sed '/^$/d' >"$TMP/syn.man"
fl2ipfix -h | sed -n '1,/^$/p' | sed 's/^usage://' |
    tr -s ' \t\n' '\n\n\n' | sed '/^$/d' >"$TMP/syn.usage"
if [ -s "$TMP/syn.man" ] && cmp -s "$TMP/syn.man" "$TMP/syn.usage"; then
	ok man-synopsis-is-usage
else
	fail man-synopsis-is-usage "$(diff "$TMP/syn.usage" "$TMP/syn.man" |
	    tr '\n' ' ')"
fi

# The names commands come out of the page (and are in the README) exactly.
Q1='aws ec2 describe-network-interfaces --query '\''NetworkInterfaces[].[NetworkInterfaceId,TagSet[?Key==`Name`]|[0].Value,Description]'\'' --output text'
Q2='aws ec2 describe-vpcs --query '\''Vpcs[].[VpcId,Tags[?Key==`Name`]|[0].Value,CidrBlock]'\'' --output text'
tr -s ' \\\n' '   ' <"$TMP/man.txt" >"$TMP/man.flat"
for q in "$Q1" "$Q2"; do
	name=$(echo "$q" | cut -d' ' -f3)
	if grep -qF "$q" "$TMP/man.flat"; then ok "man-names-$name"
	else fail "man-names-$name" "the page does not render: $q"; fi
	if grep -qF "$q" "$README"; then ok "readme-names-$name"
	else fail "readme-names-$name" "README lacks: $q"; fi
done

# README: a Quick start whose first code block is exactly the two commands.
sed -n '/^## Quick start/,/^## /p' "$README" |
    awk '/^```/ { if (inb) exit; inb = 1; next } inb' >"$TMP/qs"
printf 'make demo\nmake check\n' >"$TMP/qs.want"
if cmp -s "$TMP/qs" "$TMP/qs.want"; then
	ok readme-quick-start
else
	fail readme-quick-start "first code block: $(tr '\n' ';' <"$TMP/qs")"
fi

# make install / uninstall with DESTDIR and PREFIX (the binary is built).
need make make || exit 0
unset MAKEFLAGS MFLAGS MAKELEVEL
D=$TMP/destdir
if make -s -C "$TOP" install DESTDIR="$D" PREFIX=/usr >"$TMP/inst" 2>&1 &&
    [ -x "$D/usr/bin/fl2ipfix" ] &&
    cmp -s "$D/usr/share/man/man1/fl2ipfix.1" "$MAN" &&
    "$D/usr/bin/fl2ipfix" -V >/dev/null; then
	ok make-install
else
	fail make-install "$(head -c 400 "$TMP/inst" | tr '\n' ' ')"
fi
if make -s -C "$TOP" uninstall DESTDIR="$D" PREFIX=/usr >"$TMP/inst" 2>&1 &&
    ! [ -e "$D/usr/bin/fl2ipfix" ] &&
    ! [ -e "$D/usr/share/man/man1/fl2ipfix.1" ]; then
	ok make-uninstall
else
	fail make-uninstall "$(head -c 400 "$TMP/inst" | tr '\n' ' ')"
fi
exit 0
