/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One frame: the listeners shown, one typed record each, built once
 * (record.c, with the deltas of watch.c) and only printed by the three
 * renderers: the table (table.c), --json (json.c) and --prometheus
 * (prom.c).
 */
#ifndef _LISTENQ_RECORD_H
#define _LISTENQ_RECORD_H

#include <stdbool.h>

#include "nsset.h"
#include "owners.h"
#include "table.h"

struct lq_show_opts;

/* A --watch delta: "-" (first frame, no number), "new" (a listener just seen), or v. */
enum lq_delta_state { LQ_DELTA_NONE, LQ_DELTA_NEW, LQ_DELTA_SET };

struct lq_delta {
	enum lq_delta_state state;
	long long v;
};

/* The table's delta columns, dACC dSYN dDROPS dRTX, and their /proc/listenq columns. */
enum lq_delta_col { LQ_D_ACC, LQ_D_SYN, LQ_D_DROPS, LQ_D_RTX, LQ_NR_DELTAS };

struct lq_record {
	unsigned int row;			/* in the frame's table */
	char * const *cells;			/* the row as the file has it, t->ncols cells */
	const char *col[LQ_NR_COLUMNS];		/* by enum lq_column; NULL: no such column */
	long long v[LQ_NR_COLUMNS];		/* col[c] as a number, where it is one */
	unsigned long num;			/* bit c: v[c] holds one */
	unsigned int status;			/* LQ_ST_* */
	const char *ns_name;			/* -A: ip netns or cgroup name; NULL: none */
	const struct lq_owner *owners;		/* -p */
	unsigned int nowners;
	struct lq_hist_row hist;		/* its line of listenq_hist; !found: none */
	struct lq_delta d[LQ_NR_DELTAS];	/* --watch; NONE otherwise */
	struct lq_delta wait99;			/* v: the wait bucket 99% stay within */
};

struct lq_frame {
	const struct lq_show_opts *o;
	const struct lq_nsset *set;	/* the namespaces read: sysctls, names, owners */
	const struct lq_table *t;	/* set->t, every row: the header's names */
	const struct lq_table *h;	/* listenq_hist; NULL: none */
	int *hist_of;			/* row of @h for each row of @t; -1: none */
	struct lq_record *rec;		/* the listeners that match, in the file's order */
	unsigned int n;
};

/* The records of @set's rows that match the filter; deltas NONE. -1: no memory. */
int lq_frame_build(struct lq_frame *fr, const struct lq_show_opts *o,
		   const struct lq_nsset *set);
void lq_frame_free(struct lq_frame *fr);

/* Column @col (enum lq_column) of @r as a number; false: "-" or no such column. */
bool lq_rec_num(const struct lq_record *r, int col, long long *v);

/* Row @row's line of listenq_hist, any row of the frame's table. */
void lq_frame_hist(const struct lq_frame *fr, unsigned int row, struct lq_hist_row *hr);

#endif /* _LISTENQ_RECORD_H */
