/* tests/unit_ipfix.c: tests of the IPFIX encoder (templates, records, message tiling). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ipfix.h"
#include "sink.h"
#include "unit.h"

/*
 * Hand-checked vectors.  Template Record (RFC 7011 3.4.1): Template ID,
 * Field Count, then per field the IE number (enterprise bit clear) and its
 * length.  IE numbers from the IANA registry: sourceIPv4Address 8,
 * destinationIPv4Address 12, sourceTransportPort 7, destinationTransportPort
 * 11, protocolIdentifier 4, tcpControlBits 6, packetDeltaCount 2,
 * octetDeltaCount 1, flowStartMilliseconds 152, flowEndMilliseconds 153,
 * forwardingStatus 89, ingressInterface 10, egressInterface 14.
 *
 * The template id is 256 + (addr * 2048 + bits) * 3 + fwd (ipfix.c):
 * addr 3 (IPv4, both addresses, no NAT); bits = ports 1 + proto 2 +
 * packets 4 + bytes 8 + times 16 + tcpflags 32 + inif 128 + outif 256 = 447;
 * fwd 1 (forwardingStatus, no drops): 256 + (6144 + 447) * 3 + 1 = 20030 =
 * 0x4e3e.  The id is pinned here on purpose: it must not change between
 * versions, or two exporters feeding one collector disagree.
 */
static const uint8_t tmpl_a[] = {
	0x4e, 0x3e, 0x00, 0x0d,
	0x00, 0x08, 0x00, 0x04,		/* sourceIPv4Address */
	0x00, 0x0c, 0x00, 0x04,		/* destinationIPv4Address */
	0x00, 0x07, 0x00, 0x02,		/* sourceTransportPort */
	0x00, 0x0b, 0x00, 0x02,		/* destinationTransportPort */
	0x00, 0x04, 0x00, 0x01,		/* protocolIdentifier */
	0x00, 0x06, 0x00, 0x01,		/* tcpControlBits */
	0x00, 0x02, 0x00, 0x08,		/* packetDeltaCount */
	0x00, 0x01, 0x00, 0x08,		/* octetDeltaCount */
	0x00, 0x98, 0x00, 0x08,		/* flowStartMilliseconds */
	0x00, 0x99, 0x00, 0x08,		/* flowEndMilliseconds */
	0x00, 0x59, 0x00, 0x01,		/* forwardingStatus */
	0x00, 0x0a, 0x00, 0x04,		/* ingressInterface */
	0x00, 0x0e, 0x00, 0x04,		/* egressInterface */
};

/*
 * The record of the v2 sample line 2 123456789012 eni-... 10.0.1.103
 * 172.31.1.20 24989 22 6 421 478677 1764201600 1764201655 ACCEPT OK, with
 * tcp-flags 19, interface index 16 and the ACCEPT pseudo-interface 1.
 */
static const uint8_t rec_a[] = {
	0x0a, 0x00, 0x01, 0x67,				/* 10.0.1.103 */
	0xac, 0x1f, 0x01, 0x14,				/* 172.31.1.20 */
	0x61, 0x9d,					/* 24989 */
	0x00, 0x16,					/* 22 */
	0x06,						/* TCP */
	0x13,						/* SYN ACK FIN */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0xa5,	/* 421 */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x07, 0x4d, 0xd5,	/* 478677 */
	0x00, 0x00, 0x01, 0x9a, 0xc2, 0x9c, 0x14, 0x00,	/* 1764201600000 */
	0x00, 0x00, 0x01, 0x9a, 0xc2, 0x9c, 0xea, 0xd8,	/* 1764201655000 */
	0x40,						/* forwarded */
	0x00, 0x00, 0x00, 0x10,				/* 16 */
	0x00, 0x00, 0x00, 0x01,				/* 1 */
};

/*
 * IPv6 with the postNAT pair, packets, direction, VRFs and drops:
 * addr 1 + 4 (IPv6) + 3 (both, NAT) = 8; bits = packets 4 + direction 64 +
 * invrf 512 + outvrf 1024 = 1604; fwd 2 (with droppedPacketDeltaCount):
 * 256 + (16384 + 1604) * 3 + 2 = 54222 = 0xd3ce.  IEs: sourceIPv6Address
 * 27, destinationIPv6Address 28, postNATSourceIPv6Address 281,
 * postNATDestinationIPv6Address 282, flowDirection 61, ingressVRFID 234,
 * egressVRFID 235, droppedPacketDeltaCount 133.
 */
