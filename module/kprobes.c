// SPDX-License-Identifier: GPL-2.0
/*
 * The probes off the path of every SYN, where a kprobe's cost is fine:
 * listen(), whose own backlog argument and start of listening the records
 * keep; accept(), which ends a connection's wait in the accept queue; the
 * request timer, whose expiries are a drop reason (their handlers are in
 * expire.c); and the tcp:tcp_retransmit_synack tracepoint (synack.c).
 * This file registers them all.
 */
#include <linux/hash.h>
#include <linux/kprobes.h>
#include <linux/sched.h>
#include <net/inet_connection_sock.h>
#include <net/request_sock.h>
#include <net/sock.h>

#include "listenq.h"

static void *lq_arg(struct pt_regs *regs, unsigned int n)
{
	return (void *)regs_get_kernel_argument(regs, n);
}
NOKPROBE_SYMBOL(lq_arg);

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
NOKPROBE_SYMBOL(lq_sys_listen_pre);

static int lq_stash_take(void)
{
	unsigned int i = hash_ptr(current, LQ_STASH_BITS);

	if (READ_ONCE(lq_stash[i].task) != current)
		return LQ_NO_BACKLOG;
	WRITE_ONCE(lq_stash[i].task, NULL);
	return READ_ONCE(lq_stash[i].backlog);
}
NOKPROBE_SYMBOL(lq_stash_take);

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
NOKPROBE_SYMBOL(lq_listen_entry);

static int lq_listen_return(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct lq_listen_data *d = (void *)ri->data;
	int backlog = lq_stash_take();

	if (!regs_return_value(regs))
		lq_record_listen(d->sk, !d->was_listening, backlog);
	return 0;
}
NOKPROBE_SYMBOL(lq_listen_return);

/*
 * Where security_sock_graft() cannot be hooked (hooks.c): inet_csk_accept()
 * returns the child it took off the accept queue (reqsk_queue_remove()),
 * or NULL: the end of that child's wait. Each thread blocked in it holds
 * an instance, and there are at most KRETPROBE_MAXACTIVE_MAX: a call that
 * finds none is not followed (the kretprobe's nmissed).
 *
 * Which calls those are, and on which listener, a plain kprobe on the same
 * function tells: probes at one address run one after the other in one
 * hit, newest first (add_new_kprobe() puts each at the head of the list
 * that aggr_pre_handler() walks), and the kretprobe is registered after the
 * kprobe. The kretprobe's entry handler, which runs only for a call that
 * got an instance, marks the CPU; the kprobe then counts the call in the
 * listener's wait_missed unless it finds the mark. Handlers run with
 * preemption disabled: the mark is the same call's.
 */
static DEFINE_PER_CPU(bool, lq_accept_followed);

static int lq_accept_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	__this_cpu_write(lq_accept_followed, true);
	return 0;
}
NOKPROBE_SYMBOL(lq_accept_entry);

static int lq_accept_call(struct kprobe *p, struct pt_regs *regs)
{
	if (__this_cpu_read(lq_accept_followed))
		__this_cpu_write(lq_accept_followed, false);
	else if (((struct sock *)lq_arg(regs, 0))->sk_protocol == IPPROTO_TCP)
		lq_count_event(lq_arg(regs, 0), LQ_C_WAIT_MISSED);
	return 0;
}
NOKPROBE_SYMBOL(lq_accept_call);

static int lq_accept_return(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	const struct sock *child = (void *)regs_return_value(regs);

	if (child)
		lq_wait_end(child);
	return 0;
}
NOKPROBE_SYMBOL(lq_accept_return);

static struct kprobe lq_accept_kprobe;
static bool lq_accept_kprobe_on;

/* register_kretprobe() refuses more (-E2BIG) since 5.17; older kernels too many. */
#ifndef KRETPROBE_MAXACTIVE_MAX
#define KRETPROBE_MAXACTIVE_MAX	4096
#endif

#define LQ_KRETPROBE(sym, entry, ret, type)			\
	{ .kp.symbol_name = sym, .entry_handler = entry,	\
	  .handler = ret, .data_size = sizeof(type) }

enum {
	LQ_KRP_LISTEN,
	LQ_KRP_EXPIRE,
	LQ_KRP_ACCEPT,
	/* LQ_KRP_EXPIRE's stand-in; unregistered first, so no mark outlives it */
	LQ_KRP_UNLINK,
	LQ_KRP_TIMER,
	LQ_NR_KRP
};

