/* gz.c: owns gzip decompression (zlib, or ISA-L when built with it), optionally on a thread of its own. */
#include <sys/types.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>
#ifdef HAVE_ISAL
#include <isa-l/igzip_lib.h>
#endif

#include "gz.h"

#define RAW_SIZE	(256 * 1024)	/* compressed bytes per read */
#define CHUNK		(1024 * 1024)	/* text bytes a ring buffer */
#define NCHUNK		4		/* ring buffers */

/* One ring buffer: text the inflating thread made, not yet read. */
struct chunk {
	unsigned char	*p;
	size_t		 len, off;
	uint64_t	 raw;		/* compressed bytes read by then */
};

struct gz {
	int		 fd;
	/* The inflater's side (the thread's, when there is one). */
	int		 isal;
	z_stream	 zs;
	int		 zinit;
#ifdef HAVE_ISAL
	struct inflate_state *is;
#endif
	unsigned char	*raw;
	unsigned char	*next_in;
	size_t		 avail_in;
	uint64_t	 rawoff;	/* compressed bytes consumed */
	uint64_t	 rawbytes;	/* compressed bytes read */
	int		 in_member;
	int		 err;		/* errmsg holds an error */
	char		 errmsg[256];
	const volatile sig_atomic_t *sig;	/* set: stop waiting */
	/* The ring between the two threads, under mu. */
	int		 threaded;
	pthread_t	 thr;
	pthread_mutex_t	 mu;
	pthread_cond_t	 filled, emptied;
	struct chunk	 ring[NCHUNK];
	unsigned	 head, tail, nfull;
	int		 done;		/* 1 at the end, -1 on error */
	int		 reader_waited, worker_waited;
	gz_hook		*hook;
	void		*hookarg;
	uint64_t	 textoff;	/* text made so far (the thread's) */
	int		 stop;		/* gz_close() is waiting */
	uint64_t	 final_raw;
	/* The reader's side. */
	uint64_t	 seen_raw;
	int		 idle_ms;
	int		(*idle_fn)(void *);
	void		*idle_arg;
	int		 idled;		/* idle_fn ran in this wait */
	char		 stopmsg[64];	/* the reader gave up */
};

const char *
gz_backend(void)
{
#ifdef HAVE_ISAL
	return "isa-l";
#else
	return "zlib";
#endif
}

static int fail(struct gz *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

/* Note an error at the current compressed offset; always -1. */
static int
fail(struct gz *g, const char *fmt, ...)
{
	char	tmp[200];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	snprintf(g->errmsg, sizeof(g->errmsg), "%s (at byte %llu)", tmp,
	    (unsigned long long)g->rawoff);
	g->err = 1;
	return -1;
}

/*
 * read(2), retrying after a signal, but giving up (EINTR) once *sig is
 * set.  The inflating thread takes no signals: the reader watches *sig
 * for it, and gz_close() may cancel it while it is blocked here, and only
 * here.  XXX Without the thread (FL2IPFIX_SIMPLE), a signal that lands
 * between the check and read() is seen only when bytes arrive (BUGS).
 */
static ssize_t
xread(struct gz *g, void *p, size_t n)
{
	ssize_t	r;
	int	old;

	for (;;) {
		if (!g->threaded && g->sig != NULL && *g->sig) {
			errno = EINTR;
			return -1;
		}
		if (g->threaded)
			pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, &old);
		r = read(g->fd, p, n);
		if (g->threaded)
			pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &old);
		if (r != -1 || errno != EINTR)
			return r;
	}
}

/* Read more compressed bytes behind the unread ones; 0 at end of file. */
static ssize_t
raw_more(struct gz *g)
{
	ssize_t n;

	if (g->avail_in > 0 && g->next_in != g->raw)
		memmove(g->raw, g->next_in, g->avail_in);
	g->next_in = g->raw;
	n = xread(g, g->raw + g->avail_in, RAW_SIZE - g->avail_in);
	if (n > 0) {
		g->rawbytes += (uint64_t)n;
		g->avail_in += (size_t)n;
	}
	return n;
}

