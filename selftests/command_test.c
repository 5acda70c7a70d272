// SPDX-License-Identifier: GPL-2.0
/*
 * The listenq command (the static binary of the guest, lq_listenq_path())
 * against the live module, in one namespace: each output format, explain,
 * predict, -N, -p, the histograms, and its errors, checked against what
 * the test made (doc/cli.md is the contract of the options; allns_test
 * tests -A, -p and -o across many namespaces).
 *
 * Fixture cli, a fresh network namespace with somaxconn 128 and
 * tcp_syncookies 1 for each test:
 *
 *   A  listen(fd, 511): clamped to 128, so acc_max 128 and acc_cap 129
 *   B  listen(fd, 2): 3 connections nobody accepts, its accept queue full
 *      (TCP_INFO says so before listenq runs); overflow_drops adds a 4th,
 *      whose SYN is dropped, counted in the namespace's TcpExt ListenDrops
 *   C  listen(fd, 7) in a child in a third namespace, for -N by PID and,
 *      bind-mounted on /run/netns as ip netns attach does it, by name
 *   E  listen(fd, 3) in a child that names itself with a newline, ESC [31m,
 *      ')' and a byte that is not UTF-8: -p shows it escaped, --json whole
 *
 * predict's caps, the model by kernel version, and the module's caps of A
 * and B must be the caps this kernel enforces, measured with a listener of
 * the same backlog and sysctls in a namespace of its own (lq_kfacts.h).
 *
 * Fixture hist (probes=1, switched on if they are off and off again after;
 * skipped without /proc/listenq_hist): listener D gets one connection that
 * it accepts 30 ms after the handshake, so --json and --prometheus show its
 * peak of 1, its fill at arrival (0) and that wait in the bucket of at most
 * 32768 us or a later one, in no earlier one. What the module prints "-"
 * for on this kernel (it says so in dmesg) is not checked; with none of
 * it, both tests are skipped.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lq_ns.h"
#include "lq_output.h"
#include "lq_test.h"

#define NS_SOMAXCONN	128
#define BACKLOG_A	511
#define BACKLOG_B	2
#define CLIENTS_B	(BACKLOG_B + 1)		/* what B's accept queue holds */
#define BACKLOG_C	7
#define BACKLOG_D	16
#define BACKLOG_E	3
#define WAIT_D_US	30000			/* D's wait for accept() */
#define NS_NAME		"listenq-cli-test"
#define STR_(x)		#x
#define STR(x)		STR_(x)

/* What a run printed, after a check on it that failed. */
#define LOG_RUN(what, r)	lq_log_run(_metadata, what, r)
#define LOG_JSON(r)		LOG_RUN("listenq --json PORT", r)
#define LOG_PROM(r)		LOG_RUN("listenq --prometheus PORT", r)

/* A listener's port as listenq takes it (a filter) and its local address as it prints it. */
struct lsn {
	int fd, port;
	char pstr[16], local[32];
};

static void lsn_names(struct lsn *l, int port)
{
	l->port = port;
	snprintf(l->pstr, sizeof(l->pstr), "%d", port);
	snprintf(l->local, sizeof(l->local), "127.0.0.1:%d", port);
}

/* A listener on 127.0.0.1, port 0, in this namespace. */
static void lsn_up(struct __test_metadata *_metadata, struct lsn *l, int backlog)
{
	l->fd = lq_listen(_metadata, AF_INET, "127.0.0.1", backlog, 0);
	lsn_names(l, lq_port(_metadata, l->fd));
}

/* listenq --json PORT into *r: the object of listener @l in it; the test ends without one. */
static const char *json_of(struct __test_metadata *_metadata, struct lq_exec *r,
			   const struct lsn *l)
{
	const char *obj;

	lq_listenq(r, -1, "--json", l->pstr, NULL);
	ASSERT_EQ(0, r->status) LOG_JSON(r);
	obj = lq_json_listener(r->out, l->local);
	ASSERT_TRUE(obj != NULL) LOG_JSON(r);
	return obj;
}

/* Both outputs of a run hold no ESC byte. */
static bool no_esc(const struct lq_exec *r)
{
	return !memchr(r->out, '\033', r->out_len) && !memchr(r->err, '\033', r->err_len);
}

FIXTURE(cli) {
	struct lsn a, b;
	long long msb;			/* the namespace's tcp_max_syn_backlog */
	pid_t holder;			/* C's or E's process */
	bool named, made_run_dir;	/* /run/netns/NS_NAME, /run/netns itself */
};