static const uint8_t tmpl_b[] = {
	0xd3, 0xce, 0x00, 0x0a,
	0x00, 0x1b, 0x00, 0x10,		/* sourceIPv6Address */
	0x00, 0x1c, 0x00, 0x10,		/* destinationIPv6Address */
	0x01, 0x19, 0x00, 0x10,		/* postNATSourceIPv6Address */
	0x01, 0x1a, 0x00, 0x10,		/* postNATDestinationIPv6Address */
	0x00, 0x02, 0x00, 0x08,		/* packetDeltaCount */
	0x00, 0x59, 0x00, 0x01,		/* forwardingStatus */
	0x00, 0x3d, 0x00, 0x01,		/* flowDirection */
	0x00, 0xea, 0x00, 0x04,		/* ingressVRFID */
	0x00, 0xeb, 0x00, 0x04,		/* egressVRFID */
	0x00, 0x85, 0x00, 0x08,		/* droppedPacketDeltaCount */
};

static const uint8_t rec_b[] = {
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,
	0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0x02, 0x11, 0x22, 0xff, 0xfe, 0x33,
	0x44, 0x55,
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02,
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x03,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,	/* 2^64-1 */
	0x83,						/* unroutable */
	0x01,						/* egress */
	0x00, 0x00, 0x00, 0x01,
	0x00, 0x00, 0x00, 0x02,
	0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
};

/* Packets only, no address: addr 0, bits 4, fwd 0: 256 + 12 = 0x010c. */
static const uint8_t tmpl_c[] = {
	0x01, 0x0c, 0x00, 0x01,
	0x00, 0x02, 0x00, 0x08,
};

/*
 * Options Template Sets (RFC 7011 3.4.2.2): set id 3, one template each:
 * Template ID, Field Count, Scope Field Count, fields.  interfaceName 82,
 * interfaceDescription 83, observationDomainId 149, VRFname 236; 65535 is
 * a variable length.
 */
static const uint8_t oset_65000[] = {
	0x00, 0x03, 0x00, 0x16,
	0xfd, 0xe8, 0x00, 0x03, 0x00, 0x01,
	0x00, 0x0a, 0x00, 0x04, 0x00, 0x52, 0xff, 0xff, 0x00, 0x53, 0xff, 0xff,
};
static const uint8_t oset_65001[] = {
	0x00, 0x03, 0x00, 0x16,
	0xfd, 0xe9, 0x00, 0x03, 0x00, 0x01,
	0x00, 0x95, 0x00, 0x04, 0x00, 0x0a, 0x00, 0x04, 0x00, 0x53, 0x00, 0x40,
};
static const uint8_t oset_65002[] = {
	0x00, 0x03, 0x00, 0x12,
	0xfd, 0xea, 0x00, 0x02, 0x00, 0x01,
	0x00, 0xea, 0x00, 0x04, 0x00, 0xec, 0xff, 0xff,
};
static const uint8_t oset_65003[] = {
	0x00, 0x03, 0x00, 0x16,
	0xfd, 0xeb, 0x00, 0x03, 0x00, 0x01,
	0x00, 0x95, 0x00, 0x04, 0x00, 0xea, 0x00, 0x04, 0x00, 0xec, 0x00, 0x40,
};

static void
fill_a(struct ipfix_flow *f)
{
	static const uint8_t s[4] = { 10, 0, 1, 103 }, d[4] = { 172, 31, 1, 20 };

	memset(f, 0, sizeof(*f));
	f->has = IPFIX_HAS_SRC | IPFIX_HAS_DST | IPFIX_HAS_PORTS |
	    IPFIX_HAS_PROTO | IPFIX_HAS_TCPFLAGS | IPFIX_HAS_PACKETS |
	    IPFIX_HAS_BYTES | IPFIX_HAS_TIMES | IPFIX_HAS_FWD |
	    IPFIX_HAS_INIF | IPFIX_HAS_OUTIF;
	f->family = 4;
	memcpy(f->src, s, 4);
	memcpy(f->dst, d, 4);
	f->sport = 24989;
	f->dport = 22;
	f->proto = 6;
	f->tcpflags = 19;
	f->packets = 421;
	f->bytes = 478677;
	f->start_ms = UINT64_C(1764201600000);
	f->end_ms = UINT64_C(1764201655000);
	f->fwd = IPFIX_FWD_FORWARDED;
	f->in_if = 16;
	f->out_if = 1;
}

