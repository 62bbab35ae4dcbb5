/* idmap.c: owns the id map (string id <-> integer per kind), its journal file, and the names file. */
#include <sys/types.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "idmap.h"

static const char *const kindname[IDMAP_NKINDS] = { "if", "vrf" };
static const uint32_t kindfirst[IDMAP_NKINDS] = { IDMAP_IF_FIRST,
    IDMAP_VRF_FIRST };

#define JOURNAL_HEAD \
    "# fl2ipfix id map: KIND INDEX ID per line (if: interface index, " \
    "vrf: VRF id)\n"
/* Appended to a line a killed writer left without its newline. */
#define TORN_MARK	"#torn"

struct entry {
	char		*id;		/* owned, NUL-terminated */
	size_t		 len;
	uint32_t	 index;
	uint8_t		 kind;
	uint8_t		 used;		/* returned in this run */
	const char	*name;		/* from the names file, or NULL */
	const char	*descr;
};

struct nameent {
	char	*id;
	char	*name;
	char	*descr;
	char	*label;		/* composed description for options */
};

/*
 * A slot of the hash by id.  It holds what a lookup compares (the id's
 * own bytes are not moved by growing ent[]), so a lookup reads the id
 * without reading its entry first.
 */
struct idslot {
	const char	*id;
	uint32_t	 k;		/* entry number + 1, 0 empty */
	uint32_t	 len;
	uint8_t		 kind;
};

struct idmap {
	struct entry	*ent;
	size_t		 nent, capent;
	struct idslot	*byid;		/* hash by id */
	size_t		*byidx;		/* hash: entry number + 1, 0 empty */
	size_t		 hcap;		/* power of two */
	uint32_t	 next[IDMAP_NKINDS];
	size_t		 count[IDMAP_NKINDS];
	uint8_t		 reserved_used[IDMAP_IF_FIRST];
	/* The journal, when persisted. */
	char		*path;
	int		 fd;
	off_t		 off;		/* read up to here */
	unsigned long	 lineno;	/* complete lines before off */
	char		 lastc;		/* last byte of the file seen */
	/* Names. */
	struct nameent	*names;
	size_t		 nnames, capnames;
	size_t		*nhash;
	size_t		 nhcap;
};

static void seterr(struct idmap_error *, const char *, unsigned long,
    const char *, ...) __attribute__((format(printf, 4, 5)));

static void
seterr(struct idmap_error *err, const char *file, unsigned long line,
    const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return;
	snprintf(err->file, sizeof(err->file), "%s", file ? file : "");
	err->line = line;
	va_start(ap, fmt);
	vsnprintf(err->reason, sizeof(err->reason), fmt, ap);
	va_end(ap);
}

/*
 * Eight bytes at a time: every record looks up one or two ids of about
 * twenty bytes, so this is on the hot path.  The value only places ids
 * in memory; it is never stored.
 */
static uint64_t
hash(const char *s, size_t len, uint64_t seed)
{
	uint64_t	h = (1469598103934665603ULL ^ seed) + len, w;
	size_t		n = len;

	for (; n >= 8; s += 8, n -= 8) {
		memcpy(&w, s, 8);
		h = (h ^ w) * 0x9e3779b97f4a7c15ULL;
		h ^= h >> 32;
	}
	if (n > 0 && len >= 8) {
		/* The last eight bytes, overlapping: no byte-sized copy. */
		memcpy(&w, s + n - 8, 8);
		h = (h ^ w) * 0x9e3779b97f4a7c15ULL;
	} else if (n > 0) {
		w = 0;
		memcpy(&w, s, n);
		h = (h ^ w) * 0x9e3779b97f4a7c15ULL;
	}
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ULL;
	return h ^ (h >> 32);
}

static uint64_t
hidx(uint8_t kind, uint32_t index)
{
	uint64_t h = ((uint64_t)kind << 32 | index) * 0x9e3779b97f4a7c15ULL;

	return h ^ (h >> 31);
}

