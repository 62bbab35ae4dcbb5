/* tests/unit_parse.c: table-driven tests of parse.c (catalogue, headers, -F, lines). */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "unit.h"

static char name[200];

/* A test name built from a prefix and the case's input, on one line. */
static const char *
tname(const char *prefix, const char *what)
{
	char *p;

	snprintf(name, sizeof(name), "%s: %s", prefix, what);
	for (p = name; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			*p = '.';
	return name;
}

/* Every catalogue entry round-trips; nothing else is found. */
static void
test_catalogue(void)
{
	int	i, bad = 0;
	size_t	j, n;

	for (i = 0; i < PF_NFIELDS; i++) {
		const char *s = parse_field_name((enum parse_field)i);

		if (s == NULL || parse_field_lookup(s, strlen(s)) !=
		    (enum parse_field)i) {
			printf("# catalogue: %d (%s) does not round-trip\n", i,
			    s ? s : "NULL");
			bad++;
		}
		/* A prefix of a name is not the name. */
		if (s != NULL && strlen(s) > 1 &&
		    parse_field_lookup(s, strlen(s) - 1) ==
		    (enum parse_field)i)
			bad++;
	}
	ASSERT("catalogue: every name round-trips", bad == 0);
	ASSERT("catalogue: unknown name", parse_field_lookup("src-addr", 8) ==
	    PF_UNKNOWN);
	ASSERT("catalogue: empty name", parse_field_lookup("", 0) ==
	    PF_UNKNOWN);
	ASSERT("catalogue: upper case is not a name",
	    parse_field_lookup("Version", 7) == PF_UNKNOWN);
	ASSERT("catalogue: out of range", strcmp(parse_field_name(PF_UNKNOWN),
	    "(unknown)") == 0);

	/* The documented names, spelled out here independently. */
	{
		static const struct { const char *s; enum parse_field f; } t[] = {
			{ "version", PF_VERSION },
			{ "account-id", PF_ACCOUNT_ID },
			{ "log-status", PF_LOG_STATUS },
			{ "pkt-srcaddr", PF_PKT_SRCADDR },
			{ "pkt-dst-aws-service", PF_PKT_DST_AWS_SERVICE },
			{ "traffic-path", PF_TRAFFIC_PATH },
			{ "ecs-second-container-id", PF_ECS_SECOND_CONTAINER_ID },
			{ "reject-reason", PF_REJECT_REASON },
			{ "resource-id", PF_RESOURCE_ID },
			{ "encryption-status", PF_ENCRYPTION_STATUS },
			{ "instance-tag-2", PF_INSTANCE_TAG_2 },
			{ "next-hop-interface-type", PF_NEXT_HOP_INTERFACE_TYPE },
			{ "tgw-pair-attachment-id", PF_TGW_PAIR_ATTACHMENT_ID },
			{ "packets-lost-ttl-expired", PF_PACKETS_LOST_TTL_EXPIRED },
		};

		bad = 0;
		n = sizeof(t) / sizeof(t[0]);
		for (j = 0; j < n; j++)
			if (parse_field_lookup(t[j].s, strlen(t[j].s)) != t[j].f)
				bad++;
		ASSERT("catalogue: documented names", bad == 0);
	}
	/* No two catalogue entries share a name. */
	bad = 0;
	for (i = 0; i < PF_NFIELDS; i++)
		for (n = 0; n < (size_t)i; n++)
			if (strcmp(parse_field_name((enum parse_field)i),
			    parse_field_name((enum parse_field)n)) == 0)
				bad++;
	ASSERT("catalogue: names are distinct", bad == 0);
}

/* Header lines: 1 header, 0 not a header, -1 unusable header. */
static void
test_header(void)
{
	static const struct {
		const char	*line;
		int		 rc;
		size_t		 ncol;
		size_t		 nunknown;
		const char	*errfield;	/* for rc == -1 */
	} t[] = {
		{ "version account-id interface-id srcaddr dstaddr srcport "
		  "dstport protocol packets bytes start end action log-status",
		  1, 14, 0, NULL },
		/* Alphabetical, as the console builds it. */
		{ "account-id action az-id bytes dstaddr dstport end "
		  "flow-direction instance-id interface-id log-status packets "
		  "pkt-dst-aws-service pkt-dstaddr pkt-src-aws-service "
		  "pkt-srcaddr protocol region srcaddr srcport start "
		  "sublocation-id sublocation-type subnet-id tcp-flags "
		  "traffic-path type version vpc-id", 1, 29, 0, NULL },
		/* Not starting with version. */
		{ "instance-id interface-id srcaddr dstaddr pkt-srcaddr "
		  "pkt-dstaddr", 1, 6, 0, NULL },
		{ "flow-direction traffic-path srcaddr dstaddr srcport dstport "
		  "encryption-status", 1, 7, 0, NULL },
		/* Tabs and runs of spaces. */
		{ "  version\tsrcaddr  \t dstaddr  ", 1, 3, 0, NULL },
		/* Unknown names mixed in: ignored columns. */
		{ "version srcaddr future-field dstaddr packets", 1, 5, 1,
		  NULL },
		{ "version x-1 srcaddr y-2 dstaddr", 1, 5, 2, NULL },
		/* One known name out of two is not "most". */
		{ "version whatever", 0, 0, 0, NULL },
		{ "foo bar baz", 0, 0, 0, NULL },
		/* Data lines that look like words. */
		{ "eni-0a1b2c3d vpc-0aa11bb2 subnet-0a1a2a3a", 0, 0, 0, NULL },
		{ "ingress eu-central-1 euc1-az1 interface", 0, 0, 0, NULL },
		{ "egress 8 srcaddr", 0, 0, 0, NULL },
		{ "2 123456789012 eni-0123456789abcdef0 10.0.1.103 172.31.1.20 "
		  "24989 22 6 421 478677 1764201600 1764201655 ACCEPT OK",
		  0, 0, 0, NULL },
		{ "version - srcaddr", 0, 0, 0, NULL },
		{ "version Srcaddr dstaddr", 0, 0, 0, NULL },
		{ "version srcaddr- dstaddr", 0, 0, 0, NULL },
		{ "version src--addr dstaddr bytes", 0, 0, 0, NULL },
		{ "version log_status srcaddr", 0, 0, 0, NULL },
		{ "", 0, 0, 0, NULL },
		{ "   \t ", 0, 0, 0, NULL },
		/* Duplicate names: a header, but unusable. */
		{ "version srcaddr dstaddr srcaddr", -1, 0, 0, "srcaddr" },
		{ "version version", -1, 0, 0, "version" },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct parse_layout	l;
		struct parse_error	e;
		int			rc;

		memset(&l, 0, sizeof(l));
		memset(&e, 0, sizeof(e));
		/* Start from the default: -1 and 0 must leave it alone. */
		parse_layout_default(&l);
		rc = parse_header(&l, t[i].line, strlen(t[i].line), &e);
		ASSERT(tname("header rc", t[i].line), rc == t[i].rc);
		if (rc == 1 && t[i].rc == 1) {
			ASSERT(tname("header ncol", t[i].line),
			    l.ncol == t[i].ncol);
			ASSERT(tname("header nunknown", t[i].line),
			    l.nunknown == t[i].nunknown);
			ASSERT(tname("header origin", t[i].line),
			    l.origin == PARSE_ORIGIN_HEADER);
		} else {
			ASSERT(tname("header leaves layout", t[i].line),
			    l.ncol == 14 && l.origin == PARSE_ORIGIN_DEFAULT);
		}
		if (t[i].errfield != NULL)
			ASSERT(tname("header error", t[i].line),
			    strcmp(e.field, t[i].errfield) == 0 &&
			    strstr(e.reason, "twice") != NULL);
		parse_layout_free(&l);
	}

	/* The column map of an alphabetical header, and its owned copy. */
	{
		struct parse_layout	l;
		struct parse_error	e;
		const char		*h = "bytes\taction  srcaddr";

		memset(&l, 0, sizeof(l));
		ASSERT("header columns", parse_header(&l, h, strlen(h), &e) ==
		    1 && l.col[0] == PF_BYTES && l.col[1] == PF_ACTION &&
		    l.col[2] == PF_SRCADDR && l.has[PF_BYTES] == 1 &&
		    l.has[PF_ACTION] == 2 && l.has[PF_SRCADDR] == 3 &&
		    l.has[PF_VERSION] == 0);
		ASSERT("header text", l.header != NULL &&
		    strcmp(l.header, "bytes action srcaddr") == 0 &&
		    l.headerlen == strlen(l.header));
		parse_layout_free(&l);
	}
	/* The line need not be NUL-terminated: only len bytes count. */
	{
		struct parse_layout	l;
		struct parse_error	e;
		const char		*h = "version srcaddr dstaddr 2 1.2.3.4";

		memset(&l, 0, sizeof(l));
		ASSERT("header honours len", parse_header(&l, h, 23, &e) == 1 &&
		    l.ncol == 3);
		parse_layout_free(&l);
	}
	/* Every known name, in reverse catalogue order. */
	{
		struct parse_layout	l;
		struct parse_error	e;
		char			buf[4096];
		size_t			n = 0;
		int			k, ok = 1;

		memset(&l, 0, sizeof(l));
		for (k = PF_NFIELDS - 1; k >= 0; k--)
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s",
			    k < PF_NFIELDS - 1 ? " " : "",
			    parse_field_name((enum parse_field)k));
		ASSERT("header all names reversed", parse_header(&l, buf, n,
		    &e) == 1 && l.ncol == PF_NFIELDS && l.nunknown == 0);
		for (k = 0; k < PF_NFIELDS; k++)
			if (l.col[k] != PF_NFIELDS - 1 - k ||
			    l.has[k] != PF_NFIELDS - k)
				ok = 0;
		ASSERT("header all names reversed: columns", ok);
		parse_layout_free(&l);
	}
	/* 128 columns are fine, 129 are too many. */
	{
		struct parse_layout	l;
		struct parse_error	e;
		char			buf[4096];
		size_t			k, n = 0;

		memset(&l, 0, sizeof(l));
		/* Every known name once, then unknown ones up to 128. */
		for (k = 0; k < PARSE_MAX_COLUMNS; k++)
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s",
			    k ? " " : "", k < PF_NFIELDS ?
			    parse_field_name((enum parse_field)k) : "zz");
		ASSERT("header 128 columns", PF_NFIELDS * 2 > PARSE_MAX_COLUMNS &&
		    parse_header(&l, buf, n, &e) == 1 &&
		    l.ncol == PARSE_MAX_COLUMNS);
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, " zz");
		ASSERT("header 129 columns", parse_header(&l, buf, n, &e) ==
		    -1 && strcmp(e.field, "header") == 0);
		parse_layout_free(&l);
	}
}