FIXTURE_SETUP(cli)
{
	const char *bin = lq_listenq_path();
	struct acc_wait w;
	int ret, i;

	memset(self, 0, sizeof(*self));
	ASSERT_EQ(0, access(bin, X_OK)) TH_LOG("no listenq command at %s (LISTENQ_BIN)", bin);
	lq_setup_netns(_metadata);
	/* the namespace's own sysctls: somaxconn clamps, cookies keep SYNs deterministic */
	lq_set_sysctl(_metadata, "net/core/somaxconn", NS_SOMAXCONN);
	lq_set_sysctl(_metadata, "net/ipv4/tcp_syncookies", 1);
	self->msb = lq_get_sysctl(_metadata, "net/ipv4/tcp_max_syn_backlog");
	lsn_up(_metadata, &self->a, BACKLOG_A);
	lsn_up(_metadata, &self->b, BACKLOG_B);
	for (i = 0; i < CLIENTS_B; i++) {
		ret = lq_connect_nb(AF_INET, "127.0.0.1", self->b.port);
		ASSERT_LE(0, ret) TH_LOG("client %d of B: %s", i, strerror(-ret));
	}
	w = (struct acc_wait){ .lfd = self->b.fd, .want = CLIENTS_B };
	ASSERT_TRUE(lq_wait_until(acc_reached, &w, 10000))
		TH_LOG("B's accept queue never held %d children", CLIENTS_B);
}

FIXTURE_TEARDOWN(cli)
{
	int ret;

	if (self->named) {
		ret = lq_netns_del(NS_NAME);
		EXPECT_EQ(0, ret) TH_LOG("ip netns del %s: %s", NS_NAME, strerror(-ret));
	}
	if (self->made_run_dir)
		lq_netns_run_dir_put();
	if (self->holder > 0) {
		kill(self->holder, SIGKILL);
		waitpid(self->holder, NULL, 0);
	}
}

/*
 * A child that runs @setup (0 or -errno), then holds a listener of @backlog
 * on 127.0.0.1 until it is killed: self->holder; its port in @l.
 */