/* Start the next member. */
static int
member_reset(struct gz *g)
{
#ifdef HAVE_ISAL
	if (g->isal) {
		isal_inflate_reset(g->is);
		g->is->crc_flag = ISAL_GZIP;
		return 0;
	}
#endif
	if (inflateReset(&g->zs) != Z_OK)
		return fail(g, "inflateReset failed");
	return 0;
}

#ifdef HAVE_ISAL
static const char *
isal_reason(int rc)
{
	switch (rc) {
	case ISAL_INVALID_BLOCK:
		return "invalid block";
	case ISAL_INVALID_SYMBOL:
		return "invalid code";
	case ISAL_INVALID_LOOKBACK:
		return "invalid distance too far back";
	case ISAL_INVALID_WRAPPER:
		return "invalid gzip header";
	case ISAL_UNSUPPORTED_METHOD:
		return "unknown compression method";
	case ISAL_INCORRECT_CHECKSUM:
		return "incorrect data check";
	default:
		return "inflate failed";
	}
}
#endif

/*
 * Inflate from the unread compressed bytes into out[0..cap).  *made is set
 * to the text produced.  Returns 1 at the end of a member, 0 otherwise, -1
 * on damage (error noted).
 */
static int
inflate_some(struct gz *g, unsigned char *out, size_t cap, size_t *made)
{
	size_t	before = g->avail_in;
	int	zr;

#ifdef HAVE_ISAL
	if (g->isal) {
		struct inflate_state *is = g->is;

		is->next_in = g->next_in;
		is->avail_in = (uint32_t)g->avail_in;
		is->next_out = out;
		is->avail_out = (uint32_t)cap;
		zr = isal_inflate(is);
		*made = cap - is->avail_out;
		g->next_in = is->next_in;
		g->avail_in = is->avail_in;
		g->rawoff += before - g->avail_in;
		if (zr < 0)
			return fail(g, "corrupt gzip data: %s",
			    isal_reason(zr));
		return is->block_state == ISAL_BLOCK_FINISH;
	}
#endif
	g->zs.next_in = g->next_in;
	g->zs.avail_in = (uInt)g->avail_in;
	g->zs.next_out = out;
	g->zs.avail_out = (uInt)cap;
	zr = inflate(&g->zs, Z_NO_FLUSH);
	*made = cap - g->zs.avail_out;
	g->next_in = g->zs.next_in;
	g->avail_in = g->zs.avail_in;
	g->rawoff += before - g->avail_in;
	if (zr == Z_STREAM_END)
		return 1;
	if (zr == Z_OK || (zr == Z_BUF_ERROR && g->avail_in == 0))
		return 0;
	return fail(g, "corrupt gzip data: %s",
	    g->zs.msg ? g->zs.msg : "inflate failed");
}

/*
 * Fill out[0..cap) with text.  Members follow each other as one stream,
 * as zcat reads them.  Returns the bytes made, as soon as some are made
 * and more would mean waiting for input; 0 at the clean end; -1 on
 * damage, but only once the text before it has been returned.
 */
static ssize_t
fill(struct gz *g, unsigned char *out, size_t cap)
{
	size_t	got = 0, made;
	ssize_t	n;
	int	rc;

	if (g->err)
		return -1;
	while (got < cap) {
		if (g->avail_in == 0 || (!g->in_member && g->avail_in < 2)) {
			/* Do not wait for input with text in hand. */
			if (got > 0)
				break;
			if ((n = raw_more(g)) == -1) {
				fail(g, "read: %s", strerror(errno));
				break;
			}
			if (n == 0) {
				if (g->in_member)
					fail(g, "truncated gzip data: the "
					    "file ends inside a member");
				else if (g->avail_in > 0)
					fail(g, "trailing garbage after the "
					    "gzip data");
				break;
			}
			continue;
		}
		if (!g->in_member) {
			/* Between members: another must start here. */
			if (g->next_in[0] != 0x1f || g->next_in[1] != 0x8b) {
				fail(g, "trailing garbage after the gzip data");
				break;
			}
			if (member_reset(g) == -1)
				break;
			g->in_member = 1;
		}
		rc = inflate_some(g, out + got, cap - got, &made);
		got += made;
		if (rc == -1)
			break;
		if (rc == 1)
			g->in_member = 0;
		else if (made == 0 && g->avail_in > 0) {
			/* No progress with input in hand: cannot happen. */
			fail(g, "corrupt gzip data: inflate made no progress");
			break;
		}
	}
	if (got > 0)
		return (ssize_t)got;
	return g->err ? -1 : 0;
}

