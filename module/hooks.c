// SPDX-License-Identifier: GPL-2.0
/*
 * The ftrace hooks on every SYN and every handshake's last ACK, and the
 * per-CPU windows through which they attribute drops.
 *
 * The kernel decides in tcp_conn_request() and ->syn_recv_sock() and counts
 * the outcome in this CPU's MIB counters, with no other code of this CPU in
 * between (softirq, or BH-disabled and migration-disabled on PREEMPT_RT).
 * A hook at the entry of each of those calls copies this CPU's counters into
 * the CPU's window; what they did by the next call's entry on this CPU is
 * what the last call decided, exactly, whatever other CPUs do to the queues
 * meanwhile. Re-evaluating the predicates would race with them, and a return
 * probe on every SYN costs twice as much as the SYN's decision itself. A
 * window left open is closed within a tick while the drop log is on, and on
 * every CPU before /proc/listenq is read.
 */
#include <linux/cpu.h>
#include <linux/ftrace.h>
#include <linux/kallsyms.h>
#include <linux/mutex.h>
#include <linux/workqueue.h>
#include <net/inet_connection_sock.h>
#include <net/tcp.h>

#include "records.h"

/*
 * The counters that tell a reason apart, in the listener's namespace. Each
 * window copies this CPU's values when a hooked call begins; what changed
 * when the next call on this CPU begins is what the previous one decided.
 */
enum lq_mib {
	LQ_MIB_QFULL_DROP,	/* TCPReqQFullDrop */
	LQ_MIB_QFULL_COOKIE,	/* TCPReqQFullDoCookies */
	LQ_MIB_OVERFLOW,	/* ListenOverflows */
	LQ_MIB_LISTENDROP,	/* ListenDrops */
	LQ_NR_MIBS
};

enum lq_window_kind {
	LQ_WIN_SYN,		/* tcp_conn_request() */
	LQ_WIN_ACK,		/* ->syn_recv_sock() for a syncookie ACK */
	LQ_WIN_ACK_REQ,		/* ->syn_recv_sock() from tcp_check_req() */
};

/*
 * The last hooked call of this CPU. Only this CPU writes it, in softirq or
 * with BH disabled, so never in the middle of another window of its own;
 * other CPUs only clear @sk when its listener stops.
 */
struct lq_window {
	const struct sock *sk;		/* the listener; NULL: nothing to account */
	struct lq_record *rec;		/* @sk's, from lq_count_arrival(); NULL: none */
	struct net *net;
	u8 kind;
	bool quarter;			/* tcp_peer_is_proven() was asked */
	unsigned long mib[LQ_NR_MIBS];
	union lq_sockaddr peer;		/* filled only while the drop log is on */
	struct delayed_work flush;	/* closes the window on this CPU */
};

static DEFINE_PER_CPU(struct lq_window, lq_windows);

/*
 * Whether windows may open. Written under lq_sync_lock, so that no read
 * queues a flush after lq_hooks_unregister() cancelled them.
 */
static bool lq_windows_live;
static DEFINE_MUTEX(lq_sync_lock);

/* BIT(@i) if counter @idx moved since @was[@i], which then takes its value. */
static __always_inline unsigned long lq_mib_update(unsigned long *was, const unsigned long *mibs,
						   enum lq_mib i, unsigned int idx)
{
	unsigned long v = READ_ONCE(mibs[idx]);

	if (likely(v == was[i]))
		return 0;
	was[i] = v;
	return BIT(i);
}

/*
 * Which of this CPU's counters in @w->net moved since @w's copy, which
 * becomes their values. Every SYN reads them: constant indices (no loop,
 * no bounds check) and no array on the stack.
 */
static __always_inline unsigned long lq_mibs_update(struct lq_window *w)
{
	const unsigned long *mibs = this_cpu_ptr(w->net->mib.net_statistics)->mibs;

	BUILD_BUG_ON(LQ_NR_MIBS != 4);
	return lq_mib_update(w->mib, mibs, LQ_MIB_QFULL_DROP, LINUX_MIB_TCPREQQFULLDROP) |
	       lq_mib_update(w->mib, mibs, LQ_MIB_QFULL_COOKIE, LINUX_MIB_TCPREQQFULLDOCOOKIES) |
	       lq_mib_update(w->mib, mibs, LQ_MIB_OVERFLOW, LINUX_MIB_LISTENOVERFLOWS) |
	       lq_mib_update(w->mib, mibs, LQ_MIB_LISTENDROP, LINUX_MIB_LISTENDROPS);
}

