// SPDX-License-Identifier: GPL-2.0
/*
 * Queue statistics (probes=1): the peaks of both queues, SYN-ACK
 * retransmissions per listener, and /proc/listenq_hist (how full each
 * queue was at each arrival, how long connections waited for accept()).
 *
 * Every value is checked against what the test itself did: the SYNs it
 * sent one by one, the handshakes it completed, its own sleeps before
 * accept() and its own clock around them, and the namespace's TcpExt
 * counters (TCPSynRetrans, TCPReqQFullDrop, ListenOverflows). The expected
 * buckets are the test's own arithmetic on the test's own sequence, never
 * include/listenq/model.h's. The listener's syn_cap and acc_cap columns are
 * read only as the caps the buckets are relative to, and checked against
 * the backlog first.
 *
 * Each test runs in its own namespace, with probes switched on before its
 * listeners exist. Tests that close all their listeners switch the probes
 * off at the end and check that the module held no record
 * (lq_probes_off_expect_held()).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lq_hist.h"
#include "lq_test.h"

/* Hang detectors only: nothing here waits on the machine's speed. */
#define SETTLE_MS	10000		/* SYNs and handshakes on lo */
#define EXPIRE_MS	60000		/* requests expiring: 3 s or 7 s by the RTO */

static void probes_on(struct __test_metadata *_metadata)
{
	int ret = lq_param_set("probes", "1");

	if (ret == -ENOENT)
		SKIP(return, "listenq is not loaded");
	ASSERT_EQ(0, ret) TH_LOG("probes=1: %s", strerror(-ret));
}

/*
 * Probes on, a fresh netns with both SYN source ranges routed to lo (their
 * SYN-ACKs go out on lo and are dropped on the way back in, not local and
 * not forwarded: nobody answers them), and the sysctls asked for; a value
 * < 0 keeps the namespace's default.
 */
static void setup(struct __test_metadata *_metadata, int syncookies, int max_syn_backlog,
		  int synack_retries)
{
	int ret;

	probes_on(_metadata);
	lq_setup_netns(_metadata);
	ret = lq_route_add(AF_INET, LQ_SYN_NET4, LQ_SYN_PREFIX4, "lo");
	ASSERT_EQ(0, ret) TH_LOG("route to the IPv4 SYN sources: %s", strerror(-ret));
	ret = lq_route_add(AF_INET6, LQ_SYN_NET6, LQ_SYN_PREFIX6, "lo");
	ASSERT_EQ(0, ret) TH_LOG("route to the IPv6 SYN sources: %s", strerror(-ret));
	if (syncookies >= 0)
		lq_set_sysctl(_metadata, "net/ipv4/tcp_syncookies", syncookies);
	if (max_syn_backlog >= 0)
		lq_set_sysctl(_metadata, "net/ipv4/tcp_max_syn_backlog", max_syn_backlog);
	if (synack_retries >= 0)
		lq_set_sysctl(_metadata, "net/ipv4/tcp_synack_retries", synack_retries);
}

/*
 * The SYN (@syn) or accept queue cap of a listen(fd, @backlog) with these
 * sysctls (@max_syn_backlog 0: the default), measured on this kernel
 * (lq_kfacts.h), never taken from the module: where the kernel tests
 * qlen >= backlog (5.10.223) it is not where it tests qlen > backlog.
 */
static long long kernel_cap(struct __test_metadata *_metadata, bool syn, int family, int backlog,
			    int syncookies, int max_syn_backlog)
{
	struct lq_cap_conf c = {
		.family = family, .backlog = backlog, .syncookies = syncookies,
		.max_syn_backlog = max_syn_backlog,
	};

	return lq_cap_ok(_metadata, syn ? lq_measure_syn_cap(&c) : lq_measure_acc_cap(&c),
			 syn ? "SYN queue" : "accept queue");
}

static void send_syns(struct __test_metadata *_metadata, int family, int port, int first, int n)
{
	int raw = lq_raw_socket(family), ret;

	ASSERT_LE(0, raw) TH_LOG("raw socket: %s", strerror(-raw));
	ret = lq_send_syns(raw, family, lq_loopback(family), port, first, n);
	close(raw);
	ASSERT_EQ(n, ret) TH_LOG("raw SYNs: %s", strerror(-ret));
}

struct synrecv_wait {
	int family, port, want;
};

static bool synrecv_reached(void *arg)
{
	struct synrecv_wait *w = arg;

	return lq_tcp_count(w->family, w->port, LQ_TCP_SYN_RECV) == w->want;
}

/* Wait until /proc/net/tcp{,6} shows @want requests of @port. */
static void wait_synrecv(struct __test_metadata *_metadata, int family, int port, int want,
			 int timeout_ms)
{
	struct synrecv_wait w = { family, port, want };

	ASSERT_TRUE(lq_wait_until(synrecv_reached, &w, timeout_ms))
		TH_LOG("port %d: %d requests in SYN_RECV, not %d", port,
		       lq_tcp_count(family, port, LQ_TCP_SYN_RECV), want);
}

/* SYN_RECV requests in this namespace, of any listener and family. */
static bool no_requests(void *arg)
{
	int family;

	(void)arg;
	for (family = AF_INET; family; family = family == AF_INET ? AF_INET6 : 0) {
		struct lq_tcp_row *rows;
		int n = lq_tcp_rows(family, &rows);

		if (n < 0)
			return false;
		for (int i = 0; i < n; i++) {
			if (rows[i].state == LQ_TCP_SYN_RECV) {
				free(rows);
				return false;
			}
		}
		free(rows);
	}
	return true;
}

/*
 * All listeners closed: the requests they left expire on their timers
 * (reqsk_timer_handler()) with probes still on, then probes off must find
 * no record held.
 */
static void probes_off_clean(struct __test_metadata *_metadata)
{
	EXPECT_TRUE(lq_wait_until(no_requests, NULL, EXPIRE_MS))
		TH_LOG("requests of closed listeners still in SYN_RECV");
	lq_probes_off_expect_held(_metadata, 0);
}

/* sk_ack_backlog of listener @lfd by TCP_INFO (the kernel's own count). */
static unsigned int acc_len(struct __test_metadata *_metadata, int lfd)
{
	unsigned int acc = 0, max;

	ASSERT_EQ(0, lq_listener_info(lfd, &acc, &max));
	return acc;
}

/* Wait until TCP_INFO shows @want children in @lfd's accept queue. */
static void wait_acc(struct __test_metadata *_metadata, int lfd, unsigned int want)
{
	struct acc_wait w = { lfd, want };

	ASSERT_TRUE(lq_wait_until(acc_reached, &w, SETTLE_MS))
		TH_LOG("accept queue at %u, not %u", acc_len(_metadata, lfd), want);
}

/* A nonblocking client of @family's loopback:@port. */
static int client(struct __test_metadata *_metadata, int family, int port)
{
	int fd = lq_connect_nb(family, lq_loopback(family), port);

	ASSERT_LE(0, fd) TH_LOG("connect: %s", strerror(-fd));
	return fd;
}

static unsigned long long mib(struct __test_metadata *_metadata, const char *name)
{
	unsigned long long v = 0;
	int ret = lq_mib_read(name, &v);

	ASSERT_EQ(0, ret) TH_LOG("TcpExt %s: %s", name, strerror(-ret));
	return v;
}

/* The /proc/listenq_hist row of listener @fd (or of @path for another netns). */
static void hist_at(struct __test_metadata *_metadata, const char *path,
		    unsigned long long ino, struct lq_hist *h)
{
	int ret = lq_hist_of(path, ino, h);

	ASSERT_EQ(0, ret) TH_LOG("%s row of inode %llu: %s", path, ino, strerror(-ret));
}

static void hist_of(struct __test_metadata *_metadata, int fd, struct lq_hist *h)
{
	hist_at(_metadata, LQ_HIST_PATH, lq_sock_ino(fd), h);
}

static long long sum(const long long *v, int n)
{
	long long s = 0;

	for (int i = 0; i < n; i++)
		s += v[i];
	return s;
}

