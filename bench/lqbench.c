// SPDX-License-Identifier: GPL-2.0
/*
 * lqbench: the listenq benchmarks, run inside the QEMU guest (static binary).
 *
 *   lqbench --ko PATH --syngen PATH [--ss PATH] [--phases mtaxlch] [--quick]
 *           [--reps N] [--flat-reps N] [--rounds N] [--tput-count N] [--accepts N]
 *           [--listeners N] [--halfopen N] [--grow A,B,C] [--max-listeners A,B]
 *           [--mem-listeners A,B,C] [--wide-listeners N]
 *           [--drop-log N] [--alt-ko NAME=PATH]...
 *
 * Everything is measured in this one run, so ratios compare like with like:
 *
 *  m  memory the module holds with probes on, at three numbers of listeners
 *     and two max_listeners values
 *  t  SYN throughput into listeners at their caps: probes off / on / drop
 *     log on, rounds in rotating order, with syncookies 0 and 1; each
 *     --alt-ko adds a mode with that build of the module (probes=1), to
 *     weigh a design change against the current one in the same run
 *  x  SYN throughput into one listener at its cap, every SYN dropped, while
 *     --wide-listeners others exist (100,000): probes=0, and probes=1 at the
 *     two --max-listeners, the module loaded again for each run, rounds in
 *     rotating order; the listener's drop_synq is checked against the MIB
 *  a  accept() throughput: a client process connects over loopback in a
 *     loop while this one accepts and closes, probes off / on / each
 *     --alt-ko, rounds in rotating order; the wait histogram's count is
 *     checked against the accepts done with probes on
 *  l  /proc/listenq read time at growing listener counts (0 half-open)
 *  c  64 readers at once in 8 namespaces against one reader alone
 *  h  10k listeners with 100k half-open requests: per-listener queue
 *     lengths from /proc/listenq, from ss, and from /proc/net/tcp; then
 *     the /proc/listenq read at 0, 10k and 100k half-open requests, each
 *     in its own namespace, read in turn so they share the same background
 *
 * Every phase runs in network namespaces of its own, with only lo, and
 * 198.18.0.0/15 routed to lo for syngen's sources. Listening sockets are
 * held by a child process per namespace, so the processes that read (this
 * one, cat, ss) have no big file table to copy when they fork.
 *
 * stdout (the result port) gets "# raw" lines as measurements are taken and
 * the result table at the end, between "=== table begin/end ===". stderr
 * (the console) gets progress.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lq_hist.h"
#include "lq_kmod.h"
#include "lq_proc.h"
#include "netutil.h"

#define NPORTS		65536
#define MAX_SAMPLES	64

static struct {
	const char *ko, *syngen, *ss, *phases;
	unsigned int reps, flat_reps, rounds, tput_count, tput_listeners, tput_backlog;
	unsigned int accepts, acc_backlog;
	unsigned int listeners, halfopen, grow[3], ml[2], mem_n[3], wide;
	unsigned int drop_log;
	unsigned int nalt;
	const char *alt_name[4], *alt_ko[4];	/* --alt-ko NAME=PATH */
} o = {
	.phases = "mtaxlch",
	.reps = 7, .flat_reps = 11, .rounds = 7, .tput_count = 100000,
	.accepts = 5000, .acc_backlog = 128,
	.tput_listeners = 16, .tput_backlog = 8,
	.listeners = 10000, .halfopen = 100000,
	.grow = { 1000, 10000, 50000 },
	.ml = { 16384, 1048576 },
	.mem_n = { 100, 1000, 10000 },
	.wide = 100000,
	.drop_log = 10,
};

static uint64_t t_start;
static unsigned long long next_k;	/* syngen source numbers already used */
/* The result table, printed at the end in section order, whatever the phase order. */
enum section { S_1, S_2A, S_2B, S_2C, S_3, S_3B, S_4, S_5, NR_SECTIONS };
static FILE *sec[NR_SECTIONS], *table;
static char *sec_buf[NR_SECTIONS];
static size_t sec_len[NR_SECTIONS];
static int goals_missed;

/* ---- utilities ---- */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void __attribute__((format(printf, 1, 2))) info(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "lqbench [%6.1fs] ", (now_ns() - t_start) / 1e9);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void __attribute__((format(printf, 1, 2), noreturn)) die(const char *fmt, ...)
{
	va_list ap;

	printf("# lqbench: fatal: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf(" (errno %d: %s)\n", errno, strerror(errno));
	fflush(stdout);
	fprintf(stderr, "lqbench: fatal, see the result port\n");
	exit(1);
}

/* A raw measurement, on the result port at once. */
static void __attribute__((format(printf, 1, 2))) raw(const char *fmt, ...)
{
	va_list ap;

	printf("# raw ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

#define T(...) fprintf(table, __VA_ARGS__)

static void must_write(const char *path, const char *fmt, ...)
{
	char val[64];
	va_list ap;
	int err;

	va_start(ap, fmt);
	vsnprintf(val, sizeof(val), fmt, ap);
	va_end(ap);
	err = lq_write_str(path, val);
	if (err) {
		errno = -err;
		die("write %s to %s", val, path);
	}
}

/* A module parameter, through the selftests' sysfs helper. */
static void __attribute__((format(printf, 2, 3))) must_param(const char *name, const char *fmt, ...)
{
	char val[64];
	va_list ap;
	int err;

	va_start(ap, fmt);
	vsnprintf(val, sizeof(val), fmt, ap);
	va_end(ap);
	err = lq_param_set(name, val);
	if (err) {
		errno = -err;
		die("write %s to " LQ_PARAM_DIR "%s", val, name);
	}
}

static int run_wait(char *const argv[])
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		die("fork");
	if (pid == 0) {
		execv(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		die("waitpid");
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

struct series {
	unsigned int n;
	double v[MAX_SAMPLES];
};

static void add(struct series *s, double v)
{
	if (s->n < MAX_SAMPLES)
		s->v[s->n++] = v;
}

static double median(const struct series *s)
{
	double v[MAX_SAMPLES];

	if (!s->n)
		return 0;
	memcpy(v, s->v, s->n * sizeof(v[0]));
	qsort(v, s->n, sizeof(v[0]), cmp_double);
	return s->n % 2 ? v[s->n / 2] : (v[s->n / 2 - 1] + v[s->n / 2]) / 2;
}

static double smin(const struct series *s)
{
	double m = s->n ? s->v[0] : 0;
	unsigned int i;

	for (i = 1; i < s->n; i++)
		m = s->v[i] < m ? s->v[i] : m;
	return m;
}

static double smax(const struct series *s)
{
	double m = s->n ? s->v[0] : 0;
	unsigned int i;

	for (i = 1; i < s->n; i++)
		m = s->v[i] > m ? s->v[i] : m;
	return m;
}

static const char *verdict(int met)
{
	if (!met)
		goals_missed++;
	return met ? "MET" : "MISSED";
}

/* ---- reading the routes' output ---- */

/*
 * Every route's lines are split by the selftests' lq_split(): the same cost
 * per byte of output, whichever tool printed it.
 */

/* Per-listener queue lengths, keyed by local port, as every route yields them. */
struct agg {
	int header_done;
	struct lq_proc_hdr hdr;		/* /proc/listenq's */
	int need;			/* its leading columns that hold what is summed */
	unsigned long rows, syn, acc, cap, synrecv_rows;
	uint32_t syn_port[NPORTS], acc_port[NPORTS];
};

static struct agg A;

static void agg_reset(struct agg *a)
{
	lq_proc_hdr_free(&a->hdr);
	memset(a, 0, sizeof(*a));
}

typedef void (*line_fn)(struct agg *a, char *line);


static unsigned int port_of(const char *addr, int base)
{
	const char *c = strrchr(addr, ':');

	return c ? strtoul(c + 1, NULL, base) & 0xffff : 0;
}

/*
 * /proc/listenq through the selftests' reader: columns by header name, as
 * the ABI asks, only those it sums parsed.
 */
static const enum lq_proc_fixed lq_summed[] = { LQ_F_LOCAL, LQ_F_SYN_Q, LQ_F_ACC_Q, LQ_F_SYN_CAP };

static void lq_line(struct agg *a, char *line)
{
	long long syn_q, acc_q, syn_cap;
	struct lq_proc_row r;

	if (!a->header_done) {
		if (lq_proc_hdr_parse(&a->hdr, line) || a->hdr.fixed[LQ_F_LOCAL] < 0 ||
		    a->hdr.fixed[LQ_F_SYN_Q] < 0 || a->hdr.fixed[LQ_F_ACC_Q] < 0 ||
		    a->hdr.fixed[LQ_F_SYN_CAP] < 0)
			die("/proc/listenq header lacks local, syn_q, acc_q or syn_cap");
		for (unsigned int i = 0; i < sizeof(lq_summed) / sizeof(lq_summed[0]); i++)
			if (a->hdr.fixed[lq_summed[i]] >= a->need)
				a->need = 1 + a->hdr.fixed[lq_summed[i]];
		a->header_done = 1;
		return;
	}
	/* the columns it needs, as a consumer of the table would (ss's routes do the same) */
	if (lq_proc_row_split(&a->hdr, line, &r, a->need) < a->need || r.port < 0)
		return;
	syn_q = lq_proc_fixed(&r, LQ_F_SYN_Q);
	acc_q = lq_proc_fixed(&r, LQ_F_ACC_Q);
	syn_cap = lq_proc_fixed(&r, LQ_F_SYN_CAP);
	if (syn_q < 0 || acc_q < 0 || syn_cap < 0)
		return;
	a->syn_port[r.port] += syn_q;
	a->acc_port[r.port] += acc_q;
	a->syn += syn_q;
	a->acc += acc_q;
	a->cap += syn_cap;
	a->rows++;
}

/* ss -ltn: "State Recv-Q Send-Q Local Peer", after a header line. */
static void ss_listen_line(struct agg *a, char *line)
{
	char *f[5];

	if (!a->header_done) {
		a->header_done = 1;
		return;
	}
	if (lq_split(line, f, 5) < 4)
		return;
	a->acc_port[port_of(f[3], 10)] += strtoul(f[1], NULL, 10);
	a->acc += strtoul(f[1], NULL, 10);
	a->rows++;
}

/* ss -Htn state syn-recv: one state, so no State column. */
static void ss_syn_line(struct agg *a, char *line)
{
	char *f[4];

	if (lq_split(line, f, 4) < 3)
		return;
	a->syn_port[port_of(f[2], 10)]++;
	a->syn++;
	a->synrecv_rows++;
}

/* ss -Htn state listening state syn-recv: two states, with State. */
static void ss_both_line(struct agg *a, char *line)
{
	char *f[5];

	if (lq_split(line, f, 5) < 4)
		return;
	if (!strcmp(f[0], "LISTEN")) {
		a->acc_port[port_of(f[3], 10)] += strtoul(f[1], NULL, 10);
		a->acc += strtoul(f[1], NULL, 10);
		a->rows++;
	} else if (!strcmp(f[0], "SYN-RECV")) {
		a->syn_port[port_of(f[3], 10)]++;
		a->syn++;
		a->synrecv_rows++;
	}
}

/* /proc/net/tcp{,6}: "sl local rem st tx_queue:rx_queue ...", hex. */
static void proc_tcp_line(struct agg *a, char *line)
{
	char *f[5], *rx;
	unsigned long st, acc;
	unsigned int port;

	if (lq_split(line, f, 5) < 5 || !strcmp(f[0], "sl"))
		return;
	st = strtoul(f[3], NULL, 16);
	port = port_of(f[1], 16);
	if (st == 0x0a) {
		rx = strchr(f[4], ':');
		acc = rx ? strtoul(rx + 1, NULL, 16) : 0;
		a->acc_port[port] += acc;
		a->acc += acc;
		a->rows++;
	} else if (st == 0x03) {
		a->syn_port[port]++;
		a->syn++;
		a->synrecv_rows++;
	}
}

#define BUFSZ (1 << 18)

/* Feed every line read from @fd to @fn; reads as big as the pipe or file gives. */
static void feed_fd(int fd, line_fn fn, struct agg *a)
{
	static char buf[BUFSZ + 1];
	size_t have = 0;
	char *p, *nl, *end;
	ssize_t n;

	for (;;) {
		n = read(fd, buf + have, BUFSZ - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die("read");
		if (n == 0)
			break;
		have += n;
		end = buf + have;
		for (p = buf; (nl = memchr(p, '\n', end - p)); p = nl + 1) {
			*nl = '\0';
			fn(a, p);
		}
		have = end - p;
		memmove(buf, p, have);
		if (have == BUFSZ)
			die("line longer than %d bytes", BUFSZ);
	}
	if (have) {
		buf[have] = '\0';
		fn(a, buf);
	}
}

static void feed_file(const char *path, line_fn fn, struct agg *a)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		die("open %s", path);
	feed_fd(fd, fn, a);
	close(fd);
}

/*
 * read(2) alone: the text of @path with nothing parsed but the count of
 * its lines, so what is timed is the kernel's work (and the syscalls).
 */
static void feed_raw(const char *path, struct agg *a)
{
	static char buf[BUFSZ];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	unsigned long lines = 0;
	ssize_t n;
	char *p;

	if (fd < 0)
		die("open %s", path);
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die("read %s", path);
		for (p = buf; (p = memchr(p, '\n', buf + n - p)); p++)
			lines++;
	}
	close(fd);
	a->rows = lines ? lines - 1 : 0;	/* the header */
}

/* Run @argv with stdout into a pipe that @fn parses; fails on a non-zero exit. */
static void feed_cmd(char *const argv[], line_fn fn, struct agg *a)
{
	int p[2], status;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC))
		die("pipe");
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		dup2(p[1], 1);
		execv(argv[0], argv);
		_exit(127);
	}
	close(p[1]);
	feed_fd(p[0], fn, a);
	close(p[0]);
	if (waitpid(pid, &status, 0) < 0)
		die("waitpid");
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		die("%s %s exited with status 0x%x", argv[0], argv[1], status);
}

enum route {
	R_LQ_CAT,	/* cat /proc/listenq */
	R_LQ_READ,	/* read(2) /proc/listenq in-process */
	R_SS_TWO,	/* ss -ltn; ss -Htn state syn-recv */
	R_SS_ONE,	/* ss -Htn state listening state syn-recv */
	R_PROC_TCP,	/* /proc/net/tcp + /proc/net/tcp6 */
	R_SS_LTN,	/* ss -ltn alone: accept queues only */
	R_LQ_RAW,	/* read(2) /proc/listenq, nothing parsed */
	NR_ROUTES
};

static const char *const route_name[NR_ROUTES] = {
	[R_LQ_CAT] = "cat /proc/listenq",
	[R_LQ_READ] = "read /proc/listenq in-process",
	[R_SS_TWO] = "ss -ltn + ss -Htn state syn-recv",
	[R_SS_ONE] = "ss -Htn state listening state syn-recv",
	[R_PROC_TCP] = "read /proc/net/tcp + tcp6",
	[R_SS_LTN] = "ss -ltn (accept queues only)",
	[R_LQ_RAW] = "read(2) /proc/listenq, not parsed",
};

static const char *const route_key[NR_ROUTES] = {
	"lq_cat", "lq_read", "ss_two", "ss_one", "proc_tcp", "ss_ltn", "lq_raw",
};

/* Obtain every listener's SYN and accept queue lengths by route @r; in ms. */
static double route_run(enum route r, struct agg *a)
{
	char *cat[] = { "/bin/cat", "/proc/listenq", NULL };
	char *ss_l[] = { (char *)o.ss, "-ltn", NULL };
	char *ss_s[] = { (char *)o.ss, "-Htn", "state", "syn-recv", NULL };
	char *ss_b[] = { (char *)o.ss, "-Htn", "state", "listening", "state", "syn-recv", NULL };
	uint64_t t0;

	agg_reset(a);
	t0 = now_ns();
	switch (r) {
	case R_LQ_CAT:
		feed_cmd(cat, lq_line, a);
		break;
	case R_LQ_READ:
		feed_file("/proc/listenq", lq_line, a);
		break;
	case R_SS_TWO:
		feed_cmd(ss_l, ss_listen_line, a);
		feed_cmd(ss_s, ss_syn_line, a);
		break;
	case R_SS_ONE:
		feed_cmd(ss_b, ss_both_line, a);
		break;
	case R_PROC_TCP:
		feed_file("/proc/net/tcp", proc_tcp_line, a);
		feed_file("/proc/net/tcp6", proc_tcp_line, a);
		break;
	case R_SS_LTN:
		feed_cmd(ss_l, ss_listen_line, a);
		break;
	case R_LQ_RAW:
		feed_raw("/proc/listenq", a);
		break;
	default:
		break;
	}
	return (now_ns() - t0) / 1e6;
}

/* ---- namespaces and the processes that hold listeners ---- */

struct nsconf {
	int syncookies, synack_retries, max_syn_backlog, somaxconn;
};

/* A fresh namespace for this process: lo up, 198.18.0.0/15 to lo, sysctls. */
static int ns_create(const struct nsconf *c)
{
	int err, fd;

	err = lq_netns_enter();
	if (!err)
		err = lq_route_add(AF_INET, "198.18.0.0", 15, "lo");
	if (err) {
		errno = -err;
		die("a namespace with lo up and 198.18.0.0/15 on lo");
	}
	must_write("/proc/sys/net/ipv4/tcp_syncookies", "%d", c->syncookies);
	must_write("/proc/sys/net/ipv4/tcp_synack_retries", "%d", c->synack_retries);
	must_write("/proc/sys/net/ipv4/tcp_max_syn_backlog", "%d", c->max_syn_backlog);
	must_write("/proc/sys/net/core/somaxconn", "%d", c->somaxconn);
	fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die("open /proc/self/ns/net");
	return fd;
}

static void ns_enter(int fd)
{
	if (setns(fd, CLONE_NEWNET))
		die("setns");
}

struct holder {
	pid_t pid;
	int cmd, ack, nsfd;
	unsigned int n;
	unsigned long queued;		/* half-open requests sent to it and queued */
};

static int holder_listen(unsigned int port, int backlog)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(port),
	};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;

	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) || listen(fd, backlog))
		die("listener on port %u", port);
	return fd;
}

