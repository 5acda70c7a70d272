// SPDX-License-Identifier: GPL-2.0
/*
 * Host tests of include/listenq/model.h: the figures published for 3.10,
 * and cases derived from each era's source. Each era's predicate is also
 * replayed literally (add SYNs until the kernel's own test says full) so
 * that a cap and its predicate cannot drift apart.
 *
 * Sources, by era:
 *   3.10  net/core/request_sock.c reqsk_queue_alloc(): nr = min(nr,
 *         sysctl_max_syn_backlog); nr = max(nr, 8); roundup_pow_of_two(nr + 1);
 *         max_qlen_log from 3. include/net/request_sock.h reqsk_queue_is_full():
 *         qlen >> max_qlen_log. net/ipv4/tcp_ipv4.c tcp_v4_conn_request():
 *         "inet_csk_reqsk_queue_is_full(sk) && !isn" (no syncookies == 2 test),
 *         "sk_acceptq_is_full(sk) && inet_csk_reqsk_queue_young(sk) > 1", and
 *         the quarter rule "sysctl_max_syn_backlog - inet_csk_reqsk_queue_len(sk)
 *         < (sysctl_max_syn_backlog >> 2)" with !sysctl_tcp_syncookies.
 *   4.4   ef547f2ac16b: inet_csk_reqsk_queue_is_full() in
 *         include/net/inet_connection_sock.h,
 *         "inet_csk_reqsk_queue_len(sk) >= sk->sk_max_ack_backlog".
 *   4.10  5ea8ea2cb7f1: tcp_conn_request() drops on sk_acceptq_is_full() alone.
 *   6.13  3479c7549fb1: ">" (stable 6.12.10, 6.6.72, 6.1.125, 5.15.177,
 *         5.10.234, 5.4.290), in inet_csk_reqsk_queue_is_full() of 6.1.192
 *         and 6.12.117.
 */
#include <stdio.h>
#include <string.h>

#include <listenq/model.h>

#include "check.h"

#define CHECK_EQ(got, want, ...) do {						\
	unsigned long long g_ = (got), w_ = (want);				\
	if (g_ == w_) {								\
		passed++;							\
	} else {								\
		lq_fail();							\
		printf(__VA_ARGS__);						\
		printf(": got %llu, want %llu (%s:%d)\n", g_, w_, __FILE__, __LINE__); \
	}									\
} while (0)

static const struct lq_rules table = { LQ_SYNQ_TABLE, LQ_ACCEPTQ_GT };
static const struct lq_rules ge = { LQ_SYNQ_GE, LQ_ACCEPTQ_GT };
static const struct lq_rules gt = { LQ_SYNQ_GT, LQ_ACCEPTQ_GT };

/* The SYN queue cap of a listen(fd, backlog) as a kernel of @r computes it. */
static unsigned long long syn_cap(const struct lq_rules *r, int backlog, int somaxconn, int msb,
				  int cookies, enum lq_bound *why)
{
	unsigned int b = lq_clamp_backlog(backlog, somaxconn);
	unsigned int mql = r->synq == LQ_SYNQ_TABLE ? lq_max_qlen_log(b, msb) : 0;

	return lq_syn_cap(r, b, mql, msb, cookies, why);
}