static int
same_layout(const struct parse_layout *a, const struct parse_layout *b)
{
	return a->ncol == b->ncol &&
	    memcmp(a->col, b->col, a->ncol) == 0 &&
	    memcmp(a->has, b->has, sizeof(a->has)) == 0 &&
	    a->nunknown == b->nunknown &&
	    strcmp(a->header, b->header) == 0;
}

/* -F: three syntaxes, presets, errors. */
static void
test_format(void)
{
	static const char *const same[] = {
		"${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} "
		"${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} "
		"${end} ${action} ${log-status}",
		"$${version} $${account-id} $${interface-id} $${srcaddr} "
		"$${dstaddr} $${srcport} $${dstport} $${protocol} $${packets} "
		"$${bytes} $${start} $${end} $${action} $${log-status}",
		"version account-id interface-id srcaddr dstaddr srcport dstport "
		"protocol packets bytes start end action log-status",
		"  version\taccount-id interface-id srcaddr dstaddr srcport "
		"dstport protocol packets bytes start end action log-status\n",
		"vpc-default",
	};
	static const struct {
		const char	*fmt;
		const char	*field;
		const char	*reason;	/* a substring */
	} bad[] = {
		{ "", "format", "no field names" },
		{ "   ", "format", "no field names" },
		{ "${version", "format", "expected ${name}" },
		{ "${}", "format", "expected ${name}" },
		{ "$version", "format", "expected ${name}" },
		{ "$$version", "format", "expected ${name}" },
		{ "${version}${srcaddr}", "format", "not a field name" },
		{ "Version srcaddr", "format", "not a field name" },
		{ "version src--addr", "format", "not a field name" },
		{ "${Version}", "format", "not a field name" },
		{ "version srcaddr version", "version", "twice" },
		{ "${srcaddr} $${srcaddr}", "srcaddr", "twice" },
	};
	struct parse_layout	ref, l;
	struct parse_error	e;
	size_t			i;

	memset(&ref, 0, sizeof(ref));
	ASSERT("default layout", parse_layout_default(&ref) == 0 &&
	    ref.ncol == 14 && ref.origin == PARSE_ORIGIN_DEFAULT &&
	    ref.col[0] == PF_VERSION && ref.col[13] == PF_LOG_STATUS);
	for (i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
		memset(&l, 0, sizeof(l));
		ASSERT(tname("format parses", same[i]),
		    parse_layout_format(&l, same[i], &e) == 0);
		ASSERT(tname("format equals v2", same[i]),
		    l.header != NULL && same_layout(&l, &ref) &&
		    l.origin == PARSE_ORIGIN_FORMAT);
		parse_layout_free(&l);
	}

	memset(&l, 0, sizeof(l));
	ASSERT("format tgw-default", parse_layout_format(&l, "tgw-default",
	    &e) == 0 && l.ncol == 36 && l.col[0] == PF_VERSION &&
	    l.col[1] == PF_RESOURCE_TYPE && l.col[35] ==
	    PF_PKT_DST_AWS_SERVICE && l.nunknown == 0 &&
	    l.has[PF_TGW_PAIR_ATTACHMENT_ID] == 16);
	parse_layout_free(&l);

	/* An unknown name is accepted and its column ignored. */
	memset(&l, 0, sizeof(l));
	ASSERT("format unknown name", parse_layout_format(&l,
	    "${version} ${future-field} ${srcaddr}", &e) == 0 &&
	    l.ncol == 3 && l.nunknown == 1 && l.col[1] == PF_UNKNOWN &&
	    strcmp(l.header, "version future-field srcaddr") == 0);
	parse_layout_free(&l);

	/* The Athena spelling with underscores. */
	memset(&l, 0, sizeof(l));
	ASSERT("format underscores", parse_layout_format(&l,
	    "log_status pkt_srcaddr", &e) == 0 && l.ncol == 2 &&
	    l.col[0] == PF_LOG_STATUS && l.col[1] == PF_PKT_SRCADDR);
	parse_layout_free(&l);

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&l, 0, sizeof(l));
		memset(&e, 0, sizeof(e));
		parse_layout_default(&l);
		ASSERT(tname("format refused", bad[i].fmt),
		    parse_layout_format(&l, bad[i].fmt, &e) == -1);
		ASSERT(tname("format error field", bad[i].fmt),
		    strcmp(e.field, bad[i].field) == 0);
		ASSERT(tname("format error reason", bad[i].fmt),
		    strstr(e.reason, bad[i].reason) != NULL);
		ASSERT(tname("format error leaves layout", bad[i].fmt),
		    l.ncol == 14 && l.origin == PARSE_ORIGIN_DEFAULT);
		parse_layout_free(&l);
	}

	/* 129 names are too many; a huge string is refused, not cut. */
	{
		char	buf[10000];
		size_t	k, n = 0;

		for (k = 0; k <= PARSE_MAX_COLUMNS; k++)
			n += (size_t)snprintf(buf + n, sizeof(buf) - n,
			    "%sx%zu", k ? " " : "", k);
		memset(&l, 0, sizeof(l));
		ASSERT("format 129 fields", parse_layout_format(&l, buf, &e) ==
		    -1 && strstr(e.reason, "too many") != NULL);
		memset(buf, 'a', sizeof(buf) - 1);
		buf[sizeof(buf) - 1] = '\0';
		ASSERT("format too long", parse_layout_format(&l, buf, &e) ==
		    -1 && strstr(e.reason, "too long") != NULL);
		parse_layout_free(&l);
	}
	/* A NULL error pointer is allowed. */
	memset(&l, 0, sizeof(l));
	ASSERT("format NULL err", parse_layout_format(&l, "${x", NULL) == -1);
	parse_layout_free(&l);
	parse_layout_free(&ref);
}

