// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/net/listenq and /proc/net/listenq_sysctl in every network namespace,
 * and the /proc/listenq symlink that resolves to the reader's own one.
 *
 * The table is a seq_file fed in batches: lq_walk() copies a few rows under
 * a bucket lock, ->show() prints them with no lock held.
 */
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/uidgid.h>
#include <net/net_namespace.h>

#include "listenq.h"
#include "format.h"

#define LQ_BATCH	32
#define LQ_HIST_BATCH	16

/*
 * A read(2) returns at most what fits in the seq_file's buffer, and the
 * row that overflows it is formatted again by the next read: with
 * seq_file's own page, a read of 15 rows pays a system call, a
 * ->start()/->stop() pair and a row formatted in vain. lq_seq_grow() gives
 * each reader a bigger buffer, charged to its memory cgroup as seq_file's
 * page is.
 */
#define LQ_SEQ_BUF	(64 * 1024)

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

static const struct seq_operations lq_hist_seq_ops;

static enum lq_view lq_seq_view(const struct seq_file *seq)
{
	return seq->op == &lq_hist_seq_ops ? LQ_VIEW_HIST : LQ_VIEW_QUEUES;
}

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

static void lq_iter_reset(struct lq_iter *it)
{
	it->cur = (struct lq_cursor){};
	it->pos = 1;
	it->nr = 0;
	it->idx = 0;
}

static void lq_batch_fields(struct seq_file *seq, struct lq_iter *it);

/* The row at it->pos, fetching the next batch when this one is used up. */
static void *lq_iter_row(struct seq_file *seq)
{
	struct lq_iter *it = seq->private;
	struct net *net = seq_file_net(seq);
	enum lq_view view = lq_seq_view(seq);

	if (it->idx == it->nr) {
		lq_read_conf(net, &it->conf);
		if (view == LQ_VIEW_QUEUES)
			lq_batch_fields(seq, it);
		if (view == LQ_VIEW_HIST)
			it->nr = lq_walk(net, &it->cur, view, it->hrows, LQ_HIST_BATCH);
		else
			it->nr = lq_walk(net, &it->cur, view, it->rows, LQ_BATCH);
		it->idx = 0;
		if (!it->nr)
			return NULL;
	}
	return view == LQ_VIEW_HIST ? (void *)&it->hrows[it->idx] : &it->rows[it->idx];
}

static void *lq_iter_advance(struct seq_file *seq)
{
	struct lq_iter *it = seq->private;

	it->idx++;
	it->pos++;
	return lq_iter_row(seq);
}

/*
 * At the start of a read, with nothing in the buffer (seq_read_iter() and
 * traverse() call ->start() with @seq->count 0): a buffer of LQ_SEQ_BUF,
 * or the one it has if that cannot be had. seq_release() frees it.
 */
static void lq_seq_grow(struct seq_file *seq)
{
	char *buf;

	if (seq->size >= LQ_SEQ_BUF || seq->count)
		return;
	buf = kvmalloc(LQ_SEQ_BUF, GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!buf)
		return;
	kvfree(seq->buf);
	seq->buf = buf;
	seq->size = LQ_SEQ_BUF;
}

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

static void *lq_seq_start(struct seq_file *seq, loff_t *pos)
{
	struct lq_iter *it = seq->private;

	if (!*pos) {
		lq_seq_grow(seq);
		/*
		 * The windows account drops only, a column of listenq alone:
		 * the fill and wait histograms of listenq_hist are counted at
		 * hook entry (lq_count_arrival()) and by the accept wait of
		 * waits.c, never through a window.
		 */
		if (lq_seq_view(seq) == LQ_VIEW_QUEUES)
			lq_windows_sync(seq_file_net(seq));
		lq_iter_reset(it);
		return SEQ_START_TOKEN;
	}
	/* A read that goes on where the last one stopped keeps its batch. */
	if (*pos == it->pos)
		return lq_iter_row(seq);

	/*
	 * Anywhere else: walk again from the first row, batch by batch, as a
	 * sequential read would. seq_file itself never asks for that today
	 * (traverse(), for lseek() and pread(), starts at 0), but a start at
	 * any position must not read past rows[]. lq_iter_row() fetches the
	 * first batch, which lq_iter_advance() alone would not: it fetches
	 * only once the batch it holds is used up.
	 */
	lq_iter_reset(it);
	if (!lq_iter_row(seq))
		return NULL;
	while (it->pos < *pos)
		if (!lq_iter_advance(seq))
			return NULL;
	return lq_iter_row(seq);
}

static void *lq_seq_next(struct seq_file *seq, void *v, loff_t *pos)
{
	++*pos;
	if (v == SEQ_START_TOKEN)
		return lq_iter_row(seq);
	return lq_iter_advance(seq);
}

