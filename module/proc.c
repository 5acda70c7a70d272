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
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/uidgid.h>
#include <net/net_namespace.h>

#include "listenq.h"

#define LQ_BATCH	32
#define LQ_HIST_BATCH	16

/* The state of a reader of listenq or of listenq_hist. */
struct lq_iter {
	struct seq_net_private p;	/* first, for proc_create_net_data() */
	struct lq_cursor cur;
	loff_t pos;			/* seq_file position of rows[idx] */
	unsigned int nr, idx;
	struct lq_conf conf;		/* read with the current batch */
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

/* The row at it->pos, fetching the next batch when this one is used up. */
static void *lq_iter_row(struct seq_file *seq)
{
	struct lq_iter *it = seq->private;
	struct net *net = seq_file_net(seq);
	enum lq_view view = lq_seq_view(seq);

	if (it->idx == it->nr) {
		lq_read_conf(net, &it->conf);
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

static void *lq_seq_start(struct seq_file *seq, loff_t *pos)
{
	struct lq_iter *it = seq->private;

	if (!*pos) {
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

/*
 * Fields are printed without vsnprintf(): a format string per field made
 * reading the table twice as slow (bench/README.md).
 */
static void lq_put_spaces(struct seq_file *seq, int n)
{
	static const char spaces[] = "                                ";

	while (n > 0) {
		int k = min_t(int, n, sizeof(spaces) - 1);

		seq_write(seq, spaces, k);
		n -= k;
	}
}

/* The @len bytes at @s as column @col: "%*s" with the column's width. */
static void lq_put_field(struct seq_file *seq, unsigned int col, const char *s, int len)
{
	int width = lq_widths[col];

	if (col)
		seq_putc(seq, ' ');
	if (width > 0)
		lq_put_spaces(seq, width - len);
	seq_write(seq, s, len);
	if (width < 0)
		lq_put_spaces(seq, -width - len);
}

static void lq_put_str(struct seq_file *seq, unsigned int col, const char *s)
{
	lq_put_field(seq, col, s, strlen(s));
}

/* " %*llu" with the column's width. */
static void lq_put_num(struct seq_file *seq, unsigned int col, unsigned long long v)
{
	char buf[20];		/* U64_MAX has 20 digits */
	int i = sizeof(buf);

	do {
		buf[--i] = '0' + do_div(v, 10);
	} while (v);
	lq_put_field(seq, col, buf + i, sizeof(buf) - i);
}

/* A probe value, or "-" when the probes do not provide it. */
static void lq_put_probe(struct seq_file *seq, unsigned int col, bool have,
			 unsigned long long v)
{
	if (have)
		lq_put_num(seq, col, v);
	else
		lq_put_str(seq, col, LQ_NO_VALUE);
}

static void lq_show_header(struct seq_file *seq)
{
	unsigned int col;

	for (col = 0; col < LQ_NR_COLUMNS; col++)
		lq_put_str(seq, col, lq_column_name(col));
	seq_putc(seq, '\n');
}

static void lq_show_row(struct seq_file *seq, const struct lq_iter *it,
			const struct lq_row *row)
{
	const struct lq_rules *rules = lq_kernel_rules();
	const struct lq_conf *conf = &it->conf;
	char local[sizeof("[ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255]:65535")];
	int i;

	BUILD_BUG_ON(LQ_COL_EXPIRED - LQ_COL_DROP_SYNQ != LQ_EXPIRED - LQ_DROP_SYNQ);
	snprintf(local, sizeof(local), "%pISpc", &row->local);

	lq_put_str(seq, LQ_COL_LOCAL, local);
	lq_put_num(seq, LQ_COL_NS, seq_file_net(seq)->ns.inum);
	lq_put_num(seq, LQ_COL_UID, from_kuid_munged(seq_user_ns(seq), row->uid));
	lq_put_num(seq, LQ_COL_INODE, row->ino);
	lq_put_num(seq, LQ_COL_ACC_Q, row->acc_q);
	lq_put_num(seq, LQ_COL_ACC_MAX, row->acc_max);
	lq_put_num(seq, LQ_COL_ACC_CAP,
		   lq_acc_cap(rules, row->acc_max, 0, conf->max_syn_backlog, conf->syncookies));
	lq_put_num(seq, LQ_COL_SYN_Q, row->syn_q);
	lq_put_num(seq, LQ_COL_SYN_YOUNG, row->syn_young);
	lq_put_num(seq, LQ_COL_SYN_CAP,
		   lq_syn_cap(rules, row->acc_max, 0, conf->max_syn_backlog,
			      conf->syncookies, NULL));
	lq_put_num(seq, LQ_COL_DROPS, row->drops);
	lq_put_str(seq, LQ_COL_SYN_FULL, lq_syn_full_action(conf->syncookies));
	lq_put_num(seq, LQ_COL_DEFER_ACCEPT, lq_defer_accept_secs(row->defer_accept));
	lq_put_num(seq, LQ_COL_TFO_Q, row->tfo_q);
	lq_put_num(seq, LQ_COL_TFO_MAX, row->tfo_max);
	if (row->reuseport_id < 0)
		lq_put_str(seq, LQ_COL_REUSEPORT_ID, LQ_NO_VALUE);
	else
		lq_put_num(seq, LQ_COL_REUSEPORT_ID, row->reuseport_id);
	for (i = 0; i < LQ_NR_REASONS; i++) {
		if (row->have & BIT(i))
			lq_put_num(seq, LQ_COL_DROP_SYNQ + i, row->count[i]);
		else
			lq_put_str(seq, LQ_COL_DROP_SYNQ + i, LQ_NO_VALUE);
	}
	if (row->have & LQ_HAVE_BACKLOG && row->backlog != LQ_NO_BACKLOG)
		seq_printf(seq, " %*d", lq_widths[LQ_COL_BACKLOG], row->backlog);
	else
		lq_put_str(seq, LQ_COL_BACKLOG, LQ_NO_VALUE);
	lq_put_probe(seq, LQ_COL_SYN_Q_PEAK, row->have & LQ_HAVE_SYN_PEAK, row->syn_peak);
	lq_put_probe(seq, LQ_COL_ACC_Q_PEAK, row->have & LQ_HAVE_ACC_PEAK, row->acc_peak);
	lq_put_probe(seq, LQ_COL_SYNACK_RETRANS, row->have & LQ_HAVE_SYNACK_RETRANS,
		     row->synack_retrans);
	seq_putc(seq, '\n');
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
static void lq_hist_put(struct seq_file *seq, bool have, unsigned long long v)
{
	char buf[20];
	int i = sizeof(buf);

	seq_putc(seq, ' ');
	if (!have) {
		seq_puts(seq, LQ_NO_VALUE);
		return;
	}
	do {
		buf[--i] = '0' + do_div(v, 10);
	} while (v);
	seq_write(seq, buf + i, sizeof(buf) - i);
}

static void lq_hist_show_row(struct seq_file *seq, const struct lq_hist_row *row)
{
	bool syn = row->have & LQ_HAVE_SYN_FILL, acc = row->have & LQ_HAVE_ACC_FILL;
	bool wait = row->have & LQ_HAVE_WAIT;
	unsigned long count = 0;
	int i;

	seq_printf(seq, "%pISpc", &row->local);
	lq_hist_put(seq, true, seq_file_net(seq)->ns.inum);
	lq_hist_put(seq, true, row->ino);
	for (i = 0; i < LQ_NR_FILL; i++)
		lq_hist_put(seq, syn, row->syn_fill[i]);
	for (i = 0; i < LQ_NR_FILL; i++)
		lq_hist_put(seq, acc, row->acc_fill[i]);
	for (i = 0; i < LQ_NR_WAIT; i++)
		count += row->wait[i];
	lq_hist_put(seq, wait, count);
	lq_hist_put(seq, wait, row->wait_sum_ns);
	for (i = 0; i < LQ_NR_WAIT; i++)
		lq_hist_put(seq, wait, row->wait[i]);
	lq_hist_put(seq, syn, row->syn_fill_sum);
	lq_hist_put(seq, acc, row->acc_fill_sum);
	lq_hist_put(seq, wait, row->wait_missed);
	seq_putc(seq, '\n');
}

static int lq_hist_seq_show(struct seq_file *seq, void *v)
{
	unsigned int col;

	if (v != SEQ_START_TOKEN) {
		lq_hist_show_row(seq, v);
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
