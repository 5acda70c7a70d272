// SPDX-License-Identifier: GPL-2.0
/*
 * Optional probes that attribute every queue-overflow drop to its listener.
 *
 * The kernel decides in tcp_conn_request() and ->syn_recv_sock() and counts
 * the outcome in this CPU's MIB counters, with no other code of this CPU in
 * between (softirq, or BH-disabled and migration-disabled on PREEMPT_RT).
 * An ftrace callback at the entry of each of those calls copies this CPU's
 * counters into the CPU's window; what they did by the next call's entry on
 * this CPU is what the last call decided, exactly, whatever other CPUs do
 * to the queues meanwhile. Re-evaluating the predicates would race with
 * them, and a return probe on every SYN costs twice as much as the SYN's
 * decision itself. A window left open is closed within a tick while the
 * drop log is on, and on every CPU before /proc/listenq is read.
 *
 * Counters live in a table of per-listener records allocated when probes
 * are switched on, keyed by socket: a record is reset when its socket starts
 * listening and freed when it stops, so two listeners never share counts.
 * Nothing allocates in a probe handler.
 */
#include <linux/cpu.h>
#include <linux/ftrace.h>
#include <linux/hash.h>
#include <linux/kallsyms.h>
#include <linux/kprobes.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/ratelimit.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <linux/workqueue.h>
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
		pr_err("probes=%.*s: expected 0 or 1 (or n/y, off/on)\n", lq_val_len(val), val);
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

	raw_spin_lock_irqsave(&t->lock, flags);
	/*
	 * A closing listener must not get a record back after lq_put() freed
	 * it. Its state leaves TCP_LISTEN before inet_csk_listen_stop(), whose
	 * lq_put() takes this lock: tested under the lock, either we see the
	 * new state or lq_put() sees our record.
	 */
	if (READ_ONCE(sk->sk_state) != TCP_LISTEN) {
		raw_spin_unlock_irqrestore(&t->lock, flags);
		return NULL;
	}
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

