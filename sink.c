/* sink.c: owns the outputs: an IPFIX file or stdout, a UDP collector, a pcap file. */
#if defined(__linux__) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE		/* sendmmsg(2) */
#endif
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sink.h"

struct sink_ops {
	const char	*kind;
	int		(*write)(struct sink *, const uint8_t *, size_t,
			    uint32_t);
	int		(*flush)(struct sink *);
	int		(*close)(struct sink *);
};

#define UDP_BATCH	64	/* datagrams handed to one sendmmsg() */

struct sink {
	const struct sink_ops	*ops;
	char			*name;
	struct sink_stats	 st;
	size_t			 maxmsg;
	int			 fd;
	int			 own_fd;
	int			 closed;
	uint8_t			*buf;	/* file: output buffer; udp: queued
					   datagrams; pcap: one frame */
	size_t			 len, cap;

	/* UDP: the queued datagrams' ends in buf, and the peer. */
	size_t			 nq;
	size_t			 qend[UDP_BATCH];
	struct sockaddr_storage	 peer;
	socklen_t		 peerlen;

	/* pcap */
	pcap_t			*pcap;
	pcap_dumper_t		*dump;
	FILE			*fp;
	char			*fpbuf;
	int			 tfd;	/* for ftruncate after a failure */
	int			 broken;
	long			 pos;	/* file offset after the last packet */
	long			 good;	/* ... known to be on disk */
	int			 family;	/* 4 or 6 */
	uint8_t			 src[16], dst[16];
	uint16_t		 dport;
	uint16_t		 ipid;
};

#define FILE_BUF	(256 * 1024)

static struct sink *
sink_new(const struct sink_ops *ops, size_t cap)
{
	struct sink *s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->ops = ops;
	s->fd = -1;
	s->tfd = -1;
	s->cap = cap;
	s->maxmsg = 65535;
	if ((s->buf = malloc(cap)) == NULL) {
		free(s);
		return NULL;
	}
	return s;
}

/* Write all of it, retrying after signals and short writes. */
static int
writeall(int fd, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int
file_flush(struct sink *s)
{
	if (s->len == 0)
		return 0;
	if (writeall(s->fd, s->buf, s->len) == -1)
		return -1;
	s->len = 0;
	return 0;
}

static int
file_write(struct sink *s, const uint8_t *p, size_t n, uint32_t t)
{
	(void)t;
	if (s->len + n > s->cap && file_flush(s) == -1)
		return -1;
	if (n > s->cap)
		return writeall(s->fd, p, n);
	memcpy(s->buf + s->len, p, n);
	s->len += n;
	return 0;
}

static int
file_close(struct sink *s)
{
	int rc = file_flush(s), save = errno;

	if (s->own_fd && close(s->fd) == -1 && rc == 0) {
		rc = -1;
		save = errno;
	}
	errno = save;
	return rc;
}

static const struct sink_ops file_ops = {
	"file", file_write, file_flush, file_close
};

/* Undo a half-opened sink, keeping errno. */
static void
sink_abandon(struct sink *s)
{
	int save = errno;

	if (s->own_fd && s->fd != -1)
		close(s->fd);
	if (s->tfd != -1)
		close(s->tfd);
	free(s->buf);
	free(s->name);
	free(s);
	errno = save;
}

struct sink *
sink_file_open(const char *path, int force, const char **why)
{
	struct sink	*s;

	*why = NULL;
	if ((s = sink_new(&file_ops, FILE_BUF)) == NULL)
		return NULL;
	if (path == NULL || strcmp(path, "-") == 0) {
		s->fd = STDOUT_FILENO;
		s->name = strdup("stdout");
	} else {
		s->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
		    0644);
		s->own_fd = s->fd != -1;
		s->name = strdup(path);
	}
	if (s->name == NULL || s->fd == -1)
		goto fail;
	if (!force && isatty(s->fd)) {
		*why = "refusing to write binary IPFIX to a terminal "
		    "(use -o FILE, a pipe, or -f)";
		errno = ENOTTY;
		goto fail;
	}
	return s;
fail:
	sink_abandon(s);
	return NULL;
}