static void
fill_b(struct ipfix_flow *f)
{
	memset(f, 0, sizeof(*f));
	f->has = IPFIX_HAS_SRC | IPFIX_HAS_DST | IPFIX_HAS_NAT |
	    IPFIX_HAS_PACKETS | IPFIX_HAS_DIRECTION | IPFIX_HAS_INVRF |
	    IPFIX_HAS_OUTVRF | IPFIX_HAS_FWD | IPFIX_HAS_DROPPED;
	f->family = 6;
	f->nat_family = 6;
	memcpy(f->src, rec_b, 16);
	memcpy(f->dst, rec_b + 16, 16);
	memcpy(f->nat_src, rec_b + 32, 16);
	memcpy(f->nat_dst, rec_b + 48, 16);
	f->packets = UINT64_MAX;
	f->fwd = IPFIX_FWD_UNROUTABLE;
	f->direction = 1;
	f->in_vrf = 1;
	f->out_vrf = 2;
	f->dropped = UINT64_C(0x0102030405060708);
	/* Values of absent groups must not show. */
	f->sport = 1;
	f->bytes = 5;
	f->in_if = 7;
}

static void
hexdump(const char *what, const uint8_t *p, size_t n)
{
	size_t i;

	printf("# %s:", what);
	for (i = 0; i < n; i++)
		printf(" %02x", p[i]);
	printf("\n");
}

static void
test_vectors(void)
{
	struct ipfix_flow	f;
	uint8_t			buf[512];
	size_t			n;

	fill_a(&f);
	n = ipfix_template_record(&f, buf, sizeof(buf));
	ASSERT("template A bytes", n == sizeof(tmpl_a) &&
	    memcmp(buf, tmpl_a, n) == 0);
	if (n != sizeof(tmpl_a) || memcmp(buf, tmpl_a, n) != 0)
		hexdump("got", buf, n);
	ASSERT("template A id", ipfix_template_id(&f) == 0x4e3e);
	ASSERT("record A length", ipfix_record_length(&f) == sizeof(rec_a));
	n = ipfix_encode_flow(&f, buf, sizeof(buf));
	ASSERT("record A bytes", n == sizeof(rec_a) &&
	    memcmp(buf, rec_a, n) == 0);
	if (n != sizeof(rec_a) || memcmp(buf, rec_a, n) != 0)
		hexdump("got", buf, n);
	/* Too small a buffer: 0, not a partial record. */
	ASSERT("record A short buffer", ipfix_encode_flow(&f, buf,
	    sizeof(rec_a) - 1) == 0);
	ASSERT("template A short buffer", ipfix_template_record(&f, buf,
	    sizeof(tmpl_a) - 1) == 0);

	fill_b(&f);
	n = ipfix_template_record(&f, buf, sizeof(buf));
	ASSERT("template B bytes", n == sizeof(tmpl_b) &&
	    memcmp(buf, tmpl_b, n) == 0);
	if (n != sizeof(tmpl_b) || memcmp(buf, tmpl_b, n) != 0)
		hexdump("got", buf, n);
	ASSERT("template B id", ipfix_template_id(&f) == 0xd3ce);
	n = ipfix_encode_flow(&f, buf, sizeof(buf));
	ASSERT("record B bytes", n == sizeof(rec_b) &&
	    memcmp(buf, rec_b, n) == 0);
	if (n != sizeof(rec_b) || memcmp(buf, rec_b, n) != 0)
		hexdump("got", buf, n);

	memset(&f, 0, sizeof(f));
	f.has = IPFIX_HAS_PACKETS;
	f.family = 6;		/* no address: the family does not count */
	n = ipfix_template_record(&f, buf, sizeof(buf));
	ASSERT("template C bytes", n == sizeof(tmpl_c) &&
	    memcmp(buf, tmpl_c, n) == 0);
	ASSERT("template C id", ipfix_template_id(&f) == 0x010c);
}

/*
 * The elements each group contributes, written out independently of
 * ipfix.c's table: { group, family (0 any), IE, length }.
 */
