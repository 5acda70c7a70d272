// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/net/listenq and /proc/net/listenq_sysctl in every network namespace,
 * and the /proc/listenq symlink that resolves to the reader's own one.
 *
 * The table is a seq_file fed in batches: lq_walk() copies a few rows under
 * a bucket lock, ->show() prints them with no lock held (print.c).
 */
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/uidgid.h>
#include <net/net_namespace.h>

#include "proc.h"

/*
 * A read(2) returns at most what fits in the seq_file's buffer, and the
 * row that overflows it is formatted again by the next read: with
 * seq_file's own page, a read of 15 rows pays a system call, a
 * ->start()/->stop() pair and a row formatted in vain. lq_seq_grow() gives
 * each reader a bigger buffer, charged to its memory cgroup as seq_file's
 * page is.
 */
#define LQ_SEQ_BUF	(64 * 1024)

static const struct seq_operations lq_hist_seq_ops;

static enum lq_view lq_seq_view(const struct seq_file *seq)
{
	return seq->op == &lq_hist_seq_ops ? LQ_VIEW_HIST : LQ_VIEW_QUEUES;
}

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

static int lq_hist_seq_show(struct seq_file *seq, void *v)
{
	if (v != SEQ_START_TOKEN) {
		lq_hist_show_row(seq, seq->private, v);
		return 0;
	}
	lq_hist_show_header(seq);
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