static void expect_fill(struct __test_metadata *_metadata, const char *q,
			const long long *want, const long long *seen)
{
	for (int i = 0; i < LQ_HIST_NFILL; i++) {
		char name[32];

		EXPECT_EQ(want[i], seen[i])
			TH_LOG("%s", lq_hist_fill_name(name, sizeof(name), q, i));
	}
}

/* Every cell of @h is zero: a listener nothing happened to. */
static void expect_hist_zero(struct __test_metadata *_metadata, const struct lq_hist *h)
{
	static const long long zero[LQ_HIST_NFILL];

	expect_fill(_metadata, "syn", zero, h->syn_fill);
	expect_fill(_metadata, "acc", zero, h->acc_fill);
	EXPECT_EQ(0, h->syn_fill_sum);
	EXPECT_EQ(0, h->acc_fill_sum);
	EXPECT_EQ(0, h->wait_count);
	EXPECT_EQ(0, h->wait_sum_ns);
	for (int i = 0; i < LQ_HIST_NWAIT; i++) {
		EXPECT_EQ(0, h->wait[i]) TH_LOG("wait bucket %d", i);
	}
}

/* Close an accepted child with a RST: no TIME_WAIT keeps its port. */
static void close_rst(int fd)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd);
}

/*
 * syn_q_peak: bursts of raw SYNs, their SYN-ACKs never answered, and with
 * tcp_synack_retries=1 each request expires at its second timeout
 * (reqsk_timer_handler(): 1 s, then 2 s more). The peak is read while the
 * requests are queued and again once they have all expired: it stays. A
 * later smaller burst leaves it; a burst past the cap makes it the cap.
 */
TEST(syn_q_peak)
{
	/* B or B + 1 by the kernel's rule; the quarter rule of M = 128 is 97 */
	long long cap = kernel_cap(_metadata, true, AF_INET, 16, 0, 128);
	unsigned long long drops;
	int lfd, port;

	setup(_metadata, 0, 128, 1);
	lfd = lq_listen(_metadata, AF_INET, "127.0.0.1", 16, 0);
	port = lq_port(_metadata, lfd);
	ASSERT_EQ(cap, lq_col(lfd, "syn_cap")) TH_LOG("syn_cap of backlog 16");
	EXPECT_EQ(0, lq_col(lfd, "syn_q_peak"));

	send_syns(_metadata, AF_INET, port, 0, 5);
	wait_synrecv(_metadata, AF_INET, port, 5, SETTLE_MS);
	EXPECT_EQ(5, lq_col(lfd, "syn_q_peak"));
	wait_synrecv(_metadata, AF_INET, port, 0, EXPIRE_MS);
	EXPECT_EQ(0, lq_col(lfd, "syn_q"));
	EXPECT_EQ(5, lq_col(lfd, "syn_q_peak")) TH_LOG("the peak of a drained queue");

	send_syns(_metadata, AF_INET, port, 100, 3);
	wait_synrecv(_metadata, AF_INET, port, 3, SETTLE_MS);
	EXPECT_EQ(5, lq_col(lfd, "syn_q_peak")) TH_LOG("a smaller burst changed the peak");
	wait_synrecv(_metadata, AF_INET, port, 0, EXPIRE_MS);

	/* cap + 4 into the empty queue: cap queued, 4 dropped (syncookies off) */
	drops = mib(_metadata, "TCPReqQFullDrop");
	send_syns(_metadata, AF_INET, port, 200, cap + 4);
	wait_synrecv(_metadata, AF_INET, port, cap, SETTLE_MS);
	EXPECT_EQ(4, (long long)(mib(_metadata, "TCPReqQFullDrop") - drops));
	EXPECT_EQ(cap, lq_col(lfd, "syn_q_peak"));
	wait_synrecv(_metadata, AF_INET, port, 0, EXPIRE_MS);
	EXPECT_EQ(cap, lq_col(lfd, "syn_q_peak")) TH_LOG("the peak of a drained queue");
	EXPECT_EQ(0, lq_col(lfd, "acc_q_peak"));
	close(lfd);
	probes_off_clean(_metadata);
}

/*
 * acc_q_peak: K clients connect, all K are accepted, and only then is the
 * peak read: K, with acc_q 0. A smaller batch later leaves it; more
 * clients than the queue holds make it acc_cap (the SYNs past it are
 * dropped: ListenOverflows, tcp_conn_request()).
 */
TEST(acc_q_peak)
{
	long long cap = kernel_cap(_metadata, false, AF_INET, 8, 1, 0);
	unsigned long long overflows;
	int lfd, port, c[16], i, n;

	ASSERT_GE(13, cap) TH_LOG("c[] holds 16 clients");
	setup(_metadata, 1, -1, -1);
	lfd = lq_listen(_metadata, AF_INET, "127.0.0.1", 8, 0);
	port = lq_port(_metadata, lfd);
	ASSERT_EQ(cap, lq_col(lfd, "acc_cap")) TH_LOG("acc_cap of backlog 8");

	for (i = 0; i < 5; i++)
		c[i] = client(_metadata, AF_INET, port);
	wait_acc(_metadata, lfd, 5);
	ASSERT_EQ(5, lq_accept_all(lfd));
	for (i = 0; i < 5; i++)
		close(c[i]);
	EXPECT_EQ(0, lq_col(lfd, "acc_q"));
	EXPECT_EQ(5, lq_col(lfd, "acc_q_peak"));

	for (i = 0; i < 2; i++)
		c[i] = client(_metadata, AF_INET, port);
	wait_acc(_metadata, lfd, 2);
	ASSERT_EQ(2, lq_accept_all(lfd));
	for (i = 0; i < 2; i++)
		close(c[i]);
	EXPECT_EQ(5, lq_col(lfd, "acc_q_peak")) TH_LOG("a smaller batch changed the peak");

	overflows = mib(_metadata, "ListenOverflows");
	n = cap + 3;
	for (i = 0; i < n; i++)
		c[i] = client(_metadata, AF_INET, port);
	wait_acc(_metadata, lfd, cap);
	/* the 3 clients past the cap are still in SYN_SENT: closing them ends them */
	for (i = 0; i < n; i++)
		close(c[i]);
	EXPECT_LE(3, (long long)(mib(_metadata, "ListenOverflows") - overflows));
	ASSERT_EQ(cap, lq_accept_all(lfd));
	EXPECT_EQ(0, lq_col(lfd, "acc_q"));
	EXPECT_EQ(cap, lq_col(lfd, "acc_q_peak"));
	close(lfd);
	probes_off_clean(_metadata);
}

/*
 * The fill sum, in millionths, of arrivals that found q = @from .. @to - 1
 * of @cap, each q once, and then @full arrivals at a full queue: each adds
 * q/cap rounded down to a millionth, a full queue 1 (doc/columns.md).
 */
static long long fill_sum(long long from, long long to, long long cap, long long full)
{
	long long s = full * 1000000;

	for (long long q = from; q < to; q++)
		s += q * 1000000 / cap;
	return s;
}

/*
 * syn_fill: raw SYNs one at a time into an empty queue of cap C, each sent
 * once the previous one is queued (or dropped), cap + 2 in all: SYN i
 * (from 0) finds i requests queued, up to C, and the last two find it
 * full. By the spec's bounds (0; 0 < q <= C/4; C/4 < q <= C/2;
 * C/2 < q <= 3C/4; 3C/4 < q < C; q >= C):
 *   C = 16: q = 0 | 1..4 | 5..8 | 9..12 | 13..15 | 16, 16
 *   C = 17: q = 0 | 1..4 | 5..8 | 9..12 | 13..16 | 17, 17
 * and the sum is that of q/C for q = 0 .. C - 1, plus 2. No handshake
 * completes: the accept queue's buckets stay 0.
 */
