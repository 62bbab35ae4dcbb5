/* parse.h: flow-log field catalogue, layouts, and one line -> one flow record. */
#ifndef PARSE_H
#define PARSE_H

#include <stddef.h>
#include <stdint.h>

/*
 * Every field name AWS documents for VPC (v2..v11) and Transit Gateway (v6)
 * flow logs.  The order is the catalogue order in parse.c; PF_UNKNOWN marks a
 * column whose name we do not know (it is ignored).
 */
enum parse_field {
	PF_VERSION, PF_ACCOUNT_ID, PF_INTERFACE_ID, PF_SRCADDR, PF_DSTADDR,
	PF_SRCPORT, PF_DSTPORT, PF_PROTOCOL, PF_PACKETS, PF_BYTES, PF_START,
	PF_END, PF_ACTION, PF_LOG_STATUS,
	/* v3 */
	PF_VPC_ID, PF_SUBNET_ID, PF_INSTANCE_ID, PF_TCP_FLAGS, PF_TYPE,
	PF_PKT_SRCADDR, PF_PKT_DSTADDR,
	/* v4 */
	PF_REGION, PF_AZ_ID, PF_SUBLOCATION_TYPE, PF_SUBLOCATION_ID,
	/* v5 */
	PF_PKT_SRC_AWS_SERVICE, PF_PKT_DST_AWS_SERVICE, PF_FLOW_DIRECTION,
	PF_TRAFFIC_PATH,
	/* v7 (ECS) */
	PF_ECS_CLUSTER_ARN, PF_ECS_CLUSTER_NAME, PF_ECS_CONTAINER_INSTANCE_ARN,
	PF_ECS_CONTAINER_INSTANCE_ID, PF_ECS_CONTAINER_ID,
	PF_ECS_SECOND_CONTAINER_ID, PF_ECS_SERVICE_NAME,
	PF_ECS_TASK_DEFINITION_ARN, PF_ECS_TASK_ARN, PF_ECS_TASK_ID,
	/* v8, v9, v10 */
	PF_REJECT_REASON, PF_RESOURCE_ID, PF_ENCRYPTION_STATUS,
	/* v11 */
	PF_INSTANCE_TAG, PF_INSTANCE_TAG_2, PF_INTERFACE_TAG, PF_INTERFACE_TAG_2,
	PF_ASG_TAG, PF_ASG_TAG_2, PF_INTERFACE_TYPE, PF_NEXT_HOP_INTERFACE_ID,
	PF_NEXT_HOP_SUBNET_ID, PF_NEXT_HOP_AZ_ID, PF_NEXT_HOP_VPC_ID,
	PF_NEXT_HOP_INTERFACE_TYPE,
	/* Transit Gateway (v6) */
	PF_RESOURCE_TYPE, PF_TGW_ID, PF_TGW_ATTACHMENT_ID,
	PF_TGW_SRC_VPC_ACCOUNT_ID, PF_TGW_DST_VPC_ACCOUNT_ID, PF_TGW_SRC_VPC_ID,
	PF_TGW_DST_VPC_ID, PF_TGW_SRC_SUBNET_ID, PF_TGW_DST_SUBNET_ID,
	PF_TGW_SRC_ENI, PF_TGW_DST_ENI, PF_TGW_SRC_AZ_ID, PF_TGW_DST_AZ_ID,
	PF_TGW_PAIR_ATTACHMENT_ID, PF_PACKETS_LOST_NO_ROUTE,
	PF_PACKETS_LOST_BLACKHOLE, PF_PACKETS_LOST_MTU_EXCEEDED,
	PF_PACKETS_LOST_TTL_EXPIRED,
	PF_NFIELDS,
	PF_UNKNOWN = PF_NFIELDS
};

#define PARSE_MAX_COLUMNS	128	/* fields in one layout */
#define PARSE_LINE_MAX		65536	/* bytes in one line, line end excluded */

/* Values of the enumerated fields; 0 is never a parsed value. */
enum { PARSE_ACCEPT = 1, PARSE_REJECT };
enum { PARSE_OK = 1, PARSE_NODATA, PARSE_SKIPDATA };
enum { PARSE_INGRESS = 1, PARSE_EGRESS };

