// SPDX-License-Identifier: GPL-2.0
/*
 * listenq: per-listener TCP queue state from the listenq module, and the
 * queue math of every kernel era (include/listenq/model.h).
 *
 * The options follow iproute2's ss(8): a letter ss has means the same here
 * or is not used, options and arguments mix in any order (getopt_long()),
 * an option's optional value is only ever given with '=' (--watch=5,
 * --color=never), and the filter is ss's FILTER for what a listener has.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "explain.h"
#include "filter.h"
#include "kernel.h"
#include "netns.h"
#include "output.h"
#include "predict.h"
#include "show.h"
#include "testenv.h"
#include "util.h"

static const char lq_usage[] =
"usage: listenq [OPTIONS] [FILTER]\n"
"       listenq predict --backlog N [--kernel X.Y.Z] [--somaxconn N]\n"
"                       [--max-syn-backlog N] [--syncookies N] [--json]\n"
"       listenq [-N NAME|PID | -A] [-p] explain [--kernel X.Y.Z] FILTER\n"
"       listenq [predict | explain] --help\n"
"       listenq --help | --version\n";

static const char lq_help[] =
"Show the SYN and accept queues of every TCP listener in a network namespace,\n"
"their caps, and why they have them (needs the listenq module).\n"
"\n"
"FILTER: ss's expressions for what a listener has, and short forms:\n"
"  sport = :PORT               or sport :PORT; also ==, eq, !=, ne, <, lt,\n"
"                              <=, le, >, gt, >=, ge\n"
"  src ADDR[/LEN]              also src ADDR:PORT, src [V6]:PORT, src *:PORT,\n"
"                              src :PORT, src != ADDR\n"
"  TERM and TERM, TERM TERM    both; TERM or TERM: either; not TERM, ( ... );\n"
"                              'and' and 'or' mixed need parentheses\n"
"  state listening             every listener (listenq shows no other state)\n"
"  PORT, :PORT                 listeners on this port\n"
"  ADDR[/LEN], ADDR:PORT, [V6]:PORT, *:PORT\n"
"                              listeners bound to this address (and port); ::1\n"
"                              is an address, [::1]:80 one with a port\n"
"  several short forms         any of them: 'listenq 80 443' is port 80 or 443\n"
"      --port N                and port N\n"
"      --addr ADDR             and address ADDR; '*' matches any address\n"
"  -4, --ipv4 / -6, --ipv6     and only IPv4 / only IPv6 sockets, as in ss\n"
"  -l, --listening, -t, --tcp, -n, --numeric\n"
"                              accepted for ss's sake; listenq shows numeric TCP\n"
"                              listeners only\n"
"\n"
"Namespace:\n"
"  -N, --net NAME|PID          the listeners of another network namespace:\n"
"                              NAME of 'ip netns' (/run/netns/NAME, needs\n"
"                              root), or the one process PID is in; several\n"
"                              PIDs (pidof's) if they share it\n"
"  -A, --all-namespaces        the listeners of every network namespace (of\n"
"                              /proc/*/ns/net and /run/netns), each with its\n"
"                              namespace and the name of its ip netns,\n"
"                              container, pod or service; needs root\n"
"\n"
"Output:\n"
"  -p, --processes             the processes that hold each listener, as\n"
"                              ss -p shows them\n"
"      --output=FILE           write to FILE, replaced at once (a temporary\n"
"                              file renamed over it); not with --watch\n"
"  -H, --no-header             no header line (and no frame lines in --watch);\n"
"                              the columns are the same whatever the rows\n"
"  -j, --json                  one JSON object, one listener a line\n"
"      --prometheus            node_exporter textfile format\n"
"      --watch[=SECS]          redraw every SECS (default 2) with deltas\n"
"      --interval SECS         the same as --watch=SECS; SECS from 0.01 to\n"
"                              86400, fractions allowed\n"
"  -c, --count N               stop after N frames (implies --watch)\n"
"      --color[=WHEN]          highlight listeners at or near a cap:\n"
"                              auto (default: on a terminal, unless NO_COLOR\n"
"                              is set), always, never\n"
"ss's -o, -i, -w, -a (--options, --info, --raw, --all) and its other letters\n"
"are not used here.\n"
"\n"
"Subcommands (each has --help):\n"
"  predict                     the caps a kernel gives a listener, and which\n"
"                              term binds each; --kernel defaults to the\n"
"                              running kernel, the sysctls to this host's\n"
"  explain FILTER              a live listener's caps, where they come from,\n"
"                              and what to change\n"
"\n"
"Exit status: 0 ok, 1 error (module not loaded, no such namespace, -A\n"
"without root, unknown format, bad rows, no listener to explain, FILE not\n"
"written), 2 usage error. See listenq(8).\n";

