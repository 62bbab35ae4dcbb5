/* input.c: owns reading an operand: plain or gzip (concatenated members), split into lines. */
#define _GNU_SOURCE		/* F_SETPIPE_SZ */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gz.h"
#include "input.h"
#include "prep.h"

#define READ_SIZE	(1024 * 1024)	/* bytes asked of read() at once */
#define PROBE_SIZE	4096		/* text bytes that tell binary data */

struct input {
	char		*name;
	int		 fd;
	int		 gz;		/* gzip mode */
	struct gz	*gzs;		/* the decompressor, in gzip mode */
	struct prep	*prep;		/* parses ahead on the gzip thread */
	uint64_t	 textbase;	/* text offset of buf[0] */
	char		*buf;		/* decompressed bytes */
	size_t		 cap, start, end;
	size_t		 linemax;
	uint64_t	 lineno;
	uint64_t	 rawbytes, size;
	uint64_t	 textbytes;	/* text (decompressed) bytes so far */
	uint64_t	 controls;	/* control bytes in the first PROBE_SIZE */
	uint64_t	 nul;		/* 1 + offset of the first NUL, or 0 */
	int		 sniffed;
	int		 eof;
	int		 failed;	/* a read error is pending */
	int		 cutdone;	/* the cut line was returned */
	int		 skipping;	/* inside an over-long line */
	const volatile sig_atomic_t *stop;	/* set: give up a blocked read */
	int		 wakefd;	/* readable once *stop is set, or -1 */
	int		 waits;		/* a pipe or terminal: reads may wait */
	int		 idle_ms;
	int		(*idle_fn)(void *);
	void		*idle_arg;
	int		 idled;		/* fn ran in this quiet spell */
	char		 errmsg[256];
};

static int	fast = 1;

void
input_set_fast(int on)
{
	fast = on;
}

void
input_set_prep(struct input *in, struct prep *p)
{
	in->prep = p;
}

/*
 * Wait until the input has bytes (or its end), the wake pipe is readable,
 * or the input has been quiet for idle_ms (then the idle hook runs once).
 * Returns 0 to read, -1 to give up (errno EINTR).
 */
static int
wait_input(struct input *in)
{
	struct pollfd	pf[2];
	int		np = 1, rc, ms;

	for (;;) {
		if (in->stop != NULL && *in->stop) {
			errno = EINTR;
			return -1;
		}
		pf[0].fd = in->fd;
		pf[0].events = POLLIN;
		pf[0].revents = 0;
		if (in->wakefd != -1) {
			pf[1].fd = in->wakefd;
			pf[1].events = POLLIN;
			pf[1].revents = 0;
			np = 2;
		}
		ms = in->idle_fn != NULL && !in->idled ? in->idle_ms : -1;
		if ((rc = poll(pf, (nfds_t)np, ms)) == -1) {
			if (errno == EINTR)
				continue;
			/* poll cannot watch it: read as before. */
			return 0;
		}
		if (rc == 0) {
			in->idled = 1;
			if (in->idle_fn(in->idle_arg) == -1) {
				errno = EINTR;
				return -1;
			}
			continue;
		}
		/* Bytes, the end, or an error: read() says which. */
		if (pf[0].revents != 0)
			return 0;
		/* Only the wake pipe: *stop is set (checked above). */
	}
}

/*
 * read(2), retrying after a signal unless the caller's stop flag is set:
 * then -1 with errno EINTR, so a read blocked on a quiet pipe ends.  On a
 * pipe or terminal the wait is a poll() that also watches the wake pipe,
 * so a signal landing between the check and the wait is not missed.
 */
static ssize_t
xread(struct input *in, void *p, size_t n)
{
	ssize_t r;

	for (;;) {
		if (in->stop != NULL && *in->stop) {
			errno = EINTR;
			return -1;
		}
		if (in->waits && (in->wakefd != -1 || in->idle_fn != NULL) &&
		    wait_input(in) == -1)
			return -1;
		r = read(in->fd, p, n);
		if (r > 0)
			in->idled = 0;
		if (r != -1 || errno != EINTR)
			return r;
	}
}

struct input *
input_open(const char *path, size_t linemax)
{
	struct input	*in;
	struct stat	 st;
	int		 save;

	if ((in = calloc(1, sizeof(*in))) == NULL)
		return NULL;
	in->fd = -1;
	in->wakefd = -1;
	in->linemax = linemax;
	in->cap = READ_SIZE + linemax + 1;
	if ((in->buf = malloc(in->cap)) == NULL)
		goto fail;
	if (path == NULL || strcmp(path, "-") == 0) {
		in->fd = STDIN_FILENO;
		in->name = strdup("stdin");
	} else {
		in->fd = open(path, O_RDONLY | O_CLOEXEC);
		in->name = strdup(path);
	}
	if (in->name == NULL || in->fd == -1)
		goto fail;
	if (fstat(in->fd, &st) == -1)
		goto fail;
	if (S_ISDIR(st.st_mode)) {
		errno = EISDIR;
		goto fail;
	}
	if (S_ISREG(st.st_mode)) {
		in->size = (uint64_t)st.st_size;
#ifdef POSIX_FADV_SEQUENTIAL
		(void)posix_fadvise(in->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
	}
#ifdef F_SETPIPE_SZ
	/* A bigger pipe lets the writer run ahead (fewer context switches). */
	if (S_ISFIFO(st.st_mode))
		(void)fcntl(in->fd, F_SETPIPE_SZ, READ_SIZE);
#endif
	/* Reads from these may wait for the writer (or the user). */
	in->waits = S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode) ||
	    S_ISSOCK(st.st_mode);
	return in;
fail:
	save = errno;
	input_close(in);
	errno = save;
	return NULL;
}

