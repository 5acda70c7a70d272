/* SPDX-License-Identifier: GPL-2.0 */
/* Internal interfaces between the listenq module's files. */
#ifndef _LQ_LISTENQ_H
#define _LQ_LISTENQ_H

#include <linux/bits.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/limits.h>
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

/* Why a connection attempt was refused; each is a /proc/listenq column. */
enum lq_reason {
	LQ_DROP_SYNQ,		/* SYN dropped: SYN queue full, cookies off */
	LQ_COOKIE_SYNQ,		/* SYN answered with a cookie instead of queued */
	LQ_DROP_ACCQ_SYN,	/* SYN dropped: accept queue full */
	LQ_DROP_ACCQ_ACK,	/* third ACK dropped or reset: accept queue full */
	LQ_DROP_QUARTER,	/* SYN dropped by the tcp_max_syn_backlog quarter rule */
	LQ_EXPIRED,		/* SYN_RECV request expired after its SYN-ACK retries */
	LQ_NR_REASONS
};

/* lq_row.have: which probe values exist (none while probes are off). */
#define LQ_HAVE_BACKLOG		BIT(LQ_NR_REASONS)
/* lq_row.backlog when listen() was not seen: any int is a valid backlog. */
#define LQ_NO_BACKLOG		INT_MIN

/* An IPv4 or IPv6 address and port, for %pISpc. */
union lq_sockaddr {
	struct sockaddr sa;
	struct sockaddr_in v4;
	struct sockaddr_in6 v6;
};

/* One listener, copied under its bucket lock and printed after it. */
struct lq_row {
	union lq_sockaddr local;
	unsigned long ino;
	kuid_t uid;
	u32 acc_q, acc_max;
	u32 syn_q, syn_young;
	u32 drops;
	u32 tfo_q, tfo_max;
	s32 reuseport_id;		/* -1: not in a reuseport group */
	u8 defer_accept;		/* SYN-ACK retransmits, as the kernel keeps it */
	unsigned long have;		/* BIT(reason) and LQ_HAVE_BACKLOG */
	unsigned long count[LQ_NR_REASONS];
	int backlog;			/* listen()'s argument before the clamp */
};

/* Where a batched walk of the listening hash resumes. */
struct lq_cursor {
	unsigned int bucket;
	unsigned int skip;		/* rows of @bucket already returned */
};

void lq_sk_sockaddr(const struct sock *sk, union lq_sockaddr *sa);
void lq_read_conf(const struct net *net, struct lq_conf *conf);
unsigned int lq_walk(struct net *net, struct lq_cursor *cur,
		     struct lq_row *rows, unsigned int max);

int lq_probes_init(void);
void lq_probes_exit(void);
void lq_probes_read(const struct sock *sk, struct lq_row *row);
void lq_probes_sync(void);

int lq_proc_init(void);
void lq_proc_exit(void);

#endif /* _LQ_LISTENQ_H */
