// SPDX-License-Identifier: GPL-2.0
/*
 * Accept-queue columns of /proc/listenq (acc_q, acc_max, acc_cap, syn_q,
 * drops) against real loopback connections.
 *
 * Clients connect one at a time and each handshake is waited for, so the
 * queue state is exact: a SYN is admitted while sk_ack_backlog <=
 * sk_max_ack_backlog (sk_acceptq_is_full(): "> means full"), so the queue holds
 * backlog + 1 children, and every later SYN is dropped at the accept-queue
 * gate of tcp_conn_request() (its sk_acceptq_is_full() test: ListenOverflows +
 * ListenDrops + sk_drops). A client whose SYN was dropped is closed at once,
 * before its 1 s retransmit, so each extra client costs exactly one drop.
 *
 * Ground truth: accept() counts, /proc/net/tcp{,6} rows, TcpExt deltas and
 * the listener's TCP_INFO (tcpi_unacked/tcpi_sacked = ack backlog and max).
 * Each cap is measured first (lq_kfacts.h: the same listener in a namespace
 * of its own, clients until one is refused), not assumed: a kernel's point
 * release may change what a listener admits.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "lq_test.h"

#define MAX_CLIENTS 64

struct queue_fill {
	int family, port;
	int children;			/* ESTABLISHED children queued so far */
	unsigned long long drops0;	/* ListenDrops before this client */
	int client;
};

/* The client's handshake completed and the child sits in the accept queue. */
static bool child_queued(void *arg)
{
	struct queue_fill *f = arg;

	return lq_tcp_state(f->client) == LQ_TCP_ESTABLISHED &&
	       lq_tcp_count(f->family, f->port, LQ_TCP_ESTABLISHED) == f->children + 1;
}

/* The client's SYN was dropped by the listener. */
static bool syn_dropped(void *arg)
{
	struct queue_fill *f = arg;
	unsigned long long drops;

	return !lq_mib_read("ListenDrops", &drops) && drops > f->drops0;
}

/*
 * Connect n clients to [addr]:port, one at a time. The first cap must be
 * accepted into the queue, the rest must have their SYN dropped; those are
 * closed. Client fds of the queued ones stay open until the test exits.
 */
static void fill_queue(struct __test_metadata *_metadata, int family, int port, int n, int cap)
{
	struct queue_fill f = { .family = family, .port = port };
	int i;

	ASSERT_LE(n, MAX_CLIENTS);
	f.children = lq_tcp_count(family, port, LQ_TCP_ESTABLISHED);
	ASSERT_LE(0, f.children);
	for (i = 0; i < n; i++) {
		ASSERT_EQ(0, lq_mib_read("ListenDrops", &f.drops0));
		f.client = lq_connect_nb(family, lq_loopback(family), port);
		ASSERT_LE(0, f.client) TH_LOG("connect: %s", strerror(-f.client));
		if (f.children < cap) {
			ASSERT_TRUE(lq_wait_until(child_queued, &f, 5000))
				TH_LOG("client %d: no queued child (state %d)", i,
				       lq_tcp_state(f.client));
			f.children++;
		} else {
			ASSERT_TRUE(lq_wait_until(syn_dropped, &f, 5000))
				TH_LOG("client %d: SYN to a full accept queue not dropped", i);
			ASSERT_EQ(LQ_TCP_SYN_SENT, lq_tcp_state(f.client));
			close(f.client);
		}
	}
}

/*
 * The accept queue cap of listen(fd, @backlog) on this kernel, with
 * tcp_syncookies=1 (a namespace's default) and @somaxconn (0: the default).
 */
static int kernel_acc_cap(struct __test_metadata *_metadata, int family, int backlog,
			  int somaxconn)
{
	struct lq_cap_conf c = {
		.family = family, .backlog = backlog, .somaxconn = somaxconn, .syncookies = 1,
	};

	return lq_cap_ok(_metadata, lq_measure_acc_cap(&c), "accept queue");
}

static int accept_all(struct __test_metadata *_metadata, int lfd)
{
	int n = lq_accept_all(lfd);

	ASSERT_LE(0, n) TH_LOG("accept: %s", strerror(-n));
	return n;
}