static const uint8_t v6a[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0x01 };
static const uint8_t v6b[16] = { 0xfe, 0x80, 0, 0, 0, 0, 0, 0,
	0x02, 0x11, 0x22, 0xff, 0xfe, 0x33, 0x44, 0x55 };

static struct parse_layout *
layout(const char *fmt)
{
	static struct parse_layout	l;
	struct parse_error		e;

	if (parse_layout_format(&l, fmt, &e) == -1) {
		printf("FAIL layout %s: %s: %s\n", fmt, e.field, e.reason);
		exit(1);
	}
	return &l;
}

static int
parse(const char *fmt, const char *line, struct parse_record *r,
    struct parse_error *e)
{
	memset(r, 0xa5, sizeof(*r));	/* nothing may rely on zeroing */
	memset(e, 0, sizeof(*e));
	return parse_line(layout(fmt), line, strlen(line), r, e);
}

static int
strfield(const struct parse_record *r, enum parse_field f, const char *s)
{
	return parse_has(r, f) && r->str[f].len == strlen(s) &&
	    memcmp(r->str[f].p, s, r->str[f].len) == 0;
}

static void
test_good_lines(void)
{
	struct parse_record	r;
	struct parse_error	e;
	static const uint8_t	a1[4] = { 10, 0, 1, 103 };
	static const uint8_t	a2[4] = { 172, 31, 1, 20 };
	int			f, ok;

	ASSERT("v2 line", parse("vpc-default",
	    "2 123456789012 eni-0123456789abcdef0 10.0.1.103 172.31.1.20 "
	    "24989 22 6 421 478677 1764201600 1764201655 ACCEPT OK", &r,
	    &e) == 0);
	ASSERT("v2 values", r.version == 2 &&
	    strfield(&r, PF_ACCOUNT_ID, "123456789012") &&
	    strfield(&r, PF_INTERFACE_ID, "eni-0123456789abcdef0") &&
	    r.srcaddr.family == 4 && memcmp(r.srcaddr.a, a1, 4) == 0 &&
	    r.dstaddr.family == 4 && memcmp(r.dstaddr.a, a2, 4) == 0 &&
	    r.srcport == 24989 && r.dstport == 22 && r.protocol == 6 &&
	    r.packets == 421 && r.bytes == 478677 &&
	    r.start == 1764201600 && r.end == 1764201655 &&
	    r.action == PARSE_ACCEPT && r.log_status == PARSE_OK);
	ok = 1;
	for (f = 0; f < PF_NFIELDS; f++)
		if (parse_has(&r, (enum parse_field)f) != (f <= PF_LOG_STATUS))
			ok = 0;
	ASSERT("v2 present bits", ok);

	/* Compressed IPv6, 64-bit counters, tabs and runs of spaces. */
	ASSERT("v6 line", parse("srcaddr dstaddr packets bytes action",
	    "\t 2001:db8::1 \t\tfe80::211:22ff:fe33:4455   "
	    "18446744073709551615 18446744073709551614 REJECT  \t", &r,
	    &e) == 0);
	ASSERT("v6 values", r.srcaddr.family == 6 &&
	    memcmp(r.srcaddr.a, v6a, 16) == 0 && r.dstaddr.family == 6 &&
	    memcmp(r.dstaddr.a, v6b, 16) == 0 &&
	    r.packets == UINT64_MAX && r.bytes == UINT64_MAX - 1 &&
	    r.action == PARSE_REJECT);
	ASSERT("v6 :: and mapped", parse("srcaddr dstaddr", ":: ::ffff:1.2.3.4",
	    &r, &e) == 0 && r.srcaddr.family == 6 && r.dstaddr.family == 6 &&
	    r.dstaddr.a[10] == 0xff && r.dstaddr.a[15] == 4);
	ASSERT("v4 extremes", parse("srcaddr dstaddr", "0.0.0.0 255.255.255.255",
	    &r, &e) == 0 && r.srcaddr.a[0] == 0 && r.dstaddr.a[3] == 255);
	ASSERT("boundaries", parse("srcport dstport protocol tcp-flags "
	    "start end", "0 65535 255 0 0 18446744073709551", &r, &e) == 0 &&
	    r.srcport == 0 && r.dstport == 65535 && r.protocol == 255 &&
	    r.tcp_flags == 0 && r.end == UINT64_MAX / 1000);
	ASSERT("leading zeros in numbers", parse("packets srcport",
	    "007 00443", &r, &e) == 0 && r.packets == 7 && r.srcport == 443);

	/* '-' leaves a field absent, whatever its type. */
	ASSERT("dashes", parse("version srcaddr dstaddr srcport packets start "
	    "action log-status account-id flow-direction type",
	    "- - - - - - - - - - -", &r, &e) == 0 &&
	    r.present[0] == 0 && r.present[1] == 0);
	ASSERT("some dashes", parse("srcaddr dstaddr packets bytes action",
	    "10.0.0.1 - 5 - -", &r, &e) == 0 &&
	    parse_has(&r, PF_SRCADDR) && !parse_has(&r, PF_DSTADDR) &&
	    parse_has(&r, PF_PACKETS) && !parse_has(&r, PF_BYTES) &&
	    !parse_has(&r, PF_ACTION) && r.packets == 5);
	/* "--" is not a dash: it is a bad value. */
	ASSERT("double dash", parse("packets", "--", &r, &e) == -1 &&
	    strcmp(e.field, "packets") == 0);

	/* Unknown columns are skipped, whatever they hold. */
	ASSERT("unknown column", parse("srcaddr future-x packets",
	    "1.2.3.4 \x01\xff 7", &r, &e) == 0 && r.packets == 7);

	/* The enumerations. */
	ASSERT("NODATA", parse("version account-id interface-id srcaddr "
	    "dstaddr srcport dstport protocol packets bytes start end action "
	    "log-status", "2 123456789010 eni-1235b8ca123456789 - - - - - - - "
	    "1431280876 1431280934 - NODATA", &r, &e) == 0 &&
	    r.log_status == PARSE_NODATA && !parse_has(&r, PF_SRCADDR));
	ASSERT("SKIPDATA", parse("log-status", "SKIPDATA", &r, &e) == 0 &&
	    r.log_status == PARSE_SKIPDATA);
	ASSERT("directions", parse("flow-direction pkt-srcaddr",
	    "egress 1.1.1.1", &r, &e) == 0 && r.direction == PARSE_EGRESS &&
	    parse("flow-direction", "ingress", &r, &e) == 0 &&
	    r.direction == PARSE_INGRESS);
	ASSERT("type", parse("type", "IPv6", &r, &e) == 0 &&
	    strfield(&r, PF_TYPE, "IPv6") &&
	    parse("type", "EFA", &r, &e) == 0);
	ASSERT("resource-type", parse("resource-type",
	    "TransitGatewayAttachment", &r, &e) == 0 &&
	    strfield(&r, PF_RESOURCE_TYPE, "TransitGatewayAttachment"));
	ASSERT("tgw lost", parse("packets-lost-no-route packets-lost-blackhole "
	    "packets-lost-mtu-exceeded packets-lost-ttl-expired", "1 2 3 4",
	    &r, &e) == 0 && r.lost[0] == 1 && r.lost[1] == 2 &&
	    r.lost[2] == 3 && r.lost[3] == 4);
	ASSERT("small ints", parse("traffic-path encryption-status tcp-flags "
	    "version", "8 2 19 11", &r, &e) == 0 && r.traffic_path == 8 &&
	    r.encryption_status == 2 && r.tcp_flags == 19 && r.version == 11);
	/* UTF-8 in tags (v11 tag values may hold any Unicode). */
	ASSERT("utf-8 tag", parse("instance-tag",
	    "Name=\xc3\xa9t\xc3\xa9-\xe2\x82\xac-\xf0\x9f\x98\x80", &r,
	    &e) == 0 && parse_has(&r, PF_INSTANCE_TAG));
	/* Only len bytes count: the line need not be NUL-terminated. */
	memset(&r, 0, sizeof(r));
	ASSERT("honours len", parse_line(layout("packets"), "12345", 3, &r,
	    &e) == 0 && r.packets == 123);
}

