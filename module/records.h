/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The per-listener records of records.c, and the part of it that every SYN
 * runs: inline, so that the hooks of hooks.c count an arrival and a drop
 * without a call (whose frame, on the drop path, cost more than the count).
 */
#ifndef _LQ_RECORDS_H
#define _LQ_RECORDS_H

#include <linux/hash.h>
#include <linux/rculist.h>

#include "listenq.h"

struct lq_record {
	struct hlist_node node;		/* in a hash bucket, or in the pool */
	struct rcu_head rcu;
	struct lq_records *records;
	const struct sock *sk;		/* the key; never dereferenced */
	atomic_long_t count[LQ_NR_REASONS];
	atomic_long_t synack_retrans;
	atomic_long_t syn_fill[LQ_NR_FILL];
	atomic_long_t acc_fill[LQ_NR_FILL];
	atomic64_t syn_fill_sum, acc_fill_sum;	/* lq_fill_sum_term()s */
	atomic_long_t wait[LQ_NR_WAIT];
	atomic64_t wait_sum_ns;
	atomic_long_t wait_missed;	/* accept() calls no probe followed */
	atomic_t syn_peak, acc_peak;
	int backlog;			/* listen()'s own argument; LQ_NO_BACKLOG: not seen */
};

/*
 * When each child entered an accept queue, for the wait histogram: a slot
 * per hash of the child, overwritten by the next child of that hash. A
 * child that finds its slot taken by another at accept() is not counted
 * (@lost). Two children enqueued at the same moment in one slot may leave
 * one of them with the other's time, which differs by that moment only.
 */
struct lq_wait_slot {
	const struct sock *child;	/* never dereferenced */
	const struct sock *listener;	/* the key of its record; never dereferenced */
	u64 ns;				/* ktime_get_mono_fast_ns() at the enqueue */
};

struct lq_records {
	raw_spinlock_t lock;		/* taken in probe handlers: raw on RT too */
	unsigned int held;		/* records in @hash, under @lock */
	struct hlist_head pool;		/* records no listener holds */
	struct hlist_head *hash;	/* a bucket or more per record */
	atomic_long_t untracked;	/* events lost to a full table */
	atomic_long_t lost;		/* accepted children whose enqueue time was lost */
	unsigned long have;		/* what the probes registered provide */
	struct lq_wait_slot *slots;
	unsigned int slot_bits, hash_bits;
	unsigned int size;
	struct lq_record rec[] __counted_by(size);
};

extern struct lq_records __rcu *lq_records;

struct lq_record *lq_record_claim(struct lq_records *t, const struct sock *sk);
void lq_log(const struct sock *sk, enum lq_reason why, const char *action,
	    const union lq_sockaddr *peer);

static inline struct hlist_head *lq_bucket(struct lq_records *t, const struct sock *sk)
{
	return &t->hash[hash_ptr(sk, t->hash_bits)];
}

/* Under rcu_read_lock() or @t->lock. */
static __always_inline struct lq_record *lq_record_find(struct lq_records *t,
							const struct sock *sk)
{
	struct lq_record *r;

	hlist_for_each_entry_rcu(r, lq_bucket(t, sk), node, lockdep_is_held(&t->lock))
		if (r->sk == sk)
			return r;
	return NULL;
}

/*
 * The table, from a hook: those run with BH or preemption disabled, which
 * is an RCU read-side critical section (since 5.0's flavour consolidation;
 * on PREEMPT_RT local_bh_disable() takes rcu_read_lock()), so that every SYN
 * need not pay for rcu_read_lock() on a preemptible-RCU kernel.
 */
static __always_inline struct lq_records *lq_records_in_hook(void)
{
	return rcu_dereference_check(lq_records, rcu_read_lock_any_held());
}

/* lq_record_claim() from a hook, the lookup inline. */
static __always_inline struct lq_record *lq_record_in_hook(const struct sock *sk)
{
	struct lq_records *t = lq_records_in_hook();
	struct lq_record *r;

	if (!t)
		return NULL;
	r = lq_record_find(t, sk);
	return likely(r) ? r : lq_record_claim(t, sk);
}

/**
 * lq_count_arrival() - a SYN or a completed handshake reached a listener
 * @sk: the listener
 * @syn: a SYN, at tcp_conn_request(); else a handshake at ->syn_recv_sock()
 * @q: the length of the queue it found
 * @cap: that queue's cap (the syn_cap or acc_cap column)
 *
 * From a hook (lq_records_in_hook()).
 *
 * Return: the record of @sk, or NULL if the table had no room for it. It
 * stays @sk's until lq_record_release(), and lq_record_release() waits for
 * a grace period before the pool takes it back: a per-CPU window that
 * names @sk, which inet_csk_listen_stop() clears before the release, may
 * keep it to count the drop it finds when it closes, and so look @sk up
 * once per SYN.
 */
static __always_inline struct lq_record *lq_count_arrival(const struct sock *sk, bool syn, u32 q,
							  unsigned long long cap)
{
	struct lq_record *r = lq_record_in_hook(sk);
	unsigned int fill = lq_fill_bucket(q, cap);

	if (r) {
		atomic_long_inc(syn ? &r->syn_fill[fill] : &r->acc_fill[fill]);
		atomic64_add(lq_fill_sum_term(q, cap), syn ? &r->syn_fill_sum : &r->acc_fill_sum);
	}
	return r;
}

/**
 * lq_count_drop_in() - count one refused connection attempt in a record
 * @r: the record of @sk, as lq_count_arrival() returned it; NULL: none
 * @sk: the listener, for the drop log
 * @why: the reason, as the kernel's own counters told it
 * @action: what the kernel did, for the drop log: "drop", "cookie", ...
 * @peer: the client, for the drop log; filled only while it is on
 *
 * In a window that names @sk (see lq_count_arrival()), or from a kprobe
 * handler under rcu_read_lock() (lq_count_drop()). Without a record,
 * the drop counts as an event lost to a full table, as the arrival did.
 */
static __always_inline void lq_count_drop_in(struct lq_record *r, const struct sock *sk,
					     enum lq_reason why, const char *action,
					     const union lq_sockaddr *peer)
{
	struct lq_records *t;

	if (!r) {
		t = lq_records_in_hook();
		if (t)
			atomic_long_inc(&t->untracked);
		return;
	}
	atomic_long_inc(&r->count[why]);
	if (READ_ONCE(lq_drop_log))
		lq_log(sk, why, action, peer);
}

#endif /* _LQ_RECORDS_H */