static void holder_up(struct __test_metadata *_metadata, FIXTURE_DATA(cli) *self,
		      int (*setup)(void), int backlog, struct lsn *l)
{
	int pfd[2], port = -EPIPE;
	pid_t pid;

	ASSERT_EQ(0, pipe(pfd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		int fd;

		close(pfd[0]);
		port = setup();
		if (!port) {
			fd = lq_tcp_listener(AF_INET, "127.0.0.1", 0, backlog, 0);
			port = fd < 0 ? fd : lq_local_port(fd);
		}
		if (write(pfd[1], &port, sizeof(port)) != sizeof(port))
			_exit(1);
		close(pfd[1]);
		for (;;)
			pause();
	}
	self->holder = pid;
	close(pfd[1]);
	if (read(pfd[0], &port, sizeof(port)) != sizeof(port))
		port = -EPIPE;
	close(pfd[0]);
	ASSERT_LT(0, port) TH_LOG("the child's listener: %s", strerror(-port));
	lsn_names(l, port);
}

/* C: a child in a network namespace of its own, which is not this one. */
static void netns_child(struct __test_metadata *_metadata, FIXTURE_DATA(cli) *self,
			struct lsn *c)
{
	holder_up(_metadata, self, lq_netns_enter, BACKLOG_C, c);
	ASSERT_NE(lq_netns_ino(), lq_pid_netns_ino(self->holder));
}

/* C, and /run/netns/NS_NAME for its namespace */
static void named_netns_child(struct __test_metadata *_metadata, FIXTURE_DATA(cli) *self,
			      struct lsn *c)
{
	int ret;

	netns_child(_metadata, self, c);
	ret = lq_netns_attach(NS_NAME, self->holder, &self->made_run_dir);
	ASSERT_EQ(0, ret) TH_LOG("ip netns attach %s %d: %s", NS_NAME, self->holder,
				 strerror(-ret));
	self->named = true;
}

/* The binary runs at all (a static build in the guest). */
TEST_F(cli, version)
{
	struct lq_exec r;

	TH_LOG("listenq at %s", lq_listenq_path());
	lq_listenq(&r, -1, "--version", NULL);
	EXPECT_EQ(0, r.status);
	EXPECT_EQ(0, strncmp(r.out, "listenq ", 8)) LOG_RUN("listenq --version", &r);
	lq_exec_free(&r);
}

/* listen(fd, 511) with somaxconn 128: acc_max 128, acc_cap 129, nothing queued. */
TEST_F(cli, json_clamped_backlog)
{
	const char *obj;
	struct lq_exec r;
	long long v;

	obj = json_of(_metadata, &r, &self->a);
	v = -1;
	EXPECT_TRUE(lq_json_num(obj, NULL, "acc_max", &v)) LOG_JSON(&r);
	EXPECT_EQ(NS_SOMAXCONN, v);
	v = -1;
	EXPECT_TRUE(lq_json_num(obj, NULL, "acc_cap", &v)) LOG_JSON(&r);
	EXPECT_EQ(NS_SOMAXCONN + 1, v) LOG_JSON(&r);
	EXPECT_TRUE(lq_json_num(obj, NULL, "syn_cap", &v)) LOG_JSON(&r);
	v = -1;
	EXPECT_TRUE(lq_json_num(obj, NULL, "acc_q", &v)) LOG_JSON(&r);
	EXPECT_EQ(0, v) LOG_JSON(&r);
	lq_exec_free(&r);
}

/* Three connections fill listen(fd, 2)'s accept queue: acc_q 3 = acc_cap. */
TEST_F(cli, json_accept_queue_full)
{
	const char *obj;
	struct lq_exec r;
	long long v;

	obj = json_of(_metadata, &r, &self->b);
	v = -1;
	EXPECT_TRUE(lq_json_num(obj, NULL, "acc_q", &v)) LOG_JSON(&r);
	EXPECT_EQ(CLIENTS_B, v) LOG_JSON(&r);
	v = -1;
	EXPECT_TRUE(lq_json_num(obj, NULL, "acc_cap", &v)) LOG_JSON(&r);
	EXPECT_EQ(CLIENTS_B, v) LOG_JSON(&r);
	lq_exec_free(&r);
}

/* The namespace's ListenDrops reached @want. */
struct listen_drops_wait {
	unsigned long long want;
};

static bool listen_drops_reached(void *arg)
{
	struct listen_drops_wait *w = arg;
	struct lq_mib m;

	return !lq_mib_snapshot(&m) && m.listen_drops >= w->want;
}

/*
 * A 4th SYN finds B's accept queue full: dropped, the queue stays at 3. B
 * is the namespace's only listener that drops, so its drops lie between
 * the namespace's ListenDrops before and after the run, at least 1 (the
 * client sends its SYN again while the test runs).
 */
TEST_F(cli, json_overflow_drops)
{
	struct listen_drops_wait w = { .want = 1 };
	struct lq_mib before, after;
	const char *obj;
	struct lq_exec r;
	long long v;
	int fd;

	lq_mib(_metadata, &before);
	ASSERT_EQ(0ULL, before.listen_drops) TH_LOG("drops in the test's new namespace");
	fd = lq_connect_nb(AF_INET, "127.0.0.1", self->b.port);
	ASSERT_LE(0, fd) TH_LOG("a 4th client of B: %s", strerror(-fd));
	ASSERT_TRUE(lq_wait_until(listen_drops_reached, &w, 10000))
		TH_LOG("no ListenDrops after a 4th connect to a full accept queue");
	lq_mib(_metadata, &before);
	obj = json_of(_metadata, &r, &self->b);
	lq_mib(_metadata, &after);
	v = -1;
	EXPECT_TRUE(lq_json_num(obj, NULL, "drops", &v)) LOG_JSON(&r);
	EXPECT_LE(1, v) LOG_JSON(&r);
	EXPECT_LE((long long)before.listen_drops, v) TH_LOG("ListenDrops before the run");
	EXPECT_GE((long long)after.listen_drops, v) TH_LOG("ListenDrops after the run");
	v = -1;
	EXPECT_TRUE(lq_json_num(obj, NULL, "acc_q", &v)) LOG_JSON(&r);
	EXPECT_EQ(CLIENTS_B, v) LOG_JSON(&r);
	lq_exec_free(&r);
	close(fd);
}

/* The table, piped: plain text, with its header, the full listener flagged. */
TEST_F(cli, table_plain_when_piped)
{
	struct lq_exec r;

	lq_listenq(&r, -1, self->b.pstr, NULL);
	EXPECT_EQ(0, r.status) LOG_RUN("listenq PORT", &r);
	EXPECT_TRUE(strstr(r.out, "accept-full") != NULL) LOG_RUN("listenq PORT", &r);
	EXPECT_TRUE(no_esc(&r)) LOG_RUN("listenq PORT", &r);
	EXPECT_TRUE(strstr(r.out, "LOCAL") != NULL) LOG_RUN("listenq PORT", &r);
	lq_exec_free(&r);
}

/* --prometheus: B's accept queue at 3, the one sample of it; drops a counter. */
TEST_F(cli, prometheus)
{
	const char *b[] = { "local", self->b.local, NULL };
	struct lq_exec r;
	long long v = -1;

	lq_listenq(&r, -1, "--prometheus", self->b.pstr, NULL);
	EXPECT_EQ(0, r.status) LOG_PROM(&r);
	EXPECT_EQ(1, lq_prom_sample(r.out, "listenq_accept_queue_length", NULL, NULL, NULL))
		LOG_PROM(&r);
	EXPECT_EQ(1, lq_prom_sample(r.out, "listenq_accept_queue_length", b, NULL, &v))
		LOG_PROM(&r);
	EXPECT_EQ(CLIENTS_B, v) LOG_PROM(&r);
	EXPECT_TRUE(strstr(r.out, "# TYPE listenq_drops_total counter\n") != NULL) LOG_PROM(&r);
	lq_exec_free(&r);
}

/* Two --watch frames, non-interactive. */
TEST_F(cli, watch_count)
{
	struct lq_exec r;

	lq_listenq(&r, -1, "--interval", "0.1", "--count", "2", self->b.pstr, NULL);
	EXPECT_EQ(0, r.status) LOG_RUN("listenq --interval 0.1 --count 2 PORT", &r);
	EXPECT_TRUE(strstr(r.out, "--- frame 2") != NULL)
		LOG_RUN("listenq --interval 0.1 --count 2 PORT", &r);
	EXPECT_TRUE(strstr(r.out, "dDROPS") != NULL)
		LOG_RUN("listenq --interval 0.1 --count 2 PORT", &r);
	lq_exec_free(&r);
}

/* explain A: the cap from the backlog, and the clamp if the module saw listen()'s. */
TEST_F(cli, explain_clamp)
{
	char cap[64], clamp[96];
	const char *what = "listenq explain PORT";
	long long backlog = -1;
	struct lq_exec r;

	lq_json_num(json_of(_metadata, &r, &self->a), NULL, "backlog", &backlog);
	lq_exec_free(&r);
	snprintf(cap, sizeof(cap), "cap %d = backlog %d + 1", NS_SOMAXCONN + 1, NS_SOMAXCONN);
	snprintf(clamp, sizeof(clamp), "listen() backlog %d was clamped to somaxconn %d",
		 BACKLOG_A, NS_SOMAXCONN);
	lq_listenq(&r, -1, "explain", self->a.pstr, NULL);
	EXPECT_EQ(0, r.status) LOG_RUN(what, &r);
	EXPECT_TRUE(strstr(r.out, cap) != NULL) LOG_RUN(what, &r);
	TH_LOG("the module's listen() backlog of A: %lld", backlog);
	if (backlog == BACKLOG_A) {
		EXPECT_TRUE(strstr(r.out, clamp) != NULL) LOG_RUN(what, &r);
	} else {
		EXPECT_TRUE(strstr(r.out, "does not know the requested listen() backlog") != NULL)
			LOG_RUN(what, &r);
	}
	lq_exec_free(&r);
}

/* explain B: full accept queue, and the advice for it. */
TEST_F(cli, explain_full)
{
	struct lq_exec r;
	char full[32];

	snprintf(full, sizeof(full), "%d of %d: FULL", CLIENTS_B, CLIENTS_B);
	lq_listenq(&r, -1, "explain", self->b.pstr, NULL);
	EXPECT_EQ(0, r.status) LOG_RUN("listenq explain PORT", &r);
	EXPECT_TRUE(strstr(r.out, full) != NULL) LOG_RUN("listenq explain PORT", &r);
	EXPECT_TRUE(strstr(r.out, "does not accept() fast enough") != NULL)
		LOG_RUN("listenq explain PORT", &r);
	lq_exec_free(&r);
}

/*
 * predict (the model, by kernel version) for listener @l's backlog and
 * sysctls against what this kernel does: both caps measured with a
 * listener of the same backlog and sysctls in a namespace of its own
 * (SYNs until one is not queued, clients until one is refused). The
 * module's caps of @l must be those too.
 */
static void predict_matches(struct __test_metadata *_metadata, FIXTURE_DATA(cli) *self,
			    const struct lsn *l, int backlog)
{
	struct lq_cap_conf c = { .family = AF_INET, .backlog = backlog, .somaxconn = NS_SOMAXCONN,
				 .syncookies = 1, .max_syn_backlog = (int)self->msb };
	int acc = lq_cap_ok(_metadata, lq_measure_acc_cap(&c), "accept queue");
	int syn = lq_cap_ok(_metadata, lq_measure_syn_cap(&c), "SYN queue");
	char bl[16], msb[24];
	const char *obj;
	struct lq_exec r;
	long long v;

	TH_LOG("backlog %d: measured acc_cap %d, syn_cap %d", backlog, acc, syn);
	ASSERT_LT(0, acc);
	ASSERT_LT(0, syn);
	snprintf(bl, sizeof(bl), "%d", backlog);
	snprintf(msb, sizeof(msb), "%lld", self->msb);
	lq_listenq(&r, -1, "predict", "--backlog", bl, "--somaxconn", STR(NS_SOMAXCONN),
		   "--max-syn-backlog", msb, "--syncookies", "1", "--json", NULL);
	EXPECT_EQ(0, r.status) LOG_RUN("listenq predict", &r);
	v = -1;
	EXPECT_TRUE(lq_json_num(r.out, NULL, "acc_cap", &v)) LOG_RUN("listenq predict", &r);
	EXPECT_EQ(acc, v) LOG_RUN("listenq predict", &r);
	v = -1;
	EXPECT_TRUE(lq_json_num(r.out, NULL, "syn_cap", &v)) LOG_RUN("listenq predict", &r);
	EXPECT_EQ(syn, v) LOG_RUN("listenq predict", &r);
	lq_exec_free(&r);

	obj = json_of(_metadata, &r, l);
	v = -1;
	EXPECT_TRUE(lq_json_num(obj, NULL, "acc_cap", &v)) LOG_JSON(&r);
	EXPECT_EQ(acc, v) LOG_JSON(&r);
	v = -1;
	EXPECT_TRUE(lq_json_num(obj, NULL, "syn_cap", &v)) LOG_JSON(&r);
	EXPECT_EQ(syn, v) LOG_JSON(&r);
	lq_exec_free(&r);
}

TEST_F_TIMEOUT(cli, predict_matches_kernel_511, 300)
{
	predict_matches(_metadata, self, &self->a, BACKLOG_A);
}

TEST_F_TIMEOUT(cli, predict_matches_kernel_2, 300)
{
	predict_matches(_metadata, self, &self->b, BACKLOG_B);
}

/* explain of a port nobody listens on fails, and says so. */
TEST_F(cli, explain_no_listener)
{
	struct lq_exec r;

	lq_listenq(&r, -1, "explain", "1", NULL);
	EXPECT_EQ(1, r.status) LOG_RUN("listenq explain 1", &r);
	EXPECT_TRUE(strstr(r.err, "no listener matches 1") != NULL) LOG_RUN("listenq explain 1", &r);
	lq_exec_free(&r);
}

/*
 * What a missing module looks like: this test's process gets an empty
 * /proc of its own (a tmpfs in a mount namespace of its own), as on a host
 * without the module.
 */
TEST_F(cli, no_module_message)
{
	struct lq_exec r;

	ASSERT_EQ(0, unshare(CLONE_NEWNS));
	ASSERT_EQ(0, mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL));
	ASSERT_EQ(0, mount("none", "/proc", "tmpfs", 0, NULL)) TH_LOG("%s", strerror(errno));
	lq_listenq(&r, -1, NULL);
	EXPECT_EQ(1, r.status) LOG_RUN("listenq without the module", &r);
	EXPECT_TRUE(strstr(r.err, "is the listenq module loaded?") != NULL)
		LOG_RUN("listenq without the module", &r);
	lq_exec_free(&r);
}

