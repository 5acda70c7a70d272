/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Everything that differs between the kernels listenq builds for lives here,
 * force-included into every module file by Kbuild. Each choice follows a
 * compile test against the kernel's headers (module/compat-probes.c, run by
 * module/compat.kbuild), never a version number; logic files never test
 * either. The queue rules are no choice of this file: the module asks the
 * headers' predicates themselves at load (lq_read_rules(), module/main.c).
 */
#ifndef _LQ_COMPAT_H
#define _LQ_COMPAT_H

/* module/compat.kbuild: 5.10 or later, the oldest line the selftests prove. */
#ifndef LQ_KERNEL_IN_RANGE
#error "listenq needs Linux 5.10 or later"
#endif

/*
 * The buckets that hold every TCP listener exactly once, under each bucket's
 * spinlock, and how to walk one (first and next listener, NULL at its end):
 * lhash2, keyed by port and address and sized with the machine. Since
 * cae3873c5b3a (5.19) a nulls list through sk_nulls_node; before, a plain
 * hlist through icsk_listen_portaddr_node (listening_hash[], the nulls lists
 * then, has 32 buckets only, and a walk that resumes mid-chain re-skips).
 */
#if defined(LQ_HAVE_LHASH2_PORTADDR)	/* its bucket also has a nulls head */
#define lq_lhash_first(ilb)	lq_lhash_sk((ilb)->head.first)
#define lq_lhash_next(sk)	lq_lhash_sk(inet_csk(sk)->icsk_listen_portaddr_node.next)
#define lq_lhash_sk(node)							\
	((struct sock *)hlist_entry_safe(node, struct inet_connection_sock,	\
					 icsk_listen_portaddr_node))
#elif defined(LQ_HAVE_LHASH2_NULLS)
#define lq_lhash_first(ilb)	lq_lhash_sk((ilb)->nulls_head.first)
#define lq_lhash_next(sk)	lq_lhash_sk((sk)->sk_nulls_node.next)
#define lq_lhash_sk(node) ({							\
	struct hlist_nulls_node *__node = (node);				\
	is_a_nulls(__node) ? NULL : hlist_nulls_entry(__node, struct sock, sk_nulls_node); })
#else
#error "listenq: no lhash2 of TCP listeners in include/net/inet_hashtables.h"
#endif
#define lq_lhash_size(h)		((h)->lhash2_mask + 1)
#define lq_lhash_bucket(h, i)		(&(h)->lhash2[i])

/*
 * The listening hash of a namespace: tcp_hashinfo itself is not exported on
 * 7.x (nor on Debian 6.12.94+, 6dc4c2526f6d); the per-netns pointer reaches
 * the same global table on every kernel.
 */
#if defined(LQ_HAVE_DEATH_ROW)
#define lq_tcp_hashinfo(net)	((net)->ipv4.tcp_death_row.hashinfo)
#elif defined(LQ_HAVE_DEATH_ROW_PTR)
#define lq_tcp_hashinfo(net)	((net)->ipv4.tcp_death_row->hashinfo)
#else
#error "listenq: no tcp_death_row in include/net/netns/ipv4.h to reach the TCP hashinfo"
#endif

/*
 * The owner and the inode number, as /proc/net/tcp shows them. 7.x keeps
 * both in the sock, read without a lock: sk_uid() and sk_ino (what its
 * inline sock_i_ino() reads). Before, sock_i_uid() and sock_i_ino() read
 * the socket's inode under sk_callback_lock with BH off, a sleeping lock on
 * PREEMPT_RT (~350 instructions a call there); we read the same two inode
 * fields without it. The caller holds the listener's bucket lock: the
 * listener is hashed, and tcp_close() unhashes it under that lock before
 * sock_orphan() clears sk_socket and sock_release() puts the inode.
 */
#define lq_sk_inode(sk) ({						\
	struct socket *__sock = READ_ONCE((sk)->sk_socket);		\
	__sock ? SOCK_INODE(__sock) : NULL; })