TEST(syn_fill)
{
	static const long long want16[LQ_HIST_NFILL] = { 1, 4, 4, 4, 3, 2 };
	static const long long want17[LQ_HIST_NFILL] = { 1, 4, 4, 4, 4, 2 };
	static const long long zero[LQ_HIST_NFILL];
	long long cap = kernel_cap(_metadata, true, AF_INET, 16, 0, 128);
	unsigned long long drops0;
	struct lq_hist h;
	int lfd, port, i;

	/* the buckets above are worked out for these two */
	ASSERT_TRUE(cap == 16 || cap == 17) TH_LOG("this kernel's cap %lld for backlog 16", cap);
	setup(_metadata, 0, 128, -1);
	lfd = lq_listen(_metadata, AF_INET, "127.0.0.1", 16, 0);
	port = lq_port(_metadata, lfd);
	ASSERT_EQ(cap, lq_col(lfd, "syn_cap")) TH_LOG("syn_cap of backlog 16");
	hist_of(_metadata, lfd, &h);
	expect_hist_zero(_metadata, &h);

	drops0 = mib(_metadata, "TCPReqQFullDrop");
	for (i = 0; i < cap + 2; i++) {
		send_syns(_metadata, AF_INET, port, i, 1);
		if (i < cap) {
			wait_synrecv(_metadata, AF_INET, port, i + 1, SETTLE_MS);
		} else {
			unsigned long long d = 0;
			long long deadline = lq_now_ms() + SETTLE_MS;

			while (d != (unsigned long long)(i + 1 - cap) && lq_now_ms() < deadline) {
				d = mib(_metadata, "TCPReqQFullDrop") - drops0;
				usleep(2000);
			}
			ASSERT_EQ(i + 1 - cap, (long long)d) TH_LOG("SYN %d not dropped", i);
		}
	}
	hist_of(_metadata, lfd, &h);
	expect_fill(_metadata, "syn", cap == 16 ? want16 : want17, h.syn_fill);
	EXPECT_EQ(fill_sum(0, cap, cap, 2), h.syn_fill_sum);
	expect_fill(_metadata, "acc", zero, h.acc_fill);
	EXPECT_EQ(0, h.acc_fill_sum);
	EXPECT_EQ(0, h.wait_count);
	close(lfd);
	probes_off_clean(_metadata);
}

/*
 * acc_fill: clients connect one at a time, each once the previous child is
 * in the accept queue, none accepted: handshake i (from 0) finds i
 * children. Backlog 8, acc_cap 9, 9 handshakes:
 *   q = 0 | 1, 2 (<= 9/4) | 3, 4 (<= 9/2) | 5, 6 (<= 27/4) | 7, 8 (< 9)
 * summing to q/9 for q = 0 .. 8, and each client's SYN found the SYN
 * queue empty, summing to 0.
 */
TEST(acc_fill)
{
	static const long long want[LQ_HIST_NFILL] = { 1, 2, 2, 2, 2, 0 };
	static const long long syn_want[LQ_HIST_NFILL] = { 9, 0, 0, 0, 0, 0 };
	int lfd, port, c[9], i;
	struct lq_hist h;

	/* the buckets above are worked out for a cap of 9 */
	ASSERT_EQ(9, kernel_cap(_metadata, false, AF_INET, 8, 1, 0)) TH_LOG("this kernel's cap");
	setup(_metadata, 1, -1, -1);
	lfd = lq_listen(_metadata, AF_INET, "127.0.0.1", 8, 0);
	port = lq_port(_metadata, lfd);
	ASSERT_EQ(9, lq_col(lfd, "acc_cap")) TH_LOG("acc_cap of backlog 8");
	for (i = 0; i < 9; i++) {
		c[i] = client(_metadata, AF_INET, port);
		wait_acc(_metadata, lfd, i + 1);
	}
	hist_of(_metadata, lfd, &h);
	expect_fill(_metadata, "acc", want, h.acc_fill);
	EXPECT_EQ(fill_sum(0, 9, 9, 0), h.acc_fill_sum);
	expect_fill(_metadata, "syn", syn_want, h.syn_fill);
	EXPECT_EQ(0, h.syn_fill_sum);
	EXPECT_EQ(0, h.wait_count) TH_LOG("nothing accepted yet");
	for (i = 0; i < 9; i++)
		close(c[i]);
	ASSERT_EQ(9, lq_accept_all(lfd));
	close(lfd);
	probes_off_clean(_metadata);
}

/*
 * acc_fill_full: handshakes that find the accept queue full. Backlog 3
 * (acc_cap 4): three children fill it to 3, then TCP_DEFER_ACCEPT holds
 * three handshakes in the SYN queue (tcp_check_req() drops their bare
 * ACKs; it holds 3 whether full at qlen >= 3 or > 3) until each client
 * sends a byte, one at a time: the first finds q = 3 and becomes the
 * fourth child, the other two find q = 4 = cap in ->syn_recv_sock()
 * (sk_acceptq_is_full()) and, tcp_abort_on_overflow=1, are reset: one
 * arrival each. For cap 4:
 *   q = 0 | 1 (<= 4/4) | 2 (<= 4/2) | 3 (<= 12/4) | - | 4, 4
 * summing to 0 + 1/4 + 2/4 + 3/4 + 1 + 1.
 */
TEST(acc_fill_full)
{
	static const long long want[LQ_HIST_NFILL] = { 1, 1, 1, 1, 0, 2 };
	unsigned long long overflows;
	int lfd, port, c[6], i, secs = 30;
	struct lq_hist h;

	/* the buckets above are worked out for a cap of 4; 3 requests must fit */
	ASSERT_EQ(4, kernel_cap(_metadata, false, AF_INET, 3, 1, 0)) TH_LOG("this kernel's cap");
	ASSERT_LE(3, kernel_cap(_metadata, true, AF_INET, 3, 1, 0));
	setup(_metadata, 1, -1, -1);
	lq_set_sysctl(_metadata, "net/ipv4/tcp_abort_on_overflow", 1);
	lfd = lq_listen(_metadata, AF_INET, "127.0.0.1", 3, 0);
	port = lq_port(_metadata, lfd);
	ASSERT_EQ(4, lq_col(lfd, "acc_cap")) TH_LOG("acc_cap of backlog 3");
	for (i = 0; i < 3; i++) {
		c[i] = client(_metadata, AF_INET, port);
		wait_acc(_metadata, lfd, i + 1);
	}
	ASSERT_EQ(0, setsockopt(lfd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &secs, sizeof(secs)));
	for (i = 3; i < 6; i++)
		c[i] = client(_metadata, AF_INET, port);
	wait_synrecv(_metadata, AF_INET, port, 3, SETTLE_MS);

	overflows = mib(_metadata, "ListenOverflows");
	ASSERT_EQ(1, write(c[3], "x", 1));
	wait_acc(_metadata, lfd, 4);
	for (i = 4; i < 6; i++) {
		ASSERT_EQ(1, write(c[i], "x", 1));
		wait_synrecv(_metadata, AF_INET, port, 6 - 1 - i, SETTLE_MS);
	}
	EXPECT_EQ(2, (long long)(mib(_metadata, "ListenOverflows") - overflows));
	hist_of(_metadata, lfd, &h);
	expect_fill(_metadata, "acc", want, h.acc_fill);
	EXPECT_EQ(0 + 250000 + 500000 + 750000 + 2000000, h.acc_fill_sum);
	for (i = 0; i < 6; i++)
		close(c[i]);
	ASSERT_EQ(4, lq_accept_all(lfd));
	close(lfd);
	probes_off_clean(_metadata);
}

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Sleep at least @ns by CLOCK_MONOTONIC. */
static void sleep_ns(long long ns)
{
	long long end = now_ns() + ns, left;

	while ((left = end - now_ns()) > 0) {
		struct timespec ts = { left / 1000000000LL, left % 1000000000LL };

		nanosleep(&ts, NULL);
	}
}

/*
 * The wait bucket of @ns by the spec: wait_Nus holds waits <= N us and
 * > N/2 us (wait_1us: <= 1 us), N = 1, 2, 4, ... 2^24; wait_inf the rest.
 */
static int wait_bucket(long long ns)
{
	int i = 0;

	while (i < LQ_HIST_NWAIT - 1 && ns > 1000LL << i)
		i++;
	return i;
}

/*
 * The module's clock is ktime_get_mono_fast_ns(), the test's is
 * clock_gettime(CLOCK_MONOTONIC): one timekeeper, read through two
 * accessors that may round apart by a few ns. One microsecond covers it.
 */
