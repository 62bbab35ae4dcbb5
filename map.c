/* map.c: owns the mapping of flow-log fields onto IANA IPFIX elements (see FIELD MAPPING in fl2ipfix.1). */
#include <stdio.h>
#include <string.h>

#include "idmap.h"
#include "ipfix.h"
#include "map.h"
#include "parse.h"

static int
fail(struct parse_error *err, enum parse_field f, const char *reason)
{
	snprintf(err->field, sizeof(err->field), "%s", parse_field_name(f));
	snprintf(err->reason, sizeof(err->reason), "%s", reason);
	return -1;
}

static int
addr_eq(const struct parse_addr *a, const struct parse_addr *b)
{
	if (a == b)
		return 1;
	if (a->family != b->family)
		return 0;
	/* Constant lengths: the compiler compares inline, no call. */
	return a->family == 4 ? memcmp(a->a, b->a, 4) == 0 :
	    memcmp(a->a, b->a, 16) == 0;
}

static void
note(struct map_new *nw, enum idmap_kind kind, uint32_t index, int first)
{
	if (first && nw->n < sizeof(nw->v) / sizeof(nw->v[0])) {
		nw->v[nw->n].kind = (uint8_t)kind;
		nw->v[nw->n].index = index;
		nw->n++;
	}
}

#define BAD_ID	"not an id (1-128 visible ASCII characters, no '#')"

/*
 * Resolve one string field to an integer; 0 if absent, 1 if set, -2 id
 * map trouble, -1 (err set) if the field cannot be an id.
 */
static int
resolve_id(struct idmap *m, const struct parse_record *r, enum parse_field f,
    enum idmap_kind kind, uint32_t *out, struct map_new *nw,
    struct parse_error *err, struct idmap_error *ierr)
{
	int first, rc;

	rc = idmap_get(m, kind, r->str[f].p, r->str[f].len, out, &first,
	    ierr);
	if (rc == IDMAP_BAD_ID)
		return fail(err, f, BAD_ID);
	if (rc == -1)
		return -2;
	note(nw, kind, *out, first);
	return 1;
}

/* Most records lack most id fields: no call for those. */
static inline int
resolve(struct idmap *m, const struct parse_record *r, enum parse_field f,
    enum idmap_kind kind, uint32_t *out, struct map_new *nw,
    struct parse_error *err, struct idmap_error *ierr)
{
	return parse_has(r, f) ? resolve_id(m, r, f, kind, out, nw, err,
	    ierr) : 0;
}

#define BIT(f)	((uint64_t)1 << (f))

int
map_has_traffic(const struct parse_record *r)
{
	/* All of them in the first word of present[] (parse.h order). */
	const uint64_t traffic = BIT(PF_SRCADDR) | BIT(PF_DSTADDR) |
	    BIT(PF_PKT_SRCADDR) | BIT(PF_PKT_DSTADDR) | BIT(PF_SRCPORT) |
	    BIT(PF_DSTPORT) | BIT(PF_PROTOCOL) | BIT(PF_PACKETS) |
	    BIT(PF_BYTES);

	return (r->present[0] & traffic) != 0;
}

/* Source and destination: the packet's own addresses, each side alone. */
static int
map_addrs(const struct parse_record *r, struct ipfix_flow *f,
    struct parse_error *err)
{
	const struct parse_addr *src = NULL, *dst = NULL;

