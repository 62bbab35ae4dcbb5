/*
 * bench_ref.c: the benchmark's floor, a careful scalar C parse loop: read a
 * flow log in big blocks, find line ends with memchr, split each line into
 * fields in place, parse the numbers, IPv4 addresses and ids a converter
 * needs, and pack a 60-byte big-endian record, written out in 64 KiB
 * blocks.  Every line ends in '\n' in the buffer (the last one gets one),
 * so the scans stop at a separator or the line end without a bounds check
 * per byte, and ids are hashed while they are scanned.  It validates less
 * than fl2ipfix (no UTF-8 check of strings, no check of columns it does
 * not use, no field-count message) and knows nothing of IPFIX framing: it
 * is what a hand-written converter costs at least.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <err.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BLOCK		(1024 * 1024)
#define MAXLINE		65536
#define MAXCOL		128
#define RECLEN		60
#define IDCAP		(1 << 16)

enum kind {
	K_SKIP, K_U8, K_U16, K_U64, K_TIME, K_ADDR, K_ID_IF, K_ID_VRF,
	K_ACTION, K_STATUS, K_DIR
};

/* Where a field goes in the record. */
enum slot {
	S_NONE, S_SRC, S_DST, S_PSRC, S_PDST, S_SPORT, S_DPORT, S_PROTO,
	S_FLAGS, S_PACKETS, S_BYTES, S_START, S_END, S_IF, S_VRF, S_ACTION,
	S_STATUS, S_DIR
};

static const struct {
	const char	*name;
	uint8_t		 kind, slot;
} known[] = {
	{ "srcaddr", K_ADDR, S_SRC }, { "dstaddr", K_ADDR, S_DST },
	{ "pkt-srcaddr", K_ADDR, S_PSRC }, { "pkt-dstaddr", K_ADDR, S_PDST },
	{ "srcport", K_U16, S_SPORT }, { "dstport", K_U16, S_DPORT },
	{ "protocol", K_U8, S_PROTO }, { "tcp-flags", K_U8, S_FLAGS },
	{ "packets", K_U64, S_PACKETS }, { "bytes", K_U64, S_BYTES },
	{ "start", K_TIME, S_START }, { "end", K_TIME, S_END },
	{ "interface-id", K_ID_IF, S_IF }, { "vpc-id", K_ID_VRF, S_VRF },
	{ "action", K_ACTION, S_ACTION }, { "log-status", K_STATUS, S_STATUS },
	{ "flow-direction", K_DIR, S_DIR },
};

struct rec {
	uint32_t	src, dst, psrc, pdst, inif, vrf;
	uint64_t	packets, bytes, start, end;
	uint16_t	sport, dport;
	uint8_t		proto, flags, action, status, dir, v6;
};

struct idtab {
	char		*key[IDCAP];
	uint32_t	 klen[IDCAP];
	uint32_t	 val[IDCAP];
	uint32_t	 next;
};

static uint8_t		kinds[MAXCOL], slots[MAXCOL];
static size_t		ncol;
static struct idtab	ifs, vrfs;
static uint8_t		obuf[65536];
static size_t		olen;
static unsigned long long nrec, nbad;

static void
flush_out(void)
{
	size_t off = 0;

	while (off < olen) {
		ssize_t w = write(STDOUT_FILENO, obuf + off, olen - off);

		if (w <= 0)
			err(1, "write");
		off += (size_t)w;
	}
	olen = 0;
}

/* The integer of id s (n bytes), h its hash. */
static uint32_t
idget(struct idtab *t, const char *s, size_t n, uint64_t h)
{
	size_t i;

	for (i = (h ^ h >> 29) & (IDCAP - 1);; i = (i + 1) & (IDCAP - 1)) {
		if (t->key[i] == NULL) {
			if ((t->key[i] = malloc(n)) == NULL)
				err(1, NULL);
			memcpy(t->key[i], s, n);
			t->klen[i] = (uint32_t)n;
			t->val[i] = ++t->next;
			return t->val[i];
		}
		if (t->klen[i] == n && memcmp(t->key[i], s, n) == 0)
			return t->val[i];
	}
}