/* The inflating thread: fill ring buffers until the end or an error. */
static void *
inflater(void *arg)
{
	struct gz	*g = arg;
	int		 old;

	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &old);
	pthread_mutex_lock(&g->mu);
	for (;;) {
		struct chunk	*c;
		ssize_t		 n;
		int		 rw, ww;

		while (g->nfull == NCHUNK && !g->stop) {
			g->worker_waited = 1;
			pthread_cond_wait(&g->emptied, &g->mu);
		}
		if (g->stop)
			break;
		c = &g->ring[g->head];
		rw = g->reader_waited;
		ww = g->worker_waited;
		g->reader_waited = g->worker_waited = 0;
		pthread_mutex_unlock(&g->mu);
		n = fill(g, c->p, CHUNK);
		if (n > 0 && g->hook != NULL)
			g->hook(g->hookarg, (const char *)c->p, (size_t)n,
			    g->textoff, rw, ww);
		if (n > 0)
			g->textoff += (uint64_t)n;
		pthread_mutex_lock(&g->mu);
		if (n > 0) {
			c->len = (size_t)n;
			c->off = 0;
			c->raw = g->rawbytes;
			g->head = (g->head + 1) % NCHUNK;
			g->nfull++;
		} else {
			g->done = n == 0 ? 1 : -1;
			g->final_raw = g->rawbytes;
		}
		pthread_cond_signal(&g->filled);
		if (n <= 0)
			break;
	}
	pthread_mutex_unlock(&g->mu);
	return NULL;
}

static ssize_t
ring_read(struct gz *g, void *dst, size_t cap)
{
	ssize_t rc;

	int	waited = 0;	/* ms */

	pthread_mutex_lock(&g->mu);
	while (g->nfull == 0 && !g->done) {
		struct timespec ts;

		g->reader_waited = 1;
		/* Look at the stop flag ten times a second while waiting. */
		if (g->sig != NULL && *g->sig) {
			pthread_mutex_unlock(&g->mu);
			snprintf(g->stopmsg, sizeof(g->stopmsg), "read: %s",
			    strerror(EINTR));
			errno = EINTR;
			return -1;
		}
		if (g->idle_fn != NULL && !g->idled && waited >= g->idle_ms) {
			g->idled = 1;
			pthread_mutex_unlock(&g->mu);
			if (g->idle_fn(g->idle_arg) == -1) {
				snprintf(g->stopmsg, sizeof(g->stopmsg),
				    "read: %s", strerror(EINTR));
				errno = EINTR;
				return -1;
			}
			pthread_mutex_lock(&g->mu);
			continue;
		}
		waited += 100;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 100 * 1000 * 1000;
		if (ts.tv_nsec >= 1000 * 1000 * 1000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000 * 1000 * 1000;
		}
		pthread_cond_timedwait(&g->filled, &g->mu, &ts);
	}
	if (g->nfull > 0) {
		struct chunk	*c = &g->ring[g->tail];
		size_t		 k = c->len - c->off;

		g->idled = 0;
		/* The thread never touches a full buffer: copy unlocked. */
		pthread_mutex_unlock(&g->mu);
		if (k > cap)
			k = cap;
		memcpy(dst, c->p + c->off, k);
		c->off += k;
		pthread_mutex_lock(&g->mu);
		g->seen_raw = c->raw;
		if (c->off == c->len) {
			g->tail = (g->tail + 1) % NCHUNK;
			g->nfull--;
			pthread_cond_signal(&g->emptied);
		}
		rc = (ssize_t)k;
	} else {
		g->seen_raw = g->final_raw;
		rc = g->done == 1 ? 0 : -1;
	}
	pthread_mutex_unlock(&g->mu);
	return rc;
}