static void test_3_10_published(void)
{
	struct lq_rules r = lq_rules_for_kernel(3, 10, 0);
	enum lq_bound why;

	CHECK_EQ(r.synq, LQ_SYNQ_TABLE, "3.10 uses the listen_sock table");
	CHECK_EQ(r.acceptq, LQ_ACCEPTQ_GT, "3.10 accept queue full when A > B");
	/* somaxconn 128, tcp_max_syn_backlog 4096, listen(fd, 511): 256 requests. */
	CHECK_EQ(lq_clamp_backlog(511, 128), 128, "511 clamped to somaxconn 128");
	CHECK_EQ(lq_max_qlen_log(128, 4096), 8, "max_qlen_log of backlog 128");
	CHECK_EQ(syn_cap(&r, 511, 128, 4096, 1, &why), 256, "3.10 backlog 511 SYN queue");
	CHECK_EQ(why, LQ_BOUND_TABLE, "3.10 backlog 511 bound by the table");
	CHECK_EQ(syn_cap(&r, 511, 128, 4096, 0, &why), 256, "3.10 backlog 511, cookies off");
	/* listen(fd, 2): the accept queue holds 3. */
	CHECK_EQ(lq_acc_cap(&r, lq_clamp_backlog(2, 128), 4, 4096, 1), 3, "3.10 backlog 2 accept queue");
	CHECK_EQ(lq_acc_cap(&r, 0, 3, 4096, 0), 1, "3.10 backlog 0, cookies off: the table holds 8");
	/* backlog 128 with tcp_max_syn_backlog >= 128: 256; backlog 5: 16. */
	CHECK_EQ(syn_cap(&r, 128, 128, 128, 1, NULL), 256, "3.10 backlog 128, msb 128");
	CHECK_EQ(syn_cap(&r, 128, 128, 1024, 1, NULL), 256, "3.10 backlog 128, msb 1024");
	CHECK_EQ(syn_cap(&r, 5, 128, 4096, 1, NULL), 16, "3.10 backlog 5");
	CHECK_EQ(syn_cap(&r, 2, 128, 4096, 1, NULL), 16, "3.10 backlog 2");
}

static void test_table_era(void)
{
	enum lq_bound why;

	/* max(min(B, M), 8) + 1 rounded up to a power of two. */
	CHECK_EQ(syn_cap(&table, 0, 128, 4096, 1, NULL), 16, "table, backlog 0: 8 + 1 -> 16");
	CHECK_EQ(syn_cap(&table, 7, 128, 4096, 1, NULL), 16, "table, backlog 7");
	CHECK_EQ(syn_cap(&table, 8, 128, 4096, 1, NULL), 16, "table, backlog 8: 9 -> 16");
	CHECK_EQ(syn_cap(&table, 15, 128, 4096, 1, NULL), 16, "table, backlog 15: 16 -> 16");
	CHECK_EQ(syn_cap(&table, 16, 128, 4096, 1, NULL), 32, "table, backlog 16: 17 -> 32");
	CHECK_EQ(syn_cap(&table, 1024, 4096, 256, 1, NULL), 512, "table, tcp_max_syn_backlog 256");
	CHECK_EQ(syn_cap(&table, 100, 128, 5, 1, NULL), 16, "table, tcp_max_syn_backlog 5 -> 8");
	/* Cookies off: the quarter rule of tcp_max_syn_backlog applied then too. */
	CHECK_EQ(syn_cap(&table, 128, 128, 128, 0, &why), 97, "table, msb 128, cookies off");
	CHECK_EQ(why, LQ_BOUND_MAX_SYN, "table, msb 128, cookies off: quarter rule binds");
	/* tcp_syncookies=2 came in 3.12: before, 2 acts as 1. */
	CHECK_EQ(lq_kernel_syncookies(3, 10, 2), 1, "3.10 has no tcp_syncookies=2");
	CHECK_EQ(lq_kernel_syncookies(3, 11, 2), 1, "3.11 has no tcp_syncookies=2");
	CHECK_EQ(lq_kernel_syncookies(3, 12, 2), 2, "3.12 has tcp_syncookies=2");
	CHECK_EQ(lq_kernel_syncookies(3, 10, 0), 0, "3.10 tcp_syncookies=0 stays");
	CHECK_EQ(syn_cap(&table, 511, 128, 4096, lq_kernel_syncookies(3, 10, 2), NULL), 256,
		 "3.10 tcp_syncookies=2 still queues");
	CHECK_EQ(syn_cap(&table, 511, 128, 4096, lq_kernel_syncookies(4, 3, 2), &why), 0,
		 "4.3 tcp_syncookies=2 queues nothing");
	CHECK_EQ(why, LQ_BOUND_COOKIES, "4.3 tcp_syncookies=2 bound");
	CHECK_EQ(lq_rules_for_kernel(4, 3, 6).synq, LQ_SYNQ_TABLE, "4.3 still has the table");
	CHECK_EQ(lq_rules_for_kernel(2, 6, 32).synq, LQ_SYNQ_TABLE, "2.6.32 has the table");
}

