/* map.h: one parsed flow-log record -> one IPFIX flow record (the field mapping). */
#ifndef MAP_H
#define MAP_H

#include <stdint.h>

struct idmap;
struct idmap_error;
struct ipfix_flow;
struct parse_error;
struct parse_record;

/* Indexes used for the first time in this run: their names must be sent. */
struct map_new {
	unsigned	n;
	struct {
		uint8_t		kind;	/* enum idmap_kind */
		uint32_t	index;
	}		v[6];
};

/*
 * Fill an IPFIX flow record from a parsed line, resolving string ids to
 * integers through the id map.  Returns 0; -1 when the line cannot be
 * represented (perr names the field); -2 when the id map failed (ierr).
 */
int	map_flow(struct idmap *, const struct parse_record *,
	    struct ipfix_flow *, struct map_new *, struct parse_error *perr,
	    struct idmap_error *ierr);

/* Does the record carry any traffic field worth a flow record? */
int	map_has_traffic(const struct parse_record *);

#endif
