// SPDX-License-Identifier: GPL-2.0
/*
 * SYN-queue columns of /proc/listenq (syn_q, syn_young, syn_cap, syn_full,
 * drops) against raw SYNs the test sends itself.
 *
 * SYNs come from 198.18.0.0/15 (2001:2::/48 for IPv6), one source address
 * per SYN, to a loopback listener. A route for that prefix via lo lets
 * route_req() succeed; the SYN-ACKs then loop back and are discarded, so
 * every request stays in the SYN queue until its SYN-ACK retries run out.
 *
 * Ground truth: the number of SYNs sent, the SYN_RECV rows of
 * /proc/net/tcp{,6} (with their retransmit count), and TcpExt deltas. Every
 * SYN ends in exactly one of: queued (SYN_RECV row), cookie
 * (TCPReqQFullDoCookies) or dropped (ListenDrops) - tcp_conn_request()
 * in net/ipv4/tcp_input.c.
 *
 * How many a listener holds depends on the kernel's point release: the SYN
 * queue is full at qlen >= backlog before the stable backports of
 * 3479c7549fb1 (5.10.223), at qlen > backlog after (5.10.262, 6.1.125+,
 * 6.12.10+, 6.13+). Each cap the tests expect is measured on the running
 * kernel first (lq_kfacts.h: the same listener and sysctls in a namespace
 * of its own, filled until it refuses), never assumed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "lq_test.h"

FIXTURE(synq) {
	int family, lfd, raw, port, nsyn;
	struct lq_mib before;
	/* measured: the SYN and accept queue caps; drops past the cap are the quarter rule's */
	int syn_cap, acc_cap;
	bool quarter;
};

FIXTURE_VARIANT(synq) {
	int family;
	int syncookies;
	int max_syn_backlog;	/* 0: the netns default */
	int backlog;
	int nsyn;
	const char *syn_full;
};

FIXTURE_VARIANT_ADD(synq, cookies1_b4) {
	/* 5 queued (4 with >=), the rest get cookies */
	.family = AF_INET, .syncookies = 1, .backlog = 4, .nsyn = 12, .syn_full = "cookie",
};

FIXTURE_VARIANT_ADD(synq, cookies1_b4_v6) {
	.family = AF_INET6, .syncookies = 1, .backlog = 4, .nsyn = 12, .syn_full = "cookie",
};

FIXTURE_VARIANT_ADD(synq, cookies1_b0) {
	/* listen(fd, 0) queues one request with >, none with >= (cookies instead) */
	.family = AF_INET, .syncookies = 1, .backlog = 0, .nsyn = 4, .syn_full = "cookie",
};

FIXTURE_VARIANT_ADD(synq, cookies1_below_cap) {
	/* below the cap nothing but the queue moves */
	.family = AF_INET, .syncookies = 1, .backlog = 16, .nsyn = 3, .syn_full = "cookie",
};

FIXTURE_VARIANT_ADD(synq, cookies0_b4) {
	/* queue full without cookies: TCPReqQFullDrop + ListenDrops + sk_drops */
	.family = AF_INET, .syncookies = 0, .max_syn_backlog = 128, .backlog = 4, .nsyn = 12,
	.syn_full = "drop",
};

FIXTURE_VARIANT_ADD(synq, cookies0_b4_v6) {
	.family = AF_INET6, .syncookies = 0, .max_syn_backlog = 128, .backlog = 4, .nsyn = 12,
	.syn_full = "drop",
};

/* With >= every SYN is dropped: the listener refuses everything (acc_cap 0). */
FIXTURE_VARIANT_ADD(synq, cookies0_b0) {
	.family = AF_INET, .syncookies = 0, .max_syn_backlog = 128, .backlog = 0, .nsyn = 3,
	.syn_full = "drop",
};

FIXTURE_VARIANT_ADD(synq, cookies0_b0_v6) {
	.family = AF_INET6, .syncookies = 0, .max_syn_backlog = 128, .backlog = 0, .nsyn = 3,
	.syn_full = "drop",
};

/*
 * Quarter rule: with syncookies=0 a SYN from an unproven peer is dropped when
 * M - qlen < M >> 2 (tcp_conn_request()). M = 16: dropped once
 * qlen > 12, so 13 are queued (M - (M >> 2) + 1), well below the backlog's 100.
 * These drops bump ListenDrops and sk_drops only, not TCPReqQFullDrop.
 */
