/*
 * tests/fuzz_pipeline.c: libFuzzer harness for the whole pipeline, bytes in
 * to IPFIX out, through the real main() (fl2ipfix.c built with
 * -Dmain=fl2ipfix_main) and every module behind it.
 *
 * The first input byte chooses options (-F preset, --dedup, a small
 * --message-size, a filter, two operands); the rest is the input, handed
 * over as memfd files.  After the run the harness checks, and aborts when
 * one fails:
 *   - main() returned 0, 1 or 2 and did not exit;
 *   - the --stats=json outcomes add up to the lines;
 *   - the IPFIX output is structurally valid, by our own decoder: message
 *     lengths tile the file, set lengths tile each message, records tile
 *     each set (we never pad), templates precede their data and are never
 *     redefined differently, sequence numbers count the data records before
 *     each message, and the counts agree with the stats;
 *   - the --rejects file, read back with the same -F, gives exactly the
 *     same number of malformed lines and nothing else but headers.
 *
 * Build and run: make fuzz FUZZ_SECONDS=N.
 */
#define _GNU_SOURCE		/* memfd_create */
#include <sys/mman.h>
#include <sys/stat.h>

#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);
int fl2ipfix_main(int, char **);

#define DOMAIN		4242
#define MAXTMPL		65536

static void
expect(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_pipeline: broken promise: %s\n", what);
		abort();
	}
}

/* A memory file holding n bytes; its path goes in path. */
static int
memfile(const char *name, const void *p, size_t n, char path[64])
{
	int fd = memfd_create(name, 0);

	expect(fd != -1, "memfd_create");
	if (n > 0)
		expect(write(fd, p, n) == (ssize_t)n, "write to a memfd");
	snprintf(path, 64, "/proc/self/fd/%d", fd);
	return fd;
}

/* The whole content of a memory file (malloc'ed, NUL-terminated). */
static char *
slurp(int fd, size_t *n)
{
	struct stat	st;
	char		*p;

	expect(fstat(fd, &st) == 0, "fstat");
	*n = (size_t)st.st_size;
	p = malloc(*n + 1);
	expect(p != NULL, "malloc");
	expect(pread(fd, p, *n, 0) == (ssize_t)*n, "pread");
	p[*n] = '\0';
	return p;
}

/* Run main() with stderr captured; returns its status. */
static int
run(char **argv, int argc, char **err, size_t *errlen)
{
	char	path[64];
	int	efd, saved, rc;

	efd = memfile("stderr", NULL, 0, path);
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	dup2(efd, STDERR_FILENO);
	optind = 0;		/* GNU getopt: start afresh */
	rc = fl2ipfix_main(argc, argv);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	*err = slurp(efd, errlen);
	close(efd);
	return rc;
}

/* The number after "key": at or after p; UINT64_MAX if absent. */
static uint64_t
jnum(const char *p, const char *key)
{
	char		 k[64];
	const char	*q;

	snprintf(k, sizeof(k), "\"%s\":", key);
	if (p == NULL || (q = strstr(p, k)) == NULL)
		return UINT64_MAX;
	return strtoull(q + strlen(k), NULL, 10);
}

struct stats {
	uint64_t	lines, outcome[8], sum, messages, octets, flows, options;
	uint64_t	failed;
};

static const char *const outcomes[8] = { "exported", "filtered", "nodata",
	"skipdata", "header", "blank", "empty", "malformed" };

static void
read_stats(const char *err, struct stats *s)
{
	const char	*j = strstr(err, "{\"lines\":"), *o;
	int		 i;

	expect(j != NULL, "--stats=json printed");
	s->lines = jnum(j, "lines");
	o = strstr(j, "\"outcomes\":{");
	expect(o != NULL, "outcomes in the stats");
	s->sum = 0;
	for (i = 0; i < 8; i++) {
		s->outcome[i] = jnum(o, outcomes[i]);
		expect(s->outcome[i] != UINT64_MAX, "every outcome counted");
		s->sum += s->outcome[i];
	}
	expect(s->sum == s->lines, "outcomes add up to the lines");
	s->failed = jnum(strstr(j, "\"operands\":"), "failed");
	o = strstr(j, "\"outputs\":[");
	s->messages = jnum(o, "messages");
	s->octets = jnum(o, "octets");
	s->flows = jnum(o, "flow_records");
	s->options = jnum(o, "options_records");
}

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/* Templates seen so far: their bytes, to compare a redefinition. */
struct tmpl {
	uint8_t		*rec;		/* the template record */
	size_t		 len;
	int		 options;
	uint16_t	 nfields;
	const uint8_t	*fields;	/* into rec: (ie, len[, pen]) */
};

