/* sink.c: owns the outputs: an IPFIX file or stdout (more sinks plug in through struct sink_ops). */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sink.h"

struct sink_ops {
	const char	*kind;
	int		(*write)(struct sink *, const uint8_t *, size_t,
			    uint32_t);
	int		(*flush)(struct sink *);
	int		(*close)(struct sink *);
};

struct sink {
	const struct sink_ops	*ops;
	char			*name;
	struct sink_stats	 st;
	int			 fd;
	int			 own_fd;
	int			 closed;
	uint8_t			*buf;
	size_t			 len, cap;
};

#define FILE_BUF	(256 * 1024)

/* Write all of it, retrying after signals and short writes. */
static int
writeall(int fd, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int
file_flush(struct sink *s)
{
	if (s->len == 0)
		return 0;
	if (writeall(s->fd, s->buf, s->len) == -1)
		return -1;
	s->len = 0;
	return 0;
}

static int
file_write(struct sink *s, const uint8_t *p, size_t n, uint32_t t)
{
	(void)t;
	if (s->len + n > s->cap && file_flush(s) == -1)
		return -1;
	if (n > s->cap)
		return writeall(s->fd, p, n);
	memcpy(s->buf + s->len, p, n);
	s->len += n;
	return 0;
}

static int
file_close(struct sink *s)
{
	int rc = file_flush(s), save = errno;

	if (s->own_fd && close(s->fd) == -1 && rc == 0) {
		rc = -1;
		save = errno;
	}
	errno = save;
	return rc;
}

static const struct sink_ops file_ops = {
	"file", file_write, file_flush, file_close
};

struct sink *
sink_file_open(const char *path, int force, const char **why)
{
	struct sink	*s;
	int		 save;

	*why = NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->ops = &file_ops;
	s->cap = FILE_BUF;
	if ((s->buf = malloc(s->cap)) == NULL)
		goto fail;
	if (path == NULL || strcmp(path, "-") == 0) {
		s->fd = STDOUT_FILENO;
		s->name = strdup("stdout");
	} else {
		s->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
		    0644);
		s->own_fd = s->fd != -1;
		s->name = strdup(path);
	}
	if (s->name == NULL || s->fd == -1)
		goto fail;
	if (!force && isatty(s->fd)) {
		*why = "refusing to write binary IPFIX to a terminal "
		    "(use -o FILE, a pipe, or -f)";
		errno = ENOTTY;
		goto fail;
	}
	return s;
fail:
	save = errno;
	if (s->own_fd)
		close(s->fd);
	free(s->buf);
	free(s->name);
	free(s);
	errno = save;
	return NULL;
}

int
sink_write(struct sink *s, const uint8_t *p, size_t n, uint32_t t)
{
	s->st.messages++;
	s->st.octets += n;
	return s->ops->write(s, p, n, t);
}

int
sink_flush(struct sink *s)
{
	return s->ops->flush(s);
}

int
sink_close(struct sink *s)
{
	if (s->closed)
		return 0;
	s->closed = 1;
	return s->ops->close(s);
}

void
sink_free(struct sink *s)
{
	int save = errno;

	if (s == NULL)
		return;
	if (!s->closed)
		(void)sink_close(s);
	free(s->buf);
	free(s->name);
	free(s);
	errno = save;
}

const char *
sink_name(const struct sink *s)
{
	return s->name;
}

const char *
sink_kind(const struct sink *s)
{
	return s->ops->kind;
}

const struct sink_stats *
sink_stats(const struct sink *s)
{
	return &s->st;
}
