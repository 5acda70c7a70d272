/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Harness-aware helpers shared by the listenq tests. They take _metadata so
 * that their ASSERT_*s end the calling test, as in kselftest.
 *
 * LQ_NO_MODULE=1 (host development only): when /proc/listenq is absent,
 * lq_read_proc()/lq_row_of() log and return false instead of failing, so the
 * ground-truth half of every test can be exercised without the module.
 */
#ifndef LQ_TEST_H
#define LQ_TEST_H

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lq_exec.h"
#include "lq_harness.h"
#include "lq_kfacts.h"
#include "lq_kmod.h"
#include "lq_proc.h"
#include "netutil.h"

static inline const char *lq_loopback(int family)
{
	return family == AF_INET ? "127.0.0.1" : "::1";
}

/* Every test runs in a fresh netns, so counters and ports are its own. */
static inline void lq_setup_netns(struct __test_metadata *_metadata)
{
	int ret = lq_netns_enter();

	ASSERT_EQ(0, ret) TH_LOG("unshare(CLONE_NEWNET) + lo up: %s", strerror(-ret));
}

static inline void lq_set_sysctl(struct __test_metadata *_metadata, const char *name,
				 long long val)
{
	int ret = lq_sysctl_write(name, val);

	ASSERT_EQ(0, ret) TH_LOG("write %lld to /proc/sys/%s: %s", val, name, strerror(-ret));
}

/*
 * A test's loop count @n (repetitions, threads, cycles), scaled by
 * LQ_SCALE, a percentage from 1 to 100 (default 100), and never below
 * @min: the debug lane runs the long loops shorter, under the same
 * assertions. Not for values under test.
 */
static inline int lq_scaled(int n, int min)
{
	const char *env = getenv("LQ_SCALE");
	long pct = env ? strtol(env, NULL, 10) : 100;

	if (pct < 1 || pct > 100)
		pct = 100;
	n = n * pct / 100;
	return n < min ? min : n;
}

static inline long long lq_get_sysctl(struct __test_metadata *_metadata, const char *name)
{
	long long val = 0;
	int ret = lq_sysctl_read(name, &val);

	ASSERT_EQ(0, ret) TH_LOG("read /proc/sys/%s: %s", name, strerror(-ret));
	return val;
}

/* A listener on addr, port 0 (so tests never collide); returns the fd. */
static inline int lq_listen(struct __test_metadata *_metadata, int family, const char *addr,
			    int backlog, int flags)
{
	int fd = lq_tcp_listener(family, addr, 0, backlog, flags);

	ASSERT_LE(0, fd) TH_LOG("listener on %s: %s", addr, strerror(-fd));
	return fd;
}

static inline int lq_port(struct __test_metadata *_metadata, int fd)
{
	int port = lq_local_port(fd);

	ASSERT_LT(0, port) TH_LOG("getsockname: %s", strerror(-port));
	return port;
}

static inline void lq_mib(struct __test_metadata *_metadata, struct lq_mib *m)
{
	int ret = lq_mib_snapshot(m);

	ASSERT_EQ(0, ret) TH_LOG("/proc/net/netstat: %s", strerror(-ret));
}

/* What a command printed and how it ended (lq_exec_run(), lq_listenq()), for a failed check. */
static inline void lq_log_run(struct __test_metadata *_metadata, const char *what,
			      const struct lq_exec *r)
{
	TH_LOG("%s: exit %d\n# stdout:\n%s\n# stderr:\n%s", what, r->status, r->out, r->err);
}

/* Why a test whose module half lq_read_proc()/lq_row_of() refused is skipped */
#define LQ_NO_MODULE_SKIP	"listenq is not loaded (LQ_NO_MODULE)"

/* Parse /proc/listenq; false only in LQ_NO_MODULE mode. */
static inline bool lq_read_proc(struct __test_metadata *_metadata, struct lq_proc *t)
{
	int ret;

	if (lq_no_module()) {
		TH_LOG("LQ_NO_MODULE: %s absent, module checks skipped", LQ_PROC_PATH);
		return false;
	}
	ret = lq_proc_read(t, LQ_PROC_PATH);
	ASSERT_EQ(0, ret) TH_LOG("%s: %s (is the module loaded?)", LQ_PROC_PATH, strerror(-ret));
	return true;
}

/*
 * The /proc/listenq row of listener fd, found by socket inode: a copy with
 * the fixed fields only (its table is gone: use lq_col() for the others).
 */