/* memcmp(a, b, len) == 0, eight bytes at a time for the usual ids. */
static int
same_id(const char *a, const char *b, size_t len)
{
	uint64_t	x, y;
	size_t		i;

	if (len < 8)
		return memcmp(a, b, len) == 0;
	for (i = 0; i + 8 < len; i += 8) {
		memcpy(&x, a + i, 8);
		memcpy(&y, b + i, 8);
		if (x != y)
			return 0;
	}
	/* The last eight bytes, overlapping. */
	memcpy(&x, a + len - 8, 8);
	memcpy(&y, b + len - 8, 8);
	return x == y;
}

static struct entry *
find_id(const struct idmap *m, uint8_t kind, const char *s, size_t len)
{
	size_t i = hash(s, len, kind) & (m->hcap - 1);
	const struct idslot *sl;

	for (; (sl = &m->byid[i])->k != 0; i = (i + 1) & (m->hcap - 1))
		if (sl->kind == kind && sl->len == len &&
		    same_id(sl->id, s, len))
			return &m->ent[sl->k - 1];
	return NULL;
}

static struct entry *
find_idx(const struct idmap *m, uint8_t kind, uint32_t index)
{
	size_t i = hidx(kind, index) & (m->hcap - 1), k;

	while ((k = m->byidx[i]) != 0) {
		struct entry *e = &m->ent[k - 1];

		if (e->kind == kind && e->index == index)
			return e;
		i = (i + 1) & (m->hcap - 1);
	}
	return NULL;
}

static void
hinsert(struct idmap *m, size_t k)
{
	struct entry	*e = &m->ent[k];
	size_t		 i;

	i = hash(e->id, e->len, e->kind) & (m->hcap - 1);
	while (m->byid[i].k != 0)
		i = (i + 1) & (m->hcap - 1);
	m->byid[i].id = e->id;
	m->byid[i].k = (uint32_t)(k + 1);
	m->byid[i].len = (uint32_t)e->len;
	m->byid[i].kind = e->kind;
	i = hidx(e->kind, e->index) & (m->hcap - 1);
	while (m->byidx[i] != 0)
		i = (i + 1) & (m->hcap - 1);
	m->byidx[i] = k + 1;
}

static int
grow(struct idmap *m)
{
	struct idslot	*a;
	size_t		 nc, k, *b;

	/* Slots hold entry numbers in 32 bits. */
	if (m->nent >= UINT32_MAX - 1) {
		errno = ENOMEM;
		return -1;
	}
	if (m->nent == m->capent) {
		struct entry *ne;

		nc = m->capent ? m->capent * 2 : 64;
		if ((ne = realloc(m->ent, nc * sizeof(*ne))) == NULL)
			return -1;
		m->ent = ne;
		m->capent = nc;
	}
	if ((m->nent + 1) * 2 <= m->hcap)
		return 0;
	nc = m->hcap ? m->hcap * 2 : 128;
	a = calloc(nc, sizeof(*a));
	b = calloc(nc, sizeof(*b));
	if (a == NULL || b == NULL) {
		free(a);
		free(b);
		return -1;
	}
	free(m->byid);
	free(m->byidx);
	m->byid = a;
	m->byidx = b;
	m->hcap = nc;
	for (k = 0; k < m->nent; k++)
		hinsert(m, k);
	return 0;
}

static struct entry *
add(struct idmap *m, uint8_t kind, const char *s, size_t len, uint32_t index)
{
	struct entry	*e;
	char		*id;

	if (grow(m) == -1 || (id = malloc(len + 1)) == NULL)
		return NULL;
	memcpy(id, s, len);
	id[len] = '\0';
	e = &m->ent[m->nent];
	memset(e, 0, sizeof(*e));
	e->id = id;
	e->len = len;
	e->index = index;
	e->kind = kind;
	hinsert(m, m->nent);
	m->nent++;
	m->count[kind]++;
	if (index >= m->next[kind])
		m->next[kind] = index + 1;
	return e;
}

/*
 * Apply one complete journal line.  Returns 0, or -1 with err set when the
 * line is not a valid assignment or contradicts an earlier one.
 */
static int
apply_line(struct idmap *m, const char *s, size_t len, unsigned long lineno,
    struct idmap_error *err)
{
	char		 kbuf[8];
	const char	*p = s, *end = s + len, *id;
	size_t		 klen, idlen;
	unsigned long	 v = 0;
	uint8_t		 kind;
	struct entry	*e;

