/* ipfix.h: IPFIX (RFC 7011) templates and messages for flow and options records. */
#ifndef IPFIX_H
#define IPFIX_H

#include <stddef.h>
#include <stdint.h>

struct sink;

/* What a flow record holds; each group is exported only when its bit is set. */
#define IPFIX_HAS_SRC		0x0001	/* source address */
#define IPFIX_HAS_DST		0x0002	/* destination address */
#define IPFIX_HAS_NAT		0x0004	/* postNAT pair (needs SRC and DST) */
#define IPFIX_HAS_PORTS		0x0008	/* source and destination port */
#define IPFIX_HAS_PROTO		0x0010
#define IPFIX_HAS_PACKETS	0x0020
#define IPFIX_HAS_BYTES		0x0040
#define IPFIX_HAS_TIMES		0x0080	/* flow start and end */
#define IPFIX_HAS_TCPFLAGS	0x0100
#define IPFIX_HAS_DIRECTION	0x0200
#define IPFIX_HAS_INIF		0x0400
#define IPFIX_HAS_OUTIF		0x0800
#define IPFIX_HAS_INVRF		0x1000
#define IPFIX_HAS_OUTVRF	0x2000
#define IPFIX_HAS_FWD		0x4000	/* forwardingStatus */
#define IPFIX_HAS_DROPPED	0x8000	/* droppedPacketDeltaCount (needs FWD) */

/* forwardingStatus values (RFC 7270, IANA registry). */
#define IPFIX_FWD_FORWARDED	64
#define IPFIX_FWD_DROP_UNKNOWN	128
#define IPFIX_FWD_ACL_DENY	129
#define IPFIX_FWD_UNROUTABLE	131
#define IPFIX_FWD_DF_SET	133
#define IPFIX_FWD_BAD_TTL	137

struct ipfix_flow {
	uint32_t	has;		/* IPFIX_HAS_* */
	uint8_t		family;		/* 4 or 6: of src/dst */
	uint8_t		nat_family;	/* 4 or 6: of the postNAT pair */
	uint8_t		src[16], dst[16], nat_src[16], nat_dst[16];
	uint16_t	sport, dport;
	uint8_t		proto, tcpflags, direction, fwd;
	uint64_t	packets, bytes, start_ms, end_ms, dropped;
	uint32_t	in_if, out_if, in_vrf, out_vrf;
};

/* How one exporter (one output) behaves. */
struct ipfix_config {
	size_t		msgsize;	/* largest message, 512..65535 */
	uint32_t	domain;		/* observation domain id */
	int		fixed_time;	/* export_time below is used as is */
	uint32_t	export_time;
	int		copies;		/* template messages sent at first use */
	uint32_t	refresh;	/* seconds between template resends, 0 never */
	int		simple;		/* the simple record encoder (tests) */
};

/* Counters an exporter keeps for the stats. */
struct ipfix_stats {
	uint64_t	messages;
	uint64_t	octets;
	uint64_t	flows;		/* flow data records */
	uint64_t	options;	/* options data records */
	uint64_t	templates;	/* template records sent, resends included */
	uint64_t	refreshes;
};

struct ipfix_exporter;

/*
 * The kinds of name tables sent as options records: interface names keyed
 * by ingressInterface, VRF names keyed by ingressVRFID.
 */
enum ipfix_table { IPFIX_TABLE_IF, IPFIX_TABLE_VRF };

#define IPFIX_NAME_MAX	255	/* octets of one name or description */

/*
 * A new exporter writing whole messages to the sink.  The caller keeps
 * ownership of the sink; the exporter owns its message buffer and the list
 * of options records it must resend.  NULL on allocation failure.
 */
struct ipfix_exporter *ipfix_new(const struct ipfix_config *, struct sink *);
void		 ipfix_free(struct ipfix_exporter *);

/*
 * Add one flow record (its template goes first when needed).
 * Returns 0, or -1 when the sink failed (errno set).
 */
int		 ipfix_add_flow(struct ipfix_exporter *, const struct ipfix_flow *);

/*
 * Add the options records naming one interface or VRF, and remember them
 * for template refreshes.  name is the AWS id; descr may be NULL or "".
 * Strings are cut to IPFIX_NAME_MAX octets on a UTF-8 boundary.
 */
int		 ipfix_add_name(struct ipfix_exporter *, enum ipfix_table,
		    uint32_t index, const char *name, const char *descr);

/* Send the pending message; 0 or -1 (errno set). */
int		 ipfix_flush(struct ipfix_exporter *);

const struct ipfix_stats *ipfix_stats(const struct ipfix_exporter *);

/* The message budget in force (the configured one, within 65535). */
size_t		 ipfix_message_size(const struct ipfix_exporter *);

/*
 * Template access for tests and tools: the template id of a flow record,
 * the Template Record bytes for it, and the length of its data record.
 */
uint16_t	 ipfix_template_id(const struct ipfix_flow *);
size_t		 ipfix_template_record(const struct ipfix_flow *, uint8_t *,
		    size_t);
size_t		 ipfix_record_length(const struct ipfix_flow *);
size_t		 ipfix_encode_flow(const struct ipfix_flow *, uint8_t *, size_t);

#endif
