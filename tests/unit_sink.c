/* tests/unit_sink.c: destinations that parse or not, and pcap frames with right lengths and checksums. */
#include <errno.h>
#include <netdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sink.h"
#include "unit.h"

static uint8_t	file[1 << 16];
static size_t	flen;

/* The RFC 1071 sum over the given pieces; 0xffff when they check out. */
static unsigned
sum(const uint8_t *p, size_t n, unsigned acc)
{
	while (n > 1) {
		acc += (unsigned)p[0] << 8 | p[1];
		p += 2;
		n -= 2;
	}
	if (n)
		acc += (unsigned)p[0] << 8;
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return acc;
}

static unsigned
be16(const uint8_t *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

static void
slurp(const char *path)
{
	FILE *f = fopen(path, "rb");

	flen = f ? fread(file, 1, sizeof(file), f) : 0;
	if (f)
		fclose(f);
}

/* Write two messages through a pcap sink and check the second frame. */
static void
pcap_case(const char *name, const char *dest)
{
	char		 path[] = "/tmp/unit_sink.XXXXXX", n[80];
	uint8_t		 msg[101];
	struct sink	*udp = NULL, *s;
	const char	*why;
	const uint8_t	*rec, *eth, *ip, *udph;
	size_t		 i, alen;
	unsigned	 acc;
	int		 fd, v6;

	for (i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)(i * 7 + 1);
	msg[2] = 0;
	msg[3] = sizeof(msg);
	if ((fd = mkstemp(path)) == -1)
		return;
	close(fd);
	if (dest != NULL)
		udp = sink_udp_open(dest, &why);
	s = sink_pcap_open(path, udp, 0, &why);
	snprintf(n, sizeof(n), "%s-open", name);
	ASSERT(n, s != NULL);
	if (s == NULL)
		goto out;
	snprintf(n, sizeof(n), "%s-write", name);
	ASSERT(n, sink_write(s, msg, 60, 1764201600) == 0 &&
	    sink_write(s, msg, sizeof(msg), 1764201601) == 0 &&
	    sink_close(s) == 0);
	sink_free(s);
	slurp(path);
	v6 = udp != NULL && strchr(dest, '[') != NULL;
	alen = v6 ? 16 : 4;
	/* File header 24, record header 16, frame of the 60-octet message. */
	rec = file + 24 + 16 + 14 + (v6 ? 40 : 20) + 8 + 60;
	eth = rec + 16;
	ip = eth + 14;
	udph = ip + (v6 ? 40 : 20);
	snprintf(n, sizeof(n), "%s-length", name);
	ASSERT(n, flen == (size_t)(udph + 8 + sizeof(msg) - file));
	snprintf(n, sizeof(n), "%s-time", name);
	ASSERT(n, rec[0] == (1764201601 & 0xff) && rec[3] == (1764201601u >>
	    24));
	snprintf(n, sizeof(n), "%s-ethertype", name);
	ASSERT(n, be16(eth + 12) == (v6 ? 0x86dd : 0x0800));
	if (!v6) {
		snprintf(n, sizeof(n), "%s-ip-checksum", name);
		ASSERT(n, sum(ip, 20, 0) == 0xffff);
		snprintf(n, sizeof(n), "%s-ip-length", name);
		ASSERT(n, be16(ip + 2) == 20 + 8 + sizeof(msg));
	} else {
		snprintf(n, sizeof(n), "%s-ip-length", name);
		ASSERT(n, be16(ip + 4) == 8 + sizeof(msg));
	}
	snprintf(n, sizeof(n), "%s-ports", name);
	ASSERT(n, be16(udph) == 4739 && be16(udph + 2) == (udp ? 9 : 4739));
	acc = sum(ip + (v6 ? 8 : 12), 2 * alen, 0);
	acc = sum(udph, 8 + sizeof(msg), acc + 17 + 8 + sizeof(msg));
	snprintf(n, sizeof(n), "%s-udp-checksum", name);
	ASSERT(n, acc == 0xffff && be16(udph + 6) != 0);
	snprintf(n, sizeof(n), "%s-payload", name);
	ASSERT(n, memcmp(udph + 8, msg, sizeof(msg)) == 0);
out:
	sink_free(udp);
	unlink(path);
}

static int
resolves(const char *host)
{
	struct addrinfo hints, *res = NULL;
	int ok;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_DGRAM;
	ok = getaddrinfo(host, "4739", &hints, &res) == 0;
	if (res != NULL)
		freeaddrinfo(res);
	return ok;
}

int
main(void)
{
	static const char *const good[] = {
		"127.0.0.1", "127.0.0.1:9", "[::1]:9", "[::1]", "::1",
		"localhost:4739"
	};
	static const char *const bad[] = {
		"", ":9", "[::1", "[::1]x", "[::1]:", "127.0.0.1:0",
		"127.0.0.1:65536", "127.0.0.1:http", "127.0.0.1:-1", "[]:9"
	};
	const char	*why;
	struct sink	*s;
	size_t		 i;
	char		 n[80];

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		snprintf(n, sizeof(n), "udp-open %s", good[i]);
		/* A bare chroot has no /etc/hosts: "localhost" is no name. */
		if (strncmp(good[i], "localhost", 9) == 0 && !resolves("localhost")) {
			printf("SKIP %s: localhost does not resolve here\n", n);
			continue;
		}
		s = sink_udp_open(good[i], &why);
		/* A machine without IPv6 cannot connect to ::1; not ours. */
		if (s == NULL && (errno == EADDRNOTAVAIL ||
		    errno == EAFNOSUPPORT || errno == ENETUNREACH)) {
			printf("SKIP %s: %s\n", n, strerror(errno));
			continue;
		}
		ASSERT(n, s != NULL);
		if (s != NULL) {
			snprintf(n, sizeof(n), "udp-kind %s", good[i]);
			ASSERT(n, strcmp(sink_kind(s), "udp") == 0 &&
			    sink_max_message(s) >= 65507);
		}
		sink_free(s);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		s = sink_udp_open(bad[i], &why);
		snprintf(n, sizeof(n), "udp-reject '%s'", bad[i]);
		ASSERT(n, s == NULL && errno == EINVAL && why != NULL);
		sink_free(s);
	}
	s = sink_udp_open("[::1]:4739", &why);
	if (s != NULL) {
		ASSERT("udp-name-v6", strcmp(sink_name(s), "[::1]:4739") == 0);
		sink_free(s);
	}
	s = sink_udp_open("127.0.0.1", &why);
	if (s != NULL) {
		ASSERT("udp-name-default-port",
		    strcmp(sink_name(s), "127.0.0.1:4739") == 0);
		sink_free(s);
	}

	pcap_case("pcap-default", NULL);
	pcap_case("pcap-v4-dest", "127.0.0.1:9");
	if ((s = sink_udp_open("[::1]:9", &why)) != NULL) {
		sink_free(s);
		pcap_case("pcap-v6-dest", "[::1]:9");
	} else
		printf("SKIP pcap-v6-dest: no ::1 here\n");

	s = sink_pcap_open("/nonexistent-dir/x.pcap", NULL, 0, &why);
	ASSERT("pcap-open-fails", s == NULL && errno == ENOENT);
	return unit_failed != 0;
}
