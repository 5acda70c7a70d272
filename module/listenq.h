/* SPDX-License-Identifier: GPL-2.0 */
/* Internal interfaces between the listenq module's files. */
#ifndef _LQ_LISTENQ_H
#define _LQ_LISTENQ_H

#include <linux/in6.h>
#include <linux/types.h>
#include <linux/uidgid.h>
#include <net/net_namespace.h>

#include <listenq/abi.h>
#include <listenq/model.h>

/* The running kernel's predicates, as module/compat.kbuild read them. */
static inline const struct lq_rules *lq_kernel_rules(void)
{
	static const struct lq_rules rules = {
		.synq = LQ_PROBED_SYNQ_RULE,
		.acceptq = LQ_PROBED_ACCEPTQ_RULE,
	};

	return &rules;
}

/* A namespace's sysctls that feed the caps, read together. */
struct lq_conf {
	int somaxconn;
	int max_syn_backlog;
	u8 syncookies;
	u8 abort_on_overflow;
	u8 synack_retries;
};

/* One listener, copied under its bucket lock and printed after it. */
struct lq_row {
	struct in6_addr addr;		/* IPv4: addr.s6_addr32[3] */
	unsigned long ino;
	kuid_t uid;
	u32 acc_q, acc_max;
	u32 syn_q, syn_young;
	u32 drops;
	u32 tfo_q, tfo_max;
	s32 reuseport_id;		/* -1: not in a reuseport group */
	u16 family, port;
	u8 defer_accept;		/* SYN-ACK retransmits, as the kernel keeps it */
};

/* Where a batched walk of the listening hash resumes. */
struct lq_cursor {
	unsigned int bucket;
	unsigned int skip;		/* rows of @bucket already returned */
};

void lq_read_conf(const struct net *net, struct lq_conf *conf);
unsigned int lq_walk(struct net *net, struct lq_cursor *cur,
		     struct lq_row *rows, unsigned int max);

int lq_proc_init(void);
void lq_proc_exit(void);

#endif /* _LQ_LISTENQ_H */
