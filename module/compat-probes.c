// SPDX-License-Identifier: GPL-2.0
/*
 * Compile tests of the kernel headers the module builds against. Not part
 * of the module: module/compat-probe.sh compiles this file with the
 * kernel's own compiler and flags, and module/compat.kbuild passes
 * -D<name> to the module's build for each "#ifdef <name>" section below
 * that compiles. include/listenq/compat.h turns them into code, or into an
 * #error naming what is missing. The sections compile together, and each
 * must stand alone: its own includes, its own names.
 *
 * Each section compiles the expression compat.h will use, so it asks what
 * the compiler sees, whatever the spelling: a macro, an inline function, a
 * declaration, a config-dependent definition on any architecture.
 */
#include <linux/build_bug.h>

/*
 * The listening table, lhash2: since cae3873c5b3a (5.19) every TCP listener
 * is on one of its nulls lists, through sk_nulls_node.
 */
#ifdef LQ_HAVE_LHASH2_NULLS
#include <net/inet_hashtables.h>
static_assert(__same_type(((struct inet_hashinfo *)0)->lhash2->nulls_head,
			  struct hlist_nulls_head));
static_assert(__same_type(((struct inet_hashinfo *)0)->lhash2_mask, unsigned int));
#endif

/*
 * Before cae3873c5b3a, lhash2 holds every TCP listener too, on a plain
 * hlist through icsk_listen_portaddr_node, under its bucket's lock: a table
 * sized with the machine (listening_hash has 32 buckets, whose chains a
 * walk that resumes mid-chain re-skips).
 */
#ifdef LQ_HAVE_LHASH2_PORTADDR
#include <net/inet_connection_sock.h>
#include <net/inet_hashtables.h>
static_assert(__same_type(((struct inet_hashinfo *)0)->lhash2->head, struct hlist_head));
static_assert(__same_type(((struct inet_connection_sock *)0)->icsk_listen_portaddr_node,
			  struct hlist_node));
static_assert(__same_type(((struct inet_hashinfo *)0)->lhash2_mask, unsigned int));
#endif

/*
 * The namespace's hashinfo pointer, in tcp_death_row: embedded, a pointer
 * since fbb8295248e1 (5.17), embedded again since e9bd0cca09d1 (6.1).
 */
#ifdef LQ_HAVE_DEATH_ROW
#include <net/net_namespace.h>
static_assert(__same_type(((struct net *)0)->ipv4.tcp_death_row.hashinfo,
			  struct inet_hashinfo *));
#endif

#ifdef LQ_HAVE_DEATH_ROW_PTR
#include <net/net_namespace.h>
static_assert(__same_type(((struct net *)0)->ipv4.tcp_death_row->hashinfo,
			  struct inet_hashinfo *));
#endif

/* sk_uid() replaced sock_i_uid(), gone on 7.x. */
#ifdef LQ_HAVE_SK_UID
#include <net/sock.h>
static inline kuid_t lq_has_sk_uid(const struct sock *sk)
{
	return sk_uid(sk);
}
#endif

/* The socket's inode number kept in the sock, read without a lock (7.x). */
#ifdef LQ_HAVE_SK_INO
#include <net/sock.h>
static_assert(__same_type(((struct sock *)0)->sk_ino, u64));
static inline u64 lq_has_sk_ino(const struct sock *sk)
{
	return READ_ONCE(sk->sk_ino);
}
#endif

/* sk_drops_read() reads the drop counter whatever its layout. */
#ifdef LQ_HAVE_SK_DROPS_READ
#include <net/sock.h>
static inline unsigned int lq_has_sk_drops_read(const struct sock *sk)
{
	return sk_drops_read(sk);
}
#endif

/* system_percpu_wq (7.x, later 6.12.y): system_wq is deprecated there. */
#ifdef LQ_HAVE_SYSTEM_PERCPU_WQ
#include <linux/workqueue.h>
static inline struct workqueue_struct *lq_has_system_percpu_wq(void)
{
	return system_percpu_wq;
}
#endif

/*
 * What an ftrace callback is passed: struct ftrace_regs since d19ad0775dcd
 * (5.11), a struct pt_regs before.
 */
#ifdef LQ_HAVE_FTRACE_REGS
#include <linux/ftrace.h>
static inline void lq_has_ftrace_regs(unsigned long ip, unsigned long parent_ip,
				      struct ftrace_ops *op, struct ftrace_regs *fregs)
{
}

static_assert(__same_type(&lq_has_ftrace_regs, ftrace_func_t));
#endif

#ifdef LQ_HAVE_FTRACE_PT_REGS
#include <linux/ftrace.h>
static inline void lq_has_ftrace_pt_regs(unsigned long ip, unsigned long parent_ip,
					 struct ftrace_ops *op, struct pt_regs *regs)
{
}

static_assert(__same_type(&lq_has_ftrace_pt_regs, ftrace_func_t));
#endif

/*
 * An argument from a struct ftrace_regs: the architecture's accessor
 * where it has one (a macro on x86, an inline function on arm64; since
 * 6.13 in linux/ftrace_regs.h), else a struct pt_regs inside it.
 */
#ifdef LQ_HAVE_FREGS_ARG
#include <linux/ftrace.h>
static inline unsigned long lq_has_fregs_arg(struct ftrace_regs *fregs)
{
	return ftrace_regs_get_argument(fregs, 0);
}
#endif

#ifdef LQ_HAVE_FREGS_PT_REGS
#include <linux/ftrace.h>
#include <linux/ptrace.h>
static inline unsigned long lq_has_fregs_pt_regs(struct ftrace_regs *fregs)
{
	static_assert(__same_type(fregs->regs, struct pt_regs));
	return regs_get_kernel_argument(&fregs->regs, 0);
}
#endif

/*
 * a25d036d939a (5.11) turned the recursion flag around: before it, an ops
 * said FTRACE_OPS_FL_RECURSION_SAFE to be called without ftrace's guard.
 */
#ifdef LQ_HAVE_FTRACE_RECURSION_SAFE
#include <linux/ftrace.h>
static inline unsigned long lq_has_recursion_safe(void)
{
	return FTRACE_OPS_FL_RECURSION_SAFE;
}
#endif
