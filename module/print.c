// SPDX-License-Identifier: GPL-2.0
/*
 * The text of /proc/listenq's and /proc/listenq_hist's rows: each built at
 * once, in place in the seq_file's buffer, by the field writers of
 * format.h, from a row that lq_walk() copied.
 */
#include <linux/minmax.h>
#include <linux/seq_file.h>
#include <linux/uidgid.h>
#include <net/net_namespace.h>

#include "proc.h"

/* Column widths, for human eyes only: readers split on blanks. */
static const int lq_widths[LQ_NR_COLUMNS] = {
	[LQ_COL_LOCAL] = -23,
	[LQ_COL_NS] = 10,
	[LQ_COL_UID] = 5,
	[LQ_COL_INODE] = 8,
	[LQ_COL_ACC_Q] = 6,
	[LQ_COL_ACC_MAX] = 7,
	[LQ_COL_ACC_CAP] = 7,
	[LQ_COL_SYN_Q] = 6,
	[LQ_COL_SYN_YOUNG] = 9,
	[LQ_COL_SYN_CAP] = 7,
	[LQ_COL_DROPS] = 6,
	[LQ_COL_SYN_FULL] = 10,
	[LQ_COL_DEFER_ACCEPT] = 12,
	[LQ_COL_TFO_Q] = 5,
	[LQ_COL_TFO_MAX] = 7,
	[LQ_COL_REUSEPORT_ID] = 12,
	[LQ_COL_DROP_SYNQ] = 9,
	[LQ_COL_COOKIE_SYNQ] = 11,
	[LQ_COL_DROP_ACCQ_SYN] = 13,
	[LQ_COL_DROP_ACCQ_ACK] = 13,
	[LQ_COL_DROP_QUARTER] = 12,
	[LQ_COL_EXPIRED] = 7,
	[LQ_COL_BACKLOG] = 7,
	[LQ_COL_SYN_Q_PEAK] = 10,
	[LQ_COL_ACC_Q_PEAK] = 10,
	[LQ_COL_SYNACK_RETRANS] = 14,
};

/*
 * Where a row is built: in the seq_file's buffer when it has room for the
 * longest, written there by lq_row_done(), else in it->line.
 */
static char *lq_row_begin(struct seq_file *seq, struct lq_iter *it)
{
	char *buf;

	return seq_get_buf(seq, &buf) >= LQ_LINE_MAX ? buf : it->line;
}

static void lq_row_done(struct seq_file *seq, struct lq_iter *it, const char *line,
			const char *end)
{
	if (line == it->line)
		seq_write(seq, line, end - line);
	else
		seq_commit(seq, end - line);
}

/* " %*s": column @col's text @s, in its width, after a blank. */
static __always_inline char *lq_put_str(char *p, unsigned int col, const char *s)
{
	if (col)
		*p++ = ' ';
	return lq_fmt_str(p, s, strlen(s), lq_widths[col]);
}

/* " %*s" of LQ_NO_VALUE, a value that does not exist: no strlen(), no copy. */
static __always_inline char *lq_put_none(char *p, unsigned int col)
{
	BUILD_BUG_ON(sizeof(LQ_NO_VALUE) != 2);
	*p++ = ' ';
	return lq_fmt_char(p, LQ_NO_VALUE[0], lq_widths[col]);
}

/* " %*llu" with the column's width. */
static __always_inline char *lq_put_num(char *p, unsigned int col, unsigned long long v)
{
	*p++ = ' ';
	return lq_fmt_num(p, v, lq_widths[col]);
}

/* " %*d" with the column's width. */
static __always_inline char *lq_put_int(char *p, unsigned int col, int v)
{
	if (v >= 0)
		return lq_put_num(p, col, v);
	*p++ = ' ';
	return lq_fmt_neg(p, -(long long)v, lq_widths[col]);
}

/* A probe value, or "-" when the probes do not provide it. */
static __always_inline char *lq_put_probe(char *p, unsigned int col, bool have,
					  unsigned long long v)
{
	return have ? lq_put_num(p, col, v) : lq_put_none(p, col);
}

void lq_show_header(struct seq_file *seq)
{
	char *line = ((struct lq_iter *)seq->private)->line, *p = line;
	unsigned int col;

	for (col = 0; col < LQ_NR_COLUMNS; col++)
		p = lq_put_str(p, col, lq_column_name(col));
	*p++ = '\n';
	seq_write(seq, line, p - line);
}

