/* input.h: reading operands (plain or gzip, any number of members) as numbered lines. */
#ifndef INPUT_H
#define INPUT_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

struct input;

struct input_line {
	const char	*p;		/* borrowed until the next call */
	size_t		 len;		/* without the line end (LF or CRLF) */
	uint64_t	 lineno;	/* 1-based */
	uint64_t	 off;		/* text offset of the line's start */
	int		 toolong;	/* longer than the limit: p holds a prefix */
	int		 cut;		/* ended by a read error, not a newline */
};

/*
 * Open an operand: a path, or NULL / "-" for standard input.  Gzip is
 * detected by its magic bytes.  Lines longer than linemax are reported with
 * toolong set and their first linemax bytes; input_rest() has the others.
 * Binary data (in the first 4 KiB of text, a NUL byte and more than 8
 * control characters, one byte in 16 or more) is refused as a read error.
 * Returns NULL with errno set.
 */
struct input	*input_open(const char *path, size_t linemax);

/*
 * Reads give up (input_next() returns -1, errno EINTR) once *stop is
 * non-zero, so a signal handler can end a read that waits on a quiet pipe
 * or terminal.  wakefd, when not -1, is the read end of a pipe the handler
 * writes a byte to after setting *stop: a wait on a pipe or terminal
 * watches it too, so a signal that lands just before the wait still ends
 * it.
 */
void		 input_set_stop(struct input *, const volatile sig_atomic_t *stop,
		    int wakefd);

/*
 * When a pipe or terminal has been quiet for ms milliseconds (for gzip,
 * when the inflating thread has had no text for that long), call fn(arg)
 * once (again after the next quiet spell).  If it returns -1, reads give
 * up as on a stop.  Not for regular files, whose reads never wait, nor for
 * gzip without its thread.
 */
void		 input_set_idle(struct input *, int ms, int (*fn)(void *),
		    void *arg);

/*
 * The next line: 1 with *line filled, 0 at the end, -1 on a read or
 * decompression error (input_error() says what; the operand is done).
 */
int		 input_next(struct input *, struct input_line *line);

/*
 * After input_next() returned a line with toolong set: the next piece of
 * the same line, exactly as read (the CR of a CRLF excluded).  Returns 1
 * with a piece, 0 when the line is over; cut is set on a piece ended by a
 * read error.  Pieces not asked for are skipped by input_next().
 */
int		 input_rest(struct input *, struct input_line *piece);

/* What went wrong, with the byte offset where it helps. */
const char	*input_error(const struct input *);

/* The operand's name for messages ("-" is "stdin"). */
const char	*input_name(const struct input *);

/* Raw bytes read from the operand so far, and its size if known (else 0). */
uint64_t	 input_raw_bytes(const struct input *);
uint64_t	 input_size(const struct input *);

/* Was the operand gzip? */
int		 input_is_gzip(const struct input *);

void		 input_close(struct input *);

/*
 * Decompress gzip on a thread of its own, with ISA-L when built with it
 * (the default), or with zlib on the caller's thread.  The text is the
 * same; tests compare them (FL2IPFIX_SIMPLE).
 */
void		 input_set_fast(int);

/*
 * Let the inflating thread parse lines ahead into prep (the caller keeps
 * it and must call prep_get() for them); before the first input_next().
 */
struct prep;
void		 input_set_prep(struct input *, struct prep *);

#endif