/* --no-header: B's row, no titles. */
TEST_F(cli, no_header)
{
	char want[48];
	struct lq_exec r;

	snprintf(want, sizeof(want), "%s ", self->b.local);
	lq_listenq(&r, -1, "-H", self->b.pstr, NULL);
	EXPECT_EQ(0, r.status) LOG_RUN("listenq -H PORT", &r);
	EXPECT_EQ(0, strncmp(r.out, want, strlen(want))) LOG_RUN("listenq -H PORT", &r);
	EXPECT_TRUE(strstr(r.out, "LOCAL") == NULL) LOG_RUN("listenq -H PORT", &r);
	lq_exec_free(&r);
}

/*
 * --json of C's namespace: C's one listener with acc_max 7, and not A or B
 * (unless C's port is theirs too: the namespaces are not the same).
 */
static void expect_c_only(struct __test_metadata *_metadata, FIXTURE_DATA(cli) *self,
			  const struct lsn *c, const struct lq_exec *r, const char *what)
{
	long long v = -1;

	EXPECT_EQ(0, r->status) LOG_RUN(what, r);
	EXPECT_TRUE(lq_json_num(lq_json_listener(r->out, c->local), NULL, "acc_max", &v))
		LOG_RUN(what, r);
	EXPECT_EQ(BACKLOG_C, v) LOG_RUN(what, r);
	EXPECT_EQ(1, lq_json_count(r->out, NULL)) LOG_RUN(what, r);
	EXPECT_TRUE(self->a.port == c->port || !lq_json_listener(r->out, self->a.local))
		LOG_RUN(what, r);
	EXPECT_TRUE(self->b.port == c->port || !lq_json_listener(r->out, self->b.local))
		LOG_RUN(what, r);
}