static void listener_info(struct __test_metadata *_metadata, int lfd, unsigned int *acc,
			  unsigned int *max)
{
	int ret = lq_listener_info(lfd, acc, max);

	ASSERT_EQ(0, ret) TH_LOG("TCP_INFO: %s", strerror(-ret));
}

FIXTURE(acceptq) {
	int lfd, port, cap;
	struct lq_mib before;
};

FIXTURE_VARIANT(acceptq) {
	int family;
	int backlog;
};

FIXTURE_VARIANT_ADD(acceptq, b0) { .family = AF_INET, .backlog = 0 };
FIXTURE_VARIANT_ADD(acceptq, b1) { .family = AF_INET, .backlog = 1 };
FIXTURE_VARIANT_ADD(acceptq, b3) { .family = AF_INET, .backlog = 3 };
FIXTURE_VARIANT_ADD(acceptq, b16) { .family = AF_INET, .backlog = 16 };
FIXTURE_VARIANT_ADD(acceptq, b0_v6) { .family = AF_INET6, .backlog = 0 };
FIXTURE_VARIANT_ADD(acceptq, b3_v6) { .family = AF_INET6, .backlog = 3 };

FIXTURE_SETUP(acceptq)
{
	self->cap = kernel_acc_cap(_metadata, variant->family, variant->backlog, 0);
	lq_setup_netns(_metadata);
	self->lfd = lq_listen(_metadata, variant->family, lq_loopback(variant->family),
			      variant->backlog, 0);
	self->port = lq_port(_metadata, self->lfd);
	lq_mib(_metadata, &self->before);
}

FIXTURE_TEARDOWN(acceptq)
{
	close(self->lfd);
}

/* A fresh listener: empty queues, limits from listen(). */
TEST_F(acceptq, fresh)
{
	struct lq_proc_row row;

	if (!lq_row_of(_metadata, self->lfd, &row))
		SKIP(return, LQ_NO_MODULE_SKIP);
	EXPECT_EQ(0, row.acc_q);
	EXPECT_EQ(variant->backlog, row.acc_max);
	EXPECT_EQ(self->cap, row.acc_cap);
	EXPECT_EQ(0, row.syn_q);
	EXPECT_EQ(0, row.syn_young);
	EXPECT_EQ(0, row.drops);
	EXPECT_EQ(0, row.tfo_q);
}

/* Fill the queue past its cap: exactly cap (backlog + 1) children, the rest dropped. */
TEST_F(acceptq, overflow)
{
	int cap = self->cap, extra = 3, syn_recv, accepted;
	unsigned int ti_acc, ti_max;
	struct lq_proc_row row, after;
	struct lq_mib now, d;
	bool mod;

	fill_queue(_metadata, variant->family, self->port, cap + extra, cap);
	lq_mib(_metadata, &now);
	lq_mib_delta(&self->before, &now, &d);
	syn_recv = lq_tcp_count(variant->family, self->port, LQ_TCP_SYN_RECV);
	listener_info(_metadata, self->lfd, &ti_acc, &ti_max);
	mod = lq_row_of(_metadata, self->lfd, &row);
	accepted = accept_all(_metadata, self->lfd);

	EXPECT_EQ(cap, accepted);
	EXPECT_EQ(0, syn_recv);
	EXPECT_EQ((unsigned int)cap, ti_acc);
	/* one dropped SYN per extra client, all of them at the accept-queue gate */
	EXPECT_EQ(extra, (long long)d.listen_drops);
	EXPECT_EQ(extra, (long long)d.listen_overflows);
	if (!mod)
		SKIP(return, LQ_NO_MODULE_SKIP);
	EXPECT_EQ(accepted, row.acc_q);
	EXPECT_EQ(row.acc_cap, row.acc_q);
	EXPECT_EQ(cap, row.acc_cap);
	EXPECT_EQ(variant->backlog, row.acc_max);
	EXPECT_EQ(ti_max, row.acc_max);
	EXPECT_EQ(syn_recv, row.syn_q);
	EXPECT_EQ((long long)d.listen_drops, row.drops);

	ASSERT_TRUE(lq_row_of(_metadata, self->lfd, &after));
	EXPECT_EQ(0, after.acc_q);
	EXPECT_EQ(row.drops, after.drops);
}

