/* SPDX-License-Identifier: GPL-2.0 */
/*
 * /proc/listenq, /proc/listenq_hist and listenq_sysctl as read (proc.c),
 * and one row of them as cells, numbers and states (row.c).
 */
#ifndef _LISTENQ_TABLE_H
#define _LISTENQ_TABLE_H

#include <stdbool.h>
#include <stddef.h>

#include <listenq/abi.h>
#include <listenq/model.h>

/*
 * The columns of the first /proc/listenq format. A file without one of them
 * speaks another format; the columns appended since (per-reason counters,
 * backlog) may be missing, as they are in older modules.
 */
#define LQ_NR_REQUIRED_COLUMNS	(LQ_COL_REUSEPORT_ID + 1)

/* Room for the known columns of either file (enum lq_column, lq_hist_column). */
#define LQ_MAX_COLUMNS	64

/* /proc/listenq or /proc/listenq_hist, split in place: every cell points into @text. */
struct lq_table {
	const char *path;
	char *text;
	unsigned int ncols;
	char **names;			/* header, ncols entries */
	int col[LQ_MAX_COLUMNS];	/* where each ABI column is; -1: absent */
	unsigned int nrows;
	char ***rows;			/* rows[r][c] */
	unsigned int nbad;		/* malformed rows, reported and skipped */
};

/* One listener's line of /proc/listenq_hist, by group; "-" (probes off): not there. */
struct lq_hist_row {
	bool found;			/* the listener has a line */
	bool syn_fill, acc_fill, wait;	/* the group's cells are numbers */
	long long sf[LQ_NR_FILL];	/* syn_fill_*, enum lq_fill */
	long long af[LQ_NR_FILL];	/* acc_fill_* */
	bool syn_sum, acc_sum;		/* the fill sums are there (newer modules) */
	long long sf_sum, af_sum;	/* syn_fill_sum_ppm, acc_fill_sum_ppm */
	long long wait_count, wait_sum_ns;
	long long w[LQ_NR_WAIT];	/* wait_1us ... wait_inf, not cumulative */
	bool missed;			/* wait_missed is there (newer modules) */
	long long wait_missed;		/* accept() calls whose wait was not timed */
};

struct lq_sysctl {
	bool valid;			/* the file was read */
	bool have[LQ_SC_NR];
	long long val[LQ_SC_NR];
	unsigned int n;			/* every line, known or not, for --json */
	char *keys[32];
	char *vals[32];
};

/* Per-row state flags shown in the STATUS column and in --json. */
#define LQ_ST_ACC_FULL	0x1
#define LQ_ST_ACC_NEAR	0x2
#define LQ_ST_SYN_FULL	0x4
#define LQ_ST_SYN_NEAR	0x8

/* proc.c: the files */
char *lq_slurp_at(int dirfd, const char *name, int *err);
bool lq_vanished(int err);
int lq_table_load(struct lq_table *t, const char *path);
int lq_table_load_at(struct lq_table *t, int dirfd, const char *name, const char *path);
int lq_table_merge(struct lq_table *dst, struct lq_table * const *src, unsigned int n,
		   unsigned int *row_src);
void lq_table_free(struct lq_table *t);
int lq_hist_load(struct lq_table *h, const char *path);
int lq_hist_load_at(struct lq_table *h, int dirfd, const char *name, const char *path);
void lq_sysctl_load(struct lq_sysctl *sc, const char *path);
void lq_sysctl_load_at(struct lq_sysctl *sc, int dirfd, const char *name);
void lq_sysctl_free(struct lq_sysctl *sc);

/* row.c: one row */
const char *lq_cell(const struct lq_table *t, unsigned int row, int col);
bool lq_cell_num(const struct lq_table *t, unsigned int row, int col, long long *v);
int lq_hist_find(const struct lq_table *h, const struct lq_table *t, unsigned int row,
		 unsigned int *cursor);
void lq_hist_get(const struct lq_table *h, int r, struct lq_hist_row *hr);
unsigned int lq_row_status(const struct lq_table *t, unsigned int row);
void lq_status_str(unsigned int st, char *buf, size_t len);

#endif /* _LISTENQ_TABLE_H */