void
input_set_stop(struct input *in, const volatile sig_atomic_t *stop,
    int wakefd)
{
	in->stop = stop;
	in->wakefd = wakefd;
}

void
input_set_idle(struct input *in, int ms, int (*fn)(void *), void *arg)
{
	in->idle_ms = ms;
	in->idle_fn = fn;
	in->idle_arg = arg;
}

void
input_close(struct input *in)
{
	if (in == NULL)
		return;
	gz_close(in->gzs);
	if (in->fd != -1 && in->fd != STDIN_FILENO)
		close(in->fd);
	free(in->buf);
	free(in->name);
	free(in);
}

const char *
input_name(const struct input *in)
{
	return in->name;
}

const char *
input_error(const struct input *in)
{
	return in->errmsg;
}

uint64_t
input_raw_bytes(const struct input *in)
{
	return in->gzs != NULL ? gz_raw_bytes(in->gzs) : in->rawbytes;
}

uint64_t
input_size(const struct input *in)
{
	return in->size;
}

int
input_is_gzip(const struct input *in)
{
	return in->gz;
}

static int fail(struct input *, uint64_t, const char *, ...)
    __attribute__((format(printf, 3, 4)));

static int
fail(struct input *in, uint64_t off, const char *fmt, ...)
{
	char	tmp[200];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	snprintf(in->errmsg, sizeof(in->errmsg), "%s (at byte %llu)", tmp,
	    (unsigned long long)off);
	return -1;
}

/* Refuse formats that are clearly not text flow logs, by magic bytes. */
static const char *
foreign(const unsigned char *p, size_t n)
{
	if (n >= 4 && memcmp(p, "PAR1", 4) == 0)
		return "Parquet";
	if (n >= 3 && memcmp(p, "BZh", 3) == 0)
		return "bzip2";
	if (n >= 6 && memcmp(p, "\xfd" "7zXZ\0", 6) == 0)
		return "xz";
	if (n >= 4 && memcmp(p, "\x28\xb5\x2f\xfd", 4) == 0)
		return "zstd";
	if (n >= 4 && memcmp(p, "PK\003\004", 4) == 0)
		return "zip";
	return NULL;
}

/*
 * Account for n new text bytes at buf[from].  The first PROBE_SIZE bytes
 * of text tell binary data (an image, a database, random bytes) from a
 * log: binary has NUL bytes among many control characters.  Such an
 * operand is refused rather than turned into a flood of malformed lines.
 * A stray NUL in text (a log with a line zeroed by a crash) only makes
 * its line malformed.
 */
static int
probe(struct input *in, size_t from, size_t n)
{
	const unsigned char	*p = (const unsigned char *)in->buf + from;
	size_t			 k, i;

	if (in->textbytes < PROBE_SIZE) {
		k = PROBE_SIZE - (size_t)in->textbytes;
		if (k > n)
			k = n;
		for (i = 0; i < k; i++) {
			if (p[i] >= 0x20 || p[i] == '\t' || p[i] == '\n' ||
			    p[i] == '\r')
				continue;
			in->controls++;
			if (p[i] == '\0' && in->nul == 0)
				in->nul = in->textbytes + i + 1;
		}
		/* A NUL, more than 8 controls, one byte in 16 or more. */
		if (in->nul > 0 && in->controls > 8 &&
		    in->controls * 16 >= in->textbytes + k) {
			snprintf(in->errmsg, sizeof(in->errmsg), "binary data, "
			    "not a text flow log (a NUL byte at byte %llu%s)",
			    (unsigned long long)(in->nul - 1),
			    in->gz ? " of the decompressed text" : "");
			/* Nothing of this block is returned as lines. */
			in->start = in->end = 0;
			in->skipping = 0;
			return -1;
		}
	}
	in->textbytes += n;
	return 0;
}

static int
sniff(struct input *in)
{
	ssize_t		 n;
	size_t		 have = 0;
	const char	*what;

	in->sniffed = 1;
	/* Read until two bytes are here (a pipe may give one) or EOF. */
	while (have < 6) {
		n = xread(in, in->buf + have, READ_SIZE - have);
		if (n == -1)
			return fail(in, have, "read: %s", strerror(errno));
		if (n == 0)
			break;
		have += (size_t)n;
		in->rawbytes += (uint64_t)n;
	}
	if (have >= 2 && (unsigned char)in->buf[0] == 0x1f &&
	    (unsigned char)in->buf[1] == 0x8b) {
		in->gz = 1;
		if ((in->gzs = gz_open(in->fd, in->buf, have, fast,
		    in->prep != NULL ? prep_chunk : NULL, in->prep, in->stop)) ==
		    NULL)
			return fail(in, 0, "%s", strerror(errno));
		if (in->idle_fn != NULL && in->waits)
			gz_set_idle(in->gzs, in->idle_ms, in->idle_fn,
			    in->idle_arg);
		return 0;
	}
	/* Only the gzip thread parses ahead. */
	in->prep = NULL;
	if ((what = foreign((const unsigned char *)in->buf, have)) != NULL)
		return fail(in, 0, "%s data: not a text flow log", what);
	in->end = have;
	if (have == 0)
		in->eof = 1;
	return probe(in, 0, have);
}