static void
test_bad_lines(void)
{
	static const struct {
		const char	*fmt;
		const char	*line;
		size_t		 len;	/* 0: strlen */
		const char	*field;
		const char	*reason;	/* a substring */
	} t[] = {
		{ "vpc-default", "2 123456789012 eni-0123 10.0.1.103 172.31.1.20 "
		  "24989 22 6 421 478677 1764201600 1764201655 ACCEPT", 0,
		  "line", "expected 14 fields, found 13" },
		{ "vpc-default", "2 123456789012 eni-0123 10.0.1.103 172.31.1.20 "
		  "24989 22 6 421 478677 1764201600 1764201655 ACCEPT OK x", 0,
		  "line", "expected 14 fields, found 15" },
		{ "srcaddr dstaddr", "", 0, "line", "found 0" },
		/* The count wins over a bad field (a line in another layout). */
		{ "srcaddr dstaddr packets", "x y z w", 0, "line",
		  "expected 3 fields, found 4" },
		{ "srcaddr dstaddr packets", "1.2.3.4 x", 0, "line",
		  "expected 3 fields, found 2" },
		/* The first bad field is named, not a later one. */
		{ "srcaddr dstaddr packets", "1.2.3.4 x y", 0, "dstaddr",
		  "IPv4 or IPv6" },
		{ "srcaddr", "10.0.0.256", 0, "srcaddr", "IPv4 or IPv6" },
		{ "srcaddr", "10.0.0", 0, "srcaddr", "IPv4 or IPv6" },
		{ "srcaddr", "10.0.0.1.5", 0, "srcaddr", "IPv4 or IPv6" },
		{ "srcaddr", "10.0.0.1.", 0, "srcaddr", "IPv4 or IPv6" },
		{ "srcaddr", "010.0.0.1", 0, "srcaddr", "IPv4 or IPv6" },
		{ "srcaddr", "1234.0.0.1", 0, "srcaddr", "IPv4 or IPv6" },
		{ "srcaddr", "a.b.c.d", 0, "srcaddr", "IPv4 or IPv6" },
		{ "dstaddr", "2001:db8:::1", 0, "dstaddr", "IPv4 or IPv6" },
		{ "dstaddr", "2001:db8::g", 0, "dstaddr", "IPv4 or IPv6" },
		{ "dstaddr", "fe80::1%eth0", 0, "dstaddr", "IPv4 or IPv6" },
		{ "pkt-srcaddr", "localhost", 0, "pkt-srcaddr", "IPv4 or IPv6" },
		{ "pkt-dstaddr", "1:2:3:4:5:6:7:8:9", 0, "pkt-dstaddr",
		  "IPv4 or IPv6" },
		{ "srcport", "65536", 0, "srcport", "0 to 65535" },
		{ "dstport", "-1", 0, "dstport", "0 to 65535" },
		{ "dstport", "+80", 0, "dstport", "0 to 65535" },
		{ "protocol", "256", 0, "protocol", "0 to 255" },
		{ "protocol", "tcp", 0, "protocol", "0 to 255" },
		{ "tcp-flags", "0x13", 0, "tcp-flags", "0 to 255" },
		{ "version", "2.0", 0, "version", "0 to 255" },
		{ "packets", "12a", 0, "packets", "18446744073709551615" },
		{ "packets", "1e6", 0, "packets", "18446744073709551615" },
		{ "bytes", "18446744073709551616", 0, "bytes",
		  "18446744073709551615" },
		{ "bytes", "99999999999999999999", 0, "bytes",
		  "18446744073709551615" },
		{ "bytes", "000000000000000000001", 0, "bytes",
		  "18446744073709551615" },
		{ "packets-lost-mtu-exceeded", "x", 0,
		  "packets-lost-mtu-exceeded", "18446744073709551615" },
		{ "start", "18446744073709552", 0, "start", "Unix seconds" },
		{ "end", "now", 0, "end", "Unix seconds" },
		{ "action", "accept", 0, "action", "ACCEPT, REJECT" },
		{ "log-status", "ok", 0, "log-status", "NODATA, SKIPDATA" },
		{ "flow-direction", "in", 0, "flow-direction", "ingress, egress" },
		{ "type", "IPv5", 0, "type", "IPv4, IPv6, EFA" },
		{ "resource-type", "VPC", 0, "resource-type", "TransitGateway" },
		/* Invalid UTF-8 in string fields. */
		{ "account-id", "12\xff" "34", 0, "account-id", "UTF-8" },
		{ "vpc-id", "vpc-\xc3", 0, "vpc-id", "UTF-8" },
		{ "instance-tag", "\xc0\xaf", 0, "instance-tag", "UTF-8" },
		{ "instance-tag", "\xe0\x80\xaf", 0, "instance-tag", "UTF-8" },
		{ "instance-tag", "\xed\xa0\x80", 0, "instance-tag", "UTF-8" },
		{ "instance-tag", "\xf4\x90\x80\x80", 0, "instance-tag",
		  "UTF-8" },
		{ "interface-id", "eni-\x7f", 0, "interface-id", "UTF-8" },
		{ "interface-id", "eni-\r", 0, "interface-id", "UTF-8" },
		/* NUL bytes, in a string and in a number. */
		{ "account-id packets", "12\0" "3 5", 6, "account-id", "UTF-8" },
		{ "packets account-id", "1\0" "2 5", 5, "packets",
		  "18446744073709551615" },
		{ "srcaddr", "1.2.3.4\0", 8, "srcaddr", "IPv4 or IPv6" },
		{ "dstaddr", "::1\0", 4, "dstaddr", "IPv4 or IPv6" },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct parse_record	r;
		struct parse_error	e;
		size_t			len = t[i].len ? t[i].len :
					    strlen(t[i].line);
		int			rc;

		memset(&e, 0, sizeof(e));
		rc = parse_line(layout(t[i].fmt), t[i].line, len, &r, &e);
		snprintf(name, sizeof(name), "bad line %zu (%s)", i, t[i].fmt);
		ASSERT(name, rc == -1 && strcmp(e.field, t[i].field) == 0 &&
		    strstr(e.reason, t[i].reason) != NULL);
		if (!(rc == -1 && strcmp(e.field, t[i].field) == 0 &&
		    strstr(e.reason, t[i].reason) != NULL))
			printf("# got rc %d, %s: %s\n", rc, e.field, e.reason);
	}
	/* A NULL error pointer is allowed. */
	{
		struct parse_record r;

		ASSERT("bad line NULL err", parse_line(layout("packets"), "x",
		    1, &r, NULL) == -1);
	}
}