/* Indexed by template id; only the used entries are cleared after a run. */
static struct tmpl	tab[MAXTMPL];
static uint16_t		used[MAXTMPL];
static size_t		nused;

/* One data record's length per the template, or 0 if it overruns. */
static size_t
record_len(const struct tmpl *t, const uint8_t *p, size_t room)
{
	const uint8_t	*f = t->fields;
	size_t		 off = 0;
	unsigned	 i;

	for (i = 0; i < t->nfields; i++) {
		uint16_t ie = get16(f), len = get16(f + 2);

		f += 4 + ((ie & 0x8000) ? 4 : 0);
		if (len == 65535) {
			size_t l;

			if (off + 1 > room)
				return 0;
			l = p[off++];
			if (l == 255) {
				if (off + 2 > room)
					return 0;
				l = get16(p + off);
				off += 2;
			}
			off += l;
		} else
			off += len;
		if (off > room)
			return 0;
	}
	return off;
}

/* Parse one template or options template record; its length, or 0. */
static size_t
template_record(const uint8_t *p, size_t room, int options)
{
	uint16_t	id, n, nscope = 0;
	size_t		hdr = options ? 6 : 4, off, i;
	struct tmpl	*t;

	expect(room >= hdr, "a template record header fits its set");
	id = get16(p);
	n = get16(p + 2);
	expect(id >= 256, "template ids are 256 or more");
	expect(n > 0, "no template withdrawals in a file");
	if (options) {
		nscope = get16(p + 4);
		expect(nscope >= 1 && nscope <= n, "options scope count");
	}
	off = hdr;
	for (i = 0; i < n; i++) {
		expect(off + 4 <= room, "template fields fit their set");
		expect(get16(p + off + 2) != 0, "no zero-length field");
		off += 4 + ((get16(p + off) & 0x8000) ? 4 : 0);
		expect(off <= room, "enterprise numbers fit their set");
	}
	t = &tab[id];
	if (t->rec != NULL) {
		/* Seen before: a resend must be the same bytes. */
		expect(t->len == off && memcmp(t->rec, p, off) == 0 &&
		    t->options == options,
		    "a template is never redefined differently");
		return off;
	}
	t->rec = malloc(off);
	expect(t->rec != NULL, "malloc");
	used[nused++] = id;
	memcpy(t->rec, p, off);
	t->len = off;
	t->options = options;
	t->nfields = n;
	t->fields = t->rec + hdr;
	return off;
}