/*
 * UDP.  Datagrams queue in buf and leave in batches (one sendmmsg() call
 * where there is one); sink_flush sends the queue at once, so a paced run
 * does not hold datagrams back while it waits.
 */
#define UDP_BUF		(256 * 1024)
#define UDP_SNDBUF	(4 * 1024 * 1024)
#define UDP_MAX4	65507	/* 65535 - IPv4 header - UDP header */
#define UDP_MAX6	65527	/* 65535 - UDP header (IPv6 payload length) */

/*
 * Errors a send on a connected UDP socket reports when ICMP (or the local
 * stack) said the datagram cannot get through: expected while a collector
 * is down or unreachable, so counted rather than fatal.
 */
static int
udp_soft_error(int e)
{
	switch (e) {
	case ECONNREFUSED:
	case EHOSTUNREACH:
	case EHOSTDOWN:
	case ENETUNREACH:
	case ENETDOWN:
	case EMSGSIZE:
	case ENOBUFS:
	case EPERM:
	case EACCES:
		return 1;
	}
	return 0;
}

/* Errors that an earlier datagram caused and this send merely reports. */
static int
udp_pending_error(int e)
{
	return e == ECONNREFUSED || e == EHOSTUNREACH || e == EHOSTDOWN ||
	    e == ENETUNREACH;
}

/* Send queued datagrams from index i on; the number sent or -1. */
static int
udp_send_some(struct sink *s, size_t i)
{
#ifdef __linux__
	struct mmsghdr	mv[UDP_BATCH];
	struct iovec	iov[UDP_BATCH];
	size_t		k;

	memset(mv, 0, sizeof(mv));
	for (k = i; k < s->nq; k++) {
		size_t off = k == 0 ? 0 : s->qend[k - 1];

		iov[k - i].iov_base = s->buf + off;
		iov[k - i].iov_len = s->qend[k] - off;
		mv[k - i].msg_hdr.msg_iov = &iov[k - i];
		mv[k - i].msg_hdr.msg_iovlen = 1;
	}
	return sendmmsg(s->fd, mv, (unsigned)(s->nq - i), 0);
#else
	size_t	off = i == 0 ? 0 : s->qend[i - 1];

	if (send(s->fd, s->buf + off, s->qend[i] - off, 0) == -1)
		return -1;
	return 1;
#endif
}

static int
udp_send_one(struct sink *s, size_t i)
{
	size_t	off = i == 0 ? 0 : s->qend[i - 1];
	ssize_t	n;

	do
		n = send(s->fd, s->buf + off, s->qend[i] - off, 0);
	while (n == -1 && errno == EINTR);
	return n == -1 ? -1 : 0;
}

static int
udp_flush(struct sink *s)
{
	size_t	i = 0;
	int	n;

	while (i < s->nq) {
		if ((n = udp_send_some(s, i)) > 0) {
			s->st.sent += (uint64_t)n;
			i += (size_t)n;
			continue;
		}
		if (n == 0)
			errno = EIO;
		if (errno == EINTR)
			continue;
		if (!udp_soft_error(errno))
			goto fail;
		s->st.failed++;
		s->st.last_errno = errno;
		/*
		 * ICMP errors are reported by the next send after the
		 * datagram that caused them; that send is lost, so give this
		 * datagram one more try (softflowd does the same).
		 */
		if (udp_pending_error(errno)) {
			if (udp_send_one(s, i) == 0)
				s->st.sent++;
			else if (!udp_soft_error(errno))
				goto fail;
		}
		i++;
	}
	s->nq = 0;
	s->len = 0;
	return 0;
fail:
	/* Drop the queue: the caller stops the run on this error. */
	s->nq = 0;
	s->len = 0;
	return -1;
}