/* A fixed sequence: the same cases on every run. */
static uint64_t
rnd(void)
{
	static uint64_t x = 0x9e3779b97f4a7c15ULL;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return x;
}

/*
 * One srcaddr field, fast and simple paths, against inet_pton: accepted
 * by both with the same bytes, or refused by both.  Returns 1 if it agrees.
 */
static int
v6_agrees(const char *txt, size_t len, int *accepted)
{
	struct parse_record	r;
	struct parse_error	e;
	uint8_t			want[16];
	int			ok, fast, rc;

	ok = memchr(txt, '\0', len) == NULL &&
	    inet_pton(AF_INET6, txt, want) == 1;
	*accepted = ok;
	for (fast = 0; fast <= 1; fast++) {
		parse_set_fast(fast);
		memset(&r, 0, sizeof(r));
		rc = parse_line(layout("srcaddr"), txt, len, &r, &e);
		if (ok != (rc == 0) || (ok && (r.srcaddr.family != 6 ||
		    memcmp(r.srcaddr.a, want, 16) != 0))) {
			parse_set_fast(1);
			printf("# v6 disagrees with inet_pton (fast %d): "
			    "%s\n", fast, txt);
			return 0;
		}
	}
	parse_set_fast(1);
	return 1;
}

/* The hand-written IPv6 reader accepts exactly what inet_pton accepts. */
static void
test_v6_pton(void)
{
	static const char *const edge[] = { "::", ":::", "::1", "1::", "1:",
	    ":1", "1::2::3", "::ffff:1.2.3.4", "::1.2.3.4", "1.2.3.4::",
	    "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7::",
	    "::2:3:4:5:6:7:8", "1:2:3:4:5:6:7::8", "1:2:3:4:5:6:1.2.3.4",
	    "1:2:3:4:5:6:7:1.2.3.4", "1:2:3:4:5::1.2.3.4",
	    "1:2:3:4:5:6::1.2.3.4", "::01.2.3.4", "::1.2.3.04", "::0.0.0.0",
	    "::256.1.1.1", "::1.2.3", "::1.2.3.4.5", "::1.2.3.", "::.1.2.3",
	    "::1..2.3", "::a.2.3.4", "::1234.1.1.1", "::12345", "::fffff",
	    "FFFF::ABCD", "fe80::1%eth0", "2001:db8::", "2001:0db8:0000::0001",
	    "0:0:0:0:0:0:0:0", "::0:0:0:0:0:0:0", "::0:0:0:0:0:0", ":", "1",
	    "g::", "1:::", "::1:", "1::2:", ":::1", "1:2:3:4:5:6:7:8::",
	    "::1.2.3.4:5", "1.2.3.4:5::", "::1.2.3.4x", "::x", "1:2::3:4.5.6.7",
	    "::255.255.255.255", "::255.255.255.256" };
	static const char *const tok[] = { "", "0", "1", "a", "ff", "FfF",
	    "ffff", "0000", "12345", "00000", "g", "1.2.3.4",
	    "255.255.255.255", "01.2.3.4", "256.0.0.1", "1.2.3", ".", ":" };
	const size_t	ntok = sizeof(tok) / sizeof(tok[0]);
	size_t		i, k, len;
	int		bad = 0, acc, nacc = 0, ncase = 0;
	char		buf[128];

	for (i = 0; i < sizeof(edge) / sizeof(edge[0]); i++) {
		bad += !v6_agrees(edge[i], strlen(edge[i]), &acc);
		nacc += acc;
		ncase++;
	}
	/* Groups from the tokens, joined by ':'; some with a "::". */
	for (i = 0; i < 200000; i++) {
		size_t n = 1 + rnd() % 9;

		len = 0;
		for (k = 0; k < n; k++) {
			const char *t = tok[rnd() % ntok];

			if (k > 0 || rnd() % 8 == 0)
				buf[len++] = ':';
			if (rnd() % 10 == 0)
				buf[len++] = ':';
			memcpy(buf + len, t, strlen(t));
			len += strlen(t);
		}
		if (memchr(buf, ':', len) == NULL)
			buf[len++] = ':';
		buf[len] = '\0';
		bad += !v6_agrees(buf, len, &acc);
		nacc += acc;
		ncase++;
	}
	/* Mostly valid: 1-8 groups, maybe a "::", a quad, one byte changed. */
	for (i = 0; i < 100000; i++) {
		size_t	n = 1 + rnd() % 8, gapat = rnd() % (n + 3), d;
		int	quad = rnd() % 4 == 0;

		len = 0;
		for (k = 0; k < n; k++) {
			if (k == gapat)
				buf[len++] = ':';
			if (k > 0 || k == gapat)
				buf[len++] = ':';
			if (quad && k == n - 1) {
				len += (size_t)sprintf(buf + len, "%u.%u.%u.%u",
				    (unsigned)(rnd() % 260),
				    (unsigned)(rnd() % 260),
				    (unsigned)(rnd() % 260),
				    (unsigned)(rnd() % 260));
				break;
			}
			for (d = 1 + rnd() % 4; d > 0; d--)
				buf[len++] = "0123456789abcdefABCDEF"[rnd() % 22];
		}
		if (gapat == n) {
			buf[len++] = ':';
			buf[len++] = ':';
		}
		if (rnd() % 4 == 0)
			buf[rnd() % len] = ":.0fg"[rnd() % 5];
		if (memchr(buf, ':', len) == NULL)
			buf[len++] = ':';
		buf[len] = '\0';
		bad += !v6_agrees(buf, len, &acc);
		nacc += acc;
		ncase++;
	}
	/* Short strings of the characters that matter, and a NUL. */
	for (i = 0; i < 200000; i++) {
		static const char alpha[] = ":::...0123456789aAfFgx";
		size_t n = 1 + rnd() % 24;

		for (len = 0; len < n; len++)
			buf[len] = alpha[rnd() % (sizeof(alpha) - 1)];
		if (rnd() % 50 == 0)
			buf[rnd() % len] = '\0';
		buf[len] = '\0';
		if (memchr(buf, ':', len) == NULL)
			continue;
		bad += !v6_agrees(buf, len, &acc);
		nacc += acc;
		ncase++;
	}
	printf("# v6: %d cases, %d accepted by inet_pton\n", ncase, nacc);
	ASSERT("v6 reader agrees with inet_pton", bad == 0);
	ASSERT("v6 cases include many valid addresses", nacc > 10000);
}