static const struct {
	uint32_t	group;
	uint8_t		family;
	uint16_t	ie, len;
} expect_rows[] = {
	{ IPFIX_HAS_SRC, 4, 8, 4 }, { IPFIX_HAS_SRC, 6, 27, 16 },
	{ IPFIX_HAS_DST, 4, 12, 4 }, { IPFIX_HAS_DST, 6, 28, 16 },
	{ IPFIX_HAS_NAT, 4, 225, 4 }, { IPFIX_HAS_NAT, 4, 226, 4 },
	{ IPFIX_HAS_NAT, 6, 281, 16 }, { IPFIX_HAS_NAT, 6, 282, 16 },
	{ IPFIX_HAS_PORTS, 0, 7, 2 }, { IPFIX_HAS_PORTS, 0, 11, 2 },
	{ IPFIX_HAS_PROTO, 0, 4, 1 }, { IPFIX_HAS_PACKETS, 0, 2, 8 },
	{ IPFIX_HAS_BYTES, 0, 1, 8 }, { IPFIX_HAS_TIMES, 0, 152, 8 },
	{ IPFIX_HAS_TIMES, 0, 153, 8 }, { IPFIX_HAS_TCPFLAGS, 0, 6, 1 },
	{ IPFIX_HAS_DIRECTION, 0, 61, 1 }, { IPFIX_HAS_INIF, 0, 10, 4 },
	{ IPFIX_HAS_OUTIF, 0, 14, 4 }, { IPFIX_HAS_INVRF, 0, 234, 4 },
	{ IPFIX_HAS_OUTVRF, 0, 235, 4 }, { IPFIX_HAS_FWD, 0, 89, 1 },
	{ IPFIX_HAS_DROPPED, 0, 133, 8 },
};
#define NEXPECT	(sizeof(expect_rows) / sizeof(expect_rows[0]))

/* The effective groups: NAT needs both addresses, drops need FWD. */
static uint32_t
effective(uint32_t has)
{
	if ((has & (IPFIX_HAS_SRC | IPFIX_HAS_DST)) !=
	    (IPFIX_HAS_SRC | IPFIX_HAS_DST))
		has &= ~(uint32_t)IPFIX_HAS_NAT;
	if (!(has & IPFIX_HAS_FWD))
		has &= ~(uint32_t)IPFIX_HAS_DROPPED;
	return has;
}

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

/* Element lists seen per template id, to prove ids name one list. */
static uint8_t	*seen[65536];
static size_t	 seenlen[65536];

static int
by_list(const void *a, const void *b)
{
	uint16_t	x = *(const uint16_t *)a, y = *(const uint16_t *)b;
	size_t		n = seenlen[x] < seenlen[y] ? seenlen[x] : seenlen[y];
	int		c = memcmp(seen[x], seen[y], n);

	if (c != 0)
		return c;
	return seenlen[x] < seenlen[y] ? -1 : seenlen[x] > seenlen[y];
}

static void
test_all_shapes(void)
{
	int		 fam, bad_len = 0, bad_enc = 0, bad_elems = 0;
	int		 bad_id = 0, bad_range = 0, ndistinct = 0, bad_pure = 0;
	uint32_t	 has;
	size_t		 i;

	for (fam = 4; fam <= 6; fam += 2)
		for (has = 0; has <= 0xffff; has++) {
			struct ipfix_flow	f;
			uint8_t			t[256], r[256];
			size_t			n, nr, k, sum = 0, cnt;
			uint16_t		id;
			uint32_t		eff = effective(has);
			int			want[NEXPECT], nwant = 0;

			memset(&f, 0, sizeof(f));
			f.has = has;
			f.family = (uint8_t)fam;
			f.nat_family = (uint8_t)fam;
			f.packets = has;
			n = ipfix_template_record(&f, t, sizeof(t));
			id = ipfix_template_id(&f);
			if (n < 4 || get16(t) != id) {
				bad_id++;
				continue;
			}
			if (id < 256 || id >= 65000)
				bad_range++;
			cnt = get16(t + 2);
			if (n != 4 + 4 * cnt)
				bad_len++;
			for (k = 0; k < cnt; k++)
				sum += get16(t + 4 + 4 * k + 2);
			if (ipfix_record_length(&f) != sum)
				bad_len++;
			nr = ipfix_encode_flow(&f, r, sizeof(r));
			if (nr != sum)
				bad_enc++;

			/* The element set, against the independent table. */
			for (k = 0; k < NEXPECT; k++) {
				want[k] = (eff & expect_rows[k].group) &&
				    (expect_rows[k].family == 0 ||
				    expect_rows[k].family == fam);
				nwant += want[k];
			}
			if ((size_t)nwant != cnt)
				bad_elems++;
			for (k = 0; k < cnt; k++) {
				uint16_t ie = get16(t + 4 + 4 * k);
				uint16_t len = get16(t + 6 + 4 * k);
				size_t j;
				int found = 0;

				for (j = 0; j < NEXPECT; j++)
					if (want[j] && expect_rows[j].ie == ie &&
					    expect_rows[j].len == len) {
						want[j] = 0;	/* once only */
						found = 1;
					}
				if (!found)
					bad_elems++;
			}

			/* One id, one element list, and the other way round. */
			if (seen[id] == NULL) {
				if ((seen[id] = malloc(n - 2)) == NULL)
					abort();
				memcpy(seen[id], t + 2, n - 2);
				seenlen[id] = n - 2;
				ndistinct++;
			} else if (seenlen[id] != n - 2 ||
			    memcmp(seen[id], t + 2, n - 2) != 0)
				bad_pure++;

			/* Values never change the id. */
			memset(f.src, 0xff, sizeof(f.src));
			f.packets = ~(uint64_t)has;
			f.fwd = 200;
			f.nat_family = fam == 4 ? 6 : 4;
			if (ipfix_template_id(&f) != id)
				bad_pure++;
		}
	ASSERT("all shapes: template id in the record, in range",
	    bad_id == 0 && bad_range == 0);
	ASSERT("all shapes: record length = sum of template lengths",
	    bad_len == 0);
	ASSERT("all shapes: encoded record length", bad_enc == 0);
	ASSERT("all shapes: elements as the mapping says", bad_elems == 0);
	ASSERT("all shapes: one id, one element list", bad_pure == 0);

	/*
	 * The other way: two ids never carry the same element list.  Sort
	 * the ids by their lists and compare neighbours.
	 */
	{
		uint16_t	*ids = malloc(65536 * sizeof(*ids));
		size_t		 nids = 0;
		int		 clash = 0;

		if (ids == NULL)
			abort();
		for (i = 0; i < 65536; i++)
			if (seen[i] != NULL)
				ids[nids++] = (uint16_t)i;
		qsort(ids, nids, sizeof(*ids), by_list);
		for (i = 1; i < nids; i++)
			if (by_list(&ids[i - 1], &ids[i]) == 0)
				clash++;
		ASSERT("all shapes: distinct lists never share an id",
		    clash == 0);
		free(ids);
	}
	/*
	 * Every shape without NAT/drop redundancy is reachable: 9 address
	 * states * 2^11 * 3 forwarding states.
	 */
	ASSERT("all shapes: distinct lists", ndistinct == 9 * 2048 * 3);
	for (i = 0; i < 65536; i++)
		free(seen[i]);
}

