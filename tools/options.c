// SPDX-License-Identifier: GPL-2.0
/*
 * The command line. The options follow iproute2's ss(8): a letter ss has
 * means the same here or is not used, options and arguments mix in any
 * order (getopt_long()), an option's optional value is only ever given
 * with '=' (--watch=5, --color=never), and the filter is ss's FILTER for
 * what a listener has. lq_opts_parse() reads each option on its own;
 * lq_opts_check() (optcheck.c) then reads the words and refuses what
 * does not go together, so that nothing runs on a command line with a
 * mistake.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "filter.h"
#include "kernel.h"
#include "netns.h"
#include "options.h"
#include "predict.h"
#include "usage.h"
#include "util.h"


static bool lq_int_arg(const char *s, long long lo, long long hi, long long *v)
{
	return lq_parse_ll(s, v) && *v >= lo && *v <= hi;
}

/* The --watch interval bounds: a frame at least every day, at most 100 a second. */
#define LQ_SECS_MIN	0.01
#define LQ_SECS_MAX	86400

/* SECS: digits with an optional fraction; no sign, exponent, hex, inf or nan. */
static bool lq_secs_arg(const char *s, double *v)
{
	static const char digits[] = "0123456789";
	size_t whole = strspn(s, digits), frac = 0;
	const char *p = s + whole;

	if (*p == '.') {
		frac = strspn(p + 1, digits);
		p += 1 + frac;
	}
	if (*p || (!whole && !frac))
		return false;
	*v = strtod(s, NULL);
	return *v >= LQ_SECS_MIN && *v <= LQ_SECS_MAX;
}


/* The options without a short form. */
enum {
	OPT_PORT = 256, OPT_ADDR, OPT_PROMETHEUS, OPT_COLOR, OPT_KERNEL, OPT_BACKLOG,
	OPT_SOMAXCONN, OPT_MAX_SYN_BACKLOG, OPT_SYNCOOKIES, OPT_OUTPUT, OPT_WATCH, OPT_INTERVAL,
};

/*
 * ss(8)'s letters, with ss's meaning: -H, -N, -p, -l, -t, -n, -4, -6 (the
 * last five filters or no-ops here). -j as in ip -j, -A as in kubectl and
 * lsns, -c as in ping. ss's other letters are not used (lq_ss_letter()).
 * A leading ':' tells a missing value from an unknown option.
 */
static const char lq_short_opts[] = ":hVN:AHjpc:ltn46";

static const struct option lq_long_opts[] = {
	{ "help",		no_argument,		NULL, 'h' },
	{ "version",		no_argument,		NULL, 'V' },
	{ "net",		required_argument,	NULL, 'N' },
	{ "all-namespaces",	no_argument,		NULL, 'A' },
	{ "processes",		no_argument,		NULL, 'p' },
	{ "output",		required_argument,	NULL, OPT_OUTPUT },
	{ "no-header",		no_argument,		NULL, 'H' },
	{ "json",		no_argument,		NULL, 'j' },
	{ "watch",		optional_argument,	NULL, OPT_WATCH },
	{ "interval",		required_argument,	NULL, OPT_INTERVAL },
	{ "count",		required_argument,	NULL, 'c' },
	{ "port",		required_argument,	NULL, OPT_PORT },
	{ "addr",		required_argument,	NULL, OPT_ADDR },
	{ "prometheus",		no_argument,		NULL, OPT_PROMETHEUS },
	{ "color",		optional_argument,	NULL, OPT_COLOR },
	{ "kernel",		required_argument,	NULL, OPT_KERNEL },
	{ "backlog",		required_argument,	NULL, OPT_BACKLOG },
	{ "somaxconn",		required_argument,	NULL, OPT_SOMAXCONN },
	{ "max-syn-backlog",	required_argument,	NULL, OPT_MAX_SYN_BACKLOG },
	{ "syncookies",		required_argument,	NULL, OPT_SYNCOOKIES },
	{ "listening",		no_argument,		NULL, 'l' },
	{ "tcp",		no_argument,		NULL, 't' },
	{ "numeric",		no_argument,		NULL, 'n' },
	{ "ipv4",		no_argument,		NULL, '4' },
	{ "ipv6",		no_argument,		NULL, '6' },
	/*
	 * ss's long options whose letters listenq does not use: refused as
	 * the letters are, and --all is no abbreviation of --all-namespaces.
	 */
	{ "all",		no_argument,		NULL, 'a' },
	{ "options",		no_argument,		NULL, 'o' },
	{ "info",		no_argument,		NULL, 'i' },
	{ "raw",		no_argument,		NULL, 'w' },
	{ "udp",		no_argument,		NULL, 'u' },
	{ "unix",		no_argument,		NULL, 'x' },
	{ "resolve",		no_argument,		NULL, 'r' },
	{ NULL,			0,			NULL, 0 },
};