/* -N PID: the namespace of that process. */
TEST_F(cli, net_pid)
{
	struct lq_exec r;
	struct lsn c;
	char pid[16];

	netns_child(_metadata, self, &c);
	snprintf(pid, sizeof(pid), "%d", (int)self->holder);
	lq_listenq(&r, -1, "--json", "-N", pid, NULL);
	expect_c_only(_metadata, self, &c, &r, "listenq --json -N PID");
	lq_exec_free(&r);
}

/* --net NAME: the namespace of /run/netns/NAME. */
TEST_F(cli, net_name)
{
	struct lq_exec r;
	struct lsn c;

	named_netns_child(_metadata, self, &c);
	lq_listenq(&r, -1, "--net", NS_NAME, "--json", NULL);
	expect_c_only(_metadata, self, &c, &r, "listenq --net NAME --json");
	lq_exec_free(&r);
}

/* -N NAME explain PORT: C's cap from its backlog. */
TEST_F(cli, net_name_explain)
{
	const char *what = "listenq -N NAME explain PORT";
	struct lq_exec r;
	char cap[48];
	struct lsn c;

	snprintf(cap, sizeof(cap), "cap %d = backlog %d + 1", BACKLOG_C + 1, BACKLOG_C);
	named_netns_child(_metadata, self, &c);
	lq_listenq(&r, -1, "-N", NS_NAME, "explain", c.pstr, NULL);
	EXPECT_EQ(0, r.status) LOG_RUN(what, &r);
	EXPECT_TRUE(strstr(r.out, cap) != NULL) LOG_RUN(what, &r);
	lq_exec_free(&r);
}