static __always_inline void lq_account(struct lq_window *w, const struct sock *sk,
				       unsigned long changed)
{
	const union lq_sockaddr *peer = &w->peer;
	struct lq_record *r = w->rec;

	if (w->kind == LQ_WIN_SYN) {
		if (changed & BIT(LQ_MIB_QFULL_DROP))
			lq_count_drop_in(r, sk, LQ_DROP_SYNQ, "drop", peer);
		if (changed & BIT(LQ_MIB_QFULL_COOKIE))
			lq_count_drop_in(r, sk, LQ_COOKIE_SYNQ, "cookie", peer);
		if (changed & BIT(LQ_MIB_OVERFLOW))
			lq_count_drop_in(r, sk, LQ_DROP_ACCQ_SYN, "drop", peer);
		else if (w->quarter && (changed & BIT(LQ_MIB_LISTENDROP)))
			lq_count_drop_in(r, sk, LQ_DROP_QUARTER, "drop", peer);
	} else if (changed & BIT(LQ_MIB_OVERFLOW)) {
		/* tcp_check_req() then resets, or keeps the request for a retry. */
		bool rst = w->kind == LQ_WIN_ACK_REQ &&
			   READ_ONCE(w->net->ipv4.sysctl_tcp_abort_on_overflow);

		lq_count_drop_in(r, sk, LQ_DROP_ACCQ_ACK, rst ? "rst" : "drop", peer);
	}
}

/*
 * Account the last call of this CPU: what its counters did since it began.
 * Its listener is alive, and its record still the listener's:
 * lq_listen_stop_hook() clears @sk before the socket can be freed and the
 * record reused, each an RCU grace period after this BH-disabled section.
 */
static __always_inline bool lq_close(struct lq_window *w)
{
	const struct sock *sk = READ_ONCE(w->sk);
	unsigned long changed;

	if (!sk)
		return false;
	WRITE_ONCE(w->sk, NULL);
	changed = lq_mibs_update(w);
	if (unlikely(changed))
		lq_account(w, sk, changed);
	/* w->mib is now this CPU's count in w->net: lq_open() may keep it. */
	return true;
}

static __always_inline void lq_open(struct lq_window *w, bool fresh, const struct sock *sk,
				    struct lq_record *rec, u8 kind)
{
	struct net *net = sock_net(sk);