static struct kretprobe lq_kretprobes[LQ_NR_KRP] = {
	[LQ_KRP_LISTEN] = LQ_KRETPROBE("inet_listen", lq_listen_entry, lq_listen_return,
				       struct lq_listen_data),
	[LQ_KRP_EXPIRE] = LQ_KRETPROBE("__inet_csk_reqsk_queue_drop", lq_expire_entry,
				       lq_expire_return, struct lq_expire_data),
	[LQ_KRP_ACCEPT] = LQ_KRETPROBE("inet_csk_accept", lq_accept_entry, lq_accept_return, char),
	[LQ_KRP_TIMER] = LQ_KRETPROBE("reqsk_timer_handler", lq_timer_entry, lq_timer_return,
				      char),
	[LQ_KRP_UNLINK] = LQ_KRETPROBE("reqsk_queue_unlink", lq_unlink_entry, lq_expire_return,
				       struct lq_expire_data),
};

/* What each kretprobe above provides; 0: needed by every counter. */
static const unsigned long lq_kretprobe_gives[LQ_NR_KRP] = {
	[LQ_KRP_LISTEN] = 0,
	[LQ_KRP_EXPIRE] = BIT(LQ_EXPIRED),
	[LQ_KRP_ACCEPT] = LQ_HAVE_WAIT,
	[LQ_KRP_TIMER] = BIT(LQ_EXPIRED),
	[LQ_KRP_UNLINK] = BIT(LQ_EXPIRED),
};

static const char * const lq_kretprobe_what[LQ_NR_KRP] = {
	[LQ_KRP_LISTEN] = "listen() backlogs",
	[LQ_KRP_EXPIRE] = "expired requests",
	[LQ_KRP_ACCEPT] = "accept() waits (wait_missed)",
	[LQ_KRP_TIMER] = "expired requests",
	[LQ_KRP_UNLINK] = "expired requests",
};

static struct kprobe lq_kprobes[] = {
	{ .symbol_name = "__sys_listen", .pre_handler = lq_sys_listen_pre },
};

static const unsigned long lq_kprobe_gives[ARRAY_SIZE(lq_kprobes)] = {
	LQ_HAVE_BACKLOG,
};

static bool lq_kretprobe_on[LQ_NR_KRP];
static bool lq_kprobe_on[ARRAY_SIZE(lq_kprobes)];

/* Register lq_kretprobes[@i]: 0, or the error, which is logged but -ENOMEM. */
static int lq_kretprobe_register(int i, bool *nomem)
{
	struct kretprobe *rp = &lq_kretprobes[i];
	const char *sym = rp->kp.symbol_name;
	int err;

	/* Forget what an earlier registration filled in. */
	memset(&rp->kp, 0, sizeof(rp->kp));
	rp->kp.symbol_name = sym;
	rp->nmissed = 0;
	/* Each thread blocked in accept() holds an instance. */
	rp->maxactive = i == LQ_KRP_ACCEPT ? KRETPROBE_MAXACTIVE_MAX : 4 * num_possible_cpus();
	err = register_kretprobe(rp);
	lq_kretprobe_on[i] = !err;
	if (err == -ENOMEM)
		*nomem = true;
	return err;
}

/*
 * The accept() waits where security_sock_graft() is not hooked: the kprobe
 * that counts the calls not followed, then the kretprobe (see
 * lq_accept_entry()); a call between the two is one not followed. Return:
 * the values then missing.
 */
static unsigned long lq_accept_register(bool *nomem)
{
	struct kprobe *kp = &lq_accept_kprobe;
	int err, cpu;

	for_each_possible_cpu(cpu)
		per_cpu(lq_accept_followed, cpu) = false;
	memset(kp, 0, sizeof(*kp));
	kp->symbol_name = lq_kretprobes[LQ_KRP_ACCEPT].kp.symbol_name;
	kp->pre_handler = lq_accept_call;
	err = register_kprobe(kp);
	if (!err) {
		err = lq_kretprobe_register(LQ_KRP_ACCEPT, nomem);
		if (err)
			unregister_kprobe(kp);
		else
			lq_accept_kprobe_on = true;
	}
	if (err == -ENOMEM) {
		*nomem = true;
		return LQ_HAVE_ALL;
	}
	if (err) {
		pr_warn("cannot probe %s (%d)\n", kp->symbol_name, err);
		return LQ_HAVE_WAIT;
	}
	pr_info("accept() waits end at an %s return probe: at most %d accept() calls at a time are followed, the others count in wait_missed\n",
		kp->symbol_name, KRETPROBE_MAXACTIVE_MAX);
	return 0;
}

