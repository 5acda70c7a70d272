// SPDX-License-Identifier: GPL-2.0
/*
 * listenq: the SYN and accept queues of every TCP listener, with the caps
 * the running kernel enforces on them, in /proc/listenq.
 */
#include <linux/build_bug.h>
#include <linux/cache.h>
#include <linux/module.h>
#include <net/inet_connection_sock.h>
#include <net/tcp.h>

#include "listenq.h"
#include "format.h"

struct lq_rules lq_running_rules __ro_after_init;

/* Where lq_read_rules() asks the predicates: queue length, backlog. */
struct lq_rule_point {
	u32 q, b;
};

static const struct lq_rule_point lq_rule_points[] __initconst = {
	{ 0, 0 }, { 1, 1 }, { 0, 1 }, { 2, 1 }, { 128, 128 }, { 129, 128 },
};

#define LQ_NR_POINTS	ARRAY_SIZE(lq_rule_points)

/*
 * Whether @r gives the answers @ans, '0' or '1' at each point of
 * lq_rule_points[], for the SYN queue (@synq) or the accept queue.
 */
static bool __init lq_rule_fits(const struct lq_rules *r, bool synq, const char *ans)
{
	unsigned int i;
	bool full;

	for (i = 0; i < LQ_NR_POINTS; i++) {
		u32 q = lq_rule_points[i].q, b = lq_rule_points[i].b;

		full = synq ? lq_synq_is_full(r, q, b, 0) : lq_acceptq_is_full(r, q, b);
		if (full != (ans[i] == '1'))
			return false;
	}
	return true;
}

/*
 * The SYN and accept queue tests of the running kernel, from its own code:
 * the headers' inet_csk_reqsk_queue_is_full() and sk_acceptq_is_full(),
 * compiled in here, asked about a zeroed socket at each point of
 * lq_rule_points[] (the queue's length, sk_max_ack_backlog). Length 0 with
 * backlog 0 tells >= (full) from > (not full); every other point must
 * agree with the same rule, or the module does not load.
 */
static int __init lq_read_rules(void)
{
	static const struct lq_rules ge __initconst = { LQ_SYNQ_GE, LQ_ACCEPTQ_GE };
	static const struct lq_rules gt __initconst = { LQ_SYNQ_GT, LQ_ACCEPTQ_GT };
	/* Zeroed, and freed with the rest of the module's init data. */
	static struct inet_connection_sock icsk __initdata;
	char syn[LQ_NR_POINTS + 1] = "", acc[LQ_NR_POINTS + 1] = "";
	struct sock *sk = &icsk.icsk_inet.sk;
	unsigned int i;

	for (i = 0; i < LQ_NR_POINTS; i++) {
		atomic_set(&icsk.icsk_accept_queue.qlen, lq_rule_points[i].q);
		WRITE_ONCE(sk->sk_ack_backlog, lq_rule_points[i].q);
		WRITE_ONCE(sk->sk_max_ack_backlog, lq_rule_points[i].b);
		syn[i] = inet_csk_reqsk_queue_is_full(sk) ? '1' : '0';
		acc[i] = sk_acceptq_is_full(sk) ? '1' : '0';
	}

	if (lq_rule_fits(&gt, true, syn))
		lq_running_rules.synq = LQ_SYNQ_GT;
	else if (lq_rule_fits(&ge, true, syn))
		lq_running_rules.synq = LQ_SYNQ_GE;
	else
		goto unknown;
	if (lq_rule_fits(&gt, false, acc))
		lq_running_rules.acceptq = LQ_ACCEPTQ_GT;
	else if (lq_rule_fits(&ge, false, acc))
		lq_running_rules.acceptq = LQ_ACCEPTQ_GE;
	else
		goto unknown;
	return 0;

unknown:
	pr_err("not loading: a queue test fits no rule listenq knows: at length/backlog 0/0 1/1 0/1 2/1 128/128 129/128, inet_csk_reqsk_queue_is_full() says %s and sk_acceptq_is_full() %s (>= says 110111, > 000101)\n",
	       syn, acc);
	return -EINVAL;
}

static int __init lq_init(void)
{
	int err;

	/* lq_defer_accept_secs() hard-codes retrans_to_secs()'s arguments. */
	BUILD_BUG_ON(TCP_TIMEOUT_INIT != 1 * HZ || TCP_RTO_MAX != 120 * HZ);

	err = lq_read_rules();
	if (err)
		return err;
	lq_fmt_init();
	err = lq_params_init();
	if (err)
		return err;
	err = lq_proc_init();
	if (err) {
		pr_err("cannot create /proc/net/listenq: %d\n", err);
		lq_params_exit();
		return err;
	}
	pr_info("version %s loaded; SYN queue full when qlen %s backlog\n",
		LISTENQ_VERSION, lq_kernel_rules()->synq == LQ_SYNQ_GT ? ">" : ">=");
	return 0;
}

static void __exit lq_exit(void)
{
	lq_proc_exit();
	lq_params_exit();
}

module_init(lq_init);
module_exit(lq_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("The listenq authors");
MODULE_DESCRIPTION("Per-listener TCP SYN and accept queue state in /proc/listenq");
MODULE_VERSION(LISTENQ_VERSION);
