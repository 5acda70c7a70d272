// SPDX-License-Identifier: GPL-2.0
/*
 * The per-listener records of the probes: their table, claimed and
 * released with the listeners, and what reads and counts into them.
 *
 * A table is made when probes are switched on and freed when they go off.
 * A record is keyed by its listening socket: it is claimed when the socket
 * starts listening (or, for a listener older than the probes, when they go
 * on), reset then, and released, an RCU grace period later, when it stops,
 * so that two listeners never share counts. Memory follows the listeners:
 * records are allocated, in process context, into a pool that claims take
 * from (lq_records_work()), and the index that finds them grows and
 * shrinks with their number (lq_index_fit()). No probe handler allocates,
 * but the one of listen() where the kernel allows it (not PREEMPT_RT).
 */
#include <linux/kprobes.h>
#include <linux/log2.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <net/inet_connection_sock.h>
#include <net/inet_hashtables.h>
#include <net/tcp.h>

#include "records.h"

struct lq_records __rcu *lq_records;

/*
 * A record, from kmalloc, and what it takes there: kmalloc's caches above
 * 256 bytes are powers of two (448 bytes on 64-bit, in 512). A slab cache
 * of its own would fit it closer, but kmem_cache_create() dumps the stack
 * when it fails, which an allocation failure must not.
 */
static const unsigned int lq_record_bytes = sizeof(struct lq_record);
#define LQ_RECORD_HELD	roundup_pow_of_two(sizeof(struct lq_record))

/*
 * The table lq_records points to while probes are on: one at a time (the
 * parameter lock), made again once lq_records_destroy() has waited out
 * every user of the last.
 */
static struct lq_records lq_table;

static void lq_record_reset(struct lq_record *r)
{
	int i;

	for (i = 0; i < LQ_NR_REASONS; i++)
		atomic_long_set(&r->count[i], 0);
	atomic_long_set(&r->synack_retrans, 0);
	for (i = 0; i < LQ_NR_FILL; i++) {
		atomic_long_set(&r->syn_fill[i], 0);
		atomic_long_set(&r->acc_fill[i], 0);
	}
	atomic64_set(&r->syn_fill_sum, 0);
	atomic64_set(&r->acc_fill_sum, 0);
	for (i = 0; i < LQ_NR_WAIT; i++)
		atomic_long_set(&r->wait[i], 0);
	atomic64_set(&r->wait_sum_ns, 0);
	atomic_long_set(&r->wait_missed, 0);
	atomic_set(&r->syn_peak, 0);
	atomic_set(&r->acc_peak, 0);
	WRITE_ONCE(r->backlog, LQ_NO_BACKLOG);
}
NOKPROBE_SYMBOL(lq_record_reset);

/*
 * Records the pool keeps ready for listen() and the SYNs of listeners
 * without one: LQ_SPARE. A claim that finds fewer than half of them asks
 * for more, a release that leaves twice as many has the rest freed. Where
 * the probe of listen() cannot allocate (PREEMPT_RT), a burst of listen()
 * calls or of closes and listens (records come back a grace period after
 * the close) can outrun the work item, and events would be lost: there
 * every record max_listeners allows is made when probes go on, as the
 * table was before records followed the listeners.
 */
#define LQ_SPARE	64U

static unsigned int lq_spare(const struct lq_records *t)
{
	if (IS_ENABLED(CONFIG_PREEMPT_RT))
		return t->size - READ_ONCE(t->held);
	return LQ_SPARE;
}

/* The bits of an index for @n records: a bucket or more each, 16 at least. */
static unsigned int lq_index_bits(unsigned int n)
{
	return max(order_base_2(n), 4);
}

/*
 * Wait slots: one for every two buckets, and 1 << 14 however few the
 * listeners: room for the accept queues of a server with a few listeners.
 */
static unsigned int lq_slot_bits(unsigned int index_bits)
{
	return max(index_bits - 1, 14U);
}

