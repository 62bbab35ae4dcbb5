/* sink.h: where finished IPFIX messages go (a file or stdout, a UDP collector, a pcap file). */
#ifndef SINK_H
#define SINK_H

#include <stddef.h>
#include <stdint.h>

struct sink;

#define SINK_IPFIX_PORT	4739	/* IANA port of IPFIX over UDP (RFC 7011 10.3.4) */

/* Counters a sink keeps for the stats. */
struct sink_stats {
	uint64_t	messages;	/* handed to the sink */
	uint64_t	octets;
	uint64_t	sent;		/* datagrams the kernel accepted (UDP) */
	uint64_t	failed;		/* datagrams whose send met an error (UDP) */
	int		last_errno;	/* of the latest failed send */
};

/*
 * An IPFIX file (RFC 5655) on path, or on stdout when path is NULL or "-".
 * Refuses a terminal unless force is set.  Returns NULL with errno set and
 * a short reason in why.
 */
struct sink	*sink_file_open(const char *path, int force, const char **why);

/*
 * A connected UDP socket to dest, "HOST[:PORT]" or "[IPV6]:PORT" (port
 * SINK_IPFIX_PORT when not given).  A host name is resolved once and the
 * first address that takes a connect() is used for the whole run.  Every
 * message is one datagram; errors that ICMP reports (collector down) are
 * counted in the stats and are not failures of sink_write.  Returns NULL
 * with errno set and, when errno does not say it, a reason in why.
 */
struct sink	*sink_udp_open(const char *dest, const char **why);

/*
 * A pcap file (link type Ethernet) on path, or on stdout for "-": each
 * message becomes one Ethernet/IP/UDP packet with valid checksums, timed at
 * its Export Time.  The packets go to the destination of the UDP sink udp
 * when given, else to 192.0.2.2 port SINK_IPFIX_PORT, from 192.0.2.1 (or
 * 2001:db8::1 when the destination is IPv6) port SINK_IPFIX_PORT.  After a
 * failed write the file is cut back to its last whole packet.  Refuses a
 * terminal unless force is set.  NULL with errno set and maybe why.
 */
struct sink	*sink_pcap_open(const char *path, const struct sink *udp,
		    int force, const char **why);

/* The largest message the sink can carry in one piece. */
size_t		 sink_max_message(const struct sink *);

/*
 * Hand over one whole IPFIX message; export_time is the message's Export
 * Time (pcap uses it as the packet time).  Returns 0, or -1 with errno set.
 * EPIPE means the reader went away.
 */
int		 sink_write(struct sink *, const uint8_t *, size_t,
		    uint32_t export_time);

/* Push buffered output to the system; 0 or -1 with errno set. */
int		 sink_flush(struct sink *);

/* Flush and close; 0 or -1 with errno set.  Stats stay readable. */
int		 sink_close(struct sink *);

/* Free the sink (closing it first if needed, errors ignored). */
void		 sink_free(struct sink *);

/* A name for messages: the path, "stdout", or HOST:PORT. */
const char	*sink_name(const struct sink *);
const char	*sink_kind(const struct sink *);
const struct sink_stats *sink_stats(const struct sink *);

#endif
