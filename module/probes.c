// SPDX-License-Identifier: GPL-2.0
/*
 * Optional probes that attribute every queue-overflow drop to its listener.
 *
 * The kernel decides in tcp_conn_request() and ->syn_recv_sock() and counts
 * the outcome in this CPU's MIB counters, with no other code of this CPU in
 * between (softirq, or BH-disabled and migration-disabled on PREEMPT_RT).
 * A kretprobe reads those per-CPU counters on entry and on return: their
 * deltas are the decision the kernel took, exactly, whatever other CPUs do
 * to the queues meanwhile. Re-evaluating the predicates in a pre-handler
 * would race with them.
 *
 * Counters live in a table of per-listener records allocated when probes
 * are switched on, keyed by socket: a record is reset when its socket starts
 * listening and freed when it stops, so two listeners never share counts.
 * Nothing allocates in a probe handler.
 */
#include <linux/hash.h>
#include <linux/kprobes.h>
#include <linux/moduleparam.h>
#include <linux/ratelimit.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <net/inet_connection_sock.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <net/tcp.h>

#include "listenq.h"

#define LQ_HASH_BITS	12

struct lq_stat {
	struct hlist_node node;
	struct rcu_head rcu;
	struct lq_table *table;
	const struct sock *sk;		/* the key; never dereferenced */
	atomic_long_t count[LQ_NR_REASONS];
	int backlog;			/* listen()'s own argument; LQ_NO_BACKLOG: not seen */
};

struct lq_table {
	raw_spinlock_t lock;		/* taken in probe handlers: raw on RT too */
	struct hlist_head free;
	struct hlist_head hash[1 << LQ_HASH_BITS];
	atomic_long_t untracked;	/* events lost to a full table */
	unsigned int size;
	struct lq_stat pool[] __counted_by(size);
};

static struct lq_table __rcu *lq_table;

/* Reasons whose probe registered on this kernel. */
static unsigned long lq_available;

static int lq_probes_enable(void);
static void lq_probes_disable(void);

/* ---- module parameters ---- */

static bool lq_ready;			/* module_init done: probes may change */
static bool lq_probes;
static unsigned int lq_drop_log;	/* lines per second, 0: off */
static unsigned int lq_max_listeners = 16384;

static struct ratelimit_state lq_log_rs;
static atomic_t lq_log_suppressed = ATOMIC_INIT(0);

/* A refused value as the log shows it: sysfs writes end in a newline. */
static int lq_val_len(const char *val)
{
	return min_t(size_t, strcspn(val, "\n"), 64);
}

static int lq_set_probes(const char *val, const struct kernel_param *kp)
{
	bool on;
	int err;

	err = kstrtobool(val, &on);
	if (err) {
		pr_err("probes=%.*s: expected 0 or 1\n", lq_val_len(val), val);
		return err;
	}
	if (lq_ready && on && !lq_probes) {
		err = lq_probes_enable();
		if (err)
			return err;
	} else if (lq_ready && !on && lq_probes) {
		lq_probes_disable();
	}
	lq_probes = on;
	return 0;
}

static const struct kernel_param_ops lq_probes_ops = {
	.set = lq_set_probes,
	.get = param_get_bool,
};
module_param_cb(probes, &lq_probes_ops, &lq_probes, 0644);
MODULE_PARM_DESC(probes, "Count drops per listener and reason (0: off, 1: on)");

#define LQ_DROP_LOG_MAX	1000

static int lq_set_drop_log(const char *val, const struct kernel_param *kp)
{
	unsigned int n;

	if (kstrtouint(val, 0, &n) || n > LQ_DROP_LOG_MAX) {
		pr_err("drop_log=%.*s: expected 0 (off) to %u lines per second\n",
		       lq_val_len(val), val, LQ_DROP_LOG_MAX);
		return -EINVAL;
	}
	WRITE_ONCE(lq_log_rs.burst, n);
	WRITE_ONCE(lq_drop_log, n);
	return 0;
}

