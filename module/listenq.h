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
#include <net/sock.h>

#include <listenq/abi.h>
#include <listenq/model.h>

/* main.c: the running kernel's queue predicates, asked at load (lq_read_rules()) */
extern struct lq_rules lq_running_rules;

static inline const struct lq_rules *lq_kernel_rules(void)
{
	return &lq_running_rules;
}

/* A namespace's sysctls that feed the caps, read together. */
struct lq_conf {
	int somaxconn;
	int max_syn_backlog;
	u8 syncookies;
	u8 abort_on_overflow;
	u8 synack_retries;
};

static inline void lq_read_conf(const struct net *net, struct lq_conf *conf)
{
	conf->somaxconn = READ_ONCE(net->core.sysctl_somaxconn);
	conf->max_syn_backlog = READ_ONCE(net->ipv4.sysctl_max_syn_backlog);
	conf->syncookies = READ_ONCE(net->ipv4.sysctl_tcp_syncookies);
	conf->abort_on_overflow = READ_ONCE(net->ipv4.sysctl_tcp_abort_on_overflow);
	conf->synack_retries = READ_ONCE(net->ipv4.sysctl_tcp_synack_retries);
}

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
#define LQ_HAVE_SYN_PEAK	BIT(LQ_NR_REASONS + 1)
#define LQ_HAVE_ACC_PEAK	BIT(LQ_NR_REASONS + 2)
#define LQ_HAVE_SYNACK_RETRANS	BIT(LQ_NR_REASONS + 3)
#define LQ_HAVE_SYN_FILL	BIT(LQ_NR_REASONS + 4)
#define LQ_HAVE_ACC_FILL	BIT(LQ_NR_REASONS + 5)
#define LQ_HAVE_WAIT		BIT(LQ_NR_REASONS + 6)
#define LQ_HAVE_ALL		GENMASK(LQ_NR_REASONS + 6, 0)
/* lq_row.backlog when listen() was not seen: any int is a valid backlog. */
#define LQ_NO_BACKLOG		INT_MIN

/* An IPv4 or IPv6 address and port, for %pISpc. */
union lq_sockaddr {
	struct sockaddr sa;
	struct sockaddr_in v4;
	struct sockaddr_in6 v6;
};

/* The local address and port of @sk. */
static inline void lq_sk_sockaddr(const struct sock *sk, union lq_sockaddr *sa)
{
	memset(sa, 0, sizeof(*sa));
#if IS_ENABLED(CONFIG_IPV6)
	if (sk->sk_family == AF_INET6) {
		sa->v6.sin6_family = AF_INET6;
		sa->v6.sin6_port = htons(sk->sk_num);
		sa->v6.sin6_addr = sk->sk_v6_rcv_saddr;
		return;
	}
#endif
	sa->v4.sin_family = AF_INET;
	sa->v4.sin_port = htons(sk->sk_num);
	sa->v4.sin_addr.s_addr = sk->sk_rcv_saddr;
}

/*
 * The counters of a listener's record (records.h), in one array: reset to 0
 * when its listener starts listening, only ever added to, copied whole
 * into a row and printed in the row's order. The first LQ_NR_ROW_COUNTERS
 * are columns of /proc/listenq, the others of /proc/listenq_hist, in the
 * order of its columns (enum lq_hist_column) but wait_count, their sum.
 * lq_counter_needs() says which probe each needs.
 */
enum lq_counter {
	/* LQ_DROP_SYNQ ... LQ_EXPIRED: the drops, by enum lq_reason */
	LQ_C_SYNACK_RETRANS = LQ_NR_REASONS,
	LQ_NR_ROW_COUNTERS,
	LQ_C_SYN_FILL = LQ_NR_ROW_COUNTERS,		/* LQ_NR_FILL buckets */
	LQ_C_ACC_FILL = LQ_C_SYN_FILL + LQ_NR_FILL,	/* LQ_NR_FILL buckets */
	LQ_C_WAIT_SUM_NS = LQ_C_ACC_FILL + LQ_NR_FILL,
	LQ_C_WAIT,					/* LQ_NR_WAIT buckets */
	LQ_C_SYN_FILL_SUM = LQ_C_WAIT + LQ_NR_WAIT,	/* lq_fill_sum_term()s */
	LQ_C_ACC_FILL_SUM,
	LQ_C_WAIT_MISSED,				/* accept() calls no probe followed */
	LQ_NR_COUNTERS
};