static void
put(uint8_t *p, uint64_t v, int n)
{
	while (n-- > 0) {
		p[n] = (uint8_t)v;
		v >>= 8;
	}
}

static void
pack(const struct rec *r)
{
	uint8_t *p;

	if (olen + RECLEN > sizeof(obuf))
		flush_out();
	p = obuf + olen;
	put(p, r->psrc ? r->psrc : r->src, 4);
	put(p + 4, r->pdst ? r->pdst : r->dst, 4);
	put(p + 8, r->sport, 2);
	put(p + 10, r->dport, 2);
	p[12] = r->proto;
	p[13] = r->flags;
	put(p + 14, r->packets, 8);
	put(p + 22, r->bytes, 8);
	put(p + 30, r->start * 1000, 8);
	put(p + 38, r->end * 1000, 8);
	put(p + 46, r->inif, 4);
	put(p + 50, r->action, 4);
	put(p + 54, r->vrf, 4);
	p[58] = r->action == 1 ? 64 : 129;
	p[59] = r->dir;
	olen += RECLEN;
}

static void
header(const char *s, size_t n)
{
	size_t i = 0, k;

	ncol = 0;
	while (i < n && ncol < MAXCOL) {
		size_t start = i;

		while (i < n && s[i] != ' ')
			i++;
		kinds[ncol] = K_SKIP;
		slots[ncol] = S_NONE;
		for (k = 0; k < sizeof(known) / sizeof(known[0]); k++)
			if (strlen(known[k].name) == i - start &&
			    memcmp(known[k].name, s + start, i - start) == 0) {
				kinds[ncol] = known[k].kind;
				slots[ncol] = known[k].slot;
			}
		ncol++;
		i++;
	}
}

/* Does a field end at s (a separator or the line's '\n')? */
#define ENDS(s)	(*(s) == ' ' || *(s) == '\n')

/* Decimal digits up to the separator; NULL if not a number <= max. */
static const char *
dec(const char *s, uint64_t max, uint64_t *out)
{
	const char	*b = s;
	uint64_t	 v = 0;
	unsigned	 d;

	while ((d = (unsigned)(*s - '0')) <= 9) {
		v = v * 10 + d;
		s++;
	}
	if (s == b || s - b > 19 || v > max || !ENDS(s))
		return NULL;
	*out = v;
	return s;
}

/* A dotted quad up to the separator; NULL if it is not one. */
static const char *
ipv4(const char *s, uint32_t *out)
{
	uint32_t	a = 0;
	int		k;

	for (k = 0; k < 4; k++) {
		const char	*b = s;
		unsigned	 o = 0, d;

		while ((d = (unsigned)(*s - '0')) <= 9 && s - b < 3) {
			o = o * 10 + d;
			s++;
		}
		if (s == b || o > 255)
			return NULL;
		a = a << 8 | o;
		if (k < 3 && *s++ != '.')
			return NULL;
	}
	if (!ENDS(s))
		return NULL;
	*out = a;
	return s;
}

static const char *
word(const char *s)
{
	while (!ENDS(s))
		s++;
	return s;
}

static const char *
addr(const char *s, uint32_t *out, struct rec *r)
{
	char		 buf[64];
	unsigned char	 a6[16];
	const char	*q;
	size_t		 n;

	if ((q = ipv4(s, out)) != NULL)
		return q;
	/* IPv6 is rare: the library parser, folded to 32 bits. */
	q = word(s);
	n = (size_t)(q - s);
	if (n >= sizeof(buf))
		return NULL;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (inet_pton(AF_INET6, buf, a6) != 1)
		return NULL;
	memcpy(out, a6 + 12, 4);
	r->v6 = 1;
	return q;
}

/* An id, hashed (FNV-1a) while it is scanned. */
static const char *
id(struct idtab *t, const char *s, uint32_t *out)
{
	const char	*b = s;
	uint64_t	 h = 1469598103934665603ULL;

	while (!ENDS(s)) {
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
		s++;
	}
	*out = idget(t, b, (size_t)(s - b), h);
	return s;
}

