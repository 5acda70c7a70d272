// SPDX-License-Identifier: GPL-2.0
/*
 * The ftrace hooks on every SYN and every handshake's last ACK, and on the
 * calls that add to a listener's queues or stop it. They attribute drops
 * through the per-CPU windows of windows.h.
 */
#include <linux/ftrace.h>
#include <linux/kallsyms.h>
#include <net/inet_connection_sock.h>
#include <net/tcp.h>

#include "windows.h"

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
	lq_wait_start(sk, child);
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

	lq_windows_forget(sk);
	lq_record_release(sk);
}

/*
 * security_sock_graft(child, newsock): sock_graft() from inet_accept() (or
 * __inet_accept() since 6.10) once accept() has the child, after the wait;
 * an entry hook holds nothing while a thread blocks, as a kretprobe on
 * inet_csk_accept() would. Other families graft too: only a child whose
 * wait slot names it counts (lq_wait_end()). Process context.
 */
static void lq_graft_hook(struct lq_ftrace_regs *fregs)
{
	lq_wait_end((void *)lq_fregs_arg(fregs, 0));
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
	LQ_HOOK_GRAFT,
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
	/* Without it (no CONFIG_SECURITY_NETWORK), kprobes.c's inet_csk_accept() */
	[LQ_HOOK_GRAFT] = { "security_sock_graft", 0 },
};

bool lq_graft_hooked;

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
 *   and security_sock_graft() are called in process context, preemptible:
 *   their hooks use no state of their own CPU.
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
	case LQ_HOOK_GRAFT:
		lq_graft_hook(fregs);
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
	bool graft = false;
	int i, err, found = 0;

	lq_graft_hooked = false;
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
		} else if (err && i == LQ_HOOK_GRAFT) {
			pr_info("cannot hook %s (%d)\n", sym, err);
		} else if (err) {
			pr_warn("cannot hook %s (%d)\n", sym, err);
			missing |= lq_hook_info[i].gives ?: LQ_HAVE_ALL;
		} else {
			found++;
			graft |= i == LQ_HOOK_GRAFT;
		}
	}
	lq_windows_start();
	/* An empty filter would hook every function. */
	err = found ? register_ftrace_function(&lq_ops) : -ENOENT;
	if (err) {
		if (err == -ENOMEM)
			*nomem = true;
		else if (found)
			pr_warn("cannot register the ftrace hooks (%d)\n", err);
		lq_windows_stop();
		lq_hooks_forget();
		return LQ_HAVE_ALL;
	}
	lq_hooks_on = true;
	lq_graft_hooked = graft;
	return missing;
}

/**
 * lq_hooks_unregister() - close every window, then unhook
 *
 * Sleeps.
 */
void lq_hooks_unregister(void)
{
	if (!lq_hooks_on)
		return;
	lq_windows_stop();
	unregister_ftrace_function(&lq_ops);
	lq_hooks_forget();
	lq_hooks_on = false;
	lq_graft_hooked = false;
}
