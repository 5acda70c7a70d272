// SPDX-License-Identifier: GPL-2.0
/*
 * A frame's records: for each listener that matches the filter, its cells,
 * their numbers, its status, namespace name, owners and line of
 * listenq_hist, read once here so that no renderer reads the tables. The
 * deltas of --watch are filled in by watch.c.
 */
#include <stdlib.h>
#include <string.h>

#include "filter.h"
#include "nsset.h"
#include "owners.h"
#include "record.h"
#include "show.h"
#include "table.h"

bool lq_rec_num(const struct lq_record *r, int col, long long *v)
{
	if (!(r->num & 1UL << col))
		return false;
	*v = r->v[col];
	return true;
}

void lq_frame_hist(const struct lq_frame *fr, unsigned int row, struct lq_hist_row *hr)
{
	lq_hist_get(fr->h, fr->hist_of ? fr->hist_of[row] : -1, hr);
}

static void lq_record_fill(const struct lq_frame *fr, unsigned int row, struct lq_record *r)
{
	const struct lq_table *t = fr->t;
	int c;

	memset(r, 0, sizeof(*r));
	r->row = row;
	r->cells = t->rows[row];
	for (c = 0; c < LQ_NR_COLUMNS; c++) {
		r->col[c] = lq_cell(t, row, t->col[c]);
		if (lq_cell_num(t, row, t->col[c], &r->v[c]))
			r->num |= 1UL << c;
	}
	r->status = lq_row_status(t, row);
	r->ns_name = fr->set->ns[fr->set->row_ns[row]].name;
	r->owners = lq_owners_of(&fr->set->own, t, row, &r->nowners);
	lq_frame_hist(fr, row, &r->hist);
}

int lq_frame_build(struct lq_frame *fr, const struct lq_show_opts *o,
		   const struct lq_nsset *set)
{
	const struct lq_table *t = &set->t;
	unsigned int i, cursor = 0;

	memset(fr, 0, sizeof(*fr));
	fr->o = o;
	fr->set = set;
	fr->t = t;
	fr->h = set->have_hist ? &set->h : NULL;
	fr->rec = calloc(t->nrows + 1, sizeof(*fr->rec));
	fr->hist_of = calloc(t->nrows + 1, sizeof(*fr->hist_of));
	if (!fr->rec || !fr->hist_of)
		return -1;
	/* Every row's line: the next frame's deltas need the rows not shown too. */
	for (i = 0; i < t->nrows; i++)
		fr->hist_of[i] = lq_hist_find(fr->h, t, i, &cursor);
	for (i = 0; i < t->nrows; i++) {
		if (lq_row_matches(t, i, o->filter))
			lq_record_fill(fr, i, &fr->rec[fr->n++]);
	}
	return 0;
}

void lq_frame_free(struct lq_frame *fr)
{
	free(fr->rec);
	free(fr->hist_of);
	fr->rec = NULL;
	fr->hist_of = NULL;
	fr->n = 0;
}
