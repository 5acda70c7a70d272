// SPDX-License-Identifier: GPL-2.0
/*
 * listenq: per-listener TCP queue state from the listenq module, and the
 * queue math of every kernel era (include/listenq/model.h).
 *
 * The argument parser is hand-written because --watch takes an optional
 * value in the next word ("--watch 5"), which getopt_long cannot express.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "listenq.h"

static const char lq_usage[] =
"usage: listenq [OPTIONS] [PORT | ADDR | ADDR:PORT]\n"
"       listenq predict --backlog N [--kernel X.Y[.Z]] [--somaxconn N]\n"
"                       [--max-syn-backlog N] [--syncookies N] [--json]\n"
"       listenq explain [--kernel X.Y[.Z]] PORT | ADDR:PORT\n"
"       listenq --help | --version\n";

static const char lq_help[] =
"Show the SYN and accept queues of every TCP listener in this network\n"
"namespace, their caps, and why they have them (needs the listenq module).\n"
"\n"
"Filters (all given must match):\n"
"  PORT, :PORT                 listeners on this port\n"
"  ADDR, ADDR:PORT, [V6]:PORT  listeners bound to exactly this address\n"
"  -p, --port N                same as PORT\n"
"  -a, --addr ADDR             same as ADDR; '*' matches any address\n"
"\n"
"Output:\n"
"  -j, --json                  one JSON object, one listener a line\n"
"      --prometheus            node_exporter textfile format\n"
"  -w, --watch [SECONDS]       redraw every SECONDS (default 2) with deltas\n"
"  -c, --count N               stop after N frames (implies --watch)\n"
"      --color[=WHEN]          highlight listeners at or near a cap:\n"
"                              auto (default: on a terminal, unless NO_COLOR\n"
"                              is set), always, never\n"
"\n"
"Subcommands:\n"
"  predict                     the caps a kernel gives a listener, and which\n"
"                              term binds each; --kernel defaults to the\n"
"                              running kernel, the sysctls to kernel defaults\n"
"  explain PORT|ADDR:PORT      a live listener's caps, where they come from,\n"
"                              and what to change\n"
"\n"
"Exit status: 0 ok, 1 error (module not loaded, unknown format, bad rows,\n"
"no listener to explain), 2 usage error. See listenq(8).\n";

void lq_err(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("listenq: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void lq_json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

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

static bool lq_secs_arg(const char *s, double *v)
{
	char *end;

	if (!*s || *s == '-')
		return false;
	*v = strtod(s, &end);
	return !*end && *v >= 0 && *v <= 86400;
}

/* PORT, :PORT, ADDR, ADDR:PORT, [V6], [V6]:PORT, *:PORT. */
static int lq_parse_target(const char *s, struct lq_filter *f)
{
	const char *colon = strrchr(s, ':');
	long long port;

	if (lq_int_arg(s, 0, 65535, &port)) {
		f->have_port = true;
		f->port = (unsigned int)port;
		return 0;
	}
	if (s[0] == ':') {
		if (!lq_int_arg(s + 1, 0, 65535, &port))
			return -1;
		f->have_port = true;
		f->port = (unsigned int)port;
		return 0;
	}
	/* A bare address: IPv4, bracketed or unbracketed IPv6, or '*'. */
	if (!colon || (s[0] != '[' && strchr(s, ':') != colon) || s[strlen(s) - 1] == ']') {
		if (lq_parse_addr(s, &f->addr))
			return -1;
		f->have_addr = true;
		return 0;
	}
	{
		char addr[64];
		size_t len = (size_t)(colon - s);

		if (len >= sizeof(addr) || !lq_int_arg(colon + 1, 0, 65535, &port))
			return -1;
		memcpy(addr, s, len);
		addr[len] = '\0';
		if (lq_parse_addr(addr, &f->addr))
			return -1;
		f->have_addr = true;
		f->have_port = true;
		f->port = (unsigned int)port;
	}
	return 0;
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

/* In main()'s loop: the option's value, from "--opt=value" or the next word. */
#define LQ_NEEDS_VALUE() do {						\
	if (!val) {							\
		if (i + 1 >= argc)					\
			return lq_usage_error("%s needs a value", a);	\
		val = argv[++i];					\
	}								\
} while (0)