/* Below the cap nothing is dropped and acc_q counts exactly the children. */
TEST_F(acceptq, partial)
{
	int k = self->cap / 2 + 1, accepted;
	struct lq_proc_row row;
	struct lq_mib now, d;
	bool mod;

	fill_queue(_metadata, variant->family, self->port, k, k);
	mod = lq_row_of(_metadata, self->lfd, &row);
	accepted = accept_all(_metadata, self->lfd);
	lq_mib(_metadata, &now);
	lq_mib_delta(&self->before, &now, &d);

	EXPECT_EQ(k, accepted);
	EXPECT_EQ(0, (long long)d.listen_drops);
	if (!mod)
		SKIP(return, LQ_NO_MODULE_SKIP);
	EXPECT_EQ(accepted, row.acc_q);
	EXPECT_EQ(0, row.syn_q);
	EXPECT_EQ(0, row.drops);
}

/* accept() takes children out one at a time: acc_q follows every one of them. */
TEST_F(acceptq, drain)
{
	int cap = self->cap, fd, i;
	unsigned int ti_acc, ti_max;
	struct lq_proc_row row;

	fill_queue(_metadata, variant->family, self->port, cap, cap);
	for (i = cap; i >= 0; i--) {
		listener_info(_metadata, self->lfd, &ti_acc, &ti_max);
		ASSERT_EQ((unsigned int)i, ti_acc);
		if (!lq_row_of(_metadata, self->lfd, &row))
			SKIP(return, LQ_NO_MODULE_SKIP);
		EXPECT_EQ(i, row.acc_q);
		if (i) {
			fd = accept(self->lfd, NULL, NULL);
			ASSERT_LE(0, fd);
			close(fd);
		}
	}
}

FIXTURE(backlog) {
	int lfd, port;
	struct lq_mib before;
};

FIXTURE_SETUP(backlog)
{
	self->lfd = -1;
	lq_setup_netns(_metadata);
	lq_mib(_metadata, &self->before);
}

FIXTURE_TEARDOWN(backlog)
{
	if (self->lfd >= 0)
		close(self->lfd);
}

/* Fill the listener's queue with n clients (cap accepted) and return the accept() count. */
static int fill_and_accept(struct __test_metadata *_metadata, int lfd, int n, int cap,
			   struct lq_proc_row *row, bool *mod)
{
	int port = lq_port(_metadata, lfd);

	fill_queue(_metadata, AF_INET, port, n, cap);
	*mod = lq_row_of(_metadata, lfd, row);
	return accept_all(_metadata, lfd);
}

/* listen() clamps the backlog to net.core.somaxconn of the netns (socket.c __sys_listen). */
TEST_F(backlog, somaxconn_clamp)
{
	int cap = kernel_acc_cap(_metadata, AF_INET, 100, 8);
	struct lq_proc_row row;
	struct lq_mib now, d;
	bool mod;

	lq_set_sysctl(_metadata, "net/core/somaxconn", 8);
	self->lfd = lq_listen(_metadata, AF_INET, "127.0.0.1", 100, 0);
	EXPECT_EQ(cap, fill_and_accept(_metadata, self->lfd, cap + 3, cap, &row, &mod));
	lq_mib(_metadata, &now);
	lq_mib_delta(&self->before, &now, &d);
	EXPECT_EQ(3, (long long)d.listen_drops);
	if (!mod)
		SKIP(return, LQ_NO_MODULE_SKIP);
	EXPECT_EQ(8, row.acc_max);
	EXPECT_EQ(cap, row.acc_cap);
	EXPECT_EQ(cap, row.acc_q);
	EXPECT_EQ((long long)d.listen_drops, row.drops);
}

/* A negative backlog is (unsigned) huge, so it becomes somaxconn. */
TEST_F(backlog, negative_is_somaxconn)
{
	int cap = kernel_acc_cap(_metadata, AF_INET, -1, 6);
	struct lq_proc_row row;
	bool mod;

	lq_set_sysctl(_metadata, "net/core/somaxconn", 6);
	self->lfd = lq_listen(_metadata, AF_INET, "127.0.0.1", -1, 0);
	EXPECT_EQ(cap, fill_and_accept(_metadata, self->lfd, cap + 2, cap, &row, &mod));
	if (!mod)
		SKIP(return, LQ_NO_MODULE_SKIP);
	EXPECT_EQ(6, row.acc_max);
	EXPECT_EQ(cap, row.acc_cap);
}