/* An index of 1 << @bits buckets is for @n records: one to two a bucket. */
static bool lq_index_fits(unsigned int bits, unsigned int n)
{
	return bits == lq_index_bits(n) || bits == lq_index_bits(n) + 1;
}

/* Under @t->lock: should lq_records_work() run? */
static bool lq_records_need_work(const struct lq_records *t)
{
	const struct lq_index *ix = rcu_dereference_protected(t->index, lockdep_is_held(&t->lock));

	return (t->pooled < lq_spare(t) / 2 && t->made < t->size) || t->pooled > 2 * lq_spare(t) ||
	       !lq_index_fits(ix->bits, t->made);
}

/*
 * The record of listener @sk, taken from the pool if it has none yet.
 * NULL if the pool is empty or @sk no longer listens. Under rcu_read_lock().
 */
static struct lq_record *lq_record_take(struct lq_records *t, const struct sock *sk)
{
	struct lq_record *r = lq_record_find(t, sk);
	struct lq_index *ix;
	unsigned long flags;
	bool work;

	if (r)
		return r;

	raw_spin_lock_irqsave(&t->lock, flags);
	/*
	 * A closing listener must not get a record back after it released
	 * its own. Its state leaves TCP_LISTEN before inet_csk_listen_stop(),
	 * whose hook takes this lock in lq_record_release(): tested under the
	 * lock, either we see the new state or the release sees our record.
	 */
	if (READ_ONCE(sk->sk_state) != TCP_LISTEN) {
		raw_spin_unlock_irqrestore(&t->lock, flags);
		return NULL;
	}
	r = lq_record_find(t, sk);
	if (!r && !hlist_empty(&t->pool)) {
		r = hlist_entry(t->pool.first, struct lq_record, node);
		hlist_del(&r->node);
		t->pooled--;
		lq_record_reset(r);
		r->sk = sk;
		ix = rcu_dereference_protected(t->index, lockdep_is_held(&t->lock));
		hlist_add_head_rcu(&r->node, lq_bucket(ix, sk));
		t->held++;
	}
	work = lq_records_need_work(t);
	raw_spin_unlock_irqrestore(&t->lock, flags);
	if (work)
		queue_work(t->wq, &t->work);
	return r;
}
NOKPROBE_SYMBOL(lq_record_take);

/*
 * lq_record_take() for an event: one without a record is counted, as lost
 * to a full table or to an empty pool.
 */
struct lq_record *lq_record_claim(struct lq_records *t, const struct sock *sk)
{
	struct lq_record *r = lq_record_take(t, sk);

	/* Not an event lost: a closing listener's, whose record is released. */
	if (!r && READ_ONCE(sk->sk_state) == TCP_LISTEN)
		lq_count_untracked(t);
	return r;
}
NOKPROBE_SYMBOL(lq_record_claim);

/* The record of @sk for an event in a probe handler; under rcu_read_lock(). */
static struct lq_record *lq_record_of(const struct sock *sk)
{
	struct lq_records *t = rcu_dereference(lq_records);

	return t ? lq_record_claim(t, sk) : NULL;
}
NOKPROBE_SYMBOL(lq_record_of);

static void lq_record_free_rcu(struct rcu_head *head)
{
	struct lq_record *r = container_of(head, struct lq_record, rcu);
	struct lq_records *t = &lq_table;
	unsigned long flags;
	bool work;

	raw_spin_lock_irqsave(&t->lock, flags);
	hlist_add_head(&r->node, &t->pool);
	t->pooled++;
	work = lq_records_need_work(t);
	raw_spin_unlock_irqrestore(&t->lock, flags);
	if (work)
		queue_work(t->wq, &t->work);
}

/*
 * One more record in the pool, if @t may have one more. False if it may
 * not, or if the allocation failed.
 */