/* One line per drop, at most drop_log a second; the next says how many it skipped. */
static void lq_log(const struct sock *sk, enum lq_reason why, const char *action,
		   const union lq_sockaddr *peer)
{
	const struct lq_rules *rules = lq_kernel_rules();
	u32 acc_max = READ_ONCE(sk->sk_max_ack_backlog);
	struct net *net = sock_net(sk);
	union lq_sockaddr local;
	struct lq_conf conf;
	char more[32] = "";
	int skipped;

	if (!__ratelimit(&lq_log_rs)) {
		atomic_inc(&lq_log_suppressed);
		return;
	}
	skipped = atomic_xchg(&lq_log_suppressed, 0);
	if (skipped)
		snprintf(more, sizeof(more), " (+%d suppressed)", skipped);

	lq_read_conf(net, &conf);
	lq_sk_sockaddr(sk, &local);
	pr_info("ns %u listener %pISpc peer %pISpc %s %s syn_q %d/%llu acc_q %u/%llu%s\n",
		net->ns.inum, &local, peer, lq_column_name(LQ_COL_DROP_SYNQ + why), action,
		inet_csk_reqsk_queue_len(sk),
		lq_syn_cap(rules, acc_max, 0, conf.max_syn_backlog, conf.syncookies, NULL),
		READ_ONCE(sk->sk_ack_backlog), lq_acc_cap(rules, acc_max), more);
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

/* ---- the per-CPU windows ---- */

/*
 * The counters that tell a reason apart, in the listener's namespace. Each
 * window copies this CPU's values when a probed call begins; what changed
 * when the next call on this CPU begins is what the previous one decided.
 */
enum lq_mib {
	LQ_MIB_QFULL_DROP,	/* TCPReqQFullDrop */
	LQ_MIB_QFULL_COOKIE,	/* TCPReqQFullDoCookies */
	LQ_MIB_OVERFLOW,	/* ListenOverflows */
	LQ_MIB_LISTENDROP,	/* ListenDrops */
	LQ_NR_MIBS
};

static const int lq_mib_field[LQ_NR_MIBS] = {
	[LQ_MIB_QFULL_DROP] = LINUX_MIB_TCPREQQFULLDROP,
	[LQ_MIB_QFULL_COOKIE] = LINUX_MIB_TCPREQQFULLDOCOOKIES,
	[LQ_MIB_OVERFLOW] = LINUX_MIB_LISTENOVERFLOWS,
	[LQ_MIB_LISTENDROP] = LINUX_MIB_LISTENDROPS,
};

enum lq_window_kind {
	LQ_WIN_SYN,		/* tcp_conn_request() */
	LQ_WIN_ACK,		/* ->syn_recv_sock() for a syncookie ACK */
	LQ_WIN_ACK_REQ,		/* ->syn_recv_sock() from tcp_check_req() */
};

/*
 * The last probed call of this CPU. Only this CPU writes it, in softirq or
 * with BH disabled, so never in the middle of another window of its own;
 * other CPUs only clear @sk when its listener stops.
 */
struct lq_window {
	const struct sock *sk;		/* the listener; NULL: nothing to account */
	struct net *net;
	u8 kind;
	bool quarter;			/* tcp_peer_is_proven() was asked */
	unsigned long mib[LQ_NR_MIBS];
	union lq_sockaddr peer;		/* filled only while the drop log is on */
	struct delayed_work flush;	/* closes the window on this CPU */
};

static DEFINE_PER_CPU(struct lq_window, lq_windows);
static DEFINE_MUTEX(lq_sync_lock);

static const unsigned long *lq_this_cpu_mibs(const struct net *net)
{
	return this_cpu_ptr(net->mib.net_statistics)->mibs;
}

static void lq_account(struct lq_window *w, const struct sock *sk, unsigned long changed)
{
	const union lq_sockaddr *peer = &w->peer;

	if (w->kind == LQ_WIN_SYN) {
		if (changed & BIT(LQ_MIB_QFULL_DROP))
			lq_count(sk, LQ_DROP_SYNQ, "drop", peer);
		if (changed & BIT(LQ_MIB_QFULL_COOKIE))
			lq_count(sk, LQ_COOKIE_SYNQ, "cookie", peer);
		if (changed & BIT(LQ_MIB_OVERFLOW))
			lq_count(sk, LQ_DROP_ACCQ_SYN, "drop", peer);
		else if (w->quarter && (changed & BIT(LQ_MIB_LISTENDROP)))
			lq_count(sk, LQ_DROP_QUARTER, "drop", peer);
	} else if (changed & BIT(LQ_MIB_OVERFLOW)) {
		/* tcp_check_req() then resets, or keeps the request for a retry. */
		bool rst = w->kind == LQ_WIN_ACK_REQ &&
			   READ_ONCE(w->net->ipv4.sysctl_tcp_abort_on_overflow);

		lq_count(sk, LQ_DROP_ACCQ_ACK, rst ? "rst" : "drop", peer);
	}
}

/*
 * Account the last call of this CPU: what its counters did since it began.
 * Its listener is alive: lq_listen_stop_hook() clears @sk before the socket
 * can be freed, an RCU grace period after this BH-disabled section.
 */
static __always_inline bool lq_close(struct lq_window *w)
{
	const struct sock *sk = READ_ONCE(w->sk);
	const unsigned long *mibs;
	unsigned long changed = 0, now;
	int i;

	if (!sk)
		return false;
	WRITE_ONCE(w->sk, NULL);
	mibs = lq_this_cpu_mibs(w->net);
	for (i = 0; i < LQ_NR_MIBS; i++) {
		now = READ_ONCE(mibs[lq_mib_field[i]]);
		if (now != w->mib[i]) {
			changed |= BIT(i);
			w->mib[i] = now;
		}
	}
	if (unlikely(changed))
		lq_account(w, sk, changed);
	/* w->mib is now this CPU's count in w->net: lq_open() may keep it. */
	return true;
}

static __always_inline void lq_open(struct lq_window *w, bool fresh,
				    const struct sock *sk, u8 kind)
{
	struct net *net = sock_net(sk);
	int i;

	if (!fresh || w->net != net) {
		const unsigned long *mibs = lq_this_cpu_mibs(net);

		w->net = net;
		for (i = 0; i < LQ_NR_MIBS; i++)
			w->mib[i] = READ_ONCE(mibs[lq_mib_field[i]]);
	}
	w->kind = kind;
	w->quarter = false;
	/*
	 * Publish, then look at the state; lq_listen_stop_hook() looks at the
	 * windows after the state left TCP_LISTEN. One of the two sees the
	 * other: no window outlives its listener's inet_csk_listen_stop().
	 */
	smp_store_mb(w->sk, sk);
	if (unlikely(READ_ONCE(sk->sk_state) != TCP_LISTEN))
		WRITE_ONCE(w->sk, NULL);
}

/* With the drop log on, a drop is logged within a tick, not at the next call. */
static __always_inline bool lq_logging(struct lq_window *w)
{
	if (likely(!READ_ONCE(lq_drop_log)))
		return false;
	if (!delayed_work_pending(&w->flush))
		queue_delayed_work_on(smp_processor_id(), lq_percpu_wq, &w->flush, 1);
	return true;
}

static void lq_flush_work(struct work_struct *work)
{
	struct lq_window *w = container_of(to_delayed_work(work), struct lq_window, flush);

	local_bh_disable();
	/* A work of an offline CPU may run elsewhere: those counters are not ours. */
	if (w == this_cpu_ptr(&lq_windows))
		lq_close(w);
	local_bh_enable();
}

/**
 * lq_probes_sync() - account every CPU's last call before a read
 *
 * So that a reader sees every drop the kernel counted before the read
 * began. Sleeps; a no-op while probes are off.
 */
void lq_probes_sync(void)
{
	int cpu;

	/* Probes going off wait for us: no work is queued after they cancel them. */
	mutex_lock(&lq_sync_lock);
	if (READ_ONCE(lq_available)) {
		cpus_read_lock();
		for_each_online_cpu(cpu) {
			struct lq_window *w = per_cpu_ptr(&lq_windows, cpu);

			if (READ_ONCE(w->sk))
				mod_delayed_work_on(cpu, lq_percpu_wq, &w->flush, 0);
		}
		for_each_online_cpu(cpu)
			flush_delayed_work(&per_cpu_ptr(&lq_windows, cpu)->flush);
		cpus_read_unlock();
	}
	mutex_unlock(&lq_sync_lock);
}

/* ---- the hooks: ftrace callbacks at function entry ---- */

/*
 * tcp_conn_request(rsk_ops, af_ops, sk, skb): tcp_syn_flood_action() counts
 * TCPReqQFullDoCookies or TCPReqQFullDrop (tcp_input.c, 6.1 :6982/:6985,
 * 6.12 :7158/:7161), the accept queue test ListenOverflows (6.1 :7086,
 * 6.12 :7277). A cookie SYN can meet a full accept queue too: both count.
 */
static void lq_syn_hook(struct lq_ftrace_regs *fregs)
{
	struct lq_window *w = this_cpu_ptr(&lq_windows);
	bool fresh = lq_close(w);

	if (lq_logging(w))
		lq_skb_peer((void *)lq_fregs_arg(fregs, 3), &w->peer);
	lq_open(w, fresh, (void *)lq_fregs_arg(fregs, 2), LQ_WIN_SYN);
}

/*
 * tcp_peer_is_proven(req, dst) has one caller, the quarter rule, which asks
 * only once the queue is past it: false drops the SYN and counts ListenDrops
 * (tcp_input.c, 6.1 :7135, 6.12 :7328); true leads to no other drop short of
 * a malformed TCP-AO option (6.12 :7350).
 */
static void lq_proven_hook(struct lq_ftrace_regs *fregs)
{
	struct lq_window *w = this_cpu_ptr(&lq_windows);
	const struct request_sock *req = (void *)lq_fregs_arg(fregs, 0);

	if (READ_ONCE(w->sk) == req->rsk_listener && w->kind == LQ_WIN_SYN)
		w->quarter = true;
}

/*
 * ->syn_recv_sock(sk, skb, req, dst, req_unhash, ...) starts with the accept
 * queue test and counts ListenOverflows when it fails (tcp_ipv4.c, 6.1
 * :1526/:1619, 6.12 :1760/:1851). tcp_check_req() passes req_unhash, a
 * syncookie ACK passes a dst, Fast Open passes neither and falls back to a
 * normal SYN-ACK, so it is no drop. tcp_v6_syn_recv_sock() hands v4-mapped
 * skbs to tcp_v4_syn_recv_sock(), which counts them.
 */
static void lq_ack_hook(struct lq_ftrace_regs *fregs, bool v6)
{
	struct lq_window *w = this_cpu_ptr(&lq_windows);
	const struct sk_buff *skb = (void *)lq_fregs_arg(fregs, 1);
	bool check_req = lq_fregs_arg(fregs, 4);
	bool fresh = lq_close(w);

	if ((v6 && skb->protocol == htons(ETH_P_IP)) || (!check_req && !lq_fregs_arg(fregs, 3)))
		return;
	if (lq_logging(w))
		lq_req_peer((void *)lq_fregs_arg(fregs, 2), &w->peer);
	lq_open(w, fresh, (void *)lq_fregs_arg(fregs, 0),
		check_req ? LQ_WIN_ACK_REQ : LQ_WIN_ACK);
}

/*
 * inet_csk_listen_stop(sk): its callers have moved the socket out of
 * TCP_LISTEN already (__tcp_close(), tcp_disconnect()). Close the windows
 * still naming it, then free its record; lq_get() gives it no new one.
 */
static void lq_listen_stop_hook(struct lq_ftrace_regs *fregs)
{
	const struct sock *sk = (void *)lq_fregs_arg(fregs, 0);
	struct lq_table *t;
	int cpu;

	smp_mb();	/* the state change before the windows: see lq_open() */
	for_each_possible_cpu(cpu) {
		struct lq_window *w = per_cpu_ptr(&lq_windows, cpu);

		if (READ_ONCE(w->sk) == sk)
			cmpxchg(&w->sk, sk, NULL);
	}
	rcu_read_lock();
	t = rcu_dereference(lq_table);
	if (t)
		lq_put(t, sk);
	rcu_read_unlock();
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

static void *lq_arg(struct pt_regs *regs, unsigned int n)
{
	return (void *)regs_get_kernel_argument(regs, n);
}

/* Every accepted connection comes here too: only the timer's call returns here. */
static int lq_expire_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct lq_expire_data *d = (void *)ri->data;

	if (!(u8)regs_get_kernel_argument(regs, 2))
		return 1;
	d->sk = lq_arg(regs, 0);
	lq_req_peer(lq_arg(regs, 1), &d->peer);
	return 0;
}

static int lq_expire_return(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct lq_expire_data *d = (void *)ri->data;

	if ((u8)regs_return_value(regs))
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

#define LQ_KRETPROBE(sym, entry, ret, type)			\
	{ .kp.symbol_name = sym, .entry_handler = entry,	\
	  .handler = ret, .data_size = sizeof(type) }

static struct kretprobe lq_kretprobes[] = {
	LQ_KRETPROBE("inet_listen", lq_listen_entry, lq_listen_return,
		     struct lq_listen_data),
	LQ_KRETPROBE("__inet_csk_reqsk_queue_drop", lq_expire_entry, lq_expire_return,
		     struct lq_expire_data),
};

/* What each kretprobe above provides; 0: needed by every counter. */
static const unsigned long lq_kretprobe_gives[ARRAY_SIZE(lq_kretprobes)] = {
	0,
	BIT(LQ_EXPIRED),
};

static struct kprobe lq_kprobes[] = {
	{ .symbol_name = "__sys_listen", .pre_handler = lq_sys_listen_pre },
};

static const unsigned long lq_kprobe_gives[ARRAY_SIZE(lq_kprobes)] = {
	LQ_HAVE_BACKLOG,
};

#define LQ_HAVE_ALL	GENMASK(LQ_NR_REASONS, 0)	/* every reason and the backlog */

static bool lq_kretprobe_on[ARRAY_SIZE(lq_kretprobes)];
static bool lq_kprobe_on[ARRAY_SIZE(lq_kprobes)];

/*
 * The calls on every SYN and every handshake's last ACK are hooked with one
 * plain ftrace callback: no return trampoline, no saved pt_regs, no kprobe
 * lookup; each hook needs only its arguments, at entry. One ftrace_ops for
 * all, so that switching probes off waits for one set of grace periods.
 */
enum lq_hook_id {
	LQ_HOOK_SYN,
	LQ_HOOK_ACK4,
	LQ_HOOK_ACK6,
	LQ_HOOK_PROVEN,
	LQ_HOOK_LISTEN_STOP,
	LQ_HOOK_SYNCOOKIE_MSS,
	LQ_NR_HOOKS
};

static const struct {
	const char *sym;
	unsigned long gives;		/* 0: needed by every counter */
} lq_hook_info[LQ_NR_HOOKS] = {
	[LQ_HOOK_SYN] = { "tcp_conn_request", BIT(LQ_DROP_SYNQ) | BIT(LQ_COOKIE_SYNQ) |
					      BIT(LQ_DROP_ACCQ_SYN) | BIT(LQ_DROP_QUARTER) },
	[LQ_HOOK_ACK4] = { "tcp_v4_syn_recv_sock", BIT(LQ_DROP_ACCQ_ACK) },
	[LQ_HOOK_ACK6] = { "tcp_v6_syn_recv_sock", BIT(LQ_DROP_ACCQ_ACK) },
	[LQ_HOOK_PROVEN] = { "tcp_peer_is_proven", BIT(LQ_DROP_QUARTER) },
	[LQ_HOOK_LISTEN_STOP] = { "inet_csk_listen_stop", 0 },
	/* BPF's syncookie helper counts like a SYN, but for no listener's SYN */
	[LQ_HOOK_SYNCOOKIE_MSS] = { "tcp_get_syncookie_mss", BIT(LQ_DROP_SYNQ) |
				    BIT(LQ_COOKIE_SYNQ) | BIT(LQ_DROP_ACCQ_SYN) },
};

static struct ftrace_ops lq_ops;
static bool lq_hooks_on;
/* Each hooked function's address as ftrace passes it, learnt on its first call. */
static unsigned long lq_hook_ip[LQ_NR_HOOKS];

static noinline int lq_hook_learn(unsigned long ip)
{
	char name[KSYM_SYMBOL_LEN];
	int i;

	sprint_symbol_no_offset(name, ip);
	/* A module's symbol comes as "name [module]". */
	name[strcspn(name, " ")] = '\0';
	for (i = 0; i < LQ_NR_HOOKS; i++) {
		if (!strcmp(name, lq_hook_info[i].sym)) {
			WRITE_ONCE(lq_hook_ip[i], ip);
			return i;
		}
	}
	return LQ_NR_HOOKS;
}

static void lq_hook(unsigned long ip, unsigned long parent_ip,
		    struct ftrace_ops *op, struct lq_ftrace_regs *fregs)
{
	int i;

	for (i = 0; i < LQ_NR_HOOKS; i++)
		if (READ_ONCE(lq_hook_ip[i]) == ip)
			break;
	if (unlikely(i == LQ_NR_HOOKS))
		i = lq_hook_learn(ip);

	switch (i) {
	case LQ_HOOK_SYN:
		lq_syn_hook(fregs);
		break;
	case LQ_HOOK_ACK4:
		lq_ack_hook(fregs, false);
		break;
	case LQ_HOOK_ACK6:
		lq_ack_hook(fregs, true);
		break;
	case LQ_HOOK_PROVEN:
		lq_proven_hook(fregs);
		break;
	case LQ_HOOK_LISTEN_STOP:
		lq_listen_stop_hook(fregs);
		break;
	case LQ_HOOK_SYNCOOKIE_MSS:
		lq_close(this_cpu_ptr(&lq_windows));
		break;
	}
}

/*
 * Empty the filter of an ops that is not registered, freeing its entries:
 * ftrace_free_filter() does the same but is not exported before 6.2.
 */
static void lq_hooks_forget(void)
{
	ftrace_set_filter(&lq_ops, NULL, 0, 1);
}

/* Hook what this kernel has; returns the values that are then missing. */
static unsigned long lq_hooks_register(void)
{
	unsigned long missing = 0;
	unsigned char sym[KSYM_NAME_LEN];
	int i, err, found = 0;

	memset(&lq_ops, 0, sizeof(lq_ops));
	memset(lq_hook_ip, 0, sizeof(lq_hook_ip));
	lq_ops.func = lq_hook;
	lq_ops.flags = LQ_FTRACE_OPS_FLAGS;
	for (i = 0; i < LQ_NR_HOOKS; i++) {
		strscpy(sym, lq_hook_info[i].sym, sizeof(sym));
		err = ftrace_set_filter(&lq_ops, sym, strlen(sym), 0);
		if (err) {
			pr_warn("cannot hook %s (%d)\n", sym, err);
			missing |= lq_hook_info[i].gives ?: LQ_HAVE_ALL;
		} else {
			found++;
		}
	}
	/* An empty filter would hook every function. */
	err = found ? register_ftrace_function(&lq_ops) : -ENOENT;
	if (err) {
		if (found)
			pr_warn("cannot register the ftrace hooks (%d)\n", err);
		lq_hooks_forget();
		return LQ_HAVE_ALL;
	}
	lq_hooks_on = true;
	return missing;
}

static void lq_unregister(void)
{
	int i;

	if (lq_hooks_on) {
		unregister_ftrace_function(&lq_ops);
		lq_hooks_forget();
		lq_hooks_on = false;
	}
	for (i = 0; i < ARRAY_SIZE(lq_kretprobes); i++) {
		struct kretprobe *rp = &lq_kretprobes[i];

		if (!lq_kretprobe_on[i])
			continue;
		unregister_kretprobe(rp);
		lq_kretprobe_on[i] = false;
		if (rp->nmissed)
			pr_warn("%s: %d calls missed: as many %s not counted\n",
				rp->kp.symbol_name, rp->nmissed,
				lq_kretprobe_gives[i] ? "expired requests" : "listen() backlogs");
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

	missing |= lq_hooks_register();
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
	int cpu;

	mutex_lock(&lq_sync_lock);
	WRITE_ONCE(lq_available, 0);
	mutex_unlock(&lq_sync_lock);
	RCU_INIT_POINTER(lq_table, NULL);
	lq_unregister();
	/*
	 * No hook runs now, and none will see a listener stop: forget every
	 * window before its listener can go. Their last drops go uncounted
	 * with the table they would have been counted in.
	 */
	for_each_possible_cpu(cpu) {
		struct lq_window *w = per_cpu_ptr(&lq_windows, cpu);

		cancel_delayed_work_sync(&w->flush);
		WRITE_ONCE(w->sk, NULL);
	}
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
	int cpu, err = 0;

	for_each_possible_cpu(cpu)
		INIT_DELAYED_WORK(&per_cpu_ptr(&lq_windows, cpu)->flush, lq_flush_work);

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