FIXTURE_VARIANT_ADD(synq, cookies0_quarter) {
	.family = AF_INET, .syncookies = 0, .max_syn_backlog = 16, .backlog = 100, .nsyn = 20,
	.syn_full = "drop",
};

FIXTURE_VARIANT_ADD(synq, cookies0_quarter_v6) {
	.family = AF_INET6, .syncookies = 0, .max_syn_backlog = 16, .backlog = 100, .nsyn = 20,
	.syn_full = "drop",
};

/* M = 128 leaves 97 for unproven peers, more than the backlog allows: the backlog decides. */
FIXTURE_VARIANT_ADD(synq, cookies0_quarter_not_binding) {
	.family = AF_INET, .syncookies = 0, .max_syn_backlog = 128, .backlog = 8, .nsyn = 12,
	.syn_full = "drop",
};

/* syncookies=2: every SYN is answered with a cookie, nothing is queued. */
FIXTURE_VARIANT_ADD(synq, cookies2) {
	.family = AF_INET, .syncookies = 2, .backlog = 4, .nsyn = 6, .syn_full = "cookie_all",
};

FIXTURE_VARIANT_ADD(synq, cookies2_v6) {
	.family = AF_INET6, .syncookies = 2, .backlog = 4, .nsyn = 6, .syn_full = "cookie_all",
};

/* A listener of the variant's with tcp_syncookies=@syncookies, for lq_measure_*(). */
static struct lq_cap_conf synq_conf(const FIXTURE_VARIANT(synq) *variant, int syncookies)
{
	return (struct lq_cap_conf){
		.family = variant->family, .backlog = variant->backlog,
		.syncookies = syncookies, .max_syn_backlog = variant->max_syn_backlog,
	};
}

FIXTURE_SETUP(synq)
{
	struct lq_cap_conf c = synq_conf(variant, variant->syncookies);
	struct lq_cap_conf c1 = synq_conf(variant, 1);
	int ret;

	self->lfd = self->raw = -1;
	self->family = variant->family;
	/* what this kernel does with such a listener, before the test's own */
	self->syn_cap = lq_cap_ok(_metadata, lq_measure_syn_cap(&c), "SYN queue");
	self->acc_cap = lq_cap_ok(_metadata, lq_measure_acc_cap(&c), "accept queue");
	/* SYN drops are the quarter rule's if cookies (which lift it) would let more in */
	self->quarter = !variant->syncookies &&
			self->syn_cap < lq_cap_ok(_metadata, lq_measure_syn_cap(&c1), "SYN queue");
	lq_setup_netns(_metadata);
	if (variant->family == AF_INET)
		ret = lq_route_add(AF_INET, LQ_SYN_NET4, LQ_SYN_PREFIX4, "lo");
	else
		ret = lq_route_add(AF_INET6, LQ_SYN_NET6, LQ_SYN_PREFIX6, "lo");
	ASSERT_EQ(0, ret) TH_LOG("route to the SYN sources via lo: %s", strerror(-ret));
	lq_set_sysctl(_metadata, "net/ipv4/tcp_syncookies", variant->syncookies);
	if (variant->max_syn_backlog)
		lq_set_sysctl(_metadata, "net/ipv4/tcp_max_syn_backlog", variant->max_syn_backlog);
	self->lfd = lq_listen(_metadata, variant->family, lq_loopback(variant->family),
			      variant->backlog, 0);
	self->port = lq_port(_metadata, self->lfd);
	self->raw = lq_raw_socket(variant->family);
	ASSERT_LE(0, self->raw) TH_LOG("raw socket: %s", strerror(-self->raw));
	lq_mib(_metadata, &self->before);
}

FIXTURE_TEARDOWN(synq)
{
	if (self->raw >= 0)
		close(self->raw);
	if (self->lfd >= 0)
		close(self->lfd);
}

static struct lq_mib synq_delta(struct __test_metadata *_metadata, const struct lq_mib *before)
{
	struct lq_mib now, d;

	lq_mib(_metadata, &now);
	lq_mib_delta(before, &now, &d);
	return d;
}

/* All sent SYNs have been processed: each one is queued, a cookie, or a drop. */
static bool synq_settled(void *arg)
{
	FIXTURE_DATA(synq) *self = arg;
	struct lq_mib now, d;
	int queued = lq_tcp_count(self->family, self->port, LQ_TCP_SYN_RECV);

	if (queued < 0 || lq_mib_snapshot(&now))
		return false;
	lq_mib_delta(&self->before, &now, &d);
	return queued + d.reqq_full_do_cookies + d.listen_drops == (unsigned long long)self->nsyn;
}