static int lq_usage_error(const char *fmt, const char *arg)
{
	fputs("listenq: ", stderr);
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n%sTry 'listenq --help'.\n", lq_usage);
	return LQ_EXIT_USAGE;
}

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

/* Whether stdout is a terminal that wants colour (https://no-color.org). */
static bool lq_color_auto(void)
{
	const char *no = getenv("NO_COLOR"), *term = getenv("TERM");

	if (no && *no)
		return false;
	if (term && !strcmp(term, "dumb"))
		return false;
	return isatty(STDOUT_FILENO);
}

enum lq_cmd { CMD_SHOW, CMD_PREDICT, CMD_EXPLAIN };

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

/*
 * -N "$(pidof nginx)": pidof prints every PID of a pre-fork server. PIDs
 * in one network namespace stand for it; the first is read. 1: @s is no
 * list of PIDs; -1: they are in different namespaces or one is gone.
 */
static int lq_net_pids(const char *s, struct lq_net *net)
{
	char first[64] = "", link[64], prev[64] = "", path[LQ_PATH_LEN];
	const char *p = s;
	size_t n;
	ssize_t len;

	if (!strchr(s, ' ') || strspn(s, "0123456789 ") != strlen(s))
		return 1;
	for (p += strspn(p, " "); *p; p += n, p += strspn(p, " ")) {
		n = strcspn(p, " ");
		if (n > 10)
			return 1;
		snprintf(link, sizeof(link), "%.*s", (int)n, p);
		if (!first[0])
			snprintf(first, sizeof(first), "%s", link);
		lq_path(path, sizeof(path), "/proc/%s/ns/net", link);
		len = readlink(path, link, sizeof(link) - 1);
		if (len < 0) {
			lq_err("--net '%s': process %.*s: %s", s, (int)n, p, strerror(errno));
			return -1;
		}
		link[len] = '\0';
		if (prev[0] && strcmp(prev, link)) {
			lq_err("--net '%s': the processes are in different network namespaces; "
			       "give one PID", s);
			return -1;
		}
		snprintf(prev, sizeof(prev), "%s", link);
	}
	if (!first[0] || lq_parse_net(first, net))
		return 1;
	return 0;
}

/* The help of a subcommand: its own flags. */
static const char lq_predict_help[] =
"usage: listenq predict --backlog N [--kernel X.Y.Z] [--somaxconn N]\n"
"                       [--max-syn-backlog N] [--syncookies N] [--json] [--output=FILE]\n"
"\n"
"The caps a kernel gives listen(fd, N), and which term binds each. The first\n"
"line says where every input came from.\n"
"\n"
"  --backlog N            listen()'s backlog; negative means somaxconn\n"
"  --kernel X.Y.Z         the kernel version (default: the running kernel's,\n"
"                         from /proc/version where uname -r hides the sublevel,\n"
"                         as Debian's 6.1.0-57-cloud-amd64 does). X.Y is enough\n"
"                         except on 6.12, 6.6, 6.1, 5.15, 5.10 and 5.4, whose\n"
"                         SYN queue rule changed in a point release (>= became >\n"
"                         in 6.12.10, 6.6.72, 6.1.125, 5.15.177, 5.10.234,\n"
"                         5.4.290); from 3.0; past the newest line listenq\n"
"                         knows, that line's rules are assumed and said\n"
"  --somaxconn N          net.core.somaxconn\n"
"  --max-syn-backlog N    net.ipv4.tcp_max_syn_backlog\n"
"  --syncookies N         net.ipv4.tcp_syncookies, 0 to 2\n"
"                         (each sysctl not given: this host's /proc/sys/net,\n"
"                         else the kernel's default)\n"
"  -j, --json             one JSON object\n"
"      --output=FILE      write to FILE, replaced at once\n"
"\n"
"See PREDICT in listenq(8).\n";

