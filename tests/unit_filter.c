/* tests/unit_filter.c: each filter's semantics, their counters, and the --dedup window. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filter.h"
#include "parse.h"
#include "unit.h"

/* A VPC layout with direction, VPC and packet addresses. */
static const char VPC[] = "version account-id interface-id srcaddr dstaddr "
    "srcport dstport protocol packets bytes start end action log-status "
    "vpc-id flow-direction";
/* A TGW layout: attachments, VPCs, the 5-tuple, counters, direction. */
static const char TGW[] = "tgw-id tgw-attachment-id tgw-pair-attachment-id "
    "tgw-src-vpc-id tgw-dst-vpc-id account-id srcaddr dstaddr srcport "
    "dstport protocol packets bytes start end flow-direction";
/* The v2 default: no flow-direction, no VPC. */
static const char V2[] = "vpc-default";

static struct parse_layout lay[3];
static char linebuf[3][1024];

/* Parse a line with one of the layouts; the record borrows linebuf. */
static const struct parse_record *
rec(int which, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static const struct parse_record *
rec(int which, const char *fmt, ...)
{
	static struct parse_record	r[3];
	static int			k;
	struct parse_error		err;
	va_list				ap;

	k = (k + 1) % 3;
	va_start(ap, fmt);
	vsnprintf(linebuf[k], sizeof(linebuf[k]), fmt, ap);
	va_end(ap);
	if (parse_line(&lay[which], linebuf[k], strlen(linebuf[k]), &r[k],
	    &err) == -1) {
		printf("FAIL parse: %s: %s: %s\n", linebuf[k], err.field,
		    err.reason);
		exit(2);
	}
	return &r[k];
}

#define L_VPC	0
#define L_TGW	1
#define L_V2	2

/* A VPC record: account, eni, srcport, packets, bytes, end, action, vpc, dir. */
static const struct parse_record *
vpc(const char *acct, const char *eni, int sport, int pkts, int bytes,
    long end, const char *action, const char *vpcid, const char *dir)
{
	return rec(L_VPC, "5 %s %s 10.0.0.1 10.0.0.2 %d 443 6 %d %d %ld %ld "
	    "%s OK %s %s", acct, eni, sport, pkts, bytes, end - 60, end,
	    action, vpcid, dir);
}

static const struct parse_record *
tgw(const char *att, const char *pair, const char *svpc, const char *dvpc,
    int sport, int pkts, int bytes, const char *dir)
{
	return rec(L_TGW, "tgw-1 %s %s %s %s 111 10.0.0.1 10.1.0.1 %d 53 17 "
	    "%d %d 1000 1060 %s", att, pair, svpc, dvpc, sport, pkts, bytes,
	    dir);
}

static int
match(struct filter *f, const struct parse_record *r, int *cannot)
{
	int dummy;

	return filter_match(f, r, cannot != NULL ? cannot : &dummy);
}

static void
test_parse_time(void)
{
	uint64_t t = 0;

	ASSERT("time-seconds", filter_parse_time("1764201600", &t) == 0 &&
	    t == 1764201600);
	ASSERT("time-zero", filter_parse_time("0", &t) == 0 && t == 0);
	ASSERT("time-iso-min", filter_parse_time("2025-11-27T00:00Z", &t) ==
	    0 && t == 1764201600);
	ASSERT("time-iso-sec", filter_parse_time("2025-11-27T00:01:05Z",
	    &t) == 0 && t == 1764201665);
	ASSERT("time-iso-no-z", filter_parse_time("2025-11-27T00:01:05", &t)
	    == 0 && t == 1764201665);
	ASSERT("time-bad-word", filter_parse_time("yesterday", &t) == -1);
	ASSERT("time-bad-empty", filter_parse_time("", &t) == -1);
	ASSERT("time-bad-trailing", filter_parse_time("17642016x", &t) == -1);
	ASSERT("time-bad-zone", filter_parse_time("2025-11-27T00:00+01:00",
	    &t) == -1);
	ASSERT("time-bad-date", filter_parse_time("2025-11-27", &t) == -1);
	ASSERT("time-bad-huge", filter_parse_time("99999999999999999999999",
	    &t) == -1);
}

static void
test_set(void)
{
	struct filter	*f = filter_new();
	const char	*why;

	ASSERT("set-none-active", !filter_active(f));
	ASSERT("set-bad-direction", filter_set(f, FILTER_DIRECTION, "in",
	    &why) == -1 && why != NULL);
	ASSERT("set-bad-action", filter_set(f, FILTER_ACTION, "allow",
	    &why) == -1 && why != NULL);
	ASSERT("set-bad-id", filter_set(f, FILTER_VPC, "vpc a", &why) == -1);
	ASSERT("set-empty-id", filter_set(f, FILTER_ACCOUNT, "", &why) == -1);
	ASSERT("set-bad-since", filter_set(f, FILTER_SINCE, "soon", &why) ==
	    -1);
	ASSERT("set-dedup-arg", filter_set(f, FILTER_DEDUP, "x", &why) == -1);
	ASSERT("set-errors-leave-off", !filter_active(f));
	ASSERT("set-vpc", filter_set(f, FILTER_VPC, "vpc-a", &why) == 0);
	ASSERT("set-active", filter_active(f) &&
	    filter_configured(f, FILTER_VPC) &&
	    !filter_configured(f, FILTER_ACCOUNT) &&
	    !filter_configured(f, FILTER_DEDUP));
	ASSERT("set-dedup-zero", filter_set_dedup(f, 0) == -1 &&
	    !filter_configured(f, FILTER_DEDUP));
	ASSERT("set-dedup", filter_set_dedup(f, 8) == 0 &&
	    filter_configured(f, FILTER_DEDUP));
	ASSERT("names", strcmp(filter_name(FILTER_DIRECTION), "direction")
	    == 0 && strcmp(filter_name(FILTER_DEDUP), "dedup") == 0 &&
	    strcmp(filter_name(FILTER_INTERFACE), "interface") == 0);
	filter_free(f);
}

static void
test_direction_action(void)
{
	struct filter			*f = filter_new();
	const struct filter_removed	*c;
	const char			*why;
	int				 cannot;

	filter_set(f, FILTER_DIRECTION, "ingress", &why);
	ASSERT("dir-keep", match(f, vpc("1", "eni-a", 1, 10, 100, 2000,
	    "ACCEPT", "vpc-a", "ingress"), &cannot) == FILTER_KEEP &&
	    cannot == FILTER_KEEP);
	ASSERT("dir-drop", match(f, vpc("1", "eni-a", 1, 10, 100, 2000,
	    "ACCEPT", "vpc-a", "egress"), &cannot) == FILTER_DIRECTION);
	ASSERT("dir-absent-kept", match(f, vpc("1", "eni-a", 1, 10, 100,
	    2000, "ACCEPT", "vpc-a", "-"), &cannot) == FILTER_KEEP &&
	    cannot == FILTER_DIRECTION);
	ASSERT("dir-layout-without", match(f, rec(L_V2, "2 1 eni-a 10.0.0.1 "
	    "10.0.0.2 1 2 6 3 4 100 200 ACCEPT OK"), &cannot) == FILTER_KEEP &&
	    cannot == FILTER_DIRECTION);
	ASSERT("dir-tgw", match(f, tgw("A", "B", "vpc-a", "vpc-b", 1, 1, 1,
	    "egress"), NULL) == FILTER_DIRECTION);
	c = filter_removed(f, FILTER_DIRECTION);
	ASSERT("dir-counters", c->records == 2 && c->packets == 11 &&
	    c->bytes == 101);
	filter_free(f);

	f = filter_new();
	filter_set(f, FILTER_DIRECTION, "egress", &why);
	ASSERT("dir-egress", match(f, vpc("1", "eni-a", 1, 10, 100, 2000,
	    "ACCEPT", "vpc-a", "ingress"), NULL) == FILTER_DIRECTION &&
	    match(f, vpc("1", "eni-a", 1, 10, 100, 2000, "ACCEPT", "vpc-a",
	    "egress"), NULL) == FILTER_KEEP);
	filter_free(f);

	f = filter_new();
	filter_set(f, FILTER_ACTION, "reject", &why);
	ASSERT("action-drop", match(f, vpc("1", "eni-a", 1, 10, 100, 2000,
	    "ACCEPT", "vpc-a", "ingress"), NULL) == FILTER_ACTION);
	ASSERT("action-keep", match(f, vpc("1", "eni-a", 1, 10, 100, 2000,
	    "REJECT", "vpc-a", "ingress"), &cannot) == FILTER_KEEP &&
	    cannot == FILTER_KEEP);
	ASSERT("action-tgw-kept", match(f, tgw("A", "B", "vpc-a", "vpc-b", 1,
	    1, 1, "ingress"), &cannot) == FILTER_KEEP &&
	    cannot == FILTER_ACTION);
	filter_free(f);
	f = filter_new();
	ASSERT("action-upper", filter_set(f, FILTER_ACTION, "ACCEPT", &why)
	    == 0 && match(f, vpc("1", "eni-a", 1, 10, 100, 2000, "REJECT",
	    "vpc-a", "ingress"), NULL) == FILTER_ACTION);
	filter_free(f);
}

static void
test_ids(void)
{
	struct filter	*f = filter_new();
	const char	*why;

	/* Repeatable: any value may match. */
	filter_set(f, FILTER_ACCOUNT, "111", &why);
	filter_set(f, FILTER_ACCOUNT, "0222", &why);
	ASSERT("account-first", match(f, vpc("111", "eni-a", 1, 1, 1, 2000,
	    "ACCEPT", "vpc-a", "ingress"), NULL) == FILTER_KEEP);
	ASSERT("account-second", match(f, vpc("0222", "eni-a", 1, 1, 1, 2000,
	    "ACCEPT", "vpc-a", "ingress"), NULL) == FILTER_KEEP);
	/* Account ids are strings: no numeric equality, no prefixes. */
	ASSERT("account-leading-zero", match(f, vpc("222", "eni-a", 1, 1, 1,
	    2000, "ACCEPT", "vpc-a", "ingress"), NULL) == FILTER_ACCOUNT);
	ASSERT("account-prefix", match(f, vpc("1111", "eni-a", 1, 1, 1, 2000,
	    "ACCEPT", "vpc-a", "ingress"), NULL) == FILTER_ACCOUNT);
	ASSERT("account-absent", match(f, vpc("-", "eni-a", 1, 1, 1, 2000,
	    "ACCEPT", "vpc-a", "ingress"), NULL) == FILTER_ACCOUNT);
	filter_free(f);

	f = filter_new();
	filter_set(f, FILTER_VPC, "vpc-b", &why);
	ASSERT("vpc-vpc-id", match(f, vpc("1", "eni-a", 1, 1, 1, 2000,
	    "ACCEPT", "vpc-b", "ingress"), NULL) == FILTER_KEEP);
	ASSERT("vpc-other", match(f, vpc("1", "eni-a", 1, 1, 1, 2000,
	    "ACCEPT", "vpc-a", "ingress"), NULL) == FILTER_VPC);
	ASSERT("vpc-tgw-src", match(f, tgw("A", "B", "vpc-b", "vpc-c", 1, 1,
	    1, "ingress"), NULL) == FILTER_KEEP);
	ASSERT("vpc-tgw-dst", match(f, tgw("A", "B", "vpc-c", "vpc-b", 1, 1,
	    1, "ingress"), NULL) == FILTER_KEEP);
	ASSERT("vpc-tgw-neither", match(f, tgw("A", "B", "vpc-c", "vpc-d", 1,
	    1, 1, "ingress"), NULL) == FILTER_VPC);
	ASSERT("vpc-layout-without", match(f, rec(L_V2, "2 1 eni-a 10.0.0.1 "
	    "10.0.0.2 1 2 6 3 4 100 200 ACCEPT OK"), NULL) == FILTER_VPC);
	filter_free(f);

	f = filter_new();
	filter_set(f, FILTER_INTERFACE, "eni-b", &why);
	filter_set(f, FILTER_INTERFACE, "tgw-attach-b", &why);
	ASSERT("if-eni", match(f, vpc("1", "eni-b", 1, 1, 1, 2000, "ACCEPT",
	    "vpc-a", "ingress"), NULL) == FILTER_KEEP);
	ASSERT("if-other-eni", match(f, vpc("1", "eni-a", 1, 1, 1, 2000,
	    "ACCEPT", "vpc-a", "ingress"), NULL) == FILTER_INTERFACE);
	ASSERT("if-attachment", match(f, tgw("tgw-attach-b", "tgw-attach-c",
	    "vpc-a", "vpc-b", 1, 1, 1, "ingress"), NULL) == FILTER_KEEP);
	ASSERT("if-pair", match(f, tgw("tgw-attach-c", "tgw-attach-b",
	    "vpc-a", "vpc-b", 1, 1, 1, "ingress"), NULL) == FILTER_KEEP);
	ASSERT("if-neither", match(f, tgw("tgw-attach-c", "tgw-attach-d",
	    "vpc-a", "vpc-b", 1, 1, 1, "ingress"), NULL) == FILTER_INTERFACE);
	filter_free(f);
}

static void
test_time(void)
{
	struct filter			*f = filter_new();
	const char			*why;
	const struct filter_removed	*s, *u;

	filter_set(f, FILTER_SINCE, "2000", &why);
	filter_set(f, FILTER_UNTIL, "3000", &why);
	ASSERT("since-before", match(f, vpc("1", "e", 1, 1, 10, 1999,
	    "ACCEPT", "v", "ingress"), NULL) == FILTER_SINCE);
	ASSERT("since-at", match(f, vpc("1", "e", 1, 1, 10, 2000, "ACCEPT",
	    "v", "ingress"), NULL) == FILTER_KEEP);
	ASSERT("until-before", match(f, vpc("1", "e", 1, 1, 10, 2999,
	    "ACCEPT", "v", "ingress"), NULL) == FILTER_KEEP);
	ASSERT("until-at", match(f, vpc("1", "e", 1, 1, 10, 3000, "ACCEPT",
	    "v", "ingress"), NULL) == FILTER_UNTIL);
	ASSERT("until-after", match(f, vpc("1", "e", 1, 2, 20, 5000,
	    "ACCEPT", "v", "ingress"), NULL) == FILTER_UNTIL);
	ASSERT("time-absent", match(f, rec(L_VPC, "5 1 e 10.0.0.1 10.0.0.2 1 "
	    "2 6 3 4 - - ACCEPT OK v ingress"), NULL) == FILTER_SINCE);
	s = filter_removed(f, FILTER_SINCE);
	u = filter_removed(f, FILTER_UNTIL);
	ASSERT("time-counters", s->records == 2 && s->packets == 4 &&
	    s->bytes == 14 && u->records == 2 && u->packets == 3 &&
	    u->bytes == 30);
	filter_free(f);
}

/* Filters apply in order; the first that removes a record is credited. */
static void
test_order(void)
{
	struct filter	*f = filter_new();
	const char	*why;
	int		 i, total = 0;

	filter_set(f, FILTER_DIRECTION, "ingress", &why);
	filter_set(f, FILTER_ACTION, "accept", &why);
	filter_set(f, FILTER_VPC, "vpc-a", &why);
	ASSERT("order-direction-first", match(f, vpc("1", "e", 1, 1, 1, 2000,
	    "REJECT", "vpc-x", "egress"), NULL) == FILTER_DIRECTION);
	ASSERT("order-action-next", match(f, vpc("1", "e", 1, 1, 1, 2000,
	    "REJECT", "vpc-x", "ingress"), NULL) == FILTER_ACTION);
	ASSERT("order-vpc-last", match(f, vpc("1", "e", 1, 1, 1, 2000,
	    "ACCEPT", "vpc-x", "ingress"), NULL) == FILTER_VPC);
	ASSERT("order-all-pass", match(f, vpc("1", "e", 1, 1, 1, 2000,
	    "ACCEPT", "vpc-a", "ingress"), NULL) == FILTER_KEEP);
	for (i = 0; i < FILTER_N; i++)
		total += (int)filter_removed(f, (enum filter_id)i)->records;
	ASSERT("order-each-once", total == 3);
	filter_free(f);
}

static void
test_dedup_key(void)
{
	struct filter			*f = filter_new();
	const struct filter_removed	*c;

	filter_set_dedup(f, 16);
	ASSERT("dedup-first", match(f, tgw("A", "B", "vpc-a", "vpc-b", 1, 10,
	    1000, "ingress"), NULL) == FILTER_KEEP);
	/* The same flow seen where it leaves: attachments swapped. */
	ASSERT("dedup-tgw-pair", match(f, tgw("B", "A", "vpc-a", "vpc-b", 1,
	    10, 1000, "egress"), NULL) == FILTER_DEDUP);
	ASSERT("dedup-third", match(f, tgw("A", "B", "vpc-a", "vpc-b", 1, 10,
	    1000, "ingress"), NULL) == FILTER_DEDUP);
	ASSERT("dedup-other-pair", match(f, tgw("A", "C", "vpc-a", "vpc-b", 1,
	    10, 1000, "ingress"), NULL) == FILTER_KEEP);
	ASSERT("dedup-other-bytes", match(f, tgw("A", "B", "vpc-a", "vpc-b",
	    1, 10, 1001, "ingress"), NULL) == FILTER_KEEP);
	ASSERT("dedup-other-packets", match(f, tgw("A", "B", "vpc-a", "vpc-b",
	    1, 11, 1000, "ingress"), NULL) == FILTER_KEEP);
	ASSERT("dedup-other-port", match(f, tgw("A", "B", "vpc-a", "vpc-b", 2,
	    10, 1000, "ingress"), NULL) == FILTER_KEEP);
	c = filter_removed(f, FILTER_DEDUP);
	ASSERT("dedup-counters", c->records == 2 && c->packets == 20 &&
	    c->bytes == 2000);
	/* VPC: the same flow at two ENIs is one flow; other times are not. */
	ASSERT("dedup-vpc-first", match(f, vpc("1", "eni-a", 7, 5, 500, 2000,
	    "ACCEPT", "vpc-a", "egress"), NULL) == FILTER_KEEP);
	ASSERT("dedup-vpc-second-eni", match(f, vpc("1", "eni-b", 7, 5, 500,
	    2000, "ACCEPT", "vpc-a", "ingress"), NULL) == FILTER_DEDUP);
	ASSERT("dedup-vpc-other-end", match(f, vpc("1", "eni-b", 7, 5, 500,
	    2001, "ACCEPT", "vpc-a", "ingress"), NULL) == FILTER_KEEP);
	/* A TGW record is never a duplicate of a VPC record. */
	ASSERT("dedup-tgw-vs-vpc", match(f, rec(L_TGW, "tgw-1 A B - - 1 "
	    "10.0.0.1 10.0.0.2 7 443 6 5 500 1940 2000 egress"), NULL) ==
	    FILTER_KEEP);
	filter_free(f);
}

/*
 * The window against a model: a FIFO of the last `window` new keys.  A key
 * older than the window is forgotten, a key within it is found, and the
 * filter never remembers more than the window.
 */
static int
dedup_model(size_t window, int keys, int ops, unsigned seed)
{
	struct filter	*f = filter_new();
	int		*fifo = calloc(window, sizeof(int));
	size_t		 n = 0, head = 0, i;
	int		 op, bad = 0;

	if (f == NULL || fifo == NULL || filter_set_dedup(f, window) == -1)
		return 0;
	for (op = 0; op < ops && !bad; op++) {
		int k, in = 0, got;

		seed = seed * 1103515245 + 12345;
		k = (int)((seed >> 8) % (unsigned)keys);
		for (i = 0; i < n; i++)
			if (fifo[(head + i) % window] == k)
				in = 1;
		got = match(f, vpc("1", "e", k, 1, 1, 2000, "ACCEPT", "v",
		    "ingress"), NULL);
		if ((got == FILTER_DEDUP) != in) {
			printf("# window %zu op %d key %d: filter %s, model "
			    "%s\n", window, op, k, got == FILTER_DEDUP ?
			    "seen" : "new", in ? "seen" : "new");
			bad = 1;
		}
		if (!in) {
			if (n == window) {
				head = (head + 1) % window;
				n--;
			}
			fifo[(head + n) % window] = k;
			n++;
		}
	}
	free(fifo);
	filter_free(f);
	return !bad;
}

static void
test_dedup_window(void)
{
	struct filter	*f = filter_new();
	int		 i, ok;

	filter_set_dedup(f, 4);
	for (i = 0; i < 4; i++)
		match(f, vpc("1", "e", i, 1, 1, 2000, "ACCEPT", "v", "ingress"),
		    NULL);
	for (i = 0, ok = 1; i < 4; i++)
		if (match(f, vpc("1", "e", i, 1, 1, 2000, "ACCEPT", "v",
		    "ingress"), NULL) != FILTER_DEDUP)
			ok = 0;
	ASSERT("window-within-found", ok);
	/* One more flow pushes the oldest (0) out of the window. */
	match(f, vpc("1", "e", 100, 1, 1, 2000, "ACCEPT", "v", "ingress"),
	    NULL);
	ASSERT("window-oldest-forgotten", match(f, vpc("1", "e", 0, 1, 1,
	    2000, "ACCEPT", "v", "ingress"), NULL) == FILTER_KEEP);
	/* ...and remembering 0 again pushed out 1; 2, 3, 100 are there. */
	ASSERT("window-next-forgotten", match(f, vpc("1", "e", 1, 1, 1, 2000,
	    "ACCEPT", "v", "ingress"), NULL) == FILTER_KEEP);
	ASSERT("window-rest-found", match(f, vpc("1", "e", 100, 1, 1, 2000,
	    "ACCEPT", "v", "ingress"), NULL) == FILTER_DEDUP);
	filter_free(f);

	/* A window of one: only the previous new flow is remembered. */
	ASSERT("window-1", dedup_model(1, 3, 2000, 7));
	/* Small windows and key spaces: many evictions in full tables. */
	ASSERT("window-7", dedup_model(7, 12, 20000, 1));
	ASSERT("window-64", dedup_model(64, 100, 20000, 2));
	ASSERT("window-64-wide", dedup_model(64, 5000, 20000, 3));
	ASSERT("window-1000", dedup_model(1000, 1500, 30000, 4));
	/* Endless distinct flows: memory stays at the window, all kept. */
	f = filter_new();
	filter_set_dedup(f, 32);
	for (i = 0, ok = 1; i < 100000 && ok; i++)
		if (match(f, vpc("1", "e", i % 65536, 1, 1, 2000 + i / 65536,
		    "ACCEPT", "v", "ingress"), NULL) != FILTER_KEEP)
			ok = 0;
	ASSERT("window-endless-distinct", ok &&
	    filter_removed(f, FILTER_DEDUP)->records == 0);
	filter_free(f);
}

/* Removed totals stop at 2^64-1 instead of wrapping. */
static void
test_saturate(void)
{
	struct filter			*f = filter_new();
	const struct filter_removed	*c;
	const char			*why;
	int				 i;

	filter_set(f, FILTER_ACTION, "accept", &why);
	for (i = 0; i < 2; i++)
		(void)match(f, rec(L_V2, "2 1 eni-a 10.0.0.1 10.0.0.2 1 2 6 "
		    "18446744073709551615 18446744073709551614 100 200 REJECT "
		    "OK"), NULL);
	c = filter_removed(f, FILTER_ACTION);
	ASSERT("removed-saturates", c->records == 2 &&
	    c->packets == UINT64_MAX && c->bytes == UINT64_MAX);
	filter_free(f);
}

int
main(void)
{
	struct parse_error err;

	if (parse_layout_format(&lay[L_VPC], VPC, &err) == -1 ||
	    parse_layout_format(&lay[L_TGW], TGW, &err) == -1 ||
	    parse_layout_format(&lay[L_V2], V2, &err) == -1) {
		printf("FAIL layouts: %s\n", err.reason);
		return 1;
	}
	test_parse_time();
	test_set();
	test_direction_action();
	test_ids();
	test_time();
	test_order();
	test_dedup_key();
	test_dedup_window();
	test_saturate();
	parse_layout_free(&lay[L_VPC]);
	parse_layout_free(&lay[L_TGW]);
	parse_layout_free(&lay[L_V2]);
	return unit_failed != 0;
}