#define CLOCK_SKEW_NS	1000

/* One connection through the accept queue, and what the test saw of it. */
struct waited {
	long long lo, hi;	/* the test's bounds of the wait */
	long long ns;		/* the module's: the wait_sum_ns delta */
	int bucket;		/* the one wait bucket that grew, -1 if not one */
};

/*
 * Connect, wait until TCP_INFO shows the child queued, sleep @sleep_ns,
 * accept(). The wait the module measures runs from the enqueue
 * (inet_csk_reqsk_queue_add()) to the dequeue in inet_csk_accept(), plus
 * at most the rest of inet_csk_accept(): it cannot be shorter than the
 * span from the moment the test saw the child queued to its call of
 * accept() (@lo), nor longer than the span from before connect() to
 * after accept() returned (@hi). Both bounds are the test's own clock
 * readings, whatever the machine's speed.
 */
static struct waited accept_after(struct __test_metadata *_metadata, int lfd, int port,
				  long long sleep)
{
	struct lq_hist before, after, d;
	long long t0, seen, called, t1;
	struct waited w = { .bucket = -1 };
	int c, a, i;

	hist_of(_metadata, lfd, &before);
	t0 = now_ns();
	c = client(_metadata, AF_INET, port);
	wait_acc(_metadata, lfd, 1);
	seen = now_ns();
	sleep_ns(sleep);
	called = now_ns();
	a = accept(lfd, NULL, NULL);
	t1 = now_ns();
	ASSERT_LE(0, a) TH_LOG("accept: %s", strerror(errno));
	close(a);
	close(c);
	hist_of(_metadata, lfd, &after);
	lq_hist_delta(&before, &after, &d);

	w.lo = called - seen;
	w.hi = t1 - t0;
	w.ns = d.wait_sum_ns;
	EXPECT_EQ(1, d.wait_count);
	for (i = 0; i < LQ_HIST_NWAIT; i++) {
		if (d.wait[i] == 1 && w.bucket < 0) {
			w.bucket = i;
			continue;
		}
		EXPECT_EQ(0, d.wait[i]) TH_LOG("wait bucket %d grew by %lld", i, d.wait[i]);
	}
	TH_LOG("slept %lld ns: module %lld ns, bucket %d; test's bounds %lld..%lld ns",
	       sleep, w.ns, w.bucket, w.lo, w.hi);
	return w;
}

static void expect_waited(struct __test_metadata *_metadata, const struct waited *w)
{
	EXPECT_LE(w->lo - CLOCK_SKEW_NS, w->ns) TH_LOG("shorter than the test waited");
	EXPECT_GE(w->hi + CLOCK_SKEW_NS, w->ns) TH_LOG("longer than connect() to accept()");
	ASSERT_LE(0, w->bucket) TH_LOG("no wait bucket grew by one");
	EXPECT_LE(wait_bucket(w->lo - CLOCK_SKEW_NS), w->bucket);
	EXPECT_GE(wait_bucket(w->hi + CLOCK_SKEW_NS), w->bucket);
	/* the bucket is that of the module's own measure */
	EXPECT_EQ(wait_bucket(w->ns), w->bucket);
}

/*
 * accept() after known sleeps: each wait within the test's bounds and in
 * a bucket consistent with them; the count and the sum add up. The sleeps
 * lie inside buckets (3 ms in 4096us, 20 ms in 32768us, 150 ms in
 * 262144us), though only the bounds decide.
 */
TEST(accept_wait)
{
	static const long long sleeps[] = { 0, 3000000, 20000000, 150000000 };
	const int n = sizeof(sleeps) / sizeof(sleeps[0]);
	long long total = 0, lo = 0;
	struct lq_hist h;
	int lfd, port, i;

	setup(_metadata, 1, -1, -1);
	lfd = lq_listen(_metadata, AF_INET, "127.0.0.1", 8, 0);
	port = lq_port(_metadata, lfd);
	for (i = 0; i < n; i++) {
		struct waited w = accept_after(_metadata, lfd, port, sleeps[i]);

		EXPECT_LE(sleeps[i], w.lo);
		expect_waited(_metadata, &w);
		total += w.ns;
		lo += sleeps[i];
	}
	hist_of(_metadata, lfd, &h);
	EXPECT_EQ(n, h.wait_count);
	EXPECT_EQ(h.wait_count, sum(h.wait, LQ_HIST_NWAIT));
	EXPECT_EQ(total, h.wait_sum_ns);
	EXPECT_LE(lo, h.wait_sum_ns);
	close(lfd);
	probes_off_clean(_metadata);
}

/*
 * 10000 threads blocked in accept() on one listener, then as many
 * connections: every accepted connection's wait is counted. Where the end
 * of the wait is hooked at entry (security_sock_graft()), all of them, and
 * wait_missed stays 0. Where it cannot be (a kernel without
 * CONFIG_SECURITY_NETWORK, as the debug guest's), an inet_csk_accept()
 * kretprobe holds an instance per blocked thread (4096 at most): the calls
 * it could not follow are the listener's wait_missed, and as many as the
 * kernel's own count of them (the kretprobe's nmissed, which the module
 * logs when probes go off). Small stacks: the guest has 1 GiB.
 *
 * LQ_SCALE may shorten it (the debug lane's), to 5000 threads at least:
 * more than the kretprobe's 4096 instances, so that some calls are missed.
 */
#define WAITERS		10000
#define WAITERS_MIN	5000

struct waiter {
	int lfd, n;
	int *ready, *accepted;
};

static void *waiter(void *arg)
{
	struct waiter *w = arg;
	int fd;

	__atomic_add_fetch(w->ready, 1, __ATOMIC_SEQ_CST);
	fd = accept(w->lfd, NULL, NULL);
	if (fd >= 0) {
		__atomic_add_fetch(w->accepted, 1, __ATOMIC_SEQ_CST);
		close(fd);
	}
	return NULL;
}

static bool all_ready(void *arg)
{
	struct waiter *w = arg;

	return __atomic_load_n(w->ready, __ATOMIC_SEQ_CST) == w->n;
}

/* Thread and connection creation under TCG: a longer hang detector. */
FIXTURE(slow) {};
FIXTURE_SETUP(slow) {}
FIXTURE_TEARDOWN(slow) {}

TEST_F_TIMEOUT(slow, accept_wait_many_waiters, 600)
{
	static pthread_t tid[WAITERS];
	static int cfd[WAITERS];
	struct rlimit rl = { 3 * WAITERS, 3 * WAITERS };
	int ready = 0, accepted = 0, lfd, port, i, n = 0, kfd;
	bool return_probe;
	long long missed;
	struct waiter w;
	char *log;
	pthread_attr_t attr;
	struct lq_hist h;

	kfd = lq_kmsg_open();
	ASSERT_LE(0, kfd) TH_LOG("/dev/kmsg: %s", strerror(-kfd));
	setup(_metadata, 1, -1, -1);
	log = lq_kmsg_read(kfd);
	ASSERT_TRUE(log != NULL);
	return_probe = strstr(log, LQ_ACCEPT_RETURN_MSG);
	free(log);
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &rl));
	/* 1 GiB makes a threads-max near 8000; a global knob, only raised. */
	if (lq_get_sysctl(_metadata, "kernel/threads-max") < 4 * WAITERS)
		lq_set_sysctl(_metadata, "kernel/threads-max", 4 * WAITERS);
	lfd = lq_listen(_metadata, AF_INET, "127.0.0.1", 4096, 0);
	port = lq_port(_metadata, lfd);
	w = (struct waiter){ lfd, lq_scaled(WAITERS, WAITERS_MIN), &ready, &accepted };
	ASSERT_EQ(0, pthread_attr_init(&attr));
	ASSERT_EQ(0, pthread_attr_setstacksize(&attr, PTHREAD_STACK_MIN > 16384 ?
					       PTHREAD_STACK_MIN : 16384));
	for (i = 0; i < w.n; i++)
		ASSERT_EQ(0, pthread_create(&tid[i], &attr, waiter, &w)) TH_LOG("thread %d", i);
	ASSERT_TRUE(lq_wait_until(all_ready, &w, 60000));
	/* From counted to blocked in accept(): a few instructions each. */
	usleep(2000000);
	for (i = 0; i < w.n; i++) {
		cfd[i] = client(_metadata, AF_INET, port);
		n++;
	}
	for (i = 0; i < w.n; i++)
		pthread_join(tid[i], NULL);
	ASSERT_EQ(n, accepted);
	hist_of(_metadata, lfd, &h);
	EXPECT_EQ(accepted, h.wait_count + h.wait_missed);
	EXPECT_EQ(h.wait_count, sum(h.wait, LQ_HIST_NWAIT));
	for (i = 0; i < n; i++)
		close(cfd[i]);
	close(lfd);
	probes_off_clean(_metadata);
	log = lq_kmsg_read(kfd);
	ASSERT_TRUE(log != NULL);
	missed = lq_accept_missed(log);
	if (return_probe) {
		TH_LOG("inet_csk_accept return probe: %lld of %d accept() calls not followed",
		       missed, accepted);
		/* The module says nothing of a count of 0. */
		EXPECT_EQ(missed == -ENOMSG ? 0 : missed, h.wait_missed);
	} else {
		EXPECT_EQ(0, h.wait_missed);
		EXPECT_EQ(-ENOMSG, missed);
	}
	free(log);
	close(kfd);
}

