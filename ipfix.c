/* ipfix.c: owns the IPFIX templates (declared once, as data) and the message encoder. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ipfix.h"
#include "sink.h"

#define MSG_HDR		16
#define SET_HDR		4
#define SET_TEMPLATE	2
#define SET_OPTIONS	3
#define VARLEN		65535
/* The smallest message budget: an interface name record must fit. */
#define MIN_MSGSIZE	512

/*
 * The flow template catalogue.  A template holds the rows whose group bit is
 * set in the record (and whose family matches), in this order; the same
 * rows drive the record encoder, so template and record always agree.
 */
enum val {
	V_SRC, V_DST, V_NATSRC, V_NATDST, V_SPORT, V_DPORT, V_PROTO,
	V_TCPFLAGS, V_PACKETS, V_BYTES, V_START, V_END, V_FWD, V_DIR,
	V_INIF, V_OUTIF, V_INVRF, V_OUTVRF, V_DROPPED
};

struct row {
	uint16_t	ie;
	uint16_t	len;
	uint32_t	group;		/* IPFIX_HAS_* */
	uint8_t		family;		/* 0 any, else 4 or 6 */
	uint8_t		val;		/* enum val */
};

static const struct row flowrows[] = {
	{ 8, 4, IPFIX_HAS_SRC, 4, V_SRC },		/* sourceIPv4Address */
	{ 27, 16, IPFIX_HAS_SRC, 6, V_SRC },		/* sourceIPv6Address */
	{ 12, 4, IPFIX_HAS_DST, 4, V_DST },		/* destinationIPv4Address */
	{ 28, 16, IPFIX_HAS_DST, 6, V_DST },		/* destinationIPv6Address */
	{ 225, 4, IPFIX_HAS_NAT, 4, V_NATSRC },		/* postNATSourceIPv4Address */
	{ 226, 4, IPFIX_HAS_NAT, 4, V_NATDST },		/* postNATDestinationIPv4Address */
	{ 281, 16, IPFIX_HAS_NAT, 6, V_NATSRC },	/* postNATSourceIPv6Address */
	{ 282, 16, IPFIX_HAS_NAT, 6, V_NATDST },	/* postNATDestinationIPv6Address */
	{ 7, 2, IPFIX_HAS_PORTS, 0, V_SPORT },		/* sourceTransportPort */
	{ 11, 2, IPFIX_HAS_PORTS, 0, V_DPORT },		/* destinationTransportPort */
	{ 4, 1, IPFIX_HAS_PROTO, 0, V_PROTO },		/* protocolIdentifier */
	{ 6, 1, IPFIX_HAS_TCPFLAGS, 0, V_TCPFLAGS },	/* tcpControlBits */
	{ 2, 8, IPFIX_HAS_PACKETS, 0, V_PACKETS },	/* packetDeltaCount */
	{ 1, 8, IPFIX_HAS_BYTES, 0, V_BYTES },		/* octetDeltaCount */
	{ 152, 8, IPFIX_HAS_TIMES, 0, V_START },	/* flowStartMilliseconds */
	{ 153, 8, IPFIX_HAS_TIMES, 0, V_END },		/* flowEndMilliseconds */
	{ 89, 1, IPFIX_HAS_FWD, 0, V_FWD },		/* forwardingStatus */
	{ 61, 1, IPFIX_HAS_DIRECTION, 0, V_DIR },	/* flowDirection */
	{ 10, 4, IPFIX_HAS_INIF, 0, V_INIF },		/* ingressInterface */
	{ 14, 4, IPFIX_HAS_OUTIF, 0, V_OUTIF },		/* egressInterface */
	{ 234, 4, IPFIX_HAS_INVRF, 0, V_INVRF },	/* ingressVRFID */
	{ 235, 4, IPFIX_HAS_OUTVRF, 0, V_OUTVRF },	/* egressVRFID */
	{ 133, 8, IPFIX_HAS_DROPPED, 0, V_DROPPED },	/* droppedPacketDeltaCount */
};
#define NFLOWROWS	(sizeof(flowrows) / sizeof(flowrows[0]))

/*
 * Options templates: names for interfaces and VRFs, once in the layout of
 * RFC 7011 (variable-length strings) and once in the layout nfdump 1.7
 * reads (observationDomainId scope, fixed-length name).
 */
#define NFDUMP_NAMELEN	64

