/*
 * tests/fuzz_parse.c: libFuzzer harness for the line parser (parse.c).
 *
 * The input is split into lines.  The first line is also tried as a -F
 * format; every line goes through header detection and through parse_line()
 * with several layouts (the v2 default, the Transit Gateway preset, the v5
 * console order, every field at once, the -F layout, and the last header
 * seen).  Each line is
 * copied into a buffer of its exact size so ASan sees any read past it.
 * Beyond the sanitizers, the harness checks what the API promises and
 * aborts when a promise is broken.
 *
 * Build and run: make fuzz (see the Makefile), or by hand:
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -I. \
 *       tests/fuzz_parse.c parse.c -o fuzz_parse && ./fuzz_parse
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define NLAYOUT	6

static void
expect(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_parse: broken promise: %s\n", what);
		abort();
	}
}

static void
check_error(const struct parse_error *e)
{
	expect(memchr(e->field, '\0', sizeof(e->field)) != NULL &&
	    e->field[0] != '\0', "error field is a non-empty string");
	expect(memchr(e->reason, '\0', sizeof(e->reason)) != NULL &&
	    e->reason[0] != '\0', "error reason is a non-empty string");
}

static void
check_layout(const struct parse_layout *l)
{
	struct parse_layout	again;
	struct parse_error	err;
	size_t			i, unknown = 0;
	int			rc;

	expect(l->ncol > 0 && l->ncol <= PARSE_MAX_COLUMNS, "column count");
	expect(l->header != NULL && strlen(l->header) == l->headerlen,
	    "header text and its length agree");
	for (i = 0; i < l->ncol; i++) {
		expect(l->col[i] <= PF_UNKNOWN, "column field in range");
		if (l->col[i] == PF_UNKNOWN)
			unknown++;
		else
			expect(l->has[l->col[i]] == (int)i + 1,
			    "has[] points back at the column");
	}
	expect(unknown == l->nunknown, "unknown columns counted");

	/*
	 * The header text describes the layout (the rejects file depends on
	 * it): read back as a header line it gives the same columns, and a
	 * layout that came from a header line is always recognised again.
	 * XXX A -F layout whose names are mostly unknown is not recognised
	 * as a header, so its rejects file needs the same -F to be re-read.
	 */
	memset(&again, 0, sizeof(again));
	rc = parse_header(&again, l->header, l->headerlen, &err);
	if (l->origin == PARSE_ORIGIN_HEADER)
		expect(rc == 1, "a header layout's text is a header line");
	if (rc == 1)
		expect(again.ncol == l->ncol &&
		    memcmp(again.col, l->col, l->ncol) == 0,
		    "a layout's header reads back as the same layout");
	parse_layout_free(&again);
	/* And as a -F argument, when it fits the -F length limit. */
	if (l->headerlen < 8000) {
		expect(parse_layout_format(&again, l->header, &err) == 0,
		    "a layout's own header is a valid -F format");
		expect(again.ncol == l->ncol &&
		    memcmp(again.col, l->col, l->ncol) == 0,
		    "a layout's header reads back as the same -F layout");
		parse_layout_free(&again);
	}
}

static void
check_record(const struct parse_record *r, const char *line, size_t len)
{
	const struct parse_addr	*a[4] = { &r->srcaddr, &r->dstaddr,
	    &r->pkt_srcaddr, &r->pkt_dstaddr };
	const enum parse_field	 af[4] = { PF_SRCADDR, PF_DSTADDR,
	    PF_PKT_SRCADDR, PF_PKT_DSTADDR };
	int			 i;

	for (i = 0; i < 4; i++)
		if (parse_has(r, af[i]))
			expect(a[i]->family == 4 || a[i]->family == 6,
			    "address family 4 or 6");
	for (i = 0; i < PF_NFIELDS; i++) {
		const struct parse_str *s = &r->str[i];

		if (!parse_has(r, (enum parse_field)i) || s->p == NULL)
			continue;
		expect(s->p >= line && s->p + s->len <= line + len &&
		    s->len > 0, "strings borrow from inside the line");
		expect(memchr(s->p, ' ', s->len) == NULL &&
		    memchr(s->p, '\t', s->len) == NULL,
		    "a field holds no separator");
	}
	if (parse_has(r, PF_ACTION))
		expect(r->action == PARSE_ACCEPT || r->action == PARSE_REJECT,
		    "action value");
	if (parse_has(r, PF_LOG_STATUS))
		expect(r->log_status >= PARSE_OK &&
		    r->log_status <= PARSE_SKIPDATA, "log-status value");
	if (parse_has(r, PF_START))
		expect(r->start <= UINT64_MAX / 1000, "start fits in ms");
	if (parse_has(r, PF_END))
		expect(r->end <= UINT64_MAX / 1000, "end fits in ms");
}

