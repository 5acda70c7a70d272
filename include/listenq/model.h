/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The TCP listen queue math, as pure functions: the single source of truth
 * for the caps that the module prints, that the listenq tool predicts and
 * that the selftests check against the live kernel.
 *
 * Terms, as the kernel names them:
 *   B  sk->sk_max_ack_backlog: listen()'s backlog clamped to somaxconn
 *   M  net.ipv4.tcp_max_syn_backlog
 *   Q  inet_csk_reqsk_queue_len(): requests in SYN_RECV (the SYN queue)
 *   A  sk->sk_ack_backlog: children waiting for accept() (the accept queue)
 *
 * Builds in the kernel (linux/types.h) and in userspace (C99).
 */
#ifndef _LQ_MODEL_H
#define _LQ_MODEL_H

#ifdef __KERNEL__
#include <linux/math64.h>
#include <linux/types.h>
#define lq_div64(a, b)	div64_u64(a, b)
#else
#include <stdbool.h>
#define lq_div64(a, b)	((a) / (b))
#endif

/* How a kernel decides that its SYN queue is full. */
enum lq_synq_rule {
	/*
	 * Up to 4.3: a power-of-two listen_sock table sized at listen() time,
	 * full when qlen >> max_qlen_log (reqsk_queue_is_full()).
	 */
	LQ_SYNQ_TABLE,
	/* 4.4 (ef547f2ac16b) to 6.12: inet_csk_reqsk_queue_len(sk) >= B. */
	LQ_SYNQ_GE,
	/*
	 * 6.13 and the stable backports of 3479c7549fb1 (see
	 * lq_rules_for_kernel()): inet_csk_reqsk_queue_len(sk) > B.
	 */
	LQ_SYNQ_GT,
};

/* How a kernel decides that its accept queue is full (sk_acceptq_is_full()). */
enum lq_acceptq_rule {
	/*
	 * A >= B: reverted by 64a146513f8f (2.6.21), and again by c609e6aae4ef
	 * after f211ac154577 had it in a few 5.12 release candidates.
	 */
	LQ_ACCEPTQ_GE,
	LQ_ACCEPTQ_GT,	/* A > B: every kernel listenq knows */
};

/* The behaviour of one kernel build. */
struct lq_rules {
	enum lq_synq_rule synq;
	enum lq_acceptq_rule acceptq;
};

/* Which term limits a cap. */
enum lq_bound {
	LQ_BOUND_BACKLOG,	/* B, the clamped listen() backlog */
	LQ_BOUND_TABLE,		/* the power-of-two table of kernels up to 4.3 */
	LQ_BOUND_MAX_SYN,	/* the tcp_max_syn_backlog quarter rule */
	LQ_BOUND_COOKIES,	/* tcp_syncookies=2: every SYN gets a cookie */
};

/* What tcp_conn_request() does with a SYN that finds the SYN queue full. */
static inline const char *lq_syn_full_action(int syncookies)
{
	if (syncookies == 0)
		return "drop";
	return syncookies == 2 ? "cookie_all" : "cookie";
}

/* __sys_listen(): a backlog above somaxconn (or negative) becomes somaxconn. */
static inline unsigned int lq_clamp_backlog(int backlog, int somaxconn)
{
	if ((unsigned int)backlog > (unsigned int)somaxconn)
		return (unsigned int)somaxconn;
	return (unsigned int)backlog;
}

/* sk_acceptq_is_full(): children are refused, and (4.10+) so are SYNs. */
static inline bool lq_acceptq_is_full(const struct lq_rules *r, unsigned long long a,
				      unsigned int b)
{
	return r->acceptq == LQ_ACCEPTQ_GT ? a > b : a >= b;
}

/*
 * max_qlen_log of the listen_sock table, kernels up to 4.3
 * (reqsk_queue_alloc(), net/core/request_sock.c): the table has
 * roundup_pow_of_two(max(min(B, M), 8) + 1) slots, fixed at the first listen().
 */
static inline unsigned int lq_max_qlen_log(unsigned int b, int max_syn_backlog)
{
	unsigned int nr = b < (unsigned int)max_syn_backlog ? b : (unsigned int)max_syn_backlog;
	unsigned int log = 3;

	if (nr < 8)
		nr = 8;
	nr++;
	while ((1U << log) < nr)
		log++;
	return log;
}

/*
 * The tcp_max_syn_backlog quarter rule (tcp_conn_request() since 4.4,
 * tcp_v4_conn_request() before): with syncookies off, a SYN from a peer
 * without a tcp_metrics RTT entry is dropped when M - Q < (M >> 2).
 * It is the largest Q such unproven peers can reach.
 */
static inline unsigned long long lq_quarter_cap(int max_syn_backlog)
{
	long long last = (long long)max_syn_backlog - (max_syn_backlog >> 2);

	return last < 0 ? 0 : (unsigned long long)last + 1;
}

/*
 * The largest Q a listener can reach before new SYNs are answered with
 * cookies or dropped. @max_qlen_log matters only for LQ_SYNQ_TABLE.
 * @why, if not NULL, names the binding term.
 */
