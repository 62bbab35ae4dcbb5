/* parse.c: owns the flow-log field catalogue, layouts, and line parsing. */
#include <sys/types.h>

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"

/* How the text of a field is checked and stored. */
enum ftype {
	T_STR,		/* opaque id or name: printable UTF-8 */
	T_ADDR,		/* IPv4 or IPv6 address */
	T_U8, T_U16, T_U64, T_TIME,
	T_ACTION, T_STATUS, T_DIRECTION, T_IPTYPE, T_RESTYPE,
	T_SKIP		/* an unknown column (layout type[] only) */
};

struct fdef {
	const char	*name;
	uint8_t		 type;
};

/* The catalogue, in enum parse_field order (checked by a unit test). */
static const struct fdef fields[PF_NFIELDS] = {
	[PF_VERSION] = { "version", T_U8 },
	[PF_ACCOUNT_ID] = { "account-id", T_STR },
	[PF_INTERFACE_ID] = { "interface-id", T_STR },
	[PF_SRCADDR] = { "srcaddr", T_ADDR },
	[PF_DSTADDR] = { "dstaddr", T_ADDR },
	[PF_SRCPORT] = { "srcport", T_U16 },
	[PF_DSTPORT] = { "dstport", T_U16 },
	[PF_PROTOCOL] = { "protocol", T_U8 },
	[PF_PACKETS] = { "packets", T_U64 },
	[PF_BYTES] = { "bytes", T_U64 },
	[PF_START] = { "start", T_TIME },
	[PF_END] = { "end", T_TIME },
	[PF_ACTION] = { "action", T_ACTION },
	[PF_LOG_STATUS] = { "log-status", T_STATUS },
	[PF_VPC_ID] = { "vpc-id", T_STR },
	[PF_SUBNET_ID] = { "subnet-id", T_STR },
	[PF_INSTANCE_ID] = { "instance-id", T_STR },
	[PF_TCP_FLAGS] = { "tcp-flags", T_U8 },
	[PF_TYPE] = { "type", T_IPTYPE },
	[PF_PKT_SRCADDR] = { "pkt-srcaddr", T_ADDR },
	[PF_PKT_DSTADDR] = { "pkt-dstaddr", T_ADDR },
	[PF_REGION] = { "region", T_STR },
	[PF_AZ_ID] = { "az-id", T_STR },
	[PF_SUBLOCATION_TYPE] = { "sublocation-type", T_STR },
	[PF_SUBLOCATION_ID] = { "sublocation-id", T_STR },
	[PF_PKT_SRC_AWS_SERVICE] = { "pkt-src-aws-service", T_STR },
	[PF_PKT_DST_AWS_SERVICE] = { "pkt-dst-aws-service", T_STR },
	[PF_FLOW_DIRECTION] = { "flow-direction", T_DIRECTION },
	[PF_TRAFFIC_PATH] = { "traffic-path", T_U8 },
	[PF_ECS_CLUSTER_ARN] = { "ecs-cluster-arn", T_STR },
	[PF_ECS_CLUSTER_NAME] = { "ecs-cluster-name", T_STR },
	[PF_ECS_CONTAINER_INSTANCE_ARN] = { "ecs-container-instance-arn",
	    T_STR },
	[PF_ECS_CONTAINER_INSTANCE_ID] = { "ecs-container-instance-id", T_STR },
	[PF_ECS_CONTAINER_ID] = { "ecs-container-id", T_STR },
	[PF_ECS_SECOND_CONTAINER_ID] = { "ecs-second-container-id", T_STR },
	[PF_ECS_SERVICE_NAME] = { "ecs-service-name", T_STR },
	[PF_ECS_TASK_DEFINITION_ARN] = { "ecs-task-definition-arn", T_STR },
	[PF_ECS_TASK_ARN] = { "ecs-task-arn", T_STR },
	[PF_ECS_TASK_ID] = { "ecs-task-id", T_STR },
	[PF_REJECT_REASON] = { "reject-reason", T_STR },
	[PF_RESOURCE_ID] = { "resource-id", T_STR },
	[PF_ENCRYPTION_STATUS] = { "encryption-status", T_U8 },
	[PF_INSTANCE_TAG] = { "instance-tag", T_STR },
	[PF_INSTANCE_TAG_2] = { "instance-tag-2", T_STR },
	[PF_INTERFACE_TAG] = { "interface-tag", T_STR },
	[PF_INTERFACE_TAG_2] = { "interface-tag-2", T_STR },
	[PF_ASG_TAG] = { "asg-tag", T_STR },
	[PF_ASG_TAG_2] = { "asg-tag-2", T_STR },
	[PF_INTERFACE_TYPE] = { "interface-type", T_STR },
	[PF_NEXT_HOP_INTERFACE_ID] = { "next-hop-interface-id", T_STR },
	[PF_NEXT_HOP_SUBNET_ID] = { "next-hop-subnet-id", T_STR },
	[PF_NEXT_HOP_AZ_ID] = { "next-hop-az-id", T_STR },
	[PF_NEXT_HOP_VPC_ID] = { "next-hop-vpc-id", T_STR },
	[PF_NEXT_HOP_INTERFACE_TYPE] = { "next-hop-interface-type", T_STR },
	[PF_RESOURCE_TYPE] = { "resource-type", T_RESTYPE },
	[PF_TGW_ID] = { "tgw-id", T_STR },
	[PF_TGW_ATTACHMENT_ID] = { "tgw-attachment-id", T_STR },
	[PF_TGW_SRC_VPC_ACCOUNT_ID] = { "tgw-src-vpc-account-id", T_STR },
	[PF_TGW_DST_VPC_ACCOUNT_ID] = { "tgw-dst-vpc-account-id", T_STR },
	[PF_TGW_SRC_VPC_ID] = { "tgw-src-vpc-id", T_STR },
	[PF_TGW_DST_VPC_ID] = { "tgw-dst-vpc-id", T_STR },
	[PF_TGW_SRC_SUBNET_ID] = { "tgw-src-subnet-id", T_STR },
	[PF_TGW_DST_SUBNET_ID] = { "tgw-dst-subnet-id", T_STR },
	[PF_TGW_SRC_ENI] = { "tgw-src-eni", T_STR },
	[PF_TGW_DST_ENI] = { "tgw-dst-eni", T_STR },
	[PF_TGW_SRC_AZ_ID] = { "tgw-src-az-id", T_STR },
	[PF_TGW_DST_AZ_ID] = { "tgw-dst-az-id", T_STR },
	[PF_TGW_PAIR_ATTACHMENT_ID] = { "tgw-pair-attachment-id", T_STR },
	[PF_PACKETS_LOST_NO_ROUTE] = { "packets-lost-no-route", T_U64 },
	[PF_PACKETS_LOST_BLACKHOLE] = { "packets-lost-blackhole", T_U64 },
	[PF_PACKETS_LOST_MTU_EXCEEDED] = { "packets-lost-mtu-exceeded", T_U64 },
	[PF_PACKETS_LOST_TTL_EXPIRED] = { "packets-lost-ttl-expired", T_U64 },
};