static int
udp_write(struct sink *s, const uint8_t *p, size_t n, uint32_t t)
{
	(void)t;
	if (n > s->maxmsg) {
		errno = EMSGSIZE;
		return -1;
	}
	if ((s->nq == UDP_BATCH || s->len + n > s->cap) && udp_flush(s) == -1)
		return -1;
	memcpy(s->buf + s->len, p, n);
	s->len += n;
	s->qend[s->nq++] = s->len;
	return 0;
}

static int
udp_close(struct sink *s)
{
	int rc = udp_flush(s), save = errno;

	if (close(s->fd) == -1 && rc == 0) {
		rc = -1;
		save = errno;
	}
	s->fd = -1;
	errno = save;
	return rc;
}

static const struct sink_ops udp_ops = {
	"udp", udp_write, udp_flush, udp_close
};

/*
 * Split HOST[:PORT], [IPV6]:PORT or a bare IPv6 literal into host and
 * port (a copy in hostbuf); -1 with a reason when it is not one of them.
 */
static int
split_dest(const char *dest, char *hostbuf, size_t cap, char *portbuf,
    size_t pcap, const char **why)
{
	const char	*h = dest, *e, *port = NULL;
	size_t		 hl;
	char		*end;
	unsigned long	 v;

	if (dest[0] == '[') {
		h = dest + 1;
		if ((e = strchr(h, ']')) == NULL) {
			*why = "missing ] after an IPv6 address";
			return -1;
		}
		hl = (size_t)(e - h);
		if (e[1] == ':')
			port = e + 2;
		else if (e[1] != '\0') {
			*why = "expected :PORT after ]";
			return -1;
		}
	} else if ((e = strchr(dest, ':')) != NULL && strchr(e + 1, ':') ==
	    NULL) {
		hl = (size_t)(e - dest);
		port = e + 1;
	} else
		hl = strlen(dest);	/* a name, IPv4, or bare IPv6 literal */
	if (hl == 0) {
		*why = "expected HOST[:PORT]";
		return -1;
	}
	if (hl >= cap) {
		*why = "host name too long";
		return -1;
	}
	memcpy(hostbuf, h, hl);
	hostbuf[hl] = '\0';
	if (port == NULL) {
		snprintf(portbuf, pcap, "%d", SINK_IPFIX_PORT);
		return 0;
	}
	errno = 0;
	v = strtoul(port, &end, 10);
	if (port[0] < '0' || port[0] > '9' || *end != '\0' || errno != 0 ||
	    v < 1 || v > 65535) {
		*why = "the port must be a number from 1 to 65535";
		return -1;
	}
	snprintf(portbuf, pcap, "%lu", v);
	return 0;
}

struct sink *
sink_udp_open(const char *dest, const char **why)
{
	struct sink	*s;
	struct addrinfo	 hints, *res = NULL, *ai;
	char		 host[256], port[8];
	int		 rc, sz, save = 0;

	*why = NULL;
	if (split_dest(dest, host, sizeof(host), port, sizeof(port), why) ==
	    -1) {
		errno = EINVAL;
		return NULL;
	}
	if ((s = sink_new(&udp_ops, UDP_BUF)) == NULL)
		return NULL;
	if ((s->name = malloc(strlen(host) + sizeof(port) + 4)) == NULL)
		goto fail;
	sprintf(s->name, strchr(host, ':') ? "[%s]:%s" : "%s:%s", host, port);

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_protocol = IPPROTO_UDP;
	hints.ai_flags = AI_NUMERICSERV;
	if ((rc = getaddrinfo(host, port, &hints, &res)) != 0) {
		/* The gai_strerror() text is static: safe to hand back. */
		*why = rc == EAI_SYSTEM ? NULL : gai_strerror(rc);
		if (rc != EAI_SYSTEM)
			errno = EHOSTUNREACH;
		goto fail;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6)
			continue;
		s->fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
		    ai->ai_protocol);
		if (s->fd == -1) {
			save = errno;
			continue;
		}
		if (connect(s->fd, ai->ai_addr, ai->ai_addrlen) == 0) {
			memcpy(&s->peer, ai->ai_addr, ai->ai_addrlen);
			s->peerlen = ai->ai_addrlen;
			s->maxmsg = ai->ai_family == AF_INET ? UDP_MAX4 :
			    UDP_MAX6;
			break;
		}
		save = errno;
		close(s->fd);
		s->fd = -1;
	}
	freeaddrinfo(res);
	if (s->fd == -1) {
		errno = save ? save : EHOSTUNREACH;
		goto fail;
	}
	s->own_fd = 1;
	/*
	 * A large send buffer absorbs bursts; the kernel caps SO_SNDBUF at
	 * its limit, SO_SNDBUFFORCE (Linux, privileged) goes past it.
	 */
	sz = UDP_SNDBUF;
