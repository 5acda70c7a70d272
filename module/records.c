// SPDX-License-Identifier: GPL-2.0
/*
 * The per-listener records of the probes: their table, and the claims and
 * releases that give each listener its own.
 *
 * A table is made when probes are switched on and freed when they go off.
 * A record is keyed by its listening socket: it is claimed when the socket
 * starts listening (or, for a listener older than the probes, when they go
 * on), reset then, and released, an RCU grace period later, when it stops,
 * so that two listeners never share counts. Memory follows the listeners:
 * records are made, in process context, into a pool that claims take from
 * (pool.c), and the index that finds them grows and shrinks with their
 * number (index.c), both by lq_records_work(). No probe handler allocates:
 * when listen() finds the pool empty, its task refills it (late.c).
 * What counts into the records and reads them is in counters.c.
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

struct lq_records lq_table;

static void lq_record_reset(struct lq_record *r)
{
	int i;

	for (i = 0; i < LQ_NR_COUNTERS; i++)
		atomic64_set(&r->c[i], 0);
	atomic_set(&r->syn_peak, 0);
	atomic_set(&r->acc_peak, 0);
	WRITE_ONCE(r->backlog, LQ_NO_BACKLOG);
}
NOKPROBE_SYMBOL(lq_record_reset);

/* Under @t->lock: should lq_records_work() run? */
bool lq_records_need_work(const struct lq_records *t)
{
	const struct lq_index *ix = rcu_dereference_protected(t->index, lockdep_is_held(&t->lock));

	return (t->pooled < LQ_SPARE / 2 && t->made < t->size) || lq_pool_too_big(t) ||
	       !lq_index_fits(ix->bits, t->made);
}
NOKPROBE_SYMBOL(lq_records_need_work);

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
	if (!r && t->out < t->size) {
		r = lq_pool_get(t);
		if (r) {
			lq_record_reset(r);
			r->sk = sk;
			ix = rcu_dereference_protected(t->index, lockdep_is_held(&t->lock));
			hlist_add_head_rcu(&r->node, lq_bucket(ix, sk));
			t->held++;
			t->out++;
		}
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
		call_rcu(&r->rcu, lq_pool_put_rcu);
}

/* What a listen() call does to its listener's record @r (lq_record_listen()). */
static void lq_record_listened(struct lq_record *r, bool fresh, int backlog)
{
	/* A record left by an earlier socket at this address. */
	if (fresh)
		lq_record_reset(r);
	WRITE_ONCE(r->backlog, backlog);
}
NOKPROBE_SYMBOL(lq_record_listened);

/**
 * lq_record_listen() - a socket has started listening, or listen() again
 * @sk: the listener
 * @fresh: it did not listen before this listen() call: its counts start at 0
 * @backlog: the argument listen() was given, or LQ_NO_BACKLOG
 *
 * The listener's record is claimed now, from the pool, whatever the time
 * lq_records_work() takes to refill it. From a probe handler, with
 * preemption off: if the pool is empty, the task that called listen()
 * claims it before it returns to user space (late.c).
 */
void lq_record_listen(const struct sock *sk, bool fresh, int backlog)
{
	struct lq_records *t;
	struct lq_record *r;

	rcu_read_lock();
	t = rcu_dereference(lq_records);
	if (!t)
		goto out;
	r = lq_record_take(t, sk);
	if (r)
		lq_record_listened(r, fresh, backlog);
	else if (READ_ONCE(sk->sk_state) == TCP_LISTEN &&
		 (READ_ONCE(t->out) >= t->size || !lq_late_send(sk, fresh, backlog)))
		lq_count_untracked(t);
out:
	rcu_read_unlock();
}
NOKPROBE_SYMBOL(lq_record_listen);

/**
 * lq_record_listen_late() - lq_record_listen() in the task that called listen()
 * @sk: the listener, held by the caller
 * @fresh: as lq_record_listen()'s
 * @backlog: as lq_record_listen()'s
 *
 * Process context: the pool is refilled first. The parameter lock keeps
 * the table from going meanwhile.
 */
void lq_record_listen_late(const struct sock *sk, bool fresh, int backlog)
{
	struct lq_records *t;
	struct lq_record *r;

	kernel_param_lock(THIS_MODULE);
	t = rcu_dereference_protected(lq_records, true);
	if (t) {
		lq_pool_fill(t, LQ_SPARE);
		rcu_read_lock();
		r = lq_record_claim(t, sk);
		if (r)
			lq_record_listened(r, fresh, backlog);
		rcu_read_unlock();
	}
	kernel_param_unlock(THIS_MODULE);
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
	lq_pool_fill(t, LQ_SPARE);
	while (lq_pool_shrink(t, 2 * LQ_SPARE))
		cond_resched();
	lq_index_fit(t);
	mutex_unlock(&t->resize);
}

/* Free what @t holds, unpublished, with no hook or work left to use it. */
static void lq_records_free(struct lq_records *t)
{
	if (t->wq)
		destroy_workqueue(t->wq);
	lq_pool_free(t);
	lq_index_free(rcu_dereference_protected(t->index, true), NULL);
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
	INIT_LIST_HEAD(&t->chunks);
	INIT_LIST_HEAD(&t->partial);
	INIT_LIST_HEAD(&t->empty);
	/* High priority: a burst of listen() calls waits for its records. */
	t->wq = alloc_workqueue("listenq", WQ_UNBOUND | WQ_HIGHPRI, 1);
	if (t->wq) {
		lq_pool_fill(t, min(size, LQ_SPARE));
		if (t->pooled >= min(size, LQ_SPARE))
			RCU_INIT_POINTER(t->index, lq_index_alloc(lq_index_bits(t->made), NULL));
		if (rcu_access_pointer(t->index)) {
			rcu_assign_pointer(lq_records, t);
			return 0;
		}
	}
	lq_records_free(t);
	return -ENOMEM;
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
		unsigned int want = 0, tries = 0, n;
		bool short_of_records;
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
		short_of_records = false;
		for (sk = lq_lhash_first(ilb); sk; sk = lq_lhash_next(sk)) {
			struct lq_record *r = lq_record_take(t, sk);

			if (r) {
				lq_peak_raise(&r->syn_peak, inet_csk_reqsk_queue_len(sk));
				lq_peak_raise(&r->acc_peak, READ_ONCE(sk->sk_ack_backlog));
			} else if (READ_ONCE(sk->sk_state) == TCP_LISTEN &&
				   READ_ONCE(t->out) < t->size) {
				/*
				 * The pool ran dry under us: the SYNs of listeners
				 * still without a record take from it too. Again
				 * with more, a few times, before giving up.
				 */
				short_of_records = true;
				if (tries < 8)
					break;
				missed++;	/* no memory for its record */
			}
		}
		spin_unlock(&ilb->lock);
		rcu_read_unlock();
		if (short_of_records && tries++ < 8) {
			want = READ_ONCE(t->pooled) + n;
			goto again;
		}
		cond_resched();
	}
	lq_pool_fill(t, LQ_SPARE);
	lq_index_fit(t);
	mutex_unlock(&t->resize);
	return missed ? -ENOMEM : 0;
}

/* Bytes the table holds: its index and records; under @t->lock. */
static size_t lq_records_bytes(struct lq_records *t)
{
	const struct lq_index *ix = rcu_dereference_protected(t->index, lockdep_is_held(&t->lock));

	return lq_index_bytes(ix) + lq_pool_bytes(t);
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
		held, bytes >> 10, made, (unsigned int)sizeof(struct lq_record), t->size);
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
