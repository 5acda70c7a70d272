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

#include <listenq/model.h>

#define LQ_PROC_FILE		"/proc/listenq"		/* symlink to net/listenq */
#define LQ_PROC_NET_FILE	"/proc/net/listenq"
#define LQ_PROC_SYSCTL_FILE	"/proc/net/listenq_sysctl"
#define LQ_PROC_HIST_FILE	"/proc/listenq_hist"	/* symlink to net/listenq_hist */
#define LQ_PROC_NET_HIST_FILE	"/proc/net/listenq_hist"

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
	LQ_COL_SYN_Q_PEAK,
	LQ_COL_ACC_Q_PEAK,
	LQ_COL_SYNACK_RETRANS,
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
		[LQ_COL_SYN_Q_PEAK] = "syn_q_peak",
		[LQ_COL_ACC_Q_PEAK] = "acc_q_peak",
		[LQ_COL_SYNACK_RETRANS] = "synack_retrans",
	};

	return col < LQ_NR_COLUMNS ? names[col] : NULL;
}

/*
 * The columns of /proc/listenq_hist: per listener, in the order of
 * /proc/listenq, how full each queue was when a SYN or a completed
 * handshake arrived (enum lq_fill of model.h), and how long connections
 * waited for accept() (lq_wait_bucket()). Every bucket counts its own
 * arrivals only (not cumulative). Appended since: the sums of the fill
 * histograms, lq_fill_sum_term() of each arrival; then wait_missed, the
 * accept() calls whose wait no probe could time (none where
 * security_sock_graft() is hooked). "-" while probes are off.
 */
enum lq_hist_column {
	LQ_HCOL_LOCAL,
	LQ_HCOL_NS,
	LQ_HCOL_INODE,
	LQ_HCOL_SYN_FILL,			/* LQ_NR_FILL columns */
	LQ_HCOL_ACC_FILL = LQ_HCOL_SYN_FILL + LQ_NR_FILL,
	LQ_HCOL_WAIT_COUNT = LQ_HCOL_ACC_FILL + LQ_NR_FILL,
	LQ_HCOL_WAIT_SUM_NS,
	LQ_HCOL_WAIT,				/* LQ_NR_WAIT columns */
	LQ_HCOL_SYN_FILL_SUM = LQ_HCOL_WAIT + LQ_NR_WAIT,
	LQ_HCOL_ACC_FILL_SUM,
	LQ_HCOL_WAIT_MISSED,
	LQ_NR_HIST_COLUMNS
};

/* The header name of a /proc/listenq_hist column; NULL past the last one. */
static inline const char *lq_hist_column_name(unsigned int col)
{
	static const char * const names[LQ_NR_HIST_COLUMNS] = {
		[LQ_HCOL_LOCAL] = "local",
		[LQ_HCOL_NS] = "ns",
		[LQ_HCOL_INODE] = "inode",
		[LQ_HCOL_SYN_FILL + LQ_FILL_0] = "syn_fill_0",
		[LQ_HCOL_SYN_FILL + LQ_FILL_25] = "syn_fill_25",
		[LQ_HCOL_SYN_FILL + LQ_FILL_50] = "syn_fill_50",
		[LQ_HCOL_SYN_FILL + LQ_FILL_75] = "syn_fill_75",
		[LQ_HCOL_SYN_FILL + LQ_FILL_99] = "syn_fill_99",
		[LQ_HCOL_SYN_FILL + LQ_FILL_FULL] = "syn_fill_full",
		[LQ_HCOL_ACC_FILL + LQ_FILL_0] = "acc_fill_0",
		[LQ_HCOL_ACC_FILL + LQ_FILL_25] = "acc_fill_25",
		[LQ_HCOL_ACC_FILL + LQ_FILL_50] = "acc_fill_50",
		[LQ_HCOL_ACC_FILL + LQ_FILL_75] = "acc_fill_75",
		[LQ_HCOL_ACC_FILL + LQ_FILL_99] = "acc_fill_99",
		[LQ_HCOL_ACC_FILL + LQ_FILL_FULL] = "acc_fill_full",
		[LQ_HCOL_WAIT_COUNT] = "wait_count",
		[LQ_HCOL_WAIT_SUM_NS] = "wait_sum_ns",
		[LQ_HCOL_WAIT + 0] = "wait_1us",
		[LQ_HCOL_WAIT + 1] = "wait_2us",
		[LQ_HCOL_WAIT + 2] = "wait_4us",
		[LQ_HCOL_WAIT + 3] = "wait_8us",
		[LQ_HCOL_WAIT + 4] = "wait_16us",
		[LQ_HCOL_WAIT + 5] = "wait_32us",
		[LQ_HCOL_WAIT + 6] = "wait_64us",
		[LQ_HCOL_WAIT + 7] = "wait_128us",
		[LQ_HCOL_WAIT + 8] = "wait_256us",
		[LQ_HCOL_WAIT + 9] = "wait_512us",
		[LQ_HCOL_WAIT + 10] = "wait_1024us",
		[LQ_HCOL_WAIT + 11] = "wait_2048us",
		[LQ_HCOL_WAIT + 12] = "wait_4096us",
		[LQ_HCOL_WAIT + 13] = "wait_8192us",
		[LQ_HCOL_WAIT + 14] = "wait_16384us",
		[LQ_HCOL_WAIT + 15] = "wait_32768us",
		[LQ_HCOL_WAIT + 16] = "wait_65536us",
		[LQ_HCOL_WAIT + 17] = "wait_131072us",
		[LQ_HCOL_WAIT + 18] = "wait_262144us",
		[LQ_HCOL_WAIT + 19] = "wait_524288us",
		[LQ_HCOL_WAIT + 20] = "wait_1048576us",
		[LQ_HCOL_WAIT + 21] = "wait_2097152us",
		[LQ_HCOL_WAIT + 22] = "wait_4194304us",
		[LQ_HCOL_WAIT + 23] = "wait_8388608us",
		[LQ_HCOL_WAIT + 24] = "wait_16777216us",
		[LQ_HCOL_WAIT + 25] = "wait_inf",
		[LQ_HCOL_SYN_FILL_SUM] = "syn_fill_sum_ppm",
		[LQ_HCOL_ACC_FILL_SUM] = "acc_fill_sum_ppm",
		[LQ_HCOL_WAIT_MISSED] = "wait_missed",
	};

	return col < LQ_NR_HIST_COLUMNS ? names[col] : NULL;
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