static bool lq_pool_grow(struct lq_records *t, gfp_t gfp)
{
	struct lq_record *r = NULL;
	unsigned long flags;
	bool room;

	raw_spin_lock_irqsave(&t->lock, flags);
	room = t->made < t->size;
	if (room)
		t->made++;	/* claimed before the allocation, which may sleep */
	raw_spin_unlock_irqrestore(&t->lock, flags);
	if (room)
		r = kmalloc(lq_record_bytes, gfp | __GFP_NOWARN);
	if (!room)
		return false;
	raw_spin_lock_irqsave(&t->lock, flags);
	if (r) {
		hlist_add_head(&r->node, &t->pool);
		t->pooled++;
	} else {
		t->made--;
	}
	raw_spin_unlock_irqrestore(&t->lock, flags);
	return r;
}
NOKPROBE_SYMBOL(lq_pool_grow);

/* Free a record of the pool, if it has more than @keep. */
static bool lq_pool_shrink(struct lq_records *t, unsigned int keep)
{
	struct lq_record *r = NULL;
	bool freed;

	raw_spin_lock_irq(&t->lock);
	freed = t->pooled > keep;
	if (freed) {
		r = hlist_entry(t->pool.first, struct lq_record, node);
		hlist_del(&r->node);
		t->pooled--;
		t->made--;
	}
	raw_spin_unlock_irq(&t->lock);
	kfree(r);
	return freed;
}

/* Process context: the pool holds at least @want records, or @t is full. */
static void lq_pool_fill(struct lq_records *t, unsigned int want)
{
	while (READ_ONCE(t->pooled) < want && lq_pool_grow(t, GFP_KERNEL))
		cond_resched();
}

/**
 * lq_record_release() - give a listener's record back to the pool
 * @sk: a listener that has left TCP_LISTEN
 *
 * Readers under rcu_read_lock() may still see the record until the pool
 * takes it back, a grace period later.
 */
void lq_record_release(const struct sock *sk)
{
	struct lq_record *r = NULL;
	struct lq_records *t;
	unsigned long flags;

	rcu_read_lock();
	t = rcu_dereference(lq_records);
	if (t) {
		raw_spin_lock_irqsave(&t->lock, flags);
		r = lq_record_find(t, sk);
		if (r) {
			hlist_del_rcu(&r->node);
			t->held--;
		}
		raw_spin_unlock_irqrestore(&t->lock, flags);
	}
	rcu_read_unlock();
	if (r)
		call_rcu(&r->rcu, lq_record_free_rcu);
}

/**
 * lq_record_listen() - a socket has started listening, or listen() again
 * @sk: the listener
 * @fresh: it did not listen before this listen() call: its counts start at 0
 * @backlog: the argument listen() was given, or LQ_NO_BACKLOG
 */
void lq_record_listen(const struct sock *sk, bool fresh, int backlog)
{
	struct lq_records *t;
	struct lq_record *r;

	rcu_read_lock();
	t = rcu_dereference(lq_records);
	if (!t)
		goto out;
	/*
	 * The listener's record is claimed now, from the pool, whatever the
	 * time lq_records_work() takes to refill it: here, in the process
	 * that calls listen(), but in a probe handler with preemption off,
	 * where PREEMPT_RT forbids even an atomic allocation.
	 */
	if (!IS_ENABLED(CONFIG_PREEMPT_RT) && !READ_ONCE(t->pooled) && !lq_record_find(t, sk))
		lq_pool_grow(t, GFP_ATOMIC);
	r = lq_record_claim(t, sk);
	if (r) {
		/* A record left by an earlier socket at this address. */
		if (fresh)
			lq_record_reset(r);
		WRITE_ONCE(r->backlog, backlog);
	}
out:
	rcu_read_unlock();
}
NOKPROBE_SYMBOL(lq_record_listen);

/**
 * lq_records_read() - copy a listener's counters into its row
 * @sk: the listener, under rcu_read_lock()
 * @row: filled with the counters and the requested backlog
 *
 * Counters the running kernel cannot provide, and all of them while probes
 * are off, are marked absent in @row.
 */
