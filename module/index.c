// SPDX-License-Identifier: GPL-2.0
/*
 * Where records are found (records.h, struct lq_index): a hash of buckets
 * sized to the records that exist, and the wait slots, sized with it. When
 * their number leaves the range an index is for, lq_records_work() puts a
 * new one in its place (lq_index_fit()) while probes count on.
 */
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "records.h"

/*
 * Wait slots: one for every two buckets, and 1 << 14 however few the
 * listeners: room for the accept queues of a server with a few listeners.
 */
static unsigned int lq_slot_bits(unsigned int index_bits)
{
	return max(index_bits - 1, 14U);
}

struct lq_index *lq_index_alloc(unsigned int bits, struct lq_slots *slots)
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
void lq_index_free(struct lq_index *ix, const struct lq_index *next)
{
	if (ix && (!next || next->slots != ix->slots))
		kvfree(ix->slots);
	kvfree(ix);
}

/* Bytes of @ix and its slots. */
size_t lq_index_bytes(const struct lq_index *ix)
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
void lq_index_fit(struct lq_records *t)
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