	if (len > 0 && s[len - 1] == '\r')
		end--;
	if (p == end || *p == '#')
		return 0;
	/* A torn line closed by a later writer: reported when it was torn. */
	if ((size_t)(end - p) >= strlen(TORN_MARK) &&
	    memcmp(end - strlen(TORN_MARK), TORN_MARK,
	    strlen(TORN_MARK)) == 0)
		return 0;
	for (klen = 0; p + klen < end && p[klen] != ' '; klen++)
		;
	if (klen == 0 || klen >= sizeof(kbuf))
		goto bad;
	memcpy(kbuf, p, klen);
	kbuf[klen] = '\0';
	for (kind = 0; kind < IDMAP_NKINDS; kind++)
		if (strcmp(kbuf, kindname[kind]) == 0)
			break;
	if (kind == IDMAP_NKINDS)
		goto bad;
	p += klen + 1;
	if (p >= end || *p < '0' || *p > '9')
		goto bad;
	while (p < end && *p >= '0' && *p <= '9') {
		v = v * 10 + (unsigned long)(*p++ - '0');
		if (v > UINT32_MAX - 1)
			goto bad;
	}
	if (v < kindfirst[kind] || p >= end || *p != ' ')
		goto bad;
	id = ++p;
	idlen = (size_t)(end - id);
	if (!idmap_valid_id(id, idlen))
		goto bad;
	if ((e = find_id(m, kind, id, idlen)) != NULL) {
		if (e->index != v) {
			seterr(err, m->path, lineno, "%s has two integers: "
			    "the map is corrupt", e->id);
			return -1;
		}
		return 0;
	}
	if ((e = find_idx(m, kind, (uint32_t)v)) != NULL) {
		seterr(err, m->path, lineno, "an integer is given to two ids "
		    "(first %s): the map is corrupt", e->id);
		return -1;
	}
	if (add(m, kind, id, idlen, (uint32_t)v) == NULL) {
		seterr(err, m->path, lineno, "%s", strerror(errno));
		return -1;
	}
	return 0;
bad:
	seterr(err, m->path, lineno, "not a line of the form KIND INDEX ID");
	return -1;
}

/*
 * Can this unterminated tail be the start of a journal line whose writer
 * was killed?  Anything else (a binary file, stray text) is corruption:
 * appending to it would damage a file that is not a map.
 */
static int
torn_ok(const char *s, size_t len)
{
	static const char *const heads[] = { "if ", "vrf " };
	size_t	i, k, n = 0;

	if (s[0] == '#') {
		for (i = 1; i < len; i++)
			if (s[i] < ' ' || s[i] > '~')
				return 0;
		return 1;
	}
	for (k = 0; k < sizeof(heads) / sizeof(heads[0]); k++) {
		n = strlen(heads[k]);
		if (memcmp(s, heads[k], len < n ? len : n) == 0)
			break;
	}
	if (k == sizeof(heads) / sizeof(heads[0]))
		return 0;
	if (len <= n)
		return 1;
	for (i = n; i < len && s[i] >= '0' && s[i] <= '9'; i++)
		;
	if (i == len)
		return 1;
	if (i == n || s[i] != ' ')
		return 0;
	i++;
	return i == len || idmap_valid_id(s + i, len - i);
}

/*
 * Read what the journal gained since m->off (our own and other processes'
 * appends) and apply it.  A last line without its newline is left unread
 * (a writer may be in the middle of it, or was killed).
 */