/* A pid that no process has: a child's, once it is reaped. */
static pid_t gone_pid(void)
{
	pid_t pid = fork();

	if (!pid)
		_exit(0);
	if (pid > 0)
		waitpid(pid, NULL, 0);
	return pid;
}

/* -N with a name that is not in /run/netns, or the pid of no process: exit 1, a message. */
TEST_F(cli, net_errors)
{
	char gone[16], want[48];
	struct lq_exec r;
	pid_t pid = gone_pid();

	ASSERT_LT(0, pid);
	lq_listenq(&r, -1, "-N", "listenq-no-such-ns", NULL);
	EXPECT_EQ(1, r.status) LOG_RUN("listenq -N listenq-no-such-ns", &r);
	EXPECT_TRUE(strstr(r.err, "network namespace 'listenq-no-such-ns' not found") != NULL)
		LOG_RUN("listenq -N listenq-no-such-ns", &r);
	lq_exec_free(&r);

	snprintf(gone, sizeof(gone), "%d", (int)pid);
	snprintf(want, sizeof(want), "no process %s", gone);
	lq_listenq(&r, -1, "-N", gone, NULL);
	EXPECT_EQ(1, r.status) LOG_RUN("listenq -N PID-of-no-process", &r);
	EXPECT_TRUE(strstr(r.err, want) != NULL) LOG_RUN("listenq -N PID-of-no-process", &r);
	lq_exec_free(&r);
}

/* The comm of the child that holds listener E: what -p must not print raw. */
static const char hostile_comm[] = "nl\n\033[31m)\377";

static int hostile_name(void)
{
	return prctl(PR_SET_NAME, hostile_comm, 0, 0, 0) ? -errno : 0;
}

/*
 * -p shows E's owner escaped, on one line and without an ESC byte (\xNN,
 * as listenq.8 says), and --json the comm whole, past its newline.
 */
TEST_F(cli, processes_hostile_comm)
{
	char want[128];
	struct lq_exec r;
	struct lsn e;
	int lines = 0;
	size_t i;

	holder_up(_metadata, self, hostile_name, BACKLOG_E, &e);
	lq_listenq(&r, -1, "-p", e.pstr, NULL);
	snprintf(want, sizeof(want), "users:((\"nl\\x0a\\x1b[31m)\\xff\",pid=%d,fd=",
		 (int)self->holder);
	EXPECT_EQ(0, r.status) LOG_RUN("listenq -p PORT", &r);
	EXPECT_TRUE(strstr(r.out, want) != NULL) LOG_RUN(want, &r);
	EXPECT_TRUE(no_esc(&r)) LOG_RUN("listenq -p PORT", &r);
	/* the header and one line */
	for (i = 0; i < r.out_len; i++)
		lines += r.out[i] == '\n';
	EXPECT_EQ(2, lines) LOG_RUN("listenq -p PORT", &r);
	EXPECT_EQ((size_t)0, r.err_len) LOG_RUN("listenq -p PORT", &r);
	lq_exec_free(&r);

	lq_listenq(&r, -1, "-p", "--json", e.pstr, NULL);
	snprintf(want, sizeof(want), "{\"command\":\"nl\\u000a\\u001b[31m)\\ufffd\",\"pid\":%d,",
		 (int)self->holder);
	EXPECT_EQ(0, r.status) LOG_RUN("listenq -p --json PORT", &r);
	EXPECT_TRUE(strstr(r.out, want) != NULL) LOG_RUN(want, &r);
	lq_exec_free(&r);
}