/* Listener i on port port0 + i * stride; told how many to have, answers with that. */
static void holder_main(int cmd, int ack, unsigned int port0, unsigned int stride, int backlog)
{
	struct rlimit rl = { 1 << 18, 1 << 18 };
	uint32_t target, n = 0;
	int *fds;

	if (setrlimit(RLIMIT_NOFILE, &rl))
		die("RLIMIT_NOFILE");
	fds = calloc(NPORTS, sizeof(*fds));
	while (read(cmd, &target, sizeof(target)) == sizeof(target) && target != UINT32_MAX) {
		if (target && port0 + (unsigned long)(target - 1) * stride >= NPORTS)
			die("listener holder: %u listeners from port %u, %u apart", target, port0,
			    stride);
		for (; n < target; n++)
			fds[n] = holder_listen(port0 + n * stride, backlog);
		for (; n > target; n--)
			close(fds[n - 1]);
		if (write(ack, &n, sizeof(n)) != sizeof(n))
			break;
	}
	_exit(0);
}

/* A namespace with a process holding listeners on ports port0, port0 + stride, ... */
static void holder_start_stride(struct holder *h, const struct nsconf *c, unsigned int port0,
				unsigned int stride, int backlog)
{
	int cmd[2], ack[2];

	h->nsfd = ns_create(c);
	if (pipe2(cmd, O_CLOEXEC) || pipe2(ack, O_CLOEXEC))
		die("pipe");
	h->pid = fork();
	if (h->pid < 0)
		die("fork");
	if (h->pid == 0) {
		/* Not the pipes of other holders: fds 3 and 4 are ours, no others. */
		if (dup2(cmd[0], 3) < 0 || dup2(ack[1], 4) < 0 || close_range(5, ~0u, 0))
			die("holder fds");
		holder_main(3, 4, port0, stride, backlog);
	}
	close(cmd[0]);
	close(ack[1]);
	h->cmd = cmd[1];
	h->ack = ack[0];
	h->n = 0;
}

/* The same on ports port0, port0 + 1, ... */
static void holder_start(struct holder *h, const struct nsconf *c, unsigned int port0, int backlog)
{
	holder_start_stride(h, c, port0, 1, backlog);
}

static void holder_resize(struct holder *h, unsigned int n)
{
	uint32_t target = n, got;

	if (write(h->cmd, &target, sizeof(target)) != sizeof(target) ||
	    read(h->ack, &got, sizeof(got)) != sizeof(got) || got != n)
		die("listener holder could not reach %u listeners", n);
	h->n = n;
}

/* Close its listeners, wait for it to exit, and forget the namespace. */
static void holder_stop(struct holder *h)
{
	uint32_t quit = UINT32_MAX;

	if (write(h->cmd, &quit, sizeof(quit)) != sizeof(quit))
		die("listener holder gone");
	close(h->cmd);
	close(h->ack);
	waitpid(h->pid, NULL, 0);
	close(h->nsfd);
}

/* ---- SYNs, counters, the module ---- */

static uint64_t syngen_exit;		/* now_ns() when the last syngen had exited */

/* syngen to ports [lo, hi] from fresh sources; returns ns taken, sets *sent. */
static uint64_t syngen(unsigned int lo, unsigned int hi, unsigned long long count,
		       double seconds, unsigned long long *sent)
{
	char ports[32], n[32], t[32], k[32], line[256];
	char *argv[] = { (char *)o.syngen, "-p", ports, "-n", n, "-t", t, "-k", k, NULL };
	unsigned long long s = 0, ns = 0;
	int p[2], status;
	FILE *f;
	pid_t pid;

	snprintf(ports, sizeof(ports), "%u-%u", lo, hi);
	snprintf(n, sizeof(n), "%llu", count);
	snprintf(t, sizeof(t), "%.1f", seconds);
	snprintf(k, sizeof(k), "%llu", next_k);
	if (pipe2(p, O_CLOEXEC))
		die("pipe");
	pid = fork();
	if (pid == 0) {
		dup2(p[1], 1);
		execv(argv[0], argv);
		_exit(127);
	}
	close(p[1]);
	f = fdopen(p[0], "r");
	while (fgets(line, sizeof(line), f))
		sscanf(line, "syngen: sent=%llu ns=%llu", &s, &ns);
	fclose(f);
	waitpid(pid, &status, 0);
	syngen_exit = now_ns();
	if (!WIFEXITED(status) || WEXITSTATUS(status) || !ns)
		die("syngen failed (status 0x%x)", status);
	next_k += s;
	*sent = s;
	return ns;
}

/* A TcpExt counter of the current namespace. */
static long long tcpext(const char *name)
{
	unsigned long long val;
	int err = lq_mib_read(name, &val);

	if (err) {
		errno = -err;
		die("TcpExt %s in /proc/net/netstat", name);
	}
	return val;
}

static const char *loaded_ko;

/*
 * Wait until the kernel has taken in everything syngen sent: a SYN is
 * processed in the sender's softirq, except once ksoftirqd has been woken
 * (by timer work, say): then 6.1 leaves NET_RX to ksoftirqd, and with one
 * vCPU the sender runs ahead of it. Polls @count until it stops moving;
 * returns when it last moved (syngen's exit if it had stopped by then).
 */