static int
catch_up(struct idmap *m, struct idmap_error *err, int *torn)
{
	char		 buf[65536];
	char		*line = NULL;
	size_t		 linelen = 0, linecap = 0;
	off_t		 pos = m->off;
	ssize_t		 n;
	int		 rc = 0;

	for (;;) {
		ssize_t i, start = 0;

		n = pread(m->fd, buf, sizeof(buf), pos);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			seterr(err, m->path, 0, "read: %s", strerror(errno));
			rc = -1;
			break;
		}
		if (n == 0)
			break;
		for (i = 0; i < n; i++) {
			if (buf[i] != '\n')
				continue;
			{
				size_t add = (size_t)(i - start);

				if (linelen + add + 1 > linecap) {
					char *nl;

					linecap = (linelen + add + 1) * 2;
					if ((nl = realloc(line, linecap)) ==
					    NULL) {
						seterr(err, m->path, 0, "%s",
						    strerror(errno));
						free(line);
						return -1;
					}
					line = nl;
				}
				memcpy(line + linelen, buf + start, add);
				linelen += add;
			}
			if (apply_line(m, line, linelen, m->lineno + 1,
			    err) == -1) {
				free(line);
				return -1;
			}
			m->off = pos + i + 1;
			m->lineno++;
			m->lastc = '\n';
			linelen = 0;
			start = i + 1;
		}
		if (start < n) {
			size_t add = (size_t)(n - start);

			if (linelen + add + 1 > linecap) {
				char *nl;

				linecap = (linelen + add + 1) * 2;
				if ((nl = realloc(line, linecap)) == NULL) {
					seterr(err, m->path, 0, "%s",
					    strerror(errno));
					free(line);
					return -1;
				}
				line = nl;
			}
			memcpy(line + linelen, buf + start, add);
			linelen += add;
		}
		pos += n;
	}
	if (linelen > 0 && rc == 0) {
		/* An unterminated tail: a writer was killed mid-line? */
		if (!torn_ok(line, linelen)) {
			seterr(err, m->path, m->lineno + 1, "not a line of the "
			    "form KIND INDEX ID, and no line end");
			free(line);
			return -1;
		}
		m->lastc = 'x';
		if (torn != NULL)
			*torn = 1;
	}
	free(line);
	return rc;
}

static int
lock(struct idmap *m, int op, struct idmap_error *err)
{
	while (flock(m->fd, op) == -1) {
		if (errno == EINTR)
			continue;
		seterr(err, m->path, 0, "flock: %s", strerror(errno));
		return -1;
	}
	return 0;
}

struct idmap *
idmap_open(const char *path, struct idmap_error *err, int *torn)
{
	struct idmap	*m;
	struct stat	 st;
	int		 k;

	if ((m = calloc(1, sizeof(*m))) == NULL) {
		seterr(err, path, 0, "%s", strerror(errno));
		return NULL;
	}
	m->fd = -1;
	for (k = 0; k < IDMAP_NKINDS; k++)
		m->next[k] = kindfirst[k];
	if (grow(m) == -1)
		goto fail;
	if (path == NULL)
		return m;
	if ((m->path = strdup(path)) == NULL)
		goto fail;
	if ((m->fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC,
	    0644)) == -1) {
		seterr(err, path, 0, "%s", strerror(errno));
		idmap_close(m);
		return NULL;
	}
	if (fstat(m->fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		seterr(err, path, 0, "%s", fstat(m->fd, &st) == -1 ?
		    strerror(errno) : "not a regular file");
		idmap_close(m);
		return NULL;
	}
	/* Exclusive, as a new file gets its header line below. */
	if (lock(m, LOCK_EX, err) == -1) {
		idmap_close(m);
		return NULL;
	}
	if (catch_up(m, err, torn) == -1) {
		flock(m->fd, LOCK_UN);
		idmap_close(m);
		return NULL;
	}
	/* A new map gets its header line, so a person knows what it is. */
	if (m->off == 0 && m->lastc == '\0') {
		ssize_t n = write(m->fd, JOURNAL_HEAD, strlen(JOURNAL_HEAD));

		if (n != (ssize_t)strlen(JOURNAL_HEAD)) {
			seterr(err, path, 0, "write: %s", n == -1 ?
			    strerror(errno) : "short write");
			flock(m->fd, LOCK_UN);
			idmap_close(m);
			return NULL;
		}
		m->off = n;
		m->lineno = 1;
		m->lastc = '\n';
	}
	flock(m->fd, LOCK_UN);
	return m;
fail:
	seterr(err, path, 0, "%s", strerror(errno));
	idmap_close(m);
	return NULL;
}

void
idmap_close(struct idmap *m)
{
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < m->nent; i++)
		free(m->ent[i].id);
	for (i = 0; i < m->nnames; i++) {
		free(m->names[i].id);
		free(m->names[i].name);
		free(m->names[i].descr);
		free(m->names[i].label);
	}
	free(m->names);
	free(m->nhash);
	free(m->ent);
	free(m->byid);
	free(m->byidx);
	if (m->fd != -1)
		close(m->fd);
	free(m->path);
	free(m);
}