void lq_records_read(const struct sock *sk, struct lq_row *row)
{
	struct lq_records *t = rcu_dereference(lq_records);
	struct lq_record *r;
	int i;

	row->have = 0;
	row->backlog = LQ_NO_BACKLOG;
	if (!t)
		return;
	row->have = READ_ONCE(t->have);
	r = lq_record_find(t, sk);
	for (i = 0; i < LQ_NR_REASONS; i++)
		row->count[i] = r ? atomic_long_read(&r->count[i]) : 0;
	row->synack_retrans = r ? atomic_long_read(&r->synack_retrans) : 0;
	row->syn_peak = r ? atomic_read(&r->syn_peak) : 0;
	row->acc_peak = r ? atomic_read(&r->acc_peak) : 0;
	if (r)
		row->backlog = READ_ONCE(r->backlog);
}

/**
 * lq_records_read_hist() - copy a listener's histograms into its row
 * @sk: the listener, under rcu_read_lock()
 * @row: filled with the histograms; @row->have says which exist
 */
void lq_records_read_hist(const struct sock *sk, struct lq_hist_row *row)
{
	struct lq_records *t = rcu_dereference(lq_records);
	struct lq_record *r;
	int i;

	row->have = 0;
	if (!t)
		return;
	row->have = READ_ONCE(t->have);
	r = lq_record_find(t, sk);
	for (i = 0; i < LQ_NR_FILL; i++) {
		row->syn_fill[i] = r ? atomic_long_read(&r->syn_fill[i]) : 0;
		row->acc_fill[i] = r ? atomic_long_read(&r->acc_fill[i]) : 0;
	}
	row->syn_fill_sum = r ? atomic64_read(&r->syn_fill_sum) : 0;
	row->acc_fill_sum = r ? atomic64_read(&r->acc_fill_sum) : 0;
	for (i = 0; i < LQ_NR_WAIT; i++)
		row->wait[i] = r ? atomic_long_read(&r->wait[i]) : 0;
	row->wait_sum_ns = r ? atomic64_read(&r->wait_sum_ns) : 0;
	row->wait_missed = r ? atomic_long_read(&r->wait_missed) : 0;
}

static struct lq_index *lq_index_alloc(unsigned int bits, struct lq_slots *slots)
{
	struct lq_index *ix;

	/* The caller says what failed, or can do without: no allocator report. */
	ix = kvzalloc(struct_size(ix, bucket, 1U << bits), GFP_KERNEL | __GFP_NOWARN);
	if (!ix)
		return NULL;
	ix->bits = bits;
	ix->slots = slots;
	if (!slots || slots->bits != lq_slot_bits(bits)) {
		bits = lq_slot_bits(bits);
		ix->slots = kvzalloc(struct_size(ix->slots, slot, 1U << bits),
				     GFP_KERNEL | __GFP_NOWARN);
		if (!ix->slots) {
			kvfree(ix);
			return NULL;
		}
		ix->slots->bits = bits;
	}
	return ix;
}

/* @ix and its slots, unless @next, the index after it, has them too. */
static void lq_index_free(struct lq_index *ix, const struct lq_index *next)
{
	if (ix && (!next || next->slots != ix->slots))
		kvfree(ix->slots);
	kvfree(ix);
}

/* Bytes of @ix and its slots. */
static size_t lq_index_bytes(const struct lq_index *ix)
{
	return struct_size(ix, bucket, 1U << ix->bits) +
	       struct_size(ix->slots, slot, 1U << ix->slots->bits);
}

/*
 * Move each record of @from to @to, a bucket at a time under the lock:
 * lq_record_find() sees @to, then @from, and looks again if a record moved
 * meanwhile.
 */