	if (parse_has(r, PF_PKT_SRCADDR))
		src = &r->pkt_srcaddr;
	else if (parse_has(r, PF_SRCADDR))
		src = &r->srcaddr;
	if (parse_has(r, PF_PKT_DSTADDR))
		dst = &r->pkt_dstaddr;
	else if (parse_has(r, PF_DSTADDR))
		dst = &r->dstaddr;
	if (src != NULL && dst != NULL && src->family != dst->family)
		return fail(err, src == &r->srcaddr ? PF_SRCADDR :
		    PF_PKT_SRCADDR, "source and destination are of different "
		    "address families");
	if (src != NULL) {
		f->has |= IPFIX_HAS_SRC;
		f->family = src->family;
		memcpy(f->src, src->a, 16);
	}
	if (dst != NULL) {
		f->has |= IPFIX_HAS_DST;
		f->family = dst->family;
		memcpy(f->dst, dst->a, 16);
	}
	/* The interface-level pair, when it says something the packet pair does not. */
	if (src != NULL && dst != NULL && parse_has(r, PF_SRCADDR) &&
	    parse_has(r, PF_DSTADDR) && (!addr_eq(src, &r->srcaddr) ||
	    !addr_eq(dst, &r->dstaddr))) {
		if (r->srcaddr.family != r->dstaddr.family ||
		    r->srcaddr.family != src->family)
			return fail(err, PF_SRCADDR, "interface and packet "
			    "addresses are of different address families");
		f->has |= IPFIX_HAS_NAT;
		f->nat_family = r->srcaddr.family;
		memcpy(f->nat_src, r->srcaddr.a, 16);
		memcpy(f->nat_dst, r->dstaddr.a, 16);
	}
	return 0;
}

static int
map_tgw_loss(const struct parse_record *r, struct ipfix_flow *f,
    struct parse_error *err)
{
	/* RFC 7270 drop reasons, in the order of r->lost[]. */
	static const uint8_t reason[4] = { IPFIX_FWD_UNROUTABLE,
	    IPFIX_FWD_DROP_UNKNOWN, IPFIX_FWD_DF_SET, IPFIX_FWD_BAD_TTL };
	uint64_t	sum = 0, most = 0;
	int		i, any = 0, which = -1;

	for (i = 0; i < 4; i++) {
		if (!parse_has(r, (enum parse_field)(PF_PACKETS_LOST_NO_ROUTE +
		    i)))
			continue;
		any = 1;
		if (sum + r->lost[i] < sum)
			return fail(err, (enum parse_field)
			    (PF_PACKETS_LOST_NO_ROUTE + i),
			    "lost packets add up to more than 2^64-1");
		sum += r->lost[i];
		if (r->lost[i] > most) {
			most = r->lost[i];
			which = i;
		}
	}
	if (!any)
		return 0;
	f->has |= IPFIX_HAS_FWD | IPFIX_HAS_DROPPED;
	f->dropped = sum;
	f->fwd = which < 0 ? IPFIX_FWD_FORWARDED : reason[which];
	return 0;
}

int
map_flow(struct idmap *m, const struct parse_record *r, struct ipfix_flow *f,
    struct map_new *nw, struct parse_error *err, struct idmap_error *ierr)
{
	enum parse_field ifin = PF_INTERFACE_ID, ifout = PF_UNKNOWN, vrfin;
	int tgw, rc;

	f->has = 0;
	f->family = 0;
	f->nat_family = 0;
	nw->n = 0;
	if (map_addrs(r, f, err) == -1)
		return -1;
	if (parse_has(r, PF_SRCPORT) != parse_has(r, PF_DSTPORT))
		return fail(err, parse_has(r, PF_SRCPORT) ? PF_DSTPORT :
		    PF_SRCPORT, "is - while the other port is not");
	if (parse_has(r, PF_SRCPORT)) {
		f->has |= IPFIX_HAS_PORTS;
		f->sport = r->srcport;
		f->dport = r->dstport;
	}
	if (parse_has(r, PF_PROTOCOL)) {
		f->has |= IPFIX_HAS_PROTO;
		f->proto = r->protocol;
	}
	if (parse_has(r, PF_TCP_FLAGS)) {
		f->has |= IPFIX_HAS_TCPFLAGS;
		f->tcpflags = r->tcp_flags;
	}
	if (parse_has(r, PF_PACKETS)) {
		f->has |= IPFIX_HAS_PACKETS;
		f->packets = r->packets;
	}
	if (parse_has(r, PF_BYTES)) {
		f->has |= IPFIX_HAS_BYTES;
		f->bytes = r->bytes;
	}
	if (parse_has(r, PF_START) != parse_has(r, PF_END))
		return fail(err, parse_has(r, PF_START) ? PF_END : PF_START,
		    "is - while the other time is not");
	if (parse_has(r, PF_START)) {
		f->has |= IPFIX_HAS_TIMES;
		f->start_ms = r->start * 1000;
		f->end_ms = r->end * 1000;
	}
	if (parse_has(r, PF_FLOW_DIRECTION)) {
		f->has |= IPFIX_HAS_DIRECTION;
		f->direction = r->direction == PARSE_EGRESS ? 1 : 0;
	}

