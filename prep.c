/* prep.c: owns parsing lines ahead on the inflating thread, so the main thread only looks records up. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "prep.h"

/*
 * Parsed records wait in arenas, one per piece of text: a FIFO of filled
 * arenas from the inflating thread to the main thread, and a free list
 * back.  The inflating thread never waits for an arena (with none free it
 * only follows the headers), so it can never block the main thread.
 */
#define NARENA		6
#define ARENA_SIZE	(2 * 1024 * 1024)
#define SHARES		16	/* the share parsed ahead: n/16 */
#define WINDOW		4	/* pieces of text between adjustments */

/* One prepared line in an arena, followed by its packed record. */
struct entry {
	uint64_t	off;		/* text offset of the line */
	uint64_t	id;		/* layout id */
	uint32_t	len;		/* line length, line end excluded */
	char		head[8], tail[8];	/* its first and last bytes */
	uint32_t	size;		/* of the entry, record included */
};

struct arena {
	unsigned char	*mem;
	size_t		 used;
	uint64_t	 end;		/* text offset after its piece */
	struct arena	*next;
};

struct prep {
	pthread_mutex_t	 mu;
	struct arena	 a[NARENA];
	struct arena	*free, *head, *tail;	/* under mu */
	/* The inflating thread's side. */
	struct parse_layout layout;
	size_t		 linemax;
	char		*carry;		/* a line cut at a piece's end */
	size_t		 carrylen;
	int		 skipping;	/* in an over-long line */
	unsigned	 share;
	unsigned	 window, rwaits, wwaits;
	/* The main thread's side. */
	struct arena	*cur;
	size_t		 pos;
};

struct prep *
prep_new(const struct parse_layout *base, size_t linemax)
{
	struct prep	*p;
	size_t		 i;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	if (pthread_mutex_init(&p->mu, NULL) != 0) {
		free(p);
		return NULL;
	}
	p->layout = *base;
	p->layout.header = NULL;
	p->linemax = linemax;
	p->share = SHARES / 2;
	if ((p->layout.header = malloc(base->headerlen + 1)) == NULL ||
	    (p->carry = malloc(linemax + 2)) == NULL)
		goto fail;
	memcpy(p->layout.header, base->header, base->headerlen + 1);
	for (i = 0; i < NARENA; i++) {
		if ((p->a[i].mem = malloc(ARENA_SIZE)) == NULL)
			goto fail;
		p->a[i].next = p->free;
		p->free = &p->a[i];
	}
	return p;
fail:
	prep_free(p);
	return NULL;
}

void
prep_free(struct prep *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < NARENA; i++)
		free(p->a[i].mem);
	parse_layout_free(&p->layout);
	free(p->carry);
	pthread_mutex_destroy(&p->mu);
	free(p);
}

/*
 * One whole line (line end excluded) at text offset off: follow the
 * layout as do_line() does, and parse it into the arena if one is given.
 */
static void
line(struct prep *p, const char *s, size_t n, uint64_t off, struct arena *a)
{
	struct parse_record	rec;
	struct parse_error	err;
	struct entry		e;
	size_t			k;

	if (n > 0 && s[n - 1] == '\r')
		n--;
	if (n > p->linemax || parse_blank(s, n) || memchr(s, '\0', n) != NULL)
		return;
	if (s[0] >= 'a' && s[0] <= 'z' &&
	    parse_header(&p->layout, s, n, &err) != 0)
		return;
	if (a == NULL || n < sizeof(e.head) ||
	    a->used + sizeof(e) >= ARENA_SIZE ||
	    parse_line(&p->layout, s, n, &rec, &err) == -1)
		return;
	k = parse_pack(&rec, s, a->mem + a->used + sizeof(e),
	    ARENA_SIZE - a->used - sizeof(e));
	if (k == 0)
		return;
	e.off = off;
	e.id = p->layout.id;
	e.len = (uint32_t)n;
	memcpy(e.head, s, sizeof(e.head));
	memcpy(e.tail, s + n - sizeof(e.tail), sizeof(e.tail));
	e.size = (uint32_t)((sizeof(e) + k + 7) & ~(size_t)7);
	if (a->used + e.size > ARENA_SIZE)
		return;
	memcpy(a->mem + a->used, &e, sizeof(e));
	a->used += e.size;
}