static uint64_t drain(long long (*count)(void), long long *last)
{
	struct timespec ts = { 0, 5000000 };
	uint64_t moved = syngen_exit;
	long long v = count();

	for (;;) {
		nanosleep(&ts, NULL);
		*last = count();
		if (*last == v)
			return moved;
		moved = now_ns();
		v = *last;
	}
}

static const char *drain_counter;

static long long drain_tcpext(void)
{
	return tcpext(drain_counter);
}

static long long drain_synq(void);

static void module_load_ko(const char *ko, const char *args)
{
	char *argv[4] = { "/sbin/insmod", (char *)ko, (char *)args, NULL };

	if (!args || !*args)
		argv[2] = NULL;
	if (run_wait(argv))
		die("insmod %s %s", ko, args ? args : "");
	loaded_ko = ko;
}

static void module_load(const char *args)
{
	module_load_ko(o.ko, args);
}

static void module_unload(void)
{
	char *argv[] = { "/sbin/rmmod", "listenq", NULL };

	if (run_wait(argv))
		die("rmmod listenq");
}

static int probes_on = -1;

static void set_probes(int on)
{
	if (on == probes_on)
		return;
	must_param("probes", "%d", on);
	probes_on = on;
}

static void set_drop_log(unsigned int n)
{
	must_param("drop_log", "%u", n);
}

/* Have module @ko loaded, with probes off, unless it already is. */
static void module_use(const char *ko)
{
	if (loaded_ko == ko)
		return;
	module_unload();
	module_load_ko(ko, NULL);
	probes_on = 0;
}

/*
 * Let the work that creating sockets and requests leaves behind (RCU
 * callbacks, timers, the other vCPU) drain before a series is timed.
 */
static void settle(void)
{
	sleep(2);
}

/* Share of the guest's CPUs busy over @ms milliseconds, from /proc/stat. */
static double cpu_busy(unsigned int ms)
{
	unsigned long long v[2][10];
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	int i, j;

	for (i = 0; i < 2; i++) {
		FILE *f = fopen("/proc/stat", "re");

		memset(v[i], 0, sizeof(v[i]));
		if (!f || fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[i][0],
				 &v[i][1], &v[i][2], &v[i][3], &v[i][4], &v[i][5], &v[i][6],
				 &v[i][7]) != 8)
			die("/proc/stat");
		fclose(f);
		if (!i)
			nanosleep(&ts, NULL);
	}
	{
		unsigned long long tot = 0, idle = (v[1][3] - v[0][3]) + (v[1][4] - v[0][4]);

		for (j = 0; j < 8; j++)
			tot += v[1][j] - v[0][j];
		return tot ? 100.0 * (tot - idle) / tot : 0;
	}
}

/* Packets dropped at this machine's per-CPU input backlogs, all CPUs. */
static unsigned long long softnet_drops(void)
{
	unsigned long long sum = 0;
	unsigned int processed, dropped;
	char line[512];
	FILE *f = fopen("/proc/net/softnet_stat", "re");

	if (!f)
		die("/proc/net/softnet_stat");
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%x %x", &processed, &dropped) == 2)
			sum += dropped;
	fclose(f);
	return sum;
}

/* ---- m: memory ---- */

struct memsnap {
	long long memfree_kb, sunreclaim_kb, vmalloc_kb;
	long long lq_vmalloc_bytes;	/* pages of [listenq] areas in vmallocinfo */
};

static void mem_snap(struct memsnap *m, int show)
{
	char line[512];
	FILE *f;

	memset(m, 0, sizeof(*m));
	f = fopen("/proc/meminfo", "re");
	if (!f)
		die("/proc/meminfo");
	while (fgets(line, sizeof(line), f)) {
		sscanf(line, "MemFree: %lld", &m->memfree_kb);
		sscanf(line, "SUnreclaim: %lld", &m->sunreclaim_kb);
		sscanf(line, "VmallocUsed: %lld", &m->vmalloc_kb);
	}
	fclose(f);
	f = fopen("/proc/vmallocinfo", "re");
	if (!f)
		die("/proc/vmallocinfo");
	while (fgets(line, sizeof(line), f)) {
		char *p = strstr(line, "pages=");

		if (strstr(line, "[listenq]") && p && strstr(line, "vmalloc") &&
		    !strstr(line, "load_module")) {
			m->lq_vmalloc_bytes += strtoll(p + 6, NULL, 10) * 4096;
			if (show)
				raw("vmallocinfo %.*s", (int)strcspn(line, "\n"), line);
		}
	}
	fclose(f);
}

/*
 * The table layout of module/records.c on x86_64 (see the README), counted
 * by hand. struct lq_record is hlist_node 16 + rcu_head 16 + the key 8 +
 * 49 counters (enum lq_counter: 6 drop reasons, synack_retrans, two fill
 * histograms of 6 and their sums, the wait histogram's 26 buckets, its sum,
 * wait_missed) 392 + two peaks 8 + backlog 4, padded to 8 = 448; records
 * are made nine at a time in a 4096-byte chunk from kmalloc (module/pool.c,
 * lq_pool_grow()). Records made (lq_records_bytes() counts t->made / 9
 * chunks) are what the pool keeps: the N listeners' own and 64 more
 * (LQ_SPARE), up to max_listeners (t->size), rounded up to a whole chunk,
 * on PREEMPT_RT too (module/late.c). The index
 * (struct lq_index, 16 + 8 per bucket) has a power of two buckets, at least
 * as many as records and at least 16 (lq_index_bits() of t->made, fitted at
 * the end of lq_records_seed()); its wait slots (struct lq_slots, 24 + 24
 * per struct lq_wait_slot) are half as many as buckets and at least 16,384.
 * Both come from kvzalloc(): kmalloc rounds them up to a power of two,
 * which the module's own count leaves out.
 */
#define LQ_RECORD_SIZE	448	/* struct lq_record */
#define LQ_CHUNK	4096	/* a chunk of records */
#define LQ_CHUNK_RECORDS 9	/* (4096 - 48, its header) / 448 */
#define LQ_SPARE	64	/* records pooled for listen() */
#define LQ_INDEX_HDR	16	/* struct lq_index without its buckets */
#define LQ_HASH_HEAD	8	/* struct hlist_head */
#define LQ_SLOTS_HDR	24	/* struct lq_slots without its slots */
#define LQ_WAIT_SLOT	24	/* struct lq_wait_slot */
#define LQ_MIN_SLOTS	16384

/*
 * Records when probes go on with @n listeners followed (n <= @max) at
 * max_listeners @max: theirs and the pool.
 */
static unsigned long layout_records(unsigned long n, unsigned long max)
{
	unsigned long want = n + LQ_SPARE > max ? max : n + LQ_SPARE;

	return (want + LQ_CHUNK_RECORDS - 1) / LQ_CHUNK_RECORDS * LQ_CHUNK_RECORDS;
}

/* What the module's table holds for @n listeners at max_listeners @max, by the layout. */
static double layout_bytes(unsigned long n, unsigned long max)
{
	unsigned long long heads = 16, slots;
	unsigned long recs = layout_records(n, max);

	while (heads < recs)
		heads <<= 1;
	slots = heads / 2 > LQ_MIN_SLOTS ? heads / 2 : LQ_MIN_SLOTS;
	return LQ_INDEX_HDR + heads * LQ_HASH_HEAD + LQ_SLOTS_HDR + slots * LQ_WAIT_SLOT +
	       (double)recs / LQ_CHUNK_RECORDS * LQ_CHUNK;
}

static void kmsg_mark(void);
static int kmsg_find(const char *what, char *out, size_t size);

/* One row of section 4: a max_listeners and a number of listeners. */
struct memrow {
	struct series held, vm;
	/* "probes on, following N listeners in K KiB (R records of B bytes), up to M" */
	unsigned long n, kib, recs, each, max;
	int line;
};

#define MEM_TOGGLES	3

/* The module's line since kmsg_mark() into @m, and the whole line into @line: 1 if found. */
static int mem_module_line(struct memrow *m, char *line, size_t size)
{
	const char *p;

	if (!kmsg_find("probes on, following", line, size))
		return 0;
	p = strstr(line, "probes on, following");
	m->line = sscanf(p, "probes on, following %lu listeners in %lu KiB (%lu records of %lu bytes), up to %lu",
			 &m->n, &m->kib, &m->recs, &m->each, &m->max) == 5;
	return m->line;
}

/*
 * Switch probes on and off MEM_TOGGLES times with the listeners open: each
 * time a fresh table, which gives every listener its record at once.
 */
static void mem_measure(struct memrow *m, unsigned int ml, unsigned int nl)
{
	struct memsnap a, b;
	unsigned int r;

	for (r = 0; r < MEM_TOGGLES; r++) {
		char line[256];

		sleep(1);
		mem_snap(&a, 0);
		kmsg_mark();
		set_probes(1);
		sleep(1);	/* for the work item that fills the pool */
		mem_snap(&b, !r);
		if (!r && mem_module_line(m, line, sizeof(line)))
			raw("mem max_listeners=%u listeners=%u module: %s", ml, nl, line);
		else if (!r)
			raw("mem max_listeners=%u listeners=%u module: no \"following\" line",
			    ml, nl);
		set_probes(0);
		add(&m->vm, b.lq_vmalloc_bytes - a.lq_vmalloc_bytes);
		add(&m->held, b.lq_vmalloc_bytes - a.lq_vmalloc_bytes +
			      (b.sunreclaim_kb - a.sunreclaim_kb) * 1024.0);
		raw("mem max_listeners=%u listeners=%u vmalloc_bytes=%lld sunreclaim_kb=%lld memfree_kb=%lld",
		    ml, nl, b.lq_vmalloc_bytes - a.lq_vmalloc_bytes,
		    b.sunreclaim_kb - a.sunreclaim_kb, a.memfree_kb - b.memfree_kb);
	}
}

/* Bytes held per listener from row @lo to row @hi, by measure and by layout. */
static double mem_slope(const struct memrow *row, unsigned int lo, unsigned int hi,
			unsigned int ml, double *layout)
{
	unsigned int n = o.mem_n[hi] - o.mem_n[lo];

	*layout = (layout_bytes(o.mem_n[hi], ml) - layout_bytes(o.mem_n[lo], ml)) / n;
	return (median(&row[hi].held) - median(&row[lo].held)) / n;
}

