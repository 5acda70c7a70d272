/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The per-listener records of records.c, and the part of it that every SYN
 * runs: inline, so that the hooks of hooks.c count an arrival and a drop
 * without a call (whose frame, on the drop path, cost more than the count).
 */
#ifndef _LQ_RECORDS_H
#define _LQ_RECORDS_H

#include <linux/hash.h>
#include <linux/log2.h>
#include <linux/mutex.h>
#include <linux/rculist.h>
#include <linux/seqlock.h>
#include <linux/workqueue.h>

#include "listenq.h"

struct lq_record {
	struct hlist_node node;		/* in a bucket of an index, or in a chunk's free list */
	struct rcu_head rcu;
	const struct sock *sk;		/* the key; never dereferenced */
	atomic64_t c[LQ_NR_COUNTERS];	/* enum lq_counter */
	atomic_t syn_peak, acc_peak;
	int backlog;			/* listen()'s own argument; LQ_NO_BACKLOG: not seen */
};

/*
 * Records are made LQ_CHUNK_RECORDS at a time, in a chunk of LQ_CHUNK_BYTES
 * from kmalloc (pool.c): nine of 448 bytes in 4 KiB on 64-bit, where one
 * kmalloc each would take 512. kmalloc aligns a chunk to its size, a power
 * of two, so a record finds its chunk by its address.
 */
#define LQ_CHUNK_BYTES		4096UL

struct lq_chunk {
	struct list_head all;		/* lq_records.chunks */
	struct list_head node;		/* lq_records.partial or .empty; none when all are taken */
	struct hlist_head free;		/* its records in the pool */
	unsigned int nfree;
	struct lq_record rec[];
};

#define LQ_CHUNK_RECORDS \
	((LQ_CHUNK_BYTES - sizeof(struct lq_chunk)) / sizeof(struct lq_record))

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

struct lq_slots {
	struct rcu_head rcu;
	unsigned int bits;		/* 1 << @bits slots */
	struct lq_wait_slot slot[];
};

/*
 * Where records are found: a hash of 1 << @bits buckets, sized to the
 * records that exist and replaced by one of another size as listeners come
 * and go (records.c, lq_index_fit()), and the wait slots, sized with it.
 */
struct lq_index {
	struct lq_slots *slots;
	unsigned int bits;
	struct hlist_head bucket[];
};

struct lq_records {
	raw_spinlock_t lock;		/* taken in probe handlers: raw on RT too */
	seqcount_t moving;		/* records change index, under @lock */
	struct lq_index __rcu *index;	/* where records are added */
	struct lq_index __rcu *prev;	/* while records move from it to @index */
	/* Under @lock: */
	unsigned int held;		/* records in an index */
	unsigned int out;		/* records out of the pool: held, or in a grace period */
	unsigned int pooled;		/* records in the chunks' free lists */
	unsigned int made;		/* records in chunks */
	unsigned int size;		/* max_listeners: at most this many out */
	struct list_head chunks;	/* every chunk */
	struct list_head partial;	/* chunks with records taken and records free */
	struct list_head empty;		/* chunks with no record taken */
	struct workqueue_struct *wq;
	struct work_struct work;	/* lq_records_work(): the pool, the index */
	struct mutex resize;		/* who changes @index: the work, the seed */
	atomic_long_t untracked;	/* events lost to a full table */
	atomic_long_t unready;		/* events lost to an empty pool */
	atomic_long_t lost;		/* accepted children whose enqueue time was lost */
	unsigned long have;		/* what the probes registered provide */
};

extern struct lq_records __rcu *lq_records;
/* The table lq_records points to while probes are on: one at a time. */
extern struct lq_records lq_table;

/* records.c */
struct lq_record *lq_record_claim(struct lq_records *t, const struct sock *sk);
void lq_record_listen_late(const struct sock *sk, bool fresh, int backlog);
bool lq_records_need_work(const struct lq_records *t);

/*
 * pool.c: the records no listener holds, and the chunks they are made in.
 * The pool keeps LQ_SPARE records ready for listen() and the SYNs of
 * listeners without one. A claim that finds fewer than half of them asks
 * for more, a release that leaves an empty chunk beyond twice as many has
 * it freed. A burst of listen() calls that outruns the work item empties
 * it: each listen() then refills it from its own task (late.c).
 */
#define LQ_SPARE	64U