static const struct kernel_param_ops lq_drop_log_ops = {
	.set = lq_set_drop_log,
	.get = param_get_uint,
};
module_param_cb(drop_log, &lq_drop_log_ops, &lq_drop_log, 0644);
MODULE_PARM_DESC(drop_log, "Log each drop, at most this many lines per second (0: off, max 1000)");

#define LQ_MAX_LISTENERS_MAX	(1024 * 1024)

static int lq_set_max_listeners(const char *val, const struct kernel_param *kp)
{
	unsigned int n;

	if (kstrtouint(val, 0, &n) || !n || n > LQ_MAX_LISTENERS_MAX) {
		pr_err("max_listeners=%.*s: expected 1 to %u\n", lq_val_len(val), val,
		       LQ_MAX_LISTENERS_MAX);
		return -EINVAL;
	}
	lq_max_listeners = n;
	return 0;
}

static const struct kernel_param_ops lq_max_listeners_ops = {
	.set = lq_set_max_listeners,
	.get = param_get_uint,
};
module_param_cb(max_listeners, &lq_max_listeners_ops, &lq_max_listeners, 0444);
MODULE_PARM_DESC(max_listeners, "Listeners whose drops probes can count (1 to 1048576, default 16384)");

/* ---- the per-listener table ---- */

static struct hlist_head *lq_bucket(struct lq_table *t, const struct sock *sk)
{
	return &t->hash[hash_ptr(sk, LQ_HASH_BITS)];
}

static struct lq_stat *lq_lookup(struct lq_table *t, const struct sock *sk)
{
	struct lq_stat *st;

	hlist_for_each_entry_rcu(st, lq_bucket(t, sk), node)
		if (st->sk == sk)
			return st;
	return NULL;
}

static void lq_stat_reset(struct lq_stat *st)
{
	int i;

	for (i = 0; i < LQ_NR_REASONS; i++)
		atomic_long_set(&st->count[i], 0);
	st->backlog = LQ_NO_BACKLOG;
}

/* The record of listener @sk, taken from the pool on its first event. */
static struct lq_stat *lq_get(struct lq_table *t, const struct sock *sk)
{
	struct lq_stat *st = lq_lookup(t, sk);
	unsigned long flags;

	if (st)
		return st;
	/* A closing listener must not get a record back after it was freed. */
	if (READ_ONCE(sk->sk_state) != TCP_LISTEN)
		return NULL;

	raw_spin_lock_irqsave(&t->lock, flags);
	st = lq_lookup(t, sk);
	if (!st && !hlist_empty(&t->free)) {
		st = hlist_entry(t->free.first, struct lq_stat, node);
		hlist_del(&st->node);
		lq_stat_reset(st);
		st->sk = sk;
		hlist_add_head_rcu(&st->node, lq_bucket(t, sk));
	}
	raw_spin_unlock_irqrestore(&t->lock, flags);
	if (!st)
		atomic_long_inc(&t->untracked);
	return st;
}

static void lq_stat_free_rcu(struct rcu_head *head)
{
	struct lq_stat *st = container_of(head, struct lq_stat, rcu);
	unsigned long flags;

	raw_spin_lock_irqsave(&st->table->lock, flags);
	hlist_add_head(&st->node, &st->table->free);
	raw_spin_unlock_irqrestore(&st->table->lock, flags);
}

static void lq_put(struct lq_table *t, const struct sock *sk)
{
	struct lq_stat *st;
	unsigned long flags;

	raw_spin_lock_irqsave(&t->lock, flags);
	st = lq_lookup(t, sk);
	if (st)
		hlist_del_rcu(&st->node);
	raw_spin_unlock_irqrestore(&t->lock, flags);
	if (st)
		call_rcu(&st->rcu, lq_stat_free_rcu);
}

/**
 * lq_probes_read() - copy a listener's counters into its row
 * @sk: the listener, under rcu_read_lock()
 * @row: filled with the counters and the requested backlog
 *
 * Counters the running kernel cannot provide are marked absent in @row.
 */