#ifdef LQ_HAVE_SK_UID
#define lq_sk_uid(sk)		sk_uid(sk)
#else
#define lq_sk_uid(sk) ({						\
	const struct inode *__inode = lq_sk_inode(sk);			\
	__inode ? __inode->i_uid : GLOBAL_ROOT_UID; })
#endif

#ifdef LQ_HAVE_SK_INO
#define lq_sk_ino(sk)		READ_ONCE((sk)->sk_ino)
#else
#define lq_sk_ino(sk) ({						\
	const struct inode *__inode = lq_sk_inode(sk);			\
	__inode ? __inode->i_ino : 0; })
#endif

/* TCP's sk_drops is an atomic_t; sk_drops_read() reads it where it exists. */
#ifdef LQ_HAVE_SK_DROPS_READ
#define lq_sk_drops(sk)		sk_drops_read(sk)
#else
#define lq_sk_drops(sk)		atomic_read(&(sk)->sk_drops)
#endif

/* A per-CPU workqueue, under the name that is not deprecated. */
#ifdef LQ_HAVE_SYSTEM_PERCPU_WQ
#define lq_percpu_wq		system_percpu_wq
#else
#define lq_percpu_wq		system_wq
#endif

/* __counted_by() arrived in 6.6; it only informs the compiler's checks. */
#ifndef __counted_by
#define __counted_by(member)
#endif

/*
 * The registers an ftrace callback gets, and its n-th argument from them.
 * - Before struct ftrace_regs (5.11) the callback takes a struct pt_regs,
 *   which x86 fills only for ops with FTRACE_OPS_FL_SAVE_REGS.
 * - With ftrace_regs_get_argument() (x86's macro, arm64's inline function,
 *   linux/ftrace_regs.h since 6.13) the layout is the architecture's own.
 * - Without it, a struct ftrace_regs that wraps a pt_regs (x86, and the
 *   generic one of architectures without DYNAMIC_FTRACE_WITH_ARGS) holds
 *   the argument registers, saved for every ops.
 */
#if defined(LQ_HAVE_FTRACE_PT_REGS) && !defined(LQ_HAVE_FTRACE_REGS)
#define lq_ftrace_regs		pt_regs
#define LQ_FTRACE_REGS_FLAGS	FTRACE_OPS_FL_SAVE_REGS
#define lq_fregs_arg(regs, n)	regs_get_kernel_argument(regs, n)
#elif defined(LQ_HAVE_FTRACE_REGS) && defined(LQ_HAVE_FREGS_ARG)
#define lq_ftrace_regs		ftrace_regs
#define LQ_FTRACE_REGS_FLAGS	0
#define lq_fregs_arg(fregs, n)	ftrace_regs_get_argument(fregs, n)
#elif defined(LQ_HAVE_FTRACE_REGS) && defined(LQ_HAVE_FREGS_PT_REGS)
#define lq_ftrace_regs		ftrace_regs
#define LQ_FTRACE_REGS_FLAGS	0
#define lq_fregs_arg(fregs, n)	regs_get_kernel_argument(&(fregs)->regs, n)
#else
#error "listenq: no way to read an ftrace callback's arguments in include/linux/ftrace.h"
#endif

/*
 * No recursion guard from ftrace (module/hooks.c says why none is needed):
 * before 5.11 an ops asks for that with FTRACE_OPS_FL_RECURSION_SAFE; since
 * it is the default, and FTRACE_OPS_FL_RECURSION would add the guard.
 */
#ifdef LQ_HAVE_FTRACE_RECURSION_SAFE
#define LQ_FTRACE_OPS_FLAGS	(LQ_FTRACE_REGS_FLAGS | FTRACE_OPS_FL_RECURSION_SAFE)
#else
#define LQ_FTRACE_OPS_FLAGS	LQ_FTRACE_REGS_FLAGS
#endif

#endif /* _LQ_COMPAT_H */
