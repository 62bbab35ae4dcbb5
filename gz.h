/* gz.h: gzip decompression (zlib, or ISA-L when built with it), optionally on a thread of its own. */
#ifndef GZ_H
#define GZ_H

#include <sys/types.h>

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

struct gz;

/*
 * Called on the inflating thread with each piece of text, in order, before
 * the reader gets it: the text, its length, its offset in the text, and
 * whether the reader had to wait for text, or the thread for room, since
 * the last call.
 */
typedef void	 gz_hook(void *arg, const char *text, size_t len,
		    uint64_t off, int reader_waited, int worker_waited);

/*
 * Start decompressing the gzip stream on fd, whose first n bytes were
 * already read into head.  With fast set, inflating runs on its own
 * thread (so a .gz converts at the speed of the slower of inflating and
 * parsing) with ISA-L when built with it; otherwise zlib on the caller's
 * thread.  Both give the same text.  The hook, if any, sees the text first
 * (fast mode only).  When *stop is set (a signal came), a read that
 * would wait for input fails instead, with EINTR.  NULL with errno set on
 * failure.
 */
struct gz	*gz_open(int fd, const void *head, size_t n, int fast,
		    gz_hook *, void *hookarg,
		    const volatile sig_atomic_t *stop);

/*
 * Copy up to cap bytes of text into dst.  Returns how many (> 0), 0 at the
 * clean end of the last member, -1 on a read error or damage (gz_error()).
 * All the text before the damage is returned before the error.
 */
ssize_t		 gz_read(struct gz *, void *dst, size_t cap);

/*
 * With the inflating thread: when gz_read() has waited ms milliseconds
 * for text, call fn(arg) once (again after the next wait that long); if
 * it returns -1, gz_read() gives up with EINTR.
 */
void		 gz_set_idle(struct gz *, int ms, int (*fn)(void *), void *arg);

/* What went wrong, with the compressed byte offset. */
const char	*gz_error(const struct gz *);

/* Compressed bytes read from fd so far (head included). */
uint64_t	 gz_raw_bytes(const struct gz *);

/* Stop the thread, if any, and free everything. */
void		 gz_close(struct gz *);

/* The inflater the fast mode uses: "isa-l" or "zlib". */
const char	*gz_backend(void);

#endif