/*
 * The resolution: connections accepted as soon as they are seen queued.
 * Each wait lies within the test's own span from connect() to accept()'s
 * return, whatever that span is; and the values are in ns, not rounded to
 * microseconds or ticks: of 8 of them, not all are multiples of 1000
 * (by chance, 1 in 10^24 with ns resolution).
 */
TEST(accept_wait_resolution)
{
	int lfd, port, i, n = 8, whole_us = 0;

	setup(_metadata, 1, -1, -1);
	lfd = lq_listen(_metadata, AF_INET, "127.0.0.1", 8, 0);
	port = lq_port(_metadata, lfd);
	for (i = 0; i < n; i++) {
		struct waited w = accept_after(_metadata, lfd, port, 0);

		expect_waited(_metadata, &w);
		EXPECT_LT(0, w.ns) TH_LOG("a wait of 0 ns");
		whole_us += w.ns % 1000 == 0;
	}
	EXPECT_GT(n, whole_us) TH_LOG("every wait a multiple of 1 us");
	close(lfd);
	probes_off_clean(_metadata);
}

/*
 * synack_retrans against TcpExt TCPSynRetrans, in a namespace whose only
 * TCP is the listener: raw SYNs nobody answers, each request retransmits
 * its SYN-ACK tcp_synack_retries times (reqsk_timer_handler() ->
 * inet_rtx_syn_ack() -> tcp_rtx_synack(), which counts TCPSynRetrans and
 * fires tcp:tcp_retransmit_synack) and then expires. Few requests, so
 * that the young/old pruning of reqsk_timer_handler() (half the queue
 * or more) never shortens the retries.
 */
FIXTURE(synack) {
	int lfd;
};

FIXTURE_VARIANT(synack) {
	int retries, nreq;
};

FIXTURE_VARIANT_ADD(synack, retries_1) { .retries = 1, .nreq = 3 };
FIXTURE_VARIANT_ADD(synack, retries_2) { .retries = 2, .nreq = 4 };

FIXTURE_SETUP(synack)
{
	setup(_metadata, 0, 128, variant->retries);
	self->lfd = lq_listen(_metadata, AF_INET, "127.0.0.1", 64, 0);
}

FIXTURE_TEARDOWN(synack)
{
	close(self->lfd);
	if (lq_module_loaded())
		probes_off_clean(_metadata);
}

TEST_F(synack, retrans)
{
	int port = lq_port(_metadata, self->lfd);
	unsigned long long before, d;

	before = mib(_metadata, "TCPSynRetrans");
	EXPECT_EQ(0, lq_col(self->lfd, "synack_retrans"));
	send_syns(_metadata, AF_INET, port, 0, variant->nreq);
	wait_synrecv(_metadata, AF_INET, port, variant->nreq, SETTLE_MS);
	wait_synrecv(_metadata, AF_INET, port, 0, EXPIRE_MS);
	d = mib(_metadata, "TCPSynRetrans") - before;

	EXPECT_EQ(variant->nreq * variant->retries, (long long)d);
	EXPECT_EQ((long long)d, lq_col(self->lfd, "synack_retrans"));
	lq_expect_expired(_metadata, self->lfd, variant->nreq);
}

/*
 * Two namespaces, one listener each on the same address and port: 3 raw
 * SYNs to this one, 5 to the other's (a child's namespace, read through
 * /proc/<pid>/net/). Each row counts its own only.
 */
TEST(two_namespaces)
{
	int lfd, port, to_child[2], to_parent[2], status;
	char path[64], hpath[64];
	unsigned long long ino;
	struct lq_hist h;
	pid_t pid;
	char c = 0;

	setup(_metadata, 0, 128, -1);
	lfd = lq_listen(_metadata, AF_INET, "127.0.0.1", 16, 0);
	port = lq_port(_metadata, lfd);
	ASSERT_EQ(0, pipe(to_child));
	ASSERT_EQ(0, pipe(to_parent));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct synrecv_wait w = { AF_INET, port, 5 };
		int cfd, raw;

		if (lq_netns_enter() || lq_route_add(AF_INET, LQ_SYN_NET4, LQ_SYN_PREFIX4, "lo") ||
		    lq_sysctl_write("net/ipv4/tcp_syncookies", 0))
			_exit(10);
		cfd = lq_tcp_listener(AF_INET, "127.0.0.1", port, 16, 0);
		raw = lq_raw_socket(AF_INET);
		if (cfd < 0 || raw < 0)
			_exit(11);
		if (lq_send_syns(raw, AF_INET, "127.0.0.1", port, 500, 5) != 5 ||
		    !lq_wait_until(synrecv_reached, &w, SETTLE_MS))
			_exit(12);
		ino = lq_sock_ino(cfd);
		if (write(to_parent[1], &ino, sizeof(ino)) != sizeof(ino))
			_exit(13);
		/* keep the listener until the parent has read it */
		if (read(to_child[0], &c, 1) != 1)
			_exit(14);
		_exit(0);
	}
	send_syns(_metadata, AF_INET, port, 0, 3);
	wait_synrecv(_metadata, AF_INET, port, 3, SETTLE_MS);
	ASSERT_EQ((ssize_t)sizeof(ino), read(to_parent[0], &ino, sizeof(ino)))
		TH_LOG("the other namespace's listener");

	EXPECT_EQ(3, lq_col(lfd, "syn_q_peak"));
	hist_of(_metadata, lfd, &h);
	EXPECT_EQ(3, sum(h.syn_fill, LQ_HIST_NFILL));
	EXPECT_EQ(LQ_BAD, lq_proc_col_of(LQ_PROC_PATH, ino, "syn_q_peak"))
		TH_LOG("the other namespace's listener is in this one's file");

	snprintf(path, sizeof(path), "/proc/%d/net/listenq", pid);
	snprintf(hpath, sizeof(hpath), "/proc/%d/net/listenq_hist", pid);
	EXPECT_EQ(5, lq_proc_col_of(path, ino, "syn_q_peak"));
	hist_at(_metadata, hpath, ino, &h);
	EXPECT_EQ(5, sum(h.syn_fill, LQ_HIST_NFILL));
	EXPECT_EQ(LQ_BAD, lq_proc_col_of(path, lq_sock_ino(lfd), "syn_q_peak"));

	ASSERT_EQ(1, write(to_child[1], &c, 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status))
		TH_LOG("the other namespace: exit status %d", WEXITSTATUS(status));
	close(lfd);
	probes_off_clean(_metadata);
}

/*
 * An IPv4 and an IPv6 listener on the same port: 3 raw SYNs and 2 clients
 * to the first, 5 raw SYNs and 1 client to the second. Each client's SYN
 * finds the raw requests still queued (they stay for seconds), so the SYN
 * queue peaks at raws + 1; the accept queue at the clients, none accepted
 * until read; then each accept() is one wait.
 */