struct otemplate {
	uint16_t	id;
	uint8_t		table;		/* enum ipfix_table */
	uint8_t		nfdump;		/* nfdump layout? */
	uint16_t	nscope;
	uint16_t	nfields;
	uint16_t	ie[3], len[3];
};

static const struct otemplate otemplates[] = {
	{ 65000, IPFIX_TABLE_IF, 0, 1, 3, { 10, 82, 83 }, { 4, VARLEN, VARLEN } },
	{ 65001, IPFIX_TABLE_IF, 1, 1, 3, { 149, 10, 83 },
	    { 4, 4, NFDUMP_NAMELEN } },
	{ 65002, IPFIX_TABLE_VRF, 0, 1, 2, { 234, 236 }, { 4, VARLEN } },
	{ 65003, IPFIX_TABLE_VRF, 1, 1, 3, { 149, 234, 236 },
	    { 4, 4, NFDUMP_NAMELEN } },
};
#define NOTEMPLATES	(sizeof(otemplates) / sizeof(otemplates[0]))

/*
 * Template ids are a pure function of the element list, so every run and
 * every process gives one list the same id: a mixed-radix number of the
 * address state (9), eleven independent groups (2^11) and the
 * forwarding state (3), plus 256.  The largest is 256 + 55295.
 */
#define FLOW_CODES	(9 * 2048 * 3)
#define FLOW_ID_BASE	256

static const uint32_t plain_groups[11] = {
	IPFIX_HAS_PORTS, IPFIX_HAS_PROTO, IPFIX_HAS_PACKETS, IPFIX_HAS_BYTES,
	IPFIX_HAS_TIMES, IPFIX_HAS_TCPFLAGS, IPFIX_HAS_DIRECTION,
	IPFIX_HAS_INIF, IPFIX_HAS_OUTIF, IPFIX_HAS_INVRF, IPFIX_HAS_OUTVRF
};

/* The shape of a record: what decides its template. */
struct shape {
	uint32_t	has;
	uint8_t		family;
};

static struct shape
shape_of(const struct ipfix_flow *f)
{
	struct shape s;

	s.has = f->has;
	if (!(s.has & (IPFIX_HAS_SRC | IPFIX_HAS_DST)))
		s.has &= ~IPFIX_HAS_NAT;
	if (!((s.has & IPFIX_HAS_SRC) && (s.has & IPFIX_HAS_DST)))
		s.has &= ~IPFIX_HAS_NAT;
	if (!(s.has & IPFIX_HAS_FWD))
		s.has &= ~IPFIX_HAS_DROPPED;
	s.family = (s.has & (IPFIX_HAS_SRC | IPFIX_HAS_DST)) ?
	    (f->family == 6 ? 6 : 4) : 0;
	return s;
}

static uint32_t
shape_code(struct shape s)
{
	uint32_t	addr, bits = 0, fwd, i;

	if (s.family == 0)
		addr = 0;
	else {
		uint32_t sub;

		if ((s.has & IPFIX_HAS_SRC) && (s.has & IPFIX_HAS_DST))
			sub = (s.has & IPFIX_HAS_NAT) ? 3 : 2;
		else
			sub = (s.has & IPFIX_HAS_SRC) ? 0 : 1;
		addr = 1 + (s.family == 6 ? 4 : 0) + sub;
	}
	for (i = 0; i < 11; i++)
		if (s.has & plain_groups[i])
			bits |= 1u << i;
	fwd = !(s.has & IPFIX_HAS_FWD) ? 0 :
	    (s.has & IPFIX_HAS_DROPPED) ? 2 : 1;
	return (addr * 2048 + bits) * 3 + fwd;
}

static struct shape
shape_decode(uint32_t code)
{
	static const uint32_t subs[4] = { IPFIX_HAS_SRC, IPFIX_HAS_DST,
	    IPFIX_HAS_SRC | IPFIX_HAS_DST,
	    IPFIX_HAS_SRC | IPFIX_HAS_DST | IPFIX_HAS_NAT };
	struct shape	s = { 0, 0 };
	uint32_t	fwd = code % 3, bits = (code / 3) % 2048;
	uint32_t	addr = code / 3 / 2048, i;

	if (fwd >= 1)
		s.has |= IPFIX_HAS_FWD;
	if (fwd == 2)
		s.has |= IPFIX_HAS_DROPPED;
	for (i = 0; i < 11; i++)
		if (bits & (1u << i))
			s.has |= plain_groups[i];
	if (addr > 0) {
		s.family = addr > 4 ? 6 : 4;
		s.has |= subs[(addr - 1) % 4];
	}
	return s;
}