static void test_ge_era(void)
{
	struct lq_rules r = lq_rules_for_kernel(4, 4, 0);
	enum lq_bound why;

	CHECK_EQ(r.synq, LQ_SYNQ_GE, "4.4 tests qlen >= backlog");
	CHECK_EQ(syn_cap(&r, 511, 128, 4096, 1, &why), 128, "4.4 backlog 511, somaxconn 128");
	CHECK_EQ(why, LQ_BOUND_BACKLOG, "4.4 bound by the backlog");
	CHECK_EQ(syn_cap(&r, 4, 4096, 128, 1, NULL), 4, "4.4 backlog 4");
	/* The bug 3479c7549fb1 fixed: listen(fd, 0) with cookies off accepts nothing. */
	CHECK_EQ(syn_cap(&r, 0, 4096, 128, 0, NULL), 0, "4.4 backlog 0, cookies off");
	/* ... so no connection reaches the accept queue; with cookies it holds 1 */
	CHECK_EQ(lq_refuses_all(&r, 0, 0, 128, 0), 1, "4.4 backlog 0, cookies off: every SYN dropped");
	CHECK_EQ(lq_acc_cap(&r, 0, 0, 128, 0), 0, "4.4 backlog 0, cookies off: accept queue 0");
	CHECK_EQ(lq_acc_cap(&r, 0, 0, 128, 1), 1, "4.4 backlog 0, cookies on: accept queue 1");
	CHECK_EQ(lq_acc_cap(&r, 0, 0, 128, 2), 1, "4.4 backlog 0, cookies 2: accept queue 1");
	CHECK_EQ(lq_acc_cap(&r, 1, 0, 128, 0), 2, "4.4 backlog 1, cookies off: accept queue 2");
	/* the quarter rule of a negative tcp_max_syn_backlog queues nothing either */
	CHECK_EQ(lq_acc_cap(&r, 4, 0, -2, 0), 0, "4.4 msb -2, cookies off: accept queue 0");
	CHECK_EQ(lq_acc_cap(&r, 4, 0, -1, 0), 5, "4.4 msb -1, cookies off: 1 request, 5 children");
	CHECK_EQ(lq_acc_cap(&r, 4, 0, -2, 1), 5, "4.4 msb -2, cookies on: no quarter rule");
	/* Debian 11's point release 5.10.223 (5.10.0-32) predates the backport */
	CHECK_EQ(lq_rules_for_kernel(5, 10, 223).synq, LQ_SYNQ_GE, "5.10.223 (Debian 5.10.0-32)");
	r = lq_rules_for_kernel(5, 10, 223);
	CHECK_EQ(lq_acc_cap(&r, 0, 0, 4096, 0), 0, "5.10.223 backlog 0, cookies off: acc_cap 0");
	CHECK_EQ(lq_syn_cap(&r, 0, 0, 4096, 0, NULL), 0, "5.10.223 backlog 0, cookies off: syn_cap 0");
	CHECK_EQ(lq_syn_cap(&r, 4, 0, 4096, 1, NULL), 4, "5.10.223 backlog 4: syn_cap 4");
	r = lq_rules_for_kernel(5, 10, 262);
	CHECK_EQ(r.synq, LQ_SYNQ_GT, "5.10.262 (Debian 5.10.0-46)");
	CHECK_EQ(lq_acc_cap(&r, 0, 0, 4096, 0), 1, "5.10.262 backlog 0, cookies off: acc_cap 1");
	CHECK_EQ(lq_rules_for_kernel(4, 9, 337).synq, LQ_SYNQ_GE, "4.9.337");
	CHECK_EQ(lq_rules_for_kernel(4, 19, 325).synq, LQ_SYNQ_GE, "4.19.325 (no backport)");
	CHECK_EQ(lq_rules_for_kernel(5, 19, 17).synq, LQ_SYNQ_GE, "5.19");
	CHECK_EQ(lq_rules_for_kernel(6, 11, 11).synq, LQ_SYNQ_GE, "6.11.11 (EOL before the fix)");
	CHECK_EQ(lq_rules_for_kernel(6, 12, 0).synq, LQ_SYNQ_GE, "6.12.0");
	/* Before 4.10 a full accept queue dropped SYNs only with young > 1. */
	CHECK_EQ(lq_syn_acceptq_needs_young(4, 9), 1, "4.9 needs young > 1");
	CHECK_EQ(lq_syn_acceptq_needs_young(3, 10), 1, "3.10 needs young > 1");
	CHECK_EQ(lq_syn_acceptq_needs_young(4, 10), 0, "4.10 drops on a full accept queue");
	CHECK_EQ(lq_syn_acceptq_needs_young(6, 12), 0, "6.12 drops on a full accept queue");
}