void lq_probes_read(const struct sock *sk, struct lq_row *row)
{
	struct lq_table *t = rcu_dereference(lq_table);
	struct lq_stat *st;
	int i;

	row->have = 0;
	row->backlog = LQ_NO_BACKLOG;
	if (!t)
		return;
	row->have = lq_available;
	st = lq_lookup(t, sk);
	for (i = 0; i < LQ_NR_REASONS; i++)
		row->count[i] = st ? atomic_long_read(&st->count[i]) : 0;
	if (st)
		row->backlog = READ_ONCE(st->backlog);
}

/* ---- the drop log ---- */

static void lq_req_peer(const struct request_sock *req, union lq_sockaddr *peer)
{
	const struct inet_request_sock *ireq = inet_rsk(req);

	memset(peer, 0, sizeof(*peer));
#if IS_ENABLED(CONFIG_IPV6)
	if (req->rsk_ops->family == AF_INET6) {
		peer->v6.sin6_family = AF_INET6;
		peer->v6.sin6_port = ireq->ir_rmt_port;
		peer->v6.sin6_addr = ireq->ir_v6_rmt_addr;
		return;
	}
#endif
	peer->v4.sin_family = AF_INET;
	peer->v4.sin_port = ireq->ir_rmt_port;
	peer->v4.sin_addr.s_addr = ireq->ir_rmt_addr;
}

static void lq_skb_peer(const struct sk_buff *skb, union lq_sockaddr *peer)
{
	memset(peer, 0, sizeof(*peer));
#if IS_ENABLED(CONFIG_IPV6)
	if (skb->protocol == htons(ETH_P_IPV6)) {
		peer->v6.sin6_family = AF_INET6;
		peer->v6.sin6_port = tcp_hdr(skb)->source;
		peer->v6.sin6_addr = ipv6_hdr(skb)->saddr;
		return;
	}
#endif
	peer->v4.sin_family = AF_INET;
	peer->v4.sin_port = tcp_hdr(skb)->source;
	peer->v4.sin_addr.s_addr = ip_hdr(skb)->saddr;
}

/* One line per drop, at most drop_log a second, saying how many it skipped. */
static void lq_log(const struct sock *sk, enum lq_reason why, const char *action,
		   const union lq_sockaddr *peer)
{
	const struct lq_rules *rules = lq_kernel_rules();
	u32 acc_max = READ_ONCE(sk->sk_max_ack_backlog);
	struct net *net = sock_net(sk);
	union lq_sockaddr local;
	struct lq_conf conf;
	int skipped;

	if (!__ratelimit(&lq_log_rs)) {
		atomic_inc(&lq_log_suppressed);
		return;
	}
	skipped = atomic_xchg(&lq_log_suppressed, 0);
	if (skipped)
		pr_info("drop log: %d lines suppressed\n", skipped);

	lq_read_conf(net, &conf);
	lq_sk_sockaddr(sk, &local);
	pr_info("ns %u listener %pISpc peer %pISpc %s %s syn_q %d/%llu acc_q %u/%llu\n",
		net->ns.inum, &local, peer, lq_column_name(LQ_COL_DROP_SYNQ + why), action,
		inet_csk_reqsk_queue_len(sk),
		lq_syn_cap(rules, acc_max, 0, conf.max_syn_backlog, conf.syncookies, NULL),
		READ_ONCE(sk->sk_ack_backlog), lq_acc_cap(rules, acc_max));
}

static void lq_count(const struct sock *sk, enum lq_reason why, const char *action,
		     const union lq_sockaddr *peer)
{
	struct lq_table *t;
	struct lq_stat *st;

	rcu_read_lock();
	t = rcu_dereference(lq_table);
	st = t ? lq_get(t, sk) : NULL;
	if (st)
		atomic_long_inc(&st->count[why]);
	rcu_read_unlock();
	if (st && READ_ONCE(lq_drop_log))
		lq_log(sk, why, action, peer);
}

/* ---- the probes ---- */

/* This CPU's count of a LINUX_MIB_* event in @sk's namespace. */
static unsigned long lq_mib(const struct sock *sk, int field)
{
	return this_cpu_read(sock_net(sk)->mib.net_statistics->mibs[field]);
}

static void *lq_arg(struct pt_regs *regs, unsigned int n)
{
	return (void *)regs_get_kernel_argument(regs, n);
}