/* The option getopt_long() stopped at, as the user wrote it: "--name" or "-c". */
static void lq_opt_name(char *buf, size_t len, char **argv, int c)
{
	const char *word = argv[optind - 1];

	if (!strncmp(word, "--", 2))
		snprintf(buf, len, "%.*s", (int)strcspn(word, "="), word);
	else
		snprintf(buf, len, "-%c", c);
}

/* Whether more than one long option starts with @prefix. */
static bool lq_ambiguous(const char *prefix)
{
	const struct option *o;
	unsigned int n = 0;

	for (o = lq_long_opts; o->name; o++)
		n += !strncmp(o->name, prefix, strlen(prefix));
	return n > 1;
}

/*
 * A letter that ss(8) has and listenq does not: what it means there, and
 * what to write here.
 */
static int lq_ss_letter(int c)
{
	static const struct {
		const char *letters, *msg;
	} ss[] = {
		{ "o", "-o is ss's timer option (--options); write --output=FILE" },
		{ "w", "-w is ss's --raw; write --watch[=SECS]" },
		{ "i", "-i is ss's --info; write --interval SECS" },
		{ "a", "-a is ss's --all: listenq shows listening sockets only; an address is "
		       "ADDR or --addr ADDR" },
		{ "uxdSM0", "-%c selects other sockets in ss: listenq shows TCP listeners only" },
		{ "r", "-r is ss's --resolve: listenq prints addresses as numbers" },
		{ "emTsbEZzKODFf", "-%c is an option of ss that listenq does not have; see "
				   "listenq(8)" },
	};
	char msg[128];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ss); i++) {
		if (strchr(ss[i].letters, c)) {
			snprintf(msg, sizeof(msg), ss[i].msg, c);
			return lq_usage_error("%s", msg);
		}
	}
	snprintf(msg, sizeof(msg), "-%c", c);
	return lq_usage_error("unknown option '%s'", msg);
}

/*
 * getopt_long() said '?' or ':'. optopt is 0 for an unknown long option, the
 * option's own value for a long one given a value it does not take, and the
 * letter for an unknown short one; a missing value is always in the last word.
 */
static int lq_getopt_error(int c, char **argv)
{
	char name[64];

	if (c == ':') {
		lq_opt_name(name, sizeof(name), argv, optopt);
		return lq_usage_error("%s needs a value", name);
	}
	if (!optopt || optopt >= 256 || strchr(lq_short_opts + 1, optopt)) {
		lq_opt_name(name, sizeof(name), argv, optopt);
		if (!optopt && lq_ambiguous(name + 2))
			return lq_usage_error("ambiguous option '%s'", name);
		if (optopt && strchr(argv[optind - 1], '='))
			return lq_usage_error("%s takes no value", name);
		return lq_usage_error("unknown option '%s'", argv[optind - 1]);
	}
	return lq_ss_letter(optopt);
}

/* Returned by the option groups below for an option of another group. */
#define LQ_OPT_OTHER	(-2)

/* A term ANDed to the filter, as --port, --addr, -4 and -6 add theirs. */
static int lq_and_term(struct lq_opts *o, const struct lq_fnode *term)
{
	if (lq_filter_and(&o->filter, term))
		return lq_usage_error("%s", "filter too long");
	return LQ_OPTS_GO;
}

/* Which listeners: -N, -A, -p, -4, -6, --port, --addr and ss's no-ops. */
static int lq_opt_select(struct lq_opts *o, int c)
{
	struct lq_fnode term;
	long long v;
	int rc;

	switch (c) {
	case 'N':
		rc = lq_parse_net_pids(optarg, &o->net);
		if (rc < 0)
			return LQ_EXIT_ERR;
		if (rc && lq_parse_net(optarg, &o->net))
			return lq_usage_error("bad --net '%s': a name of 'ip netns' or a PID",
					      optarg);
		o->net_arg = optarg;
		return LQ_OPTS_GO;
	case 'A':
		o->so.all = true;
		return LQ_OPTS_GO;
	case 'p':
		o->so.processes = true;
		return LQ_OPTS_GO;
	case 'l':	/* ss's --listening, --tcp, --numeric: what listenq shows anyway */
	case 't':
	case 'n':
		return LQ_OPTS_GO;
	case '4':
	case '6':
		if (o->family && o->family != c)
			return lq_usage_error("%s", "-4 and -6 exclude each other: neither "
					      "shows both families");
		o->family = c;
		return LQ_OPTS_GO;
	case OPT_PORT:
		if (!lq_int_arg(optarg, 0, 65535, &v))
			return lq_usage_error("bad port '%s'", optarg);
		term = (struct lq_fnode){ .type = LQ_F_SPORT, .port = (unsigned int)v };
		return lq_and_term(o, &term);
	case OPT_ADDR:
		term = (struct lq_fnode){ .type = LQ_F_SRC };
		if (lq_parse_addr(optarg, &term.addr))
			return lq_usage_error("bad address '%s'", optarg);
		term.plen = term.addr.family == AF_INET ? 32 : 128;
		return lq_and_term(o, &term);
	default:
		return LQ_OPT_OTHER;
	}
}