static void test_gt_backports(void)
{
	static const struct {
		unsigned int major, minor, sublevel;
		enum lq_synq_rule synq;
	} v[] = {
		{ 6, 1, 124, LQ_SYNQ_GE }, { 6, 1, 125, LQ_SYNQ_GT }, { 6, 1, 192, LQ_SYNQ_GT },
		{ 6, 12, 9, LQ_SYNQ_GE }, { 6, 12, 10, LQ_SYNQ_GT }, { 6, 12, 117, LQ_SYNQ_GT },
		{ 6, 6, 71, LQ_SYNQ_GE }, { 6, 6, 72, LQ_SYNQ_GT },
		{ 5, 15, 176, LQ_SYNQ_GE }, { 5, 15, 177, LQ_SYNQ_GT },
		{ 5, 10, 233, LQ_SYNQ_GE }, { 5, 10, 234, LQ_SYNQ_GT },
		{ 5, 4, 289, LQ_SYNQ_GE }, { 5, 4, 290, LQ_SYNQ_GT },
		{ 6, 13, 0, LQ_SYNQ_GT }, { 6, 14, 0, LQ_SYNQ_GT }, { 7, 0, 0, LQ_SYNQ_GT },
	};
	unsigned int i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		CHECK_EQ(lq_rules_for_kernel(v[i].major, v[i].minor, v[i].sublevel).synq,
			 v[i].synq, "%u.%u.%u SYN queue rule", v[i].major, v[i].minor,
			 v[i].sublevel);

	/* listen(fd, 4): 4 or 5 requests depending on the stable sublevel. */
	CHECK_EQ(syn_cap(&ge, 4, 4096, 128, 1, NULL), 4, "6.1.124 backlog 4");
	CHECK_EQ(syn_cap(&gt, 4, 4096, 128, 1, NULL), 5, "6.1.125 backlog 4");
	CHECK_EQ(syn_cap(&gt, 0, 4096, 128, 0, NULL), 1, "6.14 backlog 0, cookies off: 1");
	CHECK_EQ(lq_kver(4, 9, 337) > lq_kver(4, 9, 255), 1, "sublevels past 255 order");
	CHECK_EQ(lq_kver(4, 9, 337) < lq_kver(4, 10, 0), 1, "4.9.337 before 4.10");
}

/* The measurements of anchors-tools.md section 0.1 (kernel 6.18). */
static void test_measured_6_18(void)
{
	struct lq_rules r = lq_rules_for_kernel(6, 18, 44);
	enum lq_bound why;

	CHECK_EQ(syn_cap(&r, 1000, 4096, 128, 0, &why), 97, "cookies 0, msb 128, backlog 1000");
	CHECK_EQ(why, LQ_BOUND_MAX_SYN, "... the quarter rule binds");
	CHECK_EQ(syn_cap(&r, 4, 4096, 262144, 0, &why), 5, "cookies 0, backlog 4");
	CHECK_EQ(why, LQ_BOUND_BACKLOG, "... the backlog binds");
	CHECK_EQ(syn_cap(&r, 4, 4096, 262144, 1, NULL), 5, "cookies 1, backlog 4");
	CHECK_EQ(syn_cap(&r, 4, 4096, 262144, 2, &why), 0, "cookies 2, backlog 4");
	CHECK_EQ(why, LQ_BOUND_COOKIES, "... every SYN gets a cookie");
	CHECK_EQ(syn_cap(&r, 0, 4096, 128, 0, NULL), 1, "cookies 0, backlog 0");
	CHECK_EQ(lq_acc_cap(&r, 4, 0, 128, 1), 5, "listen(4) accept queue holds 5");
	CHECK_EQ(lq_acc_cap(&r, 0, 0, 128, 0), 1, "listen(0), cookies off: accept queue holds 1");
}