static const char lq_explain_help[] =
"usage: listenq [-N NAME|PID | -A] [-p] [-4|-6] explain [--kernel X.Y.Z] FILTER\n"
"\n"
"For each live listener that FILTER matches (as in the table: PORT, ADDR:PORT,\n"
"'sport = :PORT', 'src ADDR', ...): both queues against their caps, where each\n"
"cap comes from, the drops, and what to change.\n"
"\n"
"  --kernel X.Y.Z         the version to compare the module's SYN queue rule\n"
"                         with (default: the running kernel's; X.Y as predict\n"
"                         takes it)\n"
"  -N, --net NAME|PID     another network namespace\n"
"  -A, --all-namespaces   every network namespace\n"
"  -p, --processes        the processes that hold each listener\n"
"      --output=FILE      write to FILE, replaced at once\n"
"\n"
"See EXPLAIN in listenq(8).\n";

int main(int argc, char **argv)
{
	const char *paths[1], *hist_paths[1], *color = "auto", *net_arg = NULL;
	struct lq_test_files tf;
	const char *output = NULL;
	struct lq_predict_opts po = { .backlog = 0 };
	struct lq_output out = { .tmp = "" };
	struct lq_show_opts so = { .interval = 2 };
	static struct lq_filter filter;
	struct lq_fnode term;
	bool have_kernel = false, have_backlog = false, predict_flag = false, help = false;
	int family = 0;
	enum lq_cmd cmd = CMD_SHOW;
	static struct lq_files files;
	struct lq_net net = { 0 };
	char what[256] = "", err[512];
	long long v;
	int c, i, rc;

	lq_filter_init(&filter);
	opterr = 0;
	while ((c = getopt_long(argc, argv, lq_short_opts, lq_long_opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			help = true;	/* after the words: predict --help is predict's */
			break;
		case 'V':
			printf("listenq %s\n", LISTENQ_VERSION);
			return LQ_EXIT_OK;
		case 'N':
			rc = lq_net_pids(optarg, &net);
			if (rc < 0)
				return LQ_EXIT_ERR;
			if (rc && lq_parse_net(optarg, &net))
				return lq_usage_error("bad --net '%s': a name of 'ip netns' or a PID",
						      optarg);
			net_arg = optarg;
			break;
		case 'A':
			so.all = true;
			break;
		case 'p':
			so.processes = true;
			break;
		case OPT_OUTPUT:
			if (!*optarg)
				return lq_usage_error("%s", "bad --output '': a file name");
			output = optarg;
			break;
		case 'H':
			so.no_header = true;
			break;
		case 'j':
			so.json = true;
			po.json = true;
			break;
		case 'l':	/* ss's --listening, --tcp, --numeric: what listenq shows anyway */
		case 't':
		case 'n':
			break;
		case '4':
		case '6':
			if (family && family != c)
				return lq_usage_error("%s", "-4 and -6 exclude each other: neither "
						      "shows both families");
			family = c;
			break;
		case OPT_WATCH:
			so.watch = true;
			/* Only "--watch=SECS": a word after --watch is a filter. */
			if (optarg && !lq_secs_arg(optarg, &so.interval))
				return lq_usage_error("bad interval '%s': seconds from 0.01 to 86400",
						      optarg);
			break;
		case OPT_INTERVAL:
			if (!lq_secs_arg(optarg, &so.interval))
				return lq_usage_error("bad interval '%s': seconds from 0.01 to 86400",
						      optarg);
			so.watch = true;
			break;
		case 'c':
			if (!lq_int_arg(optarg, 1, 1000000000, &v))
				return lq_usage_error("bad count '%s'", optarg);
			so.count = (unsigned long)v;
			so.watch = true;
			break;
		case OPT_PORT:
			if (!lq_int_arg(optarg, 0, 65535, &v))
				return lq_usage_error("bad port '%s'", optarg);
			term = (struct lq_fnode){ .type = LQ_F_SPORT, .port = (unsigned int)v };
			if (lq_filter_and(&filter, &term))
				return lq_usage_error("%s", "filter too long");
			break;
		case OPT_ADDR:
			term = (struct lq_fnode){ .type = LQ_F_SRC };
			if (lq_parse_addr(optarg, &term.addr))
				return lq_usage_error("bad address '%s'", optarg);
			term.plen = term.addr.family == AF_INET ? 32 : 128;
			if (lq_filter_and(&filter, &term))
				return lq_usage_error("%s", "filter too long");
			break;
		case OPT_PROMETHEUS:
			so.prometheus = true;
			break;
		case OPT_COLOR:
			color = optarg ? optarg : "always";
			if (strcmp(color, "auto") && strcmp(color, "always") && strcmp(color, "never"))
				return lq_usage_error("bad --color '%s': auto, always or never", color);
			break;
		case OPT_KERNEL:
			if (lq_parse_kernel(optarg, &po.kernel))
				return lq_usage_error("bad kernel version '%s': X.Y.Z", optarg);
			if (lq_kernel_check(&po.kernel, err, sizeof(err)))
				return lq_usage_error("%s", err);
			have_kernel = true;
			break;
		case OPT_BACKLOG:
			if (!lq_int_arg(optarg, -2147483648LL, 2147483647LL, &po.backlog))
				return lq_usage_error("bad backlog '%s'", optarg);
			have_backlog = predict_flag = true;
			break;
		case OPT_SOMAXCONN:
			if (!lq_int_arg(optarg, 0, 2147483647LL, &po.somaxconn))
				return lq_usage_error("bad somaxconn '%s'", optarg);
			po.somaxconn_given = predict_flag = true;
			break;
		case OPT_MAX_SYN_BACKLOG:
			if (!lq_int_arg(optarg, -2147483648LL, 2147483647LL, &po.max_syn_backlog))
				return lq_usage_error("bad max-syn-backlog '%s'", optarg);
			po.max_syn_given = predict_flag = true;
			break;
		case OPT_SYNCOOKIES:
			if (!lq_int_arg(optarg, 0, 2, &po.syncookies))
				return lq_usage_error("bad syncookies '%s': 0, 1 or 2", optarg);
			po.syncookies_given = predict_flag = true;
			break;
		case 'a':
		case 'o':
		case 'i':
		case 'w':
		case 'u':
		case 'x':
		case 'r':
			return lq_ss_letter(c);
		default:
			return lq_getopt_error(c, argv);
		}
	}

	/* getopt_long() moved the words that are not options to the end. */
	if (optind < argc && !strcmp(argv[optind], "predict")) {
		cmd = CMD_PREDICT;
		optind++;
	} else if (optind < argc && !strcmp(argv[optind], "explain")) {
		cmd = CMD_EXPLAIN;
		optind++;
	}
	if (help) {
		if (cmd == CMD_PREDICT)
			fputs(lq_predict_help, stdout);
		else if (cmd == CMD_EXPLAIN)
			fputs(lq_explain_help, stdout);
		else
			printf("%s\n%s", lq_usage, lq_help);
		return LQ_EXIT_OK;
	}
	/* The words of the filter, for explain's messages. */
	for (i = optind; i < argc; i++)
		snprintf(what + strlen(what), sizeof(what) - strlen(what), "%s%s",
			 i > optind ? " " : "", argv[i]);
	if (cmd == CMD_PREDICT && optind < argc)
		return lq_usage_error("predict takes no filter, got '%s'", what);
	if (lq_filter_parse(&filter, argv + optind, (unsigned int)(argc - optind), err,
			    sizeof(err)))
		return lq_usage_error("%s", err);
	if (family) {
		term = (struct lq_fnode){ .type = LQ_F_FAMILY };
		term.addr.family = family == '4' ? AF_INET : AF_INET6;
		if (lq_filter_and(&filter, &term))
			return lq_usage_error("%s", "filter too long");
	}

	if (cmd != CMD_PREDICT && predict_flag)
		return lq_usage_error("%s", "--backlog, --somaxconn, --max-syn-backlog and "
				      "--syncookies only apply to predict");
	if (cmd != CMD_SHOW && (so.watch || so.prometheus || so.no_header))
		return lq_usage_error("%s", "--watch, --interval, --count, --no-header and "
				      "--prometheus only apply to the table");
	if (so.all && net_arg)
		return lq_usage_error("%s", "--all-namespaces and --net exclude each other");
	/* A file replaced per frame would be a file rewritten forever: one frame only. */
	if (output && so.watch)
		return lq_usage_error("%s", "--output writes one frame, not --watch: run it from a "
				      "timer instead");

	switch (cmd) {
	case CMD_PREDICT:
		if (net_arg || so.all)
			return lq_usage_error("predict reads no namespace: %s does not apply",
					      net_arg ? "--net" : "--all-namespaces");
		if (so.processes)
			return lq_usage_error("%s", "predict reads no listener: --processes does not "
					      "apply");
		if (family)
			return lq_usage_error("%s", "predict reads no listener: -4 and -6 do not "
					      "apply");
		if (!have_backlog)
			return lq_usage_error("%s", "predict needs --backlog N");
		if (!have_kernel && lq_running_kernel(&po.kernel, err, sizeof(err))) {
			lq_err("%s", err);
			return LQ_EXIT_ERR;
		}
		if (output && lq_output_open(&out, output))
			return LQ_EXIT_ERR;
		return lq_output_close(&out, lq_predict(&po));
	case CMD_EXPLAIN:
		if (filter.root < 0)
			return lq_usage_error("%s", "explain needs a filter: PORT, ADDR:PORT or an "
					      "expression");
		if (!what[0])
			snprintf(what, sizeof(what), "--port/--addr");
		if (so.json)
			return lq_usage_error("%s", "explain has no --json: use 'listenq --json PORT'");
		break;
	default:
		if (have_kernel)
			return lq_usage_error("%s", "--kernel only applies to predict and explain");
		if (so.json && so.prometheus)
			return lq_usage_error("%s", "--json and --prometheus exclude each other");
		if (so.watch && (so.json || so.prometheus))
			return lq_usage_error("%s", "--watch draws the table only; run --json or "
					      "--prometheus from a loop instead");
		if (so.no_header && (so.json || so.prometheus))
			return lq_usage_error("%s", "--no-header only applies to the table");
		break;
	}

	if (so.all && !lq_is_root()) {
		lq_err("--all-namespaces needs root: it reads every process's /proc/PID and enters "
		       "the namespaces of /run/netns");
		return LQ_EXIT_ERR;
	}

	/* The files last: -N NAME enters the namespace for good. */
	rc = lq_net_files(&net, &files);
	if (rc)
		return rc;
	if (lq_test_files(&tf)) {
		lq_test_files_free(&tf);
		return LQ_EXIT_ERR;
	}
	/* -A finds its files itself: the test's files are for one namespace. */
	if (tf.ntable && !so.all) {
		so.paths = tf.table;
		so.npaths = tf.ntable;
		so.hist_paths = tf.hist;
		so.nhist = tf.nhist;
	} else {
		paths[0] = files.table;
		hist_paths[0] = files.hist;
		so.paths = paths;
		so.npaths = 1;
		so.hist_paths = hist_paths;
		so.nhist = 1;
	}
	so.sysctl_path = tf.sysctl ? tf.sysctl : files.sysctl;
	so.filter = &filter;

	/* Before the colour: a file is no terminal. */
	if (output && lq_output_open(&out, output)) {
		lq_test_files_free(&tf);
		return LQ_EXIT_ERR;
	}
	if (cmd == CMD_EXPLAIN) {
		/* An unknown running version only costs explain one comparison. */
		if (!have_kernel && lq_running_kernel(&po.kernel, err, sizeof(err)))
			memset(&po.kernel, 0, sizeof(po.kernel));
		rc = lq_explain(&so, what, &po.kernel);
	} else {
		so.tty = so.watch && isatty(STDOUT_FILENO);
		so.color = !strcmp(color, "always") ||
			   (!strcmp(color, "auto") && lq_color_auto());
		rc = lq_show(&so);
	}
	lq_test_files_free(&tf);
	return lq_output_close(&out, rc);
}