static const struct nameent *find_name(const struct idmap *, const char *,
    size_t);

static void
attach_name(const struct idmap *m, struct entry *e)
{
	const struct nameent *n;

	if (m->nnames == 0 || (n = find_name(m, e->id, e->len)) == NULL)
		return;
	e->name = n->name;
	e->descr = n->label;
}

/* Append one assignment in a single write, under the caller's lock. */
static int
persist(struct idmap *m, const struct entry *e, struct idmap_error *err)
{
	char	*line;
	size_t	 cap = e->len + 48;
	int	 n;
	ssize_t	 w;

	if ((line = malloc(cap)) == NULL) {
		seterr(err, m->path, 0, "%s", strerror(errno));
		return -1;
	}
	/* A torn tail left by a killed writer is closed and marked first. */
	n = snprintf(line, cap, "%s%s %lu %s\n",
	    m->lastc != '\n' ? TORN_MARK "\n" : "", kindname[e->kind],
	    (unsigned long)e->index, e->id);
	w = write(m->fd, line, (size_t)n);
	free(line);
	if (w != n) {
		seterr(err, m->path, 0, "write: %s", w == -1 ?
		    strerror(errno) : "short write (disk full?)");
		return -1;
	}
	m->lineno += m->lastc != '\n' ? 2 : 1;
	m->lastc = '\n';
	return 0;
}

/* Are the eight bytes at s all visible ASCII other than '#'? */
static int
id_word(const char *s)
{
	const uint64_t	ones = 0x0101010101010101ULL, highs = ones << 7;
	uint64_t	w, x;

	memcpy(&w, s, 8);
	x = w ^ 0x23 * ones;
	return ((((w - 0x21 * ones) & ~w) | (w + ones) | w |
	    ((x - ones) & ~x)) & highs) == 0;
}

int
idmap_valid_id(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > IDMAP_ID_MAX)
		return 0;
	/*
	 * Eight bytes at a time (every record's ids pass here): no byte
	 * below '!', none above '~', none equal to '#'.
	 */
	for (i = 0; i + 8 <= len; i += 8)
		if (!id_word(s + i))
			return 0;
	/* A tail after whole words: the last eight bytes, overlapping. */
	if (i < len && len >= 8)
		return id_word(s + len - 8);
	for (; i < len; i++)
		if (s[i] <= ' ' || s[i] > '~' || s[i] == '#')
			return 0;
	return 1;
}

int
idmap_get(struct idmap *m, enum idmap_kind kind, const char *s, size_t len,
    uint32_t *index, int *first, struct idmap_error *err)
{
	struct entry	*e;
	off_t		 end;

	*first = 0;
	if ((e = find_id(m, (uint8_t)kind, s, len)) == NULL) {
		if (!idmap_valid_id(s, len)) {
			seterr(err, m->path, 0, "not a valid id: %.*s",
			    (int)(len < 64 ? len : 64), s);
			return IDMAP_BAD_ID;
		}
		if (m->fd != -1) {
			/* Others may have assigned it (or the next integer). */
			if (lock(m, LOCK_EX, err) == -1)
				return -1;
			if (catch_up(m, err, NULL) == -1) {
				flock(m->fd, LOCK_UN);
				return -1;
			}
			end = lseek(m->fd, 0, SEEK_END);
			if (end != m->off && m->lastc == '\n') {
				/* Should not happen: unread complete data. */
				seterr(err, m->path, 0, "changed while locked");
				flock(m->fd, LOCK_UN);
				return -1;
			}
			e = find_id(m, (uint8_t)kind, s, len);
		}
		if (e == NULL) {
			if (m->next[kind] == UINT32_MAX) {
				seterr(err, m->path, 0, "no integers left");
				if (m->fd != -1)
					flock(m->fd, LOCK_UN);
				return -1;
			}
			e = add(m, (uint8_t)kind, s, len, m->next[kind]);
			if (e == NULL) {
				seterr(err, m->path, 0, "%s", strerror(errno));
				if (m->fd != -1)
					flock(m->fd, LOCK_UN);
				return -1;
			}
			if (m->fd != -1) {
				if (persist(m, e, err) == -1) {
					flock(m->fd, LOCK_UN);
					return -1;
				}
				m->off = lseek(m->fd, 0, SEEK_END);
			}
		}
		if (m->fd != -1)
			flock(m->fd, LOCK_UN);
	}
	if (!e->used) {
		e->used = 1;
		*first = 1;
		attach_name(m, e);
	}
	*index = e->index;
	return 0;
}

