/* filter.c: owns record selection (direction, action, ids, time window) and de-duplication. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "filter.h"
#include "parse.h"

static const char *const names[FILTER_N] = {
	"direction", "action", "account", "vpc", "interface", "since",
	"until", "dedup"
};

struct strlist {
	char	**v;
	size_t	  n;
};

/* A flow's identity for de-duplication: a 128-bit hash of its key. */
struct fkey {
	uint64_t	a, b;
};

struct filter {
	int			on[FILTER_N];
	int			any;		/* some on[]: else keep all */
	int			direction;	/* PARSE_INGRESS/EGRESS */
	int			action;		/* PARSE_ACCEPT/REJECT */
	struct strlist		account, vpc, iface;
	uint64_t		since, until;
	struct filter_removed	removed[FILTER_N];
	/* Dedup: a ring of the last keys and an open-addressing index. */
	struct fkey		*ring;
	size_t			 window, head, count;
	uint32_t		*slots;		/* ring position + 1, 0 empty */
	size_t			 nslots;	/* power of two */
};

struct filter *
filter_new(void)
{
	return calloc(1, sizeof(struct filter));
}

static void
freelist(struct strlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

void
filter_free(struct filter *f)
{
	if (f == NULL)
		return;
	freelist(&f->account);
	freelist(&f->vpc);
	freelist(&f->iface);
	free(f->ring);
	free(f->slots);
	free(f);
}

const char *
filter_name(enum filter_id id)
{
	return names[id];
}

const struct filter_removed *
filter_removed(const struct filter *f, enum filter_id id)
{
	return &f->removed[id];
}

int
filter_active(const struct filter *f)
{
	int i;

	for (i = 0; i < FILTER_N; i++)
		if (f->on[i])
			return 1;
	return 0;
}

int
filter_configured(const struct filter *f, enum filter_id id)
{
	return id < FILTER_N && f->on[id];
}

static int
addlist(struct strlist *l, const char *s)
{
	char **nv = realloc(l->v, (l->n + 1) * sizeof(*nv));

	if (nv == NULL)
		return -1;
	l->v = nv;
	if ((l->v[l->n] = strdup(s)) == NULL)
		return -1;
	l->n++;
	return 0;
}

int
filter_parse_time(const char *s, uint64_t *out)
{
	struct tm	tm;
	char		*end;
	uint64_t	v = 0;
	const char	*p;
	time_t		t;

	if (*s >= '0' && *s <= '9' && strchr(s, '-') == NULL) {
		for (p = s; *p; p++) {
			if (*p < '0' || *p > '9' || v > UINT64_MAX / 10 / 1000)
				return -1;
			v = v * 10 + (uint64_t)(*p - '0');
		}
		*out = v;
		return 0;
	}
	memset(&tm, 0, sizeof(tm));
	end = strptime(s, "%Y-%m-%dT%H:%M", &tm);
	if (end == NULL)
		return -1;
	if (*end == ':') {
		end = strptime(end, ":%S", &tm);
		if (end == NULL)
			return -1;
	}
	if (strcmp(end, "Z") != 0 && strcmp(end, "") != 0)
		return -1;
	if ((t = timegm(&tm)) == (time_t)-1 || t < 0)
		return -1;
	*out = (uint64_t)t;
	return 0;
}

int
filter_set(struct filter *f, enum filter_id id, const char *arg,
    const char **why)
{
	*why = NULL;
	switch (id) {
	case FILTER_DIRECTION:
		if (strcmp(arg, "ingress") == 0)
			f->direction = PARSE_INGRESS;
		else if (strcmp(arg, "egress") == 0)
			f->direction = PARSE_EGRESS;
		else {
			*why = "expected ingress or egress";
			return -1;
		}
		break;
	case FILTER_ACTION:
		if (strcmp(arg, "accept") == 0 || strcmp(arg, "ACCEPT") == 0)
			f->action = PARSE_ACCEPT;
		else if (strcmp(arg, "reject") == 0 ||
		    strcmp(arg, "REJECT") == 0)
			f->action = PARSE_REJECT;
		else {
			*why = "expected accept or reject";
			return -1;
		}
		break;
	case FILTER_ACCOUNT:
	case FILTER_VPC:
	case FILTER_INTERFACE:
		if (*arg == '\0' || strpbrk(arg, " \t") != NULL) {
			*why = "expected an id without spaces";
			return -1;
		}
		if (addlist(id == FILTER_ACCOUNT ? &f->account :
		    id == FILTER_VPC ? &f->vpc : &f->iface, arg) == -1) {
			*why = "out of memory";
			return -1;
		}
		break;
	case FILTER_SINCE:
	case FILTER_UNTIL:
		if (filter_parse_time(arg, id == FILTER_SINCE ? &f->since :
		    &f->until) == -1) {
			*why = "expected Unix seconds or YYYY-MM-DDTHH:MM[:SS]Z";
			return -1;
		}
		break;
	default:
		*why = "not a filter with an argument";
		return -1;
	}
	f->on[id] = 1;
	f->any = 1;
	return 0;
}

int
filter_set_dedup(struct filter *f, size_t window)
{
	size_t n = 2;

	if (window == 0 || window > (1u << 26))
		return -1;
	while (n < window * 2)
		n *= 2;
	free(f->ring);
	free(f->slots);
	f->ring = calloc(window, sizeof(*f->ring));
	f->slots = calloc(n, sizeof(*f->slots));
	if (f->ring == NULL || f->slots == NULL)
		return -1;
	f->window = window;
	f->nslots = n;
	f->head = f->count = 0;
	f->on[FILTER_DEDUP] = 1;
	f->any = 1;
	return 0;
}

static int
inlist(const struct strlist *l, const struct parse_record *r,
    enum parse_field fld)
{
	size_t i;

	if (!parse_has(r, fld))
		return 0;
	for (i = 0; i < l->n; i++)
		if (strlen(l->v[i]) == r->str[fld].len &&
		    memcmp(l->v[i], r->str[fld].p, r->str[fld].len) == 0)
			return 1;
	return 0;
}

/* 128-bit FNV-style mixing of the key fields, two independent lanes. */
static void
mix(struct fkey *k, const void *p, size_t n)
{
	const unsigned char *s = p;
	size_t i;

	for (i = 0; i < n; i++) {
		k->a = (k->a ^ s[i]) * 0x100000001b3ULL;
		k->b = (k->b ^ s[i]) * 0x9e3779b97f4a7c15ULL + 0x632be59bd9b4e019ULL;
	}
	k->a ^= k->a >> 29;
	k->b ^= k->b >> 31;
}

static void
mixfield(struct fkey *k, const struct parse_record *r, enum parse_field f)
{
	uint8_t tag = (uint8_t)(f + 1);

	/* The tag keeps absent and present fields apart. */
	if (!parse_has(r, f)) {
		tag = 0;
		mix(k, &tag, 1);
		return;
	}
	mix(k, &tag, 1);
	switch (f) {
	case PF_SRCPORT:
		mix(k, &r->srcport, sizeof(r->srcport));
		break;
	case PF_DSTPORT:
		mix(k, &r->dstport, sizeof(r->dstport));
		break;
	case PF_PROTOCOL:
		mix(k, &r->protocol, 1);
		break;
	case PF_PACKETS:
		mix(k, &r->packets, 8);
		break;
	case PF_BYTES:
		mix(k, &r->bytes, 8);
		break;
	case PF_START:
		mix(k, &r->start, 8);
		break;
	case PF_END:
		mix(k, &r->end, 8);
		break;
	default:
		mix(k, r->str[f].p, r->str[f].len);
		break;
	}
}

static void
mixaddr(struct fkey *k, const struct parse_record *r, enum parse_field pkt,
    enum parse_field ifc)
{
	const struct parse_addr *a = NULL;
	uint8_t fam = 0;

	if (parse_has(r, pkt))
		a = pkt == PF_PKT_SRCADDR ? &r->pkt_srcaddr : &r->pkt_dstaddr;
	else if (parse_has(r, ifc))
		a = ifc == PF_SRCADDR ? &r->srcaddr : &r->dstaddr;
	if (a != NULL)
		fam = a->family;
	mix(k, &fam, 1);
	if (a != NULL)
		mix(k, a->a, a->family == 4 ? 4 : 16);
}

/* An attachment id, tagged the same whichever column it came from. */
static void
mixattach(struct fkey *k, const struct parse_record *r, enum parse_field f)
{
	uint8_t tag = parse_has(r, f) ? 1 : 0;

	mix(k, &tag, 1);
	if (tag)
		mix(k, r->str[f].p, r->str[f].len);
}

/*
 * The key: the packet's source and destination, ports, protocol, start,
 * end, packets and bytes; for Transit Gateway records also the unordered
 * pair of attachments (so ingress at A/B and egress at B/A match).
 */
static struct fkey
flowkey(const struct parse_record *r)
{
	struct fkey	k = { 0xcbf29ce484222325ULL, 0x84222325cbf29ce4ULL };
	static const enum parse_field rest[] = { PF_SRCPORT, PF_DSTPORT,
	    PF_PROTOCOL, PF_START, PF_END, PF_PACKETS, PF_BYTES };
	size_t		i;

	mixaddr(&k, r, PF_PKT_SRCADDR, PF_SRCADDR);
	mixaddr(&k, r, PF_PKT_DSTADDR, PF_DSTADDR);
	for (i = 0; i < sizeof(rest) / sizeof(rest[0]); i++)
		mixfield(&k, r, rest[i]);
	if (parse_has(r, PF_TGW_ATTACHMENT_ID) ||
	    parse_has(r, PF_TGW_PAIR_ATTACHMENT_ID)) {
		enum parse_field x = PF_TGW_ATTACHMENT_ID;
		enum parse_field y = PF_TGW_PAIR_ATTACHMENT_ID;
		const struct parse_str *sx = &r->str[x], *sy = &r->str[y];
		int swap = 0;

		if (parse_has(r, x) && parse_has(r, y)) {
			size_t n = sx->len < sy->len ? sx->len : sy->len;
			int c = memcmp(sx->p, sy->p, n);

			swap = c > 0 || (c == 0 && sx->len > sy->len);
		} else if (!parse_has(r, x))
			swap = 1;
		/* One tag for both: the pair is unordered. */
		mixattach(&k, r, swap ? y : x);
		mixattach(&k, r, swap ? x : y);
		mixfield(&k, r, PF_TGW_ID);
	}
	return k;
}

/* Seen within the window?  If not, remember it (evicting the oldest). */
static int
seen(struct filter *f, struct fkey k)
{
	size_t	mask = f->nslots - 1, i = (size_t)k.a & mask;
	uint32_t s;

	while ((s = f->slots[i]) != 0) {
		const struct fkey *o = &f->ring[s - 1];

		if (o->a == k.a && o->b == k.b)
			return 1;
		i = (i + 1) & mask;
	}
	if (f->count == f->window) {
		/* Evict the oldest: delete its slot, then re-place its run. */
		const struct fkey *old = &f->ring[f->head];
		size_t j = (size_t)old->a & mask;

		while (f->slots[j] != f->head + 1)
			j = (j + 1) & mask;
		f->slots[j] = 0;
		for (j = (j + 1) & mask; f->slots[j] != 0;
		    j = (j + 1) & mask) {
			uint32_t v = f->slots[j];
			size_t h = (size_t)f->ring[v - 1].a & mask;

			f->slots[j] = 0;
			while (f->slots[h] != 0)
				h = (h + 1) & mask;
			f->slots[h] = v;
		}
		f->count--;
	}
	f->ring[f->head] = k;
	i = (size_t)k.a & mask;
	while (f->slots[i] != 0)
		i = (i + 1) & mask;
	f->slots[i] = (uint32_t)(f->head + 1);
	f->head = (f->head + 1) % f->window;
	f->count++;
	return 0;
}

/* Totals stop at 2^64-1 instead of wrapping, as the exported totals do. */
static uint64_t
sat_add(uint64_t a, uint64_t b)
{
	return a + b < a ? UINT64_MAX : a + b;
}

static int
removed(struct filter *f, enum filter_id id, const struct parse_record *r)
{
	struct filter_removed *c = &f->removed[id];

	c->records++;
	if (parse_has(r, PF_PACKETS))
		c->packets = sat_add(c->packets, r->packets);
	if (parse_has(r, PF_BYTES))
		c->bytes = sat_add(c->bytes, r->bytes);
	return (int)id;
}

int
filter_match(struct filter *f, const struct parse_record *r, int *cannot)
{
	*cannot = FILTER_KEEP;
	if (!f->any)
		return FILTER_KEEP;
	if (f->on[FILTER_DIRECTION]) {
		if (!parse_has(r, PF_FLOW_DIRECTION))
			*cannot = FILTER_DIRECTION;
		else if (r->direction != f->direction)
			return removed(f, FILTER_DIRECTION, r);
	}
	if (f->on[FILTER_ACTION]) {
		if (!parse_has(r, PF_ACTION))
			*cannot = FILTER_ACTION;
		else if (r->action != f->action)
			return removed(f, FILTER_ACTION, r);
	}
	if (f->on[FILTER_ACCOUNT] && !inlist(&f->account, r, PF_ACCOUNT_ID))
		return removed(f, FILTER_ACCOUNT, r);
	if (f->on[FILTER_VPC] && !inlist(&f->vpc, r, PF_VPC_ID) &&
	    !inlist(&f->vpc, r, PF_TGW_SRC_VPC_ID) &&
	    !inlist(&f->vpc, r, PF_TGW_DST_VPC_ID))
		return removed(f, FILTER_VPC, r);
	if (f->on[FILTER_INTERFACE] &&
	    !inlist(&f->iface, r, PF_INTERFACE_ID) &&
	    !inlist(&f->iface, r, PF_TGW_ATTACHMENT_ID) &&
	    !inlist(&f->iface, r, PF_TGW_PAIR_ATTACHMENT_ID))
		return removed(f, FILTER_INTERFACE, r);
	if (f->on[FILTER_SINCE] && (!parse_has(r, PF_END) ||
	    r->end < f->since))
		return removed(f, FILTER_SINCE, r);
	if (f->on[FILTER_UNTIL] && (!parse_has(r, PF_END) ||
	    r->end >= f->until))
		return removed(f, FILTER_UNTIL, r);
	if (f->on[FILTER_DEDUP] && seen(f, flowkey(r)))
		return removed(f, FILTER_DEDUP, r);
	return FILTER_KEEP;
}