/*
 * tcp_conn_request(rsk_ops, af_ops, sk, skb): tcp_syn_flood_action() counts
 * TCPReqQFullDoCookies or TCPReqQFullDrop (tcp_input.c, 6.1 :6982/:6985,
 * 6.12 :7158/:7161), the accept queue test ListenOverflows (6.1 :7086,
 * 6.12 :7277). A cookie SYN can meet a full accept queue too: both count.
 */
struct lq_syn_data {
	struct sock *sk;
	unsigned long drop, cookie, overflow;
	union lq_sockaddr peer;
};

static int lq_syn_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct lq_syn_data *d = (void *)ri->data;
	struct sock *sk = lq_arg(regs, 2);

	d->sk = sk;
	d->drop = lq_mib(sk, LINUX_MIB_TCPREQQFULLDROP);
	d->cookie = lq_mib(sk, LINUX_MIB_TCPREQQFULLDOCOOKIES);
	d->overflow = lq_mib(sk, LINUX_MIB_LISTENOVERFLOWS);
	lq_skb_peer(lq_arg(regs, 3), &d->peer);
	return 0;
}

static int lq_syn_return(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct lq_syn_data *d = (void *)ri->data;
	struct sock *sk = d->sk;

	if (lq_mib(sk, LINUX_MIB_TCPREQQFULLDROP) != d->drop)
		lq_count(sk, LQ_DROP_SYNQ, "drop", &d->peer);
	if (lq_mib(sk, LINUX_MIB_TCPREQQFULLDOCOOKIES) != d->cookie)
		lq_count(sk, LQ_COOKIE_SYNQ, "cookie", &d->peer);
	if (lq_mib(sk, LINUX_MIB_LISTENOVERFLOWS) != d->overflow)
		lq_count(sk, LQ_DROP_ACCQ_SYN, "drop", &d->peer);
	return 0;
}

/*
 * tcp_peer_is_proven(req, dst) has one caller, the quarter rule, which asks
 * only once the queue is past it: false means the SYN is dropped
 * (tcp_input.c, 6.1 :7135, 6.12 :7328).
 */
static int lq_proven_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	*(struct request_sock **)ri->data = lq_arg(regs, 0);
	return 0;
}

static int lq_proven_return(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct request_sock *req = *(struct request_sock **)ri->data;
	union lq_sockaddr peer;

	if ((u8)regs_return_value(regs))
		return 0;
	lq_req_peer(req, &peer);
	lq_count(req->rsk_listener, LQ_DROP_QUARTER, "drop", &peer);
	return 0;
}

/*
 * ->syn_recv_sock(sk, skb, req, dst, req_unhash, ...) starts with the accept
 * queue test and counts ListenOverflows when it fails (tcp_ipv4.c, 6.1
 * :1526/:1619, 6.12 :1760/:1851). tcp_check_req() passes req_unhash, a
 * syncookie ACK passes a dst, Fast Open passes neither and falls back to a
 * normal SYN-ACK, so it is no drop. tcp_v6_syn_recv_sock() hands v4-mapped
 * skbs to tcp_v4_syn_recv_sock(), which counts them.
 */
struct lq_ack_data {
	const struct sock *sk;
	unsigned long overflow;
	bool check_req;
	union lq_sockaddr peer;
};

static int lq_ack_entry(struct kretprobe_instance *ri, struct pt_regs *regs, bool v6)
{
	struct lq_ack_data *d = (void *)ri->data;
	struct sk_buff *skb = lq_arg(regs, 1);
	bool check_req = lq_arg(regs, 4);

	d->sk = NULL;
	if ((v6 && skb->protocol == htons(ETH_P_IP)) || (!check_req && !lq_arg(regs, 3)))
		return 0;
	d->sk = lq_arg(regs, 0);
	d->check_req = check_req;
	d->overflow = lq_mib(d->sk, LINUX_MIB_LISTENOVERFLOWS);
	lq_req_peer(lq_arg(regs, 2), &d->peer);
	return 0;
}

static int lq_ack4_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	return lq_ack_entry(ri, regs, false);
}

static int lq_ack6_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	return lq_ack_entry(ri, regs, true);
}