static int
row_in(const struct row *r, struct shape s)
{
	return (s.has & r->group) && (r->family == 0 || r->family == s.family);
}

/* Big-endian writers into a bounded buffer; they refuse to overflow. */
struct wbuf {
	uint8_t	*p;
	size_t	 len, cap;
	int	 over;
};

static void
put8(struct wbuf *w, uint8_t v)
{
	if (w->len + 1 > w->cap) {
		w->over = 1;
		return;
	}
	w->p[w->len++] = v;
}

static void
put16(struct wbuf *w, uint16_t v)
{
	if (w->len + 2 > w->cap) {
		w->over = 1;
		return;
	}
	w->p[w->len++] = (uint8_t)(v >> 8);
	w->p[w->len++] = (uint8_t)v;
}

static void
put32(struct wbuf *w, uint32_t v)
{
	put16(w, (uint16_t)(v >> 16));
	put16(w, (uint16_t)v);
}

static void
put64(struct wbuf *w, uint64_t v)
{
	put32(w, (uint32_t)(v >> 32));
	put32(w, (uint32_t)v);
}

static void
putbytes(struct wbuf *w, const void *b, size_t n)
{
	if (w->len + n > w->cap) {
		w->over = 1;
		return;
	}
	memcpy(w->p + w->len, b, n);
	w->len += n;
}