static const char preset_vpc[] =
    "version account-id interface-id srcaddr dstaddr srcport dstport "
    "protocol packets bytes start end action log-status";

static const char preset_tgw[] =
    "version resource-type account-id tgw-id tgw-attachment-id "
    "tgw-src-vpc-account-id tgw-dst-vpc-account-id tgw-src-vpc-id "
    "tgw-dst-vpc-id tgw-src-subnet-id tgw-dst-subnet-id tgw-src-eni "
    "tgw-dst-eni tgw-src-az-id tgw-dst-az-id tgw-pair-attachment-id "
    "srcaddr dstaddr srcport dstport protocol packets bytes start end "
    "log-status type packets-lost-no-route packets-lost-blackhole "
    "packets-lost-mtu-exceeded packets-lost-ttl-expired tcp-flags region "
    "flow-direction pkt-src-aws-service pkt-dst-aws-service";

/* Largest start/end in seconds whose milliseconds fit in 64 bits. */
#define TIME_MAX	(UINT64_MAX / 1000)

static void
seterr(struct parse_error *err, const char *field, const char *reason)
{
	if (err == NULL)
		return;
	snprintf(err->field, sizeof(err->field), "%s", field);
	snprintf(err->reason, sizeof(err->reason), "%s", reason);
}

const char *
parse_field_name(enum parse_field f)
{
	if ((unsigned)f >= PF_NFIELDS)
		return "(unknown)";
	return fields[f].name;
}

enum parse_field
parse_field_lookup(const char *s, size_t len)
{
	size_t	i;

	for (i = 0; i < PF_NFIELDS; i++)
		if (strlen(fields[i].name) == len &&
		    memcmp(fields[i].name, s, len) == 0)
			return (enum parse_field)i;
	return PF_UNKNOWN;
}

static int
isblank_(char c)
{
	return c == ' ' || c == '\t';
}

int
parse_blank(const char *s, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++)
		if (!isblank_(s[i]))
			return 0;
	return 1;
}

/* A header token: [a-z][a-z0-9]*(-[a-z0-9]+)* */
static int
nameshaped(const char *s, size_t len)
{
	size_t	i;

	if (len == 0 || s[0] < 'a' || s[0] > 'z' || s[len - 1] == '-')
		return 0;
	for (i = 1; i < len; i++) {
		char c = s[i];

		if (c == '-') {
			if (s[i - 1] == '-')
				return 0;
		} else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
			return 0;
	}
	return 1;
}

void
parse_layout_free(struct parse_layout *l)
{
	free(l->header);
	l->header = NULL;
	l->headerlen = 0;
	l->ncol = 0;
}

/*
 * Build a layout from a list of names (already split).  Names are given as
 * (pointer, length) pairs; the header text is rebuilt from them.
 */
struct namelist {
	const char	*p[PARSE_MAX_COLUMNS];
	size_t		 len[PARSE_MAX_COLUMNS];
	size_t		 n;
};

