/* sink.h: where finished IPFIX messages go (a file or stdout, a UDP collector, a pcap file). */
#ifndef SINK_H
#define SINK_H

#include <stddef.h>
#include <stdint.h>

struct sink;

/* Counters a sink keeps for the stats. */
struct sink_stats {
	uint64_t	messages;	/* handed to the sink */
	uint64_t	octets;
	uint64_t	sent;		/* datagrams sent (UDP) */
	uint64_t	failed;		/* sends that failed (UDP) */
	int		last_errno;	/* of the first failed send */
};

/*
 * An IPFIX file (RFC 5655) on path, or on stdout when path is NULL or "-".
 * Refuses a terminal unless force is set.  Returns NULL with errno set and
 * a short reason in why.
 */
struct sink	*sink_file_open(const char *path, int force, const char **why);

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
