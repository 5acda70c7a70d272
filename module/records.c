// SPDX-License-Identifier: GPL-2.0
/*
 * The per-listener records of the probes: their table, claimed and
 * released with the listeners, and what reads and counts into them.
 *
 * A table of records is allocated when probes are switched on and freed
 * when they go off. A record is keyed by its listening socket: it is
 * claimed from the table's pool at the listener's first event, reset when
 * the socket starts listening, and released to the pool, an RCU grace
 * period later, when it stops, so that two listeners never share counts.
 * Nothing here allocates: every function but lq_records_create() and
 * lq_records_destroy() may run in a probe handler.
 */
#include <linux/kprobes.h>
#include <linux/log2.h>
#include <linux/slab.h>
#include <net/inet_connection_sock.h>
#include <net/inet_hashtables.h>
#include <net/tcp.h>

#include "records.h"

struct lq_records __rcu *lq_records;

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
 * The record of listener @sk, claimed from the pool if it has none yet.
 * NULL if the pool is empty or @sk no longer listens. Under rcu_read_lock().
 */
struct lq_record *lq_record_claim(struct lq_records *t, const struct sock *sk)
{
	struct lq_record *r = lq_record_find(t, sk);
	unsigned long flags;

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
		lq_record_reset(r);
		r->sk = sk;
		hlist_add_head_rcu(&r->node, lq_bucket(t, sk));
		t->held++;
	}
	raw_spin_unlock_irqrestore(&t->lock, flags);
	if (!r)
		atomic_long_inc(&t->untracked);
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
	struct lq_records *t = r->records;
	unsigned long flags;

	raw_spin_lock_irqsave(&t->lock, flags);
	hlist_add_head(&r->node, &t->pool);
	raw_spin_unlock_irqrestore(&t->lock, flags);
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
	struct lq_record *r;

	rcu_read_lock();
	r = lq_record_of(sk);
	if (r) {
		/* A record left by an earlier socket at this address. */
		if (fresh)
			lq_record_reset(r);
		WRITE_ONCE(r->backlog, backlog);
	}
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

/**
 * lq_records_create() - allocate the table of @size records and publish it
 * @size: how many listeners can be followed at once
 *
 * Rows show no counter until lq_records_set_available(). Process context,
 * serialized by the caller with lq_records_destroy().
 *
 * Return: 0, or -ENOMEM.
 */
int lq_records_create(unsigned int size)
{
	struct lq_records *t;
	unsigned int i;

	/* The caller says what failed: no page allocator report on top. */
	t = kvzalloc(struct_size(t, rec, size), GFP_KERNEL | __GFP_NOWARN);
	if (!t)
		return -ENOMEM;
	/*
	 * As many buckets as records or more, whatever the size: a chain near
	 * one record long on every lookup. hash_ptr() wants at least 1 bit.
	 */
	t->hash_bits = max(order_base_2(size), 4);
	t->hash = kvcalloc(1U << t->hash_bits, sizeof(*t->hash), GFP_KERNEL | __GFP_NOWARN);
	/* Two wait slots per record: room for every listener's accept queue. */
	t->slot_bits = order_base_2(size) + 1;
	t->slots = kvcalloc(1U << t->slot_bits, sizeof(*t->slots), GFP_KERNEL | __GFP_NOWARN);
	if (!t->hash || !t->slots) {
		kvfree(t->slots);
		kvfree(t->hash);
		kvfree(t);
		return -ENOMEM;
	}
	t->size = size;
	raw_spin_lock_init(&t->lock);
	for (i = 0; i < size; i++) {
		t->rec[i].records = t;
		hlist_add_head(&t->rec[i].node, &t->pool);
	}
	rcu_assign_pointer(lq_records, t);
	return 0;
}

/* Raise a peak to @len, unless it is higher already. */
static __always_inline void lq_peak_raise(atomic_t *peak, u32 len)
{
	int old = atomic_read(peak);

	while ((u32)old < len && !atomic_try_cmpxchg(peak, &old, len))
		;
}

/*
 * Requests and children queued before probes went on were added unseen:
 * each listener's peaks start at its queues' lengths when probes go on,
 * not at 0 (the queues may shrink before its next event). The hooks are
 * live already, so what is added from now on raises the peaks past these.
 * A listener whose queues are empty needs no record for that. Walks every
 * namespace's listeners: the listening hash is global (module/walk.c).
 */
static void lq_records_seed_peaks(struct lq_records *t)
{
	struct inet_hashinfo *hinfo = lq_tcp_hashinfo(&init_net);
	unsigned int i;

	for (i = 0; i < lq_lhash_size(hinfo); i++) {
		struct inet_listen_hashbucket *ilb = lq_lhash_bucket(hinfo, i);
		struct hlist_nulls_node *node;
		struct sock *sk;

		if (hlist_nulls_empty(&ilb->nulls_head))
			continue;
		rcu_read_lock();	/* for lq_record_claim() */
		spin_lock(&ilb->lock);
		sk_nulls_for_each(sk, node, &ilb->nulls_head) {
			u32 syn = inet_csk_reqsk_queue_len(sk);
			u32 acc = READ_ONCE(sk->sk_ack_backlog);
			struct lq_record *r;

			if (!syn && !acc)
				continue;
			r = lq_record_claim(t, sk);
			if (r) {
				lq_peak_raise(&r->syn_peak, syn);
				lq_peak_raise(&r->acc_peak, acc);
			}
		}
		spin_unlock(&ilb->lock);
		rcu_read_unlock();
		cond_resched();
	}
}

/*
 * What the registered probes provide: the counters rows show from now on.
 * Process context, with the hooks registered.
 */
void lq_records_set_available(unsigned long have)
{
	struct lq_records *t = rcu_dereference_protected(lq_records, true);

	size_t bytes = struct_size(t, rec, t->size) + (sizeof(*t->slots) << t->slot_bits) +
		       (sizeof(*t->hash) << t->hash_bits);

	/* Before rows show the peaks: none reads lower than its queue. */
	if (have & (LQ_HAVE_SYN_PEAK | LQ_HAVE_ACC_PEAK))
		lq_records_seed_peaks(t);
	WRITE_ONCE(t->have, have);
	pr_info("probes on, counting up to %u listeners in %zu KiB (%zu bytes each)\n",
		t->size, bytes >> 10, bytes / t->size);
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
	untracked = atomic_long_read(&t->untracked);
	if (untracked)
		pr_warn("%ld events not counted: more than %u listeners\n", untracked, t->size);
	untracked = atomic_long_read(&t->lost);
	if (untracked)
		pr_warn("%ld accepted connections not timed: queued before probes were on, or their slot reused\n",
			untracked);
	pr_info("probes off, %u listener records held\n", t->held);
	kvfree(t->slots);
	kvfree(t->hash);
	kvfree(t);
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