void
prep_chunk(void *arg, const char *text, size_t len, uint64_t off,
    int reader_waited, int worker_waited)
{
	struct prep	*p = arg;
	struct arena	*a;
	const char	*s = text, *e = text + len, *nl, *budget;

	/*
	 * The thread that waited more is the faster one: give it more of the
	 * parsing.  Counted over a window, as a thread that was only
	 * preempted also makes the other wait.
	 */
	p->rwaits += reader_waited != 0;
	p->wwaits += worker_waited != 0;
	if (++p->window == WINDOW) {
		if (p->wwaits > p->rwaits && p->share < SHARES)
			p->share++;
		else if (p->rwaits > p->wwaits && p->share > 0)
			p->share--;
		p->window = p->rwaits = p->wwaits = 0;
	}
	pthread_mutex_lock(&p->mu);
	if ((a = p->free) != NULL)
		p->free = a->next;
	pthread_mutex_unlock(&p->mu);
	if (a != NULL) {
		a->used = 0;
		a->end = off + len;
		a->next = NULL;
	}
	budget = text + len / SHARES * p->share;

	/* The line begun in the last piece: followed, never parsed ahead. */
	if (p->carrylen > 0 || p->skipping) {
		if ((nl = memchr(s, '\n', len)) == NULL) {
			if (!p->skipping &&
			    p->carrylen + len <= p->linemax + 1) {
				memcpy(p->carry + p->carrylen, s, len);
				p->carrylen += len;
			} else {
				p->skipping = 1;
				p->carrylen = 0;
			}
			goto done;
		}
		if (!p->skipping && p->carrylen + (size_t)(nl - s) <=
		    p->linemax + 1) {
			memcpy(p->carry + p->carrylen, s, (size_t)(nl - s));
			line(p, p->carry, p->carrylen + (size_t)(nl - s), 0,
			    NULL);
		}
		p->skipping = 0;
		p->carrylen = 0;
		s = nl + 1;
	}
	while ((nl = memchr(s, '\n', (size_t)(e - s))) != NULL) {
		line(p, s, (size_t)(nl - s), off + (uint64_t)(s - text),
		    s < budget ? a : NULL);
		s = nl + 1;
	}
	if ((size_t)(e - s) > p->linemax + 1)
		p->skipping = 1;
	else {
		memcpy(p->carry, s, (size_t)(e - s));
		p->carrylen = (size_t)(e - s);
	}
done:
	if (a != NULL) {
		pthread_mutex_lock(&p->mu);
		if (p->tail != NULL)
			p->tail->next = a;
		else
			p->head = a;
		p->tail = a;
		pthread_mutex_unlock(&p->mu);
	}
}

void
prep_advance(struct prep *p, uint64_t off)
{
	for (;;) {
		if (p->cur == NULL) {
			/* The next arena, if the inflating thread made one. */
			pthread_mutex_lock(&p->mu);
			if ((p->cur = p->head) != NULL) {
				p->head = p->cur->next;
				if (p->head == NULL)
					p->tail = NULL;
			}
			pthread_mutex_unlock(&p->mu);
			if (p->cur == NULL)
				return;
			p->pos = 0;
		}
		if (off < p->cur->end)
			break;
		/* Every line of this arena's piece is behind us. */
		pthread_mutex_lock(&p->mu);
		p->cur->next = p->free;
		p->free = p->cur;
		pthread_mutex_unlock(&p->mu);
		p->cur = NULL;
	}
	while (p->pos < p->cur->used) {
		struct entry e;

		memcpy(&e, p->cur->mem + p->pos, sizeof(e));
		if (e.off >= off)
			break;
		p->pos += e.size;
	}
}

int
prep_get(struct prep *p, uint64_t off, size_t len,
    const struct parse_layout *l, const char *s, struct parse_record *rec)
{
	struct entry e;

	if (p->cur == NULL || p->pos >= p->cur->used)
		return 0;
	memcpy(&e, p->cur->mem + p->pos, sizeof(e));
	/* The same line (the ends, cheaply) under the same layout. */
	if (e.off != off || e.len != len || e.id != l->id ||
	    memcmp(e.head, s, sizeof(e.head)) != 0 ||
	    memcmp(e.tail, s + len - sizeof(e.tail), sizeof(e.tail)) != 0)
		return 0;
	parse_unpack(p->cur->mem + p->pos + sizeof(e), s, rec);
	p->pos += e.size;
	return 1;
}