#ifdef SO_SNDBUFFORCE
	if (setsockopt(s->fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz)) ==
	    -1)
#endif
		(void)setsockopt(s->fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	return s;
fail:
	sink_abandon(s);
	return NULL;
}

/*
 * pcap.  Packets go through a stdio buffer that is larger than any packet
 * and that only we flush, so the file on disk always ends at a packet
 * boundary we know ("good"); when a write fails the file is cut back to
 * it, so it stays readable (pflogd does the same).
 */
#define PCAP_BUF	(512 * 1024)
#define PCAP_SNAPLEN	65535
#define ETH_HDR		14
#define IP4_HDR		20
#define IP6_HDR		40
#define UDP_HDR		8
#define PCAP_REC_HDR	16	/* struct pcap_sf_pkthdr on disk */
/* The largest message whose frame fits the snap length. */
#define PCAP_MAXMSG	(PCAP_SNAPLEN - ETH_HDR - IP6_HDR - UDP_HDR)

static void
be16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* The ones' complement sum of RFC 1071, not yet folded or inverted. */
static uint64_t
csum_add(uint64_t acc, const uint8_t *p, size_t n)
{
	while (n > 1) {
		acc += (uint32_t)p[0] << 8 | p[1];
		p += 2;
		n -= 2;
	}
	if (n)
		acc += (uint32_t)p[0] << 8;
	return acc;
}

static uint16_t
csum_fold(uint64_t acc)
{
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint16_t)~acc;
}

/* Build the Ethernet/IP/UDP frame around the message in s->buf. */
static size_t
pcap_frame(struct sink *s, const uint8_t *msg, size_t n)
{
	static const uint8_t mac[12] = {
		0x02, 0, 0, 0, 0, 0x02,		/* destination */
		0x02, 0, 0, 0, 0, 0x01		/* source */
	};
	uint8_t		*p = s->buf, *ip = p + ETH_HDR, *udp;
	size_t		 alen = s->family == 4 ? 4 : 16;
	size_t		 ulen = UDP_HDR + n;
	uint64_t	 acc;
	uint16_t	 ck;

	memcpy(p, mac, sizeof(mac));
	if (s->family == 4) {
		be16(p + 12, 0x0800);
		memset(ip, 0, IP4_HDR);
		ip[0] = 0x45;
		be16(ip + 2, (uint32_t)(IP4_HDR + ulen));
		be16(ip + 4, s->ipid++);
		be16(ip + 6, 0x4000);		/* don't fragment */
		ip[8] = 64;
		ip[9] = IPPROTO_UDP;
		memcpy(ip + 12, s->src, 4);
		memcpy(ip + 16, s->dst, 4);
		be16(ip + 10, csum_fold(csum_add(0, ip, IP4_HDR)));
		udp = ip + IP4_HDR;
	} else {
		be16(p + 12, 0x86dd);
		memset(ip, 0, IP6_HDR);
		ip[0] = 0x60;
		be16(ip + 4, (uint32_t)ulen);
		ip[6] = IPPROTO_UDP;
		ip[7] = 64;
		memcpy(ip + 8, s->src, 16);
		memcpy(ip + 24, s->dst, 16);
		udp = ip + IP6_HDR;
	}
	be16(udp, SINK_IPFIX_PORT);
	be16(udp + 2, s->dport);
	be16(udp + 4, (uint32_t)ulen);
	be16(udp + 6, 0);
	memcpy(udp + UDP_HDR, msg, n);
	/* Pseudo-header: addresses, protocol, UDP length; then UDP itself. */
	acc = csum_add(0, s->src, alen);
	acc = csum_add(acc, s->dst, alen);
	acc += IPPROTO_UDP + (uint32_t)ulen;
	acc = csum_add(acc, udp, ulen);
	ck = csum_fold(acc);
	be16(udp + 6, ck == 0 ? 0xffff : ck);	/* 0 means "no checksum" */
	return (size_t)(udp + ulen - p);
}