/*
 * Message tiling.  Records are fed to an exporter whose sink is a temp
 * file; the file is read back and walked with a strict RFC 7011 reader
 * written here: every length exact, sets tile messages and records tile
 * sets with no padding, templates come before their data, sequence numbers
 * count the data records before, and no message exceeds the budget.
 */
#define EXPORT_TIME	1764201700u
#define DOMAIN		0x01020304u
#define MAXREC		2000

struct expect {
	uint8_t		rec[600];
	size_t		len;
	uint16_t	setid;
};

static struct expect	*want;		/* data records in order */
static size_t		 nwant;

/* Templates as the reader learned them: field lengths, 65535 varlen. */
struct tmpl {
	int		 known;
	uint16_t	 nfields;
	uint16_t	 len[64];
};
static struct tmpl	tmpls[65536];

static uint32_t	rng = 12345;

static uint32_t
rnd(void)
{
	rng = rng * 1103515245u + 12345u;
	return rng >> 8;
}

static void
random_flow(struct ipfix_flow *f)
{
	size_t i;

	memset(f, 0, sizeof(*f));
	f->has = rnd() & 0xffff;
	f->family = rnd() & 1 ? 6 : 4;
	f->nat_family = f->family;
	for (i = 0; i < 16; i++) {
		f->src[i] = (uint8_t)rnd();
		f->dst[i] = (uint8_t)rnd();
		f->nat_src[i] = (uint8_t)rnd();
		f->nat_dst[i] = (uint8_t)rnd();
	}
	f->sport = (uint16_t)rnd();
	f->dport = (uint16_t)rnd();
	f->proto = (uint8_t)rnd();
	f->tcpflags = (uint8_t)rnd();
	f->direction = rnd() & 1;
	f->fwd = (uint8_t)rnd();
	f->packets = (uint64_t)rnd() << 40 | rnd();
	f->bytes = (uint64_t)rnd() << 40 | rnd();
	f->start_ms = rnd();
	f->end_ms = rnd();
	f->dropped = rnd();
	f->in_if = rnd();
	f->out_if = rnd();
	f->in_vrf = rnd();
	f->out_vrf = rnd();
}