TEST(ipv4_ipv6)
{
	int l4, l6, port, c[3], i;
	long long cap4 = kernel_cap(_metadata, true, AF_INET, 16, 0, 128);
	long long cap6 = kernel_cap(_metadata, true, AF_INET6, 16, 0, 128);
	long long acc4 = kernel_cap(_metadata, false, AF_INET, 16, 0, 128);
	struct lq_hist h4, h6;

	setup(_metadata, 0, 128, -1);
	l4 = lq_listen(_metadata, AF_INET, "127.0.0.1", 16, 0);
	port = lq_port(_metadata, l4);
	l6 = lq_tcp_listener(AF_INET6, "::1", port, 16, LQ_V6ONLY);
	ASSERT_LE(0, l6) TH_LOG("[::1]:%d: %s", port, strerror(-l6));
	EXPECT_EQ(cap4, lq_col(l4, "syn_cap"));
	EXPECT_EQ(cap6, lq_col(l6, "syn_cap"));
	EXPECT_EQ(acc4, lq_col(l4, "acc_cap"));
	send_syns(_metadata, AF_INET, port, 0, 3);
	send_syns(_metadata, AF_INET6, port, 0, 5);
	wait_synrecv(_metadata, AF_INET, port, 3, SETTLE_MS);
	wait_synrecv(_metadata, AF_INET6, port, 5, SETTLE_MS);
	for (i = 0; i < 2; i++) {
		c[i] = client(_metadata, AF_INET, port);
		wait_acc(_metadata, l4, i + 1);
	}
	c[2] = client(_metadata, AF_INET6, port);
	wait_acc(_metadata, l6, 1);

	EXPECT_EQ(4, lq_col(l4, "syn_q_peak"));
	EXPECT_EQ(6, lq_col(l6, "syn_q_peak"));
	EXPECT_EQ(2, lq_col(l4, "acc_q_peak"));
	EXPECT_EQ(1, lq_col(l6, "acc_q_peak"));
	ASSERT_EQ(2, lq_accept_all(l4));
	ASSERT_EQ(1, lq_accept_all(l6));
	hist_of(_metadata, l4, &h4);
	hist_of(_metadata, l6, &h6);
	EXPECT_EQ(5, sum(h4.syn_fill, LQ_HIST_NFILL));
	EXPECT_EQ(6, sum(h6.syn_fill, LQ_HIST_NFILL));
	EXPECT_EQ(2, sum(h4.acc_fill, LQ_HIST_NFILL));
	EXPECT_EQ(1, sum(h6.acc_fill, LQ_HIST_NFILL));
	/* the raw SYNs found q = 0, 1, ...; each client's, the raw ones queued */
	EXPECT_EQ(fill_sum(0, 4, cap4, 0) + 3 * 1000000 / cap4, h4.syn_fill_sum);
	EXPECT_EQ(fill_sum(0, 6, cap6, 0), h6.syn_fill_sum);
	EXPECT_EQ(fill_sum(0, 2, acc4, 0), h4.acc_fill_sum);
	EXPECT_EQ(0, h6.acc_fill_sum);
	EXPECT_EQ(2, h4.wait_count);
	EXPECT_EQ(1, h6.wait_count);
	for (i = 0; i < 3; i++)
		close(c[i]);
	close(l4);
	close(l6);
	probes_off_clean(_metadata);
}

struct members_wait {
	const int *l;
	unsigned int want;
};

static bool members_reached(void *arg)
{
	struct members_wait *w = arg;
	unsigned int a0, a1, max;

	return !lq_listener_info(w->l[0], &a0, &max) && !lq_listener_info(w->l[1], &a1, &max) &&
	       a0 + a1 == w->want;
}

/*
 * Two SO_REUSEPORT members of one port: 16 clients, spread by the
 * kernel's hash. TCP_INFO of each member says how many children it got;
 * each member's row (told apart by inode) counts exactly those.
 */
TEST(reuseport_members)
{
	int l[2], port, c[16], i, n = 16;
	unsigned int got[2];
	struct lq_hist h;

	setup(_metadata, 1, -1, -1);
	l[0] = lq_listen(_metadata, AF_INET, "127.0.0.1", 32, LQ_REUSEPORT);
	port = lq_port(_metadata, l[0]);
	l[1] = lq_tcp_listener(AF_INET, "127.0.0.1", port, 32, LQ_REUSEPORT);
	ASSERT_LE(0, l[1]) TH_LOG("second member: %s", strerror(-l[1]));
	/* one at a time: each SYN finds its member's SYN queue empty */
	for (i = 0; i < n; i++) {
		struct members_wait w = { l, i + 1 };

		c[i] = client(_metadata, AF_INET, port);
		ASSERT_TRUE(lq_wait_until(members_reached, &w, SETTLE_MS))
			TH_LOG("accept queues at %u + %u, not %d", acc_len(_metadata, l[0]),
			       acc_len(_metadata, l[1]), i + 1);
	}
	for (i = 0; i < 2; i++)
		got[i] = acc_len(_metadata, l[i]);
	TH_LOG("members got %u and %u", got[0], got[1]);

	for (i = 0; i < 2; i++) {
		EXPECT_EQ(got[i], lq_col(l[i], "acc_q_peak")) TH_LOG("member %d", i);
		EXPECT_EQ(got[i] ? 1 : 0, lq_col(l[i], "syn_q_peak")) TH_LOG("member %d", i);
		ASSERT_EQ((int)got[i], lq_accept_all(l[i]));
		hist_of(_metadata, l[i], &h);
		EXPECT_EQ(got[i], sum(h.syn_fill, LQ_HIST_NFILL)) TH_LOG("member %d", i);
		EXPECT_EQ(got[i], sum(h.acc_fill, LQ_HIST_NFILL)) TH_LOG("member %d", i);
		EXPECT_EQ(got[i], h.wait_count) TH_LOG("member %d", i);
	}
	for (i = 0; i < n; i++)
		close(c[i]);
	close(l[0]);
	close(l[1]);
	probes_off_clean(_metadata);
}

struct retrans_wait {
	unsigned long long before, want;
};

static bool retrans_reached(void *arg)
{
	struct retrans_wait *w = arg;
	unsigned long long v;

	return !lq_mib_read("TCPSynRetrans", &v) && v - w->before >= w->want;
}

/*
 * A listener closed and a new one opened on the same port: the new one
 * starts from zero in every new column and cell, though the old one had
 * counted in all of them (checked first).
 */
TEST(reopen_starts_at_zero)
{
	struct retrans_wait rw;
	int lfd, port, c, a;
	struct lq_hist h;

	setup(_metadata, 0, 128, 1);
	lfd = lq_listen(_metadata, AF_INET, "127.0.0.1", 16, 0);
	port = lq_port(_metadata, lfd);
	rw.before = mib(_metadata, "TCPSynRetrans");
	rw.want = 2;
	send_syns(_metadata, AF_INET, port, 0, 2);
	wait_synrecv(_metadata, AF_INET, port, 2, SETTLE_MS);
	c = client(_metadata, AF_INET, port);
	wait_acc(_metadata, lfd, 1);
	a = accept(lfd, NULL, NULL);
	ASSERT_LE(0, a);
	close_rst(a);
	close(c);
	/* each raw request retransmits once, at its first timeout */
	ASSERT_TRUE(lq_wait_until(retrans_reached, &rw, EXPIRE_MS)) TH_LOG("no SYN-ACK retransmit");

	EXPECT_EQ(2, lq_col(lfd, "synack_retrans"));
	EXPECT_EQ(3, lq_col(lfd, "syn_q_peak"));
	EXPECT_EQ(1, lq_col(lfd, "acc_q_peak"));
	hist_of(_metadata, lfd, &h);
	EXPECT_EQ(3, sum(h.syn_fill, LQ_HIST_NFILL));
	EXPECT_EQ(1, sum(h.acc_fill, LQ_HIST_NFILL));
	EXPECT_EQ(1, h.wait_count);
	close(lfd);

	lfd = lq_tcp_listener(AF_INET, "127.0.0.1", port, 16, 0);
	ASSERT_LE(0, lfd) TH_LOG("listen again on %d: %s", port, strerror(-lfd));
	EXPECT_EQ(0, lq_col(lfd, "syn_q_peak"));
	EXPECT_EQ(0, lq_col(lfd, "acc_q_peak"));
	EXPECT_EQ(0, lq_col(lfd, "synack_retrans"));
	hist_of(_metadata, lfd, &h);
	expect_hist_zero(_metadata, &h);
	close(lfd);
	probes_off_clean(_metadata);
}