static void test_quarter_and_clamp(void)
{
	enum lq_bound why;

	CHECK_EQ(lq_quarter_cap(128), 97, "M = 128");
	CHECK_EQ(lq_quarter_cap(4096), 3073, "M = 4096");
	CHECK_EQ(lq_quarter_cap(262144), 196609, "M = 262144");
	CHECK_EQ(lq_quarter_cap(0), 1, "M = 0");
	CHECK_EQ(lq_quarter_cap(1), 2, "M = 1");
	CHECK_EQ(lq_quarter_cap(-4), 0, "M = -4");
	CHECK_EQ(syn_cap(&gt, 50, 4096, 128, 0, &why), 51, "msb 128 does not bind backlog 50");
	CHECK_EQ(why, LQ_BOUND_BACKLOG, "... backlog binds");
	CHECK_EQ(syn_cap(&gt, 96, 4096, 128, 0, &why), 97, "backlog 96 and the quarter tie");
	CHECK_EQ(why, LQ_BOUND_BACKLOG, "... a tie is the backlog's");
	CHECK_EQ(syn_cap(&gt, 1000, 4096, 128, 1, NULL), 1001, "cookies on: no quarter rule");

	/* __sys_listen(): (unsigned int)backlog > somaxconn, so negative means somaxconn. */
	CHECK_EQ(lq_clamp_backlog(-1, 128), 128, "backlog -1");
	CHECK_EQ(lq_clamp_backlog(-2147483647 - 1, 4096), 4096, "backlog INT_MIN");
	CHECK_EQ(lq_clamp_backlog(0, 128), 0, "backlog 0");
	CHECK_EQ(lq_clamp_backlog(128, 128), 128, "backlog = somaxconn");
	CHECK_EQ(lq_clamp_backlog(129, 128), 128, "backlog > somaxconn");
	CHECK_EQ(lq_clamp_backlog(511, 4096), 511, "backlog < somaxconn");
	CHECK_EQ(lq_acc_cap(&gt, lq_clamp_backlog(-1, 128), 0, 128, 0), 129, "backlog -1 accept queue");
}

static void test_misc(void)
{
	static const struct lq_rules acc_ge = { LQ_SYNQ_GT, LQ_ACCEPTQ_GE };

	CHECK_EQ(lq_acc_cap(&gt, 3, 0, 128, 1), 4, "accept cap, A > B");
	CHECK_EQ(lq_acc_cap(&acc_ge, 3, 0, 128, 1), 3, "accept cap, A >= B");
	/* A >= B with B = 0: tcp_conn_request()'s accept queue test refuses every SYN */
	CHECK_EQ(lq_acc_cap(&acc_ge, 0, 0, 128, 1), 0, "accept cap, A >= B, backlog 0");
	CHECK_EQ(lq_syn_cap(&acc_ge, 0, 0, 128, 1, NULL), 0, "SYN cap, A >= B, backlog 0");
	CHECK_EQ(!strcmp(lq_syn_full_action(0), "drop"), 1, "syncookies 0: drop");
	CHECK_EQ(!strcmp(lq_syn_full_action(1), "cookie"), 1, "syncookies 1: cookie");
	CHECK_EQ(!strcmp(lq_syn_full_action(2), "cookie_all"), 1, "syncookies 2: cookie_all");
	/* retrans_to_secs() in net/ipv4/tcp.c (6.12): 1 s doubling, capped at 120 s. */
	CHECK_EQ(lq_defer_accept_secs(0), 0, "defer_accept 0 retransmits");
	CHECK_EQ(lq_defer_accept_secs(1), 1, "defer_accept 1 retransmit");
	CHECK_EQ(lq_defer_accept_secs(3), 7, "defer_accept 3 retransmits");
	CHECK_EQ(lq_defer_accept_secs(8), 247, "defer_accept 8 retransmits, capped");
}

