/* prep.h: parsing lines ahead on the inflating thread, so the main thread only looks records up. */
#ifndef PREP_H
#define PREP_H

#include <stddef.h>
#include <stdint.h>

struct parse_layout;
struct parse_record;

struct prep;

/*
 * A preparer for one operand that starts with the layout base (copied);
 * linemax is the input's line limit.  NULL when out of memory.
 */
struct prep	*prep_new(const struct parse_layout *base, size_t linemax);
void		 prep_free(struct prep *);

/*
 * The inflating thread: the next piece of text, in order, starting at
 * text offset off.  Follows header lines as the main thread will, and
 * parses a share of the data lines ahead; the share grows when the main
 * thread is the slower one (worker_waited) and shrinks when it had to
 * wait for text (reader_waited).
 */
void		 prep_chunk(void *prep, const char *text, size_t len,
		    uint64_t off, int reader_waited, int worker_waited);

/*
 * The main thread, for every line in order: the line starting at text
 * offset off is next; what was prepared for earlier lines is dropped.
 */
void		 prep_advance(struct prep *, uint64_t off);

/*
 * The main thread: if the line at text offset off, len bytes long, was
 * parsed ahead with a layout equal to l (and its first and last bytes are
 * those of line), fill rec as parse_line() would (strings pointing into
 * line) and return 1; else return 0.
 */
int		 prep_get(struct prep *, uint64_t off, size_t len,
		    const struct parse_layout *l, const char *line,
		    struct parse_record *rec);

#endif