static void
test_blank(void)
{
	ASSERT("blank empty", parse_blank("", 0));
	ASSERT("blank spaces tabs", parse_blank(" \t \t", 4));
	ASSERT("blank not", !parse_blank(" x ", 3));
	ASSERT("blank CR is not blank", !parse_blank("\r", 1));
}

/*
 * The simple and the fast parser agree on generated lines: the same
 * result, the same error, the same record.  Lines mix good values of each
 * column's kind with edge cases, other kinds' values, odd separators and
 * wrong field counts.
 */
static uint32_t	lseed = 7;

static uint32_t
lrnd(void)
{
	lseed = lseed * 1103515245u + 12345u;
	return lseed >> 8;
}

static const char *
pick(const char *const *v, size_t n)
{
	return v[lrnd() % n];
}

#define PICK(v)	pick(v, sizeof(v) / sizeof(v[0]))

static const char *const nums[] = { "0", "7", "42", "255", "256", "443",
    "65535", "65536", "00012", "0000000000000000255", "1764201600",
    "12345678", "123456789", "1234567890123456", "12345678901234567",
    "999999999999999999", "18446744073709551", "18446744073709552",
    "18446744073709551615", "18446744073709551616",
    "99999999999999999999", "1x", "+1", "-1", "1.5", "" };