int main(int argc, char **argv)
{
	const char *proc_env = getenv("LISTENQ_PROC"), *sysctl_env = getenv("LISTENQ_SYSCTL");
	const char *paths[16], *target = NULL, *color = "auto";
	struct lq_predict_opts po = { .backlog = 0 };
	struct lq_show_opts so = { .interval = 2 };
	struct lq_filter filter = { 0 };
	bool have_kernel = false, have_backlog = false, predict_flag = false;
	enum lq_cmd cmd = CMD_SHOW;
	unsigned int npaths = 0;
	long long v;
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *val = NULL;
		char name[32];
		const char *eq = strncmp(a, "--", 2) ? NULL : strchr(a, '=');

		/* --opt=value and --opt value are the same. */
		if (eq && (size_t)(eq - a) < sizeof(name)) {
			memcpy(name, a, (size_t)(eq - a));
			name[eq - a] = '\0';
			val = eq + 1;
			a = name;
		}
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			printf("%s\n%s", lq_usage, lq_help);
			return LQ_EXIT_OK;
		} else if (!strcmp(a, "-V") || !strcmp(a, "--version")) {
			printf("listenq %s\n", LISTENQ_VERSION);
			return LQ_EXIT_OK;
		} else if (!strcmp(a, "-p") || !strcmp(a, "--port")) {
			LQ_NEEDS_VALUE();
			if (!lq_int_arg(val, 0, 65535, &v))
				return lq_usage_error("bad port '%s'", val);
			filter.have_port = true;
			filter.port = (unsigned int)v;
		} else if (!strcmp(a, "-a") || !strcmp(a, "--addr")) {
			LQ_NEEDS_VALUE();
			if (lq_parse_addr(val, &filter.addr))
				return lq_usage_error("bad address '%s'", val);
			filter.have_addr = true;
		} else if (!strcmp(a, "-j") || !strcmp(a, "--json")) {
			so.json = true;
			po.json = true;
		} else if (!strcmp(a, "--prometheus")) {
			so.prometheus = true;
		} else if (!strcmp(a, "-w") || !strcmp(a, "--watch")) {
			so.watch = true;
			/* The interval is optional: take the next word only if it is one. */
			if (!val && i + 1 < argc && lq_secs_arg(argv[i + 1], &so.interval))
				i++;
			else if (val && !lq_secs_arg(val, &so.interval))
				return lq_usage_error("bad interval '%s'", val);
		} else if (!strcmp(a, "-c") || !strcmp(a, "--count")) {
			LQ_NEEDS_VALUE();
			if (!lq_int_arg(val, 1, 1000000000, &v))
				return lq_usage_error("bad count '%s'", val);
			so.count = (unsigned long)v;
			so.watch = true;
		} else if (!strcmp(a, "--color")) {
			color = val ? val : "always";
			if (strcmp(color, "auto") && strcmp(color, "always") && strcmp(color, "never"))
				return lq_usage_error("bad --color '%s': auto, always or never", color);
		} else if (!strcmp(a, "--kernel")) {
			LQ_NEEDS_VALUE();
			if (lq_parse_kernel(val, &po.kernel))
				return lq_usage_error("bad kernel version '%s': X.Y[.Z]", val);
			have_kernel = true;
		} else if (!strcmp(a, "--backlog")) {
			LQ_NEEDS_VALUE();
			if (!lq_int_arg(val, -2147483648LL, 2147483647LL, &po.backlog))
				return lq_usage_error("bad backlog '%s'", val);
			have_backlog = predict_flag = true;
		} else if (!strcmp(a, "--somaxconn")) {
			LQ_NEEDS_VALUE();
			if (!lq_int_arg(val, 0, 2147483647LL, &po.somaxconn))
				return lq_usage_error("bad somaxconn '%s'", val);
			po.somaxconn_given = predict_flag = true;
		} else if (!strcmp(a, "--max-syn-backlog")) {
			LQ_NEEDS_VALUE();
			if (!lq_int_arg(val, -2147483648LL, 2147483647LL, &po.max_syn_backlog))
				return lq_usage_error("bad max-syn-backlog '%s'", val);
			po.max_syn_given = predict_flag = true;
		} else if (!strcmp(a, "--syncookies")) {
			LQ_NEEDS_VALUE();
			if (!lq_int_arg(val, 0, 2, &po.syncookies))
				return lq_usage_error("bad syncookies '%s': 0, 1 or 2", val);
			po.syncookies_given = predict_flag = true;
		} else if (!strcmp(a, "--proc-file")) {
			/* For tests: repeat it to feed --watch one file per frame. */
			LQ_NEEDS_VALUE();
			if (npaths == ARRAY_SIZE(paths))
				return lq_usage_error("too many %s", a);
			paths[npaths++] = val;
		} else if (!strcmp(a, "--sysctl-file")) {
			LQ_NEEDS_VALUE();
			sysctl_env = val;
		} else if (a[0] == '-' && a[1] && strcmp(a, "-")) {
			return lq_usage_error("unknown option '%s'", argv[i]);
		} else if (cmd == CMD_SHOW && !target && !strcmp(a, "predict")) {
			cmd = CMD_PREDICT;
		} else if (cmd == CMD_SHOW && !target && !strcmp(a, "explain")) {
			cmd = CMD_EXPLAIN;
		} else if (target) {
			return lq_usage_error("unexpected argument '%s'", a);
		} else {
			target = a;
			if (lq_parse_target(a, &filter))
				return lq_usage_error("bad filter '%s': PORT, ADDR or ADDR:PORT", a);
		}
	}

	if (!npaths)
		paths[npaths++] = proc_env && *proc_env ? proc_env : LQ_PROC_FILE;
	so.paths = paths;
	so.npaths = npaths;
	so.sysctl_path = sysctl_env && *sysctl_env ? sysctl_env : LQ_PROC_SYSCTL_FILE;
	if (cmd != CMD_PREDICT && predict_flag)
		return lq_usage_error("%s", "--backlog, --somaxconn, --max-syn-backlog and "
				      "--syncookies only apply to predict");
	if (cmd != CMD_SHOW && (so.watch || so.prometheus))
		return lq_usage_error("%s", "--watch, --count and --prometheus only apply to the "
				      "table");

	switch (cmd) {
	case CMD_PREDICT:
		if (target)
			return lq_usage_error("predict takes no filter, got '%s'", target);
		if (!have_backlog)
			return lq_usage_error("%s", "predict needs --backlog N");
		if (!have_kernel) {
			lq_running_kernel(&po.kernel);
			if (!po.kernel.major) {
				lq_err("cannot tell the running kernel's version; give --kernel");
				return LQ_EXIT_ERR;
			}
		}
		return lq_predict(&po);
	case CMD_EXPLAIN:
		if (!target)
			return lq_usage_error("%s", "explain needs PORT or ADDR:PORT");
		if (so.json)
			return lq_usage_error("%s", "explain has no --json: use 'listenq --json PORT'");
		if (!have_kernel)
			lq_running_kernel(&po.kernel);
		return lq_explain(paths[0], so.sysctl_path, &filter, target, &po.kernel);
	default:
		break;
	}
	if (have_kernel)
		return lq_usage_error("%s", "--kernel only applies to predict and explain");
	if (so.json && so.prometheus)
		return lq_usage_error("%s", "--json and --prometheus exclude each other");
	if (so.watch && (so.json || so.prometheus))
		return lq_usage_error("%s", "--watch draws the table only; run --json or "
				      "--prometheus from a loop instead");
	so.filter = &filter;
	so.tty = so.watch && isatty(STDOUT_FILENO);
	so.color = !strcmp(color, "always") || (!strcmp(color, "auto") && lq_color_auto());
	return lq_show(&so);
}
