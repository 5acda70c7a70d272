// SPDX-License-Identifier: GPL-2.0
/*
 * The records no listener holds: the pool that claims take from, refilled
 * and trimmed off the probes' paths (lq_records_work()), and the chunks
 * records are made in (records.h, struct lq_chunk). A claim takes from a
 * chunk with records taken already, so that chunks fill up and others
 * empty, and a chunk whose records are all back in the pool can be freed.
 */
#include <linux/kprobes.h>
#include <linux/slab.h>

#include "records.h"

static struct lq_chunk *lq_chunk_of(struct lq_record *r)
{
	return (struct lq_chunk *)((unsigned long)r & ~(LQ_CHUNK_BYTES - 1));
}

/*
 * A record of the pool, taken out of it, or NULL if it is empty. Under
 * @t->lock.
 */
struct lq_record *lq_pool_get(struct lq_records *t)
{
	struct lq_chunk *c;
	struct lq_record *r;

	c = list_first_entry_or_null(&t->partial, struct lq_chunk, node);
	if (!c) {
		c = list_first_entry_or_null(&t->empty, struct lq_chunk, node);
		if (!c)
			return NULL;
		list_move(&c->node, &t->partial);
	}
	r = hlist_entry(c->free.first, struct lq_record, node);
	hlist_del(&r->node);
	if (!--c->nfree)
		list_del_init(&c->node);
	t->pooled--;
	return r;
}
NOKPROBE_SYMBOL(lq_pool_get);

/* Under @t->lock: @r back in its chunk's free list. */
static void lq_pool_put(struct lq_records *t, struct lq_record *r)
{
	struct lq_chunk *c = lq_chunk_of(r);

	hlist_add_head(&r->node, &c->free);
	if (!c->nfree++)
		list_add(&c->node, &t->partial);
	if (c->nfree == LQ_CHUNK_RECORDS)
		list_move(&c->node, &t->empty);
	t->pooled++;
}

/* A released record back in the pool, a grace period after its release. */
void lq_pool_put_rcu(struct rcu_head *head)
{
	struct lq_record *r = container_of(head, struct lq_record, rcu);
	struct lq_records *t = &lq_table;
	unsigned long flags;
	bool work;

	raw_spin_lock_irqsave(&t->lock, flags);
	lq_pool_put(t, r);
	t->out--;
	work = lq_records_need_work(t);
	raw_spin_unlock_irqrestore(&t->lock, flags);
	if (work)
		queue_work(t->wq, &t->work);
}

/*
 * One more chunk of records in the pool, if @t may have more. False if it
 * may not, or if the allocation failed.
 */
bool lq_pool_grow(struct lq_records *t, gfp_t gfp)
{
	struct lq_chunk *c = NULL;
	unsigned long flags;
	unsigned int i;
	bool room;

	BUILD_BUG_ON(LQ_CHUNK_RECORDS < 1);
	raw_spin_lock_irqsave(&t->lock, flags);
	room = t->made < t->size;
	if (room)
		t->made += LQ_CHUNK_RECORDS;	/* before the allocation, which may sleep */
	raw_spin_unlock_irqrestore(&t->lock, flags);
	if (!room)
		return false;
	c = kmalloc(LQ_CHUNK_BYTES, gfp | __GFP_NOWARN);
	/* kmalloc() aligns a power of two to itself: lq_chunk_of() needs it. */
	if (c && WARN_ON_ONCE(!IS_ALIGNED((unsigned long)c, LQ_CHUNK_BYTES))) {
		kfree(c);
		c = NULL;
	}
	raw_spin_lock_irqsave(&t->lock, flags);
	if (c) {
		list_add(&c->all, &t->chunks);
		INIT_LIST_HEAD(&c->node);
		INIT_HLIST_HEAD(&c->free);
		c->nfree = 0;
		for (i = 0; i < LQ_CHUNK_RECORDS; i++)
			lq_pool_put(t, &c->rec[i]);
	} else {
		t->made -= LQ_CHUNK_RECORDS;
	}
	raw_spin_unlock_irqrestore(&t->lock, flags);
	return c;
}
NOKPROBE_SYMBOL(lq_pool_grow);

/*
 * Under @t->lock: can a chunk be freed with @keep records left in the pool?
 * Only one whose records are all there.
 */
static bool lq_pool_can_shrink(const struct lq_records *t, unsigned int keep)
{
	return !list_empty(&t->empty) && t->pooled >= keep + LQ_CHUNK_RECORDS;
}

/* Under @t->lock: should lq_records_work() trim the pool? */
bool lq_pool_too_big(const struct lq_records *t)
{
	return lq_pool_can_shrink(t, 2 * LQ_SPARE);
}
NOKPROBE_SYMBOL(lq_pool_too_big);

/* Free a chunk of the pool, if that leaves at least @keep records in it. */
bool lq_pool_shrink(struct lq_records *t, unsigned int keep)
{
	struct lq_chunk *c = NULL;

	raw_spin_lock_irq(&t->lock);
	if (lq_pool_can_shrink(t, keep)) {
		c = list_first_entry(&t->empty, struct lq_chunk, node);
		list_del(&c->node);
		list_del(&c->all);
		t->pooled -= LQ_CHUNK_RECORDS;
		t->made -= LQ_CHUNK_RECORDS;
	}
	raw_spin_unlock_irq(&t->lock);
	kfree(c);
	return c;
}

/* Process context: the pool holds at least @want records, or @t is full. */
void lq_pool_fill(struct lq_records *t, unsigned int want)
{
	while (READ_ONCE(t->pooled) < want && lq_pool_grow(t, GFP_KERNEL))
		cond_resched();
}

/* Every chunk of @t, with no record in use. */
void lq_pool_free(struct lq_records *t)
{
	struct lq_chunk *c, *tmp;

	list_for_each_entry_safe(c, tmp, &t->chunks, all)
		kfree(c);
	INIT_LIST_HEAD(&t->chunks);
}

/* Bytes of the chunks; under @t->lock. */
size_t lq_pool_bytes(const struct lq_records *t)
{
	return (size_t)t->made / LQ_CHUNK_RECORDS * LQ_CHUNK_BYTES;
}