static void phase_memory(void)
{
	/* no SYN-ACK retransmits: nothing runs in the background */
	struct nsconf c = { 1, 0, 4096, 4096 };
	struct memrow row[2][3];
	double slope[2], lslope = 0;
	unsigned int i, j, same = 1, cheaper = 1;
	struct holder h;

	table = sec[S_4];
	info("memory: probes=1 with %u, %u, %u listeners at max_listeners %u, %u", o.mem_n[0],
	     o.mem_n[1], o.mem_n[2], o.ml[0], o.ml[1]);
	memset(row, 0, sizeof(row));
	holder_start(&h, &c, 10000, 128);
	for (i = 0; i < 2; i++) {
		char arg[64];

		snprintf(arg, sizeof(arg), "max_listeners=%u", o.ml[i]);
		module_unload();
		module_load(arg);
		probes_on = 0;
		for (j = 0; j < 3; j++) {
			holder_resize(&h, o.mem_n[j]);
			settle();
			mem_measure(&row[i][j], o.ml[i], o.mem_n[j]);
		}
		holder_resize(&h, 0);
	}
	holder_stop(&h);
	module_unload();
	module_load(NULL);
	probes_on = 0;

	T("\n4. Memory held with probes=1, by listeners and max_listeners (probes switched on\n");
	T("   with the bench's listeners open, a fresh table each time; median of %u toggles)\n",
	  MEM_TOGGLES);
	T("   %-13s %9s | %9s %8s %10s %10s | %9s %8s %13s\n", "max_listeners", "listeners",
	  "following", "records", "module KiB", "layout KiB", "held KiB", "vmalloc",
	  "B per further");
	for (i = 0; i < 2; i++) {
		for (j = 0; j < 3; j++) {
			const struct memrow *m = &row[i][j];
			double held = median(&m->held), lay;

			T("   %-13u %9u | %9lu %8lu %10lu %10lu | %9.0f %7.0f%% ",
			  o.ml[i], o.mem_n[j], m->n, m->recs, m->kib,
			  (unsigned long)layout_bytes(m->n, o.ml[i]) >> 10,
			  held / 1024, held > 0 ? 100 * median(&m->vm) / held : 0);
			if (j)
				T("%13.1f\n", mem_slope(row[i], j - 1, j, o.ml[i], &lay));
			else
				T("%13s\n", "-");
			/* The module counts what the layout says, for the listeners it follows. */
			same &= m->line && m->each == LQ_RECORD_SIZE && m->max == o.ml[i] &&
				m->recs == layout_records(m->n, o.ml[i]) &&
				m->kib == (unsigned long)layout_bytes(m->n, o.ml[i]) >> 10;
			/* No dearer for the higher cap: the same count, held within the noise. */
			if (i)
				cheaper &= m->line && row[0][j].line && m->kib <= row[0][j].kib &&
					   held <= median(&row[0][j].held) * 1.05 + 65536;
		}
		slope[i] = mem_slope(row[i], 1, 2, o.ml[i], &lslope);
	}
	T("   following, records, module KiB: the module's \"probes on, following N listeners in\n"
	  "   K KiB (R records of B bytes), up to M\" line (N: every listener in the guest);\n"
	  "   layout KiB: by hand from N (%d B records, %d in %d B chunks, theirs and a pool\n"
	  "   of %d, at most max_listeners, in whole chunks; an index of %d B buckets, a\n"
	  "   power of two >= records; %d B wait slots, half as many, >= %d)\n",
	  LQ_RECORD_SIZE, LQ_CHUNK_RECORDS, LQ_CHUNK, LQ_SPARE, LQ_HASH_HEAD, LQ_WAIT_SLOT,
	  LQ_MIN_SLOTS);
	T("   held: vmalloc pages of [listenq] (/proc/vmallocinfo, incl. the page array) + the\n"
	  "   SUnreclaim change (the records' slab, kmalloc); kmalloc rounds the index and the\n"
	  "   wait slots up to a power of two; B per further: held, from the row above.\n"
	  "   The module's count is the layout's: %s\n",
	  same ? "the same" : "DIFFERENT");
	for (i = 0; i < 2; i++)
		T("   max_listeners %u: %.0f KiB held with %u listeners (goal <= 1024 KiB: %s);\n"
		  "      %.1f B per further listener from %u to %u, layout %.1f (goal <= 512 B: %s)\n",
		  o.ml[i], median(&row[i][0].held) / 1024, o.mem_n[0],
		  verdict(row[i][0].held.n && median(&row[i][0].held) <= 1024 * 1024),
		  slope[i], o.mem_n[1], o.mem_n[2], lslope,
		  verdict(slope[i] > 0 && slope[i] <= 512));
	T("   max_listeners %u costs no more than %u (the module's count no higher, held within\n"
	  "   5%% + 64 KiB, at each number of listeners): %s\n", o.ml[1], o.ml[0], verdict(cheaper));
}

/* ---- t: SYN throughput at the caps ---- */

struct kmsg_count {
	unsigned long lines, summaries, suppressed, max_in_1s;
	double first_s, last_s;
};

static int kmsg_fd = -1;

static void kmsg_mark(void)
{
	if (kmsg_fd < 0)
		kmsg_fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (kmsg_fd < 0)
		die("open /dev/kmsg");
	lseek(kmsg_fd, 0, SEEK_END);
}

/* The drop log lines since kmsg_mark(), with the most in any 1 s window. */
/* Most timestamps (us) of @ts[0..n) in any window of 1 s. */
static unsigned long max_in_1s(const unsigned long long *ts, unsigned long n)
{
	unsigned long i, j = 0, max = 0;

	for (i = 0; i < n; i++) {
		while (ts[i] - ts[j] >= 1000000)
			j++;
		if (i - j + 1 > max)
			max = i - j + 1;
	}
	return max;
}

/*
 * The drop log since kmsg_mark(): event lines, the most in any 1 s window,
 * and the "(+N suppressed)" counts some of them carry.
 */
static void kmsg_collect(struct kmsg_count *k)
{
	static unsigned long long ev[1 << 16];
	unsigned long n = 0;
	char rec[2048];
	ssize_t len;

	memset(k, 0, sizeof(*k));
	for (;;) {
		unsigned long long t;
		unsigned long s;
		char *msg;

		len = read(kmsg_fd, rec, sizeof(rec) - 1);
		if (len < 0 && errno == EPIPE)
			continue;	/* overwritten records: go on */
		if (len <= 0)
			break;
		rec[len] = '\0';
		msg = strchr(rec, ';');
		if (!msg || sscanf(rec, "%*u,%*u,%llu", &t) != 1)
			continue;
		msg++;
		if (!strncmp(msg, "listenq: ns ", 12)) {
			char *more = strstr(msg, " (+");

			if (n < sizeof(ev) / sizeof(ev[0]))
				ev[n++] = t;
			if (more && sscanf(more, " (+%lu suppressed)", &s) == 1) {
				k->suppressed += s;
				k->summaries++;
			}
		}
	}
	k->lines = n;
	k->max_in_1s = max_in_1s(ev, n);
	if (k->max_in_1s > o.drop_log) {
		unsigned long i;

		for (i = 0; i < n; i++)
			raw("droplog line %lu at %.6f s", i, ev[i] / 1e6);
	}
}

/* The last kernel message since kmsg_mark() that contains @what, into @out; 1 if any. */
static int kmsg_find(const char *what, char *out, size_t size)
{
	char rec[2048];
	ssize_t len;
	int found = 0;

	for (;;) {
		char *msg;

		len = read(kmsg_fd, rec, sizeof(rec) - 1);
		if (len < 0 && errno == EPIPE)
			continue;
		if (len <= 0)
			break;
		rec[len] = '\0';
		msg = strchr(rec, ';');
		if (!msg || !strstr(msg, what))
			continue;
		snprintf(out, size, "%.*s", (int)strcspn(msg + 1, "\n"), msg + 1);
		found = 1;
	}
	return found;
}

enum { M_OFF, M_ON, M_LOG, NR_BASE_MODES, MAX_TMODES = NR_BASE_MODES + 4 };

struct tmode {
	char name[64];
	const char *ko;
	int probes, log;
};

static void phase_tput_one(int cookies)
{
	const char *counter = cookies ? "TCPReqQFullDoCookies" : "TCPReqQFullDrop";
	const unsigned int port0 = 20000, np = o.tput_listeners;
	struct nsconf c = { cookies, 10, 65536, 65535 };
	struct series rate[MAX_TMODES], ratio[MAX_TMODES], vs_alt[MAX_TMODES];
	unsigned long log_lines = 0, log_sum = 0, log_supp = 0, log_max1s = 0;
	unsigned long log_events = 0, log_over = 0;
	struct tmode modes[MAX_TMODES];
	unsigned int r, i, nm = NR_BASE_MODES;
	double log_secs = 0, base = 0;
	unsigned long long sent;
	long long queued;
	struct holder h;
	uint64_t ns;

	memset(rate, 0, sizeof(rate));
	memset(ratio, 0, sizeof(ratio));
	memset(vs_alt, 0, sizeof(vs_alt));
	memset(modes, 0, sizeof(modes));
	snprintf(modes[M_OFF].name, sizeof(modes[0].name), "probes=0");
	snprintf(modes[M_ON].name, sizeof(modes[0].name), "probes=1");
	snprintf(modes[M_LOG].name, sizeof(modes[0].name), "probes=1 drop_log=%u", o.drop_log);
	for (i = 0; i < NR_BASE_MODES; i++) {
		modes[i].ko = o.ko;
		modes[i].probes = i != M_OFF;
		modes[i].log = i == M_LOG;
	}
	for (i = 0; i < o.nalt; i++, nm++) {
		snprintf(modes[nm].name, sizeof(modes[0].name), "%s probes=1", o.alt_name[i]);
		modes[nm].ko = o.alt_ko[i];
		modes[nm].probes = 1;
	}

	memset(&h, 0, sizeof(h));
	holder_start(&h, &c, port0, o.tput_backlog);
	holder_resize(&h, np);
	/* Fill every SYN queue to its cap; the requests live ~10 min. */
	syngen(port0, port0 + np - 1, (unsigned long long)np * (o.tput_backlog + 16), 120, &sent);
	drain(drain_synq, &queued);
	route_run(R_LQ_READ, &A);
	if (A.rows != np || A.syn != A.cap)
		die("SYN queues not at their caps: %lu listeners, syn_q %lu, syn_cap %lu",
		    A.rows, A.syn, A.cap);
	info("throughput, syncookies=%d: %u listeners at cap (syn_q %lu = syn_cap); %u rounds of %u SYNs",
	     cookies, np, A.syn, o.rounds, o.tput_count);
	settle();
	/* One warm-up run per mode, not counted. */
	for (i = 0; i < nm; i++) {
		module_use(modes[i].ko);
		set_probes(modes[i].probes);
		set_drop_log(modes[i].log ? o.drop_log : 0);
		syngen(port0, port0 + np - 1, o.tput_count / 4, 60, &sent);
		drain_counter = counter;
		drain(drain_tcpext, &queued);
	}
	for (r = 0; r < o.rounds; r++) {
		double v[MAX_TMODES];

		for (i = 0; i < nm; i++) {
			unsigned int m = (r + i) % nm;	/* rotate the order */
			long long before, after;
			struct kmsg_count k;
			uint64_t lag;

			module_use(modes[m].ko);
			set_probes(modes[m].probes);
			set_drop_log(modes[m].log ? o.drop_log : 0);
			if (modes[m].log)
				kmsg_mark();
			before = tcpext(counter);
			ns = syngen(port0, port0 + np - 1, o.tput_count, 120, &sent);
			/* Until the kernel has processed them all. */
			drain_counter = counter;
			lag = drain(drain_tcpext, &after) - syngen_exit;
			ns += lag;
			/*
			 * Full queues are pruned (reqsk_timer_handler): their
			 * requests expire together after 7 s, and the next SYNs,
			 * one queue's worth per listener, are queued instead.
			 * Nearly all must take the path measured.
			 */
			if ((after - before) < 0.95 * sent)
				die("%s moved by %lld for %llu SYNs", counter, after - before, sent);
			v[m] = sent * 1e9 / ns;
			add(&rate[m], v[m]);
			raw("tput cookies=%d round=%u mode=%s sent=%llu ns=%llu drained_after_ns=%llu rate=%.0f %s=%lld",
			    cookies, r, modes[m].name, sent, (unsigned long long)ns,
			    (unsigned long long)lag, v[m], counter, after - before);
			if (modes[m].log) {
				kmsg_collect(&k);
				log_lines += k.lines;
				log_sum += k.summaries;
				log_supp += k.suppressed;
				log_events += sent;
				log_secs += ns / 1e9;
				if (k.max_in_1s > log_max1s)
					log_max1s = k.max_in_1s;
				/*
				 * The limit holds per ratelimit window: jiffies, from
				 * the first line after the last window ended. So at
				 * most limit x (windows that fit in the run + 1).
				 */
				if (k.lines > o.drop_log * ((unsigned long)(ns / 1e9) + 2))
					log_over++;
				raw("droplog cookies=%d round=%u limit=%u secs=%.2f events=%llu lines=%lu summaries=%lu suppressed=%lu max_in_1s=%lu",
				    cookies, r, o.drop_log, ns / 1e9, sent, k.lines, k.summaries,
				    k.suppressed, k.max_in_1s);
			}
		}
		for (i = 0; i < nm; i++) {
			add(&ratio[i], v[i] / v[M_OFF]);
			add(&vs_alt[i], v[M_ON] / v[i]);
		}
	}
	module_use(o.ko);
	set_probes(0);
	set_drop_log(0);

	T("\n   syncookies=%d: each SYN %s (%s)\n", cookies,
	  cookies ? "is answered with a syncookie" : "is dropped", counter);
	T("   %-26s %12s %12s %12s %14s\n", "mode", "SYN/s median", "min", "max",
	  "vs probes=0");
	for (i = 0; i < nm; i++)
		T("   %-26s %12.0f %12.0f %12.0f %+13.1f%%\n", modes[i].name, median(&rate[i]),
		  smin(&rate[i]), smax(&rate[i]), (median(&ratio[i]) - 1) * 100);
	base = median(&ratio[M_ON]);
	T("   probes=1 cost: %.1f%% of SYN throughput (median of %u per-round ratios; goal <= 3%%: %s)\n",
	  (1 - base) * 100, o.rounds, verdict(1 - base <= 0.03));
	T("   with every probe feature on, goal <= 1%%: %s\n", verdict(1 - base <= 0.01));
	for (i = NR_BASE_MODES; i < nm; i++)
		T("   what the module's changes since %s add (probes=1 vs %s):\n"
		  "   %.1f%% of SYN throughput (median of %u per-round ratios; %s alone costs %.1f%%)\n",
		  o.alt_name[i - NR_BASE_MODES], modes[i].name, (1 - median(&vs_alt[i])) * 100,
		  o.rounds, modes[i].name, (1 - median(&ratio[i])) * 100);
	T("   drop_log=%u under this flood: %lu event lines in %.1f s of %u runs (%lu events); at most\n",
	  o.drop_log, log_lines, log_secs, o.rounds, log_events);
	T("   %lu event lines in any 1 s; %lu lines carried a \"(+N suppressed)\" count, which\n",
	  log_max1s, log_sum);
	T("   accounted for %lu; runs over %u lines per started second + 1: %lu;\n",
	  log_supp, o.drop_log, log_over);
	T("   within the rate limit: %s\n", verdict(!log_over));
	holder_stop(&h);
}