static void lq_index_move(struct lq_records *t, struct lq_index *from, struct lq_index *to)
{
	struct hlist_node *tmp;
	struct lq_record *r;
	unsigned int i;

	for (i = 0; i < 1U << from->bits; i++) {
		raw_spin_lock_irq(&t->lock);
		write_seqcount_begin(&t->moving);
		hlist_for_each_entry_safe(r, tmp, &from->bucket[i], node) {
			hlist_del_rcu(&r->node);
			hlist_add_head_rcu(&r->node, lq_bucket(to, r->sk));
		}
		write_seqcount_end(&t->moving);
		raw_spin_unlock_irq(&t->lock);
		if (!(i % 64))
			cond_resched();
	}
}

/*
 * Replace the index with one sized to the records that exist, when their
 * number has left the range the current one is for: twice as many buckets
 * as needed, or fewer than one a record. The old one is freed when no
 * reader can see it: nothing is lost but the times of children queued in
 * its slots while they were copied (lq_wait_move()).
 */
static void lq_index_fit(struct lq_records *t)
{
	struct lq_index *cur = rcu_dereference_protected(t->index, lockdep_is_held(&t->resize));
	struct lq_index *next;
	unsigned int n = READ_ONCE(t->made);

	if (lq_index_fits(cur->bits, n))
		return;
	next = lq_index_alloc(lq_index_bits(n), cur->slots);
	if (!next)
		return;		/* chains longer than one, for now */
	raw_spin_lock_irq(&t->lock);
	write_seqcount_begin(&t->moving);
	rcu_assign_pointer(t->prev, cur);
	rcu_assign_pointer(t->index, next);
	write_seqcount_end(&t->moving);
	raw_spin_unlock_irq(&t->lock);
	lq_index_move(t, cur, next);
	if (next->slots != cur->slots) {
		/* Once no lq_wait_start() writes into the old slots. */
		synchronize_rcu();
		lq_wait_move(cur->slots, next->slots);
	}
	raw_spin_lock_irq(&t->lock);
	RCU_INIT_POINTER(t->prev, NULL);
	raw_spin_unlock_irq(&t->lock);
	synchronize_rcu();
	lq_index_free(cur, next);
}

/*
 * Off the probes' paths: records for the pool, or fewer of them, and an
 * index sized to their number. Queued by a claim or a release that left
 * the pool or the index out of their range.
 */
static void lq_records_work(struct work_struct *work)
{
	struct lq_records *t = container_of(work, struct lq_records, work);

	mutex_lock(&t->resize);
	lq_pool_fill(t, lq_spare(t));
	while (lq_pool_shrink(t, 2 * lq_spare(t)))
		cond_resched();
	lq_index_fit(t);
	mutex_unlock(&t->resize);
}

/* Free what @t holds, unpublished, with no hook or work left to use it. */
static void lq_records_free(struct lq_records *t)
{
	struct lq_index *ix = rcu_dereference_protected(t->index, true);
	struct hlist_node *tmp;
	struct lq_record *r;
	unsigned int i;

	if (t->wq)
		destroy_workqueue(t->wq);
	for (i = 0; ix && i < 1U << ix->bits; i++)
		hlist_for_each_entry_safe(r, tmp, &ix->bucket[i], node)
			kfree(r);
	hlist_for_each_entry_safe(r, tmp, &t->pool, node)
		kfree(r);
	lq_index_free(ix, NULL);
}

/**
 * lq_records_create() - make the table and publish it
 * @size: how many listeners can be followed at once
 *
 * Rows show no counter until lq_records_set_available(). Process context,
 * serialized by the caller with lq_records_destroy().
 *
 * Return: 0, or -ENOMEM.
 */