/*
 * Same with the netns default somaxconn, whatever it is: too many clients
 * to fill, so the cap is the clamped backlog plus what a small backlog's
 * measured cap has over its backlog.
 */
TEST_F(backlog, negative_default_somaxconn)
{
	long long somaxconn = lq_get_sysctl(_metadata, "net/core/somaxconn");
	int slack = kernel_acc_cap(_metadata, AF_INET6, 3, 0) - 3;
	unsigned int ti_acc, ti_max;
	struct lq_proc_row row;

	self->lfd = lq_listen(_metadata, AF_INET6, "::1", -1, 0);
	listener_info(_metadata, self->lfd, &ti_acc, &ti_max);
	EXPECT_EQ(somaxconn, ti_max);
	if (!lq_row_of(_metadata, self->lfd, &row))
		SKIP(return, LQ_NO_MODULE_SKIP);
	EXPECT_EQ(somaxconn, row.acc_max);
	EXPECT_EQ(somaxconn + slack, row.acc_cap);
}

/* listen() on a listening socket only changes the backlog (af_inet.c inet_listen). */
TEST_F(backlog, relisten_updates)
{
	int cap = kernel_acc_cap(_metadata, AF_INET, 2, 0);
	struct lq_proc_row row;
	bool mod;

	self->lfd = lq_listen(_metadata, AF_INET, "127.0.0.1", 5, 0);
	if (lq_row_of(_metadata, self->lfd, &row))
		EXPECT_EQ(5, row.acc_max);
	ASSERT_EQ(0, listen(self->lfd, 2));
	EXPECT_EQ(cap, fill_and_accept(_metadata, self->lfd, cap + 3, cap, &row, &mod));
	if (!mod)
		SKIP(return, LQ_NO_MODULE_SKIP);
	EXPECT_EQ(2, row.acc_max);
	EXPECT_EQ(cap, row.acc_cap);
	EXPECT_EQ(cap, row.acc_q);
}

/* Lowering somaxconn later does not re-clamp an existing listener. */
TEST_F(backlog, somaxconn_not_reclamped)
{
	int cap = kernel_acc_cap(_metadata, AF_INET, 4, 0);
	struct lq_proc_row row;
	bool mod;

	self->lfd = lq_listen(_metadata, AF_INET, "127.0.0.1", 4, 0);
	lq_set_sysctl(_metadata, "net/core/somaxconn", 1);
	EXPECT_EQ(cap, fill_and_accept(_metadata, self->lfd, cap + 2, cap, &row, &mod));
	if (!mod)
		SKIP(return, LQ_NO_MODULE_SKIP);
	EXPECT_EQ(4, row.acc_max);
	EXPECT_EQ(cap, row.acc_cap);
}

/* Two listeners in one netns keep their own queues and drop counts. */
TEST_F(backlog, per_listener)
{
	int ca = kernel_acc_cap(_metadata, AF_INET, 1, 0);
	int a = lq_listen(_metadata, AF_INET, "127.0.0.1", 1, 0);
	int b = lq_listen(_metadata, AF_INET, "127.0.0.1", 2, 0);
	struct lq_proc_row ra, rb;
	struct lq_mib now, d;

	ASSERT_LE(2, kernel_acc_cap(_metadata, AF_INET, 2, 0));
	fill_queue(_metadata, AF_INET, lq_port(_metadata, a), ca + 2, ca);	/* 2 drops on a */
	fill_queue(_metadata, AF_INET, lq_port(_metadata, b), 2, 2);		/* none on b */
	lq_mib(_metadata, &now);
	lq_mib_delta(&self->before, &now, &d);
	EXPECT_EQ(2, (long long)d.listen_drops);
	if (!lq_row_of(_metadata, a, &ra) || !lq_row_of(_metadata, b, &rb))
		SKIP(return, LQ_NO_MODULE_SKIP);
	EXPECT_EQ(ca, ra.acc_q);
	EXPECT_EQ(2, ra.drops);
	EXPECT_EQ(2, rb.acc_q);
	EXPECT_EQ(0, rb.drops);
	EXPECT_EQ(ca, accept_all(_metadata, a));
	EXPECT_EQ(2, accept_all(_metadata, b));
}

TEST_HARNESS_MAIN