/* A string of n octets: ASCII, or 2-octet UTF-8 characters. */
static void
make_name(char *buf, size_t n, int utf8)
{
	size_t i;

	for (i = 0; i < n; i++)
		buf[i] = utf8 && i + 1 - i % 2 < n ? (char)(i % 2 ? 0xa9 : 0xc3) :
		    (char)('a' + i % 26);
	buf[n] = '\0';
}

/*
 * A variable-length string (RFC 7011 7): one length octet below 255,
 * else 255 and a two-octet length.
 */
/* Octets of str kept when cut to max octets on a UTF-8 boundary. */
static size_t
cut(const char *str, size_t max)
{
	size_t n = strlen(str);

	if (n <= max)
		return n;
	n = max;
	while (n > 0 && ((unsigned char)str[n] & 0xc0) == 0x80)
		n--;
	return n;
}

static void
put_varlen(struct expect *w, const char *str, size_t max)
{
	size_t n = cut(str, max);

	if (n < 255)
		w->rec[w->len++] = (uint8_t)n;
	else {
		w->rec[w->len++] = 255;
		w->rec[w->len++] = (uint8_t)(n >> 8);
		w->rec[w->len++] = (uint8_t)n;
	}
	memcpy(w->rec + w->len, str, n);
	w->len += n;
}

/* The options records ipfix_add_name should produce, per template. */
static void
expect_names(size_t msgsize, int vrf, uint32_t index, const char *nm,
    const char *descr)
{
	struct expect	*w;
	size_t		 n;
	const char	*shown = descr[0] != '\0' ? descr : nm;

	if (!vrf) {
		w = &want[nwant++];
		w->setid = 65000;
		w->len = 0;
		w->rec[w->len++] = (uint8_t)(index >> 24);
		w->rec[w->len++] = (uint8_t)(index >> 16);
		w->rec[w->len++] = (uint8_t)(index >> 8);
		w->rec[w->len++] = (uint8_t)index;
		/*
		 * The description gives way when the record would not fit
		 * in one message: index, name with its length, 3 octets for
		 * the description's length.
		 */
		size_t nl = cut(nm, IPFIX_NAME_MAX), fit;

		fit = msgsize - 16 - 4 - 4 - (nl < 255 ? 1 : 3) - nl - 3;
		put_varlen(w, nm, IPFIX_NAME_MAX);
		put_varlen(w, descr, fit < IPFIX_NAME_MAX ? fit :
		    IPFIX_NAME_MAX);
	} else {
		w = &want[nwant++];
		w->setid = 65002;
		w->len = 0;
		w->rec[w->len++] = (uint8_t)(index >> 24);
		w->rec[w->len++] = (uint8_t)(index >> 16);
		w->rec[w->len++] = (uint8_t)(index >> 8);
		w->rec[w->len++] = (uint8_t)index;
		put_varlen(w, shown, IPFIX_NAME_MAX);
	}
	/* nfdump layout: domain, index, 64 octets, the last one NUL. */
	w = &want[nwant++];
	w->setid = vrf ? 65003 : 65001;
	w->len = 72;
	memset(w->rec, 0, 72);
	w->rec[0] = (uint8_t)(DOMAIN >> 24);
	w->rec[1] = (uint8_t)(DOMAIN >> 16);
	w->rec[2] = (uint8_t)(DOMAIN >> 8);
	w->rec[3] = (uint8_t)DOMAIN;
	w->rec[4] = (uint8_t)(index >> 24);
	w->rec[5] = (uint8_t)(index >> 16);
	w->rec[6] = (uint8_t)(index >> 8);
	w->rec[7] = (uint8_t)index;
	n = cut(shown, 63);
	memcpy(w->rec + 8, shown, n);
}