static inline bool lq_row_of(struct __test_metadata *_metadata, int fd, struct lq_proc_row *row)
{
	unsigned long long ino = lq_sock_ino(fd);
	const struct lq_proc_row *r;
	struct lq_proc t;

	ASSERT_NE(0ULL, ino);
	if (!lq_read_proc(_metadata, &t))
		return false;
	r = lq_proc_find_inode(&t, ino);
	ASSERT_TRUE(r != NULL) TH_LOG("no %s row with inode %llu:\n%s", LQ_PROC_PATH, ino,
				      t.raw);
	*row = *r;
	row->hdr = NULL;
	memset(row->tok, 0, sizeof(row->tok));
	lq_proc_free(&t);
	return true;
}

/* Column name of listener fd's /proc/listenq row: as lq_proc_col(), LQ_BAD without a row. */
static inline long long lq_col(int fd, const char *name)
{
	return lq_proc_col_of(LQ_PROC_PATH, lq_sock_ino(fd), name);
}

/* For lq_wait_until(): listener @lfd's accept queue holds @want children. */
struct acc_wait {
	int lfd;
	unsigned int want;
};

static inline bool acc_reached(void *arg)
{
	struct acc_wait *w = arg;
	unsigned int acc, max;

	return !lq_listener_info(w->lfd, &acc, &max) && acc == w->want;
}

/*
 * Switch probes off (they must be on) and check the count of per-listener
 * records the module says it still held then: the test's own count of its
 * listeners that are still open and took a record, 0 once it closed them
 * all. Records are global: every other test must have closed its own.
 */
static inline void lq_probes_off_expect_held(struct __test_metadata *_metadata, long long want)
{
	int kfd = lq_kmsg_open(), ret;
	long long held;
	char *log;

	ASSERT_LE(0, kfd) TH_LOG("/dev/kmsg: %s", strerror(-kfd));
	ret = lq_param_set("probes", "0");
	if (ret)
		close(kfd);
	ASSERT_EQ(0, ret) TH_LOG("probes=0: %s", strerror(-ret));
	log = lq_kmsg_read(kfd);
	close(kfd);
	ASSERT_TRUE(log != NULL);
	held = lq_probes_off_held(log);
	EXPECT_EQ(want, held) TH_LOG("no '" LQ_PROBES_OFF_MSG "%lld" LQ_PROBES_OFF_HELD
				     "' as the last such line of:\n%s", want, log);
	free(log);
}

/* A measured cap (lq_measure_syn_cap(), lq_measure_acc_cap()); the test ends if it failed. */
static inline int lq_cap_ok(struct __test_metadata *_metadata, int cap, const char *what)
{
	ASSERT_LE(0, cap) TH_LOG("measuring the kernel's %s cap: %s", what, strerror(-cap));
	return cap;
}

/*
 * The `expired` column of listener @fd, against the @want expiries the test
 * saw happen (its own requests' SYN_RECV rows gone, no drop counted).
 * Exact on a kernel with __inet_csk_reqsk_queue_drop(), which the module
 * probes. On one without (5.10.223) the module's last word on it in the
 * kernel log decides (lq_expired_way()): where it says it counts them
 * through reqsk_timer_handler() and reqsk_queue_unlink(), exact too; where
 * it says it cannot, "-"; a kernel log with neither line fails.
 */
static inline void lq_expect_expired(struct __test_metadata *_metadata, int fd, long long want)
{
	long long got = lq_col(fd, "expired");
	int kfd, way;
	char *log;

	if (lq_kernel_has_expire_fn()) {
		EXPECT_EQ(want, got) TH_LOG("expired, with __inet_csk_reqsk_queue_drop()");
		return;
	}
	kfd = lq_kmsg_open_all();
	ASSERT_LE(0, kfd) TH_LOG("/dev/kmsg: %s", strerror(-kfd));
	log = lq_kmsg_read(kfd);
	close(kfd);
	ASSERT_TRUE(log != NULL);
	way = lq_expired_way(log);
	if (way == LQ_EXPIRED_COUNTED) {
		EXPECT_EQ(want, got)
			TH_LOG("expired, no __inet_csk_reqsk_queue_drop() but the module says '%s'",
			       LQ_EXPIRED_COUNTED_MSG);
	} else if (way == LQ_EXPIRED_NONE) {
		EXPECT_EQ(LQ_NONE, got)
			TH_LOG("expired %lld: the module says it cannot count them ('%s...%s')",
			       got, LQ_EXPIRED_NONE_MSG, LQ_EXPIRED_NONE_END);
	} else {
		/* the module says which, each time its probes go on */
		EXPECT_LE(0, way) TH_LOG("expired %lld, want %lld: no %s, nor '%s' or '%s...%s'",
					 got, want, "__inet_csk_reqsk_queue_drop() in kallsyms",
					 LQ_EXPIRED_COUNTED_MSG, LQ_EXPIRED_NONE_MSG,
					 LQ_EXPIRED_NONE_END);
	}
	free(log);
}

#endif /* LQ_TEST_H */