void
idmap_use_reserved(struct idmap *m, uint32_t index, int *first)
{
	*first = 0;
	if (index < IDMAP_IF_FIRST && !m->reserved_used[index]) {
		m->reserved_used[index] = 1;
		*first = 1;
	}
}

size_t
idmap_count(const struct idmap *m, enum idmap_kind kind)
{
	return m->count[kind];
}

void
idmap_label(const struct idmap *m, enum idmap_kind kind, uint32_t index,
    const char **id, const char **name, const char **descr)
{
	const struct entry *e;

	*id = "";
	*name = "";
	*descr = "";
	if (kind == IDMAP_IF && index == IDMAP_IF_ACCEPT) {
		*id = "ACCEPT";
		*descr = "traffic accepted by security groups and network ACLs";
		return;
	}
	if (kind == IDMAP_IF && index == IDMAP_IF_REJECT) {
		*id = "REJECT";
		*descr = "traffic rejected by security groups or network ACLs";
		return;
	}
	if ((e = find_idx(m, (uint8_t)kind, index)) == NULL)
		return;
	*id = e->id;
	if (e->name != NULL)
		*name = e->name;
	if (e->descr != NULL)
		*descr = e->descr;
}

/* Names file. */

static const struct nameent *
find_name(const struct idmap *m, const char *s, size_t len)
{
	size_t i, k;

	if (m->nhcap == 0)
		return NULL;
	i = hash(s, len, 77) & (m->nhcap - 1);
	while ((k = m->nhash[i]) != 0) {
		const struct nameent *n = &m->names[k - 1];

		if (strlen(n->id) == len && memcmp(n->id, s, len) == 0)
			return n;
		i = (i + 1) & (m->nhcap - 1);
	}
	return NULL;
}

static int
name_rehash(struct idmap *m)
{
	size_t nc = m->nhcap ? m->nhcap : 64, k, i;

	while (nc < m->nnames * 2)
		nc *= 2;
	if (nc != m->nhcap) {
		size_t *h = calloc(nc, sizeof(*h));

		if (h == NULL)
			return -1;
		free(m->nhash);
		m->nhash = h;
		m->nhcap = nc;
		for (k = 0; k < m->nnames; k++) {
			i = hash(m->names[k].id, strlen(m->names[k].id), 77) &
			    (nc - 1);
			while (m->nhash[i] != 0)
				i = (i + 1) & (nc - 1);
			m->nhash[i] = k + 1;
		}
		return 0;
	}
	k = m->nnames - 1;
	i = hash(m->names[k].id, strlen(m->names[k].id), 77) & (nc - 1);
	while (m->nhash[i] != 0)
		i = (i + 1) & (nc - 1);
	m->nhash[i] = k + 1;
	return 0;
}

static char *
field_dup(const char *s, size_t len)
{
	char *p;

	/* The AWS CLI prints "None" for a missing value. */
	if (len == 4 && memcmp(s, "None", 4) == 0)
		len = 0;
	if ((p = malloc(len + 1)) == NULL)
		return NULL;
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

/* Valid UTF-8 (no overlongs, surrogates or code points past U+10FFFF), no controls. */
static int
valid_utf8(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		unsigned char lo = 0x80, hi = 0xbf;
		int n;

		if (*p < 0x80) {
			if (*p < 0x20 || *p == 0x7f)
				return 0;
			p++;
			continue;
		}
		if (*p >= 0xc2 && *p <= 0xdf)
			n = 1;
		else if (*p >= 0xe0 && *p <= 0xef) {
			n = 2;
			if (*p == 0xe0)
				lo = 0xa0;
			else if (*p == 0xed)
				hi = 0x9f;
		} else if (*p >= 0xf0 && *p <= 0xf4) {
			n = 3;
			if (*p == 0xf0)
				lo = 0x90;
			else if (*p == 0xf4)
				hi = 0x8f;
		} else
			return 0;
		p++;
		if (*p < lo || *p > hi)
			return 0;
		while (n-- > 0) {
			if ((*p & 0xc0) != 0x80)
				return 0;
			p++;
		}
	}
	return 1;
}