static int
layout_build(struct parse_layout *l, const struct namelist *nl,
    enum parse_origin origin, struct parse_error *err)
{
	struct parse_layout	 nw;
	size_t			 i, total = 0;
	char			*h;

	if (nl->n == 0) {
		seterr(err, "format", "no field names");
		return -1;
	}
	memset(&nw, 0, sizeof(nw));
	nw.origin = origin;
	nw.ncol = nl->n;
	for (i = 0; i < nl->n; i++) {
		enum parse_field f = parse_field_lookup(nl->p[i], nl->len[i]);

		if (f != PF_UNKNOWN) {
			if (nw.has[f]) {
				seterr(err, fields[f].name,
				    "field name appears twice");
				return -1;
			}
			nw.has[f] = (int)i + 1;
		} else
			nw.nunknown++;
		nw.col[i] = (uint8_t)f;
		/* One load per column for the parser's dispatch. */
		nw.type[i] = f == PF_UNKNOWN ? T_SKIP : fields[f].type;
		if (f != PF_UNKNOWN)
			nw.known[f >> 6] |= (uint64_t)1 << (f & 63);
		total += nl->len[i] + 1;
	}
	if ((h = malloc(total)) == NULL) {
		seterr(err, "format", "out of memory");
		return -1;
	}
	nw.headerlen = 0;
	for (i = 0; i < nl->n; i++) {
		if (i > 0)
			h[nw.headerlen++] = ' ';
		memcpy(h + nw.headerlen, nl->p[i], nl->len[i]);
		nw.headerlen += nl->len[i];
	}
	h[nw.headerlen] = '\0';
	nw.header = h;
	/* FNV-1a of the header: what makes two layouts the same. */
	nw.id = 1469598103934665603ULL;
	for (i = 0; i < nw.headerlen; i++)
		nw.id = (nw.id ^ (unsigned char)h[i]) * 1099511628211ULL;
	parse_layout_free(l);
	*l = nw;
	return 0;
}

int
parse_layout_default(struct parse_layout *l)
{
	struct parse_layout	tmp;
	int			rc;

	memset(&tmp, 0, sizeof(tmp));
	rc = parse_layout_format(&tmp, "vpc-default", NULL);
	if (rc == 0) {
		tmp.origin = PARSE_ORIGIN_DEFAULT;
		parse_layout_free(l);
		*l = tmp;
	}
	return rc;
}

int
parse_layout_format(struct parse_layout *l, const char *fmt,
    struct parse_error *err)
{
	struct namelist	 nl;
	char		 buf[8192];
	const char	*s;
	size_t		 i, n;

	if (strcmp(fmt, "vpc-default") == 0)
		fmt = preset_vpc;
	else if (strcmp(fmt, "tgw-default") == 0)
		fmt = preset_tgw;

	/* Work on a copy where '_' becomes '-' (Athena spelling). */
	n = strlen(fmt);
	if (n >= sizeof(buf)) {
		seterr(err, "format", "format string too long");
		return -1;
	}
	for (i = 0; i <= n; i++)
		buf[i] = fmt[i] == '_' ? '-' : fmt[i];

	nl.n = 0;
	s = buf;
	for (;;) {
		const char *tok;
		size_t tlen;

		while (*s == ' ' || *s == '\t' || *s == '\n' || *s == ',')
			s++;
		if (*s == '\0')
			break;
		tok = s;
		while (*s != '\0' && *s != ' ' && *s != '\t' && *s != '\n' &&
		    *s != ',')
			s++;
		tlen = (size_t)(s - tok);
		/* ${name} or $${name} */
		if (tok[0] == '$') {
			size_t skip = tok[1] == '$' ? 2 : 1;

			if (tlen < skip + 3 || tok[skip] != '{' ||
			    tok[tlen - 1] != '}') {
				seterr(err, "format",
				    "expected ${name}, $${name} or name");
				return -1;
			}
			tok += skip + 1;
			tlen -= skip + 2;
		}
		if (!nameshaped(tok, tlen)) {
			seterr(err, "format", "not a field name: use "
			    "lower-case words joined by hyphens");
			return -1;
		}
		if (nl.n == PARSE_MAX_COLUMNS) {
			seterr(err, "format", "too many fields");
			return -1;
		}
		nl.p[nl.n] = tok;
		nl.len[nl.n] = tlen;
		nl.n++;
	}
	return layout_build(l, &nl, PARSE_ORIGIN_FORMAT, err);
}

int
parse_header(struct parse_layout *l, const char *s, size_t len,
    struct parse_error *err)
{
	struct namelist	nl;
	size_t		i = 0, known = 0;

	nl.n = 0;
	for (;;) {
		size_t start;

		while (i < len && isblank_(s[i]))
			i++;
		if (i == len)
			break;
		start = i;
		while (i < len && !isblank_(s[i]))
			i++;
		if (!nameshaped(s + start, i - start))
			return 0;
		if (nl.n == PARSE_MAX_COLUMNS) {
			seterr(err, "header", "too many fields");
			return -1;
		}
		if (parse_field_lookup(s + start, i - start) != PF_UNKNOWN)
			known++;
		nl.p[nl.n] = s + start;
		nl.len[nl.n] = i - start;
		nl.n++;
	}
	/* Most tokens must be known names, so a data line is never taken. */
	if (known == 0 || known * 2 <= nl.n)
		return 0;
	if (layout_build(l, &nl, PARSE_ORIGIN_HEADER, err) == -1)
		return -1;
	return 1;
}