static void
one_line(struct parse_layout *lay, int *have, const char *p, size_t len)
{
	struct parse_record	rec, rec2;
	struct parse_error	err, err2;
	struct parse_layout	hdr;
	char			*line;
	int			k, rc, rc2, f;

	/* An exact-size copy: any read past len is a heap overflow. */
	if ((line = malloc(len ? len : 1)) == NULL)
		return;
	memcpy(line, p, len);
	(void)parse_blank(line, len);

	memset(&hdr, 0, sizeof(hdr));
	rc = parse_header(&hdr, line, len, &err);
	expect(rc >= -1 && rc <= 1, "parse_header returns -1, 0 or 1");
	if (rc == -1)
		check_error(&err);
	if (rc == 1) {
		check_layout(&hdr);
		/* The last header seen is the layout of the lines after it. */
		parse_layout_free(&lay[NLAYOUT - 1]);
		lay[NLAYOUT - 1] = hdr;
		have[NLAYOUT - 1] = 1;
	} else
		expect(hdr.header == NULL, "no layout kept from a non-header");

	for (k = 0; k < NLAYOUT; k++) {
		if (!have[k])
			continue;
		memset(&rec, 0, sizeof(rec));
		rc = parse_line(&lay[k], line, len, &rec, &err);
		expect(rc == 0 || rc == -1, "parse_line returns 0 or -1");
		if (rc == 0)
			check_record(&rec, line, len);
		else
			check_error(&err);
		/* The simple parser: the same outcome, error and record. */
		memset(&rec2, 0, sizeof(rec2));
		memset(&err2, 0, sizeof(err2));
		parse_set_fast(0);
		rc2 = parse_line(&lay[k], line, len, &rec2, &err2);
		parse_set_fast(1);
		expect(rc2 == rc, "the simple parser gives the same result");
		if (rc == -1)
			expect(strcmp(err.field, err2.field) == 0 &&
			    strcmp(err.reason, err2.reason) == 0,
			    "the simple parser gives the same error");
		else {
			expect(memcmp(&rec, &rec2,
			    offsetof(struct parse_record, str)) == 0,
			    "the simple parser gives the same values");
			for (f = 0; f < PF_NFIELDS; f++)
				expect(!parse_has(&rec, (enum parse_field)f) ||
				    (rec.str[f].p == rec2.str[f].p &&
				    rec.str[f].len == rec2.str[f].len),
				    "the simple parser gives the same strings");
		}
	}
	free(line);
}

/* The fixed layouts, built once: they never change between inputs. */
static struct parse_layout	fixed[5];

static void
init_fixed(void)
{
	char	all[4096] = "";
	int	k;

	expect(parse_layout_default(&fixed[0]) == 0, "the v2 default parses");
	expect(parse_layout_format(&fixed[1], "tgw-default", NULL) == 0,
	    "the TGW preset parses");
	expect(parse_layout_format(&fixed[2], "${account-id} ${action} "
	    "${az-id} ${bytes} ${dstaddr} ${dstport} ${end} ${flow-direction} "
	    "${instance-id} ${interface-id} ${log-status} ${packets} "
	    "${pkt-dst-aws-service} ${pkt-dstaddr} ${pkt-src-aws-service} "
	    "${pkt-srcaddr} ${protocol} ${region} ${srcaddr} ${srcport} "
	    "${start} ${sublocation-id} ${sublocation-type} ${subnet-id} "
	    "${tcp-flags} ${traffic-path} ${type} ${version} ${vpc-id}",
	    NULL) == 0, "the v5 console order parses");
	/* Every field of the catalogue, so every converter is reached. */
	for (k = 0; k < PF_NFIELDS; k++) {
		const char *name = parse_field_name((enum parse_field)k);

		expect(parse_field_lookup(name, strlen(name)) ==
		    (enum parse_field)k, "field names look up to themselves");
		strcat(all, name);
		strcat(all, " ");
	}
	expect(parse_layout_format(&fixed[4], all, NULL) == 0,
	    "all fields parse");
	for (k = 0; k < 5; k++)
		if (k != 3)
			check_layout(&fixed[k]);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct parse_layout	lay[NLAYOUT];
	struct parse_error	err;
	int			have[NLAYOUT] = { 1, 1, 1, 0, 1, 0 };
	const char		*p = (const char *)data, *end = p + size;
	const char		*nl;
	char			*fmt;
	size_t			n;

	if (fixed[0].header == NULL)
		init_fixed();
	memset(lay, 0, sizeof(lay));
	lay[0] = fixed[0];
	lay[1] = fixed[1];
	lay[2] = fixed[2];
	lay[4] = fixed[4];

	/* The first line as a -F argument (a C string: up to a NUL). */
	nl = memchr(p, '\n', size);
	n = nl ? (size_t)(nl - p) : size;
	if ((fmt = malloc(n + 1)) != NULL) {
		memcpy(fmt, p, n);
		fmt[n] = '\0';
		if (parse_layout_format(&lay[3], fmt, &err) == 0) {
			have[3] = 1;
			check_layout(&lay[3]);
		} else {
			check_error(&err);
			expect(lay[3].header == NULL,
			    "a failed -F leaves the layout alone");
		}
		free(fmt);
	}
	(void)parse_field_lookup(p, n);

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		one_line(lay, have, p, n);
		p += n + (nl != NULL);
	}
	parse_layout_free(&lay[3]);
	parse_layout_free(&lay[5]);
	return 0;
}