/* Check an IPFIX file; count its flow and options records. */
static void
check_ipfix(const uint8_t *p, size_t n, const struct stats *s)
{
	uint64_t	 flows = 0, options = 0, msgs = 0;
	uint32_t	 seq = 0;
	size_t		 off = 0;
	size_t		 i;

	while (off < n) {
		size_t mlen, soff, recs = 0;

		expect(n - off >= 16, "a message header fits the file");
		expect(get16(p + off) == 10, "version 10");
		mlen = get16(p + off + 2);
		expect(mlen >= 16 && mlen <= n - off, "message lengths tile");
		expect(get32(p + off + 4) == 1, "the fixed export time");
		expect(get32(p + off + 8) == seq,
		    "sequence number counts the data records before");
		expect(get32(p + off + 12) == DOMAIN, "observation domain");
		expect(mlen > 16, "no empty messages");
		for (soff = 16; soff < mlen;) {
			const uint8_t	*set = p + off + soff;
			size_t		 slen, roff;
			uint16_t	 sid;

			expect(mlen - soff >= 4, "a set header fits its message");
			sid = get16(set);
			slen = get16(set + 2);
			expect(slen > 4 && slen <= mlen - soff,
			    "set lengths tile the message");
			if (sid == 2 || sid == 3) {
				for (roff = 4; roff < slen;)
					roff += template_record(set + roff,
					    slen - roff, sid == 3);
			} else {
				const struct tmpl *t = &tab[sid];

				expect(sid >= 256, "set id 2, 3 or a template");
				expect(t->rec != NULL,
				    "templates precede their data");
				for (roff = 4; roff < slen;) {
					size_t rl = record_len(t, set + roff,
					    slen - roff);

					expect(rl > 0, "records tile the set");
					roff += rl;
					recs++;
					if (t->options)
						options++;
					else
						flows++;
				}
			}
			soff += slen;
		}
		seq += (uint32_t)recs;
		off += mlen;
		msgs++;
	}
	expect(flows == s->flows, "flow records as in the stats");
	expect(options == s->options, "options records as in the stats");
	expect(flows == s->outcome[0], "one flow record per exported line");
	expect(msgs == s->messages, "messages as in the stats");
	expect(n == s->octets, "octets as in the stats");
	for (i = 0; i < nused; i++) {
		free(tab[used[i]].rec);
		tab[used[i]].rec = NULL;
	}
	nused = 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const formats[4] = { NULL, "vpc-default",
	    "tgw-default", "${account-id} ${action} ${bytes} ${dstaddr} "
	    "${dstport} ${end} ${flow-direction} ${interface-id} "
	    "${log-status} ${packets} ${pkt-dstaddr} ${pkt-srcaddr} "
	    "${protocol} ${srcaddr} ${srcport} ${start} ${tcp-flags} "
	    "${version} ${vpc-id}" };
	char		 inpath[2][64], outpath[64], rejpath[64];
	char		*argv[32], *err, *out, *rej;
	int		 infd[2], outfd, rejfd, argc = 0, nin, rc, i, gz;
	size_t		 errlen, outlen, rejlen, half;
	uint8_t		 sel;
	struct stats	 st, st2;

	if (size < 1)
		return 0;
	sel = data[0];
	data++;
	size--;
	nin = (sel & 0x20) ? 2 : 1;
	half = nin == 2 ? size / 2 : size;
	infd[0] = memfile("in0", data, half, inpath[0]);
	if (nin == 2)
		infd[1] = memfile("in1", data + half, size - half, inpath[1]);
	outfd = memfile("out", NULL, 0, outpath);
	rejfd = memfile("rejects", NULL, 0, rejpath);
	gz = size >= 2 && data[0] == 0x1f && data[1] == 0x8b;

	argv[argc++] = (char *)"fl2ipfix";
	argv[argc++] = (char *)"--stats=json";
	argv[argc++] = (char *)"--export-time=1";
	argv[argc++] = (char *)"--domain=4242";
	argv[argc++] = (char *)"-o";
	argv[argc++] = outpath;
	argv[argc++] = (char *)"--rejects";
	argv[argc++] = rejpath;
	if (formats[sel & 3] != NULL) {
		argv[argc++] = (char *)"-F";
		argv[argc++] = (char *)formats[sel & 3];
	}
	if (sel & 0x04)
		argv[argc++] = (char *)"--dedup";
	if (sel & 0x08)
		argv[argc++] = (char *)"--message-size=512";
	if (sel & 0x10)
		argv[argc++] = (char *)"--direction=ingress";
	if (sel & 0x40)
		argv[argc++] = (char *)"--since=1764201600";
	if (sel & 0x80)
		argv[argc++] = (char *)"--action=accept";
	for (i = 0; i < nin; i++)
		argv[argc++] = inpath[i];
	argv[argc] = NULL;

	rc = run(argv, argc, &err, &errlen);
	expect(rc == 0 || rc == 1 || rc == 2, "exit status 0, 1 or 2");
	read_stats(err, &st);
	expect((rc == 0) == (st.outcome[7] == 0 && st.failed == 0),
	    "status 0 exactly when nothing was malformed or failed");
	free(err);

	out = slurp(outfd, &outlen);
	check_ipfix((const uint8_t *)out, outlen, &st);
	free(out);

	/* The rejects file, read back, holds the malformed lines. */
	rej = slurp(rejfd, &rejlen);
	expect((st.outcome[7] == 0) == (rejlen == 0),
	    "rejects written exactly when lines were malformed");
	if (rejlen > 0 && st.failed == 0 && !gz &&
	    memchr(rej, '\0', rejlen < 4096 ? rejlen : 4096) == NULL) {
		argc = 0;
		argv[argc++] = (char *)"fl2ipfix";
		argv[argc++] = (char *)"--stats=json";
		argv[argc++] = (char *)"-o";
		argv[argc++] = (char *)"/dev/null";
		if (formats[sel & 3] != NULL) {
			argv[argc++] = (char *)"-F";
			argv[argc++] = (char *)formats[sel & 3];
		}
		argv[argc++] = rejpath;
		argv[argc] = NULL;
		rc = run(argv, argc, &err, &errlen);
		read_stats(err, &st2);
		expect(rc == 1, "the rejects file reads as malformed");
		expect(st2.outcome[7] == st.outcome[7],
		    "the rejects file holds every malformed line");
		expect(st2.outcome[4] + st2.outcome[7] == st2.lines,
		    "the rejects file holds only headers and malformed lines");
		free(err);
	}
	free(rej);

	for (i = 0; i < nin; i++)
		close(infd[i]);
	close(outfd);
	close(rejfd);
	return 0;
}