static const char *const addrs[] = { "10.0.0.1", "172.31.255.254",
    "255.255.255.255", "0.0.0.0", "010.0.0.1", "1.2.3", "1.2.3.4.5",
    "256.1.1.1", "1.2.3.4x", "1..2.3", "2001:db8::1", "::", "::1",
    "fe80::1%eth0", "::ffff:10.0.0.1", "2001:db8:0:0:0:0:0:1:2",
    "1:2:3:4:5:6:7:8", "12345::1", "" };
static const char *const strs[] = { "eni-0123456789abcdef0", "vpc-1",
    "123456789012", "a", "-x", "\xc3\xa9t\xc3\xa9", "caf\xc3", "a\x01" "b",
    "a\x7f", "\xed\xa0\x80", "arn:aws:ecs:eu-central-1:1:task/x",
    "subnet-0aa40f9fe9a6afba5xyzxyzxyzxyzxyz" };
static const char *const words[] = { "ACCEPT", "REJECT", "OK", "NODATA",
    "SKIPDATA", "ingress", "egress", "IPv4", "IPv6", "EFA",
    "TransitGateway", "TransitGatewayAttachment", "ACCEPTx", "ok",
    "egres", "" };
static const char *const seps[] = { " ", " ", " ", " ", " ", "  ", "\t",
    " \t " };