struct lq_record *lq_pool_get(struct lq_records *t);
void lq_pool_put_rcu(struct rcu_head *head);
bool lq_pool_grow(struct lq_records *t, gfp_t gfp);
bool lq_pool_too_big(const struct lq_records *t);
bool lq_pool_shrink(struct lq_records *t, unsigned int keep);
void lq_pool_fill(struct lq_records *t, unsigned int want);
void lq_pool_free(struct lq_records *t);
size_t lq_pool_bytes(const struct lq_records *t);

/* late.c: a record claimed by the task that called listen() */
bool lq_late_send(const struct sock *sk, bool fresh, int backlog);

/* The bits of an index for @n records: a bucket or more each, 16 at least. */
static inline unsigned int lq_index_bits(unsigned int n)
{
	return max(order_base_2(n), 4);
}

/* An index of 1 << @bits buckets is for @n records: one to two a bucket. */
static inline bool lq_index_fits(unsigned int bits, unsigned int n)
{
	return bits == lq_index_bits(n) || bits == lq_index_bits(n) + 1;
}

/* index.c: where records are found */
struct lq_index *lq_index_alloc(unsigned int bits, struct lq_slots *slots);
void lq_index_free(struct lq_index *ix, const struct lq_index *next);
size_t lq_index_bytes(const struct lq_index *ix);
void lq_index_fit(struct lq_records *t);

/* waits.c */
void lq_wait_move(struct lq_slots *from, struct lq_slots *to);
void lq_log(const struct sock *sk, enum lq_reason why, const char *action,
	    const union lq_sockaddr *peer);

/*
 * The table and its indexes, from a hook or under rcu_read_lock() or the
 * table's lock: hooks run with BH or preemption disabled, which is an RCU
 * read-side critical section (since 5.0's flavour consolidation; on
 * PREEMPT_RT local_bh_disable() takes rcu_read_lock()), so that every SYN
 * need not pay for rcu_read_lock() on a preemptible-RCU kernel.
 */
#define lq_deref(p)	rcu_dereference_check(p, rcu_read_lock_any_held())

static __always_inline struct hlist_head *lq_bucket(const struct lq_index *ix,
						    const struct sock *sk)
{
	return (struct hlist_head *)&ix->bucket[hash_ptr(sk, ix->bits)];
}

static __always_inline struct lq_record *lq_chain_find(const struct lq_index *ix,
						       const struct sock *sk)
{
	struct lq_record *r;

	hlist_for_each_entry_rcu(r, lq_bucket(ix, sk), node, rcu_read_lock_any_held())
		if (r->sk == sk)
			return r;
	return NULL;
}

/*
 * The record of @sk, or NULL. While lq_index_fit() moves records to a new
 * index, a record is in one of the two, and a walk of a chain may follow a
 * record into another: a miss is sure only if no record moved meanwhile.
 */
static __always_inline struct lq_record *lq_record_find(struct lq_records *t,
							const struct sock *sk)
{
	const struct lq_index *prev;
	struct lq_record *r;
	unsigned int seq;

	do {
		seq = read_seqcount_begin(&t->moving);
		r = lq_chain_find(lq_deref(t->index), sk);
		if (r)
			return r;
		prev = lq_deref(t->prev);
		r = prev ? lq_chain_find(prev, sk) : NULL;
		if (r)
			return r;
	} while (read_seqcount_retry(&t->moving, seq));
	return NULL;
}

/* An event of a listener without a record: lost to a full table or an empty pool. */
static __always_inline void lq_count_untracked(struct lq_records *t)
{
	atomic_long_inc(READ_ONCE(t->out) < t->size ? &t->unready : &t->untracked);
}

static __always_inline struct lq_records *lq_records_in_hook(void)
{
	return lq_deref(lq_records);
}

/* Raise a peak to @len, unless it is higher already. */
static __always_inline void lq_peak_raise(atomic_t *peak, u32 len)
{
	int old = atomic_read(peak);

	while ((u32)old < len && !atomic_try_cmpxchg(peak, &old, len))
		;
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
		atomic64_inc(&r->c[(syn ? LQ_C_SYN_FILL : LQ_C_ACC_FILL) + fill]);
		atomic64_add(lq_fill_sum_term(q, cap),
			     &r->c[syn ? LQ_C_SYN_FILL_SUM : LQ_C_ACC_FILL_SUM]);
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
			lq_count_untracked(t);
		return;
	}
	atomic64_inc(&r->c[why]);
	if (READ_ONCE(lq_drop_log))
		lq_log(sk, why, action, peer);
}

#endif /* _LQ_RECORDS_H */
