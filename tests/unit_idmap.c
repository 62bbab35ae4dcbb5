/* tests/unit_idmap.c: the id map in memory and persisted (journal, torn and bad lines), and names files. */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "idmap.h"
#include "unit.h"

static char dir[] = "/tmp/unit_idmap.XXXXXX";

static const char *
path(const char *name)
{
	static char buf[4][256];
	static int k;

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", dir, name);
	return buf[k];
}

static void
writefile(const char *p, const char *text)
{
	FILE *fp = fopen(p, "w");

	if (fp == NULL) {
		perror(p);
		exit(2);
	}
	fputs(text, fp);
	fclose(fp);
}

static char *
readfile(const char *p)
{
	static char buf[65536];
	FILE *fp = fopen(p, "r");
	size_t n;

	buf[0] = '\0';
	if (fp == NULL)
		return buf;
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

static int
count(const char *s, const char *what)
{
	int n = 0;

	while ((s = strstr(s, what)) != NULL) {
		n++;
		s++;
	}
	return n;
}

/* The integer of an id (UINT32_MAX on failure); *first as idmap_get. */
static uint32_t
get(struct idmap *m, enum idmap_kind kind, const char *id, int *first)
{
	struct idmap_error	err;
	uint32_t		v;
	int			f;

	if (idmap_get(m, kind, id, strlen(id), &v, &f, &err) != 0)
		return UINT32_MAX;
	if (first != NULL)
		*first = f;
	return v;
}

/* Open a file expected to be refused; returns err.line, -1 if it opened. */
static long
refused(const char *p, struct idmap_error *err)
{
	struct idmap *m;

	memset(err, 0, sizeof(*err));
	if ((m = idmap_open(p, err, NULL)) != NULL) {
		idmap_close(m);
		return -1;
	}
	return (long)err->line;
}

static void
test_memory(void)
{
	struct idmap		*m;
	struct idmap_error	 err;
	const char		*id, *name, *descr;
	char			 longid[IDMAP_ID_MAX + 2];
	size_t			 nif;
	uint32_t		 v;
	int			 first = -1;

	m = idmap_open(NULL, &err, NULL);
	ASSERT("mem-open", m != NULL);
	ASSERT("mem-first-if", get(m, IDMAP_IF, "eni-a", &first) ==
	    IDMAP_IF_FIRST && first == 1);
	ASSERT("mem-again", get(m, IDMAP_IF, "eni-a", &first) ==
	    IDMAP_IF_FIRST && first == 0);
	ASSERT("mem-next-if", get(m, IDMAP_IF, "eni-b", &first) ==
	    IDMAP_IF_FIRST + 1 && first == 1);
	ASSERT("mem-first-vrf", get(m, IDMAP_VRF, "vpc-a", &first) ==
	    IDMAP_VRF_FIRST && first == 1);
	/* Kinds are separate spaces: the same string is two ids. */
	ASSERT("mem-kinds-apart", get(m, IDMAP_VRF, "eni-a", NULL) ==
	    IDMAP_VRF_FIRST + 1);
	ASSERT("mem-count-if", idmap_count(m, IDMAP_IF) == 2);
	ASSERT("mem-count-vrf", idmap_count(m, IDMAP_VRF) == 2);
	/* Prefixes and longer strings are different ids. */
	ASSERT("mem-prefix", get(m, IDMAP_IF, "eni-", NULL) ==
	    IDMAP_IF_FIRST + 2);
	ASSERT("mem-longer", get(m, IDMAP_IF, "eni-ab", NULL) ==
	    IDMAP_IF_FIRST + 3);
	idmap_label(m, IDMAP_IF, IDMAP_IF_FIRST + 1, &id, &name, &descr);
	ASSERT("mem-label-id", strcmp(id, "eni-b") == 0 && *name == '\0' &&
	    *descr == '\0');
	idmap_label(m, IDMAP_IF, 999, &id, &name, &descr);
	ASSERT("mem-label-unknown", *id == '\0');

	/* Pseudo-interfaces: reserved, named, first use reported once. */
	idmap_use_reserved(m, IDMAP_IF_ACCEPT, &first);
	ASSERT("reserved-first", first == 1);
	idmap_use_reserved(m, IDMAP_IF_ACCEPT, &first);
	ASSERT("reserved-again", first == 0);
	idmap_use_reserved(m, IDMAP_IF_REJECT, &first);
	ASSERT("reserved-reject-first", first == 1);
	idmap_label(m, IDMAP_IF, IDMAP_IF_ACCEPT, &id, &name, &descr);
	ASSERT("reserved-accept-label", strcmp(id, "ACCEPT") == 0 &&
	    *descr != '\0');
	idmap_label(m, IDMAP_IF, IDMAP_IF_REJECT, &id, &name, &descr);
	ASSERT("reserved-reject-label", strcmp(id, "REJECT") == 0);

	/* Ids a journal line could not hold are refused, not assigned. */
	ASSERT("id-space", get(m, IDMAP_IF, "eni a", NULL) == UINT32_MAX);
	ASSERT("id-tab", get(m, IDMAP_IF, "eni\ta", NULL) == UINT32_MAX);
	ASSERT("id-hash", get(m, IDMAP_IF, "eni-a#torn", NULL) ==
	    UINT32_MAX);
	nif = idmap_count(m, IDMAP_IF);
	ASSERT("id-empty", idmap_get(m, IDMAP_IF, "", 0, &v, &first,
	    &err) == IDMAP_BAD_ID);
	ASSERT("id-bad-8bit", idmap_get(m, IDMAP_IF, "eni-\xc3", 5, &v,
	    &first, &err) == IDMAP_BAD_ID);
	ASSERT("id-bad-changes-nothing", idmap_count(m, IDMAP_IF) == nif);
	ASSERT("id-8bit", get(m, IDMAP_IF, "eni-\xc3\xa9", NULL) ==
	    UINT32_MAX);
	memset(longid, 'x', sizeof(longid) - 1);
	longid[sizeof(longid) - 1] = '\0';
	ASSERT("id-too-long", get(m, IDMAP_IF, longid, NULL) == UINT32_MAX);
	longid[IDMAP_ID_MAX] = '\0';
	ASSERT("id-longest", get(m, IDMAP_IF, longid, NULL) ==
	    IDMAP_IF_FIRST + 4);
	ASSERT("id-refused-not-counted", idmap_count(m, IDMAP_IF) == 5);
	ASSERT("valid-id", idmap_valid_id("tgw-attach-0a1", 14) &&
	    !idmap_valid_id("a\x7f", 2) && !idmap_valid_id("a\n", 2));
	idmap_close(m);
}

static void
test_persist(void)
{
	struct idmap		*m, *m2;
	struct idmap_error	 err;
	const char		*p = path("map");
	const char		*text;
	int			 torn = 0, first;

	m = idmap_open(p, &err, &torn);
	ASSERT("persist-create", m != NULL && torn == 0);
	if (m == NULL)
		return;
	ASSERT("persist-header", readfile(p)[0] == '#');
	ASSERT("persist-a", get(m, IDMAP_IF, "eni-a", NULL) == 16);
	ASSERT("persist-b", get(m, IDMAP_IF, "eni-b", NULL) == 17);
	ASSERT("persist-vpc", get(m, IDMAP_VRF, "vpc-a", NULL) == 1);
	/* Persisted before idmap_get returned: the file has it now. */
	text = readfile(p);
	ASSERT("persist-lines", strstr(text, "\nif 16 eni-a\nif 17 eni-b\n"
	    "vrf 1 vpc-a\n") != NULL);
	idmap_close(m);

	m = idmap_open(p, &err, &torn);
	ASSERT("reload", m != NULL && torn == 0);
	if (m == NULL)
		return;
	ASSERT("reload-counts", idmap_count(m, IDMAP_IF) == 2 &&
	    idmap_count(m, IDMAP_VRF) == 1);
	ASSERT("reload-keeps-b", get(m, IDMAP_IF, "eni-b", &first) == 17 &&
	    first == 1);
	ASSERT("reload-keeps-a", get(m, IDMAP_IF, "eni-a", NULL) == 16);
	ASSERT("reload-new", get(m, IDMAP_IF, "eni-c", NULL) == 18);
	ASSERT("reload-new-vrf", get(m, IDMAP_VRF, "vpc-b", NULL) == 2);

	/* A second handle on the same file (another process): no clash. */
	m2 = idmap_open(p, &err, NULL);
	ASSERT("second-open", m2 != NULL);
	if (m2 == NULL) {
		idmap_close(m);
		return;
	}
	ASSERT("second-sees", get(m2, IDMAP_IF, "eni-c", NULL) == 18);
	ASSERT("interleave-1", get(m, IDMAP_IF, "eni-d", NULL) == 19);
	ASSERT("interleave-2", get(m2, IDMAP_IF, "eni-e", NULL) == 20);
	ASSERT("interleave-3", get(m2, IDMAP_IF, "eni-d", NULL) == 19);
	ASSERT("interleave-4", get(m, IDMAP_IF, "eni-e", NULL) == 20);
	ASSERT("interleave-5", get(m, IDMAP_IF, "eni-f", NULL) == 21);
	ASSERT("interleave-6", get(m2, IDMAP_IF, "eni-g", NULL) == 22);
	idmap_close(m2);
	idmap_close(m);

	/* The journal holds each id once. */
	text = readfile(p);
	ASSERT("journal-once", count(text, " eni-d\n") == 1 &&
	    count(text, " eni-e\n") == 1 && count(text, "\n") == 10);
}

/* Many handles, many ids, in a shuffled order: a bijection per kind. */
static void
test_bijection(void)
{
	struct idmap		*m[4], *r;
	struct idmap_error	 err;
	const char		*p = path("bij");
	uint32_t		 got[4][300];
	char			 id[32];
	int			 i, k, j, ok = 1, dup = 0;
	unsigned		 seed = 12345;

	for (k = 0; k < 4; k++)
		m[k] = idmap_open(p, &err, NULL);
	ASSERT("bij-open", m[0] && m[1] && m[2] && m[3]);
	if (!(m[0] && m[1] && m[2] && m[3]))
		return;
	for (i = 0; i < 4 * 300; i++) {
		seed = seed * 1103515245 + 12345;
		k = (int)((seed >> 16) % 4);
		j = (int)((seed >> 4) % 300);
		snprintf(id, sizeof(id), "eni-%04d", j);
		got[k][j] = get(m[k], IDMAP_IF, id, NULL);
	}
	for (k = 0; k < 4; k++)
		for (j = 0; j < 300; j++) {
			snprintf(id, sizeof(id), "eni-%04d", j);
			got[k][j] = get(m[k], IDMAP_IF, id, NULL);
		}
	for (j = 0; j < 300; j++)
		for (k = 1; k < 4; k++)
			if (got[k][j] != got[0][j])
				ok = 0;
	ASSERT("bij-agree", ok);
	for (j = 0; j < 300; j++)
		for (i = j + 1; i < 300; i++)
			if (got[0][j] == got[0][i])
				dup = 1;
	ASSERT("bij-injective", !dup);
	for (j = 0, ok = 1; j < 300; j++)
		if (got[0][j] < IDMAP_IF_FIRST || got[0][j] >= IDMAP_IF_FIRST +
		    300)
			ok = 0;
	ASSERT("bij-dense", ok);
	for (k = 0; k < 4; k++)
		idmap_close(m[k]);
	r = idmap_open(p, &err, NULL);
	ASSERT("bij-reload", r != NULL && idmap_count(r, IDMAP_IF) == 300);
	if (r != NULL) {
		for (j = 0, ok = 1; j < 300; j++) {
			snprintf(id, sizeof(id), "eni-%04d", j);
			if (get(r, IDMAP_IF, id, NULL) != got[0][j])
				ok = 0;
		}
		ASSERT("bij-reload-same", ok && idmap_count(r, IDMAP_IF) ==
		    300);
		idmap_close(r);
	}
}

static void
test_torn(void)
{
	struct idmap		*m;
	struct idmap_error	 err;
	const char		*p = path("torn");
	const char		*text;
	int			 torn = 0;

	/* A writer killed in the middle of "if 17 eni-b\n". */
	writefile(p, "# map\nif 16 eni-a\nif 17 eni-b");
	m = idmap_open(p, &err, &torn);
	ASSERT("torn-loads", m != NULL);
	ASSERT("torn-reported", torn == 1);
	if (m == NULL)
		return;
	ASSERT("torn-count", idmap_count(m, IDMAP_IF) == 1);
	ASSERT("torn-keeps", get(m, IDMAP_IF, "eni-a", NULL) == 16);
	/* The torn assignment was never used: 17 is free. */
	ASSERT("torn-next", get(m, IDMAP_IF, "eni-c", NULL) == 17);
	idmap_close(m);
	text = readfile(p);
	ASSERT("torn-marked", strcmp(text, "# map\nif 16 eni-a\n"
	    "if 17 eni-b#torn\nif 17 eni-c\n") == 0);
	torn = 0;
	m = idmap_open(p, &err, &torn);
	ASSERT("torn-mark-loads", m != NULL);
	/* A marked line was reported when it was torn: not again. */
	ASSERT("torn-mark-quiet", torn == 0);
	if (m == NULL)
		return;
	ASSERT("torn-mark-ignored", idmap_count(m, IDMAP_IF) == 2 &&
	    get(m, IDMAP_IF, "eni-c", NULL) == 17 &&
	    get(m, IDMAP_IF, "eni-b", NULL) == 18);
	idmap_close(m);

	/* Torn in the middle of the kind word, and of the number. */
	writefile(p, "if 16 eni-a\ni");
	m = idmap_open(p, &err, &torn);
	ASSERT("torn-kind", m != NULL && idmap_count(m, IDMAP_IF) == 1);
	idmap_close(m);
	writefile(p, "if 16 eni-a\nvrf 1");
	torn = 0;
	m = idmap_open(p, &err, &torn);
	ASSERT("torn-number", m != NULL && torn == 1 &&
	    idmap_count(m, IDMAP_VRF) == 0);
	idmap_close(m);

	/* A file a killed first writer left empty, or with half a header. */
	writefile(p, "");
	m = idmap_open(p, &err, &torn);
	ASSERT("empty-file", m != NULL);
	if (m != NULL)
		ASSERT("empty-file-assigns", get(m, IDMAP_IF, "x", NULL) == 16);
	idmap_close(m);
	writefile(p, "# fl2ipfix id m");
	m = idmap_open(p, &err, &torn);
	ASSERT("torn-header", m != NULL);
	if (m != NULL)
		ASSERT("torn-header-assigns", get(m, IDMAP_IF, "x", NULL) ==
		    16);
	idmap_close(m);
	m = idmap_open(p, &err, &torn);
	ASSERT("torn-header-reload", m != NULL && get(m, IDMAP_IF, "x",
	    NULL) == 16 && idmap_count(m, IDMAP_IF) == 1);
	idmap_close(m);
}

static void
test_bad(void)
{
	struct idmap		*m;
	struct idmap_error	 err;
	const char		*p = path("bad");
	long			 line;
	uint32_t		 v;
	int			 first;
	size_t			 i;
	static const struct {
		const char	*name, *text;
		long		 line;
	} bad[] = {
		{ "bad-number", "# h\nif 16 eni-a\nif sixteen eni-b\n", 3 },
		{ "bad-kind", "# h\nacct 16 eni-a\n", 2 },
		{ "bad-no-id", "if 16\n", 1 },
		{ "bad-empty-id", "if 16 \n", 1 },
		{ "bad-two-spaces", "if  16 eni-a\n", 1 },
		{ "bad-extra-field", "if 16 eni-a extra\n", 1 },
		{ "bad-reserved-index", "if 1 eni-a\n", 1 },
		{ "bad-below-first", "if 15 eni-a\n", 1 },
		{ "bad-vrf-zero", "vrf 0 vpc-a\n", 1 },
		{ "bad-too-large", "if 4294967295 eni-a\n", 1 },
		{ "bad-huge", "if 99999999999999999999 eni-a\n", 1 },
		{ "bad-minus", "if -16 eni-a\n", 1 },
		{ "bad-tab", "if\t16\teni-a\n", 1 },
		{ "bad-binary", "\x01\x02\x03\n", 1 },
		{ "conflict-two-ints", "# h\nif 16 eni-a\nvrf 1 vpc\n"
		    "if 17 eni-a\n", 4 },
		{ "conflict-two-ids", "# h\nif 16 eni-a\nif 16 eni-b\n", 3 },
		{ "conflict-vrf", "vrf 1 vpc-a\nvrf 1 vpc-b\n", 2 },
		/* An unterminated tail that no writer could have left. */
		{ "tail-binary", "\x7f" "ELF\x02\x01\x01", 1 },
		{ "tail-text", "if 16 eni-a\nhello", 2 },
		{ "tail-bad-kind", "if 16 eni-a\nvrx", 2 },
		{ "tail-no-number", "if 16 eni-a\nif x", 2 },
		{ "tail-bad-id", "if 16 eni-a\nif 17 eni-\x01", 2 },
		{ "tail-control-comment", "# map\x01", 1 },
	};

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		writefile(p, bad[i].text);
		line = refused(p, &err);
		if (line != bad[i].line)
			printf("# %s: line %ld, want %ld (%s)\n", bad[i].name,
			    line, bad[i].line, err.reason);
		ASSERT(bad[i].name, line == bad[i].line &&
		    strcmp(err.file, p) == 0 && err.reason[0] != '\0');
	}

	/* What is fine: repeats, comments, CRLF, the same id in two kinds. */
	writefile(p, "# h\r\nif 16 eni-a\r\nif 16 eni-a\n\n# c\nvrf 16 "
	    "eni-a\nif 17 eni-b#torn\n");
	m = idmap_open(p, &err, NULL);
	ASSERT("fine-lines", m != NULL && idmap_count(m, IDMAP_IF) == 1 &&
	    idmap_count(m, IDMAP_VRF) == 1);
	if (m != NULL)
		ASSERT("fine-next-vrf", get(m, IDMAP_VRF, "vpc-x", NULL) ==
		    17);
	idmap_close(m);

	/* A bad line appended by someone else mid-run: named by its line. */
	writefile(p, "# h\nif 16 eni-a\n");
	m = idmap_open(p, &err, NULL);
	ASSERT("midrun-open", m != NULL);
	if (m == NULL)
		return;
	ASSERT("midrun-own", get(m, IDMAP_IF, "eni-b", NULL) == 17);
	{
		FILE *fp = fopen(p, "a");

		fputs("if 18 eni-c\nif 16 eni-z\n", fp);
		fclose(fp);
	}
	memset(&err, 0, sizeof(err));
	ASSERT("midrun-error", idmap_get(m, IDMAP_IF, "eni-new", 7, &v,
	    &first, &err) == -1);
	ASSERT("midrun-line", err.line == 5 && strcmp(err.file, p) == 0);
	idmap_close(m);

	/* Files that cannot be a map. */
	ASSERT("dir-refused", refused(dir, &err) == 0 && strcmp(err.file,
	    dir) == 0 && strstr(err.reason, "directory") != NULL);
	ASSERT("device-refused", refused("/dev/null", &err) == 0 &&
	    err.reason[0] != '\0');
	ASSERT("missing-dir-refused", refused(path("no/such/map"), &err) ==
	    0 && strstr(err.reason, "No such") != NULL);
}