/* Copy @f, blanks past its end included (format.h allows them). */
static __always_inline char *lq_put_field(char *p, const struct lq_field *f)
{
	BUILD_BUG_ON(sizeof(f->text) != LQ_FMT_FIELD + 1);
	lq_fmt_move(p, f->text);
	p[LQ_FMT_FIELD] = f->text[LQ_FMT_FIELD];
	return p + f->len;
}

/* The columns that are the same in every row of a batch. */
void lq_batch_fields(struct seq_file *seq, struct lq_iter *it)
{
	struct lq_field *ns = &it->ns, *full = &it->syn_full;

	/* A writer blanks at most LQ_FMT_FIELD bytes after its blank: in text[]. */
	ns->len = lq_put_num(ns->text, LQ_COL_NS, seq_file_net(seq)->ns.inum) - ns->text;
	full->len = lq_put_str(full->text, LQ_COL_SYN_FULL,
			       lq_syn_full_action(it->conf.syncookies)) - full->text;
	it->uid_valid = false;
	it->caps_valid = false;
}

/* The uid column, as the reader's user namespace sees it: the last row's, most often. */
static __always_inline char *lq_put_uid(char *p, struct seq_file *seq, struct lq_iter *it,
					kuid_t uid)
{
	struct lq_field *f = &it->uid;

	if (!it->uid_valid || !uid_eq(uid, it->uid_key)) {
		f->len = lq_put_num(f->text, LQ_COL_UID,
				    from_kuid_munged(seq_user_ns(seq), uid)) - f->text;
		it->uid_key = uid;
		it->uid_valid = true;
	}
	return lq_put_field(p, f);
}

/* The caps of a listener whose accept queue holds @acc_max, under the batch's sysctls. */
static __always_inline void lq_row_caps(struct lq_iter *it, u32 acc_max)
{
	const struct lq_rules *rules = lq_kernel_rules();
	const struct lq_conf *conf = &it->conf;

	if (it->caps_valid && acc_max == it->caps_key)
		return;
	it->acc_cap = lq_acc_cap(rules, acc_max, 0, conf->max_syn_backlog, conf->syncookies);
	it->syn_cap = lq_syn_cap(rules, acc_max, 0, conf->max_syn_backlog, conf->syncookies,
				 NULL);
	it->caps_key = acc_max;
	it->caps_valid = true;
}

/*
 * A row is built in place and written at once: a seq_write() per field,
 * and vsnprintf() for the address, cost more than the walk (format.c).
 */
void lq_show_row(struct seq_file *seq, struct lq_iter *it, const struct lq_row *row)
{
	char *line = lq_row_begin(seq, it), *p = line;
	int i;

	BUILD_BUG_ON(LQ_COL_EXPIRED - LQ_COL_DROP_SYNQ != LQ_EXPIRED - LQ_DROP_SYNQ);
	BUILD_BUG_ON(LQ_DROP_SYNQ != 0 || LQ_EXPIRED + 1 != LQ_NR_REASONS);
	BUILD_BUG_ON(LQ_COL_LOCAL != 0);
	/* The address, then columns no wider than 20 digits after a blank. */
	BUILD_BUG_ON(sizeof("[ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255]:65535") +
		     21 * LQ_NR_COLUMNS + LQ_FMT_FIELD > LQ_LINE_MAX);
	/* The address, left-aligned in its width (< 0): "%-23pISpc". */
	BUILD_BUG_ON(-lq_widths[LQ_COL_LOCAL] > LQ_FMT_FIELD);
	lq_fmt_blank(p);
	p = max(lq_fmt_sockaddr(p, &row->local), line - lq_widths[LQ_COL_LOCAL]);
	p = lq_put_field(p, &it->ns);
	p = lq_put_uid(p, seq, it, row->uid);
	p = lq_put_num(p, LQ_COL_INODE, row->ino);
	p = lq_put_num(p, LQ_COL_ACC_Q, row->acc_q);
	p = lq_put_num(p, LQ_COL_ACC_MAX, row->acc_max);
	lq_row_caps(it, row->acc_max);
	p = lq_put_num(p, LQ_COL_ACC_CAP, it->acc_cap);
	p = lq_put_num(p, LQ_COL_SYN_Q, row->syn_q);
	p = lq_put_num(p, LQ_COL_SYN_YOUNG, row->syn_young);
	p = lq_put_num(p, LQ_COL_SYN_CAP, it->syn_cap);
	p = lq_put_num(p, LQ_COL_DROPS, row->drops);
	p = lq_put_field(p, &it->syn_full);
	p = lq_put_num(p, LQ_COL_DEFER_ACCEPT, lq_defer_accept_secs(row->defer_accept));
	p = lq_put_num(p, LQ_COL_TFO_Q, row->tfo_q);
	p = lq_put_num(p, LQ_COL_TFO_MAX, row->tfo_max);
	if (row->reuseport_id < 0)
		p = lq_put_none(p, LQ_COL_REUSEPORT_ID);
	else
		p = lq_put_num(p, LQ_COL_REUSEPORT_ID, row->reuseport_id);
	for (i = 0; i < LQ_NR_REASONS; i++)
		p = lq_put_probe(p, LQ_COL_DROP_SYNQ + i, row->have & lq_counter_needs(i),
				 row->c[i]);
	if (row->have & LQ_HAVE_BACKLOG && row->backlog != LQ_NO_BACKLOG)
		p = lq_put_int(p, LQ_COL_BACKLOG, row->backlog);
	else
		p = lq_put_none(p, LQ_COL_BACKLOG);
	p = lq_put_probe(p, LQ_COL_SYN_Q_PEAK, row->have & LQ_HAVE_SYN_PEAK, row->syn_peak);
	p = lq_put_probe(p, LQ_COL_ACC_Q_PEAK, row->have & LQ_HAVE_ACC_PEAK, row->acc_peak);
	p = lq_put_probe(p, LQ_COL_SYNACK_RETRANS,
			 row->have & lq_counter_needs(LQ_C_SYNACK_RETRANS),
			 row->c[LQ_C_SYNACK_RETRANS]);
	*p++ = '\n';
	lq_row_done(seq, it, line, p);
}