static int lq_ack_return(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct lq_ack_data *d = (void *)ri->data;
	const char *action = "drop";

	if (!d->sk || lq_mib(d->sk, LINUX_MIB_LISTENOVERFLOWS) == d->overflow)
		return 0;
	/* tcp_check_req() then resets, or keeps the request for a retry. */
	if (d->check_req && READ_ONCE(sock_net(d->sk)->ipv4.sysctl_tcp_abort_on_overflow))
		action = "rst";
	lq_count(d->sk, LQ_DROP_ACCQ_ACK, action, &d->peer);
	return 0;
}

/*
 * __inet_csk_reqsk_queue_drop(sk, req, from_timer) returns whether it
 * unlinked the request; reqsk_timer_handler() calls it with from_timer set
 * once the SYN-ACK retries are spent (inet_connection_sock.c, 6.1 :1131,
 * 6.12 :1195).
 */
struct lq_expire_data {
	const struct sock *sk;
	union lq_sockaddr peer;
};

static int lq_expire_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct lq_expire_data *d = (void *)ri->data;

	d->sk = (u8)regs_get_kernel_argument(regs, 2) ? lq_arg(regs, 0) : NULL;
	if (d->sk)
		lq_req_peer(lq_arg(regs, 1), &d->peer);
	return 0;
}

static int lq_expire_return(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct lq_expire_data *d = (void *)ri->data;

	if (d->sk && (u8)regs_return_value(regs))
		lq_count(d->sk, LQ_EXPIRED, "expired", &d->peer);
	return 0;
}

/*
 * listen() clamps its backlog in __sys_listen() before inet_listen() sees
 * it: remember the caller's own value per task for the few instructions
 * in between. A collision only loses the value ("-").
 */
#define LQ_STASH_BITS	6

static struct {
	struct task_struct *task;
	int backlog;
} lq_stash[1 << LQ_STASH_BITS];

static int lq_sys_listen_pre(struct kprobe *p, struct pt_regs *regs)
{
	unsigned int i = hash_ptr(current, LQ_STASH_BITS);

	WRITE_ONCE(lq_stash[i].backlog, (int)regs_get_kernel_argument(regs, 1));
	WRITE_ONCE(lq_stash[i].task, current);
	return 0;
}

static int lq_stash_take(void)
{
	unsigned int i = hash_ptr(current, LQ_STASH_BITS);

	if (READ_ONCE(lq_stash[i].task) != current)
		return LQ_NO_BACKLOG;
	WRITE_ONCE(lq_stash[i].task, NULL);
	return READ_ONCE(lq_stash[i].backlog);
}

/* inet_listen(sock, backlog): a socket that starts listening gets a fresh record. */
struct lq_listen_data {
	struct sock *sk;
	bool was_listening;
};

static int lq_listen_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct lq_listen_data *d = (void *)ri->data;
	struct socket *sock = lq_arg(regs, 0);

	d->sk = sock->sk;
	d->was_listening = READ_ONCE(d->sk->sk_state) == TCP_LISTEN;
	return 0;
}

static int lq_listen_return(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct lq_listen_data *d = (void *)ri->data;
	int backlog = lq_stash_take();
	struct lq_table *t;
	struct lq_stat *st;

	if (regs_return_value(regs))
		return 0;
	rcu_read_lock();
	t = rcu_dereference(lq_table);
	st = t ? lq_get(t, d->sk) : NULL;
	if (st) {
		/* A record left by an earlier socket at this address. */
		if (!d->was_listening)
			lq_stat_reset(st);
		WRITE_ONCE(st->backlog, backlog);
	}
	rcu_read_unlock();
	return 0;
}

/*
 * inet_csk_listen_stop(sk): the listener is closing; free its record once
 * the function returns. Not before, in a kprobe pre-handler: those run from
 * int3, which the kernel enters as an NMI, where taking t->lock and calling
 * call_rcu() are not allowed (lockdep reports the lock as {IN-NMI}). The
 * socket has left TCP_LISTEN by then, so lq_get() gives it no new record.
 */
