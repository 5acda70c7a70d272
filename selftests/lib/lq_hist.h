/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The reader of /proc/listenq_hist: per listener, the fill of each queue at
 * each arrival and the wait for accept(). The file has a header line like
 * /proc/listenq, so lq_proc_read() parses it by column name; this reader
 * gathers a row's cells into arrays of the file's own bucket order.
 *
 * Cells are LQ_NONE when the module printed "-" (probes off) and LQ_BAD
 * when missing or not a number, as in lq_proc.h.
 */
#ifndef LQ_HIST_H
#define LQ_HIST_H

#include "lq_proc.h"

#define LQ_HIST_PATH		"/proc/listenq_hist"
#define LQ_HIST_NET_PATH	"/proc/net/listenq_hist"

/* The fill buckets, in file order: 0, 25, 50, 75, 99, full. */
#define LQ_HIST_NFILL		6
/* The wait buckets, in file order: 1us, 2us, ... 16777216us, inf. */
#define LQ_HIST_NWAIT		26

struct lq_hist {
	long long syn_fill[LQ_HIST_NFILL];
	long long acc_fill[LQ_HIST_NFILL];
	long long wait_count, wait_sum_ns;
	long long wait[LQ_HIST_NWAIT];
	long long syn_fill_sum, acc_fill_sum;	/* syn_fill_sum_ppm, acc_fill_sum_ppm */
	long long wait_missed;
};

/*
 * The header name of fill bucket i of queue q ("syn" or "acc"), and of wait
 * bucket i, into buf; buf.
 */
const char *lq_hist_fill_name(char *buf, size_t size, const char *q, int i);
const char *lq_hist_wait_name(char *buf, size_t size, int i);

/* The cells of a parsed /proc/listenq_hist row (r->hdr must be valid). */
void lq_hist_from_row(const struct lq_proc_row *r, struct lq_hist *h);
/*
 * The row of the listener with socket inode in the hist file at path:
 * 0, -ENOENT without such a row, else -errno of reading it.
 */
int lq_hist_of(const char *path, unsigned long long inode, struct lq_hist *h);
/* after - before, cell by cell (LQ_NONE/LQ_BAD in either stay LQ_BAD) */
void lq_hist_delta(const struct lq_hist *before, const struct lq_hist *after,
		   struct lq_hist *d);

#endif /* LQ_HIST_H */
