// SPDX-License-Identifier: GPL-2.0
/*
 * listenq: the SYN and accept queues of every TCP listener, with the caps
 * the running kernel enforces on them, in /proc/listenq.
 */
#include <linux/build_bug.h>
#include <linux/module.h>
#include <net/tcp.h>

#include "listenq.h"

static int __init lq_init(void)
{
	int err;

	/* lq_defer_accept_secs() hard-codes retrans_to_secs()'s arguments. */
	BUILD_BUG_ON(TCP_TIMEOUT_INIT != 1 * HZ || TCP_RTO_MAX != 120 * HZ);

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