int lq_records_create(unsigned int size)
{
	struct lq_records *t = &lq_table;

	memset(t, 0, sizeof(*t));
	t->size = size;
	raw_spin_lock_init(&t->lock);
	seqcount_init(&t->moving);
	INIT_WORK(&t->work, lq_records_work);
	mutex_init(&t->resize);
	RCU_INIT_POINTER(t->index, lq_index_alloc(lq_index_bits(min(size, LQ_SPARE)), NULL));
	/* High priority: a burst of listen() calls waits for its records. */
	t->wq = alloc_workqueue("listenq", WQ_UNBOUND | WQ_HIGHPRI, 1);
	if (rcu_access_pointer(t->index) && t->wq) {
		lq_pool_fill(t, min(size, lq_spare(t)));
		if (t->pooled == min(size, lq_spare(t))) {
			rcu_assign_pointer(lq_records, t);
			return 0;
		}
	}
	lq_records_free(t);
	return -ENOMEM;
}

/* Raise a peak to @len, unless it is higher already. */
static __always_inline void lq_peak_raise(atomic_t *peak, u32 len)
{
	int old = atomic_read(peak);

	while ((u32)old < len && !atomic_try_cmpxchg(peak, &old, len))
		;
}

/*
 * Every listener gets its record when probes go on: it may get none at
 * its first SYN, from a pool sized for listen() calls (LQ_SPARE). Their
 * peaks start at their queues' lengths, not at 0: requests and children
 * queued before probes went on were added unseen (and the queues may shrink
 * before the next event). The hooks are live already, so what is added
 * from now on raises the peaks past these, and a listener that starts
 * listening from now on claims its own. Walks every namespace's listeners:
 * the listening hash is global (module/walk.c). Process context.
 */
static int lq_records_seed(struct lq_records *t)
{
	struct inet_hashinfo *hinfo = lq_tcp_hashinfo(&init_net);
	unsigned int i, missed = 0;

	mutex_lock(&t->resize);	/* the work's pool would shrink */
	for (i = 0; i < lq_lhash_size(hinfo); i++) {
		struct inet_listen_hashbucket *ilb = lq_lhash_bucket(hinfo, i);
		unsigned int want = 0, n;
		struct sock *sk;

		if (!lq_lhash_first(ilb))
			continue;
again:
		/* Records for this bucket's listeners, allocated before its lock. */
		lq_pool_fill(t, want);
		rcu_read_lock();	/* for lq_record_claim() */
		spin_lock(&ilb->lock);
		n = 0;
		for (sk = lq_lhash_first(ilb); sk; sk = lq_lhash_next(sk))
			n++;
		/* More than the pool holds, and more than we asked it for. */
		if (n > READ_ONCE(t->pooled) && n > want && READ_ONCE(t->made) < t->size) {
			spin_unlock(&ilb->lock);
			rcu_read_unlock();
			want = n;
			goto again;
		}
		for (sk = lq_lhash_first(ilb); sk; sk = lq_lhash_next(sk)) {
			struct lq_record *r = lq_record_take(t, sk);

			if (r) {
				lq_peak_raise(&r->syn_peak, inet_csk_reqsk_queue_len(sk));
				lq_peak_raise(&r->acc_peak, READ_ONCE(sk->sk_ack_backlog));
			} else if (READ_ONCE(sk->sk_state) == TCP_LISTEN &&
				   READ_ONCE(t->made) < t->size) {
				missed++;	/* no memory for its record */
			}
		}
		spin_unlock(&ilb->lock);
		rcu_read_unlock();
		cond_resched();
	}
	lq_pool_fill(t, lq_spare(t));
	lq_index_fit(t);
	mutex_unlock(&t->resize);
	return missed ? -ENOMEM : 0;
}

/* Bytes the table holds: its index and records; under @t->lock. */
static size_t lq_records_bytes(struct lq_records *t)
{
	const struct lq_index *ix = rcu_dereference_protected(t->index, lockdep_is_held(&t->lock));

	return lq_index_bytes(ix) + (size_t)t->made * LQ_RECORD_HELD;
}

/**
 * lq_records_set_available() - give every listener its record, and show them
 * @have: what the registered probes provide: the counters rows show from now on
 *
 * Process context, with the hooks registered.
 *
 * Return: 0, or -ENOMEM if a listener got no record for lack of memory.
 */
