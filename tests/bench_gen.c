/* bench_gen.c: writes a deterministic, seeded VPC flow log (v2 or v5 layout) for the benchmark. */
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE		/* getopt, err(3) */
#endif
#include <err.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * The mix, in percent of lines: the rest are IPv4 ACCEPT flows.  Real logs
 * from busy accounts look roughly like this: a few hundred ENIs over a
 * handful of VPCs, some IPv6, a good share of REJECTs (scanners), and a
 * NODATA line now and then for idle interfaces.
 */
#define NENI		400
#define NVPC		12
#define PCT_IPV6	10
#define PCT_REJECT	15
#define PCT_NODATA	2
#define PCT_NAT		8	/* v5: pkt-srcaddr differs from srcaddr */

static const char v2_header[] =
    "version account-id interface-id srcaddr dstaddr srcport dstport "
    "protocol packets bytes start end action log-status";

/* The v5 default order as the AWS console and API write it. */
static const char v5_header[] =
    "version account-id interface-id srcaddr dstaddr srcport dstport "
    "protocol packets bytes start end action log-status vpc-id subnet-id "
    "instance-id tcp-flags type pkt-srcaddr pkt-dstaddr region az-id "
    "sublocation-type sublocation-id pkt-src-aws-service "
    "pkt-dst-aws-service flow-direction traffic-path";

static uint64_t rng_state;

/* splitmix64: tiny, fast, and the same sequence on every machine. */
static uint64_t
rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned
below(unsigned n)
{
	return (unsigned)(rnd() % n);
}

struct eni {
	char		id[32];
	char		vpc[32];
	char		subnet[40];
	char		instance[32];
	char		az[16];
	unsigned	net;		/* second octet of its 10.x addresses */
};

static struct eni	enis[NENI];
static char		ofs[1 << 16];
static size_t		olen;

static void
out(const char *s, size_t n)
{
	if (olen + n > sizeof(ofs)) {
		if (fwrite(ofs, 1, olen, stdout) != olen)
			err(1, "write");
		olen = 0;
	}
	memcpy(ofs + olen, s, n);
	olen += n;
}

static void
outs(const char *s)
{
	out(s, strlen(s));
}

/* Decimal into b, returns the length (snprintf is too slow for 5M lines). */
static size_t
fmtu(char *b, uint64_t v)
{
	char	t[24];
	size_t	n = 0, i;

	do
		t[n++] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	for (i = 0; i < n; i++)
		b[i] = t[n - 1 - i];
	return n;
}

static void
outu(uint64_t v)
{
	char	b[24];

	out(b, fmtu(b, v));
}

static void
hex17(char *dst, const char *prefix)
{
	static const char hx[] = "0123456789abcdef";
	uint64_t	r = rnd();
	int		i;

	strcpy(dst, prefix);
	dst += strlen(prefix);
	*dst++ = '0';
	for (i = 0; i < 16; i++)
		*dst++ = hx[(r >> (i * 4)) & 15];
	*dst = '\0';
}

static void
setup(void)
{
	char	vpcs[NVPC][32];
	size_t	i;

	for (i = 0; i < NVPC; i++)
		hex17(vpcs[i], "vpc-");
	for (i = 0; i < NENI; i++) {
		struct eni *e = &enis[i];

		hex17(e->id, "eni-");
		strcpy(e->vpc, vpcs[i % NVPC]);
		hex17(e->subnet, "subnet-");
		if (below(4) == 0)
			strcpy(e->instance, "-");
		else
			hex17(e->instance, "i-");
		snprintf(e->az, sizeof(e->az), "euc1-az%u", 1 + below(3));
		e->net = (unsigned)(i % NVPC);
	}
}

/* Addresses are rendered into b (NUL-terminated). */
static void
v4(char *b, unsigned a, unsigned c, unsigned d, unsigned e)
{
	b += fmtu(b, a);
	*b++ = '.';
	b += fmtu(b, c);
	*b++ = '.';
	b += fmtu(b, d);
	*b++ = '.';
	b += fmtu(b, e);
	*b = '\0';
}

static void
v6(char *b, unsigned net, unsigned host)
{
	snprintf(b, 48, "2001:db8:%x:%x::%x", net, below(256), host);
}

/* A remote address: mostly public IPv4, else other hosts in the VPCs. */
static void
remote4(char *b)
{
	if (below(3) == 0)
		v4(b, 10, below(NVPC), below(256), 1 + below(254));
	else
		v4(b, 1 + below(222), below(256), below(256), 1 + below(254));
}