/* ---- the histograms: listener D ---- */

FIXTURE(hist) {
	struct lsn d;
	int cfd, afd;
	bool switched;			/* probes were off: switch them off again */
	struct lq_exec json;		/* listenq --json D */
	const char *obj, *acc_fill, *accept_wait;	/* in it; NULL if "-" */
	bool have_peak;
	long long peak;
	/*
	 * Why setup could not prepare the tests, which SKIP() on it: SKIP() in a
	 * setup runs the test after it with 5.10's and 6.1's harness.
	 */
	const char *skip;
};

FIXTURE_SETUP(hist)
{
	const char *bin = lq_listenq_path();
	long long probes = -1;
	int ret;

	memset(self, 0, sizeof(*self));
	self->d.fd = self->cfd = self->afd = -1;
	ASSERT_EQ(0, access(bin, X_OK)) TH_LOG("no listenq command at %s (LISTENQ_BIN)", bin);
	if (access("/proc/listenq_hist", R_OK)) {
		self->skip = "no /proc/listenq_hist: a module without the histograms";
		return;
	}
	lq_setup_netns(_metadata);
	ret = lq_param_num("probes", &probes);
	ASSERT_EQ(0, ret) TH_LOG("the probes parameter: %s", strerror(-ret));
	if (!probes) {
		ret = lq_param_set("probes", "1");
		if (ret) {
			self->skip = "cannot switch the module's probes on";
			return;
		}
		self->switched = true;
	}
}

FIXTURE_TEARDOWN(hist)
{
	int ret;

	if (self->afd >= 0)
		close(self->afd);
	if (self->cfd >= 0)
		close(self->cfd);
	if (self->d.fd >= 0)
		close(self->d.fd);
	if (self->json.out)
		lq_exec_free(&self->json);
	if (self->switched) {
		ret = lq_param_set("probes", "0");
		EXPECT_EQ(0, ret) TH_LOG("cannot switch the probes off again: %s", strerror(-ret));
	}
}

/*
 * D's one connection, accept()ed WAIT_D_US after the kernel queued the
 * child (it may come after connect() returns), then listenq --json D:
 * false when the module prints none of acc_q_peak, acc_fill, accept_wait.
 */
static bool hist_seen(struct __test_metadata *_metadata, FIXTURE_DATA(hist) *self)
{
	struct acc_wait w;
	const char *p, *end;

	lsn_up(_metadata, &self->d, BACKLOG_D);
	self->cfd = lq_connect_nb(AF_INET, "127.0.0.1", self->d.port);
	ASSERT_LE(0, self->cfd) TH_LOG("client of D: %s", strerror(-self->cfd));
	w = (struct acc_wait){ .lfd = self->d.fd, .want = 1 };
	ASSERT_TRUE(lq_wait_until(acc_reached, &w, 10000)) TH_LOG("D never queued its child");
	usleep(WAIT_D_US);
	self->afd = accept(self->d.fd, NULL, NULL);
	ASSERT_LE(0, self->afd) TH_LOG("accept() on D: %s", strerror(errno));

	self->obj = json_of(_metadata, &self->json, &self->d);
	end = lq_eol(self->obj);
	p = lq_json_key(self->obj, end, "acc_fill");
	self->acc_fill = p && !strncmp(p, "{\"0\":", 5) ? p + 5 : NULL;
	p = lq_json_key(self->obj, end, "accept_wait");
	self->accept_wait = p && *p == '{' ? p : NULL;
	self->have_peak = lq_json_num(self->obj, end, "acc_q_peak", &self->peak);
	TH_LOG("the module prints here:%s%s%s", self->have_peak ? " acc_q_peak" : "",
	       self->acc_fill ? " acc_fill" : "", self->accept_wait ? " accept_wait" : "");
	if (self->acc_fill || self->accept_wait || self->have_peak)
		return true;
	LOG_JSON(&self->json);
	return false;
}

#define NONE_HERE	"the module prints none of acc_q_peak, acc_fill, accept_wait here"