int lq_records_set_available(unsigned long have)
{
	struct lq_records *t = rcu_dereference_protected(lq_records, true);
	unsigned int held, made;
	size_t bytes;
	int err;

	/* Before rows show the counters: every listener has its record. */
	err = lq_records_seed(t);
	if (err)
		return err;
	WRITE_ONCE(t->have, have);
	raw_spin_lock_irq(&t->lock);
	held = t->held;
	made = t->made;
	bytes = lq_records_bytes(t);
	raw_spin_unlock_irq(&t->lock);
	pr_info("probes on, following %u listeners in %zu KiB (%u records of %u bytes), up to %u\n",
		held, bytes >> 10, made, (unsigned int)LQ_RECORD_HELD, t->size);
	return 0;
}

/**
 * lq_records_destroy() - unpublish the table and free it
 *
 * Call with every probe unregistered: no handler can claim or release a
 * record any more. Says how many records listeners still held, which is 0
 * once every listener that had one has closed.
 */
void lq_records_destroy(void)
{
	struct lq_records *t = rcu_dereference_protected(lq_records, true);
	long untracked;

	if (!t)
		return;
	RCU_INIT_POINTER(lq_records, NULL);
	/* Wait for readers, then for the records they or the probes released. */
	synchronize_rcu();
	rcu_barrier();
	/* Nothing queues the work now; once it is done, no record moves. */
	flush_workqueue(t->wq);
	untracked = atomic_long_read(&t->untracked);
	if (untracked)
		pr_warn("%ld events not counted: more than %u listeners\n", untracked, t->size);
	untracked = atomic_long_read(&t->unready);
	if (untracked)
		pr_warn("%ld events not counted: no record ready for their listener\n", untracked);
	untracked = atomic_long_read(&t->lost);
	if (untracked)
		pr_warn("%ld accepted connections not timed: queued before probes were on, or their slot reused\n",
			untracked);
	pr_info("probes off, %u listener records held\n", t->held);
	lq_records_free(t);
}

/**
 * lq_note_queued() - a request or a child was added to a listener's queue
 * @sk: the listener
 * @syn: to the SYN queue; else to the accept queue
 * @len: the queue's length with it
 *
 * From a hook (lq_records_in_hook()).
 */
void lq_note_queued(const struct sock *sk, bool syn, u32 len)
{
	struct lq_record *r = lq_record_in_hook(sk);

	if (r)
		lq_peak_raise(syn ? &r->syn_peak : &r->acc_peak, len);
}
NOKPROBE_SYMBOL(lq_note_queued);

/* A SYN-ACK of @sk's was sent again: tcp:tcp_retransmit_synack. */
void lq_count_synack_retrans(const struct sock *sk)
{
	struct lq_record *r;

	rcu_read_lock();
	r = lq_record_of(sk);
	if (r)
		atomic_long_inc(&r->synack_retrans);
	rcu_read_unlock();
}

/* An accept() on @sk whose wait no probe could follow (kprobes.c). */
void lq_count_wait_missed(const struct sock *sk)
{
	struct lq_record *r;

	if (sk->sk_protocol != IPPROTO_TCP)
		return;
	rcu_read_lock();
	r = lq_record_of(sk);
	if (r)
		atomic_long_inc(&r->wait_missed);
	rcu_read_unlock();
}
NOKPROBE_SYMBOL(lq_count_wait_missed);

/* lq_count_drop_in() for a listener whose record is to be looked up. */
void lq_count_drop(const struct sock *sk, enum lq_reason why, const char *action,
		   const union lq_sockaddr *peer)
{
	struct lq_record *r;

	rcu_read_lock();
	r = lq_record_of(sk);	/* counts the event lost when NULL */
	if (r)
		lq_count_drop_in(r, sk, why, action, peer);
	rcu_read_unlock();
}
NOKPROBE_SYMBOL(lq_count_drop);
