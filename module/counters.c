// SPDX-License-Identifier: GPL-2.0
/*
 * The counters of the records (enum lq_counter) and their peaks: what the
 * probes add to them, and what a read of /proc/listenq or
 * /proc/listenq_hist copies of them. The SYN path's own counting is inline,
 * in records.h.
 */
#include <linux/kprobes.h>

#include "records.h"

/* The record of @sk for an event in a probe handler; under rcu_read_lock(). */
static struct lq_record *lq_record_of(const struct sock *sk)
{
	struct lq_records *t = rcu_dereference(lq_records);

	return t ? lq_record_claim(t, sk) : NULL;
}
NOKPROBE_SYMBOL(lq_record_of);

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
	struct lq_record *r = t ? lq_record_find(t, sk) : NULL;
	int i;

	row->have = t ? READ_ONCE(t->have) : 0;
	for (i = 0; i < LQ_NR_ROW_COUNTERS; i++)
		row->c[i] = r ? atomic64_read(&r->c[i]) : 0;
	row->syn_peak = r ? atomic_read(&r->syn_peak) : 0;
	row->acc_peak = r ? atomic_read(&r->acc_peak) : 0;
	row->backlog = r ? READ_ONCE(r->backlog) : LQ_NO_BACKLOG;
}

/**
 * lq_records_read_hist() - copy a listener's histograms into its row
 * @sk: the listener, under rcu_read_lock()
 * @row: filled with the histograms; @row->have says which exist
 */
void lq_records_read_hist(const struct sock *sk, struct lq_hist_row *row)
{
	struct lq_records *t = rcu_dereference(lq_records);
	struct lq_record *r = t ? lq_record_find(t, sk) : NULL;
	int i;

	row->have = t ? READ_ONCE(t->have) : 0;
	for (i = LQ_NR_ROW_COUNTERS; i < LQ_NR_COUNTERS; i++)
		row->c[i] = r ? atomic64_read(&r->c[i]) : 0;
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

/**
 * lq_count_event() - add one to a counter of a listener's record
 * @sk: the listener
 * @c: the counter: LQ_C_SYNACK_RETRANS, LQ_C_WAIT_MISSED
 *
 * From a probe handler, where no hook opened a window for @sk.
 */
void lq_count_event(const struct sock *sk, enum lq_counter c)
{
	struct lq_record *r;

	rcu_read_lock();
	r = lq_record_of(sk);
	if (r)
		atomic64_inc(&r->c[c]);
	rcu_read_unlock();
}
NOKPROBE_SYMBOL(lq_count_event);

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