static void
patch16(uint8_t *p, size_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
patch32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static size_t
shape_template(struct shape s, uint8_t *buf, size_t cap)
{
	struct wbuf	w = { buf, 0, cap, 0 };
	size_t		i, n = 0;

	for (i = 0; i < NFLOWROWS; i++)
		if (row_in(&flowrows[i], s))
			n++;
	put16(&w, (uint16_t)(FLOW_ID_BASE + shape_code(s)));
	put16(&w, (uint16_t)n);
	for (i = 0; i < NFLOWROWS; i++)
		if (row_in(&flowrows[i], s)) {
			put16(&w, flowrows[i].ie);
			put16(&w, flowrows[i].len);
		}
	return w.over ? 0 : w.len;
}

uint16_t
ipfix_template_id(const struct ipfix_flow *f)
{
	return (uint16_t)(FLOW_ID_BASE + shape_code(shape_of(f)));
}

size_t
ipfix_template_record(const struct ipfix_flow *f, uint8_t *buf, size_t cap)
{
	return shape_template(shape_of(f), buf, cap);
}

size_t
ipfix_record_length(const struct ipfix_flow *f)
{
	struct shape	s = shape_of(f);
	size_t		i, n = 0;

	for (i = 0; i < NFLOWROWS; i++)
		if (row_in(&flowrows[i], s))
			n += flowrows[i].len;
	return n;
}

static void
encode_rows(struct wbuf *w, const struct ipfix_flow *f, struct shape s)
{
	size_t	i;

	for (i = 0; i < NFLOWROWS; i++) {
		const struct row *r = &flowrows[i];

		if (!row_in(r, s))
			continue;
		switch (r->val) {
		case V_SRC:
			putbytes(w, f->src, r->len);
			break;
		case V_DST:
			putbytes(w, f->dst, r->len);
			break;
		case V_NATSRC:
			putbytes(w, f->nat_src, r->len);
			break;
		case V_NATDST:
			putbytes(w, f->nat_dst, r->len);
			break;
		case V_SPORT:
			put16(w, f->sport);
			break;
		case V_DPORT:
			put16(w, f->dport);
			break;
		case V_PROTO:
			put8(w, f->proto);
			break;
		case V_TCPFLAGS:
			put8(w, f->tcpflags);
			break;
		case V_PACKETS:
			put64(w, f->packets);
			break;
		case V_BYTES:
			put64(w, f->bytes);
			break;
		case V_START:
			put64(w, f->start_ms);
			break;
		case V_END:
			put64(w, f->end_ms);
			break;
		case V_FWD:
			put8(w, f->fwd);
			break;
		case V_DIR:
			put8(w, f->direction);
			break;
		case V_INIF:
			put32(w, f->in_if);
			break;
		case V_OUTIF:
			put32(w, f->out_if);
			break;
		case V_INVRF:
			put32(w, f->in_vrf);
			break;
		case V_OUTVRF:
			put32(w, f->out_vrf);
			break;
		case V_DROPPED:
			put64(w, f->dropped);
			break;
		}
	}
}

size_t
ipfix_encode_flow(const struct ipfix_flow *f, uint8_t *buf, size_t cap)
{
	struct wbuf	w = { buf, 0, cap, 0 };

	encode_rows(&w, f, shape_of(f));
	return w.over ? 0 : w.len;
}

/*
 * The fast encoder.  Each record's values are first written, in network
 * byte order, to fixed places in a staging area; a shape's rows are
 * compiled once into steps that each copy STEP_MAX octets from there and
 * advance by their own length (the message buffer has STEP_MAX octets of
 * slack past msgsize for the last one).  The staging area puts the rows a
 * record usually has next to each other, in flowrows[] order, so that
 * neighbouring rows become one step.  The steps come from flowrows[] like
 * everything else; room() has made space for the whole record.
 */
#define STEP_MAX	16

enum {
	ST_SRC4 = 0, ST_DST4 = 4, ST_NATSRC4 = 8, ST_NATDST4 = 12,
	ST_SRC6 = 16, ST_DST6 = 32, ST_NATSRC6 = 48, ST_NATDST6 = 64,
	ST_SPORT = 80, ST_DPORT = 82, ST_PROTO = 84, ST_TCPFLAGS = 85,
	ST_PACKETS = 86, ST_BYTES = 94, ST_START = 102, ST_END = 110,
	ST_FWD = 118, ST_DIR = 119, ST_INIF = 120, ST_OUTIF = 124,
	ST_INVRF = 128, ST_OUTVRF = 132, ST_DROPPED = 136, ST_LEN = 144
};

struct step {
	uint8_t		off;		/* in the staging area */
	uint8_t		len;		/* 1..STEP_MAX */
};

struct prog {
	uint32_t	key;		/* shape_key() + 1; 0: empty slot */
	uint32_t	code;
	uint16_t	reclen;
	uint16_t	nsteps;
	struct step	steps[NFLOWROWS];
};

#define NPROGS		64	/* a run uses a handful of shapes */

/* Where a row's value sits in the staging area. */
static uint8_t
stage_off(const struct row *r)
{
	static const uint8_t at[][2] = {	/* IPv4 or not, IPv6 */
		[V_SRC] = { ST_SRC4, ST_SRC6 },
		[V_DST] = { ST_DST4, ST_DST6 },
		[V_NATSRC] = { ST_NATSRC4, ST_NATSRC6 },
		[V_NATDST] = { ST_NATDST4, ST_NATDST6 },
		[V_SPORT] = { ST_SPORT, 0 }, [V_DPORT] = { ST_DPORT, 0 },
		[V_PROTO] = { ST_PROTO, 0 }, [V_TCPFLAGS] = { ST_TCPFLAGS, 0 },
		[V_PACKETS] = { ST_PACKETS, 0 }, [V_BYTES] = { ST_BYTES, 0 },
		[V_START] = { ST_START, 0 }, [V_END] = { ST_END, 0 },
		[V_FWD] = { ST_FWD, 0 }, [V_DIR] = { ST_DIR, 0 },
		[V_INIF] = { ST_INIF, 0 }, [V_OUTIF] = { ST_OUTIF, 0 },
		[V_INVRF] = { ST_INVRF, 0 }, [V_OUTVRF] = { ST_OUTVRF, 0 },
		[V_DROPPED] = { ST_DROPPED, 0 },
	};

	return at[r->val][r->family == 6];
}

/* Everything shape_of() reads from a record, as one number. */
static uint32_t
shape_key(const struct ipfix_flow *f)
{
	return (f->has & 0xffff) | (uint32_t)(f->family == 6) << 16;
}

static void
prog_compile(struct prog *pr, uint32_t key, struct shape s)
{
	size_t i;

	pr->key = key + 1;
	pr->code = shape_code(s);
	pr->reclen = 0;
	pr->nsteps = 0;
	for (i = 0; i < NFLOWROWS; i++) {
		const struct row	*r = &flowrows[i];
		struct step		*last;
		uint8_t			 off;

		if (!row_in(r, s))
			continue;
		off = stage_off(r);
		pr->reclen = (uint16_t)(pr->reclen + r->len);
		last = pr->nsteps > 0 ? &pr->steps[pr->nsteps - 1] : NULL;
		if (last != NULL && last->off + last->len == off &&
		    last->len + r->len <= STEP_MAX) {
			last->len = (uint8_t)(last->len + r->len);
			continue;
		}
		pr->steps[pr->nsteps].off = off;
		pr->steps[pr->nsteps].len = (uint8_t)r->len;
		pr->nsteps++;
	}
}

static void
patch64(uint8_t *p, uint64_t v)
{
	patch32(p, (uint32_t)(v >> 32));
	patch32(p + 4, (uint32_t)v);
}

/* Every value of the record in its place (ST_LEN octets of st). */
static void
stage_fill(uint8_t *st, const struct ipfix_flow *f)
{
	memcpy(st + ST_SRC4, f->src, 4);
	memcpy(st + ST_DST4, f->dst, 4);
	memcpy(st + ST_NATSRC4, f->nat_src, 4);
	memcpy(st + ST_NATDST4, f->nat_dst, 4);
	if (f->family == 6 || f->nat_family == 6) {
		memcpy(st + ST_SRC6, f->src, 16);
		memcpy(st + ST_DST6, f->dst, 16);
		memcpy(st + ST_NATSRC6, f->nat_src, 16);
		memcpy(st + ST_NATDST6, f->nat_dst, 16);
	}
	patch16(st + ST_SPORT, f->sport);
	patch16(st + ST_DPORT, f->dport);
	st[ST_PROTO] = f->proto;
	st[ST_TCPFLAGS] = f->tcpflags;
	patch64(st + ST_PACKETS, f->packets);
	patch64(st + ST_BYTES, f->bytes);
	patch64(st + ST_START, f->start_ms);
	patch64(st + ST_END, f->end_ms);
	st[ST_FWD] = f->fwd;
	st[ST_DIR] = f->direction;
	patch32(st + ST_INIF, f->in_if);
	patch32(st + ST_OUTIF, f->out_if);
	patch32(st + ST_INVRF, f->in_vrf);
	patch32(st + ST_OUTVRF, f->out_vrf);
	patch64(st + ST_DROPPED, f->dropped);
}

/* Write the staged record; p has pr->reclen + STEP_MAX octets of room. */
static void
prog_encode(const struct prog *pr, const uint8_t *st, uint8_t *p)
{
	size_t i;

	for (i = 0; i < pr->nsteps; i++) {
		memcpy(p, st + pr->steps[i].off, STEP_MAX);
		p += pr->steps[i].len;
	}
}

/* One remembered name, resent with every template refresh. */
struct name {
	uint8_t		 table;
	uint32_t	 index;
	char		*name;
	char		*descr;
};

struct ipfix_exporter {
	struct ipfix_config	 cfg;
	struct sink		*sink;
	uint8_t			*buf;
	size_t			 len;		/* 0: no message open */
	size_t			 setoff;	/* open set's offset, 0: none */
	uint16_t		 setid;
	uint32_t		 seq;		/* data records before this msg */
	uint32_t		 msgrecs;	/* data records in this msg */
	uint32_t		 last_time;
	uint32_t		 last_refresh;
	int			 started;
	uint8_t			 sent[(FLOW_CODES + 7) / 8];
	uint8_t			 osent[NOTEMPLATES];
	uint8_t			 oknown[NOTEMPLATES];	/* ever sent */
	uint32_t		*used;		/* flow codes in use */
	size_t			 nused, capused;
	struct name		*names;
	size_t			 nnames, capnames;
	struct ipfix_stats	 st;
	struct prog		 progs[NPROGS];	/* fast encoder cache */
	uint8_t			 stage[ST_LEN + STEP_MAX];
};

static uint32_t
now(struct ipfix_exporter *e)
{
	uint32_t t;

	if (e->cfg.fixed_time)
		t = e->cfg.export_time;
	else
		t = (uint32_t)time(NULL);
	/* Export Time never goes backwards (RFC 7011 section 8.2). */
	if (t < e->last_time)
		t = e->last_time;
	e->last_time = t;
	return t;
}

struct ipfix_exporter *
ipfix_new(const struct ipfix_config *cfg, struct sink *sink)
{
	struct ipfix_exporter *e;

	if ((e = calloc(1, sizeof(*e))) == NULL)
		return NULL;
	e->cfg = *cfg;
	if (e->cfg.msgsize > 65535)
		e->cfg.msgsize = 65535;
	if (e->cfg.msgsize < MIN_MSGSIZE)
		e->cfg.msgsize = MIN_MSGSIZE;
	if (e->cfg.copies < 1)
		e->cfg.copies = 1;
	e->sink = sink;
	/* Slack for the fast encoder's last copy of a record. */
	if ((e->buf = malloc(e->cfg.msgsize + STEP_MAX)) == NULL) {
		free(e);
		return NULL;
	}
	return e;
}

void
ipfix_free(struct ipfix_exporter *e)
{
	size_t i;

	if (e == NULL)
		return;
	for (i = 0; i < e->nnames; i++) {
		free(e->names[i].name);
		free(e->names[i].descr);
	}
	free(e->names);
	free(e->used);
	free(e->buf);
	free(e);
}

const struct ipfix_stats *
ipfix_stats(const struct ipfix_exporter *e)
{
	return &e->st;
}

size_t
ipfix_message_size(const struct ipfix_exporter *e)
{
	return e->cfg.msgsize;
}

static void
close_set(struct ipfix_exporter *e)
{
	if (e->setoff != 0) {
		patch16(e->buf + e->setoff + 2, e->len - e->setoff);
		e->setoff = 0;
		e->setid = 0;
	}
}

static void
open_msg(struct ipfix_exporter *e)
{
	memset(e->buf, 0, MSG_HDR);
	e->len = MSG_HDR;
	e->msgrecs = 0;
}

int
ipfix_flush(struct ipfix_exporter *e)
{
	uint32_t	t;
	size_t		len = e->len;

	if (len == 0)
		return 0;
	close_set(e);
	t = now(e);
	patch16(e->buf, 10);
	patch16(e->buf + 2, e->len);
	patch32(e->buf + 4, t);
	patch32(e->buf + 8, e->seq);
	patch32(e->buf + 12, e->cfg.domain);
	e->seq += e->msgrecs;
	e->st.messages++;
	e->st.octets += e->len;
	e->len = 0;
	return sink_write(e->sink, e->buf, len, t);
}

/*
 * Make room for n more octets in the open message (plus a set header when
 * a new set must be opened), flushing the message first if it is full.
 */
static int
room(struct ipfix_exporter *e, size_t n)
{
	if (e->len != 0 && e->len + n <= e->cfg.msgsize)
		return 0;
	if (e->len != 0 && ipfix_flush(e) == -1)
		return -1;
	open_msg(e);
	return 0;
}

/* Open a set with this id unless it is the open one; room must be made. */
static void
want_set(struct ipfix_exporter *e, uint16_t id)
{
	struct wbuf w;

	if (e->setoff != 0 && e->setid == id)
		return;
	close_set(e);
	e->setoff = e->len;
	e->setid = id;
	w.p = e->buf;
	w.len = e->len;
	w.cap = e->cfg.msgsize;
	w.over = 0;
	put16(&w, id);
	put16(&w, 0);
	e->len = w.len;
}

static size_t
setneed(struct ipfix_exporter *e, uint16_t id, size_t n)
{
	return (e->setoff != 0 && e->setid == id) ? n : n + SET_HDR;
}

/* Put one template record in its own Template Set in the open message. */
static int
put_template(struct ipfix_exporter *e, struct shape s)
{
	uint8_t		rec[4 + 4 * NFLOWROWS];
	size_t		n = shape_template(s, rec, sizeof(rec));
	struct wbuf	w;

	if (room(e, setneed(e, SET_TEMPLATE, n)) == -1)
		return -1;
	want_set(e, SET_TEMPLATE);
	w.p = e->buf;
	w.len = e->len;
	w.cap = e->cfg.msgsize;
	w.over = 0;
	putbytes(&w, rec, n);
	e->len = w.len;
	e->st.templates++;
	return 0;
}

static size_t
otemplate_record(const struct otemplate *o, uint8_t *buf, size_t cap)
{
	struct wbuf	w = { buf, 0, cap, 0 };
	uint16_t	i;

	put16(&w, o->id);
	put16(&w, o->nfields);
	put16(&w, o->nscope);
	for (i = 0; i < o->nfields; i++) {
		put16(&w, o->ie[i]);
		put16(&w, o->len[i]);
	}
	return w.over ? 0 : w.len;
}

/* One options template per Options Template Set (nfdump reads only one). */
static int
put_otemplate(struct ipfix_exporter *e, const struct otemplate *o)
{
	uint8_t		rec[32];
	size_t		n = otemplate_record(o, rec, sizeof(rec));
	struct wbuf	w;

	if (room(e, n + SET_HDR) == -1)
		return -1;
	close_set(e);
	want_set(e, SET_OPTIONS);
	w.p = e->buf;
	w.len = e->len;
	w.cap = e->cfg.msgsize;
	w.over = 0;
	putbytes(&w, rec, n);
	e->len = w.len;
	close_set(e);
	e->st.templates++;
	return 0;
}

/* Longest prefix of s, at most max octets, that ends on a UTF-8 boundary. */
static size_t
utf8_cut(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n <= max)
		return n;
	n = max;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return n;
}

