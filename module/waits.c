// SPDX-License-Identifier: GPL-2.0
/*
 * The wait for accept(): when each child entered an accept queue, kept in
 * the wait slots of the records' index (records.h, struct lq_wait_slot),
 * and how long it waited when accept() took it.
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

static struct lq_wait_slot *lq_wait_slot(struct lq_slots *t, const struct sock *child,
					 unsigned int i)
{
	return &t->slot[(hash_ptr(child, t->bits) + i) & ((1U << t->bits) - 1)];
}

/* The slot that holds @child's time, or NULL. */
static struct lq_wait_slot *lq_wait_slot_of(struct lq_slots *t, const struct sock *child)
{
	struct lq_wait_slot *s;
	unsigned int i;

	for (i = 0; i < LQ_WAIT_PROBE; i++) {
		s = lq_wait_slot(t, child, i);
		if (READ_ONCE(s->child) == child)
			return s;
	}
	return NULL;
}

/* The slot for @child: its own if it has one, else a free one, else the oldest. */
static struct lq_wait_slot *lq_wait_slot_for(struct lq_slots *t, const struct sock *child)
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

/*
 * The slot's owner is cleared before its time is written and set after,
 * so that lq_wait_end(), which reads them in the other order, never takes
 * the time of another child for that of @child.
 */
static void lq_wait_set(struct lq_wait_slot *s, const struct sock *child,
			const struct sock *sk, u64 ns)
{
	WRITE_ONCE(s->child, NULL);
	smp_wmb();	/* the owner cleared before the time changes */
	WRITE_ONCE(s->ns, ns);
	WRITE_ONCE(s->listener, sk);
	smp_wmb();	/* the time before the new owner */
	WRITE_ONCE(s->child, child);
}
NOKPROBE_SYMBOL(lq_wait_set);

/**
 * lq_wait_start() - a child entered an accept queue: note the time
 * @sk: the listener
 * @child: the new connection
 *
 * Two children that pick the same free slot at the same moment may leave
 * one of them with the other's time, which differs by that moment only,
 * and the other not timed (lq_wait_set()).
 */
void lq_wait_start(const struct sock *sk, const struct sock *child)
{
	u64 now = ktime_get_mono_fast_ns();
	struct lq_records *t;

	rcu_read_lock();
	t = rcu_dereference(lq_records);
	if (t)
		lq_wait_set(lq_wait_slot_for(lq_deref(t->index)->slots, child), child, sk, now);
	rcu_read_unlock();
}
NOKPROBE_SYMBOL(lq_wait_start);

/**
 * lq_wait_move() - copy the times of queued children to other slots
 * @from: the slots of an index no lq_wait_start() writes into any more
 * @to: the slots of the index that replaced it
 *
 * lq_wait_end() looks in @to, then in @from until the copy is done: a time
 * is taken from either, once. One copied after its child was taken from
 * @from stays in @to until another child takes its slot, or the same
 * child's memory is queued again and gets a new one.
 */
void lq_wait_move(struct lq_slots *from, struct lq_slots *to)
{
	const struct sock *child;
	struct lq_wait_slot *s;
	unsigned int i;
	u64 ns;

	for (i = 0; i < 1U << from->bits; i++) {
		s = &from->slot[i];
		child = READ_ONCE(s->child);
		if (!child)
			continue;
		smp_rmb();	/* pairs with the second smp_wmb() of lq_wait_set() */
		ns = READ_ONCE(s->ns);
		lq_wait_set(lq_wait_slot_for(to, child), child, READ_ONCE(s->listener), ns);
		if (!(i % 1024))
			cond_resched();
	}
}

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
	const struct lq_index *ix, *prev;
	struct lq_wait_slot *s;
	const struct sock *sk;
	struct lq_records *t;
	struct lq_record *r;

	rcu_read_lock();
	t = rcu_dereference(lq_records);
	if (!t)
		goto out;
	/* While lq_wait_move() copies them, in the slots of the index before. */
	ix = lq_deref(t->index);
	s = lq_wait_slot_of(ix->slots, child);
	prev = lq_deref(t->prev);
	if (!s && prev && prev->slots != ix->slots)
		s = lq_wait_slot_of(prev->slots, child);
	/*
	 * Not in its slot: another family's socket (sock_graft() is theirs
	 * too), or a TCP child queued before probes were on or whose slot
	 * another child took since. @child is alive here, being grafted or
	 * returned by inet_csk_accept().
	 */
	if (!s) {
		if (child->sk_protocol == IPPROTO_TCP)
			goto lost;
		goto out;
	}
	smp_rmb();	/* pairs with the second smp_wmb() of lq_wait_set() */
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
		atomic64_inc(&r->c[LQ_C_WAIT + lq_wait_bucket(ns)]);
		atomic64_add(ns, &r->c[LQ_C_WAIT_SUM_NS]);
	} else {
		lq_count_untracked(t);
	}
	goto out;
lost:
	atomic_long_inc(&t->lost);
out:
	rcu_read_unlock();
}
NOKPROBE_SYMBOL(lq_wait_end);