static void synq_send(struct __test_metadata *_metadata, FIXTURE_DATA(synq) *self, int n)
{
	int ret;

	self->nsyn = n;
	ret = lq_send_syns(self->raw, self->family, lq_loopback(self->family), self->port, 0, n);
	ASSERT_EQ(n, ret) TH_LOG("raw SYNs: %s", strerror(-ret));
	ASSERT_TRUE(lq_wait_until(synq_settled, self, 5000))
		TH_LOG("the %d SYNs did not all show up as queued, cookie or drop", n);
}

/* Queue counts after a burst of SYNs, all read before the first SYN-ACK timeout. */
TEST_F(synq, burst)
{
	int queued, young, want = variant->nsyn < self->syn_cap ? variant->nsyn : self->syn_cap;
	int rest = variant->nsyn - want;
	int cookies = variant->syncookies ? rest : 0;
	int qfull_drops = !variant->syncookies && !self->quarter ? rest : 0;
	int quarter_drops = !variant->syncookies && self->quarter ? rest : 0;
	struct lq_proc_row row;
	struct lq_mib d;

	TH_LOG("measured: SYN queue cap %d, accept queue cap %d%s", self->syn_cap, self->acc_cap,
	       self->quarter ? ", the quarter rule binds" : "");
	synq_send(_metadata, self, variant->nsyn);
	queued = lq_tcp_count(variant->family, self->port, LQ_TCP_SYN_RECV);
	d = synq_delta(_metadata, &self->before);

	/* the kernel's own accounting is what the measured cap predicts */
	EXPECT_EQ(want, queued);
	EXPECT_EQ(cookies, (long long)d.reqq_full_do_cookies);
	EXPECT_EQ(cookies, (long long)d.syncookies_sent);
	EXPECT_EQ(qfull_drops, (long long)d.reqq_full_drop);
	EXPECT_EQ(qfull_drops + quarter_drops, (long long)d.listen_drops);
	/* the accept queue is empty, so no SYN met its gate */
	EXPECT_EQ(0, (long long)d.listen_overflows);

	/* young and the row from one instant: no SYN-ACK timer fired in between */
	for (int try = 0; try < 5; try++) {
		young = lq_tcp_count_young(variant->family, self->port);
		if (!lq_row_of(_metadata, self->lfd, &row))
			SKIP(return, LQ_NO_MODULE_SKIP);
		if (young == lq_tcp_count_young(variant->family, self->port))
			break;
	}
	EXPECT_EQ(queued, row.syn_q);
	EXPECT_EQ(young, row.syn_young);
	EXPECT_EQ(self->syn_cap, row.syn_cap);
	EXPECT_STREQ(variant->syn_full, row.syn_full);
	EXPECT_EQ((long long)d.listen_drops, row.drops);
	EXPECT_EQ(0, row.acc_q);
	EXPECT_EQ(variant->backlog, row.acc_max);
	EXPECT_EQ(self->acc_cap, row.acc_cap);
}

/* A second burst from new peers: the queue never grows past syn_cap. */
TEST_F(synq, second_burst)
{
	int queued, want = variant->nsyn + 5;
	struct lq_proc_row row;
	struct lq_mib d;
	int ret;

	if (want > self->syn_cap)
		want = self->syn_cap;
	synq_send(_metadata, self, variant->nsyn);
	/* sources 1000.. are new peers, so no SYN matches an existing request */
	ret = lq_send_syns(self->raw, variant->family, lq_loopback(variant->family),
			   self->port, 1000, 5);
	ASSERT_EQ(5, ret);
	self->nsyn += 5;
	ASSERT_TRUE(lq_wait_until(synq_settled, self, 5000));
	queued = lq_tcp_count(variant->family, self->port, LQ_TCP_SYN_RECV);
	d = synq_delta(_metadata, &self->before);
	EXPECT_EQ(want, queued);
	if (!lq_row_of(_metadata, self->lfd, &row))
		SKIP(return, LQ_NO_MODULE_SKIP);
	EXPECT_EQ(queued, row.syn_q);
	EXPECT_LE(row.syn_q, row.syn_cap);
	EXPECT_EQ((long long)d.listen_drops, row.drops);
}