static void
line(int version, uint64_t t)
{
	const struct eni *e = &enis[below(NENI)];
	unsigned	 roll = below(100), proto, sport, dport;
	int		 nodata = roll < PCT_NODATA;
	int		 ipv6 = !nodata && below(100) < PCT_IPV6;
	int		 reject = !nodata && below(100) < PCT_REJECT;
	int		 egress = below(2);
	int		 nat = version >= 5 && !ipv6 && below(100) < PCT_NAT;
	uint64_t	 start = t - below(60), end = start + 1 + below(60);
	uint64_t	 pkts, bytes;
	unsigned	 host = 1 + below(254), sub = below(256);
	unsigned	 r = below(100);
	char		 local[48], remote[48], nat4[16];

	outu((uint64_t)version);
	out(" 123456789012 ", 14);
	outs(e->id);
	out(" ", 1);
	if (nodata) {
		out("- - - - - - - ", 14);
		outu(start);
		out(" ", 1);
		outu(end);
		out(" - NODATA", 9);
		if (version >= 5) {
			out(" ", 1);
			outs(e->vpc);
			out(" ", 1);
			outs(e->subnet);
			out(" ", 1);
			outs(e->instance);
			out(" - - - - eu-central-1 ", 22);
			outs(e->az);
			out(" - - - - - -", 12);
		}
		out("\n", 1);
		return;
	}
	proto = r < 70 ? 6 : r < 95 ? 17 : (ipv6 ? 58 : 1);
	if (proto == 1 || proto == 58) {
		sport = 0;
		dport = 0;
	} else if (egress) {
		sport = 32768 + below(28000);
		dport = below(2) ? 443 : 1 + below(1024);
	} else {
		sport = below(2) ? 443 : 1024 + below(60000);
		dport = below(3) ? 22 + below(2) * 421 : 32768 + below(28000);
	}
	pkts = 1 + (rnd() % (below(10) == 0 ? 100000 : 200));
	bytes = pkts * (40 + below(1460));

	if (ipv6) {
		v6(local, e->net, host);
		v6(remote, 0x100 + below(4096), 1 + below(65535));
	} else {
		v4(local, 10, e->net, sub, host);
		remote4(remote);
	}

	outs(egress ? local : remote);
	out(" ", 1);
	outs(egress ? remote : local);
	out(" ", 1);
	outu(sport);
	out(" ", 1);
	outu(dport);
	out(" ", 1);
	outu(proto);
	out(" ", 1);
	outu(pkts);
	out(" ", 1);
	outu(bytes);
	out(" ", 1);
	outu(start);
	out(" ", 1);
	outu(end);
	outs(reject ? " REJECT OK" : " ACCEPT OK");
	if (version >= 5) {
		static const char *const svc[] = { "-", "-", "-", "-", "-",
		    "S3", "DYNAMODB", "AMAZON", "EC2" };

		out(" ", 1);
		outs(e->vpc);
		out(" ", 1);
		outs(e->subnet);
		out(" ", 1);
		outs(e->instance);
		out(" ", 1);
		outu(proto == 6 ? (below(4) == 0 ? 2 : below(2) ? 3 : 19) : 0);
		outs(ipv6 ? " IPv6 " : " IPv4 ");
		/* Packet-level addresses: a NAT gateway's view differs. */
		if (nat) {
			if (egress) {
				outs(local);
				out(" ", 1);
				outs(remote);
			} else {
				remote4(nat4);
				outs(nat4);
				out(" ", 1);
				outs(local);
			}
		} else {
			outs(egress ? local : remote);
			out(" ", 1);
			outs(egress ? remote : local);
		}
		out(" eu-central-1 ", 14);
		outs(e->az);
		out(" - - ", 5);
		outs(svc[below(9)]);
		out(" ", 1);
		outs(svc[below(9)]);
		outs(egress ? " egress " : " ingress ");
		if (egress)
			outu(1 + below(8));
		else
			out("-", 1);
	}
	out("\n", 1);
}

static void
usage(void)
{
	fprintf(stderr, "usage: bench_gen [-v 2|5] [-n records] [-s seed]\n");
	exit(64);
}

int
main(int argc, char *argv[])
{
	unsigned long long	n = 5000000, seed = 1, i;
	int			ch, version = 2;
	uint64_t		t = 1764201600;

	while ((ch = getopt(argc, argv, "n:s:v:")) != -1) {
		switch (ch) {
		case 'n':
			n = strtoull(optarg, NULL, 10);
			break;
		case 's':
			seed = strtoull(optarg, NULL, 10);
			break;
		case 'v':
			version = (int)strtol(optarg, NULL, 10);
			if (version != 2 && version != 5)
				usage();
			break;
		default:
			usage();
		}
	}
	rng_state = seed;
	setup();
	outs(version == 2 ? v2_header : v5_header);
	out("\n", 1);
	for (i = 0; i < n; i++) {
		line(version, t);
		/* About 2000 records per second of log time. */
		if (i % 2000 == 1999)
			t++;
	}
	if (fwrite(ofs, 1, olen, stdout) != olen || fflush(stdout) != 0)
		err(1, "write");
	return 0;
}