/*
 * Probes off: the new columns and every cell of the listener's
 * /proc/listenq_hist row are "-"; its identity columns stay. On again,
 * they count from zero.
 */
TEST(probes_off_shows_dash)
{
	static const char *const cols[] = { "syn_q_peak", "acc_q_peak", "synack_retrans" };
	const struct lq_proc_row *r;
	struct lq_proc t;
	struct lq_hist h;
	int lfd, i;

	setup(_metadata, 1, -1, -1);
	lfd = lq_listen(_metadata, AF_INET, "127.0.0.1", 4, 0);
	ASSERT_EQ(0, lq_param_set("probes", "0"));
	for (i = 0; i < 3; i++) {
		EXPECT_EQ(LQ_NONE, lq_col(lfd, cols[i])) TH_LOG("%s", cols[i]);
	}
	ASSERT_EQ(0, lq_proc_read(&t, LQ_HIST_PATH));
	r = lq_proc_find_inode(&t, lq_sock_ino(lfd));
	ASSERT_TRUE(r != NULL) TH_LOG("no row of the listener in:\n%s", t.raw);
	EXPECT_EQ((long long)lq_netns_ino(), r->ns);
	EXPECT_EQ(AF_INET, r->family);
	EXPECT_EQ(lq_port(_metadata, lfd), r->port);
	EXPECT_EQ(t.hdr.ncols, r->nfields);
	for (i = 0; i < t.hdr.ncols; i++) {
		const char *name = t.hdr.cols[i];

		if (!strcmp(name, "local") || !strcmp(name, "ns") || !strcmp(name, "inode"))
			continue;
		EXPECT_STREQ("-", lq_proc_str(r, name)) TH_LOG("%s", name);
	}
	lq_proc_free(&t);

	ASSERT_EQ(0, lq_param_set("probes", "1"));
	for (i = 0; i < 3; i++) {
		EXPECT_EQ(0, lq_col(lfd, cols[i])) TH_LOG("%s", cols[i]);
	}
	hist_of(_metadata, lfd, &h);
	expect_hist_zero(_metadata, &h);
	close(lfd);
	probes_off_clean(_metadata);
}

/*
 * The header of /proc/listenq_hist: every column in order, each once.
 * The list is the test's own; /proc/listenq_hist is the link to this
 * namespace's /proc/net/listenq_hist.
 */
TEST(hist_header)
{
	static const char *const want[] = {
		"local", "ns", "inode",
		"syn_fill_0", "syn_fill_25", "syn_fill_50", "syn_fill_75", "syn_fill_99",
		"syn_fill_full",
		"acc_fill_0", "acc_fill_25", "acc_fill_50", "acc_fill_75", "acc_fill_99",
		"acc_fill_full",
		"wait_count", "wait_sum_ns",
		"wait_1us", "wait_2us", "wait_4us", "wait_8us", "wait_16us", "wait_32us",
		"wait_64us", "wait_128us", "wait_256us", "wait_512us", "wait_1024us",
		"wait_2048us", "wait_4096us", "wait_8192us", "wait_16384us", "wait_32768us",
		"wait_65536us", "wait_131072us", "wait_262144us", "wait_524288us",
		"wait_1048576us", "wait_2097152us", "wait_4194304us", "wait_8388608us",
		"wait_16777216us", "wait_inf",
		"syn_fill_sum_ppm", "acc_fill_sum_ppm", "wait_missed",
	};
	const int nwant = sizeof(want) / sizeof(want[0]);
	char link[64] = "";
	struct lq_proc t;
	struct stat st;

	probes_on(_metadata);
	lq_setup_netns(_metadata);
	ASSERT_LT(0, readlink(LQ_HIST_PATH, link, sizeof(link) - 1));
	EXPECT_STREQ("net/listenq_hist", link);
	ASSERT_EQ(0, stat(LQ_HIST_NET_PATH, &st));
	EXPECT_EQ(0444, (int)(st.st_mode & 07777));

	ASSERT_EQ(0, lq_proc_read(&t, LQ_HIST_PATH));
	EXPECT_EQ(nwant, t.hdr.ncols) TH_LOG("header: %.*s", (int)strcspn(t.raw, "\n"), t.raw);
	for (int i = 0; i < nwant && i < t.hdr.ncols; i++) {
		EXPECT_STREQ(want[i], t.hdr.cols[i]) TH_LOG("column %d", i);
	}
	EXPECT_EQ(0, t.nrows) TH_LOG("rows in a new namespace:\n%s", t.raw);
	lq_proc_free(&t);
}

/* One hist row per listener, in /proc/listenq's order, same identity. */
TEST(hist_rows_follow_listenq)
{
	struct lq_proc t, th;
	int fd[4], i;

	setup(_metadata, 1, -1, -1);
	fd[0] = lq_listen(_metadata, AF_INET, "127.0.0.1", 4, 0);
	fd[1] = lq_listen(_metadata, AF_INET6, "::1", 4, LQ_V6ONLY);
	fd[2] = lq_listen(_metadata, AF_INET, "0.0.0.0", 4, 0);
	fd[3] = lq_listen(_metadata, AF_INET6, "::", 4, 0);
	ASSERT_EQ(0, lq_proc_read(&t, LQ_PROC_PATH));
	ASSERT_EQ(0, lq_proc_read(&th, LQ_HIST_PATH));
	EXPECT_EQ(4, t.nrows) TH_LOG("%s", t.raw);
	ASSERT_EQ(t.nrows, th.nrows) TH_LOG("%s\n%s", t.raw, th.raw);
	for (i = 0; i < t.nrows; i++) {
		EXPECT_EQ(t.rows[i].inode, th.rows[i].inode) TH_LOG("row %d", i);
		EXPECT_STREQ(t.rows[i].local, th.rows[i].local) TH_LOG("row %d", i);
		EXPECT_EQ(t.rows[i].ns, th.rows[i].ns) TH_LOG("row %d", i);
		EXPECT_EQ(th.hdr.ncols, th.rows[i].nfields) TH_LOG("row %d", i);
	}
	for (i = 0; i < 4; i++) {
		EXPECT_TRUE(lq_proc_find_inode(&th, lq_sock_ino(fd[i])) != NULL) TH_LOG("fd %d", i);
		close(fd[i]);
	}
	lq_proc_free(&t);
	lq_proc_free(&th);
	probes_off_clean(_metadata);
}

/*
 * The records follow the listeners (module/records.c): the module allocates
 * them as listeners come, in a pool their listen() takes from, and finds
 * them through an index that grows with their number (from 16 buckets to
 * 8,192 here, in nine steps while the test's listen() calls and SYNs come)
 * and shrinks when they go. Where the work item that refills the pool lags
 * behind the listen() calls (PREEMPT_RT guests), some of them find it empty
 * and their own task claims the record (module/late.c): 41 of 5,000 in one
 * run on 6.12 RT.
 */
#define MANY_LISTENERS	5000

struct mib_wait {
	const char *name;
	unsigned long long want;
};

static bool mib_reached(void *arg)
{
	struct mib_wait *w = arg;
	unsigned long long v = 0;

	return !lq_mib_read(w->name, &v) && v >= w->want;
}

/*
 * @n listeners of backlog 0 (@cap requests each: lq_kfacts.h), and @cap + 1
 * SYNs to each: every listener drops one (syncookies off), which the kernel
 * counts in TCPReqQFullDrop. Then each listener's row says so: drop_synq 1
 * and syn_q_peak @cap, read for all in one pass of /proc/listenq.
 */