/*
 * syn_full, syn_cap and acc_cap follow tcp_syncookies as it is now, for
 * every value: each against the caps this kernel has with it.
 */
TEST_F(synq, syncookies_change)
{
	static const char *const full[] = { "drop", "cookie", "cookie_all" };
	struct lq_proc_row row;

	for (int sc = 0; sc <= 2; sc++) {
		struct lq_cap_conf c = synq_conf(variant, sc);
		int syn_cap = lq_cap_ok(_metadata, lq_measure_syn_cap(&c), "SYN queue");
		int acc_cap = lq_cap_ok(_metadata, lq_measure_acc_cap(&c), "accept queue");

		lq_set_sysctl(_metadata, "net/ipv4/tcp_syncookies", sc);
		if (!lq_row_of(_metadata, self->lfd, &row))
			SKIP(return, LQ_NO_MODULE_SKIP);
		EXPECT_STREQ(full[sc], row.syn_full);
		EXPECT_EQ(syn_cap, row.syn_cap) TH_LOG("tcp_syncookies=%d", sc);
		EXPECT_EQ(acc_cap, row.acc_cap) TH_LOG("tcp_syncookies=%d", sc);
	}
}

FIXTURE(synq_age) {
	int lfd, raw, port;
};

FIXTURE_SETUP(synq_age)
{
	lq_setup_netns(_metadata);
	ASSERT_EQ(0, lq_route_add(AF_INET, LQ_SYN_NET4, LQ_SYN_PREFIX4, "lo"));
	/* 3 requests against backlog 16: no pruning of the retry budget (2*3 <= 16) */
	self->lfd = lq_listen(_metadata, AF_INET, "127.0.0.1", 16, 0);
	self->port = lq_port(_metadata, self->lfd);
	self->raw = lq_raw_socket(AF_INET);
	ASSERT_LE(0, self->raw);
}

FIXTURE_TEARDOWN(synq_age)
{
	close(self->raw);
	close(self->lfd);
}

struct synq_rows {
	int port, want_queued, want_young;
};

static bool synq_rows_are(void *arg)
{
	struct synq_rows *w = arg;

	return lq_tcp_count(AF_INET, w->port, LQ_TCP_SYN_RECV) == w->want_queued &&
	       lq_tcp_count_young(AF_INET, w->port) == w->want_young;
}

/*
 * young counts requests whose SYN-ACK never timed out: after the first
 * retransmit (1 s) all three are old but still queued (reqsk_queue_len_young()).
 */
TEST_F(synq_age, young_decays)
{
	struct synq_rows w = { .port = self->port, .want_queued = 3, .want_young = 0 };
	struct lq_proc_row row;

	ASSERT_EQ(3, lq_send_syns(self->raw, AF_INET, "127.0.0.1", self->port, 0, 3));
	ASSERT_TRUE(lq_wait_until(synq_rows_are, &w, 10000))
		TH_LOG("requests did not take their first SYN-ACK timeout");
	if (!lq_row_of(_metadata, self->lfd, &row))
		SKIP(return, LQ_NO_MODULE_SKIP);
	EXPECT_EQ(3, row.syn_q);
	EXPECT_EQ(0, row.syn_young);
}

/*
 * With tcp_synack_retries=1 a request expires at its second timer (about
 * 3 s): the queue empties with no drop counted (reqsk_timer_handler).
 */
TEST_F_TIMEOUT(synq_age, requests_expire, 120)
{
	struct synq_rows w = { .port = self->port, .want_queued = 0, .want_young = 0 };
	struct lq_mib before, d;
	struct lq_proc_row row;

	lq_set_sysctl(_metadata, "net/ipv4/tcp_synack_retries", 1);
	lq_mib(_metadata, &before);
	ASSERT_EQ(3, lq_send_syns(self->raw, AF_INET, "127.0.0.1", self->port, 0, 3));
	ASSERT_TRUE(lq_wait_until(synq_rows_are, &w, 20000))
		TH_LOG("requests did not expire");
	d = synq_delta(_metadata, &before);
	EXPECT_EQ(0, (long long)d.listen_drops);
	if (!lq_row_of(_metadata, self->lfd, &row))
		SKIP(return, LQ_NO_MODULE_SKIP);
	EXPECT_EQ(0, row.syn_q);
	EXPECT_EQ(0, row.syn_young);
	EXPECT_EQ(0, row.drops);
}

TEST_HARNESS_MAIN