/* Octets a variable-length string of n octets takes, length included. */
static size_t
varlen_size(size_t n)
{
	return (n < 255 ? 1 : 3) + n;
}

static void
putvarstr(struct wbuf *w, const char *s, size_t max)
{
	size_t n = utf8_cut(s, max);

	/* RFC 7011 section 7: 255 in the first octet means "two more follow". */
	if (n < 255)
		put8(w, (uint8_t)n);
	else {
		put8(w, 255);
		put16(w, (uint16_t)n);
	}
	putbytes(w, s, n);
}

static void
putfixstr(struct wbuf *w, const char *s, size_t width)
{
	/* nfdump overwrites the last octet with NUL: keep one spare. */
	size_t n = utf8_cut(s, width - 1);
	uint8_t zero[NFDUMP_NAMELEN] = { 0 };

	putbytes(w, s, n);
	putbytes(w, zero, width - n);
}

static size_t
name_record(struct ipfix_exporter *e, const struct otemplate *o,
    const struct name *nm, uint8_t *buf, size_t cap)
{
	struct wbuf	 w = { buf, 0, cap, 0 };
	const char	*descr = nm->descr != NULL ? nm->descr : "";

	if (o->nfdump) {
		/* nfdump shows this one field: the name if known, else the id. */
		put32(&w, e->cfg.domain);
		put32(&w, nm->index);
		putfixstr(&w, descr[0] != '\0' ? descr : nm->name,
		    NFDUMP_NAMELEN);
	} else if (o->table == IPFIX_TABLE_IF) {
		/*
		 * Name and description together may not fit a small message
		 * (two 255-octet strings need 520 octets): the description
		 * gives way.  With MIN_MSGSIZE it keeps at least 227 octets.
		 */
		size_t fit = e->cfg.msgsize - MSG_HDR - SET_HDR - 4 -
		    varlen_size(utf8_cut(nm->name, IPFIX_NAME_MAX)) - 3;

		put32(&w, nm->index);
		putvarstr(&w, nm->name, IPFIX_NAME_MAX);
		putvarstr(&w, descr, fit < IPFIX_NAME_MAX ? fit :
		    IPFIX_NAME_MAX);
	} else {
		put32(&w, nm->index);
		putvarstr(&w, descr[0] != '\0' ? descr : nm->name,
		    IPFIX_NAME_MAX);
	}
	return w.over ? 0 : w.len;
}

