/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Facts of the running kernel that the tests' expectations depend on,
 * measured here, by what the kernel does, rather than taken from the
 * module, the model (include/listenq/model.h) or a version number: a point
 * release of one line may test its SYN queue with >= (5.10.223) or with >
 * (5.10.262), and that decides every SYN queue cap, and the accept queue's
 * too when tcp_syncookies=0 and the backlog is 0.
 *
 * Each measurement runs in a child process, in a network namespace of its
 * own, so the calling test's namespace, its counters and its listeners are
 * left alone.
 *
 * An answer is a fact of the running kernel for that configuration, so it
 * is measured once per boot: the first measurement of a configuration keeps
 * its answer in $LQ_KFACTS_DIR (default /tmp/lq-kfacts)/<boot_id>/<key>
 * (written whole under another name, then renamed), and later calls, from
 * this test or any later one, read it there. Errors are never kept.
 * LQ_KFACTS_CACHE=0 measures every time.
 */
#ifndef LQ_KFACTS_H
#define LQ_KFACTS_H

#include <stdbool.h>

/* A listener and its namespace's sysctls; 0 for somaxconn/max_syn_backlog: the default. */
struct lq_cap_conf {
	int family;
	int backlog;		/* listen()'s argument */
	int somaxconn;
	int syncookies;
	int max_syn_backlog;
};

/*
 * The SYN queue cap: the most requests a listener of @c holds, as raw SYNs
 * from distinct sources (LQ_SYN_NET4/6, routed to lo, so they stay in
 * SYN_RECV) find it: SYN_RECV rows of /proc/net/tcp{,6} once every SYN was
 * queued, answered with a cookie (TCPReqQFullDoCookies) or dropped
 * (ListenDrops). The cap or -errno; -EOVERFLOW if every SYN sent was queued.
 */
int lq_measure_syn_cap(const struct lq_cap_conf *c);

/*
 * The accept queue cap: real loopback clients, one at a time, until one's
 * SYN is dropped (ListenDrops); the children accept() then finds. The cap
 * or -errno; -EOVERFLOW if no client was refused.
 */
int lq_measure_acc_cap(const struct lq_cap_conf *c);

/*
 * Whether the SYN queue is full at qlen > backlog (1) or qlen >= backlog
 * (0): a listen(fd, 2) with cookies on, measured once per process. -errno
 * if the measurement failed or fits neither.
 */
int lq_synq_gt(void);

/*
 * /proc/kallsyms lists a symbol of the kernel image (not of a module) named
 * exactly @name (1), not (0), or -errno; kept for the boot as above.
 */
int lq_kallsyms_has(const char *name);

/*
 * Whether the kernel has what the module's `expired` counter probes:
 * __inet_csk_reqsk_queue_drop(), called with from_timer when a request's
 * SYN-ACK retries ran out. 5.10.223 has no such function (its timer calls
 * inet_csk_reqsk_queue_drop_and_put()); there the module may count
 * expiries another way or print "-".
 */
bool lq_kernel_has_expire_fn(void);

#endif /* LQ_KFACTS_H */