/* A write failed: cut the file back to its last whole packet. */
static int
pcap_broken(struct sink *s)
{
	int save = errno ? errno : EIO;

	s->broken = 1;
	if (s->tfd != -1)
		(void)ftruncate(s->tfd, (off_t)s->good);
	errno = save;
	return -1;
}

static int
pcap_flush(struct sink *s)
{
	if (s->broken) {
		errno = EIO;
		return -1;
	}
	errno = 0;
	if (pcap_dump_flush(s->dump) == -1)
		return pcap_broken(s);
	s->good = s->pos;
	return 0;
}

static int
pcap_write(struct sink *s, const uint8_t *p, size_t n, uint32_t t)
{
	struct pcap_pkthdr	h;
	size_t			flen;

	if (s->broken) {
		errno = EIO;
		return -1;
	}
	if (n > s->maxmsg) {
		errno = EMSGSIZE;
		return -1;
	}
	flen = pcap_frame(s, p, n);
	if ((size_t)(s->pos - s->good) + PCAP_REC_HDR + flen > PCAP_BUF &&
	    pcap_flush(s) == -1)
		return -1;
	memset(&h, 0, sizeof(h));
	h.ts.tv_sec = (time_t)t;
	h.ts.tv_usec = 0;
	h.caplen = h.len = (bpf_u_int32)flen;
	errno = 0;
	pcap_dump((u_char *)s->dump, &h, s->buf);
	s->pos += (long)(PCAP_REC_HDR + flen);
	if (ferror(s->fp))
		return pcap_broken(s);
	return 0;
}

static int
pcap_sink_close(struct sink *s)
{
	int rc = 0, save = 0;

	if (!s->broken && pcap_flush(s) == -1) {
		rc = -1;
		save = errno;
	}
	/* Everything is flushed: fclose has nothing left that can fail. */
	pcap_dump_close(s->dump);
	s->dump = NULL;
	s->fp = NULL;
	/* Some stdio libraries retry a failed buffer at fclose: cut again. */
	if (s->broken && s->tfd != -1)
		(void)ftruncate(s->tfd, (off_t)s->good);
	if (s->tfd != -1 && close(s->tfd) == -1 && rc == 0) {
		rc = -1;
		save = errno;
	}
	s->tfd = -1;
	pcap_close(s->pcap);
	s->pcap = NULL;
	free(s->fpbuf);
	s->fpbuf = NULL;
	errno = save;
	return rc;
}

static const struct sink_ops pcap_ops = {
	"pcap", pcap_write, pcap_flush, pcap_sink_close
};