static void phase_tput(void)
{
	table = sec[S_3];
	T("\n3. SYN throughput into %u listeners at their caps (backlog %u), one sender; %u rounds\n",
	  o.tput_listeners, o.tput_backlog, o.rounds);
	T("   of %u SYNs per mode, the order of the modes rotated each round\n", o.tput_count);
	phase_tput_one(0);
	phase_tput_one(1);
}

/* ---- x: probes=1 per SYN with 100,000 other listeners, by max_listeners ---- */

/*
 * The others: ports 10000 .. 10000 + WIDE_PER_NS - 1 in namespaces of their
 * own (a port range holds no more), one holder process each.
 */
#define WIDE_PER_NS	50000
#define WIDE_MAX_NS	4
/*
 * At max_listeners 16384 the table is full once probes go on, and which
 * listeners got a record depends on their hash buckets. The listener
 * measured is one of WIDE_CAND candidates in its namespace, on ports
 * WIDE_PORT0 + i * WIDE_STRIDE (spread over the port range, so over the
 * listening hash), each with one request queued: the first in the walk's
 * order that has a record at 16384 (its syn_q_peak starts at its queue's
 * length, 1; without a record it shows 0), which, with the same sockets,
 * it has again at every load (wide_pick()).
 */
#define WIDE_CAND	64
#define WIDE_PORT0	1024
#define WIDE_STRIDE	1009
/*
 * Margin of the verdict on instructions per SYN: on the instruction clock
 * the rounds of one mode of section 3 (100,000 SYNs on the same path)
 * spread over at most 0.15% (7.3.4 cloud), those of this row over 0.06%;
 * twice the larger. Each mode's spread is printed beside it, and the
 * verdict says so when one is over the margin.
 */
#define WIDE_MARGIN	0.003

enum { W_OFF, W_LO, W_HI, NR_WMODES };

struct wide_row {
	long long drop_synq, syn_q, syn_cap, syn_q_peak;
};

/* The columns of the listener on @port in this namespace's /proc/listenq. */
static void wide_row(unsigned int port, struct wide_row *w)
{
	const struct lq_proc_row *row;
	struct lq_proc t;
	int err = lq_proc_read(&t, LQ_PROC_PATH);

	if (err) {
		errno = -err;
		die("%s", LQ_PROC_PATH);
	}
	row = lq_proc_find_port(&t, AF_INET, port);
	if (!row)
		die("%s: no row of port %u", LQ_PROC_PATH, port);
	w->drop_synq = lq_proc_col(row, "drop_synq");
	w->syn_q_peak = lq_proc_col(row, "syn_q_peak");
	w->syn_q = row->syn_q;
	w->syn_cap = row->syn_cap;
	lq_proc_free(&t);
	if (w->syn_q < 0 || w->syn_cap < 0)
		die("%s: syn_q or syn_cap of port %u unreadable", LQ_PROC_PATH, port);
}

/* Its drop_synq; probes must be on. */
static long long wide_drops(unsigned int port)
{
	struct wide_row w;

	wide_row(port, &w);
	if (w.drop_synq < 0)
		die("%s: drop_synq of port %u unreadable", LQ_PROC_PATH, port);
	return w.drop_synq;
}

/* fs.file-max, raised to @want if lower: a limit, nothing is allocated. */
static void wide_file_max(unsigned long want)
{
	unsigned long cur = 0;
	FILE *f = fopen("/proc/sys/fs/file-max", "re");

	if (!f || fscanf(f, "%lu", &cur) != 1)
		die("/proc/sys/fs/file-max");
	fclose(f);
	if (cur < want)
		must_write("/proc/sys/fs/file-max", "%lu", want);
	raw("wide fs.file-max=%lu%s", cur < want ? want : cur, cur < want ? " (raised)" : "");
}

/* Load the module at max_listeners @ml, probes on if @probes; its line into @m once. */
static void wide_load(unsigned int ml, int probes, struct memrow *m)
{
	char arg[64], text[256];

	module_unload();
	snprintf(arg, sizeof(arg), "max_listeners=%u", ml);
	module_load(arg);
	probes_on = 0;
	if (!probes)
		return;
	kmsg_mark();
	set_probes(1);
	if (!m->line && mem_module_line(m, text, sizeof(text)))
		raw("wide max_listeners=%u module: %s", ml, text);
}

/*
 * The candidate with a record at max_listeners o.ml[0] that /proc/listenq
 * shows first, or 0. Rows come in the order of the listening hash, which
 * is the order in which probes going on give listeners their records: the
 * first is the farthest from where the table filled up, so a few records
 * claimed out of that order at the next load (the SYN-ACK retransmits of
 * the candidates' requests, while the records are being given) cannot
 * leave it without one.
 */
static unsigned int wide_pick(unsigned int *tracked, struct memrow *m)
{
	unsigned int i, port = 0;
	struct lq_proc t;
	int err;

	wide_load(o.ml[0], 1, m);
	*tracked = 0;
	err = lq_proc_read(&t, LQ_PROC_PATH);
	if (err) {
		errno = -err;
		die("%s", LQ_PROC_PATH);
	}
	for (i = 0; i < (unsigned int)t.nrows; i++) {
		const struct lq_proc_row *row = &t.rows[i];
		long long peak = lq_proc_col(row, "syn_q_peak");
		unsigned int p = row->port;

		if (row->family != AF_INET || row->port < WIDE_PORT0 ||
		    (p - WIDE_PORT0) % WIDE_STRIDE || (p - WIDE_PORT0) / WIDE_STRIDE >= WIDE_CAND)
			continue;
		if (peak > 0) {
			++*tracked;
			if (!port)
				port = p;
		}
		raw("wide candidate row=%u port=%u syn_q=%lld syn_q_peak=%lld", i, p, row->syn_q,
		    peak);
	}
	lq_proc_free(&t);
	return port;
}

