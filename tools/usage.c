// SPDX-License-Identifier: GPL-2.0
/*
 * The texts of listenq --help, predict --help and explain --help, and the
 * form of a usage error: what is wrong, then the usage lines.
 */
#include <stdio.h>

#include "usage.h"
#include "util.h"

static const char lq_usage[] =
"usage: listenq [OPTIONS] [FILTER]\n"
"       listenq predict --backlog N [--kernel X.Y.Z] [--somaxconn N]\n"
"                       [--max-syn-backlog N] [--syncookies N] [--json]\n"
"       listenq [-N NAME|PID | -A] [-p] explain [--kernel X.Y.Z] FILTER\n"
"       listenq [predict | explain] --help\n"
"       listenq --help | --version\n";

static const char lq_help_text[] =
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

void lq_help(enum lq_cmd cmd)
{
	if (cmd == CMD_PREDICT)
		fputs(lq_predict_help, stdout);
	else if (cmd == CMD_EXPLAIN)
		fputs(lq_explain_help, stdout);
	else
		printf("%s\n%s", lq_usage, lq_help_text);
}

int lq_usage_error(const char *fmt, const char *arg)
{
	fputs("listenq: ", stderr);
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n%sTry 'listenq --help'.\n", lq_usage);
	return LQ_EXIT_USAGE;
}
