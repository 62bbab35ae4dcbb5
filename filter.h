/* filter.h: which records are kept, and why the others were removed. */
#ifndef FILTER_H
#define FILTER_H

#include <stddef.h>
#include <stdint.h>

struct parse_record;
struct parse_layout;

/* The filters, in the order they apply; names as in --stats=json. */
enum filter_id {
	FILTER_DIRECTION, FILTER_ACTION, FILTER_ACCOUNT, FILTER_VPC,
	FILTER_INTERFACE, FILTER_SINCE, FILTER_UNTIL, FILTER_DEDUP,
	FILTER_N
};

#define FILTER_KEEP	(-1)

struct filter;

/* What each filter removed. */
struct filter_removed {
	uint64_t	records, packets, bytes;
};

struct filter	*filter_new(void);
void		 filter_free(struct filter *);

/*
 * Configure one filter from its command-line argument.  Values of account,
 * vpc and interface accumulate (any may match).  Returns 0, or -1 with a
 * reason in *why.
 */
int		 filter_set(struct filter *, enum filter_id, const char *arg,
		    const char **why);

/* Drop repeated observations, remembering the last window flows (> 0). */
int		 filter_set_dedup(struct filter *, size_t window);

/* Is any filter configured?  Is this one? */
int		 filter_active(const struct filter *);
int		 filter_configured(const struct filter *, enum filter_id);

/*
 * Decide on one record: FILTER_KEEP, or the filter that removed it (its
 * counters are updated).  *cannot is set to a filter that could not apply
 * to this record's layout (the record was kept), else FILTER_KEEP.
 */
int		 filter_match(struct filter *, const struct parse_record *,
		    int *cannot);

const char	*filter_name(enum filter_id);
const struct filter_removed *filter_removed(const struct filter *,
		    enum filter_id);

/* Parse a time for --since/--until: Unix seconds or YYYY-MM-DDTHH:MM[:SS]Z. */
int		 filter_parse_time(const char *, uint64_t *);

#endif