/* Unsigned decimal, no sign, no spaces, at most max. */
static int
getu64(const char *s, size_t len, uint64_t max, uint64_t *out)
{
	uint64_t	v = 0;
	size_t		i;

	if (len == 0 || len > 20)
		return -1;
	for (i = 0; i < len; i++) {
		unsigned d = (unsigned char)s[i] - '0';

		if (d > 9)
			return -1;
		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	if (v > max)
		return -1;
	*out = v;
	return 0;
}

static int
getv4(const char *s, size_t len, uint8_t *a)
{
	size_t		i = 0;
	int		oct;

	for (oct = 0; oct < 4; oct++) {
		unsigned	v = 0;
		size_t		start = i;

		while (i < len && s[i] >= '0' && s[i] <= '9' && i - start < 3)
			v = v * 10 + (unsigned)(s[i++] - '0');
		if (i == start || v > 255 || (s[start] == '0' && i - start > 1))
			return -1;
		a[oct] = (uint8_t)v;
		if (oct < 3) {
			if (i == len || s[i] != '.')
				return -1;
			i++;
		}
	}
	return i == len ? 0 : -1;
}

static int
hexval(char c)
{
	unsigned d = (unsigned char)c - '0';

	if (d <= 9)
		return (int)d;
	/* Setting bit 5 folds 'A'-'F' onto 'a'-'f'. */
	d = ((unsigned char)c | 0x20) - 'a';
	return d <= 5 ? (int)d + 10 : -1;
}

/*
 * IPv6 text, accepting exactly what inet_pton(AF_INET6) accepts: groups of
 * one to four hex digits separated by ':', at most one "::" standing for
 * one or more zero groups, and a dotted quad (getv4's rules) in place of
 * the last two groups.  Written out because inet_pton wants a
 * NUL-terminated copy and costs several times as much.
 */
static int
getv6(const char *s, size_t len, uint8_t *out)
{
	uint8_t		a[16];
	size_t		i = 0, n = 0, tok, gap = 0;
	int		has_gap = 0, d;
	unsigned	v = 0, nd = 0;

	memset(a, 0, sizeof(a));
	if (len == 0)
		return -1;
	/* A leading ':' only as the first of "::". */
	if (s[0] == ':') {
		if (len < 2 || s[1] != ':')
			return -1;
		i = 1;
	}
	tok = i;
	while (i < len) {
		char c = s[i++];

		if ((d = hexval(c)) >= 0) {
			if (nd == 4)
				return -1;
			v = v << 4 | (unsigned)d;
			nd++;
		} else if (c == ':') {
			tok = i;
			if (nd == 0) {
				/* The second ':' of "::". */
				if (has_gap)
					return -1;
				has_gap = 1;
				gap = n;
				continue;
			}
			/* No trailing single ':'. */
			if (i == len || n + 2 > sizeof(a))
				return -1;
			a[n++] = (uint8_t)(v >> 8);
			a[n++] = (uint8_t)v;
			v = 0;
			nd = 0;
		} else if (c == '.' && n + 4 <= sizeof(a) &&
		    getv4(s + tok, len - tok, a + n) == 0) {
			/* The group's digits read again as a dotted quad. */
			n += 4;
			nd = 0;
			break;
		} else
			return -1;
	}
	if (nd > 0) {
		if (n + 2 > sizeof(a))
			return -1;
		a[n++] = (uint8_t)(v >> 8);
		a[n++] = (uint8_t)v;
	}
	if (has_gap) {
		/* "::" stands for at least one group. */
		if (n == sizeof(a))
			return -1;
		memmove(a + sizeof(a) - (n - gap), a + gap, n - gap);
		memset(a + gap, 0, sizeof(a) - n);
		n = sizeof(a);
	}
	if (n != sizeof(a))
		return -1;
	memcpy(out, a, sizeof(a));
	return 0;
}

static int
getaddr(const char *s, size_t len, struct parse_addr *a)
{
	if (memchr(s, ':', len) == NULL) {
		memset(a->a, 0, sizeof(a->a));
		a->family = 4;
		return getv4(s, len, a->a);
	}
	a->family = 6;
	return getv6(s, len, a->a);
}

/* Printable UTF-8 without controls: what an id, name or tag may hold. */
static int
goodstr(const unsigned char *s, size_t len)
{
	size_t	i = 0;

	while (i < len) {
		unsigned char c = s[i];
		size_t n, k;
		uint32_t cp;

		if (c < 0x80) {
			if (c < 0x21 || c == 0x7f)
				return -1;
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			cp = c & 0x07;
		} else
			return -1;
		for (k = 1; k <= n; k++) {
			if (i + k >= len || (s[i + k] & 0xc0) != 0x80)
				return -1;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		/* Overlong forms, surrogates, beyond U+10FFFF. */
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
			return -1;
		i += n + 1;
	}
	return 0;
}

/* Store a range-checked number in the record member of its field. */
static void
store_number(struct parse_record *r, enum parse_field f, uint64_t v)
{
	switch (f) {
	case PF_VERSION:
		r->version = (uint8_t)v;
		break;
	case PF_PROTOCOL:
		r->protocol = (uint8_t)v;
		break;
	case PF_TCP_FLAGS:
		r->tcp_flags = (uint8_t)v;
		break;
	case PF_TRAFFIC_PATH:
		r->traffic_path = (uint8_t)v;
		break;
	case PF_ENCRYPTION_STATUS:
		r->encryption_status = (uint8_t)v;
		break;
	case PF_SRCPORT:
		r->srcport = (uint16_t)v;
		break;
	case PF_DSTPORT:
		r->dstport = (uint16_t)v;
		break;
	case PF_PACKETS:
		r->packets = v;
		break;
	case PF_BYTES:
		r->bytes = v;
		break;
	case PF_START:
		r->start = v;
		break;
	case PF_END:
		r->end = v;
		break;
	default:
		r->lost[f - PF_PACKETS_LOST_NO_ROUTE] = v;
		break;
	}
}

static int
eq(const char *s, size_t len, const char *lit)
{
	return strlen(lit) == len && memcmp(s, lit, len) == 0;
}

static void
setbit(struct parse_record *r, enum parse_field f)
{
	r->present[f >> 6] |= (uint64_t)1 << (f & 63);
}

/* Convert one field; returns NULL or the reason it is bad. */
static const char *
convert(struct parse_record *r, enum parse_field f, const char *s,
    size_t len)
{
	uint64_t	v;

	switch (fields[f].type) {
	case T_STR:
		if (goodstr((const unsigned char *)s, len) == -1)
			return "not printable UTF-8";
		r->str[f].p = s;
		r->str[f].len = len;
		break;
	case T_ADDR: {
		struct parse_addr *a;

		a = f == PF_SRCADDR ? &r->srcaddr :
		    f == PF_DSTADDR ? &r->dstaddr :
		    f == PF_PKT_SRCADDR ? &r->pkt_srcaddr : &r->pkt_dstaddr;
		if (getaddr(s, len, a) == -1)
			return "not an IPv4 or IPv6 address";
		break;
	}
	case T_U8:
		if (getu64(s, len, 255, &v) == -1)
			return "not a number from 0 to 255";
		store_number(r, f, v);
		break;
	case T_U16:
		if (getu64(s, len, 65535, &v) == -1)
			return "not a port number from 0 to 65535";
		store_number(r, f, v);
		break;
	case T_U64:
		if (getu64(s, len, UINT64_MAX, &v) == -1)
			return "not a number from 0 to 18446744073709551615";
		store_number(r, f, v);
		break;
	case T_TIME:
		if (getu64(s, len, TIME_MAX, &v) == -1)
			return "not a time in Unix seconds";
		store_number(r, f, v);
		break;
	case T_ACTION:
		if (eq(s, len, "ACCEPT"))
			r->action = PARSE_ACCEPT;
		else if (eq(s, len, "REJECT"))
			r->action = PARSE_REJECT;
		else
			return "not ACCEPT, REJECT or -";
		break;
	case T_STATUS:
		if (eq(s, len, "OK"))
			r->log_status = PARSE_OK;
		else if (eq(s, len, "NODATA"))
			r->log_status = PARSE_NODATA;
		else if (eq(s, len, "SKIPDATA"))
			r->log_status = PARSE_SKIPDATA;
		else
			return "not OK, NODATA, SKIPDATA or -";
		break;
	case T_DIRECTION:
		if (eq(s, len, "ingress"))
			r->direction = PARSE_INGRESS;
		else if (eq(s, len, "egress"))
			r->direction = PARSE_EGRESS;
		else
			return "not ingress, egress or -";
		break;
	case T_IPTYPE:
		if (!eq(s, len, "IPv4") && !eq(s, len, "IPv6") &&
		    !eq(s, len, "EFA"))
			return "not IPv4, IPv6, EFA or -";
		r->str[f].p = s;
		r->str[f].len = len;
		break;
	case T_RESTYPE:
		if (!eq(s, len, "TransitGateway") &&
		    !eq(s, len, "TransitGatewayAttachment"))
			return "not TransitGateway or TransitGatewayAttachment";
		r->str[f].p = s;
		r->str[f].len = len;
		break;
	}
	setbit(r, f);
	return NULL;
}

/* The simple path: split first, then convert each field on its own. */
static int
parse_line_simple(const struct parse_layout *l, const char *s, size_t len,
    struct parse_record *r, struct parse_error *err)
{
	size_t		 i = 0, col = 0;
	const char	*why = NULL;
	enum parse_field bad = PF_UNKNOWN;

	r->present[0] = r->present[1] = 0;
	for (;;) {
		size_t start;

		while (i < len && (s[i] == ' ' || s[i] == '\t'))
			i++;
		if (i == len)
			break;
		start = i;
		while (i < len && s[i] != ' ' && s[i] != '\t')
			i++;
		if (why == NULL && col < l->ncol &&
		    l->col[col] != PF_UNKNOWN &&
		    !(i - start == 1 && s[start] == '-')) {
			bad = (enum parse_field)l->col[col];
			why = convert(r, bad, s + start, i - start);
		}
		col++;
	}
	/*
	 * A wrong field count says more than the first bad field: a line in
	 * another layout fails in some field, but the count is the reason.
	 */
	if (col != l->ncol) {
		char reason[120];

		snprintf(reason, sizeof(reason),
		    "expected %zu fields, found %zu", l->ncol, col);
		seterr(err, "line", reason);
		return -1;
	}
	if (why != NULL) {
		seterr(err, fields[bad].name, why);
		return -1;
	}
	return 0;
}

static int	fast = 1;

void
parse_set_fast(int on)
{
	fast = on;
}

static int
issep(char c)
{
	return c == ' ' || c == '\t';
}

/*
 * Word-at-a-time helpers: eight bytes of a line in one integer, the first
 * byte in the low bits whatever the host's byte order.  Callers only use
 * them with eight bytes left on the line.
 */
#define ONES	0x0101010101010101ULL
#define HIGHS	0x8080808080808080ULL

static inline uint64_t
load8(const char *s)
{
	uint64_t w;

	memcpy(&w, s, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	w = __builtin_bswap64(w);
#endif
	return w;
}

/* How many leading bytes of w ('0'-subtracted by xor) are digits: 0-8. */
static unsigned
lead_digits(uint64_t t)
{
	/* A byte is a digit when t < 10; masking bit 7 keeps carries in. */
	uint64_t nd = ((((t & ~HIGHS) + 0x76 * ONES) | t) & HIGHS);

	return nd != 0 ? (unsigned)__builtin_ctzll(nd) >> 3 : 8;
}

/* The value of the n (1-8) leading digit bytes of t. */
static uint64_t
digits_value(uint64_t t, unsigned n)
{
	/* Shift the digits to the top: the bytes below read as zeros. */
	t <<= 8 * (8 - n);
	t = t * 10 + (t >> 8);
	t = (((t & 0x000000ff000000ffULL) * (100 + (1000000ULL << 32))) +
	    (((t >> 16) & 0x000000ff000000ffULL) * (1 + (10000ULL << 32)))) >>
	    32;
	return t;
}

/*
 * How many leading bytes of w are printable ASCII (0x21-0x7e): 0-8.  The
 * lowest flagged byte is exact (borrows and carries only move up from a
 * byte that is flagged itself).
 */
static unsigned
lead_graph(uint64_t w)
{
	uint64_t bad = (((w - 0x21 * ONES) & ~w) | ((w + ONES) | w)) & HIGHS;

	return bad != 0 ? (unsigned)__builtin_ctzll(bad) >> 3 : 8;
}

static const uint64_t pow10[9] = { 1, 10, 100, 1000, 10000, 100000,
    1000000, 10000000, 100000000 };

/* Where the fast path stores a number (the simple one: store_number). */
static const uint16_t where[PF_NFIELDS] = {
	[PF_VERSION] = offsetof(struct parse_record, version),
	[PF_SRCPORT] = offsetof(struct parse_record, srcport),
	[PF_DSTPORT] = offsetof(struct parse_record, dstport),
	[PF_PROTOCOL] = offsetof(struct parse_record, protocol),
	[PF_PACKETS] = offsetof(struct parse_record, packets),
	[PF_BYTES] = offsetof(struct parse_record, bytes),
	[PF_START] = offsetof(struct parse_record, start),
	[PF_END] = offsetof(struct parse_record, end),
	[PF_TCP_FLAGS] = offsetof(struct parse_record, tcp_flags),
	[PF_TRAFFIC_PATH] = offsetof(struct parse_record, traffic_path),
	[PF_ENCRYPTION_STATUS] = offsetof(struct parse_record,
	    encryption_status),
	[PF_PACKETS_LOST_NO_ROUTE] = offsetof(struct parse_record, lost),
	[PF_PACKETS_LOST_BLACKHOLE] = offsetof(struct parse_record, lost) +
	    sizeof(uint64_t),
	[PF_PACKETS_LOST_MTU_EXCEEDED] = offsetof(struct parse_record, lost) +
	    2 * sizeof(uint64_t),
	[PF_PACKETS_LOST_TTL_EXPIRED] = offsetof(struct parse_record, lost) +
	    3 * sizeof(uint64_t),
};

/* The largest value of each number type, by enum ftype. */
static const uint64_t type_max[] = { [T_U8] = 255, [T_U16] = 65535,
    [T_U64] = UINT64_MAX, [T_TIME] = TIME_MAX };

/* Does the word at p..e equal lit (n bytes) and end there? */
static int
word_is(const char *p, const char *e, const char *lit, size_t n)
{
	return (size_t)(e - p) >= n && memcmp(p, lit, n) == 0 &&
	    (p + n == e || issep(p[n]));
}

static const char *
field_end(const char *p, const char *e)
{
	while (p < e && !issep(*p))
		p++;
	return p;
}

/*
 * The fast path for one field starting at p: numbers, IPv4 addresses and
 * plain ASCII strings are converted while the field is scanned.  Anything
 * else, or anything doubtful, goes to convert() on the whole field, so the
 * outcome (value, or error and reason) is the simple path's.  Returns the
 * end of the field; *why is NULL or the reason.
 */
static const char *
convert_fast(struct parse_record *r, enum parse_field f, unsigned type,
    const char *p, const char *e, const char **why)
{
	const char	*start = p, *q;
	unsigned char	*to;
	uint64_t	 v = 0;

	/*
	 * Most columns are numbers: a predictable branch to them costs less
	 * than the switch's indirect jump.
	 */
	if (type >= T_U8 && type <= T_TIME)
		goto number;
	switch (type) {
	case T_U8:
	case T_U16:
	case T_U64:
	case T_TIME:
number: {
		unsigned d, n, m;

		if (e - p >= 16) {
			/*
			 * Up to fifteen digits from two words and no loop:
			 * ports, counters and times all fit.  More go the
			 * simple way.
			 */
			uint64_t t = load8(p) ^ 0x30 * ONES, u;

			if ((n = lead_digits(t)) == 0)
				break;
			if (n < 8) {
				v = digits_value(t, n);
				p += n;
			} else {
				u = load8(p + 8) ^ 0x30 * ONES;
				if ((m = lead_digits(u)) == 8)
					goto slow;
				v = digits_value(t, 8);
				if (m > 0)
					v = v * pow10[m] + digits_value(u, m);
				p += 8 + m;
			}
		} else {
			/* Near the line's end: byte by byte, 19 digits at most. */
			while (p < e && (d = (unsigned char)*p - '0') <= 9 &&
			    p - start < 19) {
				v = v * 10 + d;
				p++;
			}
		}
		if (p == start || (p < e && !issep(*p)))
			break;
		/* Out of range: the simple converter words the error. */
		if (v > type_max[type])
			goto slow;
		to = (unsigned char *)r + where[f];
		if (type == T_U8) {
			uint8_t x = (uint8_t)v;

			memcpy(to, &x, sizeof(x));
		} else if (type == T_U16) {
			uint16_t x = (uint16_t)v;

			memcpy(to, &x, sizeof(x));
		} else
			memcpy(to, &v, sizeof(v));
		*why = NULL;
		return p;
	}
	case T_ADDR: {
		struct parse_addr	*a;
		uint32_t		 ip = 0;
		int			 oct;

		if (e - p >= 20) {
			/*
			 * Room for eight bytes at every octet: find each
			 * octet's digits without a loop per byte.
			 */
			for (oct = 0; oct < 4; oct++) {
				uint64_t t = load8(p) ^ 0x30 * ONES;
				unsigned n = lead_digits(t);
				uint64_t o;

				/* A leading zero reads as a zero low byte. */
				if (n == 0 || n > 3 ||
				    (n > 1 && (t & 0xff) == 0))
					goto slow;
				if ((o = digits_value(t, n)) > 255)
					goto slow;
				ip = ip << 8 | (uint32_t)o;
				p += n;
				if (oct < 3) {
					if (*p != '.')
						goto slow;
					p++;
				}
			}
			goto v4done;
		}
		for (oct = 0; oct < 4; oct++) {
			const char	*b = p;
			unsigned	 o = 0, d;

			while (p < e && (d = (unsigned char)*p - '0') <= 9 &&
			    p - b < 3) {
				o = o * 10 + d;
				p++;
			}
			if (p == b || o > 255 || (*b == '0' && p - b > 1))
				goto slow;
			ip = ip << 8 | o;
			if (oct < 3) {
				if (p == e || *p != '.')
					goto slow;
				p++;
			}
		}
v4done:
		if (p < e && !issep(*p))
			goto slow;
		a = f == PF_SRCADDR ? &r->srcaddr :
		    f == PF_DSTADDR ? &r->dstaddr :
		    f == PF_PKT_SRCADDR ? &r->pkt_srcaddr : &r->pkt_dstaddr;
		memset(a->a, 0, sizeof(a->a));
		a->family = 4;
		a->a[0] = (uint8_t)(ip >> 24);
		a->a[1] = (uint8_t)(ip >> 16);
		a->a[2] = (uint8_t)(ip >> 8);
		a->a[3] = (uint8_t)ip;
		*why = NULL;
		return p;
	}
	case T_STR:
		/* Printable ASCII needs no UTF-8 decoding. */
		for (;;) {
			unsigned n;

			if (e - p < 8) {
				while (p < e && (unsigned char)*p - 0x21u < 0x5eu)
					p++;
				break;
			}
			p += n = lead_graph(load8(p));
			if (n < 8)
				break;
		}
		if (p < e && !issep(*p))
			break;
		if (p - start == 1 && *start == '-')
			goto dash;
		r->str[f].p = start;
		r->str[f].len = (size_t)(p - start);
		*why = NULL;
		return p;
	case T_ACTION:
		if (word_is(p, e, "ACCEPT", 6))
			r->action = PARSE_ACCEPT;
		else if (word_is(p, e, "REJECT", 6))
			r->action = PARSE_REJECT;
		else
			break;
		*why = NULL;
		return p + 6;
	case T_STATUS:
		if (!word_is(p, e, "OK", 2))
			break;
		r->log_status = PARSE_OK;
		*why = NULL;
		return p + 2;
	case T_DIRECTION:
		if (word_is(p, e, "ingress", 7)) {
			r->direction = PARSE_INGRESS;
			q = p + 7;
		} else if (word_is(p, e, "egress", 6)) {
			r->direction = PARSE_EGRESS;
			q = p + 6;
		} else
			break;
		*why = NULL;
		return q;
	case T_IPTYPE:
		/* v5's type column: IPv4 or IPv6 on every line. */
		if (!word_is(p, e, "IPv4", 4) && !word_is(p, e, "IPv6", 4))
			break;
		r->str[f].p = p;
		r->str[f].len = 4;
		*why = NULL;
		return p + 4;
	case T_SKIP:
		*why = NULL;
		return field_end(p, e);
	default:
		break;
	}
slow:
	q = field_end(start, e);
	if (q - start == 1 && *start == '-') {
dash:
		/* Absent: the bit parse_line set goes. */
		*why = NULL;
		r->present[f >> 6] &= ~((uint64_t)1 << (f & 63));
		return start + 1;
	}
	*why = convert(r, f, start, (size_t)(q - start));
	return q;
}

static void
count_error(struct parse_error *err, size_t want, size_t found)
{
	char reason[120];

	snprintf(reason, sizeof(reason), "expected %zu fields, found %zu",
	    want, found);
	seterr(err, "line", reason);
}

int
parse_line(const struct parse_layout *l, const char *s, size_t len,
    struct parse_record *r, struct parse_error *err)
{
	const char	*p = s, *e = s + len, *why;
	size_t		 col = 0, ncol = l->ncol;

	if (!fast)
		return parse_line_simple(l, s, len, r, err);
	/* Every known column is there until it turns out to be '-'. */
	r->present[0] = l->known[0];
	r->present[1] = l->known[1];
	while (p < e && issep(*p))
		p++;
	while (p < e) {
		if (col < ncol) {
			enum parse_field f = (enum parse_field)l->col[col];

			p = convert_fast(r, f, l->type[col], p, e, &why);
			if (why != NULL) {
				/* The field count, if wrong, is the reason. */
				for (col++; p < e; col++) {
					while (p < e && issep(*p))
						p++;
					if (p == e)
						break;
					p = field_end(p, e);
				}
				if (col == ncol)
					seterr(err, fields[f].name, why);
				else
					count_error(err, ncol, col);
				return -1;
			}
		} else
			p = field_end(p, e);
		col++;
		/* p is at a separator: mostly the only one before a field. */
		if (p < e && ++p < e && (unsigned char)*p <= ' ')
			while (p < e && issep(*p))
				p++;
	}
	if (col != ncol) {
		count_error(err, ncol, col);
		return -1;
	}
	return 0;
}

/* One string of a packed record. */
struct packed_str {
	uint8_t		f;
	uint32_t	off, len;
};

size_t
parse_pack(const struct parse_record *r, const char *line, void *buf,
    size_t cap)
{
	const size_t	 fixed = offsetof(struct parse_record, str);
	unsigned char	*p = buf;
	size_t		 n = fixed + 1;
	uint8_t		 nstr = 0;
	int		 w;

	if (cap < n)
		return 0;
	memcpy(p, r, fixed);
	for (w = 0; w < 2; w++) {
		uint64_t bits = r->present[w];

		while (bits != 0) {
			unsigned	 f = (unsigned)(w * 64 +
			    __builtin_ctzll(bits));
			struct packed_str ps;

			bits &= bits - 1;
			if (fields[f].type != T_STR &&
			    fields[f].type != T_IPTYPE &&
			    fields[f].type != T_RESTYPE)
				continue;
			if (n + sizeof(ps) > cap)
				return 0;
			ps.f = (uint8_t)f;
			ps.off = (uint32_t)(r->str[f].p - line);
			ps.len = (uint32_t)r->str[f].len;
			memcpy(p + n, &ps, sizeof(ps));
			n += sizeof(ps);
			nstr++;
		}
	}
	p[fixed] = nstr;
	return n;
}

void
parse_unpack(const void *buf, const char *line, struct parse_record *r)
{
	const size_t		 fixed = offsetof(struct parse_record, str);
	const unsigned char	*p = buf;
	unsigned		 i, nstr = p[fixed];

	memcpy(r, p, fixed);
	p += fixed + 1;
	for (i = 0; i < nstr; i++, p += sizeof(struct packed_str)) {
		struct packed_str ps;

		memcpy(&ps, p, sizeof(ps));
		r->str[ps.f].p = line + ps.off;
		r->str[ps.f].len = ps.len;
	}
}