/* listenq_hist: columns as plain as a reader needs them, one blank apart. */
static char *lq_hist_put(char *p, bool have, unsigned long long v)
{
	*p++ = ' ';
	if (!have) {
		*p++ = LQ_NO_VALUE[0];
		return p;
	}
	return lq_fmt_u64(p, v);
}

void lq_hist_show_row(struct seq_file *seq, struct lq_iter *it, const struct lq_hist_row *row)
{
	bool wait = row->have & LQ_HAVE_WAIT;
	unsigned long long count = 0;
	char *line = lq_row_begin(seq, it), *p = line;
	int i, j;

	BUILD_BUG_ON(sizeof(LQ_NO_VALUE) != 2);
	/* The address, then every other column as a blank and 20 digits at most. */
	BUILD_BUG_ON(sizeof("[ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255]:65535") +
		     21 * LQ_NR_HIST_COLUMNS + LQ_FMT_FIELD > LQ_LINE_MAX);
	/* The counters in the order of the columns, wait_count inserted. */
	BUILD_BUG_ON(LQ_HCOL_SYN_FILL - LQ_C_SYN_FILL != LQ_HCOL_WAIT_COUNT - LQ_C_WAIT_SUM_NS);
	BUILD_BUG_ON(LQ_HCOL_WAIT_SUM_NS - LQ_C_WAIT_SUM_NS != LQ_NR_HIST_COLUMNS - LQ_NR_COUNTERS);
	p = lq_fmt_sockaddr(p, &row->local);
	p = lq_hist_put(p, true, seq_file_net(seq)->ns.inum);
	p = lq_hist_put(p, true, row->ino);
	for (i = LQ_NR_ROW_COUNTERS; i < LQ_NR_COUNTERS; i++) {
		if (i == LQ_C_WAIT_SUM_NS) {	/* wait_count first */
			for (j = LQ_C_WAIT; j < LQ_C_WAIT + LQ_NR_WAIT; j++)
				count += row->c[j];
			p = lq_hist_put(p, wait, count);
		}
		p = lq_hist_put(p, row->have & lq_counter_needs(i), row->c[i]);
	}
	*p++ = '\n';
	lq_row_done(seq, it, line, p);
}

void lq_hist_show_header(struct seq_file *seq)
{
	unsigned int col;

	for (col = 0; col < LQ_NR_HIST_COLUMNS; col++) {
		if (col)
			seq_putc(seq, ' ');
		seq_puts(seq, lq_hist_column_name(col));
	}
	seq_putc(seq, '\n');
}