/* The probe a counter needs (a BIT(reason) or LQ_HAVE_*): "-" without it. */
static inline unsigned long lq_counter_needs(unsigned int c)
{
	if (c < LQ_NR_REASONS)
		return BIT(c);
	if (c == LQ_C_SYNACK_RETRANS)
		return LQ_HAVE_SYNACK_RETRANS;
	if ((c >= LQ_C_SYN_FILL && c < LQ_C_ACC_FILL) || c == LQ_C_SYN_FILL_SUM)
		return LQ_HAVE_SYN_FILL;
	if ((c >= LQ_C_ACC_FILL && c < LQ_C_WAIT_SUM_NS) || c == LQ_C_ACC_FILL_SUM)
		return LQ_HAVE_ACC_FILL;
	return LQ_HAVE_WAIT;
}

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
	unsigned long have;		/* BIT(reason) and LQ_HAVE_* */
	u64 c[LQ_NR_ROW_COUNTERS];	/* enum lq_counter */
	u32 syn_peak, acc_peak;
	int backlog;			/* listen()'s argument before the clamp */
};

/* One listener's histograms, for /proc/listenq_hist. */
struct lq_hist_row {
	union lq_sockaddr local;
	unsigned long ino;
	unsigned long have;		/* LQ_HAVE_{SYN,ACC}_FILL, LQ_HAVE_WAIT */
	u64 c[LQ_NR_COUNTERS];		/* from LQ_NR_ROW_COUNTERS on */
};

/* What lq_walk() copies of each listener. */
enum lq_view {
	LQ_VIEW_QUEUES,			/* struct lq_row */
	LQ_VIEW_HIST,			/* struct lq_hist_row */
};

/* Where a batched walk of the listening hash resumes. */
struct lq_cursor {
	unsigned int bucket;
	unsigned int skip;		/* rows of @bucket already returned */
};

struct request_sock;
struct lq_record;

/* walk.c: the listening hash, row by row */
unsigned int lq_walk(struct net *net, struct lq_cursor *cur, enum lq_view view,
		     void *rows, unsigned int max);

/* proc.c: the files */
int lq_proc_init(void);
void lq_proc_exit(void);

/* params.c: the module parameters; switching probes on and off */
int lq_params_init(void);
void lq_params_exit(void);

/* records.c: the per-listener records */
int lq_records_create(unsigned int size);
void lq_records_destroy(void);
int lq_records_set_available(unsigned long have);
void lq_records_read(const struct sock *sk, struct lq_row *row);
void lq_records_read_hist(const struct sock *sk, struct lq_hist_row *row);
void lq_record_listen(const struct sock *sk, bool fresh, int backlog);
void lq_record_release(const struct sock *sk);
void lq_late_start(void);
void lq_late_stop(void);
void lq_count_drop(const struct sock *sk, enum lq_reason why, const char *action,
		   const union lq_sockaddr *peer);
void lq_note_queued(const struct sock *sk, bool syn, u32 len);
void lq_count_event(const struct sock *sk, enum lq_counter c);

/* waits.c: the wait for accept() */
void lq_wait_start(const struct sock *sk, const struct sock *child);
void lq_wait_end(const struct sock *child);

/* droplog.c: the drop log */
extern unsigned int lq_drop_log;

void lq_req_peer(const struct request_sock *req, union lq_sockaddr *peer);
void lq_skb_peer(const struct sk_buff *skb, union lq_sockaddr *peer);
void lq_drop_log_init(void);
void lq_drop_log_set_rate(unsigned int lines);

/*
 * The longest row: /proc/listenq_hist's, a bracketed IPv6 address with an
 * IPv4 tail and a port (53 bytes), then each column as a blank and at most
 * 20 digits, and the newline; and LQ_FMT_FIELD bytes past its end, which
 * the writers of format.h may blank.
 */
#define LQ_LINE_MAX	1088

/* windows.c: the per-CPU windows through which hooks attribute drops */
void lq_windows_init(void);
void lq_windows_sync(const struct net *net);
void lq_windows_start(void);
void lq_windows_stop(void);
void lq_windows_forget(const struct sock *sk);

/* hooks.c: the ftrace hooks */
unsigned long lq_hooks_register(bool *nomem);
/* security_sock_graft() hooked: accept() waits need no kretprobe */
extern bool lq_graft_hooked;
void lq_hooks_unregister(void);

/* kprobes.c: listen(), accept(), the request timer and SYN-ACK retransmits */
unsigned long lq_kprobes_register(bool *nomem);
void lq_kprobes_unregister(void);

/* expire.c: the kretprobe handlers that count expired requests */
struct kretprobe_instance;
struct pt_regs;
struct lq_expire_data {
	const struct sock *sk;
	union lq_sockaddr peer;
};

void lq_timer_reset(void);
int lq_expire_entry(struct kretprobe_instance *ri, struct pt_regs *regs);
int lq_expire_return(struct kretprobe_instance *ri, struct pt_regs *regs);
int lq_timer_entry(struct kretprobe_instance *ri, struct pt_regs *regs);
int lq_timer_return(struct kretprobe_instance *ri, struct pt_regs *regs);
int lq_unlink_entry(struct kretprobe_instance *ri, struct pt_regs *regs);

/* synack.c: the tcp:tcp_retransmit_synack tracepoint */
int lq_synack_register(void);
void lq_synack_unregister(void);

#endif /* _LQ_LISTENQ_H */