static void phase_wide(void)
{
	const char *counter = "TCPReqQFullDrop";
	const unsigned int nns = (o.wide + WIDE_PER_NS - 1) / WIDE_PER_NS;
	/* the others: no SYN ever reaches them, so nothing runs in the background */
	struct nsconf oc = { 1, 0, 4096, 4096 }, tc = { 0, 10, 65536, 65535 };
	struct series rate[NR_WMODES], ipsyn[NR_WMODES], ratio[NR_WMODES], hi_lo;
	struct memrow line[NR_WMODES];
	struct holder others[WIDE_MAX_NS], tgt;
	unsigned long long sent, counted = 0, dropped = 0, runs_off = 0;
	unsigned int r, i, port, tracked, untracked = 0, same = 1;
	const char *name[NR_WMODES] = { "probes=0", "probes=1", "probes=1" };
	const unsigned int ml[NR_WMODES] = { o.ml[0], o.ml[0], o.ml[1] };
	struct wide_row w;
	long long queued;
	double med;

	table = sec[S_3B];
	memset(rate, 0, sizeof(rate));
	memset(ipsyn, 0, sizeof(ipsyn));
	memset(ratio, 0, sizeof(ratio));
	memset(&hi_lo, 0, sizeof(hi_lo));
	memset(line, 0, sizeof(line));
	memset(others, 0, sizeof(others));
	memset(&tgt, 0, sizeof(tgt));
	wide_file_max(o.wide + WIDE_CAND + 65536);
	info("wide: %u other listeners in %u namespaces", o.wide, nns);
	for (i = 0; i < nns; i++) {
		unsigned int n = o.wide - i * WIDE_PER_NS;

		holder_start(&others[i], &oc, 10000, 128);
		holder_resize(&others[i], n < WIDE_PER_NS ? n : WIDE_PER_NS);
	}
	/* Last: this process stays in the candidates' namespace. */
	holder_start_stride(&tgt, &tc, WIDE_PORT0, WIDE_STRIDE, o.tput_backlog);
	holder_resize(&tgt, WIDE_CAND);
	for (i = 0; i < WIDE_CAND; i++)
		syngen(WIDE_PORT0 + i * WIDE_STRIDE, WIDE_PORT0 + i * WIDE_STRIDE, 1, 60, &sent);
	drain(drain_synq, &queued);
	if (queued != WIDE_CAND)
		die("wide: %lld requests queued to the %u candidates, want one each", queued,
		    WIDE_CAND);
	port = wide_pick(&tracked, &line[W_LO]);
	raw("wide candidates=%u with_record=%u port=%u", WIDE_CAND, tracked, port);

	T("\n3b. SYN throughput into one listener at its cap (backlog %u, syncookies=0: each SYN\n",
	  o.tput_backlog);
	T("   is dropped) while %u other listeners exist (%u namespaces, and %u candidates\n",
	  o.wide, nns, WIDE_CAND - 1);
	T("   beside it), probes=1 at max_listeners %u and %u, and probes=0; %u rounds of\n",
	  o.ml[0], o.ml[1], o.rounds);
	T("   %u SYNs per mode, the order rotated each round, the module loaded for each run\n",
	  o.tput_count);
	if (!port) {
		T("   none of the %u candidates had a record at max_listeners %u: not measured: %s\n",
		  WIDE_CAND, o.ml[0], verdict(0));
		goto out;
	}
	syngen(port, port, o.tput_backlog + 16, 120, &sent);
	drain(drain_synq, &queued);
	wide_row(port, &w);
	if (w.syn_q != w.syn_cap)
		die("wide: port %u: syn_q %lld, syn_cap %lld", port, w.syn_q, w.syn_cap);
	info("wide: port %u (%u of %u candidates had a record) at its cap (syn_q %lld); %u rounds of %u SYNs",
	     port, tracked, WIDE_CAND, w.syn_q, o.rounds, o.tput_count);
	settle();
	for (r = 0; r < o.rounds; r++) {
		double v[NR_WMODES];

		for (i = 0; i < NR_WMODES; i++) {
			unsigned int m = (r + i) % NR_WMODES;
			long long before, after, d0 = 0, d1 = 0;
			uint64_t ns, lag;

			wide_load(ml[m], m != W_OFF, &line[m]);
			/* Warm-up, not counted: the module was just loaded. */
			syngen(port, port, o.tput_count / 20, 60, &sent);
			drain_counter = counter;
			drain(drain_tcpext, &queued);
			settle();
			if (m != W_OFF)
				d0 = wide_drops(port);
			before = tcpext(counter);
			ns = syngen(port, port, o.tput_count, 120, &sent);
			lag = drain(drain_tcpext, &after) - syngen_exit;
			ns += lag;
			if ((after - before) < 0.95 * sent)
				die("%s moved by %lld for %llu SYNs", counter, after - before, sent);
			if (m != W_OFF) {
				d1 = wide_drops(port);
				counted += d1 - d0;
				dropped += after - before;
				runs_off += d1 - d0 != after - before;
				untracked += d1 == d0;
			}
			v[m] = sent * 1e9 / ns;
			add(&rate[m], v[m]);
			add(&ipsyn[m], (double)ns / sent);
			raw("wide round=%u mode=%s max_listeners=%u others=%u port=%u sent=%llu ns=%llu drained_after_ns=%llu rate=%.0f instr_per_syn=%.1f %s=%lld drop_synq=%lld",
			    r, name[m], ml[m], o.wide, port, sent, (unsigned long long)ns,
			    (unsigned long long)lag, v[m], (double)ns / sent, counter, after - before,
			    d1 - d0);
		}
		for (i = 0; i < NR_WMODES; i++)
			add(&ratio[i], v[i] / v[W_OFF]);
		/* instructions per SYN at the high cap over the low one */
		add(&hi_lo, v[W_LO] / v[W_HI]);
	}

	T("   %-8s %13s | %9s %8s %7s | %12s %9s %9s %9s %7s %11s\n", "mode", "max_listeners",
	  "following", "records", "KiB", "SYN/s median", "min", "max", "instr/SYN", "spread",
	  "vs probes=0");
	for (i = 0; i < NR_WMODES; i++) {
		med = median(&rate[i]);
		T("   %-8s %13u | ", name[i], ml[i]);
		if (i == W_OFF)
			T("%9s %8s %7s | ", "-", "-", "-");
		else if (line[i].line)
			T("%9lu %8lu %7lu | ", line[i].n, line[i].recs, line[i].kib);
		else
			T("%9s %8s %7s | ", "?", "?", "?");
		T("%12.0f %9.0f %9.0f %9.0f %6.2f%% %+10.2f%%\n", med, smin(&rate[i]),
		  smax(&rate[i]), median(&ipsyn[i]), 100 * (smax(&rate[i]) - smin(&rate[i])) / med,
		  (median(&ratio[i]) - 1) * 100);
	}
	for (i = W_LO; i < NR_WMODES; i++)
		same &= line[i].line && line[i].recs == layout_records(line[i].n, ml[i]) &&
			line[i].kib == (unsigned long)layout_bytes(line[i].n, ml[i]) >> 10;
	T("   following, records, KiB: the module's \"probes on, following N listeners in K KiB\n"
	  "   (R records of B bytes)\" line, the same as section 4's layout: %s; instr/SYN:\n"
	  "   guest instructions per SYN (the clock); spread: (max - min) / median of the\n"
	  "   mode's rounds. The listener: port %u, the first in /proc/listenq of the %u of %u\n"
	  "   candidates that had a record at %u\n", same ? "yes" : "NO", port, tracked, WIDE_CAND, o.ml[0]);
	T("   the listener had a record in every probes=1 run, and its drop_synq moved by exactly\n"
	  "   %s (%llu of %llu drops counted; runs off: %llu, without a record: %u): %s\n",
	  counter, counted, dropped, runs_off, untracked, verdict(!runs_off && !untracked));
	med = median(&hi_lo);
	T("   probes=1 at max_listeners %u against %u: %+.2f%% instructions per SYN (median\n"
	  "   of %u per-round ratios); probes=1 costs %.2f%% and %.2f%% of SYN throughput there\n",
	  o.ml[1], o.ml[0], (med - 1) * 100, o.rounds, (1 - median(&ratio[W_HI])) * 100,
	  (1 - median(&ratio[W_LO])) * 100);
	T("   goal: no more per SYN at %u than at %u, within %.1f%% (twice the 0.15%% over\n"
	  "   which section 3's rounds of a mode spread on the instruction clock): %s%s\n",
	  o.ml[1], o.ml[0],
	  WIDE_MARGIN * 100, verdict(med <= 1 + WIDE_MARGIN && !untracked),
	  smax(&rate[W_LO]) - smin(&rate[W_LO]) > WIDE_MARGIN * median(&rate[W_LO]) ||
	  smax(&rate[W_HI]) - smin(&rate[W_HI]) > WIDE_MARGIN * median(&rate[W_HI]) ?
	  " (a mode's spread is over the margin: noisy run)" : "");
out:
	for (i = nns; i-- > 0;)
		holder_stop(&others[i]);
	holder_stop(&tgt);
	module_unload();
	module_load(NULL);
	probes_on = 0;
}

/* ---- a: accept() throughput ---- */

/*
 * The client: @n blocking connects to 127.0.0.1:@port, one at a time: each
 * waits for the server's reset (it accepts and closes with SO_LINGER 0) and
 * is closed then. Resets leave no TIME_WAIT on either side, which a round's
 * connections would otherwise fill up the ephemeral ports with; and every
 * connection is accepted before it ends, as an application's would be
 * (one reset while still queued is accepted, but its wait is not counted).
 * Waits for a byte on @go first.
 */
static void acc_client(int go, unsigned int port, unsigned int n)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(port),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	unsigned int i;
	char c;

	if (read(go, &c, 1) != 1)
		_exit(2);
	for (i = 0; i < n; i++) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

		if (fd < 0)
			_exit(1);
		/*
		 * ECONNRESET: the server accepted and closed before this
		 * process ran again (one vCPU), which is what the read waits
		 * for otherwise.
		 */
		if (connect(fd, (struct sockaddr *)&sin, sizeof(sin))) {
			if (errno == ECONNRESET) {
				close(fd);
				continue;
			}
			printf("# lqbench: accept client: connect %u: %s\n", i, strerror(errno));
			_exit(1);
		}
		if (read(fd, &c, 1) > 0) {	/* 0 or ECONNRESET: the server's close */
			printf("# lqbench: accept client: data on connection %u\n", i);
			_exit(3);
		}
		close(fd);
	}
	_exit(0);
}

/* Accept and close @n connections of a client process on @lfd; ns taken. */
static uint64_t acc_run(int lfd, unsigned int port, unsigned int n)
{
	struct linger lg = { 1, 0 };
	int go[2], status;
	unsigned int i;
	uint64_t t0, ns;
	pid_t pid;

	if (pipe2(go, O_CLOEXEC))
		die("pipe");
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		close(go[1]);
		close(lfd);
		acc_client(go[0], port, n);
	}
	close(go[0]);
	t0 = now_ns();
	if (write(go[1], "g", 1) != 1)
		die("start the client");
	for (i = 0; i < n; i++) {
		struct pollfd pfd = { .fd = lfd, .events = POLLIN };
		int fd;

		/* Not forever: a client that failed connects no more. */
		if (poll(&pfd, 1, 10000) != 1) {
			char *tcp = lq_read_file("/proc/net/tcp");

			raw("accept stuck at %u of %u; client: %s; /proc/net/tcp:\n%s", i, n,
			    waitpid(pid, &status, WNOHANG) == pid ? "exited" : "running",
			    tcp ? tcp : "?");
			die("accept: no connection for 10 s, %u of %u", i, n);
		}
		fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

		if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)))
			die("accept, %u of %u", i, n);
		close(fd);
	}
	ns = now_ns() - t0;
	close(go[1]);
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
		die("accept client failed (status 0x%x)", status);
	return ns;
}

/* The wait histogram's count of listener @ino, 0 when probes show none yet. */
static long long acc_wait_count(unsigned long long ino)
{
	struct lq_hist h;
	int err = lq_hist_of(LQ_HIST_PATH, ino, &h);

	if (err) {
		errno = -err;
		die("%s: the listener's row", LQ_HIST_PATH);
	}
	if (h.wait_count == LQ_BAD)
		die("%s: wait_count unreadable", LQ_HIST_PATH);
	return h.wait_count == LQ_NONE ? 0 : h.wait_count;
}

static void phase_accept(void)
{
	const unsigned int port = 30000, n = o.accepts;
	struct nsconf c = { 1, 5, 4096, 4096 };
	struct series rate[MAX_TMODES], ratio[MAX_TMODES], vs_alt[MAX_TMODES];
	struct tmode modes[MAX_TMODES];
	unsigned int r, i, nm = 2, base_alt = 0;
	unsigned long long counted = 0, accepted = 0, overflows = 0;
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(port),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	struct stat st;
	double cost, wcost;
	int lfd, one = 1, nsfd;

	memset(rate, 0, sizeof(rate));
	memset(ratio, 0, sizeof(ratio));
	memset(vs_alt, 0, sizeof(vs_alt));
	memset(modes, 0, sizeof(modes));
	snprintf(modes[M_OFF].name, sizeof(modes[0].name), "probes=0");
	snprintf(modes[M_ON].name, sizeof(modes[0].name), "probes=1");
	modes[M_OFF].ko = modes[M_ON].ko = o.ko;
	modes[M_ON].probes = 1;
	for (i = 0; i < o.nalt; i++, nm++) {
		snprintf(modes[nm].name, sizeof(modes[0].name), "%s probes=1", o.alt_name[i]);
		modes[nm].ko = o.alt_ko[i];
		modes[nm].probes = 1;
		if (!base_alt && !strcmp(o.alt_name[i], "baseline"))
			base_alt = nm;
	}
	if (!base_alt && o.nalt)
		base_alt = 2;

	nsfd = ns_create(&c);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) || listen(lfd, o.acc_backlog) ||
	    fstat(lfd, &st))
		die("accept listener on port %u", port);
	info("accept: %u rounds of %u connections per mode, backlog %u", o.rounds, n, o.acc_backlog);
	settle();
	/* One warm-up run per mode, not counted. */
	for (i = 0; i < nm; i++) {
		module_use(modes[i].ko);
		set_probes(modes[i].probes);
		acc_run(lfd, port, n / 5);
	}
	for (r = 0; r < o.rounds; r++) {
		double v[MAX_TMODES];

		for (i = 0; i < nm; i++) {
			unsigned int m = (r + i) % nm;	/* rotate the order */
			long long w0 = 0, w1 = 0, ov0, ov1;
			uint64_t ns;

			module_use(modes[m].ko);
			set_probes(modes[m].probes);
			if (m == M_ON)
				w0 = acc_wait_count(st.st_ino);
			ov0 = tcpext("ListenOverflows");
			ns = acc_run(lfd, port, n);
			ov1 = tcpext("ListenOverflows");
			overflows += ov1 - ov0;
			if (m == M_ON) {
				w1 = acc_wait_count(st.st_ino);
				counted += w1 - w0;
				accepted += n;
			}
			v[m] = n * 1e9 / ns;
			add(&rate[m], v[m]);
			raw("accept round=%u mode=%s accepts=%u ns=%llu rate=%.0f wait_count=%lld listen_overflows=%lld",
			    r, modes[m].name, n, (unsigned long long)ns, v[m],
			    m == M_ON ? w1 - w0 : -1, ov1 - ov0);
		}
		for (i = 0; i < nm; i++) {
			add(&ratio[i], v[i] / v[M_OFF]);
			add(&vs_alt[i], v[M_ON] / v[i]);
		}
	}
	module_use(o.ko);
	set_probes(0);
	close(lfd);
	close(nsfd);

	table = sec[S_5];
	T("\n5. accept() throughput: one listener (backlog %u), a client process connecting over\n",
	  o.acc_backlog);
	T("   loopback in a loop (blocking connect, then a read that ends at the server's reset)\n");
	T("   while this one accepts and closes (SO_LINGER 0); %u rounds of %u connections\n",
	  o.rounds, n);
	T("   per mode, the order rotated each round\n");
	T("   %-26s %12s %12s %12s %14s\n", "mode", "accepts/s", "min", "max", "vs probes=0");
	for (i = 0; i < nm; i++)
		T("   %-26s %12.0f %12.0f %12.0f %+13.1f%%\n", modes[i].name, median(&rate[i]),
		  smin(&rate[i]), smax(&rate[i]), (median(&ratio[i]) - 1) * 100);
	cost = 1 - median(&ratio[M_ON]);
	T("   probes=1 cost: %.1f%% of accept() throughput (median of %u per-round ratios)\n",
	  cost * 100, o.rounds);
	T("   with every probe feature on, goal <= 1%%: %s\n", verdict(cost <= 0.01));
	if (base_alt) {
		wcost = 1 - median(&vs_alt[base_alt]);
		T("   wait histogram (and the rest of what changed since %s): probes=1 vs %s:\n",
		  o.alt_name[base_alt - 2], modes[base_alt].name);
		T("   cost %.1f%% of accept() throughput (median of %u per-round ratios; goal <= 3%%: %s)\n",
		  wcost * 100, o.rounds, verdict(wcost <= 0.03));
	} else {
		T("   no baseline module (--alt-ko baseline=...): the wait histogram's cost is within\n");
		T("   probes=1's: goal <= 3%%: %s\n", verdict(cost <= 0.03));
	}
	T("   wait histogram exercised: wait_count moved by %llu for the %llu accepts with probes=1\n",
	  counted, accepted);
	T("   (%s); ListenOverflows over all runs: %llu: %s\n",
	  LQ_HIST_PATH, overflows, verdict(counted == accepted && !overflows));
}