static inline unsigned long long lq_syn_cap(const struct lq_rules *r, unsigned int b,
					    unsigned int max_qlen_log, int max_syn_backlog,
					    int syncookies, enum lq_bound *why)
{
	enum lq_bound bound = LQ_BOUND_BACKLOG;
	unsigned long long cap;

	/*
	 * The accept queue test that tcp_conn_request() applies to every SYN,
	 * cookie or not (4.10+), already full with no child: A >= B with
	 * B = 0 refuses everything.
	 */
	if (r->synq != LQ_SYNQ_TABLE && lq_acceptq_is_full(r, 0, b)) {
		if (why)
			*why = LQ_BOUND_BACKLOG;
		return 0;
	}

	switch (r->synq) {
	case LQ_SYNQ_TABLE:
		cap = 1ULL << max_qlen_log;
		bound = LQ_BOUND_TABLE;
		break;
	case LQ_SYNQ_GE:
		cap = b;
		break;
	default:
		cap = (unsigned long long)b + 1;
		break;
	}

	if (syncookies == 2) {
		cap = 0;
		bound = LQ_BOUND_COOKIES;
	} else if (syncookies == 0 && lq_quarter_cap(max_syn_backlog) < cap) {
		cap = lq_quarter_cap(max_syn_backlog);
		bound = LQ_BOUND_MAX_SYN;
	}

	if (why)
		*why = bound;
	return cap;
}

/*
 * True when every SYN (of a peer tcp_metrics does not know, and not one
 * that reuses a TIME_WAIT socket's 4-tuple) is dropped before it can
 * become a connection, so the accept queue never holds a child:
 *  - tcp_syncookies=0 and a SYN queue that holds nothing: the >= rule with
 *    backlog 0, "full" at qlen 0 >= 0 (the bug 3479c7549fb1 fixed), or the
 *    quarter rule of a tcp_max_syn_backlog below -1. With cookies on, those
 *    SYNs get a cookie instead, whose ACK makes a child as a queued
 *    request's would.
 *  - the A >= B accept rule with B = 0, whose SYN-side test refuses every
 *    SYN (lq_syn_cap()).
 * @max_qlen_log matters only for LQ_SYNQ_TABLE, whose table is never
 * smaller than 16.
 */
static inline bool lq_refuses_all(const struct lq_rules *r, unsigned int b,
				  unsigned int max_qlen_log, int max_syn_backlog, int syncookies)
{
	if (r->synq != LQ_SYNQ_TABLE && lq_acceptq_is_full(r, 0, b))
		return true;
	return syncookies == 0 && !lq_syn_cap(r, b, max_qlen_log, max_syn_backlog, 0, NULL);
}

/*
 * The largest A the kernel lets a listener with backlog B reach, with the
 * namespace's sysctls now: B + 1 (full when A > B), B (A >= B), or 0 when
 * every SYN is dropped (lq_refuses_all()). Whatever fills the accept queue,
 * a queued request's ACK, a cookie's ACK or a Fast Open child, passes
 * tcp_conn_request() first. Arguments as lq_syn_cap()'s.
 */
static inline unsigned long long lq_acc_cap(const struct lq_rules *r, unsigned int b,
					    unsigned int max_qlen_log, int max_syn_backlog,
					    int syncookies)
{
	if (lq_refuses_all(r, b, max_qlen_log, max_syn_backlog, syncookies))
		return 0;
	return r->acceptq == LQ_ACCEPTQ_GT ? (unsigned long long)b + 1 : b;
}

/*
 * TCP_DEFER_ACCEPT is kept as a count of SYN-ACK retransmits; getsockopt()
 * turns it back into seconds with retrans_to_secs() (net/ipv4/tcp.c), using
 * TCP_TIMEOUT_INIT (1 s) and TCP_RTO_MAX (120 s).
 */
static inline int lq_defer_accept_secs(unsigned int retrans)
{
	int timeout = 1, period = 0;

	if (retrans > 0) {
		period = timeout;
		while (--retrans) {
			timeout <<= 1;
			if (timeout > 120)
				timeout = 120;
			period += timeout;
		}
	}
	return period;
}

/*
 * A kernel version as one comparable number. Unlike KERNEL_VERSION() the
 * sublevel is not capped at 255: 4.9.337 and 4.14.336 exist.
 */
static inline unsigned int lq_kver(unsigned int major, unsigned int minor, unsigned int sublevel)
{
	if (sublevel > 0xffff)
		sublevel = 0xffff;
	return (major & 0xff) << 24 | (minor & 0xff) << 16 | sublevel;
}

/*
 * The first stable release of each line that got 3479c7549fb1 ("tcp/dccp:
 * allow a connection when sk_max_ack_backlog is zero", mainline 6.13),
 * from the stable review series of January 2025. Lines not listed were
 * past their end of life and kept >=.
 */