static void one_drop_each(struct __test_metadata *_metadata, const int *fd, int n, long long cap)
{
	unsigned char *seen = calloc(65536, 1);
	struct mib_wait w = { .name = "TCPReqQFullDrop" };
	int raw = lq_raw_socket(AF_INET), i, rows = 0;
	unsigned short *port = calloc(n, sizeof(*port));
	struct lq_proc t;

	ASSERT_TRUE(seen && port);
	ASSERT_LE(0, raw) TH_LOG("raw socket: %s", strerror(-raw));
	w.want = mib(_metadata, w.name) + n;
	for (i = 0; i < n; i++) {
		port[i] = lq_port(_metadata, fd[i]);
		seen[port[i]] = 1;
		ASSERT_EQ(cap + 1, lq_send_syns(raw, AF_INET, "127.0.0.1", port[i], 0, cap + 1));
	}
	close(raw);
	ASSERT_TRUE(lq_wait_until(mib_reached, &w, SETTLE_MS))
		TH_LOG("TCPReqQFullDrop %llu, not %llu", mib(_metadata, w.name), w.want);
	EXPECT_EQ(w.want, mib(_metadata, w.name)) TH_LOG("more drops than SYNs sent past the caps");
	if (!lq_read_proc(_metadata, &t))
		return;
	for (i = 0; i < t.nrows; i++) {
		const struct lq_proc_row *r = &t.rows[i];

		if (r->family != AF_INET || r->port <= 0 || !seen[r->port])
			continue;
		rows++;
		seen[r->port] = 0;
		EXPECT_EQ(1, lq_proc_col(r, "drop_synq")) TH_LOG("%s", r->local);
		EXPECT_EQ(cap, lq_proc_col(r, "syn_q_peak")) TH_LOG("%s", r->local);
	}
	EXPECT_EQ(n, rows) TH_LOG("rows of the test's listeners");
	lq_proc_free(&t);
	free(port);
	free(seen);
}

static int *open_listeners(struct __test_metadata *_metadata, int n)
{
	struct rlimit rl = { n + 64, n + 64 };
	int *fd = calloc(n, sizeof(*fd)), i;

	ASSERT_TRUE(fd != NULL);
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &rl));
	for (i = 0; i < n; i++)
		fd[i] = lq_listen(_metadata, AF_INET, "127.0.0.1", 0, 0);
	return fd;
}

TEST(many_listeners)
{
	long long cap = kernel_cap(_metadata, true, AF_INET, 0, 0, 0);
	int n = lq_scaled(MANY_LISTENERS, MANY_LISTENERS), *fd, i;

	setup(_metadata, 0, -1, 0);
	fd = open_listeners(_metadata, n);
	one_drop_each(_metadata, fd, n, cap);
	for (i = 0; i < n; i++)
		close(fd[i]);
	/* The records freed, the index shrunk: a new listener has its own. */
	fd[0] = lq_listen(_metadata, AF_INET, "127.0.0.1", 0, 0);
	one_drop_each(_metadata, fd, 1, cap);
	close(fd[0]);
	free(fd);
	probes_off_clean(_metadata);
}

/*
 * Listeners that exist before the probes go on, more than the module's pool
 * holds: each gets its record then, and counts its first SYN's drop.
 */
TEST(listeners_before_probes)
{
	long long cap = kernel_cap(_metadata, true, AF_INET, 0, 0, 0);
	int n = 1000, *fd, i;

	ASSERT_EQ(0, lq_param_set("probes", "0"));
	lq_setup_netns(_metadata);
	ASSERT_EQ(0, lq_route_add(AF_INET, LQ_SYN_NET4, LQ_SYN_PREFIX4, "lo"));
	lq_set_sysctl(_metadata, "net/ipv4/tcp_syncookies", 0);
	lq_set_sysctl(_metadata, "net/ipv4/tcp_synack_retries", 0);
	fd = open_listeners(_metadata, n);
	probes_on(_metadata);
	one_drop_each(_metadata, fd, n, cap);
	for (i = 0; i < n; i++)
		close(fd[i]);
	free(fd);
	probes_off_clean(_metadata);
}

/* The CPUs that unbound workqueues run on (the kernel's wq_unbound_cpumask). */
#define WQ_CPUMASK	"/sys/devices/virtual/workqueue/cpumask"

/*
 * Listeners made faster than the module's work item can refill its pool.
 * That work (an unbound WQ_HIGHPRI kworker, SCHED_NORMAL) is kept to CPU 0,
 * where this test runs SCHED_FIFO: it cannot run while the test makes its
 * listeners, so past the records pooled beforehand (at most 2 * 64) a
 * listen() finds the pool empty and the task that called it claims the
 * record before it returns (module/late.c). Every listener then shows the
 * backlog it was given, and no event is lost. Nothing spins: where the
 * test blocks on a lock, the holder runs.
 */
TEST(listen_burst_worker_starved)
{
	struct sched_param fifo = { .sched_priority = 50 }, normal = { 0 };
	unsigned short *backlog = calloc(65536, sizeof(*backlog));
	int n = 500, *fd = calloc(n, sizeof(*fd)), i, rows = 0, kfd, mfd, ret;
	struct rlimit rl = { n + 64, n + 64 };
	char mask[256] = "";
	struct lq_proc t;
	cpu_set_t cpu0;
	char *log;

	ASSERT_TRUE(fd && backlog);
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &rl));
	setup(_metadata, 0, -1, 0);
	mfd = open(WQ_CPUMASK, O_RDONLY);
	ASSERT_LE(0, mfd) TH_LOG(WQ_CPUMASK ": %s", strerror(errno));
	ASSERT_LT(0, read(mfd, mask, sizeof(mask) - 1));
	close(mfd);
	CPU_ZERO(&cpu0);
	CPU_SET(0, &cpu0);
	ASSERT_EQ(0, sched_setaffinity(0, sizeof(cpu0), &cpu0));
	ret = lq_write_str(WQ_CPUMASK, "1");
	ASSERT_EQ(0, ret) TH_LOG(WQ_CPUMASK " = 1: %s", strerror(-ret));
	ret = sched_setscheduler(0, SCHED_FIFO, &fifo) ? -errno : 0;
	if (!ret) {
		for (i = 0; i < n; i++)
			fd[i] = lq_tcp_listener(AF_INET, "127.0.0.1", 0, 1 + i, 0);
		sched_setscheduler(0, SCHED_OTHER, &normal);
	}
	EXPECT_EQ(0, lq_write_str(WQ_CPUMASK, mask));
	ASSERT_EQ(0, ret) TH_LOG("SCHED_FIFO: %s", strerror(-ret));

	for (i = 0; i < n; i++) {
		ASSERT_LE(0, fd[i]) TH_LOG("listener %d: %s", i, strerror(-fd[i]));
		backlog[lq_port(_metadata, fd[i])] = 1 + i;
	}
	if (!lq_read_proc(_metadata, &t))
		return;
	for (i = 0; i < t.nrows; i++) {
		const struct lq_proc_row *r = &t.rows[i];

		if (r->family != AF_INET || r->port <= 0 || !backlog[r->port])
			continue;
		rows++;
		EXPECT_EQ(backlog[r->port], lq_proc_col(r, "backlog")) TH_LOG("%s", r->local);
	}
	EXPECT_EQ(n, rows) TH_LOG("rows of the test's listeners");
	lq_proc_free(&t);
	for (i = 0; i < n; i++)
		close(fd[i]);

	kfd = lq_kmsg_open();
	ASSERT_LE(0, kfd) TH_LOG("/dev/kmsg: %s", strerror(-kfd));
	ASSERT_EQ(0, lq_param_set("probes", "0"));
	log = lq_kmsg_read(kfd);
	close(kfd);
	ASSERT_TRUE(log != NULL);
	EXPECT_EQ(0, lq_probes_off_held(log)) TH_LOG("%s", log);
	EXPECT_TRUE(strstr(log, "not counted") == NULL) TH_LOG("%s", log);
	free(log);
	free(backlog);
	free(fd);
}

TEST_HARNESS_MAIN
