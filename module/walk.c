// SPDX-License-Identifier: GPL-2.0
/*
 * Walk the TCP listening hash and copy out each listener's queue state.
 *
 * IPv4 and IPv6 TCP listeners share one table, reached through the
 * namespace's tcp_death_row.hashinfo: lhash2, whose chains are short
 * (include/listenq/compat.h). Per-netns hashinfo copies replace only
 * the ehash, so the listening table is global: every namespace's listeners
 * are in it and we keep those of @net, as /proc/net/tcp's
 * listening_get_next() (5.10) and listening_get_first() (5.19+) do.
 *
 * Locking follows /proc/net/tcp and inet_diag: the bucket's plain spin_lock
 * (only ever taken in process context), held while rows are copied and never
 * while they are printed. Fields that change without that lock are read with
 * READ_ONCE()/atomic_read(), so a row is a snapshot of each field, not of
 * the listener as a whole.
 *
 * Fields read (include/net/...): sock.h sk_ack_backlog, sk_max_ack_backlog,
 * sk_drops, sk_reuseport_cb, sk_num, sk_rcv_saddr, sk_v6_rcv_saddr;
 * request_sock.h icsk_accept_queue.{qlen, young, rskq_defer_accept,
 * fastopenq.qlen, fastopenq.max_qlen}; sock_reuseport.h reuseport_id;
 * the owner and inode number through lq_sk_uid() and lq_sk_ino() (compat.h).
 */
#include <linux/rcupdate.h>
#include <linux/spinlock.h>
#include <net/inet_connection_sock.h>
#include <net/inet_hashtables.h>
#include <net/sock.h>
#include <net/sock_reuseport.h>
#include <net/tcp_states.h>

#include "listenq.h"

/* Called with the bucket lock and rcu_read_lock() held. */
static void lq_copy_row(struct sock *sk, struct lq_row *row)
{
	const struct request_sock_queue *q = &inet_csk(sk)->icsk_accept_queue;
	const struct sock_reuseport *reuse = rcu_dereference(sk->sk_reuseport_cb);

	lq_sk_sockaddr(sk, &row->local);
	row->uid = lq_sk_uid(sk);
	row->ino = lq_sk_ino(sk);
	row->acc_q = READ_ONCE(sk->sk_ack_backlog);
	row->acc_max = READ_ONCE(sk->sk_max_ack_backlog);
	row->syn_q = inet_csk_reqsk_queue_len(sk);
	row->syn_young = reqsk_queue_len_young(q);
	row->drops = lq_sk_drops(sk);
	row->defer_accept = READ_ONCE(q->rskq_defer_accept);
	row->tfo_q = READ_ONCE(q->fastopenq.qlen);
	row->tfo_max = READ_ONCE(q->fastopenq.max_qlen);
	row->reuseport_id = reuse ? (s32)reuse->reuseport_id : -1;
	lq_records_read(sk, row);
}

/* The same for the histograms of /proc/listenq_hist. */
static void lq_copy_hist_row(struct sock *sk, struct lq_hist_row *row)
{
	lq_sk_sockaddr(sk, &row->local);
	row->ino = lq_sk_ino(sk);
	lq_records_read_hist(sk, row);
}

static bool lq_match(const struct sock *sk, const struct net *net)
{
	return net_eq(sock_net(sk), net) && READ_ONCE(sk->sk_state) == TCP_LISTEN;
}

/**
 * lq_walk() - copy the next listeners of a namespace
 * @net: whose listeners
 * @cur: where to resume; start from a zeroed cursor
 * @view: what to copy of each: struct lq_row or struct lq_hist_row
 * @rows: where to copy them
 * @max: room in @rows
 *
 * Takes one bucket lock at a time. A bucket that changes between two calls
 * may be seen with a listener missed or repeated, as with /proc/net/tcp.
 *
 * Return: the number of rows copied; 0 once the walk is complete.
 */
unsigned int lq_walk(struct net *net, struct lq_cursor *cur, enum lq_view view,
		     void *rows, unsigned int max)
{
	struct inet_hashinfo *hinfo = lq_tcp_hashinfo(net);
	unsigned int n = 0;

	rcu_read_lock();
	for (; cur->bucket < lq_lhash_size(hinfo); cur->bucket++, cur->skip = 0) {
		struct inet_listen_hashbucket *ilb2 = lq_lhash_bucket(hinfo, cur->bucket);
		unsigned int seen = 0, taken = 0;
		bool more = false;
		struct sock *sk;

		if (!lq_lhash_first(ilb2))
			continue;

		spin_lock(&ilb2->lock);
		for (sk = lq_lhash_first(ilb2); sk; sk = lq_lhash_next(sk)) {
			if (!lq_match(sk, net) || seen++ < cur->skip)
				continue;
			if (n == max) {
				more = true;
				break;
			}
			if (view == LQ_VIEW_HIST)
				lq_copy_hist_row(sk, (struct lq_hist_row *)rows + n++);
			else
				lq_copy_row(sk, (struct lq_row *)rows + n++);
			taken++;
		}
		spin_unlock(&ilb2->lock);

		if (more) {
			cur->skip += taken;
			break;
		}
	}
	rcu_read_unlock();
	return n;
}