long
idmap_load_names(struct idmap *m, const char *path, struct idmap_error *err)
{
	FILE		*fp;
	char		*line = NULL;
	size_t		 cap = 0;
	ssize_t		 n;
	unsigned long	 lineno = 0;
	long		 added = 0;

	if ((fp = fopen(path, "r")) == NULL) {
		seterr(err, path, 0, "%s", strerror(errno));
		return -1;
	}
	while ((n = getline(&line, &cap, fp)) != -1) {
		char		*f[3];
		size_t		 flen[3], nf = 0;
		char		*p = line, *end;
		struct nameent	 ne;

		lineno++;
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (n == 0 || line[0] == '#')
			continue;
		end = line + n;
		while (nf < 3) {
			char *tab = memchr(p, '\t', (size_t)(end - p));

			f[nf] = p;
			flen[nf] = (size_t)((nf < 2 && tab ? tab : end) - p);
			nf++;
			if (tab == NULL || nf == 3)
				break;
			p = tab + 1;
		}
		if (flen[0] == 0 || memchr(f[0], ' ', flen[0]) != NULL) {
			seterr(err, path, lineno, "expected ID<tab>NAME"
			    "<tab>DESCRIPTION");
			goto fail;
		}
		if (!valid_utf8(line)) {
			/* Tabs in the description are fine: check the rest. */
			size_t i;
			int ok = 1;

			for (i = 0; i < (size_t)n; i++)
				if (line[i] == '\t')
					line[i] = ' ';
			ok = valid_utf8(line);
			if (!ok) {
				seterr(err, path, lineno,
				    "not valid UTF-8 text");
				goto fail;
			}
		}
		if (find_name(m, f[0], flen[0]) != NULL)
			continue;	/* the first file and line win */
		memset(&ne, 0, sizeof(ne));
		ne.id = field_dup(f[0], flen[0]);
		ne.name = field_dup(nf > 1 ? f[1] : "", nf > 1 ? flen[1] : 0);
		ne.descr = field_dup(nf > 2 ? f[2] : "", nf > 2 ? flen[2] : 0);
		if (ne.id && ne.name && ne.descr) {
			size_t l = strlen(ne.name) + strlen(ne.descr) + 4;

			if ((ne.label = malloc(l)) != NULL) {
				if (ne.name[0] && ne.descr[0] &&
				    strcmp(ne.name, ne.descr) != 0)
					snprintf(ne.label, l, "%s (%s)",
					    ne.name, ne.descr);
				else
					snprintf(ne.label, l, "%s",
					    ne.name[0] ? ne.name : ne.descr);
			}
		}
		if (ne.id == NULL || ne.name == NULL || ne.descr == NULL ||
		    ne.label == NULL) {
			free(ne.id);
			free(ne.name);
			free(ne.descr);
			free(ne.label);
			seterr(err, path, lineno, "%s", strerror(ENOMEM));
			goto fail;
		}
		if (m->nnames == m->capnames) {
			size_t nc = m->capnames ? m->capnames * 2 : 64;
			struct nameent *nn = realloc(m->names,
			    nc * sizeof(*nn));

			if (nn == NULL) {
				seterr(err, path, lineno, "%s",
				    strerror(ENOMEM));
				goto fail;
			}
			m->names = nn;
			m->capnames = nc;
		}
		m->names[m->nnames++] = ne;
		if (name_rehash(m) == -1) {
			seterr(err, path, lineno, "%s", strerror(ENOMEM));
			goto fail;
		}
		added++;
	}
	if (ferror(fp)) {
		seterr(err, path, lineno, "read: %s", strerror(errno));
		goto fail;
	}
	free(line);
	fclose(fp);
	return added;
fail:
	free(line);
	fclose(fp);
	return -1;
}