/* Where a layout came from; it decides the rejects header and messages. */
enum parse_origin { PARSE_ORIGIN_DEFAULT, PARSE_ORIGIN_FORMAT,
	PARSE_ORIGIN_HEADER };

/*
 * A layout: which field each column holds.  It owns a copy of its column
 * names as a header line (names joined by single spaces), so the rejects
 * file can describe it and messages can name unknown columns.
 */
struct parse_layout {
	enum parse_origin	 origin;
	size_t			 ncol;
	uint8_t			 col[PARSE_MAX_COLUMNS];	/* enum parse_field */
	int			 has[PF_NFIELDS];		/* column + 1, or 0 */
	char			*header;	/* owned; names joined by ' ' */
	size_t			 headerlen;
	size_t			 nunknown;
	uint8_t			 type[PARSE_MAX_COLUMNS];	/* parser's use */
	uint64_t		 known[2];	/* parser's use: bits of col[] */
	uint64_t		 id;	/* a hash of header: equal layouts, equal ids */
};

struct parse_addr {
	uint8_t		family;		/* 4 or 6 */
	uint8_t		a[16];
};

struct parse_str {
	const char	*p;		/* borrowed from the line */
	size_t		 len;
};

/*
 * One parsed line.  A field's value is valid only when its bit is set in
 * present (parse_has()); '-' leaves the bit clear.  Strings borrow from the
 * line buffer and are valid until that buffer changes.
 */
struct parse_record {
	uint64_t		present[2];
	struct parse_addr	srcaddr, dstaddr, pkt_srcaddr, pkt_dstaddr;
	uint64_t		packets, bytes, start, end;
	uint64_t		lost[4];	/* no-route, blackhole, mtu, ttl */
	uint16_t		srcport, dstport;
	uint8_t			protocol, tcp_flags, action, log_status;
	uint8_t			direction, version, traffic_path;
	uint8_t			encryption_status;
	struct parse_str	str[PF_NFIELDS];	/* for string fields */
};

/* Why a line was refused: the column's field name and a reason. */
struct parse_error {
	char		field[40];
	char		reason[120];
};

static inline int
parse_has(const struct parse_record *r, enum parse_field f)
{
	return (r->present[f >> 6] >> (f & 63)) & 1;
}

/* The name of a field as AWS spells it. */
const char	*parse_field_name(enum parse_field);

/* Field by name; PF_UNKNOWN if not a documented name. */
enum parse_field parse_field_lookup(const char *, size_t);

/* The 14-field default (version 2) layout. */
int		 parse_layout_default(struct parse_layout *);

/*
 * A layout from a -F argument: "${a} ${b}", "$${a} $${b}", "a b", or a
 * preset name ("vpc-default", "tgw-default").  Returns 0, or -1 with err set.
 */
int		 parse_layout_format(struct parse_layout *, const char *,
		    struct parse_error *);

/*
 * Is this line a header line (every token a field-name-shaped word, most of
 * them known)?  If so, fill the layout and return 1; return 0 if the line is
 * not a header, -1 if it is one but unusable (err set, layout untouched).
 */
int		 parse_header(struct parse_layout *, const char *, size_t,
		    struct parse_error *);

void		 parse_layout_free(struct parse_layout *);

/*
 * Split and convert one line (no line end) according to the layout.
 * Returns 0 and fills rec, or -1 with err naming the field and the reason.
 * The line must stay unchanged while rec is in use.
 */
int		 parse_line(const struct parse_layout *, const char *, size_t,
		    struct parse_record *, struct parse_error *);

/*
 * Use the fast line parser (the default) or the simple one.  Both give the
 * same records and errors; tests compare them (FL2IPFIX_SIMPLE).
 */
void		 parse_set_fast(int);

/*
 * A parsed record in a compact form that does not point into the line, to
 * hand it from one thread to another: the record without its string table,
 * and its strings as offsets into the line.  parse_pack returns the bytes
 * written to buf, or 0 if cap is too small; parse_unpack rebuilds the
 * record with its strings pointing into line.
 */
size_t		 parse_pack(const struct parse_record *, const char *line,
		    void *buf, size_t cap);
void		 parse_unpack(const void *buf, const char *line,
		    struct parse_record *);

/* Is every byte of the line a space or a tab? */
int		 parse_blank(const char *, size_t);

#endif