/* Check the file; returns the number of problems, printing the first. */
static int
walk(const uint8_t *p, size_t len, size_t msgsize, size_t *nmsg,
    int *osets_ok)
{
	size_t		 off = 0, rec = 0;
	uint32_t	 seq = 0;
	int		 bad = 0;
	int		 oseen[4] = { 0, 0, 0, 0 };

#define BAD(...) do { if (bad++ == 0) { printf("# "); \
	printf(__VA_ARGS__); printf("\n"); } } while (0)

	memset(tmpls, 0, sizeof(tmpls));
	*nmsg = 0;
	while (off < len) {
		size_t mlen, pos;
		uint32_t mrecs = 0;

		if (len - off < 16) {
			BAD("%zu: short message header", off);
			break;
		}
		mlen = get16(p + off + 2);
		if (get16(p + off) != 10)
			BAD("%zu: version %u", off, get16(p + off));
		if (mlen < 16 || mlen > len - off) {
			BAD("%zu: message length %zu", off, mlen);
			break;
		}
		if (mlen > msgsize)
			BAD("%zu: message of %zu > budget %zu", off, mlen,
			    msgsize);
		if (mlen == 16)
			BAD("%zu: empty message", off);
		if (get32(p + off + 4) != EXPORT_TIME)
			BAD("%zu: export time", off);
		if (get32(p + off + 8) != seq)
			BAD("%zu: sequence %u, expected %u", off,
			    get32(p + off + 8), seq);
		if (get32(p + off + 12) != DOMAIN)
			BAD("%zu: domain", off);
		pos = 16;
		while (pos < mlen) {
			const uint8_t	*s = p + off + pos;
			size_t		 slen, q;
			uint16_t	 sid;

			if (mlen - pos < 4) {
				BAD("%zu: short set header", off + pos);
				break;
			}
			sid = get16(s);
			slen = get16(s + 2);
			if (slen < 4 || slen > mlen - pos) {
				BAD("%zu: set length %zu", off + pos, slen);
				break;
			}
			if (slen == 4)
				BAD("%zu: empty set %u", off + pos, sid);
			q = 4;
			if (sid == 2 || sid == 3) {
				int ntmpl = 0;

				while (q < slen) {
					uint16_t tid, nf, sc = 0, k;
					size_t h = sid == 3 ? 6 : 4;

					if (slen - q < h) {
						BAD("%zu: template header cut",
						    off + pos + q);
						break;
					}
					tid = get16(s + q);
					nf = get16(s + q + 2);
					if (sid == 3)
						sc = get16(s + q + 4);
					if (tid < 256 || nf == 0 || nf > 64 ||
					    (sid == 3 && (sc == 0 || sc > nf)) ||
					    slen - q < h + 4u * nf) {
						BAD("%zu: bad template %u",
						    off + pos + q, tid);
						q = slen;
						break;
					}
					tmpls[tid].known = 1;
					tmpls[tid].nfields = nf;
					for (k = 0; k < nf; k++) {
						if (get16(s + q + h + 4 * k) &
						    0x8000)
							BAD("enterprise bit");
						tmpls[tid].len[k] = get16(s + q +
						    h + 4 * k + 2);
					}
					if (sid == 3 && tid >= 65000 &&
					    tid <= 65003) {
						static const uint8_t *const v[] = {
						    oset_65000, oset_65001,
						    oset_65002, oset_65003 };
						static const size_t vl[] = {
						    sizeof(oset_65000),
						    sizeof(oset_65001),
						    sizeof(oset_65002),
						    sizeof(oset_65003) };

						if (slen == vl[tid - 65000] &&
						    memcmp(s, v[tid - 65000],
						    slen) == 0)
							oseen[tid - 65000] = 1;
						else
							BAD("options template "
							    "%u bytes", tid);
					}
					q += h + 4u * nf;
					ntmpl++;
				}
				if (sid == 3 && ntmpl != 1)
					BAD("%zu: %d options templates in one "
					    "set", off + pos, ntmpl);
			} else if (sid >= 256) {
				if (!tmpls[sid].known) {
					BAD("%zu: data set %u before its "
					    "template", off + pos, sid);
					q = slen;
				}
				while (q < slen) {
					size_t start = q, k;

					for (k = 0; k < tmpls[sid].nfields;
					    k++) {
						size_t fl = tmpls[sid].len[k];

						if (fl == 65535) {
							if (q >= slen)
								break;
							fl = s[q++];
							if (fl == 255) {
								if (slen - q < 2)
									break;
								fl = get16(s + q);
								q += 2;
							}
						}
						q += fl;
					}
					if (q > slen) {
						BAD("%zu: record overruns its "
						    "set (padding?)", off + pos);
						break;
					}
					if (rec >= nwant)
						BAD("more records than added");
					else if (want[rec].setid != sid ||
					    want[rec].len != q - start ||
					    memcmp(want[rec].rec, s + start,
					    q - start) != 0)
						BAD("%zu: record %zu differs "
						    "(set %u, want %u, len %zu, "
						    "want %zu)", off + pos + start,
						    rec, sid, want[rec].setid,
						    q - start, want[rec].len);
					rec++;
					mrecs++;
				}
			} else
				BAD("%zu: set id %u", off + pos, sid);
			pos += slen;
		}
		seq += mrecs;
		off += mlen;
		(*nmsg)++;
	}
	if (rec != nwant)
		BAD("%zu records in the file, %zu added", rec, nwant);
	*osets_ok = oseen[0] && oseen[1] && oseen[2] && oseen[3];