/*
 * The expired requests: __inet_csk_reqsk_queue_drop(), or where this kernel
 * has none, reqsk_timer_handler() and reqsk_queue_unlink() (see
 * lq_timer_req). Return: the values then missing.
 */
static unsigned long lq_expire_register(bool *nomem)
{
	int err;

	err = lq_kretprobe_register(LQ_KRP_EXPIRE, nomem);
	if (err != -ENOENT)
		goto out;
	lq_timer_reset();
	err = lq_kretprobe_register(LQ_KRP_UNLINK, nomem);
	if (!err)
		err = lq_kretprobe_register(LQ_KRP_TIMER, nomem);
	if (!err) {
		pr_info("no __inet_csk_reqsk_queue_drop: expired requests counted by reqsk_queue_unlink() in reqsk_timer_handler()\n");
		return 0;
	}
	if (lq_kretprobe_on[LQ_KRP_UNLINK]) {
		unregister_kretprobe(&lq_kretprobes[LQ_KRP_UNLINK]);
		lq_kretprobe_on[LQ_KRP_UNLINK] = false;
	}
	if (err != -ENOMEM)
		pr_warn("cannot probe __inet_csk_reqsk_queue_drop (-ENOENT), nor reqsk_timer_handler and reqsk_queue_unlink (%d): no expired requests\n",
			err);
	return BIT(LQ_EXPIRED);
out:
	if (err == -ENOMEM)
		return LQ_HAVE_ALL;
	if (err) {
		pr_warn("cannot probe %s (%d)\n", lq_kretprobes[LQ_KRP_EXPIRE].kp.symbol_name, err);
		return BIT(LQ_EXPIRED);
	}
	return 0;
}

/**
 * lq_kprobes_register() - probe what this kernel has
 * @nomem: set when a probe is missing for want of memory, not of a symbol
 *
 * Process context, under the parameter lock, with the records published.
 *
 * Return: the values (BIT(reason), LQ_HAVE_BACKLOG) that are then missing.
 */
unsigned long lq_kprobes_register(bool *nomem)
{
	unsigned long missing = 0;
	int i, err;

	for (i = 0; i < LQ_NR_KRP; i++) {
		if (i == LQ_KRP_EXPIRE) {
			missing |= lq_expire_register(nomem);
			continue;
		}
		if (i == LQ_KRP_TIMER || i == LQ_KRP_UNLINK)
			continue;
		if (i == LQ_KRP_ACCEPT) {
			if (!lq_graft_hooked)
				missing |= lq_accept_register(nomem);
			continue;
		}
		err = lq_kretprobe_register(i, nomem);
		if (err == -ENOMEM) {
			missing |= LQ_HAVE_ALL;
		} else if (err) {
			pr_warn("cannot probe %s (%d)\n", lq_kretprobes[i].kp.symbol_name, err);
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
		if (err == -ENOMEM) {
			*nomem = true;
			missing |= LQ_HAVE_ALL;
		} else if (err) {
			pr_warn("cannot probe %s (%d)\n", sym, err);
			missing |= lq_kprobe_gives[i] ?: LQ_HAVE_ALL;
		}
	}
	err = lq_synack_register();
	if (err == -ENOMEM) {
		*nomem = true;
		missing |= LQ_HAVE_ALL;
	} else if (err) {
		pr_warn("cannot attach to tcp:tcp_retransmit_synack (%d)\n", err);
		missing |= LQ_HAVE_SYNACK_RETRANS;
	}
	return missing;
}

/* Unregister what lq_kprobes_register() registered; says what was missed. */
void lq_kprobes_unregister(void)
{
	int i;

	for (i = 0; i < LQ_NR_KRP; i++) {
		struct kretprobe *rp = &lq_kretprobes[i];

		if (!lq_kretprobe_on[i])
			continue;
		unregister_kretprobe(rp);
		lq_kretprobe_on[i] = false;
		if (rp->nmissed)
			pr_warn("%s: %d calls missed: as many %s not counted\n",
				rp->kp.symbol_name, rp->nmissed,
				lq_kretprobe_what[i]);
	}
	/* After the accept kretprobe: a call between counts as not followed. */
	if (lq_accept_kprobe_on)
		unregister_kprobe(&lq_accept_kprobe);
	lq_accept_kprobe_on = false;
	for (i = 0; i < ARRAY_SIZE(lq_kprobes); i++) {
		if (lq_kprobe_on[i])
			unregister_kprobe(&lq_kprobes[i]);
		lq_kprobe_on[i] = false;
	}
	lq_synack_unregister();
}
