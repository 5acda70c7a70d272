// SPDX-License-Identifier: GPL-2.0
/*
 * Reader of /proc/listenq_hist. See lq_hist.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lq_hist.h"

static const char *const fill_suffix[LQ_HIST_NFILL] = {
	"0", "25", "50", "75", "99", "full",
};

const char *lq_hist_fill_name(char *buf, size_t size, const char *q, int i)
{
	snprintf(buf, size, "%s_fill_%s", q, i >= 0 && i < LQ_HIST_NFILL ? fill_suffix[i] : "?");
	return buf;
}

const char *lq_hist_wait_name(char *buf, size_t size, int i)
{
	if (i == LQ_HIST_NWAIT - 1)
		snprintf(buf, size, "wait_inf");
	else
		snprintf(buf, size, "wait_%lluus", 1ULL << i);
	return buf;
}

void lq_hist_from_row(const struct lq_proc_row *r, struct lq_hist *h)
{
	char name[32];
	int i;

	for (i = 0; i < LQ_HIST_NFILL; i++) {
		h->syn_fill[i] = lq_proc_col(r, lq_hist_fill_name(name, sizeof(name), "syn", i));
		h->acc_fill[i] = lq_proc_col(r, lq_hist_fill_name(name, sizeof(name), "acc", i));
	}
	h->wait_count = lq_proc_col(r, "wait_count");
	h->wait_sum_ns = lq_proc_col(r, "wait_sum_ns");
	for (i = 0; i < LQ_HIST_NWAIT; i++)
		h->wait[i] = lq_proc_col(r, lq_hist_wait_name(name, sizeof(name), i));
	h->syn_fill_sum = lq_proc_col(r, "syn_fill_sum_ppm");
	h->acc_fill_sum = lq_proc_col(r, "acc_fill_sum_ppm");
	h->wait_missed = lq_proc_col(r, "wait_missed");
}

int lq_hist_of(const char *path, unsigned long long inode, struct lq_hist *h)
{
	const struct lq_proc_row *r;
	struct lq_proc t;
	int ret;

	ret = lq_proc_read(&t, path);
	if (!ret) {
		r = lq_proc_find_inode(&t, inode);
		if (r)
			lq_hist_from_row(r, h);
		else
			ret = -ENOENT;
	}
	lq_proc_free(&t);
	return ret;
}

static long long sub(long long a, long long b)
{
	if (a == LQ_NONE || a == LQ_BAD || b == LQ_NONE || b == LQ_BAD)
		return LQ_BAD;
	return b - a;
}

void lq_hist_delta(const struct lq_hist *before, const struct lq_hist *after,
		   struct lq_hist *d)
{
	int i;

	for (i = 0; i < LQ_HIST_NFILL; i++) {
		d->syn_fill[i] = sub(before->syn_fill[i], after->syn_fill[i]);
		d->acc_fill[i] = sub(before->acc_fill[i], after->acc_fill[i]);
	}
	d->wait_count = sub(before->wait_count, after->wait_count);
	d->wait_sum_ns = sub(before->wait_sum_ns, after->wait_sum_ns);
	for (i = 0; i < LQ_HIST_NWAIT; i++)
		d->wait[i] = sub(before->wait[i], after->wait[i]);
	d->syn_fill_sum = sub(before->syn_fill_sum, after->syn_fill_sum);
	d->acc_fill_sum = sub(before->acc_fill_sum, after->acc_fill_sum);
	d->wait_missed = sub(before->wait_missed, after->wait_missed);
}