	if (!fresh || w->net != net) {
		w->net = net;
		lq_mibs_update(w);	/* a fresh copy: what moved does not matter */
	}
	w->rec = rec;
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

void lq_windows_init(void)
{
	int cpu;

	for_each_possible_cpu(cpu)
		INIT_DELAYED_WORK(&per_cpu_ptr(&lq_windows, cpu)->flush, lq_flush_work);
}

/**
 * lq_windows_sync() - account every CPU's last call before a read
 *
 * So that a reader sees every drop the kernel counted before the read
 * began. Sleeps; a no-op while probes are off.
 */
void lq_windows_sync(void)
{
	int cpu;

	mutex_lock(&lq_sync_lock);
	if (lq_windows_live) {
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

/* ---- the hooks ---- */

/*
 * tcp_conn_request(rsk_ops, af_ops, sk, skb): tcp_syn_flood_action() counts
 * TCPReqQFullDoCookies or TCPReqQFullDrop, the accept queue test in
 * tcp_conn_request() ListenOverflows. A cookie SYN can meet a full accept
 * queue too: both count.
 */
static void lq_syn_hook(struct lq_ftrace_regs *fregs)
{
	struct lq_window *w = this_cpu_ptr(&lq_windows);
	const struct sock *sk = (void *)lq_fregs_arg(fregs, 2);
	bool fresh = lq_close(w);
	struct net *net = sock_net(sk);
	unsigned long long cap;
	struct lq_record *r;

	/* How full the SYN found the queue, against the syn_cap column's cap. */
	cap = lq_syn_cap(lq_kernel_rules(), READ_ONCE(sk->sk_max_ack_backlog), 0,
			 READ_ONCE(net->ipv4.sysctl_max_syn_backlog),
			 READ_ONCE(net->ipv4.sysctl_tcp_syncookies), NULL);
	r = lq_count_arrival(sk, true, inet_csk_reqsk_queue_len(sk), cap);
	if (lq_logging(w))
		lq_skb_peer((void *)lq_fregs_arg(fregs, 3), &w->peer);
	lq_open(w, fresh, sk, r, LQ_WIN_SYN);
}

/*
 * tcp_peer_is_proven(req, dst) has one caller, the quarter rule of
 * tcp_conn_request(), which asks only once the queue is past it: false drops
 * the SYN and counts ListenDrops; true leads to no other drop short of a
 * malformed TCP-AO option.
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
 * queue test (sk_acceptq_is_full()) and counts ListenOverflows when it
 * fails. tcp_check_req() passes req_unhash, a syncookie ACK passes a dst,
 * Fast Open passes neither and falls back to a normal SYN-ACK, so it is no
 * drop. tcp_v6_syn_recv_sock() hands v4-mapped skbs to
 * tcp_v4_syn_recv_sock(), which counts them.
 */
static void lq_ack_hook(struct lq_ftrace_regs *fregs, bool v6)
{
	struct lq_window *w = this_cpu_ptr(&lq_windows);
	const struct sock *sk = (void *)lq_fregs_arg(fregs, 0);
	const struct sk_buff *skb = (void *)lq_fregs_arg(fregs, 1);
	bool check_req = lq_fregs_arg(fregs, 4);
	bool fresh = lq_close(w);
	struct lq_record *r;

	if ((v6 && skb->protocol == htons(ETH_P_IP)) || (!check_req && !lq_fregs_arg(fregs, 3)))
		return;
	r = lq_count_arrival(sk, false, READ_ONCE(sk->sk_ack_backlog),
			     lq_acc_cap(lq_kernel_rules(), READ_ONCE(sk->sk_max_ack_backlog), 0,
					READ_ONCE(sock_net(sk)->ipv4.sysctl_max_syn_backlog),
					READ_ONCE(sock_net(sk)->ipv4.sysctl_tcp_syncookies)));
	if (lq_logging(w))
		lq_req_peer((void *)lq_fregs_arg(fregs, 2), &w->peer);
	lq_open(w, fresh, sk, r, check_req ? LQ_WIN_ACK_REQ : LQ_WIN_ACK);
}

/*
 * inet_csk_reqsk_queue_hash_add(sk, req, timeout) adds a request to the
 * SYN queue (reqsk_queue_added()), inet_csk_reqsk_queue_add(sk, req,
 * child) a child to the accept queue (sk_acceptq_added()): the length
 * each queue then has is a candidate for its peak, and the child's wait
 * for accept() starts.
 */
static void lq_synq_add_hook(struct lq_ftrace_regs *fregs)
{
	const struct sock *sk = (void *)lq_fregs_arg(fregs, 0);

	lq_note_queued(sk, true, inet_csk_reqsk_queue_len(sk) + 1);
}

static void lq_accq_add(const struct sock *sk, const struct sock *child)
{
	lq_note_queued(sk, false, READ_ONCE(sk->sk_ack_backlog) + 1);
	lq_wait_start(child);
}

static void lq_accq_add_hook(struct lq_ftrace_regs *fregs)
{
	lq_accq_add((void *)lq_fregs_arg(fregs, 0), (void *)lq_fregs_arg(fregs, 2));
}

/*
 * inet_csk_complete_hashdance(sk, child, req, own_req) adds the child of a
 * completed handshake with inet_csk_reqsk_queue_add() when @own_req, and
 * the compiler may inline that call: hooked too. Where it is not inlined
 * both hooks see the child, which changes nothing: the peak is a maximum,
 * and the later start time is as good.
 */
static void lq_hashdance_hook(struct lq_ftrace_regs *fregs)
{
	if (lq_fregs_arg(fregs, 3) & 0xff)
		lq_accq_add((void *)lq_fregs_arg(fregs, 0), (void *)lq_fregs_arg(fregs, 1));
}

/*
 * inet_csk_listen_stop(sk): its callers have moved the socket out of
 * TCP_LISTEN already (__tcp_close(), tcp_disconnect()). Close the windows
 * still naming it, then release its record; lq_record_claim() gives it no
 * new one. Process context: it uses no state of its own CPU.
 */
static void lq_listen_stop_hook(struct lq_ftrace_regs *fregs)
{
	const struct sock *sk = (void *)lq_fregs_arg(fregs, 0);
	int cpu;

	smp_mb();	/* the state change before the windows: see lq_open() */
	for_each_possible_cpu(cpu) {
		struct lq_window *w = per_cpu_ptr(&lq_windows, cpu);

		if (READ_ONCE(w->sk) == sk)
			cmpxchg(&w->sk, sk, NULL);
	}
	lq_record_release(sk);
}

/*
 * The calls on every SYN and every handshake's last ACK are hooked with one
 * plain ftrace callback: no return trampoline, no saved pt_regs (but on
 * 5.10, see compat.h), no kprobe lookup; each hook needs only its
 * arguments, at entry. One ftrace_ops for all, so that switching probes off
 * waits for one set of grace periods.
 */
enum lq_hook_id {
	LQ_HOOK_SYN,
	LQ_HOOK_ACK4,
	LQ_HOOK_ACK6,
	LQ_HOOK_PROVEN,
	LQ_HOOK_LISTEN_STOP,
	LQ_HOOK_SYNCOOKIE_MSS,
	LQ_HOOK_SYNQ_ADD,
	LQ_HOOK_ACCQ_ADD,
	LQ_HOOK_HASHDANCE,
	LQ_NR_HOOKS
};

static const struct {
	const char *sym;
	unsigned long gives;		/* 0: needed by every counter */
} lq_hook_info[LQ_NR_HOOKS] = {
	[LQ_HOOK_SYN] = { "tcp_conn_request", BIT(LQ_DROP_SYNQ) | BIT(LQ_COOKIE_SYNQ) |
					      BIT(LQ_DROP_ACCQ_SYN) | BIT(LQ_DROP_QUARTER) |
					      LQ_HAVE_SYN_FILL },
	[LQ_HOOK_ACK4] = { "tcp_v4_syn_recv_sock", BIT(LQ_DROP_ACCQ_ACK) | LQ_HAVE_ACC_FILL },
	[LQ_HOOK_ACK6] = { "tcp_v6_syn_recv_sock", BIT(LQ_DROP_ACCQ_ACK) | LQ_HAVE_ACC_FILL },
	[LQ_HOOK_PROVEN] = { "tcp_peer_is_proven", BIT(LQ_DROP_QUARTER) },
	[LQ_HOOK_LISTEN_STOP] = { "inet_csk_listen_stop", 0 },
	/* BPF's syncookie helper counts like a SYN, but for no listener's SYN */
	[LQ_HOOK_SYNCOOKIE_MSS] = { "tcp_get_syncookie_mss", BIT(LQ_DROP_SYNQ) |
				    BIT(LQ_COOKIE_SYNQ) | BIT(LQ_DROP_ACCQ_SYN) },
	[LQ_HOOK_SYNQ_ADD] = { "inet_csk_reqsk_queue_hash_add", LQ_HAVE_SYN_PEAK },
	[LQ_HOOK_ACCQ_ADD] = { "inet_csk_reqsk_queue_add", LQ_HAVE_ACC_PEAK | LQ_HAVE_WAIT },
	[LQ_HOOK_HASHDANCE] = { "inet_csk_complete_hashdance", LQ_HAVE_ACC_PEAK | LQ_HAVE_WAIT },
};

static struct ftrace_ops lq_ops;
static bool lq_hooks_on;
/* Each hooked function's address as ftrace passes it, learnt on its first call. */
static unsigned long lq_hook_ip[LQ_NR_HOOKS];

static noinline notrace int lq_hook_learn(unsigned long ip)
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

/*
 * The ftrace callback. What Documentation/trace/ftrace-uses.rst asks each
 * callback to settle:
 *
 * - Recursion. It calls none of the functions it hooks, nor anything that
 *   can: per-CPU and atomic accesses, a raw spinlock, call_rcu(),
 *   queue_delayed_work_on() and printk(). It needs no recursion guard, so
 *   it asks ftrace for none, to be called straight from the trampoline:
 *   LQ_FTRACE_OPS_FLAGS carries FTRACE_OPS_FL_RECURSION_SAFE on 5.10 and
 *   leaves out FTRACE_OPS_FL_RECURSION since 5.11, which turned the flag's
 *   meaning around (compat.h).
 * - Preemption. Without ftrace's guard, preemption is as the caller left
 *   it. Every hook but the listen-stop one runs in softirq or with BH
 *   disabled (the lockless listener path of tcp_v4_rcv() and tcp_v6_rcv(),
 *   BPF's syncookie helper in tc and XDP), where this CPU's window is
 *   stable; on PREEMPT_RT such a section is migration-disabled, and the BH
 *   lock serializes it with the others of its CPU. inet_csk_listen_stop()
 *   is called in process context, preemptible: its hook uses no state of
 *   its own CPU.
 * - RCU. Every hooked function runs where RCU is watching (softirq, or a
 *   system call), so the rcu_read_lock() of the records needs no
 *   FTRACE_OPS_FL_RCU, which would add a helper call on every SYN too.
 */
static notrace void lq_hook(unsigned long ip, unsigned long parent_ip,
			    struct ftrace_ops *op, struct lq_ftrace_regs *fregs)
{
	int i;

	for (i = 0; i < LQ_NR_HOOKS; i++)
		if (READ_ONCE(lq_hook_ip[i]) == ip)
			break;
	if (unlikely(i == LQ_NR_HOOKS))
		i = lq_hook_learn(ip);
	/* Going off: windows stay closed, listeners still release records. */
	if (unlikely(!READ_ONCE(lq_windows_live)) && i != LQ_HOOK_LISTEN_STOP)
		return;
	/* Every SYN: first, not at the end of the switch's compare tree. */
	if (likely(i == LQ_HOOK_SYN)) {
		lq_syn_hook(fregs);
		return;
	}

	switch (i) {
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
	case LQ_HOOK_SYNQ_ADD:
		lq_synq_add_hook(fregs);
		break;
	case LQ_HOOK_ACCQ_ADD:
		lq_accq_add_hook(fregs);
		break;
	case LQ_HOOK_HASHDANCE:
		lq_hashdance_hook(fregs);
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

/**
 * lq_hooks_register() - hook what this kernel has
 * @nomem: set when a hook is missing for want of memory, not of a symbol
 *
 * Process context, under the parameter lock, with the records published.
 *
 * Return: the values (BIT(reason), LQ_HAVE_BACKLOG) that are then missing.
 */
unsigned long lq_hooks_register(bool *nomem)
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
		if (err == -ENOMEM) {
			*nomem = true;
			missing |= LQ_HAVE_ALL;
		} else if (err) {
			pr_warn("cannot hook %s (%d)\n", sym, err);
			missing |= lq_hook_info[i].gives ?: LQ_HAVE_ALL;
		} else {
			found++;
		}
	}
	mutex_lock(&lq_sync_lock);
	WRITE_ONCE(lq_windows_live, true);
	mutex_unlock(&lq_sync_lock);
	/* An empty filter would hook every function. */
	err = found ? register_ftrace_function(&lq_ops) : -ENOENT;
	if (err) {
		if (err == -ENOMEM)
			*nomem = true;
		else if (found)
			pr_warn("cannot register the ftrace hooks (%d)\n", err);
		WRITE_ONCE(lq_windows_live, false);
		lq_hooks_forget();
		return LQ_HAVE_ALL;
	}
	lq_hooks_on = true;
	return missing;
}

/**
 * lq_hooks_unregister() - close every window, then unhook
 *
 * Windows stop opening first, while the listen-stop hook still runs; then
 * no window names a listener and no flush is pending when the hooks go.
 * Their last drops go uncounted with the records they would have been
 * counted in. Sleeps.
 */
void lq_hooks_unregister(void)
{
	int cpu;

	if (!lq_hooks_on)
		return;
	mutex_lock(&lq_sync_lock);
	WRITE_ONCE(lq_windows_live, false);
	mutex_unlock(&lq_sync_lock);
	/* Hooks run with BH or preemption off: all now see windows shut. */
	synchronize_rcu();
	for_each_possible_cpu(cpu) {
		struct lq_window *w = per_cpu_ptr(&lq_windows, cpu);

		cancel_delayed_work_sync(&w->flush);
		WRITE_ONCE(w->sk, NULL);
	}
	unregister_ftrace_function(&lq_ops);
	lq_hooks_forget();
	lq_hooks_on = false;
}