#undef BAD
	return bad;
}

static uint8_t *
slurp(const char *path, size_t *len)
{
	FILE	*fp = fopen(path, "rb");
	uint8_t	*buf;
	long	 n;

	if (fp == NULL || fseek(fp, 0, SEEK_END) != 0 || (n = ftell(fp)) < 0)
		abort();
	rewind(fp);
	if ((buf = malloc((size_t)n + 1)) == NULL ||
	    fread(buf, 1, (size_t)n, fp) != (size_t)n)
		abort();
	fclose(fp);
	*len = (size_t)n;
	return buf;
}

static void
test_messages(size_t msgsize, int nflows, int names)
{
	struct ipfix_config	 cfg;
	struct ipfix_exporter	*e;
	struct sink		*sk;
	const char		*why;
	char			 path[512];
	char			 tname[120], nm[300], ds[300];
	int			 fd, i, rc = 0, osets_ok = 0;
	uint8_t			*file;
	size_t			 len, nmsg = 0, budget = msgsize;
	const struct ipfix_stats *st;

	/* Budgets under 512 are raised to 512: an interface name must fit. */
	if (msgsize < 512)
		budget = 512;
	snprintf(path, sizeof(path), "%s/unit_ipfix.XXXXXX",
	    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
	if ((fd = mkstemp(path)) == -1)
		abort();
	close(fd);
	if ((sk = sink_file_open(path, 0, &why)) == NULL)
		abort();
	memset(&cfg, 0, sizeof(cfg));
	cfg.msgsize = msgsize;
	cfg.domain = DOMAIN;
	cfg.fixed_time = 1;
	cfg.export_time = EXPORT_TIME;
	cfg.copies = 1;
	if ((e = ipfix_new(&cfg, sk)) == NULL)
		abort();
	nwant = 0;
	for (i = 0; i < nflows && nwant + 4 < MAXREC; i++) {
		struct ipfix_flow f;
		struct expect *w;

		if (names && i % 50 == 7) {
			/* Names of every size, up to the longest allowed. */
			size_t n1 = (size_t)(i * 37) % (IPFIX_NAME_MAX + 1);
			size_t n2 = i % 100 == 7 ? IPFIX_NAME_MAX :
			    (size_t)(i * 11) % 290;

			make_name(nm, n1 ? n1 : 1, 0);
			make_name(ds, n2, (i / 50) % 2);
			if (ipfix_add_name(e, i % 100 == 7 ? IPFIX_TABLE_IF :
			    IPFIX_TABLE_VRF, (uint32_t)i, nm, ds) == -1)
				rc = -1;
			expect_names(budget, i % 100 != 7, (uint32_t)i, nm, ds);
		}
		random_flow(&f);
		if (ipfix_add_flow(e, &f) == -1)
			rc = -1;
		w = &want[nwant++];
		w->len = ipfix_encode_flow(&f, w->rec, sizeof(w->rec));
		w->setid = ipfix_template_id(&f);
	}
	if (ipfix_flush(e) == -1 || sink_close(sk) == -1)
		rc = -1;
	st = ipfix_stats(e);
	snprintf(tname, sizeof(tname), "messages %zu/%d%s", msgsize, nflows,
	    names ? "+names" : "");
	file = slurp(path, &len);
	ASSERT(tname, rc == 0 && walk(file, len, budget, &nmsg,
	    &osets_ok) == 0);
	snprintf(tname, sizeof(tname), "messages %zu/%d%s: stats", msgsize,
	    nflows, names ? "+names" : "");
	ASSERT(tname, st->messages == nmsg && st->octets == len &&
	    st->flows + st->options == nwant);
	if (names) {
		snprintf(tname, sizeof(tname), "messages %zu: options "
		    "template sets as written out", msgsize);
		ASSERT(tname, osets_ok);
	}
	ipfix_free(e);
	sink_free(sk);
	free(file);
	unlink(path);
}

int
main(void)
{
	test_vectors();
	test_all_shapes();
	if ((want = calloc(MAXREC, sizeof(*want))) == NULL)
		abort();
	test_messages(65535, 1500, 0);
	test_messages(65535, 1500, 1);
	test_messages(1400, 1500, 1);
	test_messages(512, 1500, 0);
	test_messages(512, 1500, 1);
	test_messages(513, 300, 1);
	test_messages(512, 1, 0);
	test_messages(512, 0, 0);
	test_messages(64, 300, 1);
	free(want);
	return unit_failed != 0;
}