static const char *
value_for(enum parse_field f)
{
	static const char *const any[] = { "x", "0", "10.0.0.1", "OK" };
	const char *nm = parse_field_name(f);

	if (lrnd() % 10 == 0)
		return "-";
	if (lrnd() % 25 == 0)
		return PICK(any);
	if (strstr(nm, "addr") != NULL)
		return PICK(addrs);
	if (f == PF_ACTION || f == PF_LOG_STATUS || f == PF_FLOW_DIRECTION ||
	    f == PF_TYPE || f == PF_RESOURCE_TYPE)
		return lrnd() % 4 == 0 ? PICK(words) :
		    f == PF_ACTION ? "ACCEPT" : f == PF_LOG_STATUS ? "OK" :
		    f == PF_FLOW_DIRECTION ? "egress" : f == PF_TYPE ? "IPv6" :
		    "TransitGateway";
	if (f == PF_VERSION || f == PF_SRCPORT || f == PF_DSTPORT ||
	    f == PF_PROTOCOL || f == PF_PACKETS || f == PF_BYTES ||
	    f == PF_START || f == PF_END || f == PF_TCP_FLAGS ||
	    f == PF_TRAFFIC_PATH || f == PF_ENCRYPTION_STATUS ||
	    (f >= PF_PACKETS_LOST_NO_ROUTE && f <= PF_PACKETS_LOST_TTL_EXPIRED))
		return PICK(nums);
	return PICK(strs);
}

/* Same outcome; for records, same values (both were filled with 0xa5). */
static int
same_parse(const struct parse_layout *l, const char *line, size_t len)
{
	struct parse_record	r[2];
	struct parse_error	e[2];
	int			rc[2], k, f;

	for (k = 0; k < 2; k++) {
		memset(&r[k], 0xa5, sizeof(r[k]));
		memset(&e[k], 0, sizeof(e[k]));
		parse_set_fast(k);
		rc[k] = parse_line(l, line, len, &r[k], &e[k]);
	}
	parse_set_fast(1);
	for (k = 1; k < 2; k++) {
		if (rc[k] != rc[0])
			return 0;
		if (rc[0] == -1) {
			if (strcmp(e[k].field, e[0].field) != 0 ||
			    strcmp(e[k].reason, e[0].reason) != 0)
				return 0;
			continue;
		}
		if (memcmp(&r[k], &r[0], offsetof(struct parse_record, str)))
			return 0;
		for (f = 0; f < PF_NFIELDS; f++)
			if (parse_has(&r[0], (enum parse_field)f) &&
			    (r[k].str[f].p != r[0].str[f].p ||
			    r[k].str[f].len != r[0].str[f].len))
				return 0;
	}
	return 1;
}

static void
test_levels_agree(void)
{
	static const char *const fmts[] = { "vpc-default", "tgw-default",
	    "version account-id interface-id srcaddr dstaddr srcport dstport "
	    "protocol packets bytes start end action log-status vpc-id "
	    "subnet-id instance-id tcp-flags type pkt-srcaddr pkt-dstaddr "
	    "region az-id sublocation-type sublocation-id "
	    "pkt-src-aws-service pkt-dst-aws-service flow-direction "
	    "traffic-path",
	    "srcport", "end", "srcaddr dstaddr",
	    "packets-lost-no-route x-unknown encryption-status bytes" };
	char		line[2048];
	size_t		i, k, n, len, ok = 0, refused = 0, bad = 0;

	for (i = 0; i < 60000; i++) {
		const struct parse_layout *l =
		    layout(fmts[i % (sizeof(fmts) / sizeof(fmts[0]))]);

		n = l->ncol;
		if (lrnd() % 20 == 0)
			n = n + (lrnd() % 3) - 1;
		len = 0;
		if (lrnd() % 10 == 0)
			len += (size_t)snprintf(line, sizeof(line), "%s",
			    PICK(seps));
		for (k = 0; k < n && len < sizeof(line) - 200; k++) {
			enum parse_field f = k < l->ncol ?
			    (enum parse_field)l->col[k] : PF_VERSION;
			const char *v = f == PF_UNKNOWN ? "u" : value_for(f);

			if (*v == '\0')
				v = "-";
			len += (size_t)snprintf(line + len, sizeof(line) - len,
			    "%s%s", k > 0 ? PICK(seps) : "", v);
		}
		if (lrnd() % 10 == 0)
			len += (size_t)snprintf(line + len, sizeof(line) - len,
			    "%s", PICK(seps));
		if (!same_parse(l, line, len)) {
			if (bad++ < 5)
				printf("# parsers disagree: [%s] on [%.*s]\n",
				    l->header, (int)len, line);
		} else {
			struct parse_record	r;
			struct parse_error	e;

			if (parse_line(l, line, len, &r, &e) == 0)
				ok++;
			else
				refused++;
		}
	}
	printf("# levels: %zu lines accepted, %zu refused, %zu disagree\n",
	    ok, refused, bad);
	ASSERT("levels: the simple and the fast parser agree on generated "
	    "lines",
	    bad == 0);
	ASSERT("levels: both outcomes are common", ok > 5000 && refused > 5000);
}

int
main(void)
{
	test_catalogue();
	test_header();
	test_format();
	test_good_lines();
	test_bad_lines();
	test_blank();
	test_v6_pton();
	test_levels_agree();
	parse_layout_free(layout("packets"));
	return unit_failed != 0;
}
