/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Everything that differs between the kernels listenq builds for lives here,
 * force-included into every module file by Kbuild. Logic files never test a
 * kernel version.
 */
#ifndef _LQ_COMPAT_H
#define _LQ_COMPAT_H

/*
 * Set by module/compat.kbuild for the kernel lines the selftests prove: the
 * walk relies on the single hlist_nulls lhash2 (v5.19, cae3873c5b3a)
 * reached through the embedded tcp_death_row (6.1).
 */
#ifndef LQ_SUPPORTED_KERNEL
#error "listenq supports the Linux 6.1 and 6.12 LTS lines only"
#endif

/* Set by module/compat.kbuild from the headers' own predicates. */
#ifndef LQ_PROBED_SYNQ_RULE
#error "listenq: cannot read the SYN queue predicate in include/net/inet_connection_sock.h"
#endif
#ifndef LQ_PROBED_ACCEPTQ_RULE
#error "listenq: cannot read the accept queue predicate in include/net/sock.h"
#endif

/*
 * The listening hash. tcp_hashinfo is no longer exported on Debian 6.12.94+
 * (6dc4c2526f6d "tcp: use EXPORT_IPV6_MOD[_GPL]()"); the per-netns pointer
 * reaches the same global lhash2 on both kernels.
 */
#define lq_tcp_hashinfo(net)	((net)->ipv4.tcp_death_row.hashinfo)

/* sk_drops is an atomic_t on 6.1 and 6.12 (per-NUMA counters came later). */
#define lq_sk_drops(sk)		atomic_read(&(sk)->sk_drops)

/*
 * The n-th argument in an ftrace callback. 6.12 has the accessor (and hides
 * the registers); 6.1's x86 struct ftrace_regs is the argument registers.
 * LQ_HAVE_FREGS_ARG: module/compat.kbuild found the accessor.
 */
#ifdef LQ_HAVE_FREGS_ARG
#define lq_fregs_arg(fregs, n)	ftrace_regs_get_argument(fregs, n)
#else
#define lq_fregs_arg(fregs, n)	regs_get_kernel_argument(&(fregs)->regs, n)
#endif

#endif /* _LQ_COMPAT_H */