struct sink *
sink_pcap_open(const char *path, const struct sink *udp, int force,
    const char **why)
{
	static const uint8_t src4[4] = { 192, 0, 2, 1 };
	static const uint8_t dst4[4] = { 192, 0, 2, 2 };
	static const uint8_t src6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
	    0, 0, 0, 0, 0, 0, 0, 1 };
	struct sink	*s;
	int		 fd, save;

	*why = NULL;
	if ((s = sink_new(&pcap_ops, ETH_HDR + IP6_HDR + UDP_HDR + 65535)) ==
	    NULL)
		return NULL;
	s->maxmsg = PCAP_MAXMSG;
	s->family = 4;
	memcpy(s->src, src4, 4);
	memcpy(s->dst, dst4, 4);
	s->dport = SINK_IPFIX_PORT;
	if (udp != NULL && udp->peer.ss_family == AF_INET) {
		const struct sockaddr_in *sin =
		    (const struct sockaddr_in *)&udp->peer;

		memcpy(s->dst, &sin->sin_addr, 4);
		s->dport = ntohs(sin->sin_port);
	} else if (udp != NULL && udp->peer.ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 =
		    (const struct sockaddr_in6 *)&udp->peer;

		s->family = 6;
		memcpy(s->src, src6, 16);
		memcpy(s->dst, &sin6->sin6_addr, 16);
		s->dport = ntohs(sin6->sin6_port);
	}

	if (strcmp(path, "-") == 0) {
		s->name = strdup("stdout");
		fd = dup(STDOUT_FILENO);
	} else {
		s->name = strdup(path);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
		    0644);
	}
	if (s->name == NULL || fd == -1)
		goto fail;
	if (!force && isatty(fd)) {
		close(fd);
		*why = "refusing to write a binary pcap to a terminal "
		    "(use -w FILE, a pipe, or -f)";
		errno = ENOTTY;
		goto fail;
	}
	/* A second descriptor, kept for ftruncate() once the FILE is shut. */
	if ((s->tfd = dup(fd)) == -1 || (s->fpbuf = malloc(PCAP_BUF)) ==
	    NULL) {
		close(fd);
		goto fail;
	}
	(void)fcntl(s->tfd, F_SETFD, FD_CLOEXEC);
	if ((s->fp = fdopen(fd, "wb")) == NULL) {
		close(fd);
		goto fail;
	}
	if (setvbuf(s->fp, s->fpbuf, _IOFBF, PCAP_BUF) != 0 ||
	    (s->pcap = pcap_open_dead(DLT_EN10MB, PCAP_SNAPLEN)) == NULL ||
	    (s->dump = pcap_dump_fopen(s->pcap, s->fp)) == NULL) {
		if (errno == 0)
			errno = ENOMEM;
		goto fail_fp;
	}
	/* The file header goes to disk now, so it is the first good point. */
	errno = 0;
	if (pcap_dump_flush(s->dump) == -1)
		goto fail_fp;
	s->pos = s->good = pcap_dump_ftell(s->dump);
	if (s->pos < 0)
		goto fail_fp;
	return s;
fail_fp:
	save = errno ? errno : EIO;
	if (s->dump != NULL)
		pcap_dump_close(s->dump);
	else
		fclose(s->fp);
	if (s->pcap != NULL)
		pcap_close(s->pcap);
	free(s->fpbuf);
	errno = save;
fail:
	sink_abandon(s);
	return NULL;
}

size_t
sink_max_message(const struct sink *s)
{
	return s->maxmsg;
}

int
sink_write(struct sink *s, const uint8_t *p, size_t n, uint32_t t)
{
	s->st.messages++;
	s->st.octets += n;
	return s->ops->write(s, p, n, t);
}

int
sink_flush(struct sink *s)
{
	if (s->closed)
		return 0;
	return s->ops->flush(s);
}

int
sink_close(struct sink *s)
{
	if (s->closed)
		return 0;
	s->closed = 1;
	return s->ops->close(s);
}

void
sink_free(struct sink *s)
{
	int save = errno;

	if (s == NULL)
		return;
	if (!s->closed)
		(void)sink_close(s);
	free(s->buf);
	free(s->name);
	free(s);
	errno = save;
}

const char *
sink_name(const struct sink *s)
{
	return s->name;
}

const char *
sink_kind(const struct sink *s)
{
	return s->ops->kind;
}

const struct sink_stats *
sink_stats(const struct sink *s)
{
	return &s->st;
}