/* ---- l: growth in listeners ---- */

static void phase_listeners(void)
{
	static const enum route routes[] = { R_LQ_RAW, R_LQ_READ, R_LQ_CAT, R_PROC_TCP, R_SS_LTN };
	const unsigned int nr = o.ss ? 5 : 4;
	/* no SYN-ACK retransmits: the requests of the probes=1 rounds expire once, then quiet */
	struct nsconf c = { 1, 0, 4096, 4096 };
	struct series s[3][5], on[3];
	unsigned long long sent;
	struct holder h;
	unsigned int g, r, i;

	memset(s, 0, sizeof(s));
	memset(on, 0, sizeof(on));
	holder_start(&h, &c, 10000, 128);
	for (g = 0; g < 3; g++) {
		holder_resize(&h, o.grow[g]);
		settle();
		info("listeners: %u", o.grow[g]);
		route_run(R_LQ_READ, &A);
		if (A.rows != o.grow[g])
			die("/proc/listenq shows %lu listeners, want %u", A.rows, o.grow[g]);
		for (r = 0; r < o.reps; r++) {
			for (i = 0; i < nr; i++) {
				unsigned int j = (r + i) % nr;
				double ms = route_run(routes[j], &A);

				if (A.rows != o.grow[g] && routes[j] != R_PROC_TCP)
					die("%s: %lu listeners, want %u", route_name[routes[j]],
					    A.rows, o.grow[g]);
				add(&s[g][j], ms);
				raw("listeners=%u round=%u route=%s ms=%.3f rows=%lu", o.grow[g], r,
				    route_key[routes[j]], ms, A.rows);
			}
		}
		/* probes=1, with a record for each listener: one SYN each, expired */
		set_probes(1);
		syngen(10000, 10000 + o.grow[g] - 1, o.grow[g], 60, &sent);
		sleep(3);
		for (r = 0; r < o.reps; r++) {
			double ms = route_run(R_LQ_RAW, &A);

			if (A.rows != o.grow[g])
				die("probes=1: %lu listeners, want %u", A.rows, o.grow[g]);
			add(&on[g], ms);
			raw("listeners=%u round=%u route=lq_raw_probes ms=%.3f rows=%lu syns=%llu",
			    o.grow[g], r, ms, A.rows, sent);
		}
		set_probes(0);
	}
	holder_stop(&h);

	table = sec[S_2A];
	T("\n2a. /proc/listenq read time vs listeners (0 half-open; median of %u, routes interleaved)\n",
	  o.reps);
	T("   read(2): the text alone, lines counted, probes=0 and probes=1 (each listener\n");
	T("   with a record: one SYN each); read+parse: split into columns as a consumer\n");
	T("   would (the other routes parse too), probes=0\n");
	T("   %-9s %10s %8s %10s %8s %11s %8s %14s %9s\n", "listeners", "read(2) ms", "us/row",
	  "probes=1 ms", "us/row", "read+parse", "cat ms", "/proc/net/tcp ms", "ss -ltn");
	for (g = 0; g < 3; g++)
		T("   %-9u %10.2f %8.2f %10.2f %8.2f %11.2f %8.2f %14.2f %9.2f\n", o.grow[g],
		  median(&s[g][0]), median(&s[g][0]) * 1000 / o.grow[g], median(&on[g]),
		  median(&on[g]) * 1000 / o.grow[g], median(&s[g][1]), median(&s[g][2]),
		  median(&s[g][3]), nr > 4 ? median(&s[g][4]) : 0);
	T("   read(2) time x%.1f for x%.0f listeners (%u -> %u), x%.1f for x%.0f (%u -> %u)\n",
	  median(&s[1][0]) / median(&s[0][0]), (double)o.grow[1] / o.grow[0], o.grow[0], o.grow[1],
	  median(&s[2][0]) / median(&s[1][0]), (double)o.grow[2] / o.grow[1], o.grow[1], o.grow[2]);
	for (g = 0; g < 3; g++)
		if (o.grow[g] == 10000)
			break;
	if (g < 3) {
		double a = median(&s[g][0]), b = median(&on[g]);
		double worst = (a > b ? a : b) * 1000 / o.grow[g];

		T("   read(2) at 10000 listeners, the worse of probes=0 and 1: %.0f instructions\n"
		  "   per row (goal <= 2500: %s)\n", worst * 1000, verdict(worst <= 2.5));
	}
}

/* ---- c: concurrent readers ---- */

#define READER_NS	8
#define READERS		64

/* A reader: in namespace @nsfd, once @go closes, reads @path @n times. */
static void reader_main(int nsfd, const char *path, unsigned int n, unsigned long rows,
			int ready, int go)
{
	static struct agg r;
	unsigned int i;
	char c = 0;

	ns_enter(nsfd);
	if (write(ready, &c, 1) != 1 || read(go, &c, 1) != 0)
		_exit(2);
	for (i = 0; i < n; i++) {
		feed_raw(path, &r);
		if (r.rows != rows)
			_exit(3);
	}
	_exit(0);
}

/*
 * @nr readers at once, reader i in @h[i % @nns], each reading @path @n
 * times; ms from the start signal to the last reader's exit.
 */