static int lq_listen_stop_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	*(const struct sock **)ri->data = lq_arg(regs, 0);
	return 0;
}

static int lq_listen_stop_return(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	const struct sock *sk = *(const struct sock **)ri->data;
	struct lq_table *t;

	rcu_read_lock();
	t = rcu_dereference(lq_table);
	if (t)
		lq_put(t, sk);
	rcu_read_unlock();
	return 0;
}

#define LQ_KRETPROBE(sym, entry, ret, type)			\
	{ .kp.symbol_name = sym, .entry_handler = entry,	\
	  .handler = ret, .data_size = sizeof(type) }

static struct kretprobe lq_kretprobes[] = {
	LQ_KRETPROBE("inet_listen", lq_listen_entry, lq_listen_return,
		     struct lq_listen_data),
	LQ_KRETPROBE("inet_csk_listen_stop", lq_listen_stop_entry, lq_listen_stop_return,
		     const struct sock *),
	LQ_KRETPROBE("tcp_conn_request", lq_syn_entry, lq_syn_return,
		     struct lq_syn_data),
	LQ_KRETPROBE("tcp_peer_is_proven", lq_proven_entry, lq_proven_return,
		     struct request_sock *),
	LQ_KRETPROBE("tcp_v4_syn_recv_sock", lq_ack4_entry, lq_ack_return,
		     struct lq_ack_data),
	LQ_KRETPROBE("tcp_v6_syn_recv_sock", lq_ack6_entry, lq_ack_return,
		     struct lq_ack_data),
	LQ_KRETPROBE("__inet_csk_reqsk_queue_drop", lq_expire_entry, lq_expire_return,
		     struct lq_expire_data),
};

/* What each kretprobe above provides; 0: needed by every counter. */
static const unsigned long lq_kretprobe_gives[ARRAY_SIZE(lq_kretprobes)] = {
	0,
	0,
	BIT(LQ_DROP_SYNQ) | BIT(LQ_COOKIE_SYNQ) | BIT(LQ_DROP_ACCQ_SYN),
	BIT(LQ_DROP_QUARTER),
	BIT(LQ_DROP_ACCQ_ACK),
	BIT(LQ_DROP_ACCQ_ACK),
	BIT(LQ_EXPIRED),
};

/* Pre-handlers run in NMI context: they take no lock and call no RCU. */
static struct kprobe lq_kprobes[] = {
	{ .symbol_name = "__sys_listen", .pre_handler = lq_sys_listen_pre },
};

static const unsigned long lq_kprobe_gives[ARRAY_SIZE(lq_kprobes)] = {
	LQ_HAVE_BACKLOG,
};

#define LQ_HAVE_ALL	GENMASK(LQ_NR_REASONS, 0)	/* every reason and the backlog */

static bool lq_kretprobe_on[ARRAY_SIZE(lq_kretprobes)];
static bool lq_kprobe_on[ARRAY_SIZE(lq_kprobes)];

static void lq_unregister(void)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(lq_kretprobes); i++) {
		struct kretprobe *rp = &lq_kretprobes[i];

		if (!lq_kretprobe_on[i])
			continue;
		unregister_kretprobe(rp);
		lq_kretprobe_on[i] = false;
		if (rp->nmissed)
			pr_warn("%s: %d calls missed, their drops were not counted\n",
				rp->kp.symbol_name, rp->nmissed);
	}
	for (i = 0; i < ARRAY_SIZE(lq_kprobes); i++) {
		if (lq_kprobe_on[i])
			unregister_kprobe(&lq_kprobes[i]);
		lq_kprobe_on[i] = false;
	}
}

