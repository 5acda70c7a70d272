// SPDX-License-Identifier: GPL-2.0
/*
 * The wait for accept(): when each child entered an accept queue, kept in
 * the slots of the records' table (records.h, struct lq_wait_slot), and
 * how long it waited when accept() took it.
 */
#include <linux/hash.h>
#include <linux/kprobes.h>
#include <linux/timekeeping.h>

#include "records.h"

static struct lq_wait_slot *lq_wait_slot(struct lq_records *t, const struct sock *child)
{
	return &t->slots[hash_ptr(child, t->slot_bits)];
}

/**
 * lq_wait_start() - a child entered an accept queue: note the time
 * @sk: the listener
 * @child: the new connection
 *
 * The slot's owner is cleared before its time is written and set after,
 * so that lq_wait_end(), which reads them in the other order, never takes
 * the time of another child for that of @child.
 */
void lq_wait_start(const struct sock *sk, const struct sock *child)
{
	struct lq_records *t;
	struct lq_wait_slot *s;

	rcu_read_lock();
	t = rcu_dereference(lq_records);
	if (t) {
		s = lq_wait_slot(t, child);
		WRITE_ONCE(s->child, NULL);
		smp_wmb();	/* the owner cleared before the time changes */
		WRITE_ONCE(s->ns, ktime_get_mono_fast_ns());
		WRITE_ONCE(s->listener, sk);
		smp_wmb();	/* the time before the new owner */
		WRITE_ONCE(s->child, child);
	}
	rcu_read_unlock();
}
NOKPROBE_SYMBOL(lq_wait_start);

/**
 * lq_wait_end() - accept() took @child: count how long it waited
 * @child: the accepted connection, or another family's socket being grafted
 *
 * The listener is the one lq_wait_start() noted, looked up by key alone:
 * the slot may be stale (a child freed unaccepted and its memory reused),
 * so the listener is never dereferenced. For a real child accept() holds
 * the listener's file, so its record is still in the table.
 */
void lq_wait_end(const struct sock *child)
{
	u64 now = ktime_get_mono_fast_ns(), ns;
	const struct sock *sk;
	struct lq_records *t;
	struct lq_wait_slot *s;
	struct lq_record *r;

	rcu_read_lock();
	t = rcu_dereference(lq_records);
	if (!t)
		goto out;
	s = lq_wait_slot(t, child);
	/* Not a child of a TCP listener, or queued before probes were on */
	if (READ_ONCE(s->child) != child)
		goto out;
	smp_rmb();	/* pairs with the second smp_wmb() of lq_wait_start() */
	ns = READ_ONCE(s->ns);
	sk = READ_ONCE(s->listener);
	smp_rmb();	/* pairs with the first */
	if (READ_ONCE(s->child) != child)
		goto lost;
	WRITE_ONCE(s->child, NULL);
	r = lq_record_find(t, sk);
	if (r) {
		ns = now > ns ? now - ns : 0;
		atomic_long_inc(&r->wait[lq_wait_bucket(ns)]);
		atomic64_add(ns, &r->wait_sum_ns);
	} else {
		atomic_long_inc(&t->untracked);
	}
	goto out;
lost:
	atomic_long_inc(&t->lost);
out:
	rcu_read_unlock();
}
NOKPROBE_SYMBOL(lq_wait_end);