/* Extra template-only messages for a new template (RFC 7011 8.4). */
static int
extra_copies(struct ipfix_exporter *e, struct shape *s,
    const struct otemplate *o)
{
	int i;

	if (e->cfg.copies <= 1)
		return 0;
	if (ipfix_flush(e) == -1)
		return -1;
	for (i = 1; i < e->cfg.copies; i++) {
		if ((s != NULL ? put_template(e, *s) : put_otemplate(e, o)) == -1)
			return -1;
		if (ipfix_flush(e) == -1)
			return -1;
	}
	return 0;
}

/* Send the options templates of a table and the records for one name. */
static int
put_name(struct ipfix_exporter *e, const struct name *nm)
{
	uint8_t		rec[16 + 2 * (3 + IPFIX_NAME_MAX) + NFDUMP_NAMELEN];
	size_t		i, n;
	struct wbuf	w;

	for (i = 0; i < NOTEMPLATES; i++) {
		const struct otemplate *o = &otemplates[i];

		if (o->table != nm->table)
			continue;
		if (!e->osent[i]) {
			if (!e->oknown[i] && extra_copies(e, NULL, o) == -1)
				return -1;
			e->oknown[i] = 1;
			if (put_otemplate(e, o) == -1)
				return -1;
			e->osent[i] = 1;
		}
		n = name_record(e, o, nm, rec, sizeof(rec));
		if (room(e, setneed(e, o->id, n)) == -1)
			return -1;
		want_set(e, o->id);
		w.p = e->buf;
		w.len = e->len;
		w.cap = e->cfg.msgsize;
		w.over = 0;
		putbytes(&w, rec, n);
		e->len = w.len;
		e->msgrecs++;
		e->st.options++;
	}
	return 0;
}