static double readers_run(const struct holder *h, unsigned int nns, unsigned int nr,
			  const char *path, unsigned int n)
{
	int ready[2], go[2], status;
	pid_t pid[READERS];
	unsigned int i;
	uint64_t t0;
	char c;

	if (pipe2(ready, O_CLOEXEC) || pipe2(go, O_CLOEXEC))
		die("pipe");
	for (i = 0; i < nr; i++) {
		pid[i] = fork();
		if (pid[i] < 0)
			die("fork");
		if (!pid[i]) {
			close(ready[0]);
			close(go[1]);
			reader_main(h[i % nns].nsfd, path, n, h[i % nns].n, ready[1], go[0]);
		}
	}
	close(ready[1]);
	close(go[0]);
	for (i = 0; i < nr; i++)
		if (read(ready[0], &c, 1) != 1)
			die("reader %u not ready", i);
	t0 = now_ns();
	close(go[1]);
	for (i = 0; i < nr; i++)
		if (waitpid(pid[i], &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
			die("reader %u of %s failed (status 0x%x)", i, path, status);
	close(ready[0]);
	return (now_ns() - t0) / 1e6;
}

/*
 * 64 readers at once, 8 in each of 8 namespaces, each reading its own
 * namespace's table, against one reader alone: what one reader costs the
 * others. With probes on, and SYNs dropped in each namespace before.
 */
static void phase_readers(void)
{
	static const char *const files[2] = { "/proc/listenq", "/proc/listenq_hist" };
	const unsigned int per_ns = o.listeners / READER_NS, reads = 4;
	struct nsconf c = { 0, 0, 4096, 4096 };
	struct holder h[READER_NS];
	struct series one[2], all[2], ratio[2];
	unsigned long long sent;
	unsigned int i, r, f;

	memset(one, 0, sizeof(one));
	memset(all, 0, sizeof(all));
	memset(ratio, 0, sizeof(ratio));
	set_probes(1);
	for (i = 0; i < READER_NS; i++) {
		holder_start(&h[i], &c, 10000, 0);
		holder_resize(&h[i], per_ns);
		/* backlog 0, no cookies: a second SYN to a listener is dropped */
		syngen(10000, 10000 + 7, 16, 10, &sent);
	}
	settle();
	info("readers: %u namespaces of %u listeners, %u readers", READER_NS, per_ns, READERS);
	for (r = 0; r < o.reps; r++) {
		for (f = 0; f < 2; f++) {
			double t1 = readers_run(h, 1, 1, files[f], reads);
			double t64 = readers_run(h, READER_NS, READERS, files[f], reads);

			add(&one[f], t1);
			add(&all[f], t64);
			add(&ratio[f], t64 / (READERS * t1));
			raw("readers file=%s round=%u one_ms=%.3f all_ms=%.3f", files[f], r, t1, t64);
		}
	}
	for (i = 0; i < READER_NS; i++)
		holder_stop(&h[i]);
	set_probes(0);

	table = sec[S_2C];
	T("\n2c. Concurrent readers: %u at once, %u in each of %u namespaces of %u listeners\n",
	  READERS, READERS / READER_NS, READER_NS, per_ns);
	T("   (probes=1, dropped SYNs in each), each reading its own namespace's file %u times,\n",
	  reads);
	T("   against one reader alone (median of %u)\n", o.reps);
	T("   %-20s %14s %14s %22s\n", "file", "one reader ms", "64 readers ms",
	  "per reader vs alone");
	for (f = 0; f < 2; f++)
		T("   %-20s %14.2f %14.2f %21.2fx\n", files[f], median(&one[f]), median(&all[f]),
		  median(&ratio[f]));
}

/* ---- h: half-open requests, and the comparison with ss ---- */

/*
 * Queue @n half-open requests on @h's listeners, topping up with fresh
 * sources if some SYNs were lost on the way (none should be).
 */
static void fill_halfopen(struct holder *h, unsigned int port0, unsigned int n)
{
	unsigned long long sent, drops = softnet_drops();
	unsigned long want = n;
	int tries;
	uint64_t ns;

	if (!n)
		return;
	for (tries = 0; tries < 4; tries++) {
		long long queued;
		uint64_t lag;

		ns = syngen(port0, port0 + h->n - 1, want, 600, &sent);
		lag = drain(drain_synq, &queued) - syngen_exit;
		route_run(R_LQ_READ, &A);
		raw("fill halfopen=%u sent=%llu ns=%llu drained_after_ns=%llu queued=%lu softnet_drops=%llu",
		    n, sent, (unsigned long long)ns, (unsigned long long)lag, A.syn,
		    softnet_drops() - drops);
		if (A.syn >= n)
			break;
		want = n - A.syn;
	}
	if (A.syn < n - n / 1000)
		die("%lu half-open requests queued, want %u", A.syn, n);
	h->queued = A.syn;
}

/* The half-open requests of this namespace's listeners. */
static long long drain_synq(void)
{
	route_run(R_LQ_READ, &A);
	return A.syn;
}

static void phase_halfopen(void)
{
	static const enum route routes[] = { R_LQ_CAT, R_LQ_READ, R_SS_TWO, R_SS_ONE, R_PROC_TCP };
	struct nsconf c = { 0, 10, 65536, 65535 };
	const unsigned int nl = o.listeners, port0 = 10000;
	const unsigned int ho[3] = { 0, o.halfopen / 10, o.halfopen };
	struct series s[NR_ROUTES], flat[3];
	unsigned long sums[NR_ROUTES][3];
	struct holder h[3];
	double busy, best_ss, ratio;
	unsigned int r, i, nr = o.ss ? 5 : 2;
	enum route best = R_SS_TWO;

	memset(s, 0, sizeof(s));
	memset(flat, 0, sizeof(flat));
	memset(sums, 0, sizeof(sums));

	/* Alone first: 10k listeners and the 100k requests, nothing else. */
	memset(h, 0, sizeof(h));
	holder_start(&h[2], &c, port0, 1024);
	holder_resize(&h[2], nl);
	info("half-open: %u listeners, sending %u SYNs", nl, ho[2]);
	fill_halfopen(&h[2], port0, ho[2]);
	busy = cpu_busy(2000);
	info("half-open: %u queued; guest CPUs %.0f%% busy with their timers; %u rounds",
	     ho[2], busy, o.reps);
	for (r = 0; r < o.reps; r++) {
		for (i = 0; i < nr; i++) {
			enum route rt = routes[(r + i) % nr];
			double ms = route_run(rt, &A);

			add(&s[rt], ms);
			sums[rt][0] = A.rows;
			sums[rt][1] = A.syn;
			sums[rt][2] = A.acc;
			raw("halfopen=%u listeners=%u round=%u route=%s ms=%.3f rows=%lu syn=%lu",
			    ho[2], nl, r, route_key[rt], ms, A.rows, A.syn);
		}
	}

	table = sec[S_1];
	T("\n1. Every listener's SYN and accept queue lengths: %u listeners, %u half-open\n",
	  nl, ho[2]);
	T("   (median of %u, routes interleaved; output parsed and summed per local port)\n",
	  o.reps);
	T("   %-42s %10s %10s %10s %8s %10s\n", "route", "median ms", "min", "max",
	  "vs cat", "rows/syn");
	for (i = 0; i < nr; i++) {
		enum route rt = routes[i];

		T("   %-42s %10.1f %10.1f %10.1f %7.1fx %5lu/%lu\n", route_name[rt], median(&s[rt]),
		  smin(&s[rt]), smax(&s[rt]), median(&s[rt]) / median(&s[R_LQ_CAT]),
		  sums[rt][0], sums[rt][1]);
	}
	if (o.ss) {
		if (median(&s[R_SS_ONE]) < median(&s[R_SS_TWO]))
			best = R_SS_ONE;
		best_ss = median(&s[best]);
		ratio = best_ss / median(&s[R_LQ_CAT]);
		T("   best ss route (%s) / cat /proc/listenq: %.1fx (goal >= 50x: %s)\n",
		  best == R_SS_ONE ? "one ss" : "two ss", ratio, verdict(ratio >= 50));
		T("   best ss route / read /proc/listenq in-process: %.1fx\n",
		  best_ss / median(&s[R_LQ_READ]));
	}
	T("   %lu of the %u SYNs queued; guest CPUs %.0f%% busy before the rounds (SYN-ACK\n",
	  h[2].queued, ho[2], busy);
	T("   retransmit timers of the requests)\n");

	/* Then 0 and 10% of the requests in namespaces of their own, read in turn. */
	for (i = 0; i < 2; i++) {
		holder_start(&h[i], &c, port0, 1024);
		holder_resize(&h[i], nl);
		fill_halfopen(&h[i], port0, ho[i]);
	}
	settle();
	info("half-open: /proc/listenq at 0, %u, %u half-open; %u rounds", ho[1], ho[2], o.flat_reps);
	for (r = 0; r < o.flat_reps; r++) {
		for (i = 0; i < 3; i++) {
			unsigned int j = (r + i) % 3;
			double ms;

			ns_enter(h[j].nsfd);
			ms = route_run(R_LQ_READ, &A);
			if (A.syn != h[j].queued || A.rows != nl)
				die("namespace %u: %lu rows, %lu half-open", j, A.rows, A.syn);
			add(&flat[j], ms);
			raw("flat halfopen=%u round=%u ms=%.3f", ho[j], r, ms);
		}
	}
	table = sec[S_2B];
	T("\n2b. /proc/listenq read time vs half-open requests (%u listeners in each of three\n", nl);
	T("   namespaces, read in turn; the walk covers all %u listeners; median of %u)\n",
	  3 * nl, o.flat_reps);
	T("   %-10s %12s %12s %12s %10s\n", "half-open", "read ms", "min", "max", "vs 0");
	for (i = 0; i < 3; i++)
		T("   %-10u %12.2f %12.2f %12.2f %+9.1f%%\n", ho[i], median(&flat[i]), smin(&flat[i]),
		  smax(&flat[i]), (median(&flat[i]) / median(&flat[0]) - 1) * 100);
	ratio = median(&flat[2]) / median(&flat[0]) - 1;
	T("   %u half-open vs 0: %+.1f%% (goal within 10%%: %s)\n", ho[2], ratio * 100,
	  verdict(ratio <= 0.10 && ratio >= -0.10));
	for (i = 0; i < 3; i++)
		holder_stop(&h[i]);
}

/* ---- main ---- */

/* @n numbers, separated by commas, into @v. */
static void parse_list(const char *s, unsigned int *v, int n)
{
	const char *p = s;
	char *end;
	int i;

	for (i = 0; i < n; i++, p = end + 1) {
		v[i] = strtoul(p, &end, 10);
		if (end == p || *end != (i + 1 < n ? ',' : '\0'))
			die("bad list %s", s);
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "ko", 1, NULL, 'K' }, { "syngen", 1, NULL, 'G' }, { "ss", 1, NULL, 'S' },
		{ "phases", 1, NULL, 'p' }, { "reps", 1, NULL, 'r' },
		{ "flat-reps", 1, NULL, 'f' }, { "rounds", 1, NULL, 'R' },
		{ "tput-count", 1, NULL, 'n' }, { "listeners", 1, NULL, 'l' },
		{ "halfopen", 1, NULL, 'H' }, { "grow", 1, NULL, 'g' },
		{ "max-listeners", 1, NULL, 'm' }, { "drop-log", 1, NULL, 'd' },
		{ "quick", 0, NULL, 'q' }, { "alt-ko", 1, NULL, 'A' },
		{ "accepts", 1, NULL, 'a' }, { "mem-listeners", 1, NULL, 'M' },
		{ "wide-listeners", 1, NULL, 'w' },
		{ NULL, 0, NULL, 0 },
	};
	struct utsname u;
	int c, orig_ns;

	t_start = now_ns();
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'K': o.ko = optarg; break;
		case 'G': o.syngen = optarg; break;
		case 'S': o.ss = optarg; break;
		case 'p': o.phases = optarg; break;
		case 'r': o.reps = strtoul(optarg, NULL, 10); break;
		case 'f': o.flat_reps = strtoul(optarg, NULL, 10); break;
		case 'R': o.rounds = strtoul(optarg, NULL, 10); break;
		case 'n': o.tput_count = strtoul(optarg, NULL, 10); break;
		case 'l': o.listeners = strtoul(optarg, NULL, 10); break;
		case 'H': o.halfopen = strtoul(optarg, NULL, 10); break;
		case 'g': parse_list(optarg, o.grow, 3); break;
		case 'm': parse_list(optarg, o.ml, 2); break;
		case 'M': parse_list(optarg, o.mem_n, 3); break;
		case 'd': o.drop_log = strtoul(optarg, NULL, 10); break;
		case 'a': o.accepts = strtoul(optarg, NULL, 10); break;
		case 'w': o.wide = strtoul(optarg, NULL, 10); break;
		case 'A': {
			char *eq = strchr(optarg, '=');

			if (!eq || o.nalt == 4)
				die("--alt-ko NAME=PATH, at most 4");
			*eq = '\0';
			o.alt_name[o.nalt] = optarg;
			o.alt_ko[o.nalt++] = eq + 1;
			break;
		}
		case 'q':
			o.reps = 3; o.flat_reps = 3; o.rounds = 3; o.tput_count = 20000;
			o.accepts = 1000;
			o.wide = 20000;
			o.listeners = 1000; o.halfopen = 10000;
			o.grow[0] = 100; o.grow[1] = 1000; o.grow[2] = 5000;
			break;
		default:
			fprintf(stderr, "usage: see the comment at the top of bench/lqbench.c\n");
			return 2;
		}
	}
	if (!o.ko || !o.syngen || o.reps < 1 || o.reps > MAX_SAMPLES ||
	    o.flat_reps < 1 || o.flat_reps > MAX_SAMPLES || o.rounds < 1 || o.rounds > MAX_SAMPLES ||
	    o.listeners > 50000 || o.grow[2] > 50000 || o.accepts < 5 ||
	    !o.mem_n[0] || o.mem_n[0] >= o.mem_n[1] || o.mem_n[1] >= o.mem_n[2] ||
	    o.mem_n[2] > 50000 || o.mem_n[2] + LQ_SPARE > o.ml[0] || o.ml[0] > o.ml[1] ||
	    !o.wide || o.wide > WIDE_PER_NS * WIDE_MAX_NS)
		die("bad arguments");
	if (o.ss && access(o.ss, X_OK)) {
		printf("# lqbench: %s not usable, the ss routes are left out\n", o.ss);
		o.ss = NULL;
	}
	for (c = 0; c < NR_SECTIONS; c++)
		sec[c] = open_memstream(&sec_buf[c], &sec_len[c]);
	setvbuf(stdout, NULL, _IOLBF, 0);
	uname(&u);
	info("kernel %s, %ld CPUs, phases %s", u.release, sysconf(_SC_NPROCESSORS_ONLN), o.phases);
	printf("# lqbench: kernel %s cpus %ld\n", u.release, sysconf(_SC_NPROCESSORS_ONLN));

	orig_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	/*
	 * Global: the input backlog of each CPU. With one vCPU, ksoftirqd
	 * takes over under a flood and the default 1000 overflows.
	 */
	must_write("/proc/sys/net/core/netdev_max_backlog", "%d", 100000);
	module_load(NULL);
	probes_on = 0;
	/*
	 * Clean state first: the half-open phase goes last because its
	 * requests outlive their listeners until their next timer.
	 */
	if (strchr(o.phases, 'm'))
		phase_memory(), ns_enter(orig_ns);
	if (strchr(o.phases, 't'))
		phase_tput(), ns_enter(orig_ns);
	if (strchr(o.phases, 'a'))
		phase_accept(), ns_enter(orig_ns);
	if (strchr(o.phases, 'x'))
		phase_wide(), ns_enter(orig_ns);
	if (strchr(o.phases, 'l'))
		phase_listeners(), ns_enter(orig_ns);
	if (strchr(o.phases, 'c'))
		phase_readers(), ns_enter(orig_ns);
	if (strchr(o.phases, 'h'))
		phase_halfopen(), ns_enter(orig_ns);
	module_unload();

	printf("=== table begin ===\n");
	for (c = 0; c < NR_SECTIONS; c++) {
		fclose(sec[c]);
		fputs(sec_buf[c], stdout);
	}
	printf("\n   goals missed: %d\n=== table end ===\n", goals_missed);
	info("done");
	return 0;
}