	/*
	 * Everything that can refuse the line is checked before the first
	 * id is resolved: an id resolved for a refused line would be marked
	 * used, and its names would never be sent.
	 */
	tgw = parse_has(r, PF_TGW_ATTACHMENT_ID) ||
	    parse_has(r, PF_TGW_PAIR_ATTACHMENT_ID);
	if (tgw) {
		/*
		 * Both records of a flow agree: the attachment where it
		 * entered is the ingress interface, whichever one logged it.
		 */
		ifin = PF_TGW_ATTACHMENT_ID;
		ifout = PF_TGW_PAIR_ATTACHMENT_ID;
		if (parse_has(r, PF_FLOW_DIRECTION) &&
		    r->direction == PARSE_EGRESS) {
			ifin = PF_TGW_PAIR_ATTACHMENT_ID;
			ifout = PF_TGW_ATTACHMENT_ID;
		}
	}
	vrfin = tgw || !parse_has(r, PF_VPC_ID) ? PF_TGW_SRC_VPC_ID : PF_VPC_ID;
	if (parse_has(r, PF_ACTION)) {
		f->has |= IPFIX_HAS_FWD;
		if (r->action == PARSE_ACCEPT) {
			f->fwd = IPFIX_FWD_FORWARDED;
			f->out_if = IDMAP_IF_ACCEPT;
		} else {
			f->fwd = IPFIX_FWD_ACL_DENY;
			f->out_if = IDMAP_IF_REJECT;
		}
	} else if (map_tgw_loss(r, f, err) == -1)
		return -1;
	{
		/*
		 * The first id resolved refuses the line, if it must,
		 * before anything changes (IDMAP_BAD_ID); the ones after
		 * it are checked here, before it is resolved.
		 */
		const enum parse_field ids[] = { ifin, ifout, vrfin,
		    PF_TGW_DST_VPC_ID };
		size_t i;
		int seen = 0;

		for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
			if (ids[i] == PF_UNKNOWN || !parse_has(r, ids[i]))
				continue;
			if (seen++ && !idmap_valid_id(r->str[ids[i]].p,
			    r->str[ids[i]].len))
				return fail(err, ids[i], BAD_ID);
		}
	}

	if ((rc = resolve(m, r, ifin, IDMAP_IF, &f->in_if, nw, err,
	    ierr)) < 0)
		return rc;
	if (rc)
		f->has |= IPFIX_HAS_INIF;
	if (ifout != PF_UNKNOWN) {
		if ((rc = resolve(m, r, ifout, IDMAP_IF, &f->out_if, nw, err,
		    ierr)) < 0)
			return rc;
		if (rc)
			f->has |= IPFIX_HAS_OUTIF;
	} else if (parse_has(r, PF_ACTION)) {
		/* VPC: the egress interface says what the ACLs decided. */
		int first;

		f->has |= IPFIX_HAS_OUTIF;
		idmap_use_reserved(m, f->out_if, &first);
		note(nw, IDMAP_IF, f->out_if, first);
	}
	if ((rc = resolve(m, r, vrfin, IDMAP_VRF, &f->in_vrf, nw, err,
	    ierr)) < 0)
		return rc;
	if (rc)
		f->has |= IPFIX_HAS_INVRF;
	if ((rc = resolve(m, r, PF_TGW_DST_VPC_ID, IDMAP_VRF, &f->out_vrf, nw,
	    err, ierr)) < 0)
		return rc;
	if (rc)
		f->has |= IPFIX_HAS_OUTVRF;
	return 0;
}