/*
 * Resend every template and name in use (UDP: the collector may have
 * restarted or expired them).  A resent template counts as new.
 */
static int
refresh(struct ipfix_exporter *e)
{
	size_t	i;

	e->st.refreshes++;
	memset(e->sent, 0, sizeof(e->sent));
	memset(e->osent, 0, sizeof(e->osent));
	if (ipfix_flush(e) == -1)
		return -1;
	for (i = 0; i < e->nused; i++) {
		if (put_template(e, shape_decode(e->used[i])) == -1)
			return -1;
		e->sent[e->used[i] / 8] |= (uint8_t)(1u << (e->used[i] % 8));
	}
	for (i = 0; i < e->nnames; i++)
		if (put_name(e, &e->names[i]) == -1)
			return -1;
	return 0;
}

static int
maybe_refresh(struct ipfix_exporter *e)
{
	uint32_t t;

	if (e->cfg.refresh == 0)
		return 0;
	t = now(e);
	if (!e->started) {
		e->started = 1;
		e->last_refresh = t;
		return 0;
	}
	if (t - e->last_refresh < e->cfg.refresh)
		return 0;
	e->last_refresh = t;
	return refresh(e);
}

int
ipfix_add_flow(struct ipfix_exporter *e, const struct ipfix_flow *f)
{
	struct shape	 s;
	struct prog	*pr = NULL;
	uint32_t	 code;
	uint16_t	 id;
	size_t		 n;
	struct wbuf	 w;

	if (maybe_refresh(e) == -1)
		return -1;
	if (!e->cfg.simple) {
		uint32_t key = shape_key(f);

		pr = &e->progs[(key * 0x9e3779b1u) >> 26];
		if (pr->key != key + 1)
			prog_compile(pr, key, shape_of(f));
		code = pr->code;
	} else
		code = shape_code(shape_of(f));
	id = (uint16_t)(FLOW_ID_BASE + code);
	if (!(e->sent[code / 8] & (1u << (code % 8)))) {
		int known = 0;
		size_t i;

		s = shape_of(f);
		for (i = 0; i < e->nused; i++)
			if (e->used[i] == code)
				known = 1;
		if (!known) {
			if (e->nused == e->capused) {
				size_t nc = e->capused ? e->capused * 2 : 16;
				uint32_t *nu = realloc(e->used,
				    nc * sizeof(*nu));

				if (nu == NULL)
					return -1;
				e->used = nu;
				e->capused = nc;
			}
			e->used[e->nused++] = code;
			if (extra_copies(e, &s, NULL) == -1)
				return -1;
		}
		if (put_template(e, s) == -1)
			return -1;
		e->sent[code / 8] |= (uint8_t)(1u << (code % 8));
	}
	n = pr != NULL ? pr->reclen : ipfix_record_length(f);
	if (room(e, setneed(e, id, n)) == -1)
		return -1;
	want_set(e, id);
	if (pr != NULL) {
		stage_fill(e->stage, f);
		prog_encode(pr, e->stage, e->buf + e->len);
		e->len += n;
	} else {
		w.p = e->buf;
		w.len = e->len;
		w.cap = e->cfg.msgsize;
		w.over = 0;
		encode_rows(&w, f, shape_of(f));
		e->len = w.len;
	}
	e->msgrecs++;
	e->st.flows++;
	return 0;
}

static char *
dupcut(const char *s)
{
	size_t	 n;
	char	*p;

	if (s == NULL)
		s = "";
	n = utf8_cut(s, IPFIX_NAME_MAX);
	if ((p = malloc(n + 1)) == NULL)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

int
ipfix_add_name(struct ipfix_exporter *e, enum ipfix_table table,
    uint32_t index, const char *name, const char *descr)
{
	struct name nm;

	if (maybe_refresh(e) == -1)
		return -1;
	if (e->nnames == e->capnames) {
		size_t nc = e->capnames ? e->capnames * 2 : 16;
		struct name *nn = realloc(e->names, nc * sizeof(*nn));

		if (nn == NULL)
			return -1;
		e->names = nn;
		e->capnames = nc;
	}
	nm.table = (uint8_t)table;
	nm.index = index;
	nm.name = dupcut(name);
	nm.descr = dupcut(descr);
	if (nm.name == NULL || nm.descr == NULL) {
		free(nm.name);
		free(nm.descr);
		errno = ENOMEM;
		return -1;
	}
	e->names[e->nnames++] = nm;
	return put_name(e, &e->names[e->nnames - 1]);
}
