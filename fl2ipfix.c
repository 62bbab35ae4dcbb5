/* fl2ipfix.c: options, the record loop, accounting, exit status, and every message to the user. */
#include <sys/types.h>
#include <sys/stat.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "filter.h"
#include "idmap.h"
#include "input.h"
#include "ipfix.h"
#include "map.h"
#include "parse.h"
#include "prep.h"
#include "sink.h"

#define VERSION		"0.1.0"

/* Exit statuses (fl2ipfix.1, EXIT STATUS). */
#define EXIT_MALFORMED	1	/* some lines were malformed and skipped */
#define EXIT_TROUBLE	2	/* input or output failed */
#define EXIT_USAGE	64	/* bad command line */

#define MAX_OUTPUTS	3
#define WARN_LIMIT	20	/* malformed-line messages shown per run */
#define UNKNOWN_LIMIT	64	/* unknown field names reported per run */
#define DEFAULT_MSGSIZE_FILE	65535
/*
 * UDP (and pcap, its picture): a message that fits a 1500-octet path even
 * through a tunnel: 1500 - 80 (WireGuard over IPv6: outer IPv6 40, UDP 8,
 * WireGuard 32; IPsec ESP tunnels over IPv6 take less) - 40 (our IPv6
 * header) - 8 (our UDP header) = 1372.
 */
#define DEFAULT_MSGSIZE_NET	1372
#define DEFAULT_REFRESH		60	/* s; collectors keep templates 1800 s */
#define NET_COPIES		3	/* template copies at first use (UDP) */

enum outcome {
	O_EXPORTED, O_FILTERED, O_NODATA, O_SKIPDATA, O_HEADER, O_BLANK,
	O_EMPTY, O_MALFORMED, O_N
};

static const char *const outcome_name[O_N] = {
	"exported", "filtered", "nodata", "skipdata", "header", "blank",
	"empty", "malformed"
};

struct options {
	const char	*format;
	const char	*output;
	const char	*dest;		/* -d: UDP collector */
	const char	*pcap;		/* -w: pcap file */
	const char	*idmap;
	const char	*rejects;
	const char	*names[16];
	int		 nnames;
	int		 force;
	int		 stats;		/* 0 none, 1 text, 2 json */
	int		 fixed_time;
	uint32_t	 export_time;
	uint32_t	 domain;
	size_t		 msgsize;	/* 0: the default of each output */
	size_t		 dedup_window;
	int		 dedup;
	uint32_t	 refresh;	/* --template-refresh */
	uint64_t	 rate;		/* --rate, 0: as fast as possible */
	int		 progress;	/* -1 when stderr is a tty, 0 no, 1 yes */
};

struct output {
	struct sink		*sink;
	struct ipfix_exporter	*exp;
	int			 warned_send;	/* a failed send was reported */
};

/* --rate: a token bucket of flow records. */
struct pacer {
	double		rate;		/* records per second */
	double		tokens;
	double		burst;		/* most tokens kept */
	double		want;		/* tokens to wait for when empty */
	double		last;		/* time of the last refill */
	double		last_push;	/* time messages were last pushed */
};

/* --progress: the status line. */
struct progress {
	int		on;
	int		tty;
	double		start, last;
	uint64_t	total_bytes;	/* of all operands, when known */
	int		size_known;
	uint64_t	total_operands;
	int		shown;		/* a line is on the terminal */
	unsigned	tick;		/* lines until the next clock check */
};

/* Everything the run counts. */
struct counts {
	uint64_t	lines;
	uint64_t	outcome[O_N];
	uint64_t	packets, bytes;		/* of exported records */
	uint64_t	operands, failed_operands;
	uint64_t	input_bytes;
	uint64_t	warned;
};

static volatile sig_atomic_t	stop_signal;
/* A pipe the signal handler writes to, so a wait for input ends at once. */
static int			wake_fd[2] = { -1, -1 };

static void
on_signal(int sig)
{
	int save = errno;

	stop_signal = sig;
	if (wake_fd[1] != -1)
		(void)!write(wake_fd[1], "", 1);
	errno = save;
}

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: fl2ipfix [-fhV] [-D direction] [-d host[:port]] "
	    "[-F format] [-m idmap]\n"
	    "                [-N names] [-o file] [-w file] [--account id]\n"
	    "                [--action action] [--dedup] [--dedup-window n] "
	    "[--domain n]\n"
	    "                [--export-time seconds] [--interface id]\n"
	    "                [--message-size bytes] [--[no-]progress] "
	    "[--rate n]\n"
	    "                [--rejects file] [--since time] "
	    "[--stats[=text|json]]\n"
	    "                [--template-refresh seconds] [--until time] "
	    "[--vpc id]\n"
	    "                [file ...]\n");
	if (fp == stdout)
		fprintf(fp, "\n"
		    "Convert AWS VPC and Transit Gateway flow logs to IPFIX.\n\n"
		    "  -F, --format FORMAT    field layout for header-less input:"
		    " ${a} ${b}, a b,\n"
		    "                         vpc-default or tgw-default\n"
		    "  -o, --output FILE      write IPFIX to FILE (default "
		    "stdout)\n"
		    "  -d, --destination HOST[:PORT]  send IPFIX over UDP to a "
		    "collector\n"
		    "                         (port 4739; IPv6 as [ADDR]:PORT)\n"
		    "  -w, --pcap FILE        write the UDP datagrams to a pcap "
		    "file\n"
		    "  -f, --force            write IPFIX to a terminal\n"
		    "  -m, --idmap FILE       keep interface and VRF numbers in "
		    "FILE across runs\n"
		    "  -N, --names FILE       names for ENIs, attachments and VPCs"
		    " (repeatable)\n"
		    "  -D, --direction DIR    keep only ingress or egress "
		    "records\n"
		    "      --action ACTION    keep only accept or reject "
		    "records\n"
		    "      --account ID       keep only this account "
		    "(repeatable)\n"
		    "      --vpc ID           keep only this VPC (repeatable)\n"
		    "      --interface ID     keep only this ENI or attachment "
		    "(repeatable)\n"
		    "      --since TIME       keep records ending at or after "
		    "TIME\n"
		    "      --until TIME       keep records ending before TIME\n"
		    "      --dedup            drop repeated observations of a "
		    "flow\n"
		    "      --dedup-window N   flows remembered by --dedup "
		    "(default 262144)\n"
		    "      --domain N         observation domain id (default "
		    "0)\n"
		    "      --export-time SECONDS  fixed Export Time, for "
		    "reproducible output\n"
		    "      --message-size BYTES   largest IPFIX message "
		    "(512-65535; default\n"
		    "                         1372 for -d and -w, 65535 for "
		    "files)\n"
		    "      --template-refresh SECONDS  resend templates over "
		    "UDP and pcap\n"
		    "                         this often (default 60)\n"
		    "      --rate N           send at most N flow records per "
		    "second\n"
		    "      --progress         show a status line on stderr "
		    "(default: on a terminal)\n"
		    "      --no-progress      never show it\n"
		    "      --rejects FILE     copy malformed lines to FILE\n"
		    "      --stats[=FORMAT]   print line outcomes to stderr "
		    "(text or json)\n"
		    "  -h, --help             print this help\n"
		    "  -V, --version          print the version\n");
}

