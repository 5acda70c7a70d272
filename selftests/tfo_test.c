// SPDX-License-Identifier: GPL-2.0
/*
 * TCP Fast Open columns of /proc/listenq (tfo_q, tfo_max) and their effect
 * on acc_q/syn_q, with raw SYNs that carry data.
 *
 * With net.ipv4.tcp_fastopen = 0x202 (TFO_SERVER_ENABLE |
 * TFO_SERVER_COOKIE_NOT_REQD) a SYN with data needs no cookie:
 * tcp_try_fastopen() (net/ipv4/tcp_fastopen.c) creates a full child in
 * SYN_RECV, puts it straight into the accept queue and counts it in
 * fastopenq.qlen. The SYN-ACK goes to 198.18.0.0/15 via lo and is discarded,
 * so the child stays pending. Once fastopenq.qlen >= max_qlen
 * (tcp_fastopen_queue_check) a SYN falls back to a regular request in the
 * SYN queue and TCPFastOpenListenOverflow counts it.
 *
 * Ground truth: TcpExt TCPFastOpenPassive / TCPFastOpenListenOverflow
 * deltas, SYN_RECV rows of /proc/net/tcp (a TFO child has the SYN's data in
 * rx_queue, a request has 0) and accept() counts.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lq_test.h"

#define PAYLOAD "hello"

FIXTURE(tfo) {
	int lfd, raw, port, nsyn;
	unsigned long long passive0, overflow0;
};

FIXTURE_VARIANT(tfo) {
	int max_qlen;		/* TCP_FASTOPEN on the listener */
	int nsyn;		/* SYNs with data */
	int children;		/* expected TFO children = min(nsyn, max_qlen) */
};

FIXTURE_VARIANT_ADD(tfo, below_max) { .max_qlen = 5, .nsyn = 3, .children = 3 };
FIXTURE_VARIANT_ADD(tfo, at_max) { .max_qlen = 2, .nsyn = 5, .children = 2 };

FIXTURE_SETUP(tfo)
{
	lq_setup_netns(_metadata);
	ASSERT_EQ(0, lq_route_add(AF_INET, LQ_SYN_NET4, LQ_SYN_PREFIX4, "lo"));
	lq_set_sysctl(_metadata, "net/ipv4/tcp_fastopen", 0x202);
	self->lfd = lq_listen(_metadata, AF_INET, "127.0.0.1", 16, 0);
	self->port = lq_port(_metadata, self->lfd);
	ASSERT_EQ(0, setsockopt(self->lfd, IPPROTO_TCP, TCP_FASTOPEN, &variant->max_qlen,
				sizeof(int)));
	self->raw = lq_raw_socket(AF_INET);
	ASSERT_LE(0, self->raw);
	ASSERT_EQ(0, lq_mib_read("TCPFastOpenPassive", &self->passive0));
	ASSERT_EQ(0, lq_mib_read("TCPFastOpenListenOverflow", &self->overflow0));
}

FIXTURE_TEARDOWN(tfo)
{
	close(self->raw);
	close(self->lfd);
}

struct synrecv {
	int children, requests;	/* SYN_RECV rows with data / without */
};

static int count_synrecv(int port, struct synrecv *s)
{
	struct lq_tcp_row *rows;
	int n = lq_tcp_rows(AF_INET, &rows);

	if (n < 0)
		return n;
	s->children = s->requests = 0;
	for (int i = 0; i < n; i++) {
		if (rows[i].lport != port || rows[i].state != LQ_TCP_SYN_RECV)
			continue;
		if (rows[i].rx_queue)
			s->children++;
		else
			s->requests++;
	}
	free(rows);
	return 0;
}

static bool all_synrecv(void *arg)
{
	FIXTURE_DATA(tfo) *self = arg;
	struct synrecv s;

	return !count_synrecv(self->port, &s) && s.children + s.requests == self->nsyn;
}

TEST_F(tfo, children)
{
	unsigned long long passive, overflow;
	int fds[16], accepted = 0, fd;
	struct lq_proc_row row, after;
	struct synrecv s;
	bool mod;

	self->nsyn = variant->nsyn;
	ASSERT_EQ(variant->nsyn, lq_send_syns_data(self->raw, AF_INET, "127.0.0.1", self->port,
						   0, variant->nsyn, PAYLOAD, strlen(PAYLOAD)));
	ASSERT_TRUE(lq_wait_until(all_synrecv, self, 5000))
		TH_LOG("the SYNs did not all become SYN_RECV rows");
	ASSERT_EQ(0, count_synrecv(self->port, &s));
	ASSERT_EQ(0, lq_mib_read("TCPFastOpenPassive", &passive));
	ASSERT_EQ(0, lq_mib_read("TCPFastOpenListenOverflow", &overflow));
	passive -= self->passive0;
	overflow -= self->overflow0;

	EXPECT_EQ(variant->children, (long long)passive);
	EXPECT_EQ(variant->nsyn - variant->children, (long long)overflow);
	EXPECT_EQ(variant->children, s.children);
	EXPECT_EQ(variant->nsyn - variant->children, s.requests);

	mod = lq_row_of(_metadata, self->lfd, &row);
	/* a pending TFO child can be accept()ed before its handshake completes */
	ASSERT_EQ(0, lq_set_nonblock(self->lfd));
	while ((fd = accept(self->lfd, NULL, NULL)) >= 0) {
		ASSERT_LT(accepted, 16);
		fds[accepted++] = fd;
	}
	EXPECT_EQ(variant->children, accepted);
	if (!mod)
		SKIP(return, LQ_NO_MODULE_SKIP);
	EXPECT_EQ(variant->max_qlen, row.tfo_max);
	EXPECT_EQ((long long)passive, row.tfo_q);
	EXPECT_EQ(accepted, row.acc_q);
	/* TFO children are not requests: only the fallbacks are in the SYN queue */
	EXPECT_EQ(s.requests, row.syn_q);

	/* accept() empties the accept queue, the children stay pending TFO */
	ASSERT_TRUE(lq_row_of(_metadata, self->lfd, &after));
	EXPECT_EQ(0, after.acc_q);
	EXPECT_EQ(row.tfo_q, after.tfo_q);
	for (int i = 0; i < accepted; i++)
		close(fds[i]);
}

TEST_HARNESS_MAIN