static void lq_seq_stop(struct seq_file *seq, void *v)
{
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

static void lq_show_header(struct seq_file *seq)
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
	memcpy(p, f->text, sizeof(f->text));
	return p + f->len;
}

/* The columns that are the same in every row of a batch. */
static void lq_batch_fields(struct seq_file *seq, struct lq_iter *it)
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
static void lq_show_row(struct seq_file *seq, struct lq_iter *it, const struct lq_row *row)
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

static int lq_seq_show(struct seq_file *seq, void *v)
{
	if (v == SEQ_START_TOKEN)
		lq_show_header(seq);
	else
		lq_show_row(seq, seq->private, v);
	return 0;
}

static const struct seq_operations lq_seq_ops = {
	.start	= lq_seq_start,
	.next	= lq_seq_next,
	.stop	= lq_seq_stop,
	.show	= lq_seq_show,
};

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

static void lq_hist_show_row(struct seq_file *seq, struct lq_iter *it,
			     const struct lq_hist_row *row)
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

static int lq_hist_seq_show(struct seq_file *seq, void *v)
{
	unsigned int col;

	if (v != SEQ_START_TOKEN) {
		lq_hist_show_row(seq, seq->private, v);
		return 0;
	}
	for (col = 0; col < LQ_NR_HIST_COLUMNS; col++) {
		if (col)
			seq_putc(seq, ' ');
		seq_puts(seq, lq_hist_column_name(col));
	}
	seq_putc(seq, '\n');
	return 0;
}

static const struct seq_operations lq_hist_seq_ops = {
	.start	= lq_seq_start,
	.next	= lq_seq_next,
	.stop	= lq_seq_stop,
	.show	= lq_hist_seq_show,
};

static int lq_sysctl_show(struct seq_file *seq, void *v)
{
	struct net *net = seq_file_single_net(seq);
	long long val[LQ_SC_NR];
	struct lq_conf conf;
	unsigned int i;

	lq_read_conf(net, &conf);
	val[LQ_SC_NS] = net->ns.inum;
	val[LQ_SC_SOMAXCONN] = conf.somaxconn;
	val[LQ_SC_MAX_SYN_BACKLOG] = conf.max_syn_backlog;
	val[LQ_SC_SYNCOOKIES] = conf.syncookies;
	val[LQ_SC_ABORT_ON_OVERFLOW] = conf.abort_on_overflow;
	val[LQ_SC_SYNACK_RETRIES] = conf.synack_retries;
	for (i = 0; i < LQ_SC_NR; i++)
		seq_printf(seq, "%s %lld\n", lq_sysctl_name(i), val[i]);
	return 0;
}

/*
 * A failure refuses the namespace (unshare(), clone(), the load): say why,
 * ratelimited, as any user may create namespaces.
 */
static int __net_init lq_net_init(struct net *net)
{
	const char *name = "listenq";

	if (!proc_create_net(name, 0444, net->proc_net, &lq_seq_ops, sizeof(struct lq_iter)))
		goto fail;
	name = "listenq_sysctl";
	if (!proc_create_net_single(name, 0444, net->proc_net, lq_sysctl_show, NULL))
		goto fail_sysctl;
	name = "listenq_hist";
	if (!proc_create_net(name, 0444, net->proc_net, &lq_hist_seq_ops, sizeof(struct lq_iter)))
		goto fail_hist;
	return 0;
fail_hist:
	remove_proc_entry("listenq_sysctl", net->proc_net);
fail_sysctl:
	remove_proc_entry("listenq", net->proc_net);
fail:
	pr_err_ratelimited("cannot create /proc/net/%s in netns %u: %d\n",
			   name, net->ns.inum, -ENOMEM);
	return -ENOMEM;
}

static void __net_exit lq_net_exit(struct net *net)
{
	remove_proc_entry("listenq_hist", net->proc_net);
	remove_proc_entry("listenq_sysctl", net->proc_net);
	remove_proc_entry("listenq", net->proc_net);
}

static struct pernet_operations lq_net_ops = {
	.init = lq_net_init,
	.exit = lq_net_exit,
};

int lq_proc_init(void)
{
	int err;

	err = register_pernet_subsys(&lq_net_ops);
	if (err)
		return err;
	/* /proc/net is /proc/self/net: the link resolves per reader. */
	if (!proc_symlink("listenq", NULL, "net/listenq"))
		goto fail;
	if (!proc_symlink("listenq_hist", NULL, "net/listenq_hist")) {
		remove_proc_entry("listenq", NULL);
		goto fail;
	}
	return 0;
fail:
	unregister_pernet_subsys(&lq_net_ops);
	return -ENOMEM;
}

void lq_proc_exit(void)
{
	remove_proc_entry("listenq_hist", NULL);
	remove_proc_entry("listenq", NULL);
	unregister_pernet_subsys(&lq_net_ops);
}