/* The bound in us of the only wait bucket with a count in an accept_wait object, or -1. */
static long long only_wait_bucket(const char *aw)
{
	const char *end = lq_eol(aw), *p;
	long long le = -1, c;
	int n = 0;

	for (p = strstr(aw, "{\"le_us\":"); p && p < end; p = strstr(p + 1, "{\"le_us\":")) {
		if (!lq_json_num(p, end, "count", &c))
			break;
		if (c) {
			n++;
			le = strncmp(p + 9, "null", 4) ? strtoll(p + 9, NULL, 10) : LLONG_MAX;
		}
	}
	return n == 1 ? le : -1;
}

/*
 * --json: acc_q_peak 1; acc_fill's "0" bucket 1 (the queue was empty when
 * the handshake arrived); one wait, in a bucket of at least 32768 us.
 */
TEST_F(hist, json_histograms)
{
	long long v;

	if (self->skip)
		SKIP(return, "%s", self->skip);
	if (!hist_seen(_metadata, self))
		SKIP(return, NONE_HERE);
	if (self->have_peak) {
		EXPECT_EQ(1, self->peak) LOG_JSON(&self->json);
	}
	if (self->acc_fill) {
		EXPECT_EQ(1, strtoll(self->acc_fill, NULL, 10)) LOG_JSON(&self->json);
	}
	if (self->accept_wait) {
		v = -1;
		EXPECT_TRUE(lq_json_num(self->accept_wait, NULL, "count", &v)) LOG_JSON(&self->json);
		EXPECT_EQ(1, v) LOG_JSON(&self->json);
		EXPECT_LE(32768, only_wait_bucket(self->accept_wait)) LOG_JSON(&self->json);
	}
}

/*
 * --prometheus: a sample for each histogram --json shows, none for the
 * others; the same values, a fill _sum of 0, the wait in no bucket up to
 * 16384 us.
 */
TEST_F(hist, prometheus_histograms)
{
	const char *d[] = { "local", self->d.local, NULL, NULL, NULL };
	bool have_af, have_aw;
	struct lq_exec r;
	long long v;

	if (self->skip)
		SKIP(return, "%s", self->skip);
	if (!hist_seen(_metadata, self))
		SKIP(return, NONE_HERE);
	have_af = self->acc_fill != NULL;
	have_aw = self->accept_wait != NULL;
	lq_listenq(&r, -1, "--prometheus", self->d.pstr, NULL);
	EXPECT_EQ(0, r.status) LOG_PROM(&r);
	v = -1;
	EXPECT_EQ(self->have_peak ? 1 : 0,
		  lq_prom_sample(r.out, "listenq_accept_queue_peak", d, NULL, &v)) LOG_PROM(&r);
	if (self->have_peak) {
		EXPECT_EQ(1, v) LOG_PROM(&r);
	}
	EXPECT_EQ(have_af ? 1 : 0,
		  lq_prom_sample(r.out, "listenq_accept_queue_fill_ratio_count", d, NULL, NULL))
		LOG_PROM(&r);
	v = -1;
	EXPECT_EQ(have_aw ? 1 : 0,
		  lq_prom_sample(r.out, "listenq_accept_wait_seconds_count", d, NULL, &v))
		LOG_PROM(&r);
	if (have_aw) {
		EXPECT_EQ(1, v) LOG_PROM(&r);
	}
	if (have_af) {
		EXPECT_TRUE(strstr(r.out, "# TYPE listenq_accept_queue_fill_ratio histogram\n"))
			LOG_PROM(&r);
		v = -1;
		EXPECT_EQ(1, lq_prom_sample(r.out, "listenq_accept_queue_fill_ratio_sum", d, NULL,
					    &v)) LOG_PROM(&r);
		EXPECT_EQ(0, v) LOG_PROM(&r);
		d[2] = "le";
		d[3] = "0";
		v = -1;
		EXPECT_EQ(1, lq_prom_sample(r.out, "listenq_accept_queue_fill_ratio_bucket", d,
					    NULL, &v)) LOG_PROM(&r);
		EXPECT_EQ(1, v) LOG_PROM(&r);
	}
	if (have_aw) {
		EXPECT_TRUE(strstr(r.out, "# TYPE listenq_accept_wait_seconds histogram\n"))
			LOG_PROM(&r);
		d[2] = "le";
		d[3] = "+Inf";
		v = -1;
		EXPECT_EQ(1, lq_prom_sample(r.out, "listenq_accept_wait_seconds_bucket", d, NULL,
					    &v)) LOG_PROM(&r);
		EXPECT_EQ(1, v) LOG_PROM(&r);
		d[3] = "0.016384";
		v = -1;
		EXPECT_EQ(1, lq_prom_sample(r.out, "listenq_accept_wait_seconds_bucket", d, NULL,
					    &v)) LOG_PROM(&r);
		EXPECT_EQ(0, v) LOG_PROM(&r);
	}
	lq_exec_free(&r);
}

TEST_HARNESS_MAIN
