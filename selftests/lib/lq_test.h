/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Harness-aware helpers shared by the listenq tests. They take _metadata so
 * that their ASSERT_*s end the calling test, as in kselftest.
 *
 * LQ_NO_MODULE=1 (host development only): when /proc/listenq is absent,
 * lq_read_table()/lq_row_of() log and return false instead of failing, so the
 * ground-truth half of every test can be exercised without the module.
 */
#ifndef LQ_TEST_H
#define LQ_TEST_H

#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

#include "harness.h"
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

/* Parse /proc/listenq; false only in LQ_NO_MODULE mode. */
static inline bool lq_read_table(struct __test_metadata *_metadata, struct lq_table *t)
{
	int ret;

	if (lq_no_module()) {
		TH_LOG("LQ_NO_MODULE: %s absent, module checks skipped", LQ_PROC_PATH);
		return false;
	}
	ret = lq_table_read(t, LQ_PROC_PATH);
	ASSERT_EQ(0, ret) TH_LOG("%s: %s (is the module loaded?)", LQ_PROC_PATH, strerror(-ret));
	return true;
}

/* The /proc/listenq row of listener fd, found by socket inode. */
static inline bool lq_row_of(struct __test_metadata *_metadata, int fd, struct lq_row *row)
{
	unsigned long long ino = lq_sock_ino(fd);
	const struct lq_row *r;
	struct lq_table t;

	ASSERT_NE(0, ino);
	if (!lq_read_table(_metadata, &t))
		return false;
	r = lq_table_find_inode(&t, ino);
	ASSERT_TRUE(r != NULL) TH_LOG("no %s row with inode %llu:\n%s", LQ_PROC_PATH, ino,
				      lq_read_file(LQ_PROC_PATH));
	*row = *r;
	lq_table_free(&t);
	return true;
}

#endif /* LQ_TEST_H */