/* The fill buckets and what each arrival adds to their sum, in millionths. */
static void test_fill(void)
{
	CHECK_EQ(lq_fill_bucket(0, 16), LQ_FILL_0, "fill 0/16");
	CHECK_EQ(lq_fill_bucket(4, 16), LQ_FILL_25, "fill 4/16, on the 1/4 bound");
	CHECK_EQ(lq_fill_bucket(5, 16), LQ_FILL_50, "fill 5/16");
	CHECK_EQ(lq_fill_bucket(12, 16), LQ_FILL_75, "fill 12/16, on the 3/4 bound");
	CHECK_EQ(lq_fill_bucket(15, 16), LQ_FILL_99, "fill 15/16");
	CHECK_EQ(lq_fill_bucket(16, 16), LQ_FILL_FULL, "fill 16/16");
	CHECK_EQ(lq_fill_bucket(0, 0), LQ_FILL_FULL, "fill 0/0: no room");
	CHECK_EQ(lq_fill_sum_term(0, 16), 0, "sum term 0/16");
	CHECK_EQ(lq_fill_sum_term(1, 16), 62500, "sum term 1/16");
	CHECK_EQ(lq_fill_sum_term(15, 16), 937500, "sum term 15/16");
	CHECK_EQ(lq_fill_sum_term(1, 3), 333333, "sum term 1/3, rounded down");
	CHECK_EQ(lq_fill_sum_term(2, 3), 666666, "sum term 2/3, rounded down");
	CHECK_EQ(lq_fill_sum_term(16, 16), LQ_FILL_SUM_ONE, "sum term of a full queue");
	CHECK_EQ(lq_fill_sum_term(17, 16), LQ_FILL_SUM_ONE, "sum term past the cap");
	CHECK_EQ(lq_fill_sum_term(0, 0), LQ_FILL_SUM_ONE, "sum term, cap 0");
	CHECK_EQ(lq_fill_sum_term(4294967294ULL, 4294967295ULL), 999999,
		 "sum term near 2^32, no overflow");
}

/*
 * Replays each predicate as the kernel evaluates it for every new SYN or
 * child, from an empty queue: where it first says "full" is the cap.
 */
static void test_predicates_match_caps(void)
{
	const struct lq_rules *rules[] = { &table, &ge, &gt };
	unsigned int i, b, bad;
	int m;

	for (i = 0; i < 3; i++) {
		unsigned int bad_syn = 0, bad_acc = 0;

		for (b = 0; b <= 5000; b++) {
			unsigned int mql = lq_max_qlen_log(b, 4096);
			unsigned long long q = 0, a = 0;

			while (!lq_synq_is_full(rules[i], q, b, mql))
				q++;
			bad_syn += q != lq_syn_cap(rules[i], b, mql, 4096, 1, NULL);
			while (!lq_acceptq_is_full(rules[i], a, b))
				a++;
			bad_acc += a != lq_acc_cap(rules[i], b, mql, 4096, 1);
		}
		CHECK_EQ(bad_syn, 0, "rule %u: SYN predicate replay vs cap, backlog 0..5000", i);
		CHECK_EQ(bad_acc, 0, "rule %u: accept predicate replay vs cap, backlog 0..5000", i);
	}
	/* tcp_conn_request(): drop while M - Q < (M >> 2). */
	for (bad = 0, m = -8; m <= 70000; m++) {
		long long q = 0;

		while (!((long long)m - q < (long long)(m >> 2)))
			q++;
		bad += (unsigned long long)q != lq_quarter_cap(m);
	}
	CHECK_EQ(bad, 0, "quarter rule replay vs lq_quarter_cap(), M -8..70000");
}

/*
 * The caps as a listener reaches them: what each arrival does to the SYN
 * queue Q and the accept queue A, replayed in tcp_conn_request()'s order
 * over every reachable (Q, A), for every rule and sysctl. A SYN from a new
 * peer tcp_metrics does not know (no TIME_WAIT isn):
 *   if (syncookies == 2 || SYN queue full)  cookie if syncookies, else drop
 *   if (sk_acceptq_is_full())                drop (4.10+; before, only
 *                                            while young > 1, and young may
 *                                            be 0: never, for the table)
 *   if (!cookie && !syncookies && M - Q < (M >> 2))  drop (quarter rule)
 *   cookie ? a cookie SYN-ACK : Q + 1
 * The ACK of a queued request: A full ? it stays queued : Q - 1, A + 1.
 * The ACK of a cookie: A full ? dropped : A + 1. Sending a cookie changes
 * neither queue, so once one could be sent any number could: "cookies
 * out" is a flag of the state. The largest Q and A seen are the caps.
 */
#define REPLAY_N 80

