/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The per-CPU windows through which the hooks of hooks.c attribute drops.
 *
 * The kernel decides in tcp_conn_request() and ->syn_recv_sock() and counts
 * the outcome in this CPU's MIB counters, with no other code of this CPU in
 * between (softirq, or BH-disabled and migration-disabled on PREEMPT_RT).
 * A hook at the entry of each of those calls copies this CPU's counters into
 * the CPU's window; what they did by the next call's entry on this CPU is
 * what the last call decided, exactly, whatever other CPUs do to the queues
 * meanwhile. Re-evaluating the predicates would race with them, and a return
 * probe on every SYN costs twice as much as the SYN's decision itself. A
 * window left open is closed within a tick while the drop log is on, and
 * before /proc/listenq is read (windows.c).
 *
 * What every SYN runs is here, inline; windows.c has the rest.
 */
#ifndef _LQ_WINDOWS_H
#define _LQ_WINDOWS_H

#include <linux/percpu.h>
#include <linux/workqueue.h>
#include <net/tcp.h>

#include "records.h"

/*
 * The counters that tell a reason apart, in the listener's namespace. Each
 * window copies this CPU's values when a hooked call begins; what changed
 * when the next call on this CPU begins is what the previous one decided.
 */
enum lq_mib {
	LQ_MIB_QFULL_DROP,	/* TCPReqQFullDrop */
	LQ_MIB_QFULL_COOKIE,	/* TCPReqQFullDoCookies */
	LQ_MIB_OVERFLOW,	/* ListenOverflows */
	LQ_MIB_LISTENDROP,	/* ListenDrops */
	LQ_NR_MIBS
};

enum lq_window_kind {
	LQ_WIN_SYN,		/* tcp_conn_request() */
	LQ_WIN_ACK,		/* ->syn_recv_sock() for a syncookie ACK */
	LQ_WIN_ACK_REQ,		/* ->syn_recv_sock() from tcp_check_req() */
};

/*
 * The last hooked call of this CPU. Only this CPU writes it, in softirq or
 * with BH disabled, so never in the middle of another window of its own;
 * other CPUs only clear @sk when its listener stops.
 */
struct lq_window {
	const struct sock *sk;		/* the listener; NULL: nothing to account */
	struct lq_record *rec;		/* @sk's, from lq_count_arrival(); NULL: none */
	struct net *net;
	u8 kind;
	bool quarter;			/* tcp_peer_is_proven() was asked */
	unsigned long mib[LQ_NR_MIBS];
	union lq_sockaddr peer;		/* filled only while the drop log is on */
	struct delayed_work flush;	/* closes the window on this CPU */
};

DECLARE_PER_CPU(struct lq_window, lq_windows);

/* Whether windows may open: windows.c, lq_windows_start() and _stop(). */
extern bool lq_windows_live;

/* BIT(@i) if counter @idx moved since @was[@i], which then takes its value. */
static __always_inline unsigned long lq_mib_update(unsigned long *was, const unsigned long *mibs,
						   enum lq_mib i, unsigned int idx)
{
	unsigned long v = READ_ONCE(mibs[idx]);

	if (likely(v == was[i]))
		return 0;
	was[i] = v;
	return BIT(i);
}

/*
 * Which of this CPU's counters in @w->net moved since @w's copy, which
 * becomes their values. Every SYN reads them: constant indices (no loop,
 * no bounds check) and no array on the stack.
 */
static __always_inline unsigned long lq_mibs_update(struct lq_window *w)
{
	const unsigned long *mibs = this_cpu_ptr(w->net->mib.net_statistics)->mibs;

	BUILD_BUG_ON(LQ_NR_MIBS != 4);
	return lq_mib_update(w->mib, mibs, LQ_MIB_QFULL_DROP, LINUX_MIB_TCPREQQFULLDROP) |
	       lq_mib_update(w->mib, mibs, LQ_MIB_QFULL_COOKIE, LINUX_MIB_TCPREQQFULLDOCOOKIES) |
	       lq_mib_update(w->mib, mibs, LQ_MIB_OVERFLOW, LINUX_MIB_LISTENOVERFLOWS) |
	       lq_mib_update(w->mib, mibs, LQ_MIB_LISTENDROP, LINUX_MIB_LISTENDROPS);
}

static __always_inline void lq_account(struct lq_window *w, const struct sock *sk,
				       unsigned long changed)
{
	const union lq_sockaddr *peer = &w->peer;
	struct lq_record *r = w->rec;

	if (w->kind == LQ_WIN_SYN) {
		if (changed & BIT(LQ_MIB_QFULL_DROP))
			lq_count_drop_in(r, sk, LQ_DROP_SYNQ, "drop", peer);
		if (changed & BIT(LQ_MIB_QFULL_COOKIE))
			lq_count_drop_in(r, sk, LQ_COOKIE_SYNQ, "cookie", peer);
		if (changed & BIT(LQ_MIB_OVERFLOW))
			lq_count_drop_in(r, sk, LQ_DROP_ACCQ_SYN, "drop", peer);
		else if (w->quarter && (changed & BIT(LQ_MIB_LISTENDROP)))
			lq_count_drop_in(r, sk, LQ_DROP_QUARTER, "drop", peer);
	} else if (changed & BIT(LQ_MIB_OVERFLOW)) {
		/* tcp_check_req() then resets, or keeps the request for a retry. */
		bool rst = w->kind == LQ_WIN_ACK_REQ &&
			   READ_ONCE(w->net->ipv4.sysctl_tcp_abort_on_overflow);

		lq_count_drop_in(r, sk, LQ_DROP_ACCQ_ACK, rst ? "rst" : "drop", peer);
	}
}

/*
 * Account the last call of this CPU: what its counters did since it began.
 * Its listener is alive, and its record still the listener's:
 * lq_listen_stop_hook() clears @sk before the socket can be freed and the
 * record reused, each an RCU grace period after this BH-disabled section.
 */
static __always_inline bool lq_close(struct lq_window *w)
{
	const struct sock *sk = READ_ONCE(w->sk);
	unsigned long changed;

	if (!sk)
		return false;
	WRITE_ONCE(w->sk, NULL);
	changed = lq_mibs_update(w);
	if (unlikely(changed))
		lq_account(w, sk, changed);
	/* w->mib is now this CPU's count in w->net: lq_open() may keep it. */
	return true;
}

static __always_inline void lq_open(struct lq_window *w, bool fresh, const struct sock *sk,
				    struct lq_record *rec, u8 kind)
{
	struct net *net = sock_net(sk);

	if (!fresh || w->net != net) {
		w->net = net;
		lq_mibs_update(w);	/* a fresh copy: what moved does not matter */
	}
	w->rec = rec;
	w->kind = kind;
	w->quarter = false;
	/*
	 * Publish, then look at the state; lq_listen_stop_hook() looks at the
	 * windows after the state left TCP_LISTEN. One of the two sees the
	 * other: no window outlives its listener's inet_csk_listen_stop().
	 */
	smp_store_mb(w->sk, sk);
	if (unlikely(READ_ONCE(sk->sk_state) != TCP_LISTEN))
		WRITE_ONCE(w->sk, NULL);
}

/* With the drop log on, a drop is logged within a tick, not at the next call. */
static __always_inline bool lq_logging(struct lq_window *w)
{
	if (likely(!READ_ONCE(lq_drop_log)))
		return false;
	if (!delayed_work_pending(&w->flush))
		queue_delayed_work_on(smp_processor_id(), lq_percpu_wq, &w->flush, 1);
	return true;
}

#endif /* _LQ_WINDOWS_H */
