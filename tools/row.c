// SPDX-License-Identifier: GPL-2.0
/*
 * One row of /proc/listenq: its cells as text and numbers, its line of
 * /proc/listenq_hist, and how near its queues are to their caps.
 */
#include <stdio.h>
#include <string.h>

#include "table.h"
#include "util.h"

/*
 * The row of @h that is listener @row of @t: same ns and inode. The files
 * list listeners in the same order, but they are read one after the other
 * and listeners come and go in between: @cursor, the row after the last
 * match, is tried first. -1: not in @h.
 */
int lq_hist_find(const struct lq_table *h, const struct lq_table *t, unsigned int row,
		 unsigned int *cursor)
{
	const char *ns = lq_cell(t, row, t->col[LQ_COL_NS]);
	const char *ino = lq_cell(t, row, t->col[LQ_COL_INODE]);
	unsigned int i, r;

	if (!h || !h->nrows)
		return -1;
	for (i = 0; i < h->nrows; i++) {
		r = (*cursor + i) % h->nrows;
		if (!strcmp(h->rows[r][h->col[LQ_HCOL_INODE]], ino) &&
		    !strcmp(h->rows[r][h->col[LQ_HCOL_NS]], ns)) {
			*cursor = r + 1;
			return (int)r;
		}
	}
	return -1;
}

/* Whether @n cells from ABI column @first of row @r are all numbers. */
static bool lq_hist_cells(const struct lq_table *h, int r, unsigned int first, unsigned int n,
			  long long *v)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (!lq_cell_num(h, (unsigned int)r, h->col[first + i], &v[i]) || v[i] < 0)
			return false;
	return true;
}

/* Row @r of @h (lq_hist_find()), by group; a group with a "-" is not there. */
void lq_hist_get(const struct lq_table *h, int r, struct lq_hist_row *hr)
{
	long long cs[2] = { 0, 0 };

	memset(hr, 0, sizeof(*hr));
	if (r < 0)
		return;
	hr->found = true;
	hr->syn_fill = lq_hist_cells(h, r, LQ_HCOL_SYN_FILL, LQ_NR_FILL, hr->sf);
	hr->acc_fill = lq_hist_cells(h, r, LQ_HCOL_ACC_FILL, LQ_NR_FILL, hr->af);
	hr->syn_sum = hr->syn_fill && lq_hist_cells(h, r, LQ_HCOL_SYN_FILL_SUM, 1, &hr->sf_sum);
	hr->acc_sum = hr->acc_fill && lq_hist_cells(h, r, LQ_HCOL_ACC_FILL_SUM, 1, &hr->af_sum);
	hr->wait = lq_hist_cells(h, r, LQ_HCOL_WAIT_COUNT, 2, cs) &&
		   lq_hist_cells(h, r, LQ_HCOL_WAIT, LQ_NR_WAIT, hr->w);
	hr->wait_count = cs[0];
	hr->wait_sum_ns = cs[1];
	hr->missed = hr->wait && lq_hist_cells(h, r, LQ_HCOL_WAIT_MISSED, 1, &hr->wait_missed);
}

/* The cell of column index @col, or NULL when this module has no such column. */
const char *lq_cell(const struct lq_table *t, unsigned int row, int col)
{
	return col < 0 ? NULL : t->rows[row][col];
}

/* False for "-" and for a column this module does not print. */
bool lq_cell_num(const struct lq_table *t, unsigned int row, int col, long long *v)
{
	const char *s = lq_cell(t, row, col);

	return s && lq_parse_ll(s, v);
}

/* Full: the next child or SYN would be refused. Near: 80% of the cap or more. */
static unsigned int lq_queue_status(const struct lq_table *t, unsigned int row, int qcol,
				    int capcol, unsigned int full, unsigned int near)
{
	long long q, cap;

	if (!lq_cell_num(t, row, qcol, &q) || !lq_cell_num(t, row, capcol, &cap) || cap <= 0)
		return 0;	/* cap 0: tcp_syncookies=2, no request is ever queued */
	if (q >= cap)
		return full;
	return q > 0 && q * 5 >= cap * 4 ? near : 0;
}

unsigned int lq_row_status(const struct lq_table *t, unsigned int row)
{
	unsigned int st = lq_queue_status(t, row, t->col[LQ_COL_ACC_Q], t->col[LQ_COL_ACC_CAP],
					  LQ_ST_ACC_FULL, LQ_ST_ACC_NEAR) |
			  lq_queue_status(t, row, t->col[LQ_COL_SYN_Q], t->col[LQ_COL_SYN_CAP],
					  LQ_ST_SYN_FULL, LQ_ST_SYN_NEAR);
	long long cap;

	/* SYN cap 0 without cookies: every SYN is dropped (lq_refuses_all()). */
	if (lq_cell_num(t, row, t->col[LQ_COL_SYN_CAP], &cap) && cap == 0 &&
	    !strcmp(lq_cell(t, row, t->col[LQ_COL_SYN_FULL]), "drop"))
		st |= LQ_ST_SYN_FULL;
	return st;
}

void lq_status_str(unsigned int st, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s%s%s%s%s",
		 st & LQ_ST_ACC_FULL ? "accept-full" : "",
		 st & LQ_ST_ACC_NEAR ? "accept-near" : "",
		 (st & (LQ_ST_ACC_FULL | LQ_ST_ACC_NEAR)) &&
		 (st & (LQ_ST_SYN_FULL | LQ_ST_SYN_NEAR)) ? "," : "",
		 st & LQ_ST_SYN_FULL ? "syn-full" : "",
		 st & LQ_ST_SYN_NEAR ? "syn-near" : "",
		 st ? "" : "ok", "");
}
