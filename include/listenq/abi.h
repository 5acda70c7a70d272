/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The /proc/listenq ABI, shared by the module and its readers: where the
 * files are and what the columns are called. Columns are only ever appended.
 */
#ifndef _LQ_ABI_H
#define _LQ_ABI_H

#ifdef __KERNEL__
#include <linux/stddef.h>
#else
#include <stddef.h>
#endif

#define LQ_PROC_FILE		"/proc/listenq"		/* symlink to net/listenq */
#define LQ_PROC_NET_FILE	"/proc/net/listenq"
#define LQ_PROC_SYSCTL_FILE	"/proc/net/listenq_sysctl"

/* Printed for a value that does not exist (e.g. no reuseport group). */
#define LQ_NO_VALUE		"-"

/* The columns of /proc/listenq, in print order. */
enum lq_column {
	LQ_COL_LOCAL,
	LQ_COL_NS,
	LQ_COL_UID,
	LQ_COL_INODE,
	LQ_COL_ACC_Q,
	LQ_COL_ACC_MAX,
	LQ_COL_ACC_CAP,
	LQ_COL_SYN_Q,
	LQ_COL_SYN_YOUNG,
	LQ_COL_SYN_CAP,
	LQ_COL_DROPS,
	LQ_COL_SYN_FULL,
	LQ_COL_DEFER_ACCEPT,
	LQ_COL_TFO_Q,
	LQ_COL_TFO_MAX,
	LQ_COL_REUSEPORT_ID,
	LQ_COL_DROP_SYNQ,
	LQ_COL_COOKIE_SYNQ,
	LQ_COL_DROP_ACCQ_SYN,
	LQ_COL_DROP_ACCQ_ACK,
	LQ_COL_DROP_QUARTER,
	LQ_COL_EXPIRED,
	LQ_COL_BACKLOG,
	LQ_NR_COLUMNS
};

/* The header name of a column; NULL past the last one. */
static inline const char *lq_column_name(unsigned int col)
{
	static const char * const names[LQ_NR_COLUMNS] = {
		[LQ_COL_LOCAL] = "local",
		[LQ_COL_NS] = "ns",
		[LQ_COL_UID] = "uid",
		[LQ_COL_INODE] = "inode",
		[LQ_COL_ACC_Q] = "acc_q",
		[LQ_COL_ACC_MAX] = "acc_max",
		[LQ_COL_ACC_CAP] = "acc_cap",
		[LQ_COL_SYN_Q] = "syn_q",
		[LQ_COL_SYN_YOUNG] = "syn_young",
		[LQ_COL_SYN_CAP] = "syn_cap",
		[LQ_COL_DROPS] = "drops",
		[LQ_COL_SYN_FULL] = "syn_full",
		[LQ_COL_DEFER_ACCEPT] = "defer_accept",
		[LQ_COL_TFO_Q] = "tfo_q",
		[LQ_COL_TFO_MAX] = "tfo_max",
		[LQ_COL_REUSEPORT_ID] = "reuseport_id",
		[LQ_COL_DROP_SYNQ] = "drop_synq",
		[LQ_COL_COOKIE_SYNQ] = "cookie_synq",
		[LQ_COL_DROP_ACCQ_SYN] = "drop_accq_syn",
		[LQ_COL_DROP_ACCQ_ACK] = "drop_accq_ack",
		[LQ_COL_DROP_QUARTER] = "drop_quarter",
		[LQ_COL_EXPIRED] = "expired",
		[LQ_COL_BACKLOG] = "backlog",
	};

	return col < LQ_NR_COLUMNS ? names[col] : NULL;
}

/* The lines of /proc/net/listenq_sysctl, in print order: "name value". */
enum lq_sysctl_line {
	LQ_SC_NS,
	LQ_SC_SOMAXCONN,
	LQ_SC_MAX_SYN_BACKLOG,
	LQ_SC_SYNCOOKIES,
	LQ_SC_ABORT_ON_OVERFLOW,
	LQ_SC_SYNACK_RETRIES,
	LQ_SC_NR
};

/* The name of a listenq_sysctl line; NULL past the last one. */
static inline const char *lq_sysctl_name(unsigned int line)
{
	static const char * const names[LQ_SC_NR] = {
		[LQ_SC_NS] = "ns",
		[LQ_SC_SOMAXCONN] = "somaxconn",
		[LQ_SC_MAX_SYN_BACKLOG] = "tcp_max_syn_backlog",
		[LQ_SC_SYNCOOKIES] = "tcp_syncookies",
		[LQ_SC_ABORT_ON_OVERFLOW] = "tcp_abort_on_overflow",
		[LQ_SC_SYNACK_RETRIES] = "tcp_synack_retries",
	};

	return line < LQ_SC_NR ? names[line] : NULL;
}

#endif /* _LQ_ABI_H */