/* Register what this kernel has; returns the values that are then available. */
static unsigned long lq_register(void)
{
	unsigned long have = LQ_HAVE_ALL, missing = 0;
	int i, err;

	for (i = 0; i < ARRAY_SIZE(lq_kretprobes); i++) {
		struct kretprobe *rp = &lq_kretprobes[i];
		const char *sym = rp->kp.symbol_name;

		/* Forget what an earlier registration filled in. */
		memset(&rp->kp, 0, sizeof(rp->kp));
		rp->kp.symbol_name = sym;
		rp->nmissed = 0;
		rp->maxactive = 4 * num_possible_cpus();
		err = register_kretprobe(rp);
		lq_kretprobe_on[i] = !err;
		if (err) {
			pr_warn("cannot probe %s (%d)\n", rp->kp.symbol_name, err);
			missing |= lq_kretprobe_gives[i] ?: LQ_HAVE_ALL;
		}
	}
	for (i = 0; i < ARRAY_SIZE(lq_kprobes); i++) {
		struct kprobe *kp = &lq_kprobes[i];
		const char *sym = kp->symbol_name;
		kprobe_pre_handler_t pre = kp->pre_handler;

		memset(kp, 0, sizeof(*kp));
		kp->symbol_name = sym;
		kp->pre_handler = pre;
		err = register_kprobe(kp);
		lq_kprobe_on[i] = !err;
		if (err) {
			pr_warn("cannot probe %s (%d)\n", sym, err);
			missing |= lq_kprobe_gives[i] ?: LQ_HAVE_ALL;
		}
	}
	return have & ~missing;
}

static void lq_report_unavailable(unsigned long have)
{
	int i;

	for (i = 0; i < LQ_NR_REASONS; i++)
		if (!(have & BIT(i)))
			pr_warn("%s is not available on this kernel\n",
				lq_column_name(LQ_COL_DROP_SYNQ + i));
	if (!(have & LQ_HAVE_BACKLOG))
		pr_warn("the backlog asked of listen() is not available on this kernel\n");
}

static struct lq_table *lq_table_alloc(unsigned int size)
{
	struct lq_table *t;
	unsigned int i;

	t = kvzalloc(struct_size(t, pool, size), GFP_KERNEL);
	if (!t)
		return NULL;
	t->size = size;
	raw_spin_lock_init(&t->lock);
	for (i = 0; i < size; i++) {
		t->pool[i].table = t;
		hlist_add_head(&t->pool[i].node, &t->free);
	}
	return t;
}

static int lq_probes_enable(void)
{
	struct lq_table *t = lq_table_alloc(lq_max_listeners);
	unsigned long have;

	if (!t) {
		pr_err("probes: no memory for %u listeners\n", lq_max_listeners);
		return -ENOMEM;
	}
	rcu_assign_pointer(lq_table, t);
	have = lq_register();
	if (!(have & ~LQ_HAVE_BACKLOG)) {
		pr_err("probes: cannot follow listeners on this kernel\n");
		lq_probes_disable();
		return -EOPNOTSUPP;
	}
	lq_report_unavailable(have);
	WRITE_ONCE(lq_available, have);
	pr_info("probes on, counting up to %u listeners in %zu KiB (%zu bytes each)\n",
		t->size, struct_size(t, pool, t->size) >> 10, sizeof(t->pool[0]));
	return 0;
}

static void lq_probes_disable(void)
{
	struct lq_table *t = rcu_dereference_protected(lq_table, true);
	long untracked;

	WRITE_ONCE(lq_available, 0);
	RCU_INIT_POINTER(lq_table, NULL);
	lq_unregister();
	/* Wait for readers, then for the records they or the probes freed. */
	synchronize_rcu();
	rcu_barrier();
	if (!t)
		return;
	untracked = atomic_long_read(&t->untracked);
	if (untracked)
		pr_warn("%ld events not counted: more than %u listeners\n", untracked, t->size);
	kvfree(t);
	pr_info("probes off\n");
}

int lq_probes_init(void)
{
	int err = 0;

	ratelimit_state_init(&lq_log_rs, HZ, lq_drop_log);
	ratelimit_set_flags(&lq_log_rs, RATELIMIT_MSG_ON_RELEASE);
	kernel_param_lock(THIS_MODULE);
	if (lq_probes)
		err = lq_probes_enable();
	if (!err)
		lq_ready = true;
	kernel_param_unlock(THIS_MODULE);
	return err;
}

void lq_probes_exit(void)
{
	kernel_param_lock(THIS_MODULE);
	lq_ready = false;
	if (lq_probes)
		lq_probes_disable();
	kernel_param_unlock(THIS_MODULE);
}
