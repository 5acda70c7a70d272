/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A reader of /proc/listenq or /proc/listenq_hist: the seq_file iteration
 * of proc.c, and the text of its rows, print.c.
 */
#ifndef _LQ_PROC_H
#define _LQ_PROC_H

#include <linux/seq_file.h>
#include <linux/seq_file_net.h>
#include <linux/uidgid.h>

#include "listenq.h"
#include "format.h"

#define LQ_BATCH	32
#define LQ_HIST_BATCH	16

/*
 * A column whose text is the same in every row of a batch, written once
 * and copied: a blank, then at most LQ_FMT_FIELD bytes, blank-padded.
 */
struct lq_field {
	char text[1 + LQ_FMT_FIELD];
	unsigned int len;
};

/* The state of a reader of listenq or of listenq_hist. */
struct lq_iter {
	struct seq_net_private p;	/* first, for proc_create_net_data() */
	struct lq_cursor cur;
	loff_t pos;			/* seq_file position of rows[idx] */
	unsigned int nr, idx;
	struct lq_conf conf;		/* read with the current batch */
	struct lq_field ns, syn_full;	/* of the current batch */
	/* Rows of a batch most often share an owner and a backlog: */
	bool uid_valid, caps_valid;	/* false at each batch */
	kuid_t uid_key;			/* the owner of @uid */
	struct lq_field uid;
	u32 caps_key;			/* the acc_max of @acc_cap and @syn_cap */
	unsigned long long acc_cap, syn_cap;
	char line[LQ_LINE_MAX];		/* the row being printed */
	union {
		struct lq_row rows[LQ_BATCH];
		struct lq_hist_row hrows[LQ_HIST_BATCH];
	};
};

/* print.c: the rows' text */
void lq_batch_fields(struct seq_file *seq, struct lq_iter *it);
void lq_show_header(struct seq_file *seq);
void lq_show_row(struct seq_file *seq, struct lq_iter *it, const struct lq_row *row);
void lq_hist_show_header(struct seq_file *seq);
void lq_hist_show_row(struct seq_file *seq, struct lq_iter *it, const struct lq_hist_row *row);

#endif /* _LQ_PROC_H */