/* One field from s; returns where it ends (at the separator) or NULL. */
static const char *
field(struct rec *r, size_t col, const char *s)
{
	const char	*q;
	uint64_t	 v;
	uint32_t	 a;

	if (s[0] == '-' && ENDS(s + 1))
		return s + 1;
	switch (kinds[col]) {
	case K_SKIP:
		return word(s);
	case K_U8:
		if ((q = dec(s, 255, &v)) == NULL)
			return NULL;
		if (slots[col] == S_PROTO)
			r->proto = (uint8_t)v;
		else
			r->flags = (uint8_t)v;
		return q;
	case K_U16:
		if ((q = dec(s, 65535, &v)) == NULL)
			return NULL;
		if (slots[col] == S_SPORT)
			r->sport = (uint16_t)v;
		else
			r->dport = (uint16_t)v;
		return q;
	case K_U64:
	case K_TIME:
		if ((q = dec(s, UINT64_MAX, &v)) == NULL)
			return NULL;
		switch (slots[col]) {
		case S_PACKETS: r->packets = v; break;
		case S_BYTES: r->bytes = v; break;
		case S_START: r->start = v; break;
		default: r->end = v; break;
		}
		return q;
	case K_ADDR:
		if ((q = addr(s, &a, r)) == NULL)
			return NULL;
		switch (slots[col]) {
		case S_SRC: r->src = a; break;
		case S_DST: r->dst = a; break;
		case S_PSRC: r->psrc = a; break;
		default: r->pdst = a; break;
		}
		return q;
	case K_ID_IF:
		return id(&ifs, s, &r->inif);
	case K_ID_VRF:
		return id(&vrfs, s, &r->vrf);
	case K_ACTION:
		if (memcmp(s, "ACCEPT", 6) == 0 && ENDS(s + 6))
			r->action = 1;
		else if (memcmp(s, "REJECT", 6) == 0 && ENDS(s + 6))
			r->action = 2;
		else
			return NULL;
		return s + 6;
	case K_STATUS:
		q = word(s);
		r->status = q - s == 2 && s[0] == 'O' && s[1] == 'K';
		return q;
	case K_DIR:
		q = word(s);
		r->dir = q - s == 6 && memcmp(s, "egress", 6) == 0;
		return q;
	}
	return NULL;
}

/* One line at s, n bytes before its '\n'. */
static void
line(const char *s, size_t n)
{
	struct rec	 r;
	size_t		 col = 0;

	if (n > 0 && s[0] >= 'a' && s[0] <= 'z') {
		header(s, n);
		return;
	}
	memset(&r, 0, sizeof(r));
	for (;;) {
		if (col >= ncol || (s = field(&r, col, s)) == NULL) {
			nbad++;
			return;
		}
		col++;
		if (*s++ == '\n')
			break;
	}
	if (col != ncol) {
		nbad++;
		return;
	}
	if (!r.status)
		return;
	pack(&r);
	nrec++;
}

int
main(int argc, char *argv[])
{
	char	*buf;
	size_t	 have = 0;
	int	 fd = STDIN_FILENO;

	if (argc > 2) {
		fprintf(stderr, "usage: bench_ref [file]\n");
		return 64;
	}
	if (argc == 2 && (fd = open(argv[1], O_RDONLY)) == -1)
		err(1, "%s", argv[1]);
	if ((buf = malloc(BLOCK + MAXLINE)) == NULL)
		err(1, NULL);
	/* The v2 default layout until a header says otherwise. */
	header("version account-id interface-id srcaddr dstaddr srcport "
	    "dstport protocol packets bytes start end action log-status", 101);
	for (;;) {
		ssize_t	 r = read(fd, buf + have, BLOCK);
		char	*p = buf, *end, *nl;

		if (r == -1)
			err(1, "read");
		end = buf + have + (size_t)r;
		while ((nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
			line(p, (size_t)(nl - p));
			p = nl + 1;
		}
		have = (size_t)(end - p);
		if (r == 0) {
			if (have > 0) {
				p[have] = '\n';
				line(p, have);
			}
			break;
		}
		if (have > MAXLINE)
			errx(1, "line too long");
		memmove(buf, p, have);
	}
	flush_out();
	fprintf(stderr, "bench_ref: %llu records, %llu bad\n", nrec, nbad);
	free(buf);
	return 0;
}