static void replay_caps(const struct lq_rules *r, unsigned int b, unsigned int mql, int m,
			int cookies, unsigned long long *max_q, unsigned long long *max_a)
{
	static bool seen[REPLAY_N][REPLAY_N][2];
	static unsigned char stack[REPLAY_N * REPLAY_N * 2][3];
	unsigned int sp = 0;

	memset(seen, 0, sizeof(seen));
	*max_q = *max_a = 0;
	seen[0][0][0] = true;
	stack[sp][0] = stack[sp][1] = stack[sp][2] = 0;
	sp++;
	while (sp) {
		unsigned int q = stack[--sp][0], a = stack[sp][1], c = stack[sp][2];
		unsigned int next[3][3], n = 0, i;
		bool acc_full = lq_acceptq_is_full(r, a, b), cookie = false, drop = false;

		if (q > *max_q)
			*max_q = q;
		if (a > *max_a)
			*max_a = a;
		/* a SYN */
		if (cookies == 2 || lq_synq_is_full(r, q, b, mql)) {
			cookie = cookies != 0;
			drop = !cookie;
		}
		if (r->synq != LQ_SYNQ_TABLE && acc_full)
			drop = true;
		if (!cookie && !cookies && (long long)m - q < (long long)(m >> 2))
			drop = true;
		if (!drop && cookie)
			next[n][0] = q, next[n][1] = a, next[n++][2] = 1;
		else if (!drop)
			next[n][0] = q + 1, next[n][1] = a, next[n++][2] = c;
		/* the ACK of a queued request, of a cookie */
		if (q && !acc_full)
			next[n][0] = q - 1, next[n][1] = a + 1, next[n++][2] = c;
		if (c && !acc_full)
			next[n][0] = q, next[n][1] = a + 1, next[n++][2] = c;
		for (i = 0; i < n; i++) {
			unsigned int nq = next[i][0], na = next[i][1], nc = next[i][2];

			if (nq >= REPLAY_N || na >= REPLAY_N || seen[nq][na][nc])
				continue;
			seen[nq][na][nc] = true;
			stack[sp][0] = nq, stack[sp][1] = na, stack[sp][2] = nc;
			sp++;
		}
	}
}

static void test_replay_all_sysctls(void)
{
	static const struct lq_rules acc_ge = { LQ_SYNQ_GE, LQ_ACCEPTQ_GE };
	static const struct lq_rules acc_ge_gt = { LQ_SYNQ_GT, LQ_ACCEPTQ_GE };
	const struct lq_rules *rules[] = { &table, &ge, &gt, &acc_ge, &acc_ge_gt };
	unsigned int i, b, cases = 0, bad_syn = 0, bad_acc = 0, refused = 0;
	int m, cookies;

	for (i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		for (b = 0; b <= 24; b++)
			for (m = -9; m <= 40; m++)
				for (cookies = 0; cookies <= 2; cookies++) {
					const struct lq_rules *r = rules[i];
					unsigned int mql = r->synq == LQ_SYNQ_TABLE ?
							   lq_max_qlen_log(b, m) : 0;
					unsigned long long q, a;

					replay_caps(r, b, mql, m, cookies, &q, &a);
					cases++;
					refused += a == 0;
					if (q != lq_syn_cap(r, b, mql, m, cookies, NULL)) {
						bad_syn++;
						printf("# rule %u b %u M %d cookies %d: Q reaches "
						       "%llu\n", i, b, m, cookies, q);
					}
					if (a != lq_acc_cap(r, b, mql, m, cookies) ||
					    (a == 0) != lq_refuses_all(r, b, mql, m, cookies)) {
						bad_acc++;
						printf("# rule %u b %u M %d cookies %d: A reaches "
						       "%llu\n", i, b, m, cookies, a);
					}
				}
	CHECK_EQ(bad_syn, 0, "replayed SYN queue vs lq_syn_cap(), %u cases", cases);
	CHECK_EQ(bad_acc, 0, "replayed accept queue vs lq_acc_cap(), %u cases", cases);
	/* ge b 0 (50 M), acc_ge/acc_ge_gt b 0 (150 each), M <= -2 (7 M) for ge/gt b > 0 */
	CHECK_EQ(refused != 0, 1, "some combinations refuse every SYN (%u)", refused);
}

int main(void)
{
	test_3_10_published();
	test_table_era();
	test_ge_era();
	test_gt_backports();
	test_measured_6_18();
	test_quarter_and_clamp();
	test_misc();
	test_fill();
	test_predicates_match_caps();
	test_replay_all_sysctls();
	return lq_finish();
}