static ssize_t
fill(struct input *in)
{
	ssize_t n;

	if (in->gzs != NULL) {
		/* Text inflated before damage comes first, then the error. */
		n = gz_read(in->gzs, in->buf + in->end, in->cap - in->end);
		if (n == -1)
			snprintf(in->errmsg, sizeof(in->errmsg), "%s",
			    gz_error(in->gzs));
		return n;
	}
	n = xread(in, in->buf + in->end, in->cap - in->end);
	if (n == -1)
		return fail(in, in->rawbytes, "read: %s", strerror(errno));
	in->rawbytes += (uint64_t)n;
	return n;
}

static void
setline(struct input_line *l, const char *p, size_t len)
{
	l->p = p;
	if (len > 0 && p[len - 1] == '\r')
		len--;
	l->len = len;
}

/* Read more text behind the unread bytes; sets eof or failed at the end. */
static void
more(struct input *in)
{
	ssize_t n;

	if (in->start > 0) {
		in->textbase += in->start;
		memmove(in->buf, in->buf + in->start, in->end - in->start);
		in->end -= in->start;
		in->start = 0;
	}
	n = fill(in);
	if (n == -1)
		in->failed = 1;
	else if (n == 0)
		in->eof = 1;
	else {
		in->end += (size_t)n;
		if (probe(in, in->end - (size_t)n, (size_t)n) == -1)
			in->failed = 1;
	}
}

int
input_next(struct input *in, struct input_line *l)
{
	l->toolong = 0;
	l->cut = 0;
	if (!in->sniffed && sniff(in) == -1) {
		in->failed = 1;
		in->cutdone = 1;
		return -1;
	}
	for (;;) {
		char	*p = in->buf + in->start, *nl;
		size_t	 have = in->end - in->start, len = 0;
		int	 toolong = 0;

		if (in->skipping) {
			/* The rest of an over-long line nobody asked for. */
			if ((nl = memchr(p, '\n', have)) != NULL) {
				in->start = (size_t)(nl - in->buf) + 1;
				in->skipping = 0;
				continue;
			}
			in->textbase += in->end;
			in->start = in->end = 0;
			have = 0;
		} else if ((nl = memchr(p, '\n', have)) != NULL) {
			/* The limit is on the line without its CRLF or LF. */
			len = (size_t)(nl - p);
			toolong = len - (len > 0 && p[len - 1] == '\r') >
			    in->linemax;
		} else
			toolong = have > in->linemax + 1 ||
			    (have == in->linemax + 1 && p[in->linemax] != '\r');
		if (!in->skipping && (nl != NULL || toolong)) {
			in->lineno++;
			l->lineno = in->lineno;
			l->off = in->textbase + in->start;
			if (in->prep != NULL)
				prep_advance(in->prep, l->off);
			if (toolong) {
				/* Exactly linemax bytes; input_rest() has more. */
				l->toolong = 1;
				l->p = p;
				l->len = in->linemax;
				in->start += in->linemax;
				in->skipping = 1;
				return 1;
			}
			setline(l, p, len);
			in->start += len + 1;
			return 1;
		}
		if (in->eof || in->failed) {
			if (have > 0 && !in->skipping) {
				in->lineno++;
				l->lineno = in->lineno;
				l->cut = in->failed;
				l->off = in->textbase + in->start;
				setline(l, p, have);
				in->start = in->end;
				return 1;
			}
			return in->failed ? -1 : 0;
		}
		more(in);
	}
}

int
input_rest(struct input *in, struct input_line *l)
{
	l->toolong = 0;
	l->cut = 0;
	l->lineno = in->lineno;
	while (in->skipping) {
		char	*p = in->buf + in->start, *nl;
		size_t	 have = in->end - in->start, n;

		if ((nl = memchr(p, '\n', have)) != NULL) {
			in->start = (size_t)(nl - in->buf) + 1;
			in->skipping = 0;
			setline(l, p, (size_t)(nl - p));
			return l->len > 0;
		}
		if (in->eof || in->failed) {
			in->skipping = 0;
			in->start = in->end;
			setline(l, p, have);
			l->cut = in->failed;
			return l->len > 0;
		}
		/* All that is here but a last CR, which may start a CRLF. */
		n = have > 0 && p[have - 1] == '\r' ? have - 1 : have;
		if (n > 0) {
			l->p = p;
			l->len = n;
			in->start += n;
			return 1;
		}
		more(in);
	}
	return 0;
}