void
gz_set_idle(struct gz *g, int ms, int (*fn)(void *), void *arg)
{
	g->idle_ms = ms;
	g->idle_fn = fn;
	g->idle_arg = arg;
}

ssize_t
gz_read(struct gz *g, void *dst, size_t cap)
{
	ssize_t n;

	if (g->threaded)
		return ring_read(g, dst, cap);
	n = fill(g, dst, cap);
	g->seen_raw = g->rawbytes;
	return n;
}

const char *
gz_error(const struct gz *g)
{
	return g->stopmsg[0] != '\0' ? g->stopmsg : g->errmsg;
}

uint64_t
gz_raw_bytes(const struct gz *g)
{
	return g->seen_raw;
}

static int
start_thread(struct gz *g)
{
	sigset_t	all, old;
	size_t		i;
	int		rc;

	for (i = 0; i < NCHUNK; i++)
		if ((g->ring[i].p = malloc(CHUNK)) == NULL)
			return -1;
	if (pthread_mutex_init(&g->mu, NULL) != 0)
		return -1;
	if (pthread_cond_init(&g->filled, NULL) != 0 ||
	    pthread_cond_init(&g->emptied, NULL) != 0)
		return -1;
	/* Signals are for the main thread (it decides when to stop). */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	g->threaded = 1;	/* before the thread reads it */
	rc = pthread_create(&g->thr, NULL, inflater, g);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		g->threaded = 0;
		errno = rc;
		return -1;
	}
	return 0;
}

struct gz *
gz_open(int fd, const void *head, size_t n, int fast, gz_hook *hook,
    void *hookarg, const volatile sig_atomic_t *stop)
{
	struct gz	*g;
	int		 save;

	if ((g = calloc(1, sizeof(*g))) == NULL)
		return NULL;
	g->fd = fd;
	g->hook = hook;
	g->hookarg = hookarg;
	g->sig = stop;
	if ((g->raw = malloc(RAW_SIZE > n ? RAW_SIZE : n)) == NULL)
		goto fail;
	memcpy(g->raw, head, n);
	g->next_in = g->raw;
	g->avail_in = n;
	g->rawbytes = g->seen_raw = n;
	g->in_member = 1;
#ifdef HAVE_ISAL
	if (fast) {
		if ((g->is = calloc(1, sizeof(*g->is))) == NULL)
			goto fail;
		isal_inflate_init(g->is);
		g->is->crc_flag = ISAL_GZIP;
		g->isal = 1;
	}
#endif
	if (!g->isal) {
		if (inflateInit2(&g->zs, 15 + 16) != Z_OK) {
			errno = ENOMEM;
			goto fail;
		}
		g->zinit = 1;
	}
	if (fast && start_thread(g) == -1)
		goto fail;
	return g;
fail:
	save = errno;
	gz_close(g);
	errno = save;
	return NULL;
}

void
gz_close(struct gz *g)
{
	size_t i;

	if (g == NULL)
		return;
	if (g->threaded) {
		pthread_mutex_lock(&g->mu);
		g->stop = 1;
		pthread_cond_signal(&g->emptied);
		pthread_mutex_unlock(&g->mu);
		/* It may be blocked reading a pipe nobody writes to. */
		pthread_cancel(g->thr);
		pthread_join(g->thr, NULL);
		pthread_cond_destroy(&g->filled);
		pthread_cond_destroy(&g->emptied);
		pthread_mutex_destroy(&g->mu);
	}
	for (i = 0; i < NCHUNK; i++)
		free(g->ring[i].p);
	if (g->zinit)
		inflateEnd(&g->zs);
#ifdef HAVE_ISAL
	free(g->is);
#endif
	free(g->raw);
	free(g);
}