static void
test_names(void)
{
	struct idmap		*m;
	struct idmap_error	 err;
	const char		*p = path("names");
	const char		*id, *name, *descr;
	uint32_t		 a, b, c, d, e, f, v, t;
	long			 n;
	size_t			 i;
	static const struct {
		const char	*name, *text;
		unsigned long	 line;
	} bad[] = {
		{ "names-bad-utf8", "eni-a\tok\tok\neni-b\t\xff\tx\n", 2 },
		{ "names-overlong", "eni-a\t\xc0\xaf\t\n", 1 },
		{ "names-overlong-3", "eni-a\t\xe0\x80\xaf\t\n", 1 },
		{ "names-surrogate", "eni-a\t\xed\xa0\x80\t\n", 1 },
		{ "names-past-10ffff", "eni-a\t\xf4\x90\x80\x80\t\n", 1 },
		{ "names-cut-sequence", "eni-a\tx\xe6\x97\n", 1 },
		{ "names-control", "eni-a\tx\x1by\t\n", 1 },
		{ "names-empty-id", "\tname\tdescr\n", 1 },
		{ "names-space-id", "eni-a name descr\n", 1 },
	};

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		m = idmap_open(NULL, &err, NULL);
		writefile(p, bad[i].text);
		memset(&err, 0, sizeof(err));
		n = idmap_load_names(m, p, &err);
		ASSERT(bad[i].name, n == -1 && err.line == bad[i].line &&
		    strcmp(err.file, p) == 0);
		idmap_close(m);
	}

	m = idmap_open(NULL, &err, NULL);
	ASSERT("names-missing-file", idmap_load_names(m, path("nope"),
	    &err) == -1 && err.line == 0 && strstr(err.reason, "No such"));
	writefile(p,
	    "# comment\n"
	    "eni-a\tweb-1\tPrimary network interface\r\n"
	    "eni-b\tNone\tdb replica\n"
	    "eni-c\tnat\n"
	    "eni-d\n"
	    "\n"
	    "vpc-a\tprod\t10.0.0.0/16\n"
	    "vpc-b\tNone\tNone\n"
	    "eni-e\tZ\xc3\xbcrich \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80\t"
	    "same\tas\ttabs\n"
	    "eni-f\tsame\tsame\n"
	    "eni-a\tsecond\tignored\n");
	n = idmap_load_names(m, p, &err);
	ASSERT("names-load", n == 8);
	a = get(m, IDMAP_IF, "eni-a", NULL);
	b = get(m, IDMAP_IF, "eni-b", NULL);
	c = get(m, IDMAP_IF, "eni-c", NULL);
	d = get(m, IDMAP_IF, "eni-d", NULL);
	e = get(m, IDMAP_IF, "eni-e", NULL);
	f = get(m, IDMAP_IF, "eni-f", NULL);
	t = get(m, IDMAP_IF, "eni-unknown", NULL);
	v = get(m, IDMAP_VRF, "vpc-a", NULL);
	idmap_label(m, IDMAP_IF, a, &id, &name, &descr);
	ASSERT("names-both", strcmp(id, "eni-a") == 0 &&
	    strcmp(name, "web-1") == 0 &&
	    strcmp(descr, "web-1 (Primary network interface)") == 0);
	idmap_label(m, IDMAP_IF, b, &id, &name, &descr);
	ASSERT("names-none-is-empty", *name == '\0' &&
	    strcmp(descr, "db replica") == 0);
	idmap_label(m, IDMAP_IF, c, &id, &name, &descr);
	ASSERT("names-no-descr-column", strcmp(name, "nat") == 0 &&
	    strcmp(descr, "nat") == 0);
	idmap_label(m, IDMAP_IF, d, &id, &name, &descr);
	ASSERT("names-id-only", strcmp(id, "eni-d") == 0 && *name == '\0' &&
	    *descr == '\0');
	idmap_label(m, IDMAP_IF, e, &id, &name, &descr);
	ASSERT("names-utf8", strcmp(name, "Z\xc3\xbcrich \xe6\x97\xa5\xe6"
	    "\x9c\xac \xf0\x9f\x98\x80") == 0);
	ASSERT("names-tab-in-descr", strstr(descr, "same as tabs") != NULL);
	idmap_label(m, IDMAP_IF, f, &id, &name, &descr);
	ASSERT("names-same-once", strcmp(descr, "same") == 0);
	idmap_label(m, IDMAP_IF, t, &id, &name, &descr);
	ASSERT("names-unknown-id", strcmp(id, "eni-unknown") == 0 &&
	    *name == '\0' && *descr == '\0');
	idmap_label(m, IDMAP_VRF, v, &id, &name, &descr);
	ASSERT("names-vrf", strcmp(id, "vpc-a") == 0 &&
	    strcmp(name, "prod") == 0);
	v = get(m, IDMAP_VRF, "vpc-b", NULL);
	idmap_label(m, IDMAP_VRF, v, &id, &name, &descr);
	ASSERT("names-vrf-none", *name == '\0' && *descr == '\0');
	/* A second file: the first file's names win, new ids are added. */
	writefile(p, "eni-a\tother\tx\neni-g\tgee\t\n");
	ASSERT("names-second-file", idmap_load_names(m, p, &err) == 1);
	idmap_label(m, IDMAP_IF, get(m, IDMAP_IF, "eni-g", NULL), &id, &name,
	    &descr);
	ASSERT("names-second-used", strcmp(name, "gee") == 0);
	idmap_close(m);
}

int
main(void)
{
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 2;
	}
	test_memory();
	test_persist();
	test_bijection();
	test_torn();
	test_bad();
	test_names();
	{
		char cmd[300];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			return 2;
	}
	return unit_failed != 0;
}