static void usage_error(const char *, ...)
    __attribute__((format(printf, 1, 2), noreturn));

static void
usage_error(const char *fmt, ...)
{
	va_list ap;

	if (fmt != NULL) {
		va_start(ap, fmt);
		vwarnx(fmt, ap);
		va_end(ap);
	}
	usage(stderr);
	exit(EXIT_USAGE);
}

/* The one bounded number parser for options; never atoi. */
static uint64_t
number(const char *s, const char *flag, uint64_t min, uint64_t max)
{
	uint64_t	v = 0;
	const char	*p = s;

	if (*p == '\0')
		usage_error("%s: expected a number", flag);
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			usage_error("%s: not a number: %s", flag, s);
		if (v > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
			usage_error("%s: too large: %s", flag, s);
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (v < min || v > max)
		usage_error("%s: %s is out of range %" PRIu64 "-%" PRIu64,
		    flag, s, min, max);
	return v;
}

enum {
	OPT_ACCOUNT = 256, OPT_ACTION, OPT_DEDUP, OPT_DEDUP_WINDOW,
	OPT_DOMAIN, OPT_EXPORT_TIME, OPT_INTERFACE, OPT_MESSAGE_SIZE,
	OPT_NO_PROGRESS, OPT_PROGRESS, OPT_RATE, OPT_REJECTS, OPT_SINCE,
	OPT_STATS, OPT_TEMPLATE_REFRESH, OPT_UNTIL, OPT_VPC
};

static const struct option longopts[] = {
	{ "account",		required_argument,	NULL, OPT_ACCOUNT },
	{ "action",		required_argument,	NULL, OPT_ACTION },
	{ "dedup",		no_argument,		NULL, OPT_DEDUP },
	{ "dedup-window",	required_argument,	NULL, OPT_DEDUP_WINDOW },
	{ "destination",	required_argument,	NULL, 'd' },
	{ "direction",		required_argument,	NULL, 'D' },
	{ "domain",		required_argument,	NULL, OPT_DOMAIN },
	{ "export-time",	required_argument,	NULL, OPT_EXPORT_TIME },
	{ "force",		no_argument,		NULL, 'f' },
	{ "format",		required_argument,	NULL, 'F' },
	{ "help",		no_argument,		NULL, 'h' },
	{ "idmap",		required_argument,	NULL, 'm' },
	{ "interface",		required_argument,	NULL, OPT_INTERFACE },
	{ "message-size",	required_argument,	NULL, OPT_MESSAGE_SIZE },
	{ "names",		required_argument,	NULL, 'N' },
	{ "no-progress",	no_argument,		NULL, OPT_NO_PROGRESS },
	{ "output",		required_argument,	NULL, 'o' },
	{ "pcap",		required_argument,	NULL, 'w' },
	{ "progress",		no_argument,		NULL, OPT_PROGRESS },
	{ "rate",		required_argument,	NULL, OPT_RATE },
	{ "rejects",		required_argument,	NULL, OPT_REJECTS },
	{ "since",		required_argument,	NULL, OPT_SINCE },
	{ "stats",		optional_argument,	NULL, OPT_STATS },
	{ "template-refresh",	required_argument,	NULL, OPT_TEMPLATE_REFRESH },
	{ "until",		required_argument,	NULL, OPT_UNTIL },
	{ "version",		no_argument,		NULL, 'V' },
	{ "vpc",		required_argument,	NULL, OPT_VPC },
	{ NULL,			0,			NULL, 0 }
};

/* State of the run that the record loop needs. */
struct run {
	struct options		*opt;
	int			 simple;	/* FL2IPFIX_SIMPLE: no fast paths */
	struct prep		*prep;		/* parse-ahead for this operand */
	struct counts		 c;
	struct output		 out[MAX_OUTPUTS];
	int			 nout;
	struct idmap		*map;
	struct filter		*filter;
	FILE			*rejects;
	uint64_t		 layout_serial;	/* bumps when the layout changes */
	uint64_t		 rejects_serial;
	int			 status;
	int			 output_failed;
	int			 epipe;
	int			 warned_cannot[FILTER_N];
	char			**unknown;	/* unknown names reported */
	size_t			 nunknown;
	int			 unknown_full;	/* UNKNOWN_LIMIT reached */
	struct pacer		 pace;
	struct progress		 prog;
	struct input		*in;		/* the operand being read */
	uint64_t		 consumed;	/* of it, in lines handled */
};

/* Seconds on a clock that does not jump. */
static double
mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * The status line shares stderr with warnings: erase it before one is
 * printed (the next update draws it again).
 */
static int status_shown;

static void
status_clear(void)
{
	if (status_shown) {
		fputs("\r\033[K", stderr);
		status_shown = 0;
	}
}

/* 1234567 -> "1.2 MB" (decimal units, as file managers show sizes). */
static void
human_bytes(char *buf, size_t cap, uint64_t v)
{
	static const char *const unit[] = { "B", "kB", "MB", "GB", "TB" };
	double	d = (double)v;
	int	i = 0;

	while (d >= 1000 && i < 4) {
		d /= 1000;
		i++;
	}
	if (i == 0)
		snprintf(buf, cap, "%" PRIu64 " B", v);
	else
		snprintf(buf, cap, "%.1f %s", d, unit[i]);
}

/*
 * Draw the status line when it is due (a few times a second on a terminal,
 * once a second into a file or pipe), or now when final is set.
 */
static void
progress(struct run *r, int final)
{
	struct progress	*p = &r->prog;
	double		 t = mono(), el = t - p->start, recs;
	uint64_t	 done = r->c.input_bytes;
	char		 line[200], b1[32], b2[32];
	int		 n;

	if (!final && (el < 0.5 || t - p->last < (p->tty ? 0.25 : 1.0)))
		return;
	p->last = t;
	/*
	 * Reading runs ahead of the records by a buffer: count a plain
	 * operand by the lines handled, a gzip one by compressed input read.
	 */
	if (r->in != NULL && input_is_gzip(r->in))
		done += input_raw_bytes(r->in);
	else if (r->in != NULL)
		done += r->consumed < input_raw_bytes(r->in) ? r->consumed :
		    input_raw_bytes(r->in);
	recs = (double)r->c.outcome[O_EXPORTED];
	human_bytes(b1, sizeof(b1), done);
	n = snprintf(line, sizeof(line), "fl2ipfix: %" PRIu64 "/%" PRIu64
	    " operands, %s", r->c.operands - (r->in != NULL),
	    p->total_operands, b1);
	if (p->size_known && n > 0 && (size_t)n < sizeof(line)) {
		human_bytes(b2, sizeof(b2), p->total_bytes);
		n += snprintf(line + n, sizeof(line) - (size_t)n, " of %s",
		    b2);
	}
	if (n > 0 && (size_t)n < sizeof(line))
		n += snprintf(line + n, sizeof(line) - (size_t)n, ", %" PRIu64
		    " records, %.0f records/s", r->c.outcome[O_EXPORTED],
		    el > 0 ? recs / el : 0.0);
	if (!final && p->size_known && done > 0 && done <= p->total_bytes &&
	    el >= 1 && n > 0 && (size_t)n < sizeof(line)) {
		double eta = (double)(p->total_bytes - done) * el /
		    (double)done;

		snprintf(line + n, sizeof(line) - (size_t)n, ", ETA %d:%02d",
		    (int)(eta / 60), (int)eta % 60);
	}
	if (p->tty) {
		fprintf(stderr, "\r%s\033[K", line);
		status_shown = 1;
	} else
		fprintf(stderr, "%s\n", line);
	fflush(stderr);
}

/* Say once per output that sends fail (collector down); never fatal. */
static void
check_sends(struct run *r)
{
	int k;

	for (k = 0; k < r->nout; k++) {
		const struct sink_stats *ss = sink_stats(r->out[k].sink);

		if (ss->failed > 0 && !r->out[k].warned_send) {
			r->out[k].warned_send = 1;
			status_clear();
			warnx("%s: %s (sends that fail are counted, see "
			    "--stats; the run goes on)",
			    sink_name(r->out[k].sink),
			    strerror(ss->last_errno));
		}
	}
}

static void
set_status(struct run *r, int st)
{
	if (st == EXIT_TROUBLE || r->status == 0)
		r->status = st;
}

static void
report_unknown(struct run *r, const struct parse_layout *l, const char *file,
    uint64_t lineno)
{
	const char	*s = l->header;
	size_t		 i;

	for (i = 0; i < l->ncol; i++) {
		const char *e = strchr(s, ' ');
		size_t n = e ? (size_t)(e - s) : strlen(s), k;
		int seen = 0;

		if (l->col[i] == PF_UNKNOWN) {
			for (k = 0; k < r->nunknown; k++)
				if (strlen(r->unknown[k]) == n &&
				    memcmp(r->unknown[k], s, n) == 0)
					seen = 1;
			if (!seen && r->nunknown == UNKNOWN_LIMIT) {
				/*
				 * Input with endless new names (damage, or
				 * hostile) must not flood stderr, nor grow
				 * the list and the time to search it.
				 */
				if (!r->unknown_full)
					warnx("further unknown field names "
					    "are not shown");
				r->unknown_full = 1;
			} else if (!seen) {
				char **nu = realloc(r->unknown,
				    (r->nunknown + 1) * sizeof(*nu));

				if (nu != NULL) {
					r->unknown = nu;
					if ((nu[r->nunknown] = strndup(s, n)) !=
					    NULL)
						r->nunknown++;
				}
				status_clear();
				if (file != NULL)
					warnx("%s:%" PRIu64 ": unknown field "
					    "name %.*s: its column is ignored",
					    file, lineno, (int)n, s);
				else
					warnx("--format: unknown field name "
					    "%.*s: its column is ignored",
					    (int)n, s);
			}
		}
		s = e ? e + 1 : s + n;
	}
}

/*
 * End a line in --rejects.  A line whose own last byte is a CR gets CRLF,
 * since reading strips one CR before the LF: it reads back the same.
 */
static void
end_reject(struct run *r, int cr)
{
	if (cr)
		putc('\r', r->rejects);
	putc('\n', r->rejects);
}

/*
 * Copy a malformed line to --rejects, after the header line of the layout
 * in force if it is not the one there already.  An over-long line is
 * ended by reject_rest() once its other pieces are copied.
 * XXX A -F layout whose names are mostly unknown writes a header line that
 * is not recognised as one; such a rejects file needs the same -F.
 */
static void
write_reject(struct run *r, const struct parse_layout *l, const char *p,
    size_t len, int whole)
{
	if (r->rejects == NULL)
		return;
	if (r->rejects_serial != r->layout_serial) {
		fwrite(l->header, 1, l->headerlen, r->rejects);
		putc('\n', r->rejects);
		r->rejects_serial = r->layout_serial;
	}
	fwrite(p, 1, len, r->rejects);
	if (whole)
		end_reject(r, len > 0 && p[len - 1] == '\r');
}

/* The rest of an over-long line, piece by piece, into --rejects. */
static void
reject_rest(struct run *r, struct input *in)
{
	struct input_line	piece;
	int			cr = 0;

	if (r->rejects == NULL)
		return;		/* input_next() skips the rest */
	while (input_rest(in, &piece) == 1) {
		fwrite(piece.p, 1, piece.len, r->rejects);
		cr = piece.p[piece.len - 1] == '\r';
	}
	end_reject(r, cr);
}

static void
malformed(struct run *r, const struct parse_layout *l, const char *file,
    const struct input_line *ln, const char *field, const char *reason)
{
	r->c.outcome[O_MALFORMED]++;
	set_status(r, EXIT_MALFORMED);
	if (r->c.warned <= WARN_LIMIT)
		status_clear();
	if (r->c.warned < WARN_LIMIT)
		warnx("%s:%" PRIu64 ": %s: %s", file, ln->lineno, field,
		    reason);
	else if (r->c.warned == WARN_LIMIT)
		warnx("further malformed lines are not shown (see --stats"
		    " and --rejects)");
	r->c.warned++;
	write_reject(r, l, ln->p, ln->len, !ln->toolong);
}

static int
out_fail(struct run *r, struct output *o, const char *what)
{
	if (errno == EPIPE)
		r->epipe = 1;
	else {
		status_clear();
		warn("%s: %s", sink_name(o->sink), what);
	}
	r->output_failed = 1;
	set_status(r, EXIT_TROUBLE);
	return -1;
}

/* An id map or names file error: file[:line]: what: reason. */
static void
warn_idmap(const struct idmap_error *e, const char *what)
{
	if (e->line > 0)
		warnx("%s:%lu: %s: %s", e->file, e->line, what, e->reason);
	else
		warnx("%s: %s: %s", e->file, what, e->reason);
}

/* Push every output's open message and queued datagrams out now. */
static int
push_outputs(struct run *r, int messages)
{
	int k;

	for (k = 0; k < r->nout; k++) {
		if (messages && ipfix_flush(r->out[k].exp) == -1)
			return out_fail(r, &r->out[k], "write");
		if (sink_flush(r->out[k].sink) == -1)
			return out_fail(r, &r->out[k], "write");
	}
	check_sends(r);
	return 0;
}

static void
refill(struct pacer *p, double t)
{
	p->tokens += (t - p->last) * p->rate;
	p->last = t;
	if (p->tokens > p->burst)
		p->tokens = p->burst;
}

/*
 * --rate: take one token for a flow record, waiting for the bucket to
 * refill when it is empty.  A wait is for several tokens (10 ms worth, as
 * the rate allows), so a high rate does not mean a sleep per record.
 */
static int
pace(struct run *r)
{
	struct pacer	*p = &r->pace;
	double		 t = mono();

	refill(p, t);
	while (p->tokens < 1 && !stop_signal) {
		struct timespec	ts;
		double		w;

		/*
		 * Let the collector have what is ready while we wait, and
		 * once a second even a message that is not full yet.
		 */
		if (push_outputs(r, t - p->last_push >= 1.0) == -1)
			return -1;
		if (t - p->last_push >= 1.0)
			p->last_push = t;
		w = (p->want - p->tokens) / p->rate;
		ts.tv_sec = (time_t)w;
		ts.tv_nsec = (long)((w - (double)ts.tv_sec) * 1e9);
		(void)nanosleep(&ts, NULL);
		t = mono();
		refill(p, t);
		if (r->prog.on)
			progress(r, 0);
	}
	p->tokens -= 1;
	return 0;
}

static int
send_names(struct run *r, const struct map_new *nw)
{
	unsigned	i;
	int		k;

	for (i = 0; i < nw->n; i++) {
		const char *id, *name, *descr;
		int vrf = nw->v[i].kind == IDMAP_VRF;

		idmap_label(r->map, (enum idmap_kind)nw->v[i].kind,
		    nw->v[i].index, &id, &name, &descr);
		/* A VRF's name is the VPC's Name; an interface's, its label. */
		for (k = 0; k < r->nout; k++)
			if (ipfix_add_name(r->out[k].exp, vrf ?
			    IPFIX_TABLE_VRF : IPFIX_TABLE_IF, nw->v[i].index,
			    id, vrf ? name : descr) == -1)
				return out_fail(r, &r->out[k], "write");
	}
	return 0;
}

/* Totals stop at 2^64-1 rather than wrap (one record may hold 2^64-1). */
static void
add_sat(uint64_t *sum, uint64_t v)
{
	*sum = *sum + v < *sum ? UINT64_MAX : *sum + v;
}

#define NUL_REASON	"contains a NUL byte"

static int
has_nul(const struct input_line *ln)
{
	return memchr(ln->p, '\0', ln->len) != NULL;
}

/* One line through parse -> filter -> map (ids) -> ipfix. */
static int
do_line(struct run *r, struct parse_layout *l, const char *file,
    const struct input_line *ln)
{
	struct parse_record	rec;
	struct parse_error	perr;
	struct idmap_error	ierr;
	struct ipfix_flow	flow;
	struct map_new		nw;
	int			rc, k, cannot;

	if (ln->toolong) {
		char why[80];

		snprintf(why, sizeof(why), "longer than %d bytes",
		    PARSE_LINE_MAX);
		malformed(r, l, file, ln, "line", why);
		return 0;
	}
	if (ln->cut) {
		malformed(r, l, file, ln, "line", stop_signal ?
		    "cut off by the signal" : "cut off by the input error");
		return 0;
	}
	if (parse_blank(ln->p, ln->len)) {
		r->c.outcome[O_BLANK]++;
		return 0;
	}
	/*
	 * A NUL byte is the reason a line is refused, whatever else is
	 * wrong with it.  Data lines are looked at only when the parser
	 * refuses them or could miss one (in a column it does not read).
	 */
	if (ln->p[0] >= 'a' && ln->p[0] <= 'z') {
		if (has_nul(ln)) {
			malformed(r, l, file, ln, "line", NUL_REASON);
			return 0;
		}
		rc = parse_header(l, ln->p, ln->len, &perr);
		if (rc == 1) {
			r->c.outcome[O_HEADER]++;
			r->layout_serial++;
			if (l->nunknown > 0)
				report_unknown(r, l, file, ln->lineno);
			return 0;
		}
		if (rc == -1) {
			malformed(r, l, file, ln, perr.field, perr.reason);
			return 0;
		}
	}
	/* The gzip thread may have parsed this line already. */
	if ((r->prep == NULL || !prep_get(r->prep, ln->off, ln->len, l, ln->p,
	    &rec)) && parse_line(l, ln->p, ln->len, &rec, &perr) == -1) {
		if (has_nul(ln))
			malformed(r, l, file, ln, "line", NUL_REASON);
		else
			malformed(r, l, file, ln, perr.field, perr.reason);
		return 0;
	}
	/* Every column it reads refuses a NUL; the others do not. */
	if (l->nunknown > 0 && has_nul(ln)) {
		malformed(r, l, file, ln, "line", NUL_REASON);
		return 0;
	}
	if (parse_has(&rec, PF_LOG_STATUS) && rec.log_status != PARSE_OK) {
		r->c.outcome[rec.log_status == PARSE_NODATA ? O_NODATA :
		    O_SKIPDATA]++;
		return 0;
	}
	if (!map_has_traffic(&rec)) {
		r->c.outcome[O_EMPTY]++;
		return 0;
	}
	if (filter_match(r->filter, &rec, &cannot) != FILTER_KEEP) {
		r->c.outcome[O_FILTERED]++;
		return 0;
	}
	if (cannot != FILTER_KEEP && !r->warned_cannot[cannot]) {
		r->warned_cannot[cannot] = 1;
		status_clear();
		warnx("%s:%" PRIu64 ": no %s in this record: the --%s filter "
		    "cannot apply and such records are kept", file,
		    ln->lineno, cannot == FILTER_DIRECTION ? "flow-direction" :
		    "action", filter_name((enum filter_id)cannot));
	}
	rc = map_flow(r->map, &rec, &flow, &nw, &perr, &ierr);
	if (rc == -1) {
		malformed(r, l, file, ln, perr.field, perr.reason);
		return 0;
	}
	if (rc == -2) {
		status_clear();
		warn_idmap(&ierr, "id map");
		set_status(r, EXIT_TROUBLE);
		return -1;
	}
	if (r->pace.rate > 0 && pace(r) == -1)
		return -1;
	if (nw.n > 0 && send_names(r, &nw) == -1)
		return -1;
	for (k = 0; k < r->nout; k++)
		if (ipfix_add_flow(r->out[k].exp, &flow) == -1)
			return out_fail(r, &r->out[k], "write");
	for (k = 0; k < r->nout; k++)
		if (sink_stats(r->out[k].sink)->failed > 0 &&
		    !r->out[k].warned_send)
			check_sends(r);
	r->c.outcome[O_EXPORTED]++;
	if (flow.has & IPFIX_HAS_PACKETS)
		add_sat(&r->c.packets, flow.packets);
	if (flow.has & IPFIX_HAS_BYTES)
		add_sat(&r->c.bytes, flow.bytes);
	return 0;
}

/* The layout an operand starts with: -F, else the v2 default. */
static void
base_layout(const struct options *opt, struct parse_layout *l)
{
	struct parse_error perr;

	if (opt->format != NULL) {
		if (parse_layout_format(l, opt->format, &perr) == -1)
			errx(EXIT_USAGE, "--format: %s", perr.reason);
	} else if (parse_layout_default(l) == -1)
		errx(EXIT_TROUBLE, "out of memory");
}

/*
 * Input from a pipe or terminal has been quiet for IDLE_MS: whatever is
 * converted goes out now, part-filled messages included, so a live feed
 * (tail -f | fl2ipfix -d ...) never waits on a message that is not full.
 */
#define IDLE_MS		1000

static int
idle_push(void *arg)
{
	return push_outputs(arg, 1);
}

/* Convert one operand; -1 when the run must stop (output failure). */
static int
do_operand(struct run *r, const char *path)
{
	struct input		*in;
	struct input_line	 ln;
	struct parse_layout	 l;
	const char		*file;
	int			 rc = 0;

	r->c.operands++;
	if ((in = input_open(path, PARSE_LINE_MAX)) == NULL) {
		status_clear();
		warn("%s", path == NULL ? "stdin" : path);
		r->c.failed_operands++;
		set_status(r, EXIT_TROUBLE);
		return 0;
	}
	file = input_name(in);
	input_set_stop(in, &stop_signal, wake_fd[0]);
	input_set_idle(in, IDLE_MS, idle_push, r);
	memset(&l, 0, sizeof(l));
	base_layout(r->opt, &l);
	r->layout_serial++;
	r->in = in;
	r->consumed = 0;
	/* Without it (out of memory) lines are only parsed here. */
	if (!r->simple && (r->prep = prep_new(&l, PARSE_LINE_MAX)) != NULL)
		input_set_prep(in, r->prep);
	while (!stop_signal && (rc = input_next(in, &ln)) == 1) {
		if (r->output_failed) {
			/* A push while the input was quiet failed. */
			rc = -2;
			break;
		}
		r->c.lines++;
		r->consumed += ln.len + 1;
		if (do_line(r, &l, file, &ln) == -1) {
			/*
			 * The output or the id map failed on this line and
			 * the run stops: it was read but not converted, and
			 * is not counted, so the outcomes add up.
			 */
			r->c.lines--;
			rc = -2;
			break;
		}
		if (ln.toolong)
			reject_rest(r, in);
		if (r->prog.on && --r->prog.tick == 0) {
			r->prog.tick = 512;
			progress(r, 0);
		}
	}
	r->in = NULL;
	r->c.input_bytes += input_raw_bytes(in);
	if (rc == -1 && r->output_failed)
		rc = -2;
	if (rc == -1 && !stop_signal) {
		status_clear();
		warnx("%s: %s", file, input_error(in));
		r->c.failed_operands++;
		set_status(r, EXIT_TROUBLE);
	}
	parse_layout_free(&l);
	input_close(in);	/* stops the gzip thread before prep goes */
	prep_free(r->prep);
	r->prep = NULL;
	return rc == -2 ? -1 : 0;
}

/* One object per configured filter (zeros included), none for the others. */
static void
print_removed_json(FILE *fp, const struct run *r)
{
	int i, first = 1;

	fprintf(fp, "\"removed\":{");
	for (i = 0; i < FILTER_N; i++) {
		const struct filter_removed *c = filter_removed(r->filter,
		    (enum filter_id)i);

		if (!filter_configured(r->filter, (enum filter_id)i))
			continue;
		fprintf(fp, "%s\"%s\":{\"records\":%" PRIu64 ",\"packets\":%"
		    PRIu64 ",\"bytes\":%" PRIu64 "}", first ? "" : ",",
		    filter_name((enum filter_id)i), c->records, c->packets,
		    c->bytes);
		first = 0;
	}
	fprintf(fp, "}");
}

static void
print_stats(const struct run *r, int json)
{
	FILE	*fp = stderr;
	int	 i, k;

	if (json) {
		fprintf(fp, "{\"lines\":%" PRIu64 ",\"outcomes\":{",
		    r->c.lines);
		for (i = 0; i < O_N; i++)
			fprintf(fp, "%s\"%s\":%" PRIu64, i ? "," : "",
			    outcome_name[i], r->c.outcome[i]);
		fprintf(fp, "},\"exported\":{\"records\":%" PRIu64
		    ",\"packets\":%" PRIu64 ",\"bytes\":%" PRIu64 "},",
		    r->c.outcome[O_EXPORTED], r->c.packets, r->c.bytes);
		print_removed_json(fp, r);
		fprintf(fp, ",\"operands\":{\"total\":%" PRIu64 ",\"failed\":%"
		    PRIu64 "},\"input_bytes\":%" PRIu64 ",\"ids\":{"
		    "\"interfaces\":%zu,\"vrfs\":%zu},\"outputs\":[",
		    r->c.operands, r->c.failed_operands, r->c.input_bytes,
		    idmap_count(r->map, IDMAP_IF),
		    idmap_count(r->map, IDMAP_VRF));
		for (k = 0; k < r->nout; k++) {
			const struct ipfix_stats *is =
			    ipfix_stats(r->out[k].exp);
			const struct sink_stats *ss = sink_stats(r->out[k].sink);

			fprintf(fp, "%s{\"kind\":\"%s\",\"name\":\"", k ? "," :
			    "", sink_kind(r->out[k].sink));
			/* Names are paths: escape what JSON needs. */
			{
				const char *p = sink_name(r->out[k].sink);

				for (; *p; p++) {
					if (*p == '"' || *p == '\\')
						fprintf(fp, "\\%c", *p);
					else if ((unsigned char)*p < 0x20)
						fprintf(fp, "\\u%04x", *p);
					else
						putc(*p, fp);
				}
			}
			fprintf(fp, "\",\"messages\":%" PRIu64 ",\"octets\":%"
			    PRIu64 ",\"flow_records\":%" PRIu64
			    ",\"options_records\":%" PRIu64 ",\"templates\":%"
			    PRIu64 ",\"template_refreshes\":%" PRIu64
			    ",\"message_size\":%zu,\"sent\":%" PRIu64
			    ",\"send_failures\":%" PRIu64 ",\"send_error\":\"%s\"}",
			    is->messages, is->octets, is->flows, is->options,
			    is->templates, is->refreshes,
			    ipfix_message_size(r->out[k].exp), ss->sent,
			    ss->failed, ss->failed ? strerror(ss->last_errno) :
			    "");
		}
		fprintf(fp, "]}\n");
		return;
	}
	fprintf(fp, "fl2ipfix: %" PRIu64 " lines:", r->c.lines);
	for (i = 0; i < O_N; i++)
		fprintf(fp, " %s %" PRIu64, outcome_name[i], r->c.outcome[i]);
	fprintf(fp, "\n");
	fprintf(fp, "fl2ipfix: exported %" PRIu64 " records, %" PRIu64
	    " packets, %" PRIu64 " bytes\n", r->c.outcome[O_EXPORTED],
	    r->c.packets, r->c.bytes);
	if (r->c.outcome[O_SKIPDATA] > 0)
		fprintf(fp, "fl2ipfix: %" PRIu64 " SKIPDATA lines: AWS lost "
		    "flow records in those intervals\n",
		    r->c.outcome[O_SKIPDATA]);
	for (i = 0; i < FILTER_N; i++) {
		const struct filter_removed *c = filter_removed(r->filter,
		    (enum filter_id)i);

		if (c->records > 0)
			fprintf(fp, "fl2ipfix: removed by %s: %" PRIu64
			    " records, %" PRIu64 " packets, %" PRIu64
			    " bytes\n", filter_name((enum filter_id)i),
			    c->records, c->packets, c->bytes);
	}
	for (k = 0; k < r->nout; k++) {
		const struct ipfix_stats *is = ipfix_stats(r->out[k].exp);
		const struct sink_stats *ss = sink_stats(r->out[k].sink);

		fprintf(fp, "fl2ipfix: %s %s: %" PRIu64 " messages, %" PRIu64
		    " octets, %" PRIu64 " flow records, %" PRIu64
		    " options records", sink_kind(r->out[k].sink),
		    sink_name(r->out[k].sink), is->messages, is->octets,
		    is->flows, is->options);
		if (strcmp(sink_kind(r->out[k].sink), "udp") == 0)
			fprintf(fp, ", %" PRIu64 " datagrams sent, %" PRIu64
			    " sends failed", ss->sent, ss->failed);
		if (ss->failed > 0)
			fprintf(fp, " (%s)", strerror(ss->last_errno));
		fprintf(fp, "\n");
	}
}

/*
 * Add an output around a freshly opened sink (NULL: it failed, and why or
 * errno says why); its budget is cut to what the sink carries.
 */
static void
open_output(struct run *r, struct sink *s, const char *why, const char *what,
    const struct ipfix_config *cfg)
{
	struct ipfix_config c = *cfg;
	struct output *o = &r->out[r->nout];

	if (s == NULL) {
		/* A destination that does not parse is a usage error. */
		if (why != NULL && errno == EINVAL)
			usage_error("%s: %s", what, why);
		if (why != NULL)
			errx(EXIT_TROUBLE, "%s: %s", what, why);
		err(EXIT_TROUBLE, "%s", what);
	}
	if (c.msgsize > sink_max_message(s))
		c.msgsize = sink_max_message(s);
	o->sink = s;
	if ((o->exp = ipfix_new(&c, s)) == NULL)
		err(EXIT_TROUBLE, NULL);
	r->nout++;
}

int
main(int argc, char *argv[])
{
	struct options		opt;
	struct run		r;
	struct ipfix_config	cfg;
	struct idmap_error	ierr;
	struct sigaction	sa;
	const char		*why;
	struct sink		*udp = NULL, *s;
	int			ch, i, torn = 0;

	memset(&opt, 0, sizeof(opt));
	memset(&r, 0, sizeof(r));
	opt.dedup_window = 262144;
	opt.refresh = DEFAULT_REFRESH;
	opt.progress = -1;
	r.opt = &opt;
	if ((r.filter = filter_new()) == NULL)
		err(EXIT_TROUBLE, NULL);

	while ((ch = getopt_long(argc, argv, "D:d:F:fhm:N:o:Vw:", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'D':
			if (filter_set(r.filter, FILTER_DIRECTION, optarg,
			    &why) == -1)
				usage_error("--direction: %s", why);
			break;
		case 'd':
			opt.dest = optarg;
			break;
		case 'F':
			opt.format = optarg;
			break;
		case 'f':
			opt.force = 1;
			break;
		case 'h':
			usage(stdout);
			filter_free(r.filter);
			return 0;
		case 'm':
			opt.idmap = optarg;
			break;
		case 'N':
			if (opt.nnames == (int)(sizeof(opt.names) /
			    sizeof(opt.names[0])))
				usage_error("--names: at most 16 files");
			opt.names[opt.nnames++] = optarg;
			break;
		case 'o':
			opt.output = optarg;
			break;
		case 'V':
			printf("fl2ipfix %s\n", VERSION);
			filter_free(r.filter);
			return 0;
		case 'w':
			opt.pcap = optarg;
			break;
		case OPT_ACCOUNT:
		case OPT_ACTION:
		case OPT_INTERFACE:
		case OPT_SINCE:
		case OPT_UNTIL:
		case OPT_VPC: {
			enum filter_id id = ch == OPT_ACCOUNT ? FILTER_ACCOUNT :
			    ch == OPT_ACTION ? FILTER_ACTION :
			    ch == OPT_INTERFACE ? FILTER_INTERFACE :
			    ch == OPT_SINCE ? FILTER_SINCE :
			    ch == OPT_UNTIL ? FILTER_UNTIL : FILTER_VPC;

			if (filter_set(r.filter, id, optarg, &why) == -1)
				usage_error("--%s: %s", filter_name(id), why);
			break;
		}
		case OPT_DEDUP:
			opt.dedup = 1;
			break;
		case OPT_DEDUP_WINDOW:
			opt.dedup_window = (size_t)number(optarg,
			    "--dedup-window", 1, 1u << 26);
			break;
		case OPT_DOMAIN:
			opt.domain = (uint32_t)number(optarg, "--domain", 0,
			    UINT32_MAX);
			break;
		case OPT_EXPORT_TIME:
			opt.fixed_time = 1;
			opt.export_time = (uint32_t)number(optarg,
			    "--export-time", 0, UINT32_MAX);
			break;
		case OPT_MESSAGE_SIZE:
			opt.msgsize = (size_t)number(optarg, "--message-size",
			    512, 65535);
			break;
		case OPT_NO_PROGRESS:
			opt.progress = 0;
			break;
		case OPT_PROGRESS:
			opt.progress = 1;
			break;
		case OPT_RATE:
			opt.rate = number(optarg, "--rate", 1, 1000000000);
			break;
		case OPT_REJECTS:
			opt.rejects = optarg;
			break;
		case OPT_TEMPLATE_REFRESH:
			opt.refresh = (uint32_t)number(optarg,
			    "--template-refresh", 1, 86400);
			break;
		case OPT_STATS:
			if (optarg == NULL || strcmp(optarg, "text") == 0)
				opt.stats = 1;
			else if (strcmp(optarg, "json") == 0)
				opt.stats = 2;
			else
				usage_error("--stats: expected text or json");
			break;
		default:
			usage(stderr);
			filter_free(r.filter);
			return EXIT_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (opt.pcap != NULL && strcmp(opt.pcap, "-") == 0 &&
	    opt.output != NULL && strcmp(opt.output, "-") == 0)
		usage_error("-w -: standard output already takes the IPFIX "
		    "file (give -o FILE)");

	/* --dedup-window may follow --dedup: size the window last. */
	if (opt.dedup && filter_set_dedup(r.filter, opt.dedup_window) == -1)
		err(EXIT_TROUBLE, "--dedup");
	if (opt.format != NULL) {
		struct parse_layout l;

		memset(&l, 0, sizeof(l));
		base_layout(&opt, &l);
		if (l.nunknown > 0)
			report_unknown(&r, &l, NULL, 0);
		parse_layout_free(&l);
	}

	/* Everything that can fail before output is opened first. */
	if ((r.map = idmap_open(opt.idmap, &ierr, &torn)) == NULL) {
		warn_idmap(&ierr, "id map");
		filter_free(r.filter);
		return EXIT_TROUBLE;
	}
	if (torn)
		warnx("%s: id map: ignored an incomplete last line (an earlier "
		    "run was interrupted)", opt.idmap);
	for (i = 0; i < opt.nnames; i++)
		if (idmap_load_names(r.map, opt.names[i], &ierr) == -1) {
			warn_idmap(&ierr, "names file");
			idmap_close(r.map);
			filter_free(r.filter);
			return EXIT_TROUBLE;
		}
	if (opt.rejects != NULL && (r.rejects = fopen(opt.rejects, "w")) ==
	    NULL)
		err(EXIT_TROUBLE, "%s", opt.rejects);

	/*
	 * Outputs: -o (or stdout when no output is named), -d, -w, each with
	 * its own exporter.  Files get templates once and 64 KiB messages;
	 * UDP and its pcap get several copies, refreshes and a path-sized
	 * budget.
	 */
	memset(&cfg, 0, sizeof(cfg));
	/*
	 * FL2IPFIX_SIMPLE=1 turns off the fast paths (parser, encoder, input
	 * thread and ISA-L) so tests can check they change no output byte.
	 */
	if ((why = getenv("FL2IPFIX_SIMPLE")) != NULL && strcmp(why, "1") == 0) {
		cfg.simple = 1;
		r.simple = 1;
		parse_set_fast(0);
		input_set_fast(0);
	}
	cfg.domain = opt.domain;
	cfg.fixed_time = opt.fixed_time;
	cfg.export_time = opt.export_time;
	if (opt.output != NULL || (opt.dest == NULL && opt.pcap == NULL)) {
		cfg.copies = 1;
		cfg.refresh = 0;
		cfg.msgsize = opt.msgsize ? opt.msgsize : DEFAULT_MSGSIZE_FILE;
		s = sink_file_open(opt.output, opt.force, &why);
		open_output(&r, s, why, opt.output ? opt.output : "stdout",
		    &cfg);
	}
	cfg.copies = NET_COPIES;
	cfg.refresh = opt.refresh;
	cfg.msgsize = opt.msgsize ? opt.msgsize : DEFAULT_MSGSIZE_NET;
	if (opt.dest != NULL) {
		udp = sink_udp_open(opt.dest, &why);
		open_output(&r, udp, why, opt.dest, &cfg);
	}
	if (opt.pcap != NULL) {
		s = sink_pcap_open(opt.pcap, udp, opt.force, &why);
		open_output(&r, s, why, opt.pcap, &cfg);
	}

	/*
	 * Writes report EPIPE instead of killing us; signals stop cleanly.
	 * No SA_RESTART, so a read waiting on a pipe returns; SA_RESETHAND,
	 * so a second signal kills a run stuck writing to a stalled reader.
	 */
	signal(SIGPIPE, SIG_IGN);
	if (pipe(wake_fd) == 0) {
		for (i = 0; i < 2; i++) {
			(void)fcntl(wake_fd[i], F_SETFL, O_NONBLOCK);
			(void)fcntl(wake_fd[i], F_SETFD, FD_CLOEXEC);
		}
	} else
		wake_fd[0] = wake_fd[1] = -1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESETHAND;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	if (opt.rate > 0) {
		r.pace.rate = (double)opt.rate;
		/* Bursts of 50 ms at most; waits of 10 ms at least. */
		r.pace.burst = r.pace.rate / 20 > 1 ? r.pace.rate / 20 : 1;
		r.pace.want = r.pace.rate / 100 > 1 ? r.pace.rate / 100 : 1;
		r.pace.tokens = r.pace.burst;
		r.pace.last = r.pace.last_push = mono();
	}
	r.prog.tty = isatty(STDERR_FILENO);
	r.prog.on = opt.progress == 1 || (opt.progress == -1 && r.prog.tty);
	if (r.prog.on) {
		struct stat st;

		r.prog.start = r.prog.last = mono();
		r.prog.tick = 1;
		r.prog.total_operands = argc == 0 ? 1 : (uint64_t)argc;
		r.prog.size_known = 1;
		for (i = 0; i < argc; i++) {
			if (strcmp(argv[i], "-") != 0 &&
			    stat(argv[i], &st) == 0 && S_ISREG(st.st_mode))
				r.prog.total_bytes += (uint64_t)st.st_size;
			else
				r.prog.size_known = 0;
		}
		if (argc == 0)
			r.prog.size_known = 0;
	}

	if (argc == 0)
		(void)do_operand(&r, NULL);
	for (i = 0; i < argc && !stop_signal; i++)
		if (do_operand(&r, argv[i]) == -1)
			break;

	for (i = 0; i < r.nout; i++) {
		/* Flush apart from close, to tell a failed write apart. */
		if (!r.output_failed && (ipfix_flush(r.out[i].exp) == -1 ||
		    sink_flush(r.out[i].sink) == -1))
			(void)out_fail(&r, &r.out[i], "write");
		if (sink_close(r.out[i].sink) == -1 && !r.output_failed)
			(void)out_fail(&r, &r.out[i], "close");
	}
	check_sends(&r);
	if (r.prog.on) {
		/* A terminal loses the line; a log keeps the last state. */
		if (r.prog.tty)
			status_clear();
		else
			progress(&r, 1);
	}
	if (r.rejects != NULL && (ferror(r.rejects) | fclose(r.rejects)) != 0) {
		warn("%s", opt.rejects);
		set_status(&r, EXIT_TROUBLE);
	}
	/* Stopped by a signal: say where, and count what was done. */
	if (stop_signal)
		warnx("stopped by %s after %" PRIu64 " lines",
		    stop_signal == SIGINT ? "SIGINT" : "SIGTERM", r.c.lines);
	if (opt.stats || stop_signal)
		print_stats(&r, opt.stats == 2);
	if (r.c.warned > WARN_LIMIT)
		warnx("%" PRIu64 " malformed lines in all, %" PRIu64
		    " not shown", r.c.outcome[O_MALFORMED],
		    r.c.warned - WARN_LIMIT);
	for (i = 0; i < r.nout; i++) {
		ipfix_free(r.out[i].exp);
		sink_free(r.out[i].sink);
	}
	idmap_close(r.map);
	filter_free(r.filter);
	for (i = 0; i < (int)r.nunknown; i++)
		free(r.unknown[i]);
	free(r.unknown);
	if (stop_signal)
		return 128 + stop_signal;
	return r.status;
}