static inline bool lq_has_synq_gt(unsigned int major, unsigned int minor, unsigned int sublevel)
{
	static const unsigned short backports[][3] = {
		{ 6, 12, 10 }, { 6, 6, 72 }, { 6, 1, 125 },
		{ 5, 15, 177 }, { 5, 10, 234 }, { 5, 4, 290 }, { 0 },
	};
	unsigned int i;

	if (lq_kver(major, minor, 0) >= lq_kver(6, 13, 0))
		return true;
	for (i = 0; backports[i][0]; i++)
		if (major == backports[i][0] && minor == backports[i][1])
			return sublevel >= backports[i][2];
	return false;
}

/*
 * The rules of a mainline or stable kernel version. Distribution kernels
 * carry backports their version does not show (RHEL 7's 3.10 has
 * tcp_syncookies=2, for one); the module probes its headers instead.
 */
static inline struct lq_rules lq_rules_for_kernel(unsigned int major, unsigned int minor,
						  unsigned int sublevel)
{
	struct lq_rules r = { .synq = LQ_SYNQ_GE, .acceptq = LQ_ACCEPTQ_GT };

	if (lq_kver(major, minor, 0) < lq_kver(4, 4, 0))
		r.synq = LQ_SYNQ_TABLE;
	else if (lq_has_synq_gt(major, minor, sublevel))
		r.synq = LQ_SYNQ_GT;
	return r;
}

/*
 * Before 4.10 (5ea8ea2cb7f1 "tcp/dccp: drop SYN packets if accept queue is
 * full") a SYN was dropped on a full accept queue only while more than one
 * request in the SYN queue was young (had not yet timed out).
 */
static inline bool lq_syn_acceptq_needs_young(unsigned int major, unsigned int minor)
{
	return lq_kver(major, minor, 0) < lq_kver(4, 10, 0);
}

/*
 * tcp_syncookies=2, a cookie for every SYN, came with 5ad37d5deee1 (3.12).
 * Older kernels test the sysctl for non-zero only: 2 acts as 1 there.
 */
static inline int lq_kernel_syncookies(unsigned int major, unsigned int minor, int syncookies)
{
	if (syncookies && lq_kver(major, minor, 0) < lq_kver(3, 12, 0))
		return 1;
	return syncookies;
}

/*
 * inet_csk_reqsk_queue_is_full(): the next SYN gets a cookie or is dropped.
 * @max_qlen_log matters only for LQ_SYNQ_TABLE.
 */
static inline bool lq_synq_is_full(const struct lq_rules *r, unsigned long long q,
				   unsigned int b, unsigned int max_qlen_log)
{
	switch (r->synq) {
	case LQ_SYNQ_TABLE:
		return (q >> max_qlen_log) != 0;
	case LQ_SYNQ_GE:
		return q >= b;
	default:
		return q > b;
	}
}

/*
 * How full a queue of @q entries was, relative to its cap @cap (acc_cap or
 * syn_cap), when a SYN or a completed handshake arrived: the buckets of
 * /proc/listenq_hist. Each bound belongs to the bucket below it; "full" is
 * a queue at or past its cap, where the arrival finds no room.
 */
enum lq_fill {
	LQ_FILL_0,		/* empty */
	LQ_FILL_25,		/* 0 < q <= cap/4 */
	LQ_FILL_50,		/* cap/4 < q <= cap/2 */
	LQ_FILL_75,		/* cap/2 < q <= 3cap/4 */
	LQ_FILL_99,		/* 3cap/4 < q < cap */
	LQ_FILL_FULL,		/* q >= cap */
	LQ_NR_FILL
};

static inline unsigned int lq_fill_bucket(unsigned long long q, unsigned long long cap)
{
	if (q >= cap)
		return LQ_FILL_FULL;
	if (!q)
		return LQ_FILL_0;
	if (4 * q <= cap)
		return LQ_FILL_25;
	if (2 * q <= cap)
		return LQ_FILL_50;
	if (4 * q <= 3 * cap)
		return LQ_FILL_75;
	return LQ_FILL_99;
}

/*
 * What one arrival adds to the sum of its fill histogram (the _sum of the
 * Prometheus histogram), in millionths: q/cap rounded down, so each term
 * is at most 1e-6 below the ratio. An arrival in the "full" bucket adds 1,
 * a cap of 0 included, whatever q is: the queue had no room.
 */
#define LQ_FILL_SUM_ONE	1000000U

static inline unsigned int lq_fill_sum_term(unsigned long long q, unsigned long long cap)
{
	if (q >= cap)
		return LQ_FILL_SUM_ONE;
	return (unsigned int)lq_div64(q * LQ_FILL_SUM_ONE, cap);
}

/*
 * How long a connection waited for accept(), in log2 buckets of
 * microseconds: bucket i < LQ_NR_WAIT - 1 holds waits of at most 2^i us
 * (and more than 2^(i-1) us, but bucket 0: up to 1 us), the last one the
 * longer waits (over 2^24 us, 16.8 s).
 */
#define LQ_NR_WAIT	26

static inline unsigned int lq_wait_bucket(unsigned long long ns)
{
	unsigned long long us = ns / 1000 + (ns % 1000 != 0);
	unsigned int i = 0;

	while (i < LQ_NR_WAIT - 1 && us > 1ULL << i)
		i++;
	return i;
}

#endif /* _LQ_MODEL_H */