/* How to show them: --output, -H, -j, --watch, --interval, -c, --prometheus, --color. */
static int lq_opt_output(struct lq_opts *o, int c)
{
	long long v;

	switch (c) {
	case OPT_OUTPUT:
		if (!*optarg)
			return lq_usage_error("%s", "bad --output '': a file name");
		o->output = optarg;
		return LQ_OPTS_GO;
	case 'H':
		o->so.no_header = true;
		return LQ_OPTS_GO;
	case 'j':
		o->so.json = true;
		o->po.json = true;
		return LQ_OPTS_GO;
	case OPT_WATCH:
	case OPT_INTERVAL:
		/* Only "--watch=SECS": a word after --watch is a filter. */
		if (optarg && !lq_secs_arg(optarg, &o->so.interval))
			return lq_usage_error("bad interval '%s': seconds from 0.01 to 86400",
					      optarg);
		o->so.watch = true;
		return LQ_OPTS_GO;
	case 'c':
		if (!lq_int_arg(optarg, 1, 1000000000, &v))
			return lq_usage_error("bad count '%s'", optarg);
		o->so.count = (unsigned long)v;
		o->so.watch = true;
		return LQ_OPTS_GO;
	case OPT_PROMETHEUS:
		o->so.prometheus = true;
		return LQ_OPTS_GO;
	case OPT_COLOR:
		o->color = optarg ? optarg : "always";
		if (strcmp(o->color, "auto") && strcmp(o->color, "always") &&
		    strcmp(o->color, "never"))
			return lq_usage_error("bad --color '%s': auto, always or never", o->color);
		return LQ_OPTS_GO;
	default:
		return LQ_OPT_OTHER;
	}
}

/* predict's inputs, and the kernel that explain compares with. */
static int lq_opt_predict(struct lq_opts *o, int c)
{
	struct lq_predict_opts *po = &o->po;
	char err[512];

	switch (c) {
	case OPT_KERNEL:
		if (lq_parse_kernel(optarg, &po->kernel))
			return lq_usage_error("bad kernel version '%s': X.Y.Z", optarg);
		if (lq_kernel_check(&po->kernel, err, sizeof(err)))
			return lq_usage_error("%s", err);
		o->have_kernel = true;
		return LQ_OPTS_GO;
	case OPT_BACKLOG:
		if (!lq_int_arg(optarg, -2147483648LL, 2147483647LL, &po->backlog))
			return lq_usage_error("bad backlog '%s'", optarg);
		o->have_backlog = o->predict_flag = true;
		return LQ_OPTS_GO;
	case OPT_SOMAXCONN:
		if (!lq_int_arg(optarg, 0, 2147483647LL, &po->somaxconn))
			return lq_usage_error("bad somaxconn '%s'", optarg);
		po->somaxconn_given = o->predict_flag = true;
		return LQ_OPTS_GO;
	case OPT_MAX_SYN_BACKLOG:
		if (!lq_int_arg(optarg, -2147483648LL, 2147483647LL, &po->max_syn_backlog))
			return lq_usage_error("bad max-syn-backlog '%s'", optarg);
		po->max_syn_given = o->predict_flag = true;
		return LQ_OPTS_GO;
	case OPT_SYNCOOKIES:
		if (!lq_int_arg(optarg, 0, 2, &po->syncookies))
			return lq_usage_error("bad syncookies '%s': 0, 1 or 2", optarg);
		po->syncookies_given = o->predict_flag = true;
		return LQ_OPTS_GO;
	default:
		return LQ_OPT_OTHER;
	}
}

/* One option of getopt_long()'s. */
static int lq_opt(struct lq_opts *o, int c, char **argv)
{
	int rc;

	switch (c) {
	case 'h':
		o->help = true;	/* after the words: predict --help is predict's */
		return LQ_OPTS_GO;
	case 'a':
	case 'o':
	case 'i':
	case 'w':
	case 'u':
	case 'x':
	case 'r':
		return lq_ss_letter(c);
	}
	rc = lq_opt_select(o, c);
	if (rc == LQ_OPT_OTHER)
		rc = lq_opt_output(o, c);
	if (rc == LQ_OPT_OTHER)
		rc = lq_opt_predict(o, c);
	if (rc == LQ_OPT_OTHER)
		rc = lq_getopt_error(c, argv);
	return rc;
}

int lq_opts_parse(struct lq_opts *o, int argc, char **argv)
{
	int c, rc;

	memset(o, 0, sizeof(*o));
	o->cmd = CMD_SHOW;
	o->color = "auto";
	o->so.interval = 2;
	lq_filter_init(&o->filter);
	opterr = 0;
	while ((c = getopt_long(argc, argv, lq_short_opts, lq_long_opts, NULL)) != -1) {
		/* --version wins over whatever follows it. */
		if (c == 'V') {
			o->version = true;
			return LQ_OPTS_GO;
		}
		rc = lq_opt(o, c, argv);
		if (rc != LQ_OPTS_GO)
			return rc;
	}
	return LQ_OPTS_GO;
}
