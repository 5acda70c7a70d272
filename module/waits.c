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

/*
 * A child's slot is one of LQ_WAIT_PROBE after its hash: children queued at
 * the same time whose hashes meet take the next free one, instead of the
 * later overwriting the earlier, whose wait would then be lost. A child
 * freed without accept() leaves its slot taken: when all LQ_WAIT_PROBE are,
 * the one taken longest ago is reused.
 */
#define LQ_WAIT_PROBE	8

static struct lq_wait_slot *lq_wait_slot(struct lq_records *t, const struct sock *child,
					 unsigned int i)
{
	return &t->slots[(hash_ptr(child, t->slot_bits) + i) & ((1U << t->slot_bits) - 1)];
}

/* The slot for @child: its own if it has one, else a free one, else the oldest. */
static struct lq_wait_slot *lq_wait_slot_for(struct lq_records *t, const struct sock *child)
{
	struct lq_wait_slot *s, *free = NULL, *oldest = NULL;
	unsigned int i;

	for (i = 0; i < LQ_WAIT_PROBE; i++) {
		s = lq_wait_slot(t, child, i);
		/* Seen twice (hooks.c), or an address reused: the later time */
		if (READ_ONCE(s->child) == child)
			return s;
		if (!free && !READ_ONCE(s->child))
			free = s;
		if (!oldest || READ_ONCE(s->ns) < READ_ONCE(oldest->ns))
			oldest = s;
	}
	return free ?: oldest;
}

/**
 * lq_wait_start() - a child entered an accept queue: note the time
 * @sk: the listener
 * @child: the new connection
 *
 * The slot's owner is cleared before its time is written and set after,
 * so that lq_wait_end(), which reads them in the other order, never takes
 * the time of another child for that of @child. Two children that pick the
 * same free slot at the same moment may leave one of them with the other's
 * time, which differs by that moment only, and the other not timed.
 */
void lq_wait_start(const struct sock *sk, const struct sock *child)
{
	struct lq_records *t;
	struct lq_wait_slot *s;

	rcu_read_lock();
	t = rcu_dereference(lq_records);
	if (t) {
		s = lq_wait_slot_for(t, child);
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
	unsigned int i;

	rcu_read_lock();
	t = rcu_dereference(lq_records);
	if (!t)
		goto out;
	for (i = 0; i < LQ_WAIT_PROBE; i++) {
		s = lq_wait_slot(t, child, i);
		if (READ_ONCE(s->child) == child)
			break;
	}
	/*
	 * Not in its slot: another family's socket (sock_graft() is theirs
	 * too), or a TCP child queued before probes were on or whose slot
	 * another child took since. @child is alive here, being grafted or
	 * returned by inet_csk_accept().
	 */
	if (i == LQ_WAIT_PROBE) {
		if (child->sk_protocol == IPPROTO_TCP)
			goto lost;
		goto out;
	}
	smp_rmb();	/* pairs with the second smp_wmb() of lq_wait_start() */
	ns = READ_ONCE(s->ns);
	sk = READ_ONCE(s->listener);
	smp_rmb();	/* pairs with the first */
	if (READ_ONCE(s->child) != child)
		goto lost;
	/* Taken once: another accept() of the same child cannot be. */
	if (cmpxchg(&s->child, child, NULL) != child)
		goto lost;
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
